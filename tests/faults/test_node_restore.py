"""The node's state file is never lost on the way back from a torn save, the keeper never
replaces the good copy with a shorter chain, and one home runs one node."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from chain_client import node as node_module
from chain_client.chain import Chain
from chain_client.node import LocalNode, NodeError, NodeInfo
from chain_client.statekeeper import keep_once, process_alive, state_head


def _doc(head: int, filler: int = 10) -> bytes:
    return json.dumps({"best_block_number": head, "blocks": list(range(filler))}).encode()


def test_the_keeper_never_installs_a_shorter_chain(tmp_path: Path) -> None:
    state, good = tmp_path / "state.json", tmp_path / "state.good.json"
    good.write_bytes(_doc(8))
    state.write_bytes(_doc(0, 1))  # a node that came up on an empty chain
    assert keep_once(state, good, None) is None
    assert state_head(good) == 8
    state.write_bytes(_doc(8, 20))  # same head, newer save: installed
    assert keep_once(state, good, None) is not None and good.read_bytes() == _doc(8, 20)
    state.write_bytes(_doc(9))
    keep_once(state, good, None)
    assert state_head(good) == 9


def _wait_good(node: LocalNode, head: int) -> None:
    deadline = time.monotonic() + 10
    while state_head(node.good_state_file) != head and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state_head(node.good_state_file) == head


def _node_with_blocks(home: Path) -> tuple[LocalNode, int]:
    node = LocalNode(home)
    info = node.start()
    chain = Chain.connect(info.url)
    for _ in range(3):
        chain.advance_time(1)
    head = chain.block_number()
    _wait_good(node, head)
    node.kill()
    return node, head


@pytest.mark.anvil
def test_a_crash_while_restoring_the_good_copy_leaves_a_state_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, head = _node_with_blocks(tmp_path / "home")
    whole = node.state_file.read_bytes()
    node.state_file.write_bytes(whole[: len(whole) // 2])  # torn by the kill
    real_copy = shutil.copyfile

    def crash_on_the_good_copy(src: object, dst: object, **kw: object) -> object:
        if Path(str(src)) == node.good_state_file:
            raise KeyboardInterrupt("crash between the restore's steps")
        return real_copy(src, dst, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(node_module.shutil, "copyfile", crash_on_the_good_copy)
    with pytest.raises(KeyboardInterrupt):
        node.start()
    monkeypatch.undo()
    assert node.state_file.exists()  # before: moved aside, nothing in its place
    assert node.info() is None
    try:
        restarted = node.start()
        assert restarted.restored_state is not None
        assert Chain.connect(restarted.url).block_number() == head
    finally:
        node.stop()


@pytest.mark.anvil
def test_a_missing_state_file_starts_from_the_good_copy(tmp_path: Path) -> None:
    node, head = _node_with_blocks(tmp_path / "home")
    node.state_file.unlink()  # what the old restore left after a crash between its steps
    try:
        info = node.start()
        assert info.restored_state is not None and "missing" in info.restored_state
        assert Chain.connect(info.url).block_number() == head  # before: an empty chain (0)
    finally:
        node.stop()
    assert state_head(node.good_state_file) == head


@pytest.mark.anvil
def test_two_starts_on_one_home_run_one_node(tmp_path: Path) -> None:
    home = tmp_path / "home"
    results: list[NodeInfo | BaseException] = []

    def start() -> None:
        try:
            results.append(LocalNode(home).start())
        except BaseException as exc:  # noqa: BLE001 (reported below)
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    node = LocalNode(home)
    try:
        assert all(isinstance(r, NodeInfo) for r in results), results
        pids = {r.pid for r in results if isinstance(r, NodeInfo)}
        assert len(pids) == 1, f"two anvils on one state file: {pids}"
    finally:
        for r in results:
            if isinstance(r, NodeInfo) and process_alive(r.pid) and r.pid != node.info().pid:  # type: ignore[union-attr]
                os.kill(r.pid, 9)
        node.stop()


def test_a_held_node_lock_without_a_node_is_a_clear_error(tmp_path: Path) -> None:
    node = LocalNode(tmp_path / "home")
    node.dir.mkdir(parents=True)
    fd = os.open(node.lock_file, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(NodeError, match="another process holds"):
            node.start(timeout=1)
    finally:
        os.close(fd)
    assert node.info() is None
