"""Restates and waits after a node lost blocks: Chain's cached nonce must not outlive them.

A node restarted from older state (anvil after kill -9) has lost our last transactions, so the
nonce Chain cached is in its future: a transaction signed with it waits in the pool forever.
``_restate`` forgets the cache first, and a transaction whose wait fails forgets it too."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from catalog import load_catalog
from chain_client.chain import Chain
from chain_client.journal import Journal
from chain_client.pipeline import AnchorItem, AnchorPipeline, PipelineReport
from chain_client.types import CatalogKind
from mulu.errors import ChainUnavailable

from .conftest import FaultWorld, anchor_without_event

pytestmark = pytest.mark.anvil


def _lose_last_block_of(world: FaultWorld, send: object) -> None:
    """Run ``send`` (a transaction of the unit through Chain, which caches its next nonce),
    then take its block away behind Chain's back (what a node restarted from older state does)."""
    provider = world.chain.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    send()  # type: ignore[operator]
    provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]


def test_restate_after_lost_blocks_uses_the_nodes_nonce(
    fault_world: FaultWorld, tmp_path: Path
) -> None:
    world, unit = fault_world, fault_world.unit
    code, other = world.create_projects(2)
    path, other_path = world.write_catalogs(tmp_path / "cats", [code, other], 1)
    cat, spare = load_catalog(path.read_bytes()), load_catalog(other_path.read_bytes())
    anchor_without_event(
        world.ledger, unit, code, "declared", 1, cat.digest, cat.merkle_root, cat.resource_count
    )
    _lose_last_block_of(
        world,
        lambda: world.ledger.anchor(
            unit, other, "declared", 1, spare.digest, spare.merkle_root, spare.resource_count
        ),
    )
    world.chain.wait = partial(Chain.wait, world.chain, timeout=5)  # type: ignore[method-assign]
    item = AnchorItem(
        str(path),
        code,
        CatalogKind.parse("declared"),
        1,
        cat.digest,
        cat.merkle_root,
        cat.resource_count,
    )
    journal = Journal(tmp_path / "j.sqlite")
    try:
        report = PipelineReport()
        AnchorPipeline(world.ledger, unit, journal)._restate([item], report)
    finally:
        journal.close()
    assert report.restated == [item]  # before the fix: ChainUnavailable (no receipt within 5 s)
    assert world.ledger.anchor_record(code, "declared", 1) is not None


def test_a_transaction_without_receipt_forgets_the_cached_nonce(
    fault_world: FaultWorld, tmp_path: Path
) -> None:
    world, unit = fault_world, fault_world.unit
    codes = world.create_projects(3)
    cats = [load_catalog(p.read_bytes()) for p in world.write_catalogs(tmp_path, codes, 1)]

    def anchor(k: int) -> None:
        c = cats[k]
        world.ledger.anchor(
            unit, codes[k], "declared", 1, c.digest, c.merkle_root, c.resource_count
        )

    _lose_last_block_of(world, lambda: anchor(0))
    world.chain.wait = partial(Chain.wait, world.chain, timeout=2)  # type: ignore[method-assign]
    with pytest.raises(ChainUnavailable, match="no receipt"):
        anchor(1)  # signed with the cached (future) nonce: it waits in the pool
    world.chain.wait = partial(Chain.wait, world.chain, timeout=10)  # type: ignore[method-assign]
    anchor(2)  # the nonce re-read from the node: mined (and the pooled one after it)
    assert world.ledger.anchor_record(codes[2], "declared", 1) is not None
