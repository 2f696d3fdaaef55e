"""Governance (M-of-N), SM2 key history, and append-only catalog anchors, on both backends."""

from __future__ import annotations

import pytest

import sm_crypto
from chain_client import errors
from chain_client.types import CatalogKind, ProposalKind, Role, State, encode_code

from .conftest import World
from .flows import advance, digest

GOVERNORS = ("eitb", "drc", "finance")
NON_GOVERNORS = ("crypto", "sector", "unit1", "unit2", "platform", "auditor")


def _admit(world: World, account: str, key: bytes, roles=(Role.UNIT,)) -> int:
    pid, _ = world.ledger.propose(
        world["eitb"], ProposalKind.ADMIT, account, name="新单位", roles=roles, sm2_key=key
    )
    return pid


# -- governance ---------------------------------------------------------------------------------


def test_admission_needs_threshold_approvals(world: World) -> None:
    newcomer = world.chain.new_account()
    key = sm_crypto.PrivateKey.generate().public_key.xy
    pid = _admit(world, newcomer.address, key)
    with pytest.raises(errors.MembersNotEnoughApprovals) as info:
        world.ledger.execute(world["eitb"], pid)
    assert info.value.args_dict["approvals"] == 1 and info.value.args_dict["threshold"] == 2
    with pytest.raises(errors.MembersAlreadyApproved):
        world.ledger.approve(world["eitb"], pid)
    world.ledger.approve(world["finance"], pid)
    result = world.ledger.execute(world["drc"], pid)
    assert result.event("MemberAdmitted").args["account"] == newcomer.address
    assert world.ledger.has_role(Role.UNIT, newcomer.address)
    assert world.ledger.key_at(newcomer.address, result.block_number) == key
    with pytest.raises(errors.MembersProposalAlreadyExecuted):
        world.ledger.execute(world["drc"], pid)


@pytest.mark.parametrize("name", [*NON_GOVERNORS, "outsider"])
def test_only_governors_propose_approve_execute(world: World, name: str) -> None:
    signer = world.outsider if name == "outsider" else world[name]
    pid = _admit(
        world, world.chain.new_account().address, sm_crypto.PrivateKey.generate().public_key.xy
    )
    for call in (
        lambda: world.ledger.propose(signer, ProposalKind.REVOKE, world["unit2"].address),
        lambda: world.ledger.approve(signer, pid),
        lambda: world.ledger.execute(signer, pid),
    ):
        with pytest.raises(errors.MembersUnauthorized) as info:
            call()
        assert info.value.args_dict["account"] == signer.address
        assert info.value.args_dict["role"] == Role.GOVERNOR.id


@pytest.mark.parametrize("fn", ["grantRole", "revokeRole"])
def test_openzeppelin_role_admin_is_governance_only(world: World, fn: str) -> None:
    for signer in (world["eitb"], world.outsider):
        call = getattr(world.ledger.members.functions, fn)(Role.UNIT.id, world.outsider.address)
        with pytest.raises(errors.MembersGovernanceOnly):
            world.chain.transact(signer, call)
    with pytest.raises(errors.MembersGovernanceOnly):
        world.chain.transact(
            world["unit1"],
            world.ledger.members.functions.renounceRole(Role.UNIT.id, world["unit1"].address),
        )


def test_off_curve_or_malformed_key_refused_at_proposal(world: World) -> None:
    newcomer = world.chain.new_account().address
    good = sm_crypto.PrivateKey.generate().public_key.xy
    off_curve = good[:63] + bytes([good[63] ^ 1])
    with pytest.raises(errors.MembersKeyNotOnCurve):
        _admit(world, newcomer, off_curve)
    with pytest.raises(errors.MembersInvalidKeyLength):
        _admit(world, newcomer, good[:32])


def test_admitting_a_member_twice_refused(world: World) -> None:
    with pytest.raises(errors.MembersAlreadyMember):
        _admit(world, world["unit1"].address, sm_crypto.PrivateKey.generate().public_key.xy)


def test_key_rotation_and_revocation_keep_history(world: World) -> None:
    unit = world["unit2"].address
    old = world.ledger.key_at(unit, world.chain.block_number())
    new = sm_crypto.PrivateKey.generate().public_key.xy
    pid, _ = world.ledger.propose(world["drc"], ProposalKind.ROTATE_KEY, unit, sm2_key=new)
    world.ledger.approve(world["eitb"], pid)
    rotated = world.ledger.execute(world["eitb"], pid).block_number
    assert (
        world.ledger.key_at(unit, rotated - 1) == old
    )  # a signature made before stays judged by the old key
    assert world.ledger.key_at(unit, rotated) == new
    pid, _ = world.ledger.propose(world["drc"], ProposalKind.REVOKE, unit)
    world.ledger.approve(world["finance"], pid)
    revoked = world.ledger.execute(world["finance"], pid).block_number
    assert world.ledger.key_at(unit, revoked - 1) == new
    with pytest.raises(errors.MembersNoKeyAt):
        world.ledger.key_at(unit, revoked)
    keys = world.ledger.keys(unit)
    assert [k["validUntilBlock"] for k in keys] == [rotated, revoked]
    assert not world.ledger.member(unit)["active"]
    assert not world.ledger.has_role(Role.UNIT, unit)


def test_active_roles_is_the_mask_of_an_active_member(world: World) -> None:
    """``Members.activeRoles``: every ``hasActiveRole`` answer in one call (Confirmations asks it)."""

    def active_roles(account: str) -> int:
        return int(world.ledger.members.functions.activeRoles(account).call())

    for name in ("eitb", "unit2", "platform"):
        account = world[name].address
        mask = active_roles(account)
        assert mask == world.ledger.member(account)["roleMask"] != 0
        for role in Role:
            assert bool(mask & (1 << _BIT[role])) == world.ledger.has_role(role, account), (
                name,
                role,
            )
    assert active_roles(world.chain.new_account().address) == 0
    unit = world["unit2"].address
    pid, _ = world.ledger.propose(world["drc"], ProposalKind.REVOKE, unit)
    world.ledger.approve(world["finance"], pid)
    world.ledger.execute(world["finance"], pid)
    assert active_roles(unit) == 0 and not world.ledger.member(unit)["active"]


# Roles.byBit's order
_BIT = {
    Role.GOVERNOR: 0,
    Role.REVIEWER: 1,
    Role.FUNDER: 2,
    Role.CRYPTO: 3,
    Role.SECTOR: 4,
    Role.UNIT: 5,
    Role.PLATFORM: 6,
    Role.AUDITOR: 7,
}


def test_governors_cannot_drop_below_threshold(world: World) -> None:
    pid, _ = world.ledger.propose(world["eitb"], ProposalKind.REVOKE, world["drc"].address)
    world.ledger.approve(world["finance"], pid)
    world.ledger.execute(world["eitb"], pid)
    with pytest.raises(errors.MembersGovernorsBelowThreshold):
        world.ledger.propose(world["eitb"], ProposalKind.REVOKE, world["finance"].address)


def test_catalog_ledger_wiring_is_one_time(world: World) -> None:
    call = world.ledger.library.functions.setCatalogLedger(world.ledger.catalogs.address)
    with pytest.raises((errors.ProjectNotDeployer, errors.ProjectLedgerAlreadyWired)):
        world.chain.transact(world["drc"], call)
    with pytest.raises(errors.ProjectLedgerAlreadyWired):
        world.chain.transact(world["eitb"], call)


# -- anchors ------------------------------------------------------------------------------------


def test_anchor_versions_are_append_only_and_idempotent(world: World) -> None:
    code = advance(world, "create")
    d1, r1 = digest(), digest()
    first = world.ledger.anchor(world["unit1"], code, "declared", 1, d1, r1, 12)
    ev = first.event("CatalogAnchored")
    assert (
        ev.args["version"],
        ev.args["digest"],
        ev.args["merkleRoot"],
        ev.args["resourceCount"],
    ) == (1, d1, r1, 12)
    # the same document again: nothing changes, no event
    again = world.ledger.anchor(world["unit1"], code, "declared", 1, d1, r1, 12)
    assert again.events == []
    # a different document under the same version: refused
    with pytest.raises(errors.CatalogVersionConflict):
        world.ledger.anchor(world["unit1"], code, "declared", 1, digest(), r1, 12)
    # gaps refused; the next version appends
    with pytest.raises(errors.CatalogVersionGap) as info:
        world.ledger.anchor(world["unit1"], code, "declared", 3, digest(), digest(), 12)
    assert (info.value.args_dict["expected"], info.value.args_dict["got"]) == (2, 3)
    d2, r2 = digest(), digest()
    world.ledger.anchor(world["unit1"], code, "declared", 2, d2, r2, 13)
    assert world.ledger.is_anchored(code, "declared", 1, d1, r1, 12)
    assert world.ledger.is_anchored(code, "declared", 2, d2, r2, 13)
    assert not world.ledger.is_anchored(code, "declared", 2, d1, r1, 12)
    assert world.ledger.latest_catalog(code, "declared")["version"] == 2
    assert [e.args["version"] for e in world.ledger.anchors(code)] == [1, 2]


def test_are_anchored_answers_is_anchored_for_each_item(
    world: World, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``areAnchored`` (one call for many catalogs) says what ``isAnchored`` says of each: the
    exact commitment only; through web3's codec and through the pipeline's own encoding."""
    from chain_client import pipeline as pipeline_module
    from chain_client.journal import Journal
    from chain_client.pipeline import AnchorItem, AnchorPipeline, RpcError

    code = advance(world, "create")
    other = advance(world, "create")
    d1, r1, d2, r2 = digest(), digest(), digest(), digest()
    world.ledger.anchor(world["unit1"], code, "declared", 1, d1, r1, 12)
    world.ledger.anchor(world["unit1"], code, "declared", 2, d2, r2, 13)
    cases = [
        (code, "declared", 1, d1, r1, 12),  # anchored
        (code, "declared", 2, d2, r2, 13),  # anchored
        (code, "declared", 2, d1, r1, 12),  # another version's commitment
        (code, "declared", 1, digest(), r1, 12),  # wrong digest
        (code, "declared", 1, d1, digest(), 12),  # wrong root
        (code, "declared", 1, d1, r1, 13),  # wrong count
        (code, "declared", 3, d1, r1, 12),  # no such version
        (code, "acceptance", 1, d1, r1, 12),  # other kind
        (other, "declared", 1, d1, r1, 12),  # other project
        (code, "declared", 1, b"\0" * 32, b"\0" * 32, 0),  # zeros: an empty slot is not a match
    ]
    expected = [world.ledger.is_anchored(*c) for c in cases]
    assert expected == [True, True] + [False] * 8
    rows = [(encode_code(c), int(CatalogKind.parse(k)), v, d, r, n) for c, k, v, d, r, n in cases]
    fn = world.ledger.catalogs.functions.areAnchored
    assert fn(rows).call() == expected
    assert fn(list(reversed(rows))).call() == list(reversed(expected))
    assert fn([]).call() == []
    # the pipeline's hand-made calldata and decoding, over more items than one call takes
    # (4 a call here: eth-tester takes ~15 ms an isAnchored in the fallbacks below)
    monkeypatch.setattr(pipeline_module, "ARE_ANCHORED_CHUNK", 4)
    pipeline = AnchorPipeline(world.ledger, world["unit1"], Journal(tmp_path / "j.sqlite"))
    assert pipeline._encoder.has_are_anchored
    items = [AnchorItem("x", c, CatalogKind.parse(k), v, d, r, n) for c, k, v, d, r, n in cases]
    items, want = items * 2, expected * 2  # 5 calls, the last one short
    assert pipeline._is_anchored(items) == want
    # a chunk the node refuses (a call over its gas bound) is asked one isAnchored each
    batch = pipeline._rpc_batch
    selector = "0x" + pipeline._encoder.are_anchored([])[:4].hex()

    asked: list[int] = []

    def refusing(calls):
        out = batch(calls)
        asked.append(sum(p[0]["data"].startswith(selector) for _, p in calls))
        return [
            RpcError("intrinsic gas too high") if p[0]["data"].startswith(selector) else r
            for (_, p), r in zip(calls, out, strict=True)
        ]

    pipeline._rpc_batch = refusing
    assert pipeline._is_anchored(items) == want
    assert asked == [5, 0]  # five areAnchored calls refused, then 20 isAnchored
    # a ledger deployed before areAnchored: one isAnchored each
    pipeline._rpc_batch = batch
    pipeline._encoder.has_are_anchored = False
    assert pipeline._is_anchored(items) == want


def test_anchor_input_checked(world: World) -> None:
    code = advance(world, "create")
    with pytest.raises(errors.CatalogZeroDigest):
        world.ledger.anchor(world["unit1"], code, "declared", 1, b"\0" * 32, digest(), 1)
    with pytest.raises(errors.CatalogZeroMerkleRoot):
        world.ledger.anchor(world["unit1"], code, "declared", 1, digest(), b"\0" * 32, 1)
    with pytest.raises(errors.CatalogNoResources):
        world.ledger.anchor(world["unit1"], code, "declared", 1, digest(), digest(), 0)
    with pytest.raises(errors.ProjectUnknown):
        world.ledger.anchor(world["unit1"], "BJ-NONE", "declared", 1, digest(), digest(), 1)


@pytest.mark.parametrize(
    ("kind", "at", "allowed"),
    [
        (CatalogKind.DECLARED, "create", True),
        (CatalogKind.DECLARED, "start_review", True),
        (CatalogKind.DECLARED, "fund", False),
        (CatalogKind.DECLARED, "start_construction", False),
        (CatalogKind.ACCEPTANCE, "create", False),
        (CatalogKind.ACCEPTANCE, "fund", False),
        (CatalogKind.ACCEPTANCE, "start_construction", True),
        (CatalogKind.ACCEPTANCE, "commission", False),
    ],
)
def test_anchor_kind_allowed_only_in_its_states(
    world: World, kind: CatalogKind, at: str, allowed: bool
) -> None:
    code = advance(world, at)
    version = world.ledger.latest_catalog(code, kind)["version"] + 1
    if allowed:
        world.ledger.anchor(world["unit1"], code, kind, version, digest(), digest(), 5)
        return
    with pytest.raises(errors.CatalogKindNotAllowed) as info:
        world.ledger.anchor(world["unit1"], code, kind, version, digest(), digest(), 5)
    assert info.value.args_dict["state"] is world.ledger.state(code)


def test_anchor_gas_within_target(world: World) -> None:
    code = advance(world, "create")
    first = world.ledger.anchor(world["unit1"], code, "declared", 1, digest(), digest(), 100)
    second = world.ledger.anchor(world["unit1"], code, "declared", 2, digest(), digest(), 100)
    print(f"\nanchor gas: first {first.gas_used:,}, next version {second.gas_used:,}")
    assert second.gas_used <= 60_000, "issue target: ≤ 60k gas per anchor"
    assert world.ledger.state(code) is State.RESERVE


# -- restating an anchor whose event is in no block ---------------------------------------------


def _restate(world: World, signer: str, *items):
    account = world.outsider if signer == "outsider" else world[signer]
    return world.ledger.restate_anchors(account, list(items))


def test_restate_repeats_an_anchor_without_changing_anything(world: World) -> None:
    code = advance(world, "create")
    d1, r1, d2, r2 = digest(), digest(), digest(), digest()
    world.ledger.anchor(world["unit1"], code, "declared", 1, d1, r1, 12)
    world.ledger.anchor(world["unit1"], code, "declared", 2, d2, r2, 13)
    head = world.ledger.latest_catalog(code, "declared")
    result = _restate(
        world, "unit1", (code, "declared", 1, d1, r1, 12), (code, "declared", 2, d2, r2, 13)
    )
    restated = [e for e in result.events if e.name == "CatalogAnchorRestated"]
    assert [
        (e.args["version"], e.args["digest"], e.args["merkleRoot"], e.args["resourceCount"])
        for e in restated
    ] == [(1, d1, r1, 12), (2, d2, r2, 13)]
    assert {e.args["submitter"] for e in restated} == {world["unit1"].address}
    assert len(result.events) == 2  # nothing else: no CatalogAnchored, no state change
    assert world.ledger.latest_catalog(code, "declared") == head
    assert world.ledger.is_anchored(code, "declared", 1, d1, r1, 12)
    # beside its CatalogAnchored a restatement is a redundant repeat, never the record
    history = world.ledger.anchor_history(code)
    assert [e.name for e in world.ledger.anchors(code)] == ["CatalogAnchored"] * 2
    assert len(history.redundant) == 2 and not history.duplicates and not history.conflicts


def test_restate_needs_no_anchoring_state(world: World) -> None:
    """The version met its kind's state rule when anchored: a declared catalog is restated
    after funding, when a new declared version would be refused."""
    code = advance(world, "fund")
    (anchored,) = world.ledger.anchors(code)
    a = anchored.args
    with pytest.raises(errors.CatalogKindNotAllowed):
        world.ledger.anchor(world["unit1"], code, "declared", 2, digest(), digest(), 3)
    result = _restate(
        world,
        "unit1",
        (code, "declared", 1, a["digest"], a["merkleRoot"], a["resourceCount"]),
    )
    assert result.event("CatalogAnchorRestated").args["version"] == 1


@pytest.mark.parametrize(
    ("signer", "error"),
    [
        ("outsider", errors.ProjectUnauthorized),  # no member
        ("eitb", errors.ProjectUnauthorized),  # a member, not a UNIT
        ("unit2", errors.ProjectNotUnit),  # a UNIT, not this project's
    ],
)
def test_restate_only_by_the_projects_unit(world: World, signer: str, error: type) -> None:
    code = advance(world, "create")
    d, r = digest(), digest()
    world.ledger.anchor(world["unit1"], code, "declared", 1, d, r, 4)
    with pytest.raises(error) as info:
        _restate(world, signer, (code, "declared", 1, d, r, 4))
    account = world.outsider if signer == "outsider" else world[signer]
    assert info.value.args_dict["account"] == account.address


def test_restate_refuses_what_storage_does_not_hold(world: World) -> None:
    code = advance(world, "create")
    d, r = digest(), digest()
    world.ledger.anchor(world["unit1"], code, "declared", 1, d, r, 4)
    raw = encode_code(code)
    with pytest.raises(errors.CatalogNotAnchored) as missing:
        _restate(world, "unit1", (code, "declared", 2, digest(), digest(), 4))
    assert (missing.value.code, missing.value.kind, missing.value.version) == (
        raw,
        CatalogKind.DECLARED,
        2,
    )
    with pytest.raises(errors.CatalogNotAnchored):
        _restate(world, "unit1", (code, "acceptance", 1, d, r, 4))
    with pytest.raises(errors.CatalogNotAnchored):
        _restate(world, "unit1", (code, "declared", 0, d, r, 4))
    other = digest()
    with pytest.raises(errors.CatalogVersionConflict) as conflict:
        _restate(world, "unit1", (code, "declared", 1, other, r, 4))
    stored = world.ledger.view("CatalogLedger", "anchorCommitment", raw, 0, 1)
    assert conflict.value.anchored == stored
    assert conflict.value.submitted == world.ledger.view(
        "CatalogLedger", "commitmentOf", other, r, 4
    )
    with pytest.raises(errors.CatalogVersionConflict):
        _restate(world, "unit1", (code, "declared", 1, d, r, 5))  # another count
    with pytest.raises(errors.ProjectUnknown):
        _restate(world, "unit1", ("BJ-NONE", "declared", 1, d, r, 4))
    with pytest.raises(errors.CatalogZeroDigest):
        _restate(world, "unit1", (code, "declared", 1, b"\0" * 32, r, 4))
    with pytest.raises(errors.CatalogEmptyBatch):
        _restate(world, "unit1")
    # atomic: one refused item reverts the restatement of the good one before it
    block = world.chain.block_number()
    with pytest.raises(errors.CatalogNotAnchored):
        _restate(world, "unit1", (code, "declared", 1, d, r, 4), (code, "declared", 2, d, r, 4))
    assert world.chain.block_number() == block
    assert not world.ledger.anchor_history(code).redundant
