"""Articles 21 and 24 end to end, with a 50-resource acceptance catalog: acceptance refused for each
missing step (and one missing resource of each step), then allowed; a change up to 15% accepted
only after its filing (art. 16); no new acceptance version after acceptance, so commissioning
reviews the accepted one; commissioning refused after 6 months; 确权 replay/forgery/wrong key
refused or reported.
Runs on eth-tester and on anvil (the `world` fixture)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import sm_crypto
from chain_client import errors
from chain_client.steps import Steps, acceptance_diff
from chain_client.types import ProposalKind, State, Step

from ..chain.conftest import World
from ..chain.flows import digest
from .docs import make_catalog, save

#: resources of the acceptance catalog: 50 on anvil (the issue's end-to-end size); the same suite
#: runs on eth-tester with 16, where py-evm makes every extra resource cost seconds
N_ANVIL, N_TESTER = 50, 16


def size(world: World) -> int:
    return N_TESTER if world.chain.is_tester else N_ANVIL


ORDER = (Step.CLOUD, Step.UPDATE, Step.OWNERSHIP, Step.INTERFACE)


def _anchor(world: World, doc) -> None:
    world.ledger.anchor(
        world["unit1"],
        doc.project_code,
        doc.kind.value,
        doc.version,
        doc.digest,
        doc.merkle_root,
        doc.resource_count,
    )


def _under_construction(
    world: World, documents: Path, *, declared_count: int | None = None
) -> tuple[str, object]:
    code = "BJ-2026-" + world.new_code()[-4:] + "5"
    led = world.ledger
    led.create_project(world["eitb"], code, world["unit1"].address, "智慧教育数据平台")
    declared = make_catalog(code, "declared", 1, declared_count or size(world) - 2)
    save(declared, documents)
    _anchor(world, declared)
    led.start_review(world["eitb"], code)
    led.approve_crypto(world["crypto"], code)
    led.pass_review(world["eitb"], code, digest())
    led.fund(world["drc"], code, 365)
    led.start_construction(world["unit1"], code)
    acceptance = make_catalog(code, "acceptance", 1, size(world))
    save(acceptance, documents)
    _anchor(world, acceptance)
    return code, acceptance


def _confirm(world: World, steps: Steps, doc, step: Step, indices: list[int]) -> None:
    code, version = doc.project_code, doc.version
    if step is Step.OWNERSHIP:
        conf = steps.sign_ownership(world.sm2["unit1"], doc, [doc.codes[i] for i in indices])
        steps.submit_ownership(world["unit1"], conf)
    elif step is Step.UPDATE:
        steps.confirm_updates(
            world["platform"], code, version, indices, [world.now()] * len(indices)
        )
    else:
        steps.confirm(world["platform"], code, version, step, indices)


def _accept(world: World, documents: Path, code: str, *, file: bool = True):
    """Acceptance with the measured ratio; with ``file``, a change of at most 15% is filed
    (备案, the unit, with the diff as evidence) first, as art. 16 requires."""
    diff = acceptance_diff(world.ledger, documents, code)
    ratio = min(diff.ratio_bp, 10_000)
    if file and 0 < ratio <= 1500:
        world.ledger.file_change(world["unit1"], code, ratio, diff.digest)
    return world.ledger.accept(world["unit1"], code, ratio_bp=ratio, diff_digest=diff.digest)


def test_acceptance_refused_per_missing_step_then_allowed(world: World, tmp_path: Path) -> None:
    steps = Steps(world.ledger)
    code, doc = _under_construction(world, tmp_path)
    N = size(world)
    last = N - 1
    for step in ORDER:
        # nothing of this step yet: the revert names the step and resource 0
        with pytest.raises(errors.GateStepMissing) as info:
            _accept(world, tmp_path, code)
        assert info.value.args_dict["step"] is step
        assert int(info.value.args_dict["index"]) == 0
        # all but the last resource: the revert names the last resource
        _confirm(world, steps, doc, step, list(range(last)))
        with pytest.raises(errors.GateStepMissing) as info:
            _accept(world, tmp_path, code)
        assert info.value.args_dict["step"] is step
        assert int(info.value.args_dict["index"]) == last
        _confirm(world, steps, doc, step, [last])
    report = steps.gates(code, tmp_path)
    assert report.acceptance_ready, report.acceptance_blockers
    result = _accept(world, tmp_path, code)
    accepted = result.event("ProjectAccepted")
    assert accepted.args["changeRatioBp"] == -(-20_000 // (N - 2))  # 2 added, rounded up
    assert world.ledger.state(code) is State.UNDER_CONSTRUCTION
    assert world.ledger.project(code)["acceptedAt"] > 0
    assert steps.verify_ownership_records(code) == []


def test_fast_gates_name_every_missing_step(world: World, tmp_path: Path) -> None:
    """``detail=False`` (the service's path) with several steps missing: one blocker per step, the
    first naming its first missing resource (the first resource used to replace the
    ``firstMissing`` answer, and the next missing step then indexed an int: TypeError)."""
    steps = Steps(world.ledger)
    code, _ = _under_construction(world, tmp_path)
    report = steps.gates(code, detail=False)
    assert report.missing == {"cloud": [0]}
    blockers = [b for b in report.acceptance_blockers if "missing" in b]
    incomplete = [s.value for s in Step if report.confirmed[s.value] < report.resource_count]
    assert len(incomplete) > 1  # the case that failed
    assert [b.split(" ")[1].rstrip(":") for b in blockers] == incomplete
    assert blockers[0].endswith("(first: 0)")


def test_large_change_needs_reviewer_approval_before_acceptance(
    world: World, tmp_path: Path
) -> None:
    steps = Steps(world.ledger)
    N = size(world)
    declared = N * 4 // 5  # a fifth added: 2500 bp on anvil, 3334 on eth-tester
    ratio = -(-10_000 * (N - declared) // declared)
    code, doc = _under_construction(world, tmp_path, declared_count=declared)
    for step in ORDER:
        _confirm(world, steps, doc, step, list(range(size(world))))
    with pytest.raises(errors.ProjectChangeNotApproved) as info:
        _accept(world, tmp_path, code)
    assert info.value.args_dict["ratioBp"] == ratio > 1500
    diff = acceptance_diff(world.ledger, tmp_path, code)
    world.ledger.approve_change(world["eitb"], code, diff.ratio_bp, diff.digest)
    assert _accept(world, tmp_path, code).event("ProjectAccepted").args["changeRatioBp"] == ratio


def _accepted(world: World, tmp_path: Path) -> tuple[str, object]:
    steps = Steps(world.ledger)
    code, doc = _under_construction(world, tmp_path)
    for step in ORDER:
        _confirm(world, steps, doc, step, list(range(size(world))))
    _accept(world, tmp_path, code)
    return code, doc


def test_small_change_needs_its_filing_before_acceptance(world: World, tmp_path: Path) -> None:
    steps = Steps(world.ledger)
    code, doc = _under_construction(world, tmp_path)  # 2 resources added: 0 < ratio <= 1500
    for step in ORDER:
        _confirm(world, steps, doc, step, list(range(size(world))))
    diff = acceptance_diff(world.ledger, tmp_path, code)
    ratio = diff.ratio_bp
    assert 0 < ratio <= 1500
    with pytest.raises(errors.ProjectChangeNotFiled) as info:
        _accept(world, tmp_path, code, file=False)
    assert (info.value.args_dict["ratioBp"], info.value.args_dict["coveredBp"]) == (ratio, 0)
    world.ledger.file_change(world["unit1"], code, ratio - 1, diff.digest)
    with pytest.raises(errors.ProjectChangeNotFiled) as info:
        _accept(world, tmp_path, code, file=False)
    assert info.value.args_dict["coveredBp"] == ratio - 1
    world.ledger.file_change(world["unit1"], code, ratio, diff.digest)
    accepted = _accept(world, tmp_path, code, file=False)
    assert accepted.event("ProjectAccepted").args["changeRatioBp"] == ratio


def test_no_new_acceptance_version_after_acceptance(world: World, tmp_path: Path) -> None:
    """The accepted version stays the latest: a new one is refused, so commissioning reviews the
    catalog acceptance was granted on (the reset that blocked commissioning cannot happen)."""
    code, _ = _accepted(world, tmp_path)
    world.ledger.apply_commission(world["unit1"], code)
    v2 = make_catalog(code, "acceptance", 2, size(world), variant=1)
    save(v2, tmp_path)
    with pytest.raises(errors.CatalogAcceptanceAfterAcceptance) as info:
        _anchor(world, v2)
    assert info.value.args_dict["acceptedVersion"] == 1
    assert world.ledger.latest_catalog(code, "acceptance")["version"] == 1
    assert Steps(world.ledger).gates(code, tmp_path).commission_ready
    world.ledger.commission(world["eitb"], code)
    assert world.ledger.state(code) is State.OPERATION


def test_no_new_declared_version_after_review(world: World, tmp_path: Path) -> None:
    """Declared versions may follow one another until the opinion passes; then the latest is the
    reviewed one, and the acceptance diff is taken against it."""
    code = "BJ-2026-" + world.new_code()[-4:] + "6"
    led, unit = world.ledger, world["unit1"]
    led.create_project(world["eitb"], code, unit.address, "智慧教育数据平台")
    v1 = make_catalog(code, "declared", 1, 10)
    _anchor(world, v1)
    led.start_review(world["eitb"], code)
    led.approve_crypto(world["crypto"], code)
    v2 = make_catalog(code, "declared", 2, 12)
    save(v2, tmp_path)
    _anchor(world, v2)  # still under review, opinion not passed: allowed
    led.pass_review(world["eitb"], code, digest())
    v3 = make_catalog(code, "declared", 3, 14)
    with pytest.raises(errors.CatalogDeclaredAfterReview) as info:
        _anchor(world, v3)
    assert info.value.args_dict["reviewedVersion"] == 2
    _anchor(world, v2)  # an identical repeat stays harmless (no event, no error)
    assert led.latest_catalog(code, "declared")["version"] == 2
    led.fund(world["drc"], code, 365)
    led.start_construction(unit, code)
    acceptance = make_catalog(code, "acceptance", 1, 12)
    save(acceptance, tmp_path)
    _anchor(world, acceptance)
    assert acceptance_diff(led, tmp_path, code).ratio_bp == 0  # against v2, the reviewed one


def test_commissioning_refused_when_applied_after_6_months(world: World, tmp_path: Path) -> None:
    code, _ = _accepted(world, tmp_path)
    world.advance_days(184)
    with pytest.raises(errors.ProjectCommissionTooLate):
        world.ledger.apply_commission(world["unit1"], code)
    code2, _ = _accepted(world, tmp_path)
    world.ledger.apply_commission(world["unit1"], code2)
    world.ledger.commission(world["eitb"], code2)
    assert world.ledger.state(code2) is State.OPERATION


def test_step_roles_and_versions(world: World, tmp_path: Path) -> None:
    steps = Steps(world.ledger)
    code, doc = _under_construction(world, tmp_path)
    for name in ("eitb", "drc", "finance", "crypto", "sector", "unit1", "unit2", "auditor"):
        for step in (Step.CLOUD, Step.INTERFACE):
            with pytest.raises(errors.ProjectUnauthorized) as info:
                steps.confirm(world[name], code, 1, step, [0])
            assert info.value.args_dict["account"] == world[name].address
        if name == "unit1":  # the project's unit may report its refreshes
            continue
        with pytest.raises(
            errors.ProjectNotUnit if name == "unit2" else errors.ProjectUnauthorized
        ):
            steps.confirm_updates(world[name], code, 1, [0], [world.now()])
    with pytest.raises(errors.ConfirmationNotLatestVersion):
        steps.confirm(world["platform"], code, 2, Step.CLOUD, [0])
    with pytest.raises(errors.ConfirmationIndexOutOfRange):
        steps.confirm(world["platform"], code, 1, Step.CLOUD, [size(world)])
    with pytest.raises(errors.ConfirmationInvalidRefreshTime):
        steps.confirm_updates(world["platform"], code, 1, [0], [world.now() + 3600])
    conf = steps.sign_ownership(world.sm2["unit1"], doc, doc.codes[:3])
    with pytest.raises(errors.ProjectNotUnit):
        steps.submit_ownership(world["unit2"], conf)
    for name in ("eitb", "platform", "auditor"):
        with pytest.raises(errors.ProjectUnauthorized):
            steps.submit_ownership(world[name], conf)
    assert steps.status(code, 1)[1][Step.CLOUD.index] == 0
    assert steps.status(code, 1)[1][Step.CHAIN.index] == size(world)  # 上链: the anchor itself


def test_replayed_forged_and_wrong_key_ownership_detected(world: World, tmp_path: Path) -> None:
    """Off-chain mode (no on-chain verifier): the chain records, the audit reports."""
    steps = Steps(world.ledger)
    code, doc = _under_construction(world, tmp_path)
    good = steps.sign_ownership(world.sm2["unit1"], doc, doc.codes[:5])
    steps.submit_ownership(world["unit1"], good)
    assert steps.verify_ownership_records(code) == []
    # wrong key: signed by another unit's key, sent by the right account
    wrong = steps.sign_ownership(world.sm2["unit2"], doc, doc.codes[5:10])
    # forged: flipped bit in s
    forged = replace(good, indices=[10, 11], resource_codes=doc.codes[10:12])
    forged = replace(forged, signature=good.signature[:63] + bytes([good.signature[63] ^ 1]))
    # replayed: the good signature presented for other resources of the same catalog
    replayed = replace(good, indices=[12, 13, 14, 15], resource_codes=doc.codes[12:16])
    onchain = "SM2Verifier" in world.ledger.deployment.addresses
    for bad in (wrong, forged, replayed):
        if onchain:  # the contract verifies: refused by its named error, nothing recorded
            with pytest.raises(errors.ConfirmationSignatureInvalid) as info:
                steps.submit_ownership(world["unit1"], bad)
            assert info.value.args_dict["signer"] == world["unit1"].address
        else:  # recorded as evidence; the off-chain check reports it
            steps.submit_ownership(world["unit1"], bad)
    findings = steps.verify_ownership_records(code)
    assert len(findings) == (0 if onchain else 3), findings
    assert all("invalid" in f["finding"] for f in findings)
    # the independent audit (mulu audit) reports the same, by tx
    from api.audit import audit_project

    report = audit_project(world.ledger, code, tmp_path)
    bad = [f for f in report.findings if f.check == "signature"]
    assert len(bad) == len(findings) and report.clean is (not findings)
    assert steps.status(code, 1)[1][Step.OWNERSHIP.index] == (
        5 if onchain else 16
    )  # off chain, bad ones count until audited


def test_ownership_with_a_key_rotated_away_is_reported(world: World, tmp_path: Path) -> None:
    steps = Steps(world.ledger)
    code, doc = _under_construction(world, tmp_path)
    before = steps.sign_ownership(world.sm2["unit1"], doc, doc.codes[:5])
    steps.submit_ownership(world["unit1"], before)
    new_key = sm_crypto.PrivateKey.generate()
    pid, _ = world.ledger.propose(
        world["eitb"],
        ProposalKind.ROTATE_KEY,
        world["unit1"].address,
        sm2_key=new_key.public_key.xy,
    )
    world.ledger.approve(world["drc"], pid)
    world.ledger.execute(world["eitb"], pid)
    # made before the rotation: still valid under the key of its block
    assert steps.verify_ownership_records(code) == []
    # after the rotation, the old key no longer counts
    stale = steps.sign_ownership(world.sm2["unit1"], doc, doc.codes[5:8])
    if "SM2Verifier" in world.ledger.deployment.addresses:
        with pytest.raises(errors.ConfirmationSignatureInvalid):
            steps.submit_ownership(world["unit1"], stale)
        assert steps.verify_ownership_records(code) == []
    else:
        steps.submit_ownership(world["unit1"], stale)
        findings = steps.verify_ownership_records(code)
        assert len(findings) == 1 and "invalid" in findings[0]["finding"]
    fresh = steps.sign_ownership(new_key, doc, doc.codes[8:10])
    steps.submit_ownership(world["unit1"], fresh)
    expected = 0 if "SM2Verifier" in world.ledger.deployment.addresses else 1  # only the stale one
    assert len(steps.verify_ownership_records(code)) == expected
