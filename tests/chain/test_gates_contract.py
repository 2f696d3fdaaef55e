"""The five acceptance steps and the gates, on chain (``Confirmations`` and the library's accept /
commission): every write refused for every wrong identity, wrong versions and indices, the gate
naming the first missing step and resource, the change-ratio approval, the reset by a new
acceptance version, and 确权 signatures verified by the contract (issue 8).

The behaviour suite runs on eth-tester and anvil (``world``). On-chain SM2 verification costs
~2 s per signature on py-evm, so the forgery matrix runs on anvil only (one valid-signature test
runs on both).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_utils import keccak

import sm_crypto
from chain_client import errors
from chain_client.bootstrap import DEV_MEMBERS, GOVERNORS, THRESHOLD, setup_ledger
from chain_client.chain import Chain
from chain_client.deploy import VERIFIER, deploy_ledger
from chain_client.ledger import Ledger
from chain_client.types import CatalogKind, ProposalKind, Role, Step, encode_code

from .conftest import FUND, World
from .flows import (
    CHAIN,
    CLOUD,
    INTERFACE,
    OWNERSHIP,
    UPDATE,
    acceptance_anchor,
    advance,
    anchor,
    confirm_all,
    digest,
    run_step,
    sign_ownership,
)

NAMES = ("eitb", "drc", "finance", "crypto", "sector", "unit1", "unit2", "platform", "auditor")
DOMAIN = b"mulu.ownership.v1"
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GAS: dict[str, int] = {}


def ownership_message(
    chain_id: int,
    contract: str,
    code: str,
    version: int,
    digest_: bytes,
    root: bytes,
    count: int,
    indices: list[int],
) -> bytes:
    """The 确权 message, built independently of the contract (docs/CONTRACTS.md "确权 message")."""
    return (
        DOMAIN
        + chain_id.to_bytes(32, "big")
        + bytes.fromhex(contract[2:])
        + encode_code(code)
        + bytes([int(CatalogKind.ACCEPTANCE)])
        + version.to_bytes(4, "big")
        + digest_
        + root
        + count.to_bytes(4, "big")
        + keccak(b"".join(i.to_bytes(4, "big") for i in indices))
    )


def _fns(world: World) -> Any:
    return world.ledger.confirmations.functions


def _send(world: World, who: str | Any, fn: Any) -> Any:
    signer = world[who] if isinstance(who, str) else who
    return world.chain.transact(signer, fn)


def _at_acceptance(world: World, count: int = 5) -> tuple[str, int, bytes, bytes, int]:
    code = advance(world, "start_construction")
    world.ledger.anchor(world["unit1"], code, CatalogKind.ACCEPTANCE, 1, digest(), digest(), count)
    return (code, *acceptance_anchor(world, code))


def _own(world: World, code: str, version: int, idx: list[int], d: bytes, r: bytes, rs=None):
    r_, s_ = rs or sign_ownership(world, code, version, idx, d, r)
    return _fns(world).confirmOwnership(encode_code(code), version, idx, d, r, r_, s_)


def _status(world: World, code: str, version: int) -> tuple[int, list[int]]:
    count, confirmed = _fns(world).stepStatus(encode_code(code), version).call()
    return count, list(confirmed)


# -- who may confirm ----------------------------------------------------------------------------


def test_every_write_refused_for_every_wrong_identity(world: World) -> None:
    code, v, d, r, _ = _at_acceptance(world)
    b = encode_code(code)
    f = _fns(world)
    signers = {n: world[n] for n in NAMES} | {"outsider": world.outsider}
    platform_calls = {
        "confirmSteps": lambda: f.confirmSteps(b, v, CLOUD, [0]),
        "confirmUpdates": lambda: f.confirmUpdates(b, v, [0], [world.now()]),
    }
    for name, signer in signers.items():
        if name == "platform":
            continue
        for fn_name, call in platform_calls.items():
            if fn_name == "confirmUpdates" and name == "unit1":
                continue  # the project's unit reports its refreshes (below)
            if fn_name == "confirmUpdates" and name == "unit2":
                with pytest.raises(errors.ProjectNotUnit) as info:
                    world.chain.transact(signer, call())
                assert info.value.args_dict["unit"] == world["unit1"].address
            else:
                with pytest.raises(errors.ProjectUnauthorized) as info:
                    world.chain.transact(signer, call())
                assert info.value.args_dict["role"] == Role.PLATFORM.id, fn_name
            assert info.value.args_dict["account"] == signer.address, fn_name
    rs = sign_ownership(world, code, v, [0], d, r)
    for name, signer in signers.items():
        if name == "unit1":
            continue
        if name == "unit2":
            with pytest.raises(errors.ProjectNotUnit) as info:
                world.chain.transact(signer, _own(world, code, v, [0], d, r, rs))
            assert info.value.args_dict["unit"] == world["unit1"].address
        else:
            with pytest.raises(errors.ProjectUnauthorized) as info:
                world.chain.transact(signer, _own(world, code, v, [0], d, r, rs))
            assert info.value.args_dict["role"] == Role.UNIT.id
        assert info.value.args_dict["account"] == signer.address
    assert _status(world, code, v) == (5, [0, 0, 5, 0, 0])
    # the right identities
    _send(world, "platform", platform_calls["confirmSteps"]())
    _send(world, "platform", platform_calls["confirmUpdates"]())
    _send(world, "unit1", _own(world, code, v, [0], d, r, rs))
    assert _status(world, code, v) == (5, [1, 1, 5, 1, 0])
    # 更新 reported by the project's unit (DOMAIN.md: PLATFORM observes or UNIT reports)
    _send(world, "unit1", f.confirmUpdates(b, v, [1], [world.now()]))
    assert _status(world, code, v) == (5, [1, 2, 5, 1, 0])


def test_unknown_project_refused(world: World) -> None:
    b = encode_code("BJ-NO-SUCH")
    with pytest.raises(errors.ProjectUnknown):
        _send(world, "platform", _fns(world).confirmSteps(b, 1, CLOUD, [0]))
    with pytest.raises(errors.ProjectUnknown):
        _send(
            world,
            "unit1",
            _fns(world).confirmOwnership(b, 1, [0], digest(), digest(), b"\1" * 32, b"\1" * 32),
        )


# -- versions, indices, arguments ---------------------------------------------------------------


def test_versions_and_indices(world: World) -> None:
    code, v, d, r, count = _at_acceptance(world, 5)
    b = encode_code(code)
    f = _fns(world)
    for bad in (0, 2):
        with pytest.raises(errors.ConfirmationNotLatestVersion) as info:
            _send(world, "platform", f.confirmSteps(b, bad, CLOUD, [0]))
        assert (info.value.args_dict["expected"], info.value.args_dict["got"]) == (1, bad)
    with pytest.raises(errors.ConfirmationIndexOutOfRange) as info:
        _send(world, "platform", f.confirmSteps(b, v, INTERFACE, [0, 5]))
    assert info.value.args_dict["index"] == 5 and info.value.args_dict["resourceCount"] == 5
    with pytest.raises(errors.ConfirmationIndexOutOfRange):
        _send(world, "platform", f.confirmUpdates(b, v, [7], [world.now()]))
    with pytest.raises(errors.ConfirmationIndexOutOfRange):
        _send(world, "unit1", _own(world, code, v, [2**32 - 1], d, r))
    with pytest.raises(errors.ConfirmationNoIndices):
        _send(world, "platform", f.confirmSteps(b, v, CLOUD, []))
    for step in (UPDATE, CHAIN, OWNERSHIP):
        with pytest.raises(errors.ConfirmationStepNotConfirmable):
            _send(world, "platform", f.confirmSteps(b, v, step, [0]))
    with pytest.raises(errors.ConfirmationLengthMismatch):
        _send(world, "platform", f.confirmUpdates(b, v, [0, 1], [world.now()]))
    for t in (0, world.now() + 3600):
        with pytest.raises(errors.ConfirmationInvalidRefreshTime) as info:
            _send(world, "platform", f.confirmUpdates(b, v, [1], [t]))
        assert info.value.args_dict["refreshedAt"] == t
    # the signature must bind the anchored catalog: another digest, root or count is refused
    with pytest.raises(errors.ConfirmationCatalogMismatch):
        _send(world, "unit1", _own(world, code, v, [0], digest(), r))
    with pytest.raises(errors.ConfirmationCatalogMismatch):
        _send(world, "unit1", _own(world, code, v, [0], d, digest()))
    # r, s outside [1, n-1] are refused even in off-chain mode
    for bad_rs in ((bytes(32), b"\1" * 32), (b"\1" * 32, N.to_bytes(32, "big"))):
        with pytest.raises(errors.ConfirmationSignatureInvalid):
            _send(world, "unit1", _own(world, code, v, [0], d, r, bad_rs))
    assert _status(world, code, v) == (5, [0, 0, 5, 0, 0])


def test_duplicates_count_once_and_refresh_keeps_the_latest(world: World) -> None:
    code, v, d, r, _ = _at_acceptance(world, 300)
    b = encode_code(code)
    f = _fns(world)
    receipt = _send(world, "platform", f.confirmSteps(b, v, CLOUD, [0, 0, 299, 256, 299]))
    _send(world, "platform", f.confirmSteps(b, v, CLOUD, [256, 1]))
    assert _status(world, code, v)[1][CLOUD] == 4
    assert [f.isConfirmed(b, v, CLOUD, i).call() for i in (0, 1, 2, 255, 256, 299)] == [
        True,
        True,
        False,
        False,
        True,
        True,
    ]
    ev = world.ledger.decode_logs(receipt["logs"])[0]
    assert ev.name == "StepsConfirmed" and ev.args["indices"] == [0, 0, 299, 256, 299]
    assert ev.args["actor"] == world["platform"].address
    now = world.now()
    _send(world, "platform", f.confirmUpdates(b, v, [5, 6, 5], [now - 100, now - 50, now - 10]))
    _send(world, "platform", f.confirmUpdates(b, v, [5, 7], [now - 500, now - 5]))
    assert [f.lastRefreshed(b, v, i).call() for i in (4, 5, 6, 7)] == [
        0,
        now - 10,
        now - 50,
        now - 5,
    ]
    assert _status(world, code, v)[1][UPDATE] == 3
    assert f.isConfirmed(b, v, UPDATE, 6).call() and not f.isConfirmed(b, v, UPDATE, 4).call()
    assert f.isConfirmed(b, v, CHAIN, 299).call() and not f.isConfirmed(b, v, CHAIN, 300).call()
    _send(world, "unit1", _own(world, code, v, [3, 3], d, r))
    _send(world, "unit1", _own(world, code, v, [3], d, r))
    assert _status(world, code, v) == (300, [4, 3, 300, 1, 0])


def test_ownership_message_layout_and_event(world: World) -> None:
    code, v, d, r, count = _at_acceptance(world, 7)
    conf = world.ledger.confirmations
    idx = [6, 0, 3]
    view = bytes(conf.functions.ownershipMessage(encode_code(code), v, idx, d, r).call())
    mine = ownership_message(world.chain.chain_id, conf.address, code, v, d, r, count, idx)
    assert view == mine and len(view) == 206
    rs = sign_ownership(world, code, v, idx, d, r)
    receipt = _send(world, "unit1", _own(world, code, v, idx, d, r, rs))
    (ev,) = world.ledger.decode_logs(receipt["logs"])
    assert ev.name == "OwnershipConfirmed"
    args = ev.args
    assert (args["version"], args["indices"], args["digest"], args["merkleRoot"]) == (v, idx, d, r)
    assert (args["r"], args["s"], args["actor"], args["keyIndex"]) == (
        *rs,
        world["unit1"].address,
        0,
    )
    # an auditor re-verifies from the event alone, with the key valid at the log's block
    key = world.ledger.key_at(args["actor"], ev.block_number)
    msg = ownership_message(world.chain.chain_id, conf.address, code, v, d, r, count, idx)
    sm_crypto.PublicKey.from_bytes(b"\x04" + key).verify(args["r"] + args["s"], msg)


# -- the acceptance gate ------------------------------------------------------------------------


def _gate(world: World, code: str) -> tuple[int, int, int]:
    with pytest.raises(errors.GateStepMissing) as info:
        world.ledger.accept(world["unit1"], code, 0, digest())
    a = info.value.args_dict
    return _step_no(a["step"]), a["index"], a["version"]


def _step_no(step: Any) -> int:
    """The Solidity ordinal of a decoded ``Step`` (the client decodes it to ``types.Step``)."""
    return list(Step).index(step) if isinstance(step, Step) else int(step)


def test_acceptance_names_the_first_missing_step_and_resource(world: World) -> None:
    code, v, d, r, count = _at_acceptance(world, 6)
    b = encode_code(code)
    f = _fns(world)
    assert _gate(world, code) == (CLOUD, 0, v)
    assert tuple(f.firstMissing(b, v).call()) == (False, CLOUD, 0)
    _send(world, "platform", f.confirmSteps(b, v, CLOUD, [0, 1, 2, 4, 5]))
    assert _gate(world, code) == (CLOUD, 3, v)
    _send(world, "platform", f.confirmSteps(b, v, CLOUD, [3]))
    assert _gate(world, code) == (UPDATE, 0, v)
    _send(world, "platform", f.confirmUpdates(b, v, [0, 1, 2, 3, 5], [world.now()] * 5))
    assert _gate(world, code) == (UPDATE, 4, v)
    _send(world, "platform", f.confirmUpdates(b, v, [4], [world.now()]))
    assert _gate(world, code) == (OWNERSHIP, 0, v)  # CHAIN: the anchor covers every resource
    _send(world, "unit1", _own(world, code, v, [0, 2, 3, 4, 5], d, r))
    assert _gate(world, code) == (OWNERSHIP, 1, v)
    _send(world, "unit1", _own(world, code, v, [1], d, r))
    assert _gate(world, code) == (INTERFACE, 0, v)
    _send(world, "platform", f.confirmSteps(b, v, INTERFACE, [0, 1, 2, 3, 4]))
    assert _gate(world, code) == (INTERFACE, 5, v)
    assert not world.ledger.catalogs.functions.acceptanceReady(b).call()
    _send(world, "platform", f.confirmSteps(b, v, INTERFACE, [5]))
    assert tuple(f.firstMissing(b, v).call())[0] is True
    assert world.ledger.catalogs.functions.acceptanceReady(b).call()
    assert _status(world, code, v) == (6, [6] * 5)
    diff = digest()
    world.ledger.file_change(world["unit1"], code, 1200, diff)  # art. 16: filed before acceptance
    result = world.ledger.accept(world["unit1"], code, 1200, diff)
    ev = result.event("ProjectAccepted")
    assert (ev.args["catalogVersion"], ev.args["changeRatioBp"], ev.args["diffDigest"]) == (
        v,
        1200,
        diff,
    )
    info = world.ledger.project(code)
    assert (
        info["acceptedCatalogVersion"],
        info["acceptedChangeBp"],
        info["acceptedDiffDigest"],
    ) == (
        v,
        1200,
        diff,
    )


def test_new_acceptance_version_starts_empty(world: World) -> None:
    code = advance(world, "confirm_steps")
    b = encode_code(code)
    f = _fns(world)
    anchor(world, code, CatalogKind.ACCEPTANCE, version=2, count=4)
    assert _gate(world, code) == (CLOUD, 0, 2)
    assert _status(world, code, 1)[1] == [3, 3, 3, 3, 3]  # v1 keeps its record
    assert _status(world, code, 2) == (4, [0, 0, 4, 0, 0])
    with pytest.raises(errors.ConfirmationNotLatestVersion) as info:
        _send(world, "platform", f.confirmSteps(b, 1, CLOUD, [0]))
    assert (info.value.args_dict["expected"], info.value.args_dict["got"]) == (2, 1)
    confirm_all(world, code)
    world.ledger.accept(world["unit1"], code, 0, digest())
    assert world.ledger.project(code)["acceptedCatalogVersion"] == 2


def test_change_ratio_above_15_percent_needs_approval(world: World) -> None:
    code = advance(world, "confirm_steps")
    unit = world["unit1"]
    with pytest.raises(errors.ProjectZeroDigest):
        world.ledger.accept(unit, code, 0, bytes(32))
    with pytest.raises(errors.ProjectInvalidRatio):
        world.ledger.accept(unit, code, 10_001, digest())
    with pytest.raises(errors.ProjectChangeNotApproved) as info:
        world.ledger.accept(unit, code, 1501, digest())
    assert (info.value.args_dict["ratioBp"], info.value.args_dict["approvedBp"]) == (1501, 0)
    world.ledger.approve_change(world["eitb"], code, 2000, digest())
    with pytest.raises(errors.ProjectChangeNotApproved):
        world.ledger.accept(unit, code, 2001, digest())
    world.ledger.accept(unit, code, 2000, digest())
    assert world.ledger.project(code)["acceptedChangeBp"] == 2000


def test_ratio_up_to_15_percent_needs_a_filing(world: World) -> None:
    code = advance(world, "confirm_steps")
    unit = world["unit1"]
    with pytest.raises(errors.ProjectChangeNotFiled) as info:
        world.ledger.accept(unit, code, 1500, digest())
    assert (info.value.args_dict["ratioBp"], info.value.args_dict["coveredBp"]) == (1500, 0)
    world.ledger.file_change(unit, code, 1499, digest())
    with pytest.raises(errors.ProjectChangeNotFiled) as info:
        world.ledger.accept(unit, code, 1500, digest())
    assert info.value.args_dict["coveredBp"] == 1499
    world.ledger.file_change(unit, code, 1500, digest())
    with pytest.raises(errors.ProjectChangeNotApproved):  # a filing never covers above 15%
        world.ledger.accept(unit, code, 1501, digest())
    world.ledger.accept(unit, code, 1500, digest())
    assert world.ledger.project(code)["acceptedChangeBp"] == 1500


def test_small_change_covered_by_an_approval_and_no_change_needs_nothing(world: World) -> None:
    code = advance(world, "confirm_steps")
    world.ledger.approve_change(world["eitb"], code, 800, digest())
    with pytest.raises(errors.ProjectChangeNotFiled) as info:
        world.ledger.accept(world["unit1"], code, 801, digest())
    assert info.value.args_dict["coveredBp"] == 800
    world.ledger.accept(world["unit1"], code, 800, digest())
    unchanged = advance(world, "confirm_steps")
    world.ledger.accept(world["unit1"], unchanged, 0, digest())  # ratio 0: no filing needed


# -- the commissioning gate ---------------------------------------------------------------------


def test_commission_refused_after_a_new_acceptance_version(world: World) -> None:
    """Since the fix, the new version itself is refused once the project is accepted, so the
    accepted version stays the latest and commissioning goes through (GateConfirmationsReset is
    a defensive check, reached in tests/contracts/test_catalog_closing.py)."""
    code = advance(world, "apply_commission")
    with pytest.raises(errors.CatalogAcceptanceAfterAcceptance) as info:
        anchor(world, code, CatalogKind.ACCEPTANCE, version=2, count=3)
    assert info.value.args_dict["acceptedVersion"] == 1
    assert world.ledger.latest_catalog(code, CatalogKind.ACCEPTANCE)["version"] == 1
    world.ledger.commission(world["eitb"], code)
    assert world.ledger.project(code)["operationAt"] > 0


def test_commission_allowed_when_the_accepted_version_still_holds(world: World) -> None:
    code = advance(world, "apply_commission")
    run_step(world, code, "commission")


# -- on-chain SM2 verification (issue 8) --------------------------------------------------------


def _build_onchain(chain: Chain) -> World:
    """The behaviour world, deployed with an SM2Verifier so 确权 is verified by the contract."""
    accounts = {name: Chain.new_account() for name in DEV_MEMBERS}
    keys = {name: sm_crypto.PrivateKey.generate() for name in DEV_MEMBERS}
    outsider = Chain.new_account()
    for acct in [*accounts.values(), outsider]:
        chain.fund(acct.address, FUND)
    genesis = [(accounts[g].address, DEV_MEMBERS[g][0], keys[g].public_key.xy) for g in GOVERNORS]
    deployment = deploy_ledger(chain, accounts[GOVERNORS[0]], genesis, THRESHOLD, onchain_sm2=True)
    setup_ledger(
        chain,
        {n: a.address for n, a in accounts.items()},
        {n: k.public_key.xy for n, k in keys.items()},
        accounts.__getitem__,
        existing=deployment,
    )
    return World(
        "tester" if chain.is_tester else "anvil",
        chain,
        Ledger(chain, deployment),
        accounts,
        keys,
        outsider,
    )


_ONCHAIN: dict[str, World] = {}


@pytest.fixture(params=["tester", pytest.param("anvil", marks=pytest.mark.anvil)])
def sm2_world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param not in _ONCHAIN:
        chain = (
            Chain.in_process()
            if request.param == "tester"
            else Chain.connect(request.getfixturevalue("anvil_url"))
        )
        _ONCHAIN[request.param] = _build_onchain(chain)
    w = _ONCHAIN[request.param]
    snapshot = w.chain.snapshot()
    try:
        yield w
    finally:
        w.chain.revert_to(snapshot)


@pytest.fixture
def anvil_sm2_world(anvil_url: str) -> Iterator[World]:
    if "anvil" not in _ONCHAIN:
        _ONCHAIN["anvil"] = _build_onchain(Chain.connect(anvil_url))
    w = _ONCHAIN["anvil"]
    snapshot = w.chain.snapshot()
    try:
        yield w
    finally:
        w.chain.revert_to(snapshot)


def test_onchain_valid_signature_accepted(sm2_world: World) -> None:
    world = sm2_world
    assert (
        world.ledger.confirmations.functions.verifier().call()
        == world.ledger.deployment.addresses[VERIFIER]
    )
    code, v, d, r, count = _at_acceptance(world, 3)
    receipt = _send(world, "unit1", _own(world, code, v, [0, 1, 2], d, r))
    assert _status(world, code, v)[1][OWNERSHIP] == 3
    # Z_A cached for (unit1, key 0): the value sm_crypto computes
    z = world.ledger.confirmations.functions.ownershipZ(world["unit1"].address, 0).call()
    assert bytes(z) == sm_crypto.z_value(world.sm2["unit1"].public_key)
    assert receipt["gasUsed"] < 1_500_000


def _rotate(world: World, name: str, key: sm_crypto.PrivateKey) -> None:
    led = world.ledger
    pid, _ = led.propose(
        world["eitb"], ProposalKind.ROTATE_KEY, world[name].address, sm2_key=key.public_key.xy
    )
    led.approve(world["drc"], pid)
    led.execute(world["eitb"], pid)


@pytest.mark.anvil
def test_onchain_forgeries_refused(anvil_sm2_world: World) -> None:
    world = anvil_sm2_world
    conf = world.ledger.confirmations
    code, v, d, r, count = _at_acceptance(world, 4)
    other, v_o, d_o, r_o, count_o = _at_acceptance(world, 4)
    idx = [0, 1]
    chain_id = world.chain.chain_id

    def sig(key: sm_crypto.PrivateKey, msg: bytes) -> tuple[bytes, bytes]:
        raw = key.sign_raw(msg)
        return raw[:32], raw[32:]

    def refused(rs: tuple[bytes, bytes], *, indices: list[int] = idx) -> None:
        with pytest.raises(errors.ConfirmationSignatureInvalid) as info:
            _send(world, "unit1", _own(world, code, v, indices, d, r, rs))
        a = info.value.args_dict
        assert (a["version"], a["signer"]) == (v, world["unit1"].address)

    good = ownership_message(chain_id, conf.address, code, v, d, r, count, idx)
    unit1 = world.sm2["unit1"]
    # wrong key: another member's, or a fresh one
    refused(sig(world.sm2["unit2"], good))
    refused(sig(sm_crypto.PrivateKey.generate(), good))
    # replays: another chain id, contract, project, version, catalog count, resources
    refused(sig(unit1, ownership_message(chain_id + 1, conf.address, code, v, d, r, count, idx)))
    refused(
        sig(
            unit1,
            ownership_message(chain_id, world.ledger.catalogs.address, code, v, d, r, count, idx),
        )
    )
    refused(sig(unit1, ownership_message(chain_id, conf.address, other, v, d, r, count, idx)))
    refused(sig(unit1, ownership_message(chain_id, conf.address, code, v + 1, d, r, count, idx)))
    refused(sig(unit1, ownership_message(chain_id, conf.address, code, v, d, r, count + 1, idx)))
    refused(sig(unit1, good), indices=[0, 2])
    refused(sig(unit1, good), indices=[1, 0])
    # a signature made for the other project replayed here
    rs_other = sign_ownership(world, other, v_o, idx, d_o, r_o)
    refused(rs_other)
    # tampered r, s
    r_, s_ = sig(unit1, good)
    refused((r_, (int.from_bytes(s_, "big") ^ 1).to_bytes(32, "big")))
    refused(((int.from_bytes(r_, "big") ^ (1 << 200)).to_bytes(32, "big"), s_))
    refused((s_, r_))
    assert _status(world, code, v)[1][OWNERSHIP] == 0
    # the genuine one passes, and so does the other project's on its own project
    _send(world, "unit1", _own(world, code, v, idx, d, r, (r_, s_)))
    _send(world, "unit1", _own(world, other, v_o, idx, d_o, r_o, rs_other))
    assert _status(world, code, v)[1][OWNERSHIP] == 2
    # key history: after a rotation the old key no longer signs; the new one does
    new_key = sm_crypto.PrivateKey.generate()
    _rotate(world, "unit1", new_key)
    msg = ownership_message(chain_id, conf.address, code, v, d, r, count, [2])
    with pytest.raises(errors.ConfirmationSignatureInvalid):
        _send(world, "unit1", _own(world, code, v, [2], d, r, sig(unit1, msg)))
    receipt = _send(world, "unit1", _own(world, code, v, [2], d, r, sig(new_key, msg)))
    (ev,) = world.ledger.decode_logs(receipt["logs"])
    assert ev.args["keyIndex"] == 1
    z = conf.functions.ownershipZ(world["unit1"].address, 1).call()
    assert bytes(z) == sm_crypto.z_value(new_key.public_key)


@pytest.mark.anvil
def test_gas_for_50_resources(anvil_world: World, anvil_sm2_world: World) -> None:
    """Gas of confirming 50 resources, with and without on-chain SM2 (printed with ``-s``)."""
    idx = list(range(50))
    for label, world in (("off-chain", anvil_world), ("on-chain", anvil_sm2_world)):
        snapshot = world.chain.snapshot()
        try:
            code, v, d, r, count = _at_acceptance(world, 50)
            b = encode_code(code)
            f = _fns(world)
            if label == "off-chain":
                GAS["confirmSteps CLOUD x50"] = _send(
                    world, "platform", f.confirmSteps(b, v, CLOUD, idx)
                )["gasUsed"]
                GAS["confirmSteps INTERFACE x50"] = _send(
                    world, "platform", f.confirmSteps(b, v, INTERFACE, idx)
                )["gasUsed"]
                GAS["confirmUpdates x50"] = _send(
                    world, "platform", f.confirmUpdates(b, v, idx, [world.now()] * 50)
                )["gasUsed"]
            GAS[f"confirmOwnership x50 {label}, first use of the key"] = _send(
                world, "unit1", _own(world, code, v, idx, d, r)
            )["gasUsed"]
            code2, v2, d2, r2, _ = _at_acceptance(world, 50)
            GAS[f"confirmOwnership x50 {label}, key cached (2nd project)"] = _send(
                world, "unit1", _own(world, code2, v2, idx, d2, r2)
            )["gasUsed"]
            if label == "off-chain":
                confirm_all(world, code2)
                GAS["accept (50 resources)"] = world.ledger.accept(
                    world["unit1"], code2, 0, digest()
                ).gas_used
        finally:
            world.chain.revert_to(snapshot)
    for label, gas in GAS.items():
        print(f"{label:50s} {gas:>10,d}")
    assert GAS["confirmOwnership x50 on-chain, key cached (2nd project)"] < 1_000_000
