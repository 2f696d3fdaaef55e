"""The anchoring pipeline's parts: hand-encoded calldata (byte for byte web3's), the journal's
one-transaction wave records, transactions in flights that fit a block (an automining anvil
leaves what does not fit pending forever), versions that arrive before their predecessor."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from eth_abi import encode as abi_encode
from web3 import Web3

from chain_client.chain import Chain
from chain_client.compile import load_artifact
from chain_client.journal import BatchSignature, Journal, JournalEntry, SentBatch
from chain_client.node import LocalNode
from chain_client.pipeline import AnchorItem, AnchorPipeline, CalldataEncoder, audit_anchors
from chain_client.types import CatalogKind
from tests.chain.conftest import deploy_members

from .conftest import FaultWorld, audit_exactly_once


def _item(rng: random.Random, version: int = 1, count: int = 100) -> AnchorItem:
    return AnchorItem(
        "src",
        f"BJ-2026-{rng.randrange(10**6):06d}-X",
        CatalogKind(rng.choice([0, 1])),
        version,
        rng.randbytes(32),
        rng.randbytes(32),
        count,
    )


def _contract():
    w3 = Web3()
    return w3.eth.contract(address="0x" + "11" * 20, abi=load_artifact("CatalogLedger")["abi"])


def test_calldata_is_byte_for_byte_webs_encoding() -> None:
    contract = _contract()
    encoder = CalldataEncoder(contract)
    rng = random.Random(7)
    cases = [_item(rng), _item(rng, 2**32 - 1, 2**32 - 1), _item(rng, 1, 1)]
    for item in cases:
        expected = contract.encode_abi("isAnchored", args=list(item.call_args()))
        assert "0x" + encoder.is_anchored(item).hex() == expected
    for n in (1, 2, 7, 100):
        batch = [_item(rng, v + 1) for v in range(n)]
        expected = contract.encode_abi("anchorBatch", args=[[i.call_args() for i in batch]])
        assert "0x" + encoder.anchor_batch(batch).hex() == expected


def test_are_anchored_calldata_and_answer_are_webs_encoding() -> None:
    contract = _contract()
    encoder = CalldataEncoder(contract)
    rng = random.Random(9)
    for n in (0, 1, 3, 100):
        batch = [_item(rng, v + 1) for v in range(n)]
        expected = contract.encode_abi("areAnchored", args=[[i.call_args() for i in batch]])
        assert "0x" + encoder.are_anchored(batch).hex() == expected
        answer = [rng.random() < 0.5 for _ in range(n)]
        encoded = "0x" + abi_encode(["bool[]"], [answer]).hex()
        assert CalldataEncoder.decode_bools(encoded, n) == answer
    good = "0x" + abi_encode(["bool[]"], [[True, False]]).hex()
    for bad, count in (
        (good, 3),  # another length than asked
        (good[:-2], 2),  # truncated
        (good + "00" * 32, 2),  # trailing word
        ("0x" + abi_encode(["bool[]"], [[True]]).hex()[:-1] + "2", 1),  # 2 is no bool
        ("0x" + abi_encode(["uint256", "uint256"], [64, 0]).hex(), 0),  # offset not 32
    ):
        with pytest.raises(ValueError):
            CalldataEncoder.decode_bools(bad, count)


def test_calldata_refuses_values_out_of_range() -> None:
    encoder = CalldataEncoder(_contract())
    rng = random.Random(8)
    with pytest.raises(ValueError, match="uint32"):
        encoder.anchor_batch([_item(rng, 2**32)])
    with pytest.raises(ValueError, match="uint32"):
        encoder.is_anchored(_item(rng, 1, -1))


@pytest.mark.parametrize("bad", [{"segment": 0}, {"segment": -1}, {"min_segment": 0}])
def test_segment_sizes_below_one_are_refused(tmp_path: Path, bad: dict[str, int]) -> None:
    ledger = type("L", (), {"chain": None, "catalogs": None})()
    with pytest.raises(ValueError, match="at least 1"):
        AnchorPipeline(ledger, None, Journal(tmp_path / "j.sqlite"), **bad)  # type: ignore[arg-type]


def test_journal_records_a_wave_in_one_transaction(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    digests = [os.urandom(32) for _ in range(4)]
    journal.plan(
        JournalEntry(d, "BJ-1", 1, k + 1, os.urandom(32), 3, f"f{k}", "planned")
        for k, d in enumerate(digests)
    )
    sig = BatchSignature(b"r" * 32, 2, b"s" * 64, b"p" * 64, b"m")
    ids = journal.record_sent(
        [
            SentBatch(sig, [(digests[0], "0xaa", 5, "{}"), (digests[1], "0xaa", 5, "{}")]),
            SentBatch(None, [(digests[2], "0xbb", 6, None)]),
        ]
    )
    assert ids[0] is not None and ids[1] is None
    assert journal.batch(ids[0])["signature"] == b"s" * 64
    got = journal.get_many(digests)
    assert [got[d].state for d in digests[:3]] == ["sent"] * 3 and got[
        digests[3]
    ].state == "planned"
    assert (got[digests[0]].batch_id, got[digests[2]].nonce) == (ids[0], 6)
    journal.confirm_many([([digests[0], digests[1]], 10, "0xaa"), ([digests[2]], 11, "0xbb")])
    assert journal.counts() == {"planned": 1, "sent": 0, "confirmed": 3, "refused": 0}
    assert journal.get(digests[2]).block == 11


@pytest.mark.anvil
def test_waves_bigger_than_a_block_are_sent_in_flights(tmp_path: Path) -> None:
    """An 8M-gas block holds two transactions of 100 anchors: a wave of four goes out in two
    flights, a batch of 300 (too big for a block) is halved; nothing waits for a block that
    never comes (receipt timeout 20 s, no retries)."""
    node = LocalNode(tmp_path / "home")
    node.start(extra_args=["--gas-limit", "8000000"])
    try:
        chain = Chain.connect(node.url())
        ledger, accounts, keys, outsider = deploy_members(chain)
        world = FaultWorld(node, chain, ledger, accounts, keys, outsider)
        codes = world.create_projects(70)
        paths = world.write_catalogs(tmp_path / "cats", codes, 10, resources=2)
        journal = Journal(tmp_path / "journal.sqlite")
        for batch_size, part, transactions in ((100, paths[:400], 4), (400, paths[400:], 2)):
            report = AnchorPipeline(
                world.ledger,
                world.unit,
                journal,
                batch_size=batch_size,
                segment=len(part),
                min_segment=len(part),  # one segment: a known number of transactions
                sm2_key=keys["unit1"],
                receipt_timeout=20,
                max_retries=0,
            ).run(part)
            assert not report.refused
            assert len(report.anchored) == len(part)
            assert report.transactions == transactions
        assert journal.counts()["confirmed"] == len(paths)
        audit_exactly_once(world.ledger, paths)
        audit = audit_anchors(world.ledger, journal, require_signature=True)
        assert audit.ok and audit.checked == len(paths), audit.failures[:3]
    finally:
        node.stop()


@pytest.mark.anvil
def test_versions_before_their_predecessor_are_held_not_refused(
    fault_world: FaultWorld, tmp_path: Path
) -> None:
    codes = fault_world.create_projects(3)
    paths = fault_world.write_catalogs(tmp_path / "cats", codes, 10)
    gap = fault_world.write_catalogs(tmp_path / "gap", fault_world.create_projects(1), 3)[1:]
    journal = Journal(tmp_path / "journal.sqlite")
    report = AnchorPipeline(
        fault_world.ledger, fault_world.unit, journal, batch_size=4, segment=6
    ).run(list(reversed(paths)) + gap)
    assert len(report.anchored) == len(paths)
    # a real gap (version 1 never given) is refused, typed, once the input is exhausted
    assert sorted(r.source for r in report.refused) == sorted(str(p) for p in gap)
    assert {r.to_json()["error"] for r in report.refused} == {"CatalogVersionGap"}
    assert journal.counts() == {"planned": 0, "sent": 0, "confirmed": 30, "refused": 2}
    audit_exactly_once(fault_world.ledger, paths)
