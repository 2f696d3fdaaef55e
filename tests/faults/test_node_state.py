"""A SIGKILL while anvil rewrites its state file leaves the file torn and anvil refuses it: a
keeper beside the node holds the last whole save, and the node starts from it, saying so."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from chain_client.chain import Chain
from chain_client.node import LocalNode, NodeError
from chain_client.statekeeper import keep_once, process_alive, state_complete


def _best_block(path: Path) -> int | None:
    try:
        return int(json.loads(path.read_bytes())["best_block_number"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def test_the_keeper_installs_whole_saves_only(tmp_path: Path) -> None:
    state, good = tmp_path / "state.json", tmp_path / "state.good.json"
    whole = json.dumps({"best_block_number": 7, "blocks": [{"n": i} for i in range(50)]}).encode()
    assert state_complete(whole)
    state.write_bytes(whole)
    seen = keep_once(state, good, None)
    assert good.read_bytes() == whole and seen is not None
    assert keep_once(state, good, seen) == seen  # unchanged: nothing read
    for torn in (whole[: len(whole) // 2], whole[:-1], b"", b'{"block":'):
        assert not state_complete(torn)
        state.write_bytes(torn)
        assert keep_once(state, good, seen) == seen  # a prefix is never installed
        assert good.read_bytes() == whole
    newer = json.dumps({"best_block_number": 8}).encode()
    state.write_bytes(newer)
    assert keep_once(state, good, seen) != seen and good.read_bytes() == newer
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.anvil
def test_node_starts_from_the_last_whole_save_when_its_file_is_torn(tmp_path: Path) -> None:
    node = LocalNode(tmp_path / "home")
    info = node.start()
    try:
        assert info.keeper_pid is not None and process_alive(info.keeper_pid)
        chain = Chain.connect(info.url)
        for _ in range(3):
            chain.advance_time(1)
        head = chain.block_number()
        deadline = time.monotonic() + 10
        while _best_block(node.good_state_file) != head and time.monotonic() < deadline:
            time.sleep(0.1)  # the keeper copies the first save that holds the new blocks
        assert _best_block(node.good_state_file) == head
        node.kill()
        assert not process_alive(info.keeper_pid)
        state = node.state_file.read_bytes()
        node.state_file.write_bytes(state[: len(state) // 2])  # a write cut short by the kill
        restarted = node.start()
        assert restarted.restored_state is not None
        assert "unreadable" in restarted.restored_state
        assert Chain.connect(restarted.url).block_number() == head
        (torn,) = node.dir.glob("state.unreadable-*.json")
        assert torn.read_bytes() == state[: len(state) // 2]
        assert "started from the last good copy" in node.log_file.read_text(encoding="utf-8")
    finally:
        node.stop()
    # a graceful stop: anvil writes its final state, the keeper copies it and exits
    assert state_complete(node.good_state_file.read_bytes())
    assert restarted.keeper_pid is not None and not process_alive(restarted.keeper_pid)


@pytest.mark.anvil
def test_node_with_a_torn_state_and_no_good_copy_says_so(tmp_path: Path) -> None:
    node = LocalNode(tmp_path / "home")
    node.dir.mkdir(parents=True)
    node.state_file.write_text('{"block":', encoding="utf-8")
    with pytest.raises(NodeError, match="no earlier good state"):
        node.start()
    assert node.info() is None
