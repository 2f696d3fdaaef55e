"""Shared fixtures: a real anvil node over HTTP (one per test process) and chain connections.

``anvil_url`` starts anvil from ``node_modules`` on a free port with its state in a temporary
home, and stops it at the end of the session. Tests that need it are marked ``anvil``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chain_client.node import LocalNode


@pytest.fixture(scope="session")
def anvil_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    """A running anvil node (with code-size limit lifted for crypto tests' big contracts)."""
    node = LocalNode(tmp_path_factory.mktemp("anvil-home"))
    node.start(extra_args=["--gas-limit", "1000000000"])
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def anvil_url(anvil_node: LocalNode) -> str:
    """JSON-RPC URL of the session's anvil node."""
    return anvil_node.url()
