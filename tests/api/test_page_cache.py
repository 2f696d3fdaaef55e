"""The project page served from memory: it follows the index (a page at checkpoint N is not served
once the index reaches N+k), it is re-read after any commit of the index, it changes with the
document store, and its ETag answers ``If-None-Match``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from api.index import Checkpoint
from api.service import ChainLink, Service
from api.settings import Settings
from api.store import DocumentStore
from chain_client.steps import Steps

from .conftest import Served, mulu

CODE = "BJ-2026-0190"  # a project of this test only: created, then terminated


def _page(served: Served, code: str, want_block_over: int = -1) -> dict:
    """The page of ``code`` once it reflects a block after ``want_block_over``."""
    deadline = time.monotonic() + 30
    with served.client() as c:
        while True:
            r = c.get(f"/v1/projects/{code}")
            if r.status_code == 200 and r.json()["attestation"]["block_number"] > want_block_over:
                return {"body": r.json(), "etag": r.headers["etag"]}
            assert time.monotonic() < deadline, (r.status_code, r.text[:300])
            time.sleep(0.1)


@pytest.mark.anvil
def test_page_follows_the_index_and_etag(served: Served) -> None:
    mulu(served.home, "project", "create", CODE, "--name", "缓存失效测试项目", "--unit", "unit1")
    served.wait_indexed()
    before = _page(served, CODE)
    block = before["body"]["attestation"]["block_number"]
    assert before["body"]["state"]["key"] == "RESERVE"
    assert before["body"]["gates"]["block_number"] == block  # gates as of the attested block
    with served.client() as c:
        again = c.get(f"/v1/projects/{CODE}")  # from the cache: the same bytes, the same tag
        assert again.json() == before["body"] and again.headers["etag"] == before["etag"]
        same = c.get(f"/v1/projects/{CODE}", headers={"If-None-Match": before["etag"]})
        assert same.status_code == 304 and same.content == b""
        assert same.headers["etag"] == before["etag"]

    mulu(served.home, "project", "terminate", CODE, "--reason", "测试: 页面缓存随索引更新")
    health = served.wait_indexed()
    assert health["index"]["block_number"] > block
    after = _page(served, CODE, want_block_over=block)
    assert after["body"]["attestation"]["block_number"] == health["index"]["block_number"]
    assert after["body"]["state"]["key"] == "TERMINATED"
    assert "project_terminated" in {f["fact"] for f in after["body"]["attestation"]["facts"]}
    assert after["etag"] != before["etag"]
    assert after["body"]["gates"]["block_number"] == health["index"]["block_number"]
    assert after["body"]["gates"]["state"] == "TERMINATED"
    ledger = ChainLink(Settings(home=served.home)).ledger()
    then = Steps(ledger).gates(CODE, detail=False, block=block)  # the past stays the past
    assert then.block_number == block and then.to_json()["state"] == "RESERVE"
    with served.client() as c:
        changed = c.get(f"/v1/projects/{CODE}", headers={"If-None-Match": before["etag"]})
        assert changed.status_code == 200 and changed.json() == after["body"]


def _commit_checkpoint(service: Service, number: int) -> None:
    with service.index.session() as s, s.begin():
        cp = s.get(Checkpoint, 1)
        if cp is None:
            cp = Checkpoint(id=1, chain_id=31337, ledger="0x" + "00" * 20)
            s.add(cp)
        cp.block_number, cp.block_hash = number, "0x" + f"{number:064x}"
        cp.timestamp, cp.updated_at = 1_700_000_000 + number, time.time()


def test_checkpoint_memo_dropped_by_every_commit(tmp_path: Path) -> None:
    service = Service(Settings(home=tmp_path, run_indexer=False, poll_interval=60))
    try:
        assert service.as_of() is None and service.as_of_memo() is None
        _commit_checkpoint(service, 10)
        assert service.as_of_memo() is None  # not read yet
        assert service.as_of().block_number == 10  # type: ignore[union-attr]
        assert service.as_of_memo().block_number == 10  # type: ignore[union-attr]
        _commit_checkpoint(service, 12)
        assert service.as_of_memo() is None  # the commit dropped it: never the old block
        assert service.as_of().block_number == 12  # type: ignore[union-attr]
        assert service.as_of_memo().block_hash == "0x" + f"{12:064x}"  # type: ignore[union-attr]
    finally:
        service.stop()


def test_store_stamp_changes_with_every_new_document(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents")
    empty = store.stamp()
    stored = store._write(b"\x01" * 32, b"a document", ".bin")
    assert stored.created and store.stamp() != empty
    mine = store.stamp()
    assert store._write(b"\x01" * 32, b"a document", ".bin").created is False
    assert store.stamp() == mine  # nothing new, same stamp
    time.sleep(0.05)  # another process adds a file: the directory's mtime moves
    (tmp_path / "documents" / ("02" * 32 + ".json")).write_bytes(b"{}")
    assert store.stamp() != mine
