"""The index: the ledger's events followed into a database (SQLite by default, PostgreSQL by URL).

The chain is the truth; the index is a cache of it that answers lists quickly and says which
block it reflects. Design:

* ``events`` holds every decoded event, unique on ``(block_number, log_index)``; ``projects``,
  ``anchors``, ``members`` and ``member_keys`` are derived from the events in the same transaction.
* ``checkpoint`` (one row) names the last indexed block, its hash, the chain id and the ledger
  address. It moves in the same DB transaction as the rows of its batch, so a crash anywhere
  leaves either the whole batch or none of it: a restart resumes from the checkpoint, without
  duplicates or gaps.
* ``blocks`` keeps the hash (and timestamp) of every block that had events, and of each checkpoint.
  Before each sync the checkpoint's hash is compared with the chain's; on a mismatch (a reorg, or a
  node reset to older state) the index walks back through ``blocks`` to the newest one the chain
  still has (at most ``reorg_depth`` back, else from scratch), deletes everything after it and
  re-derives the projects and members from the remaining events.
* The chain may also change during a sync. Each batch reads its last block's header first, then
  the logs and the headers of their blocks, and before it commits reads the last block again: a
  batch commits only if that block is unchanged, its first block's parent is the checkpoint's
  block and every log's block hash is its header's. Otherwise nothing of it is kept; the sync
  rolls back as above if the checkpoint's block is gone, and goes on from the checkpoint.
* ``schema_version`` (one row) names the layout of these tables. It is written in the transaction
  that creates them; an index whose version differs, or that has tables of ours and no version (an
  older mulu, or a rebuild that did not finish), is dropped and rebuilt from the chain. The drop,
  the create and the version are one transaction (on SQLite too: BEGIN is emitted explicitly, as
  pysqlite would otherwise commit each DROP TABLE on its own).
* ``confirmations``: the index stays that many blocks behind the head (0 on the local node).
* ``anchors`` holds one row per (project, kind, version): the version's anchor record as
  :mod:`chain_client.anchors` defines it — its ``CatalogAnchored``, or (``restated``) the
  ``CatalogAnchorRestated`` that announced it again where that is in no block. A duplicate,
  conflicting or redundant anchor event stays in ``events`` only (the audit names it).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from web3.exceptions import BlockNotFound, Web3Exception

from chain_client.anchors import ANCHOR_EVENTS, ANCHORED, RESTATED, judge
from chain_client.ledger import LOG_CHUNK, Ledger, LedgerEvent
from chain_client.types import CatalogKind, Role, State, decode_code
from mulu.errors import ChainUnavailable

__all__ = [
    "AnchorRow",
    "Checkpoint",
    "EventRow",
    "Index",
    "Indexer",
    "KeyRow",
    "MemberRow",
    "ProjectRow",
    "SyncResult",
    "database_url",
]

QUARTER = 90 * 86_400

#: how many times one sync goes on after the chain changed under a batch before it gives up
CHAIN_MOVES = 8

#: the layout of the tables below: bump it with any change to them (an index of another version is
#: rebuilt from the chain)
SCHEMA_VERSION = 1


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("block_number", "log_index", name="uq_event_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    log_index: Mapped[int] = mapped_column(Integer)
    block_hash: Mapped[str] = mapped_column(String(66))
    tx_hash: Mapped[str] = mapped_column(String(66), index=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    contract: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64), index=True)
    project_code: Mapped[str | None] = mapped_column(String(32), index=True)
    account: Mapped[str | None] = mapped_column(String(42), index=True)
    args: Mapped[dict[str, Any]] = mapped_column(JSON)

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.name,
            "contract": self.contract,
            "block_number": self.block_number,
            "block_hash": self.block_hash,
            "tx_hash": self.tx_hash,
            "log_index": self.log_index,
            "timestamp": self.timestamp,
            "args": self.args,
        }


class ProjectRow(Base):
    __tablename__ = "projects"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(42), index=True)
    state: Mapped[int] = mapped_column(Integer, index=True)
    created_block: Mapped[int] = mapped_column(BigInteger)
    updated_block: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)
    review_started_at: Mapped[int | None] = mapped_column(BigInteger)
    crypto_approved_at: Mapped[int | None] = mapped_column(BigInteger)
    opinion_passed_at: Mapped[int | None] = mapped_column(BigInteger)
    opinion_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    opinion_digest: Mapped[str | None] = mapped_column(String(66))
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    funded_at: Mapped[int | None] = mapped_column(BigInteger)
    period_days: Mapped[int | None] = mapped_column(BigInteger)  # uint32
    construction_started_at: Mapped[int | None] = mapped_column(BigInteger)
    construction_deadline: Mapped[int | None] = mapped_column(BigInteger)
    progress_reports: Mapped[int] = mapped_column(Integer, default=0)
    last_report_window: Mapped[int] = mapped_column(BigInteger, default=0)  # uint32 + 1
    last_progress_at: Mapped[int | None] = mapped_column(BigInteger)
    accepted_at: Mapped[int | None] = mapped_column(BigInteger)
    acceptance_version: Mapped[int | None] = mapped_column(BigInteger)  # uint32
    warranty_ends_at: Mapped[int | None] = mapped_column(BigInteger)
    commission_deadline: Mapped[int | None] = mapped_column(BigInteger)
    commission_applied_at: Mapped[int | None] = mapped_column(BigInteger)
    operation_at: Mapped[int | None] = mapped_column(BigInteger)
    self_evaluated_at: Mapped[int | None] = mapped_column(BigInteger)
    terminated_at: Mapped[int | None] = mapped_column(BigInteger)
    termination_reason: Mapped[str | None] = mapped_column(Text)
    last_change_bp: Mapped[int | None] = mapped_column(Integer)
    evaluated_at: Mapped[int | None] = mapped_column(BigInteger)  # latest EITB evaluation report
    rectification_due_at: Mapped[int | None] = mapped_column(BigInteger)
    rectification_planned_at: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def state_enum(self) -> State:
        return State(self.state)

    def progress(self, now: int) -> dict[str, Any]:
        """The contract's ``progressStatus`` recomputed at time ``now`` (ProjectRules.sol)."""
        if self.construction_started_at is None:
            return {"next_due_at": None, "missed_quarters": 0, "overdue": False}
        end = now
        if self.accepted_at:
            end = self.accepted_at
        elif self.state == State.TERMINATED and self.terminated_at:
            end = self.terminated_at
        ended = max(0, end - self.construction_started_at) // QUARTER
        current = self.last_report_window == ended + 1
        missed = max(0, ended - (self.progress_reports - (1 if current else 0)))
        next_due = None
        if self.state == State.UNDER_CONSTRUCTION and not self.accepted_at:
            next_due = self.construction_started_at + (ended + (1 if current else 0) + 1) * QUARTER
        return {"next_due_at": next_due, "missed_quarters": missed, "overdue": missed > 0}

    def overdue_reasons(self, now: int) -> list[str]:
        """What this project is late with at time ``now`` (empty: nothing)."""
        reasons = []
        if self.progress(now)["overdue"] and self.state == State.UNDER_CONSTRUCTION:
            reasons.append("progress_report")
        building = self.state == State.UNDER_CONSTRUCTION
        if building and not self.accepted_at and (self.construction_deadline or now) < now:
            reasons.append("construction_deadline")
        if (
            building
            and self.accepted_at
            and not self.commission_applied_at
            and (self.commission_deadline or now) < now
        ):
            reasons.append("commission_application")
        if (
            self.state == State.OPERATION
            and self.operation_at
            and not self.self_evaluated_at
            and now > self.operation_at + 456 * 86_400
        ):
            reasons.append("self_evaluation")
        if (
            self.rectification_due_at
            and not self.rectification_planned_at
            and now > self.rectification_due_at
        ):
            reasons.append("rectification")
        return reasons


class AnchorRow(Base):
    __tablename__ = "anchors"
    __table_args__ = (UniqueConstraint("project_code", "kind", "version", name="uq_anchor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_code: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(BigInteger)  # uint32: over INTEGER's 2^31 - 1
    digest: Mapped[str] = mapped_column(String(64), index=True)
    merkle_root: Mapped[str] = mapped_column(String(64))
    resource_count: Mapped[int] = mapped_column(BigInteger)  # uint32
    submitter: Mapped[str] = mapped_column(String(42))
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    #: recorded by CatalogAnchorRestated (its CatalogAnchored is in no block the node served)
    restated: Mapped[bool] = mapped_column(Boolean, default=False)


class MemberRow(Base):
    __tablename__ = "members"

    account: Mapped[str] = mapped_column(String(42), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    roles: Mapped[list[str]] = mapped_column(JSON)
    admitted_block: Mapped[int] = mapped_column(BigInteger)
    revoked_block: Mapped[int | None] = mapped_column(BigInteger)


class KeyRow(Base):
    __tablename__ = "member_keys"
    __table_args__ = (UniqueConstraint("account", "key_index", name="uq_member_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(42), ForeignKey("members.account"), index=True)
    key_index: Mapped[int] = mapped_column(BigInteger)
    public_key: Mapped[str] = mapped_column(String(128))
    valid_from_block: Mapped[int] = mapped_column(BigInteger)
    valid_until_block: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))


class BlockRow(Base):
    __tablename__ = "blocks"

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    timestamp: Mapped[int] = mapped_column(BigInteger)


class Checkpoint(Base):
    __tablename__ = "checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    ledger: Mapped[str] = mapped_column(String(42))
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))
    timestamp: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[float] = mapped_column()


class SchemaVersion(Base):
    __tablename__ = "schema_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


# -- the database ---------------------------------------------------------------------------------


class Index:
    """The index database: engine, schema and read helpers."""

    def __init__(self, url: str) -> None:
        url = database_url(url)
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:  # a server: a connection may have been closed by it (restart, idle timeout)
            kwargs["pool_pre_ping"] = True
        self.url = url
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            self.rebuilt = _open_schema(url, kwargs)
        except BaseException:
            self.engine.dispose()
            raise
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def checkpoint(self) -> Checkpoint | None:
        with self.sessions() as s:
            return s.get(Checkpoint, 1)

    def session(self) -> Session:
        return self.sessions()


def _open_schema(url: str, kwargs: dict[str, Any]) -> bool:
    """Create the tables, in one transaction; first drop them all if the index is of another
    schema (then True: it is rebuilt from the chain, its only source). A crash anywhere leaves
    the database as it was, so the next start decides again."""
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):  # SQLAlchemy's recipe for transactional DDL on pysqlite
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _sqlite_driver_begins_nothing)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    try:
        with engine.begin() as conn:
            inspector = inspect(conn)
            existing = set(inspector.get_table_names())
            version = None
            if SchemaVersion.__tablename__ in existing:
                version = conn.scalar(select(SchemaVersion.version).where(SchemaVersion.id == 1))
            rebuild = bool(existing & set(Base.metadata.tables)) and (
                version != SCHEMA_VERSION or _stale_schema(conn)
            )
            if rebuild:
                Base.metadata.drop_all(conn)
            Base.metadata.create_all(conn)
            if rebuild or version != SCHEMA_VERSION:
                conn.execute(delete(SchemaVersion))
                conn.execute(insert(SchemaVersion).values(id=1, version=SCHEMA_VERSION))
            return rebuild
    finally:
        engine.dispose()


def _stale_schema(conn: Connection) -> bool:
    """Whether a table of ours exists without every column this version writes (or, on a
    server, with a 32-bit integer where this version writes 64 bits: uint32 chain values)."""
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    typed = conn.dialect.name != "sqlite"  # SQLite stores any integer in any integer column
    for table in Base.metadata.sorted_tables:
        if table.name in existing:
            have = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
            if not {c.name for c in table.columns} <= set(have):
                return True
            if typed and any(
                isinstance(c.type, BigInteger) and not isinstance(have[c.name], BigInteger)
                for c in table.columns
            ):
                return True
    return False


def database_url(url: str) -> str:
    """``url`` with a driver SQLAlchemy can load: a bare ``postgresql://`` (or ``postgres://``)
    URL means psycopg 3 here (SQLAlchemy's default for it is psycopg2, which mulu does not use)."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_driver_begins_nothing(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # pysqlite emits no BEGIN (and commits no DDL alone)


def _sqlite_begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: two starts do not interleave


# -- following the chain --------------------------------------------------------------------------


@dataclass
class SyncResult:
    """What one :meth:`Indexer.sync` did."""

    events: int = 0
    batches: int = 0
    rolled_back_to: int | None = None
    checkpoint: int | None = None
    head: int | None = None


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


def _text(value: Any) -> str:
    """A chain string for a text column: PostgreSQL's text cannot hold NUL, which a contract
    string may; it becomes U+FFFD (the ``events`` row keeps the exact value in its JSON)."""
    return str(value).replace("\x00", "\ufffd")


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class _Header:
    hash: str
    timestamp: int
    parent: str


class _ChainMoved(Exception):
    """The chain is not the one a batch read (a reorg, or a node reset, during the batch)."""


class Indexer:
    """Follows one ledger into one :class:`Index`. Not thread-safe: one indexer per database.

    Test seams: ``fault`` is called after each event row is added to the open transaction (with
    the number of rows so far); it may raise to simulate a crash mid-batch. ``between`` is called
    after each committed batch with its last block.
    """

    def __init__(
        self,
        index: Index,
        ledger: Ledger,
        *,
        confirmations: int = 0,
        batch_blocks: int = 2000,
        reorg_depth: int = 128,
        fault: Callable[[int], None] | None = None,
        between: Callable[[int], None] | None = None,
    ) -> None:
        self.index = index
        self.ledger = ledger
        self.confirmations = confirmations
        self.batch_blocks = batch_blocks
        self.reorg_depth = reorg_depth
        self.fault = fault
        self.between = between
        self._ledger_address = ledger.deployment.addresses["ProjectLibrary"].lower()

    # -- public ---------------------------------------------------------------------------------

    def sync(self, *, max_batches: int | None = None) -> SyncResult:
        """Index up to ``head - confirmations`` (or ``max_batches`` batches); one transaction each."""
        result = SyncResult()
        chain = self.ledger.chain
        head = chain.block_number()
        result.head = head
        target = head - self.confirmations
        cp = self._prepare()
        if cp is not None and self._reorged(cp):
            result.rolled_back_to = self._rollback()
            cp = self.index.checkpoint()
        start = cp.block_number + 1 if cp is not None else self.ledger.deployment.start_block
        parent = cp.block_hash if cp is not None else None
        moves = 0
        while start <= target and (max_batches is None or result.batches < max_batches):
            stop = min(start + self.batch_blocks - 1, target)
            try:
                added, parent = self._batch(start, stop, parent)
            except _ChainMoved as exc:
                moves += 1
                if moves > CHAIN_MOVES:
                    raise ChainUnavailable(f"the chain kept changing while indexed: {exc}") from exc
                cp = self.index.checkpoint()
                if cp is not None and self._reorged(cp):
                    result.rolled_back_to = self._rollback()
                    cp = self.index.checkpoint()
                head = chain.block_number()
                result.head, target = head, head - self.confirmations
                start = (
                    cp.block_number + 1 if cp is not None else self.ledger.deployment.start_block
                )
                parent = cp.block_hash if cp is not None else None
                continue
            result.events += added
            result.batches += 1
            start = stop + 1
            if self.between is not None:
                self.between(stop)
        cp = self.index.checkpoint()
        result.checkpoint = cp.block_number if cp else None
        return result

    # -- steps ----------------------------------------------------------------------------------

    def _prepare(self) -> Checkpoint | None:
        """The checkpoint, after wiping an index built for another chain or deployment, or
        events that lost their checkpoint (indexed again from the deployment, derived anew)."""
        cp = self.index.checkpoint()
        if cp is None:
            with self.index.session() as s:
                orphans = s.scalar(select(EventRow.id).limit(1)) is not None
            if orphans:  # rows without the checkpoint that derived them: _batch would skip them
                self._wipe()
            return None
        if cp.chain_id != self.ledger.chain.chain_id or cp.ledger != self._ledger_address:
            self._wipe()
            return None
        return cp

    def _wipe(self) -> None:
        with self.index.session() as s, s.begin():
            for table in (KeyRow, MemberRow, AnchorRow, ProjectRow, EventRow, BlockRow):
                s.execute(delete(table))
            s.execute(delete(Checkpoint))

    def _block(self, number: int) -> _Header | None:
        """Block ``number``'s hash, timestamp and parent; None only when the node answers that it
        has no such block (reset to an older state). Any other failure (an HTTP 5xx, an RPC
        error) is :class:`ChainUnavailable`: it says nothing of the block, so must not roll back."""
        chain = self.ledger.chain
        try:
            block = chain.rpc(lambda: chain.w3.eth.get_block(number))
        except BlockNotFound:
            return None
        except (requests.RequestException, Web3Exception) as exc:
            raise ChainUnavailable(f"block {number}: the node did not answer: {exc}") from exc
        if block is None:
            return None
        return _Header(_hex(block["hash"]), int(block["timestamp"]), _hex(block["parentHash"]))

    def _chain_hash(self, number: int) -> str | None:
        found = self._block(number)
        return found.hash if found else None

    def _logs(self, start: int, stop: int) -> list[tuple[LedgerEvent, str]]:
        """The ledger's events in ``start..stop``, oldest first, each with its log's block hash
        (:meth:`Ledger.logs` does not keep it)."""
        chain = self.ledger.chain
        addresses = list(self.ledger.deployment.addresses.values())
        out: list[tuple[LedgerEvent, str]] = []
        while start <= stop:
            end = min(start + LOG_CHUNK - 1, stop)
            params: dict[str, Any] = {"address": addresses, "fromBlock": start, "toBlock": end}
            raw = chain.rpc(lambda p=params: chain.w3.eth.get_logs(p))  # type: ignore[misc]
            hashes = {
                (int(r["blockNumber"]), int(r["logIndex"])): _hex(r["blockHash"]) for r in raw
            }
            for ev in self.ledger.decode_logs(raw):
                out.append((ev, hashes[(ev.block_number, ev.log_index)]))
            start = end + 1
        out.sort(key=lambda pair: (pair[0].block_number, pair[0].log_index))
        return out

    def _reorged(self, cp: Checkpoint) -> bool:
        return self._chain_hash(cp.block_number) != cp.block_hash

    def _rollback(self) -> int:
        """Delete everything after the newest stored block the chain still has; re-derive."""
        fork = self.ledger.deployment.start_block - 1
        with self.index.session() as s:
            rows = s.scalars(
                select(BlockRow).order_by(BlockRow.block_number.desc()).limit(self.reorg_depth)
            ).all()
        for row in rows:
            if self._chain_hash(row.block_number) == row.block_hash:
                fork = row.block_number
                break
        with self.index.session() as s, s.begin():
            s.execute(delete(EventRow).where(EventRow.block_number > fork))
            s.execute(delete(AnchorRow))
            s.execute(delete(BlockRow).where(BlockRow.block_number > fork))
            s.execute(delete(KeyRow))
            s.execute(delete(MemberRow))
            s.execute(delete(ProjectRow))
            s.flush()
            for ev in s.scalars(
                select(EventRow).order_by(EventRow.block_number, EventRow.log_index)
            ):
                _derive(s, ev)
            cp = s.get(Checkpoint, 1)
            if fork < self.ledger.deployment.start_block or cp is None:
                s.execute(delete(Checkpoint))
            else:
                block = s.get(BlockRow, fork)
                assert block is not None
                cp.block_number, cp.block_hash = fork, block.block_hash
                cp.timestamp, cp.updated_at = block.timestamp, time.time()
        return fork

    def _header(self, number: int) -> _Header:
        found = self._block(number)
        if found is None:
            raise _ChainMoved(f"block {number} is gone")
        return found

    def _batch(self, start: int, stop: int, parent: str | None) -> tuple[int, str]:
        """Index ``start..stop`` in one transaction, on top of block ``parent`` (the checkpoint's
        hash; None from the deployment); the rows added and the hash of ``stop``."""
        tip = self._header(stop)  # before the logs: the chain they must come from
        logged = self._logs(start, stop)
        events = [ev for ev, _ in logged]
        blocks = {stop: tip}
        for number in sorted({e.block_number for e in events} - {stop}):
            blocks[number] = self._header(number)
        for ev, block_hash in logged:
            if blocks[ev.block_number].hash != block_hash:
                raise _ChainMoved(f"block {ev.block_number} changed after its logs were read")
        if parent is not None:
            first = blocks[start] if start in blocks else self._header(start)
            if first.parent != parent:
                raise _ChainMoved(f"block {start} does not follow the checkpoint")
        added = 0
        with self.index.session() as s, s.begin():
            cp = s.get(Checkpoint, 1)
            if (cp.block_hash if cp is not None else None) != parent:
                raise _ChainMoved("the checkpoint moved")  # another writer: read it again

            existing = set(
                s.execute(
                    select(EventRow.block_number, EventRow.log_index).where(
                        EventRow.block_number.between(start, stop)
                    )
                ).all()
            )
            for ev in events:
                if (ev.block_number, ev.log_index) in existing:
                    continue  # idempotent: a re-run of a committed range adds nothing
                header = blocks[ev.block_number]
                row = _event_row(ev, header.hash, header.timestamp)
                s.add(row)
                s.flush()
                _derive(s, row)
                added += 1
                if self.fault is not None:
                    self.fault(added)
            for number, header in blocks.items():
                s.merge(
                    BlockRow(
                        block_number=number, block_hash=header.hash, timestamp=header.timestamp
                    )
                )
            if cp is None:
                cp = Checkpoint(
                    id=1, chain_id=self.ledger.chain.chain_id, ledger=self._ledger_address
                )
                s.add(cp)
            cp.block_number, cp.block_hash, cp.timestamp = stop, tip.hash, tip.timestamp
            cp.updated_at = time.time()
            if self._chain_hash(stop) != tip.hash:  # the last look before the commit
                raise _ChainMoved(f"block {stop} changed while the batch was written")
        return added, tip.hash


def _event_row(ev: LedgerEvent, block_hash: str, ts: int) -> EventRow:
    args = {k: _jsonable(v) for k, v in ev.args.items()}
    code = ev.args.get("code")
    account = ev.args.get("account")
    return EventRow(
        block_number=ev.block_number,
        log_index=ev.log_index,
        block_hash=block_hash,
        tx_hash=ev.tx_hash,
        timestamp=ts,
        contract=ev.contract,
        name=ev.name,
        project_code=decode_code(code) if isinstance(code, bytes | bytearray) else None,
        account=str(account) if account else None,
        args=json.loads(json.dumps(args, default=str)),
    )


def _roles(ids: Iterable[str]) -> list[str]:
    out = []
    for hex_id in ids:
        role = Role.from_id(bytes.fromhex(hex_id[2:]))
        out.append(role.value if role else hex_id)
    return out


def _derive(s: Session, ev: EventRow) -> None:
    """Apply one event to the derived tables (projects, anchors, members, keys)."""
    a, ts, n = ev.args, ev.timestamp, ev.name
    if ev.contract == "Members":
        _derive_member(s, ev)
        return
    if ev.project_code is None:
        return
    if n in ANCHOR_EVENTS:
        _derive_anchor(s, ev)
        return
    if n == "ProjectCreated":
        s.add(
            ProjectRow(
                code=ev.project_code,
                name=_text(a["name"]),
                unit=str(a["unit"]),
                state=int(State.RESERVE),
                created_block=ev.block_number,
                updated_block=ev.block_number,
                created_at=ts,
                extended=False,
                progress_reports=0,
                last_report_window=0,
            )
        )
        return
    p = s.get(ProjectRow, ev.project_code)
    if p is None:
        return
    p.updated_block = ev.block_number
    if "to" in a and n != "ProjectCreated":
        p.state = int(a["to"])
    match n:
        case "ReviewStarted":
            p.review_started_at = ts
        case "CryptoApproved":
            p.crypto_approved_at = int(a["approvedAt"])
        case "ReviewPassed":
            p.opinion_passed_at, p.opinion_expires_at = ts, int(a["expiresAt"])
            p.opinion_digest = str(a["opinionDigest"])
        case "ReviewExtended":
            p.opinion_expires_at, p.extended = int(a["expiresAt"]), True
        case "ProjectFunded":
            p.funded_at, p.period_days = ts, int(a["periodDays"])
        case "ConstructionStarted":
            p.construction_started_at, p.construction_deadline = ts, int(a["deadline"])
        case "ProgressReported":
            p.progress_reports = (p.progress_reports or 0) + 1
            p.last_report_window = int(a["window"]) + 1
            p.last_progress_at = ts
        case "ProjectAccepted":
            p.accepted_at, p.acceptance_version = ts, int(a["catalogVersion"])
            p.warranty_ends_at = int(a["warrantyEndsAt"])
            p.commission_deadline = int(a["commissionDeadline"])
        case "CommissionApplied":
            p.commission_applied_at = int(a["appliedAt"])
        case "ProjectCommissioned":
            p.operation_at = ts
        case "SelfEvaluationSubmitted":
            p.self_evaluated_at = ts
        case "ProjectTerminated":
            p.terminated_at, p.termination_reason = ts, _text(a.get("reason", ""))
        case "ChangeFiled" | "ChangeApproved":
            p.last_change_bp = int(a["ratioBp"])
        case "EvaluationReported":
            p.evaluated_at, p.rectification_due_at = ts, int(a["rectificationDueAt"])
            p.rectification_planned_at = None
        case "RectificationPlanSubmitted":
            p.rectification_planned_at = ts
        case _:
            pass  # events added later (issue 5's gates) are kept in `events` as they are


def _derive_anchor(s: Session, ev: EventRow) -> None:
    """The version's anchor row from an anchor event, by :func:`chain_client.anchors.judge`."""
    a = ev.args
    kind, version = CatalogKind(int(a["kind"])).key, int(a["version"])
    fields = (
        bytes.fromhex(str(a["digest"])[2:]),
        bytes.fromhex(str(a["merkleRoot"])[2:]),
        int(a["resourceCount"]),
    )
    row = s.scalars(
        select(AnchorRow).where(
            AnchorRow.project_code == ev.project_code,
            AnchorRow.kind == kind,
            AnchorRow.version == version,
        )
    ).first()
    current = None
    if row is not None:
        held = (bytes.fromhex(row.digest), bytes.fromhex(row.merkle_root), row.resource_count)
        current = (RESTATED if row.restated else ANCHORED, held)
    verdict = judge(current, ev.name, fields)
    if verdict not in ("record", "supersede"):
        return  # duplicate, conflicting or redundant: the record stays
    if row is None:
        assert ev.project_code is not None
        row = AnchorRow(project_code=ev.project_code, kind=kind, version=version)
        s.add(row)
    row.digest, row.merkle_root = fields[0].hex(), fields[1].hex()
    row.resource_count, row.submitter = fields[2], str(a["submitter"])
    row.block_number, row.block_hash = ev.block_number, ev.block_hash
    row.tx_hash, row.log_index, row.timestamp = ev.tx_hash, ev.log_index, ev.timestamp
    row.restated = ev.name == RESTATED


def _derive_member(s: Session, ev: EventRow) -> None:
    a = ev.args
    account = str(a.get("account", ""))
    match ev.name:
        case "MemberAdmitted":
            s.merge(
                MemberRow(
                    account=account,
                    name=_text(a["name"]),
                    active=True,
                    roles=_roles(a["roles"]),
                    admitted_block=int(a["atBlock"]),
                    revoked_block=None,
                )
            )
            s.flush()
            s.add(
                KeyRow(
                    account=account,
                    key_index=0,
                    public_key=str(a["keyX"])[2:] + str(a["keyY"])[2:],
                    valid_from_block=int(a["atBlock"]),
                    valid_until_block=None,
                    tx_hash=ev.tx_hash,
                )
            )
        case "MemberRolesChanged":
            m = s.get(MemberRow, account)
            if m is not None:
                m.roles = _roles(a["roles"])
        case "MemberKeyRotated":
            index, at = int(a["keyIndex"]), int(a["atBlock"])
            for key in s.scalars(
                select(KeyRow).where(KeyRow.account == account, KeyRow.valid_until_block.is_(None))
            ):
                key.valid_until_block = at
            s.add(
                KeyRow(
                    account=account,
                    key_index=index,
                    public_key=str(a["keyX"])[2:] + str(a["keyY"])[2:],
                    valid_from_block=at,
                    valid_until_block=None,
                    tx_hash=ev.tx_hash,
                )
            )
        case "MemberRevoked":
            at = int(a["atBlock"])
            m = s.get(MemberRow, account)
            if m is not None:
                m.active, m.revoked_block, m.roles = False, at, []
            for key in s.scalars(
                select(KeyRow).where(KeyRow.account == account, KeyRow.valid_until_block.is_(None))
            ):
                key.valid_until_block = at
        case _:
            pass


class IndexerThread:
    """Runs :meth:`Indexer.sync` every ``interval`` seconds in a daemon thread until stopped.

    ``connect()`` gives the ledger (it may raise :class:`ChainUnavailable`; the loop retries);
    ``on_status(ok, error)`` reports reachability after each attempt.
    """

    def __init__(
        self,
        index: Index,
        connect: Callable[[], Ledger],
        *,
        interval: float = 1.0,
        on_status: Callable[[bool, str | None], None] = lambda _ok, _err: None,
        **indexer_kwargs: Any,
    ) -> None:
        self.index = index
        self.connect = connect
        self.interval = interval
        self.on_status = on_status
        self.kwargs = indexer_kwargs
        self.last: SyncResult | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mulu-indexer", daemon=True)
        self._indexer: Indexer | None = None

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def poke(self) -> None:
        """Sync now instead of at the next tick."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ledger = self.connect()
                if self._indexer is None or self._indexer.ledger is not ledger:
                    self._indexer = Indexer(self.index, ledger, **self.kwargs)
                self.last = self._indexer.sync()
                self.last_error = None
                self.on_status(True, None)
            except ChainUnavailable as exc:
                self.last_error = str(exc)
                self.on_status(False, str(exc))
            except Exception as exc:  # keep following; the error is shown by /health
                self.last_error = f"{type(exc).__name__}: {exc}"
            self._wake.wait(self.interval)
            self._wake.clear()
