"""A SIGKILL while anvil rewrites its state file leaves the file torn and anvil refuses it: the
node starts from the last state file it loaded, and says so."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chain_client.chain import Chain
from chain_client.node import LocalNode, NodeError

pytestmark = pytest.mark.anvil


def test_node_starts_from_the_last_good_state_when_its_file_is_torn(tmp_path: Path) -> None:
    node = LocalNode(tmp_path / "home")
    node.start()
    try:
        Chain.connect(node.url()).advance_time(1)
        node.stop()  # SIGTERM: anvil writes its state
        good = node.start()  # and loads it: the last good state from now on
        assert good.restored_state is None and node.good_state_file.is_file()
        chain = Chain.connect(node.url())
        good_block = chain.block_number()
        for _ in range(3):
            chain.advance_time(1)
        saved = node.state_file.stat().st_mtime_ns
        deadline = time.monotonic() + 10
        while node.state_file.stat().st_mtime_ns == saved and time.monotonic() < deadline:
            time.sleep(0.05)  # until a save holds the new blocks
        time.sleep(0.3)  # and that write is over
        node.kill()
        state = node.state_file.read_bytes()
        node.state_file.write_bytes(state[: len(state) // 2])  # a write cut short by the kill
        info = node.start()
        assert info.restored_state is not None and "unreadable" in info.restored_state
        assert Chain.connect(info.url).block_number() == good_block
        (torn,) = node.dir.glob("state.unreadable-*.json")
        assert torn.read_bytes() == state[: len(state) // 2]
    finally:
        node.stop()


def test_node_with_a_torn_state_and_no_good_copy_says_so(tmp_path: Path) -> None:
    node = LocalNode(tmp_path / "home")
    node.dir.mkdir(parents=True)
    node.state_file.write_text('{"block":', encoding="utf-8")
    with pytest.raises(NodeError, match="no earlier good state"):
        node.start()
    assert node.info() is None
