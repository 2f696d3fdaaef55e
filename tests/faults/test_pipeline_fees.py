"""Fees priced from the latest block, per wave: under sustained load the EIP-1559 base fee rises
with every full block, and a price read once per process is refused after a few blocks ("max fee
per gas less than block base fee"; before: reported as an outage, retried with the same price,
given up). A fee refusal is re-priced and sent again; nodes without a base fee (free-gas
Besu/GoQuorum) keep a legacy gasPrice of eth_gasPrice, 0 there."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from chain_client.chain import Chain, is_fee_refusal
from chain_client.journal import Journal
from chain_client.pipeline import AnchorPipeline, audit_anchors

from .conftest import FaultWorld, audit_exactly_once

GWEI = 10**9


def _base_fee(chain: Chain) -> int:
    return int(chain.w3.eth.get_block("latest")["baseFeePerGas"])


def _fake_chain(block: dict[str, int], gas_price: int) -> Chain:
    eth = SimpleNamespace(
        get_block=lambda _which: block, gas_price=gas_price, max_priority_fee=3 * GWEI
    )
    return Chain(SimpleNamespace(eth=eth))  # type: ignore[arg-type]


def test_fees_follow_the_base_fee_or_the_nodes_gas_price() -> None:
    assert _fake_chain({}, 0).fees() == {"gasPrice": 0}  # GoQuorum / free-gas Besu
    assert _fake_chain({"baseFeePerGas": 0}, 0).fees() == {"gasPrice": 0}
    assert _fake_chain({}, 7).fees() == {"gasPrice": 7}  # pre-London
    assert _fake_chain({"baseFeePerGas": 5 * GWEI}, 6 * GWEI).fees() == {
        "maxFeePerGas": 13 * GWEI,
        "maxPriorityFeePerGas": 3 * GWEI,
    }
    assert is_fee_refusal("max fee per gas less than block base fee")
    assert is_fee_refusal("transaction underpriced")
    assert not is_fee_refusal("nonce too low")
    assert not is_fee_refusal("insufficient funds for gas * price + value")


@pytest.mark.anvil
def test_sustained_load_raises_the_base_fee_and_every_catalog_is_anchored_once(
    fault_world: FaultWorld, tmp_path: Path
) -> None:
    world = fault_world
    codes = world.create_projects(40)
    paths = world.write_catalogs(tmp_path / "cats", codes, 8)
    provider = world.chain.w3.provider
    # small blocks that the batches fill well past half, and a base fee that a price read
    # once (eth_gasPrice: base fee + 1 gwei) leaves behind after a few blocks
    provider.make_request("evm_setBlockGasLimit", [hex(420_000)])  # type: ignore[arg-type]
    provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(10 * GWEI)])  # type: ignore[arg-type]
    provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    start = _base_fee(world.chain)
    messages: list[str] = []
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        pipeline = AnchorPipeline(
            world.ledger,
            world.unit,
            journal,
            batch_size=8,
            max_retries=2,
            backoff=0.05,
            receipt_timeout=20,
            segment=1000,  # one wave of 40 transactions: more base fee rise than its price covers
            min_segment=1000,
            log=messages.append,
        )
        report = pipeline.run(paths)
        assert len(report.anchored) == len(paths) and not report.refused, report.to_json()
        assert _base_fee(world.chain) > 2 * start  # the load priced the read-once fee out
        assert report.retries == 0, messages  # a fee refusal is not an outage
        assert report.repriced >= 1, report.to_json()  # ... but priced again from the next block
        audit_exactly_once(world.ledger, paths)
        assert audit_anchors(world.ledger, journal, workers=1).ok
        assert journal.counts()["confirmed"] == len(paths)
    finally:
        journal.close()
