"""The anchoring journal: what the batch pipeline planned, sent and saw confirmed, per catalog.

One SQLite file (``$MULU_HOME/journal/anchors.sqlite``, WAL, ``synchronous=FULL``) so a crash of
the client, the node or both leaves a consistent record. One row per catalog digest::

    planned ──► sent (tx hash, nonce) ──► confirmed (block)
       │            │
       └────────────┴──► refused (typed error, reason)

A state is written *before* the action it names is taken (a row is ``sent`` before the
transaction leaves), so after a crash a row that is not ``confirmed`` may or may not be on chain:
the pipeline re-checks every such row against the chain (``isAnchored``, the transaction by hash)
and resends only what is missing. ``confirmed`` is trusted only as far as the chain is final: a
local anvil killed with SIGKILL loses its last second, so ``confirmed`` never skips a check. The
pipeline asks the chain (``isAnchored``) about every catalog of a run, confirmed rows included,
before sending (a confirmed row the chain lacks is sent again) and once more after the last
segment; :func:`chain_client.pipeline.audit_anchors` re-checks every confirmed row on demand.

Batches anchored with an SM2 batch signature keep, per catalog, the inclusion proof of its anchor
commitment in the batch root (table ``batches`` holds the root, the signature and the key).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from mulu.errors import MuluError

__all__ = [
    "STATES",
    "BatchRecord",
    "BatchSignature",
    "Journal",
    "JournalBusy",
    "JournalEntry",
    "SentBatch",
]

STATES = ("planned", "sent", "confirmed", "refused")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS anchors (
    digest      BLOB PRIMARY KEY,
    code        TEXT NOT NULL,
    kind        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    root        BLOB NOT NULL,
    count       INTEGER NOT NULL,
    source      TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('planned', 'sent', 'confirmed', 'refused')),
    tx_hash     TEXT,
    nonce       INTEGER,
    block       INTEGER,
    error       TEXT,
    reason      TEXT,
    batch_id    INTEGER,
    proof       TEXT,
    updated_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS anchors_state ON anchors (state);
CREATE TABLE IF NOT EXISTS batches (
    id          INTEGER PRIMARY KEY,
    root        BLOB NOT NULL,
    size        INTEGER NOT NULL,
    signature   BLOB,
    public_key  BLOB,
    message     BLOB,
    created_at  REAL NOT NULL
);
"""


@dataclass(frozen=True)
class JournalEntry:
    """One catalog's row."""

    digest: bytes
    code: str
    kind: int
    version: int
    root: bytes
    count: int
    source: str
    state: str
    tx_hash: str | None = None
    nonce: int | None = None
    block: int | None = None
    error: str | None = None
    reason: str | None = None
    batch_id: int | None = None
    proof: str | None = None


@dataclass(frozen=True)
class BatchSignature:
    """One SM2 signature over a batch root (the row of table ``batches``)."""

    root: bytes
    size: int
    signature: bytes | None
    public_key: bytes | None
    message: bytes | None


class BatchRecord(TypedDict):
    """A row of table ``batches`` as :meth:`Journal.batch` returns it."""

    root: bytes
    size: int
    signature: bytes | None
    public_key: bytes | None
    message: bytes | None


@dataclass(frozen=True)
class SentBatch:
    """One transaction's catalogs: ``(digest, tx_hash, nonce, proof_json)`` each, and the batch
    signature their proofs lead to (``None``: not batch-signed)."""

    signature: BatchSignature | None
    rows: list[tuple[bytes, str, int, str | None]]


class JournalBusy(MuluError):
    """Another run holds the journal (its lock file beside it): two runs on one journal would
    sign the same nonces and reset each other's rows."""


class Journal:
    """The journal file of one home (thread-safe; one writer at a time).

    A run that sends (:meth:`exclusive`, taken by the pipeline for the whole run) holds an
    exclusive ``flock`` on ``<journal>.lock``; a second run on the same journal fails at once
    with :class:`JournalBusy`. The lock goes with the process (a kill -9 releases it)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._held = 0  # depth of :meth:`exclusive` on this object
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def of_home(cls, home: Path | str) -> Journal:
        return cls(Path(home) / "journal" / "anchors.sqlite")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the journal's run lock (exclusive, non-blocking flock on :attr:`lock_path`);
        :class:`JournalBusy` at once when another run (process or open) holds it. Re-entrant
        on this object (the CLI holds it around preparation, the pipeline around its run)."""
        with self._lock:
            if self._held:
                self._held += 1
                try:
                    yield
                finally:
                    self._held -= 1
                return
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = ""
                with contextlib.suppress(OSError, ValueError):
                    holder = f" (pid {int(os.pread(fd, 32, 0).decode().strip())})"
                raise JournalBusy(
                    f"the journal {self.path} is in use by another run{holder}: another "
                    "`catalog anchor --batch` holds it; wait for it to finish (or stop it), "
                    "then run again"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            self._held = 1
            try:
                yield
            finally:
                self._held = 0
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                # the body failed, or COMMIT itself did (SQLITE_BUSY, I/O error, disk full): the
                # connection must leave the transaction, or every later BEGIN IMMEDIATE fails
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    # -- writes (each one transaction, durable when it returns) -------------------------------

    def plan(self, entries: Iterable[JournalEntry]) -> None:
        """Record catalogs as planned; rows that exist already keep their state."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "INSERT INTO anchors (digest, code, kind, version, root, count, source, state,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', ?)"
                " ON CONFLICT (digest) DO NOTHING",
                [
                    (e.digest, e.code, e.kind, e.version, e.root, e.count, e.source, now)
                    for e in entries
                ],
            )

    def add_batch(
        self,
        root: bytes,
        size: int,
        signature: bytes | None,
        public_key: bytes | None,
        message: bytes | None,
    ) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO batches (root, size, signature, public_key, message, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (root, size, signature, public_key, message, time.time()),
            )
            return int(cur.lastrowid or 0)

    def mark_sent(
        self,
        rows: Iterable[tuple[bytes, str, int, int | None, str | None]],
    ) -> None:
        """``(digest, tx_hash, nonce, batch_id, proof_json)`` per catalog, before sending."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE anchors SET state='sent', tx_hash=?, nonce=?, batch_id=?, proof=?,"
                " error=NULL, reason=NULL, updated_at=? WHERE digest=?",
                [(h, n, b, p, now, d) for d, h, n, b, p in rows],
            )

    def record_sent(self, batches: Iterable[SentBatch]) -> list[int | None]:
        """A wave about to leave, in ONE durable transaction: each batch signature (its id goes
        to the batch's rows) and every catalog ``sent`` with its tx hash, nonce and proof.
        Returns the batch ids."""
        now = time.time()
        ids: list[int | None] = []
        with self._tx() as db:
            rows = []
            for batch in batches:
                batch_id = None
                if batch.signature is not None:
                    s = batch.signature
                    cur = db.execute(
                        "INSERT INTO batches (root, size, signature, public_key, message,"
                        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (s.root, s.size, s.signature, s.public_key, s.message, now),
                    )
                    batch_id = int(cur.lastrowid or 0)
                ids.append(batch_id)
                rows += [(h, n, batch_id, p, now, d) for d, h, n, p in batch.rows]
            db.executemany(
                "UPDATE anchors SET state='sent', tx_hash=?, nonce=?, batch_id=?, proof=?,"
                " error=NULL, reason=NULL, updated_at=? WHERE digest=?",
                rows,
            )
        return ids

    def confirm_many(self, confirmed: Iterable[tuple[list[bytes], int | None, str | None]]) -> None:
        """``(digests, block, tx_hash)`` per transaction, all in one transaction."""
        now = time.time()
        rows = [(block, tx, now, d) for digests, block, tx in confirmed for d in digests]
        if not rows:
            return
        with self._tx() as db:
            db.executemany(
                "UPDATE anchors SET state='confirmed', block=COALESCE(?, block),"
                " tx_hash=COALESCE(?, tx_hash), error=NULL, reason=NULL, updated_at=?"
                " WHERE digest=?",
                rows,
            )

    def mark_confirmed(
        self, digests: Iterable[bytes], block: int | None, tx_hash: str | None
    ) -> None:
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE anchors SET state='confirmed', block=COALESCE(?, block),"
                " tx_hash=COALESCE(?, tx_hash), error=NULL, reason=NULL, updated_at=?"
                " WHERE digest=?",
                [(block, tx_hash, now, d) for d in digests],
            )

    def mark_planned(self, digests: Iterable[bytes]) -> None:
        """Back to planned (a transaction was dropped or a confirmed anchor is gone)."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE anchors SET state='planned', block=NULL, updated_at=? WHERE digest=?",
                [(now, d) for d in digests],
            )

    def mark_refused(self, digest: bytes, error: str, reason: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE anchors SET state='refused', error=?, reason=?, updated_at=?"
                " WHERE digest=?",
                (error, reason, time.time(), digest),
            )

    # -- reads --------------------------------------------------------------------------------

    def get(self, digest: bytes) -> JournalEntry | None:
        rows = self._select("WHERE digest=?", (digest,))
        return rows[0] if rows else None

    def get_many(self, digests: Iterable[bytes]) -> dict[bytes, JournalEntry]:
        """The rows of ``digests`` that exist, by digest (one query per 500)."""
        wanted = list(digests)
        out: dict[bytes, JournalEntry] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            for e in self._select(f"WHERE digest IN ({marks})", tuple(part)):
                out[bytes(e.digest)] = e
        return out

    def entries(self, state: str | None = None) -> list[JournalEntry]:
        if state is None:
            return self._select("ORDER BY code, kind, version", ())
        if state not in STATES:
            raise ValueError(f"journal state {state!r}: expected one of {', '.join(STATES)}")
        return self._select("WHERE state=? ORDER BY code, kind, version", (state,))

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM anchors GROUP BY state").fetchall()
        out = dict.fromkeys(STATES, 0)
        out.update({str(s): int(n) for s, n in rows})
        return out

    def batch(self, batch_id: int) -> BatchRecord:
        with self._lock:
            row = self._db.execute(
                "SELECT root, size, signature, public_key, message FROM batches WHERE id=?",
                (batch_id,),
            ).fetchone()
        if row is None:
            raise LookupError(f"no batch {batch_id} in {self.path}")
        root, size, signature, public_key, message = row
        return {
            "root": root,
            "size": size,
            "signature": signature,
            "public_key": public_key,
            "message": message,
        }

    def _select(self, where: str, params: tuple[object, ...]) -> list[JournalEntry]:
        cols = (
            "digest, code, kind, version, root, count, source, state, tx_hash, nonce, block,"
            " error, reason, batch_id, proof"
        )
        with self._lock:
            rows = self._db.execute(f"SELECT {cols} FROM anchors {where}", params).fetchall()  # noqa: S608
        return [JournalEntry(*row) for row in rows]


def proof_to_json(index: int, size: int, path: list[bytes]) -> str:
    return json.dumps({"index": index, "size": size, "path": [p.hex() for p in path]})


def proof_from_json(text: str) -> tuple[int, int, list[bytes]]:
    data = json.loads(text)
    return int(data["index"]), int(data["size"]), [bytes.fromhex(p) for p in data["path"]]
