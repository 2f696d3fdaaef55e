"""``mulu.files``: the one crash-safe write every layer uses (deployment record, identities,
``node.json``, the document stores, CLI outputs, the batch pipeline's copies). Real files in a
temporary directory; the crash is a failure injected between the write and the rename."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from chain_client.pipeline import _load_one
from mulu.files import write_atomic, write_temp

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "declared.json"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_new_file_whole_with_the_umask_mode_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_atomic(path, b'{"a":1}')
    assert path.read_bytes() == b'{"a":1}'
    assert _mode(path) == 0o666 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_private_mode_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_atomic(tmp_path / "key.pem", b"secret", mode=0o600)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "key.pem") == 0o600


def test_a_reader_keeps_the_old_file_and_the_name_gets_the_new_one(tmp_path: Path) -> None:
    path = tmp_path / "node.json"
    write_atomic(path, b"old")
    with path.open("rb") as reader:
        write_atomic(path, b"new")
        assert reader.read() == b"old"  # replaced by a rename, never rewritten in place
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["node.json"]


def test_a_failure_before_the_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deployment.json"
    write_atomic(path, b"v1")

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="No space"):
        write_atomic(path, b"v2")
    monkeypatch.undo()
    assert path.read_bytes() == b"v1"
    assert [p.name for p in tmp_path.iterdir()] == ["deployment.json"]


def test_a_failed_write_leaves_no_temporary(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_temp(tmp_path, ".x.", "not bytes")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_left_by_a_crash_is_not_in_the_way(tmp_path: Path) -> None:
    first = write_temp(tmp_path, ".doc.", b"half", durable=False)  # the rename never came
    second = write_temp(tmp_path, ".doc.", b"whole")
    assert first != second and first.read_bytes() == b"half" and second.read_bytes() == b"whole"


@pytest.mark.parametrize(("durable", "syncs"), [(True, 2), (False, 0)])
def test_durable_writes_fsync_the_file_and_then_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool, syncs: int
) -> None:
    synced: list[bool] = []  # True: a directory
    real = os.fsync

    def record(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    write_atomic(tmp_path / "record.json", b"{}", durable=durable)
    assert synced == [False, True][:syncs]


def test_the_pipeline_replaces_a_torn_copy_in_the_document_store(tmp_path: Path) -> None:
    store = tmp_path / "documents"
    store.mkdir()
    name, values = _load_one(str(EXAMPLE), str(store))
    assert values[0] != "error", values
    (copy,) = store.iterdir()
    canonical = copy.read_bytes()
    before = copy.stat().st_ino
    _load_one(str(EXAMPLE), str(store))
    assert copy.stat().st_ino == before  # an intact copy is kept as it is
    for torn in (b"", canonical[: len(canonical) // 2]):  # a crash before the data reached disk
        copy.write_bytes(torn)
        _load_one(str(EXAMPLE), str(store))
        assert copy.read_bytes() == canonical
    assert [p.name for p in store.iterdir()] == [copy.name]


def test_identity_files_are_private_and_whole(tmp_path: Path) -> None:
    from chain_client.identity import IdentityStore

    old = os.umask(0)  # the files are 0600 whatever the umask
    try:
        IdentityStore(tmp_path).create("unit9", b"pw-unit9")
    finally:
        os.umask(old)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert {p.name for p in files} == {"eth.json", "sm2.pem", "identity.json"}
    assert all(_mode(p) == 0o600 for p in files), [(p.name, oct(_mode(p))) for p in files]
    assert IdentityStore(tmp_path).unlock("unit9", b"pw-unit9").identity.name == "unit9"
