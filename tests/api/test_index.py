"""The index on a real anvil, into a real SQLite file and a real PostgreSQL database (each test runs
on both): a crash mid-batch commits nothing, a restart resumes with no duplicate and nothing
missing, batches can stop anywhere, a reorg is undone, and values PostgreSQL is stricter about
(uint32 over INTEGER's range, NUL in a chain string) are indexed."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

import sm_crypto
from api.index import AnchorRow, Base, EventRow, Index, Indexer, ProjectRow
from chain_client.bootstrap import DEV_MEMBERS, setup_ledger
from chain_client.chain import Chain
from chain_client.ledger import Ledger
from chain_client.types import CatalogKind, State
from mulu.errors import ChainUnavailable

pytestmark = pytest.mark.anvil


STRICT = f"BJ-2026-9100-NUL{secrets.randbelow(10**4)}"
STRICT_NAME = "名称\x00含空字符"


class Crash(Exception):
    pass


@pytest.fixture(scope="module")
def world(anvil_url: str):
    chain = Chain.connect(anvil_url)
    accounts = {name: Chain.new_account() for name in DEV_MEMBERS}
    for acct in accounts.values():
        chain.fund(acct.address, 10**22)
    keys = {n: sm_crypto.PrivateKey.generate().public_key.xy for n in DEV_MEMBERS}
    deployment = setup_ledger(
        chain, {n: a.address for n, a in accounts.items()}, keys, accounts.__getitem__
    )
    ledger = Ledger(chain, deployment)
    for i in range(6):  # a few projects with anchors: enough events for several batches
        code = f"BJ-2026-{9000 + i:04d}-IX{secrets.randbelow(10**4)}"[:32]
        ledger.create_project(accounts["eitb"], code, accounts["unit1"].address, f"索引测试项目{i}")
        ledger.anchor(
            accounts["unit1"],
            code,
            CatalogKind.DECLARED,
            1,
            secrets.token_bytes(32),
            secrets.token_bytes(32),
            20 + i,
        )
    # values PostgreSQL is stricter about than SQLite: a uint32 over INTEGER's 2^31 - 1, a NUL
    ledger.create_project(accounts["eitb"], STRICT, accounts["unit2"].address, STRICT_NAME)
    ledger.anchor(
        accounts["unit2"],
        STRICT,
        CatalogKind.DECLARED,
        1,
        secrets.token_bytes(32),
        secrets.token_bytes(32),
        2**32 - 1,
    )
    return chain, ledger, accounts


@pytest.fixture
def index(db_url: str) -> Iterator[Index]:
    """The index on ``db_url``, closed before the database is dropped (an engine left open
    holds pooled connections that the drop cuts, and the garbage collector then warns)."""
    opened = Index(db_url)
    yield opened
    opened.close()


def _positions(index: Index) -> list[tuple[int, int]]:
    with index.session() as s:
        return [
            tuple(r) for r in s.execute(select(EventRow.block_number, EventRow.log_index)).all()
        ]


def _chain_positions(ledger: Ledger, upto: int) -> list[tuple[int, int]]:
    return [(e.block_number, e.log_index) for e in ledger.logs(to_block=upto)]


def test_crash_mid_batch_then_resume(world, index: Index) -> None:
    chain, ledger, _ = world

    def crash(rows: int) -> None:
        if rows == 7:
            raise Crash("killed after 7 rows")

    with pytest.raises(Crash):
        Indexer(index, ledger, batch_blocks=10_000, fault=crash).sync()
    assert _positions(index) == [] and index.checkpoint() is None  # nothing half-written

    # a crash in a later batch keeps the earlier batches (each is one transaction)
    calls = {"n": 0}

    def crash_late(rows: int) -> None:
        calls["n"] += 1
        if calls["n"] == 40:
            raise Crash("killed in a later batch")

    with pytest.raises(Crash):
        Indexer(index, ledger, batch_blocks=5, fault=crash_late).sync()
    cp = index.checkpoint()
    assert cp is not None
    partial = _positions(index)
    assert partial == _chain_positions(ledger, cp.block_number)  # exactly up to the checkpoint

    result = Indexer(index, ledger, batch_blocks=5).sync()  # restart
    head = result.head
    got = _positions(index)
    assert len(got) == len(set(got))  # no duplicate
    assert sorted(got) == _chain_positions(ledger, head)  # nothing missing
    again = Indexer(index, ledger).sync()
    assert again.events == 0 and _positions(index) == got  # idempotent
    with index.session() as s:
        assert s.scalar(select(func.count()).select_from(ProjectRow)) >= 6
        assert s.scalar(select(func.count()).select_from(AnchorRow)) >= 6


def test_stop_between_batches_resumes(world, index: Index) -> None:
    _, ledger, _ = world
    first = Indexer(index, ledger, batch_blocks=3).sync(max_batches=2)
    assert first.batches == 2 and first.checkpoint is not None
    assert first.checkpoint < first.head
    rest = Indexer(index, ledger, batch_blocks=3).sync()
    assert rest.checkpoint == rest.head
    assert sorted(_positions(index)) == _chain_positions(ledger, rest.head)


def test_reorg_is_rolled_back(world, index: Index) -> None:
    chain, ledger, accounts = world
    Indexer(index, ledger).sync()
    snapshot = chain.snapshot()
    lost = f"BJ-2026-8888-R{secrets.randbelow(10**6)}"
    ledger.create_project(accounts["eitb"], lost, accounts["unit1"].address, "将被回滚的项目")
    Indexer(index, ledger).sync()
    with index.session() as s:
        assert s.get(ProjectRow, lost) is not None
    chain.revert_to(snapshot)  # the fork: same heights, other blocks
    kept = f"BJ-2026-7777-R{secrets.randbelow(10**6)}"
    ledger.create_project(accounts["eitb"], kept, accounts["unit2"].address, "分叉后的项目")
    chain.advance_time(1)  # one more block, so the new branch is at least as high
    result = Indexer(index, ledger).sync()
    assert result.rolled_back_to is not None
    with index.session() as s:
        assert s.get(ProjectRow, lost) is None
        row = s.get(ProjectRow, kept)
        assert row is not None and row.state == int(State.RESERVE)
    assert sorted(_positions(index)) == _chain_positions(ledger, result.head)


def test_strict_values(world, index: Index) -> None:
    _, ledger, _ = world
    Indexer(index, ledger).sync()
    with index.session() as s:
        anchor = s.scalars(select(AnchorRow).where(AnchorRow.project_code == STRICT)).one()
        assert anchor.resource_count == 2**32 - 1
        assert s.get(ProjectRow, STRICT).name == STRICT_NAME.replace("\x00", "\ufffd")
        created = s.scalars(
            select(EventRow).where(
                EventRow.project_code == STRICT, EventRow.name == "ProjectCreated"
            )
        ).one()
        assert created.args["name"] == STRICT_NAME  # the event keeps the exact string
    index.close()
    reopened = Index(index.url)  # a restart: the schema is there, nothing is added twice
    assert Indexer(reopened, ledger).sync().events == 0
    reopened.close()


def test_index_of_an_older_schema_is_rebuilt(tmp_path: Path) -> None:
    """A column added by a newer mulu: the old index is dropped and rebuilt, never half-read."""
    import sqlite3

    path = tmp_path / "index.db"
    Index(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as db:  # the projects table as an older version made it
        db.execute("DROP TABLE projects")
        db.execute("CREATE TABLE projects (code VARCHAR(32) PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO projects VALUES ('BJ-OLD', 'x')")
    again = Index(f"sqlite:///{path}")
    try:
        assert again.rebuilt is True
        with again.session() as s:
            assert s.scalars(select(ProjectRow)).all() == []
        assert Index(f"sqlite:///{path}").rebuilt is False
    finally:
        again.close()


def test_postgres_index_with_32_bit_columns_is_rebuilt(postgres) -> None:
    """An index an older mulu wrote on PostgreSQL (INTEGER where uint32 values need BIGINT)."""
    from sqlalchemy import text

    url = postgres.database()
    try:
        Index(url).close()
        old = Index(url)
        with old.engine.begin() as conn:
            conn.execute(text("ALTER TABLE anchors ALTER COLUMN resource_count TYPE integer"))
        old.close()
        again = Index(url)
        assert again.rebuilt is True
        again.close()
        current = Index(url)
        assert current.rebuilt is False
        current.close()
    finally:
        postgres.drop(url)


def test_a_restated_anchor_is_its_versions_row(world, index: Index) -> None:
    """One row per version, whatever the anchor events: a version whose CatalogAnchored is in no
    block gets its CatalogAnchorRestated as its row (``restated``); a restatement beside a
    CatalogAnchored, or a second one, changes nothing (and does not break the unique row)."""
    from tests.faults.conftest import anchor_without_event

    _, ledger, accounts = world
    unit = accounts["unit1"]
    code = f"BJ-2026-7777-RS{secrets.randbelow(10**6)}"
    ledger.create_project(accounts["eitb"], code, unit.address, "重述测试项目")
    v1 = (code, "declared", 1, secrets.token_bytes(32), secrets.token_bytes(32), 4)
    v2 = (code, "declared", 2, secrets.token_bytes(32), secrets.token_bytes(32), 5)
    anchor_without_event(ledger, unit, *v1)
    anchored = ledger.anchor(unit, *v2).event("CatalogAnchored")
    first = ledger.restate_anchors(unit, [v1]).event("CatalogAnchorRestated")
    Indexer(index, ledger).sync()
    ledger.restate_anchors(unit, [v1, v2])  # both redundant now
    Indexer(index, ledger, batch_blocks=1).sync()
    with index.session() as s:
        rows = {
            r.version: r for r in s.scalars(select(AnchorRow).where(AnchorRow.project_code == code))
        }
        names = [
            e.name
            for e in s.scalars(
                select(EventRow)
                .where(EventRow.project_code == code)
                .order_by(EventRow.block_number, EventRow.log_index)
            )
        ]
    assert sorted(rows) == [1, 2]
    assert (rows[1].restated, rows[1].tx_hash, rows[1].digest) == (True, first.tx_hash, v1[3].hex())
    assert (rows[2].restated, rows[2].tx_hash) == (False, anchored.tx_hash)
    assert names == [
        "ProjectCreated",
        "CatalogAnchored",
        "CatalogAnchorRestated",
        "CatalogAnchorRestated",
        "CatalogAnchorRestated",
    ]  # every event is kept; the rows are the records


def test_a_failing_node_is_unavailable_not_a_reorg(world, index: Index, monkeypatch) -> None:
    """A node that answers blocks with an HTTP 5xx (after its retries) says nothing about the
    blocks: the sync raises ChainUnavailable and the index keeps every row (it used to take the
    error for "block missing" and roll the whole index back to the deployment)."""
    import requests

    chain, ledger, _ = world
    Indexer(index, ledger).sync()
    before = _positions(index)
    assert before and index.checkpoint() is not None

    def failing(*_args, **_kwargs):
        raise requests.HTTPError("503 Server Error: Service Unavailable")

    monkeypatch.setattr(chain.w3.eth, "get_block", failing)
    with pytest.raises(ChainUnavailable):
        Indexer(index, ledger).sync()
    assert _positions(index) == before and index.checkpoint() is not None


def _derived(index: Index) -> dict[str, list[tuple]]:
    """Every event and derived row (without surrogate ids), comparable between two indexes."""
    out = {}
    with index.session() as s:
        for name in ("events", "projects", "anchors", "members", "member_keys"):
            table = Base.metadata.tables[name]
            columns = [c for c in table.columns if c.name != "id"]
            rows = [tuple(r) for r in s.execute(select(*columns)).all()]
            out[name] = sorted(rows, key=repr)
    return out


def test_an_interrupted_rebuild_leaves_the_old_index_whole(world, index: Index) -> None:
    """A rebuild killed after some DROP TABLEs: on SQLite each DROP used to commit alone, so the
    restart found current columns in what was left, recreated the dropped tables empty and never
    derived them again. The rebuild is one transaction: the restart rebuilds it all."""
    from sqlalchemy import event, text

    _, ledger, _ = world
    Indexer(index, ledger).sync()
    synced = _derived(index)
    assert synced["members"] and synced["member_keys"] and synced["projects"]
    with index.engine.begin() as conn:  # an older layout: a column this version writes is missing
        conn.execute(text("ALTER TABLE member_keys DROP COLUMN valid_until_block"))
    index.close()

    def killed(*_args, **_kwargs) -> None:
        raise Crash("killed after dropping members")

    members = Base.metadata.tables["members"]  # dropped after member_keys, checkpoint, blocks
    event.listen(members, "after_drop", killed)
    try:
        with pytest.raises(Crash):
            Index(index.url)
    finally:
        event.remove(members, "after_drop", killed)
    again = Index(index.url)
    try:
        assert again.rebuilt is True
        Indexer(again, ledger).sync()
        assert _derived(again) == synced
    finally:
        again.close()


def test_an_index_without_its_schema_version_is_rebuilt(world, index: Index) -> None:
    """What an interrupted rebuild of an older mulu left (some tables dropped, the rest current
    and the checkpoint kept): without a schema version the index is rebuilt, not half-kept."""
    from sqlalchemy import text

    _, ledger, _ = world
    Indexer(index, ledger).sync()
    synced = _derived(index)
    with index.engine.begin() as conn:
        for name in ("schema_version", "member_keys", "projects", "members"):
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    index.close()
    again = Index(index.url)
    try:
        assert again.rebuilt is True
        Indexer(again, ledger).sync()
        assert _derived(again) == synced
    finally:
        again.close()
    reopened = Index(index.url)
    assert reopened.rebuilt is False  # the version is recorded: the next start keeps the index
    reopened.close()


def test_events_without_a_checkpoint_are_derived_again(world, index: Index) -> None:
    """Events whose checkpoint is gone are indexed again from the deployment and derived anew
    (the sync used to skip every event it already had, leaving the derived tables as they were)."""
    from sqlalchemy import delete

    from api.index import Checkpoint, KeyRow, MemberRow

    _, ledger, _ = world
    Indexer(index, ledger).sync()
    synced = _derived(index)
    with index.session() as s, s.begin():
        s.execute(delete(Checkpoint))
        s.execute(delete(KeyRow))
        s.execute(delete(MemberRow))
    Indexer(index, ledger).sync()
    assert _derived(index) == synced


def _fresh(ledger: Ledger, tmp_path: Path) -> dict[str, list[tuple]]:
    """What a new index of the chain as it is now holds."""
    fresh = Index(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        Indexer(fresh, ledger).sync()
        return _derived(fresh)
    finally:
        fresh.close()


def _fork_once(chain: Chain, ledger: Ledger, accounts, snapshot: object, kept: str):
    """A hook that, the first time it is called, resets the node to ``snapshot`` and mines other
    blocks at the same heights (a project ``kept``, then an empty block)."""
    done: list[bool] = []

    def fork(_arg: int) -> None:
        if done:
            return
        done.append(True)
        chain.revert_to(snapshot)
        ledger.create_project(accounts["eitb"], kept, accounts["unit2"].address, "分叉后的项目")
        chain.advance_time(1)

    return fork


def test_a_reorg_between_batches_is_rolled_back(world, index: Index, tmp_path: Path) -> None:
    """The node goes back to an older state and mines other blocks at the same heights after a
    batch committed: the next batch does not follow the checkpoint, so the index rolls back and
    ends as a new index of the chain. (It used to go on from the new blocks, keeping the lost
    project and missing the new one, and the next sync's check passed.)"""
    chain, ledger, accounts = world
    Indexer(index, ledger).sync()
    snapshot = chain.snapshot()
    lost = f"BJ-2026-8887-R{secrets.randbelow(10**6)}"
    ledger.create_project(accounts["eitb"], lost, accounts["unit1"].address, "将被回滚的项目")
    chain.advance_time(1)
    kept = f"BJ-2026-7776-R{secrets.randbelow(10**6)}"
    fork = _fork_once(chain, ledger, accounts, snapshot, kept)
    result = Indexer(index, ledger, batch_blocks=1, between=fork).sync()
    assert result.rolled_back_to is not None
    Indexer(index, ledger).sync()
    with index.session() as s:
        assert s.get(ProjectRow, lost) is None and s.get(ProjectRow, kept) is not None
    assert _derived(index) == _fresh(ledger, tmp_path)


def test_a_reorg_during_a_batch_is_not_committed(world, index: Index, tmp_path: Path) -> None:
    """The node is reset and mines other blocks while a batch is being written (after its logs
    and headers were read): the batch's last block is read again before the commit, differs, and
    the batch is done again on the new blocks. (It used to commit the lost block's events.)"""
    chain, ledger, accounts = world
    Indexer(index, ledger).sync()
    snapshot = chain.snapshot()
    lost = f"BJ-2026-8886-R{secrets.randbelow(10**6)}"
    ledger.create_project(accounts["eitb"], lost, accounts["unit1"].address, "将被回滚的项目")
    chain.advance_time(1)
    kept = f"BJ-2026-7775-R{secrets.randbelow(10**6)}"
    fork = _fork_once(chain, ledger, accounts, snapshot, kept)
    Indexer(index, ledger, batch_blocks=1, fault=fork).sync()
    Indexer(index, ledger).sync()
    with index.session() as s:
        assert s.get(ProjectRow, lost) is None and s.get(ProjectRow, kept) is not None
    assert _derived(index) == _fresh(ledger, tmp_path)
