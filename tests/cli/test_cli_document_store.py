"""The CLI's document store (``$MULU_HOME/documents``) is crash-safe: each write goes through a
temporary file of its own (not a fixed ``<name>.tmp`` two writers share), fsynced and renamed;
a file whose SM3 is not its name (torn by a crash, damaged) is replaced, not kept forever."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import sm_crypto
from mulu.cli import _session
from mulu.cli._session import store_document


def test_stores_by_digest_and_leaves_no_temporary(tmp_path: Path) -> None:
    digest, path = store_document(tmp_path, b"opinion", ".txt")
    assert path == tmp_path / "documents" / (sm_crypto.sm3(b"opinion").hex() + ".txt")
    assert digest == sm_crypto.sm3(b"opinion") and path.read_bytes() == b"opinion"
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_damaged_file_is_repaired(tmp_path: Path) -> None:
    data = "进度报告".encode() * 1000
    _, path = store_document(tmp_path, data, ".txt")
    for damage in (data[: len(data) // 2], b"", b"x" * len(data)):  # torn, empty, bit rot
        path.write_bytes(damage)
        again_digest, again = store_document(tmp_path, data, ".txt")
        assert again == path and again_digest == sm_crypto.sm3(data)
        assert path.read_bytes() == data
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_intact_file_is_not_rewritten(tmp_path: Path) -> None:
    _, path = store_document(tmp_path, b"report")
    before = os.stat(path)
    store_document(tmp_path, b"report")
    after = os.stat(path)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_writes_fsync_and_use_their_own_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(_session.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    store_document(tmp_path, b"evidence", ".pdf")
    assert len(synced) >= 2  # the file, then the directory
    # the old fixed <name>.tmp, left by a crash, is neither needed nor in the way
    stale = tmp_path / "documents" / (sm_crypto.sm3(b"plan").hex() + ".txt.tmp")
    stale.write_bytes(b"half")
    _, path = store_document(tmp_path, b"plan", ".txt")
    assert path.read_bytes() == b"plan"


def test_concurrent_writers_of_one_document(tmp_path: Path) -> None:
    data = os.urandom(1 << 20)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            store_document(tmp_path, data, ".bin")
        except BaseException as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (path,) = (tmp_path / "documents").iterdir()
    assert path.read_bytes() == data
