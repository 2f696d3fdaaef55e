"""The audits judge an action by the keys and roles in force when it was sent, also when a
governance change lands in the same block (anvil with automine off: one block, two
transactions, the order fixed by their position in it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

import sm_crypto
from api.audit import audit_project
from chain_client.steps import Steps
from chain_client.types import ProposalKind, Role, encode_code

from .conftest import World, reverting_world
from .flows import CLOUD, acceptance_anchor, advance, sign_ownership

pytestmark = pytest.mark.anvil


@pytest.fixture(params=["anvil"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from reverting_world(request)


def _one_block(world: World, sends: list[tuple[LocalAccount, object]]) -> list[dict]:
    """Sign every ``(signer, contract function)`` first, then send them in this order into one
    block; their receipts. The gas is fixed: estimating would run a call that depends on an
    earlier one of the block against the state before it."""
    signed = [(signer, *world.chain.sign(signer, fn, gas=1_000_000)) for signer, fn in sends]
    request = world.chain.w3.provider.make_request
    request("evm_setAutomine", [False])
    try:
        hashes = [world.chain.send_raw(signer, raw) for signer, raw, _ in signed]
        request("evm_mine", [])
    finally:
        request("evm_setAutomine", [True])
    receipts = [world.chain.wait(h) for h in hashes]
    assert len({r["blockNumber"] for r in receipts}) == 1
    assert [r["status"] for r in receipts] == [1] * len(receipts)
    assert [r["transactionIndex"] for r in receipts] == list(range(len(receipts)))
    return receipts


def test_ownership_before_a_key_rotation_in_its_block_verifies(world: World) -> None:
    """确权 signed with the unit's old key, then the rotation, both in block B: the contract took
    the old key (the event's keyIndex 0), so the audit must too, although after B the old key is
    no longer valid *at* B (``keyAt(B)`` is the new one)."""
    code = advance(world, "anchor_acceptance")
    unit = world["unit1"]
    version, digest, root, _ = acceptance_anchor(world, code)
    r, s = sign_ownership(world, code, version, [0, 1], digest, root)  # the old key
    new_key = sm_crypto.PrivateKey.generate().public_key.xy
    pid, _ = world.ledger.propose(
        world["drc"], ProposalKind.ROTATE_KEY, unit.address, sm2_key=new_key
    )
    world.ledger.approve(world["eitb"], pid)
    confirm = world.ledger.confirmations.functions.confirmOwnership(
        encode_code(code), version, [0, 1], digest, root, r, s
    )
    rotate = world.ledger.members.functions.execute(pid)
    receipts = _one_block(world, [(unit, confirm), (world["eitb"], rotate)])
    block = receipts[0]["blockNumber"]
    assert world.ledger.key_at(unit.address, block) == new_key
    event = [e for e in world.ledger.history(code) if e.name == "OwnershipConfirmed"][-1]
    assert (event.block_number, event.args["keyIndex"]) == (block, 0)

    assert Steps(world.ledger).verify_ownership_records(code) == []


def test_signature_by_a_key_not_in_force_is_still_reported(world: World) -> None:
    """The other side: a 确权 made after the rotation, signed with the rotated-away key, is
    recorded in off-chain mode and reported by the audit (the contract used key #1)."""
    if "SM2Verifier" in world.ledger.deployment.addresses:  # pragma: no cover - off-chain world
        pytest.skip("the on-chain verifier refuses such a signature itself")
    code = advance(world, "anchor_acceptance")
    unit = world["unit1"]
    version, digest, root, _ = acceptance_anchor(world, code)
    r, s = sign_ownership(world, code, version, [0], digest, root)  # the old key
    pid, _ = world.ledger.propose(
        world["drc"],
        ProposalKind.ROTATE_KEY,
        unit.address,
        sm2_key=sm_crypto.PrivateKey.generate().public_key.xy,
    )
    world.ledger.approve(world["eitb"], pid)
    rotate = world.ledger.members.functions.execute(pid)
    confirm = world.ledger.confirmations.functions.confirmOwnership(
        encode_code(code), version, [0], digest, root, r, s
    )
    _one_block(world, [(world["eitb"], rotate), (unit, confirm)])
    findings = Steps(world.ledger).verify_ownership_records(code)
    assert len(findings) == 1, findings
    assert "key #1" in findings[0]["finding"] and "invalid" in findings[0]["finding"]


def test_role_granted_earlier_in_the_same_block_is_held(world: World, tmp_path: Path) -> None:
    """An account given the PLATFORM role confirms 入云 later in the same block: allowed by the
    contract, so not a role finding (the block before it, it did not hold the role yet)."""
    code = advance(world, "anchor_acceptance")
    newcomer = world["auditor"]
    assert not world.ledger.has_role(Role.PLATFORM, newcomer.address)
    pid, _ = world.ledger.propose(
        world["drc"],
        ProposalKind.SET_ROLES,
        newcomer.address,
        roles=[Role.AUDITOR, Role.PLATFORM],
    )
    world.ledger.approve(world["eitb"], pid)
    version = acceptance_anchor(world, code)[0]
    grant = world.ledger.members.functions.execute(pid)
    confirm = world.ledger.confirmations.functions.confirmSteps(
        encode_code(code), version, CLOUD, [0]
    )
    _one_block(world, [(world["eitb"], grant), (newcomer, confirm)])
    report = audit_project(world.ledger, code, tmp_path)
    assert report.checked["role"] > 0
    assert [f for f in report.findings if f.check == "role"] == []


def test_missed_quarters_counted_as_the_contract_counts(world: World, tmp_path: Path) -> None:
    """Two quarters without a report, then a report in the third: the contract and the audit
    both say 2 missing (the audit said 1: it counted the current window's report)."""
    code = advance(world, "start_construction")
    world.advance_days(2 * 90 + 10)
    world.ledger.report_progress(world["unit1"], code, bytes(range(32)))
    status = world.ledger.progress_status(code)
    assert status["missedQuarters"] == 2
    report = audit_project(world.ledger, code, tmp_path)
    notes = [n.message for n in report.notices if "quarterly" in n.message]
    assert notes == ["2 quarterly progress report(s) missing (art. 18)"]
