"""The project library's rules (DOMAIN.md): every transition allowed, and refused for every wrong
role, wrong state and wrong time, each with its named error. Runs on eth-tester and on anvil."""

from __future__ import annotations

import pytest

from chain_client import errors
from chain_client.types import CatalogKind, Role, State

from .conftest import World
from .flows import STATE_AFTER, STEPS, advance, anchor, digest, run_step

NAMES = ("eitb", "drc", "finance", "crypto", "sector", "unit1", "unit2", "platform", "auditor")


def test_full_lifecycle_reserve_to_operation(world: World) -> None:
    code = world.new_code()
    for step in STEPS:
        run_step(world, code, step)
        assert world.ledger.state(code) is STATE_AFTER[step], step
    info = world.ledger.project(code)
    assert info["state"] is State.OPERATION
    assert info["unit"] == world["unit1"].address
    names = [e.name for e in world.ledger.history(code) if e.contract != "Confirmations"]
    assert names == [
        "ProjectCreated",
        "CatalogAnchored",
        "ReviewStarted",
        "CryptoApproved",
        "ReviewPassed",
        "ProjectFunded",
        "ConstructionStarted",
        "CatalogAnchored",
        "ProjectAccepted",
        "CommissionApplied",
        "ProjectCommissioned",
    ]


def test_warranty_and_commission_deadlines_follow_acceptance(world: World) -> None:
    code = advance(world, "accept")
    accepted = world.ledger.project(code)["acceptedAt"]
    assert (
        world.ledger.view("ProjectLibrary", "warrantyEndsAt", _b(code)) == accepted + 730 * 86_400
    )
    assert (
        world.ledger.view("ProjectLibrary", "commissionDeadline", _b(code))
        == accepted + 183 * 86_400
    )


def _b(code: str) -> bytes:
    from chain_client.types import encode_code

    return encode_code(code)


# -- role × write-function matrix -----------------------------------------------------------------
# (function, step before it, call, identities allowed, gate) where gate is "role" (an on-chain
# role: everyone else gets ProjectUnauthorized) or "unit" (the project's unit: other units get
# ProjectNotUnit, non-units ProjectUnauthorized).


def _call(name: str):
    led_methods = {
        "createProject": lambda w, s, c: w.ledger.create_project(
            s, c + "X", w["unit1"].address, "新项目"
        ),
        "startReview": lambda w, s, c: w.ledger.start_review(s, c),
        "approveCrypto": lambda w, s, c: w.ledger.approve_crypto(s, c),
        "passReview": lambda w, s, c: w.ledger.pass_review(s, c, digest()),
        "extendReview": lambda w, s, c: w.ledger.extend_review(s, c, 30),
        "fund": lambda w, s, c: w.ledger.fund(s, c, 365),
        "startConstruction": lambda w, s, c: w.ledger.start_construction(s, c),
        "reportProgress": lambda w, s, c: w.ledger.report_progress(s, c, digest()),
        "accept": lambda w, s, c: w.ledger.accept(s, c, 0, digest()),
        "applyCommission": lambda w, s, c: w.ledger.apply_commission(s, c),
        "commission": lambda w, s, c: w.ledger.commission(s, c),
        "submitSelfEvaluation": lambda w, s, c: w.ledger.submit_self_evaluation(s, c, digest()),
        "terminate": lambda w, s, c: w.ledger.terminate(s, c, "停止实施"),
        "fileChange": lambda w, s, c: w.ledger.file_change(s, c, 1000, digest()),
        "approveChange": lambda w, s, c: w.ledger.approve_change(s, c, 2500, digest()),
        "anchor": lambda w, s, c: w.ledger.anchor(
            s, c, CatalogKind.DECLARED, 2, digest(), digest(), 4
        ),
    }
    return led_methods[name]


MATRIX = [
    ("createProject", "create", {"eitb"}, Role.REVIEWER),
    ("startReview", "anchor_declared", {"eitb"}, Role.REVIEWER),
    ("approveCrypto", "start_review", {"crypto"}, Role.CRYPTO),
    ("passReview", "approve_crypto", {"eitb"}, Role.REVIEWER),
    ("extendReview", "pass_review", {"eitb"}, Role.REVIEWER),
    ("fund", "pass_review", {"drc", "finance"}, Role.FUNDER),
    ("startConstruction", "fund", {"unit1"}, "unit"),
    ("reportProgress", "start_construction", {"unit1"}, "unit"),
    ("accept", "confirm_steps", {"unit1"}, "unit"),
    ("applyCommission", "accept", {"unit1"}, "unit"),
    ("commission", "apply_commission", {"eitb"}, Role.REVIEWER),
    ("submitSelfEvaluation", "commission", {"unit1"}, "unit"),
    ("terminate", "create", {"eitb"}, Role.REVIEWER),
    ("fileChange", "fund", {"unit1"}, "unit"),
    ("approveChange", "fund", {"eitb"}, Role.REVIEWER),
    ("anchor", "anchor_declared", {"unit1"}, "unit"),
]


@pytest.mark.parametrize(
    ("function", "before", "allowed", "gate"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_role_matrix(
    world: World, function: str, before: str, allowed: set[str], gate: object
) -> None:
    code = advance(world, before)
    if function == "extendReview":
        world.advance_days(366)
    if function == "submitSelfEvaluation":
        world.advance_days(400)
    call = _call(function)
    signers = {n: world[n] for n in NAMES} | {"outsider": world.outsider}
    for name, signer in signers.items():
        if name in allowed:
            continue
        if gate == "unit" and name == "unit2":
            with pytest.raises(errors.ProjectNotUnit) as info:
                call(world, signer, code)
            assert info.value.args_dict["unit"] == world["unit1"].address
        else:
            with pytest.raises(errors.ProjectUnauthorized) as info:
                call(world, signer, code)
            role = Role.UNIT if gate == "unit" else gate
            assert info.value.args_dict["role"] == role.id  # type: ignore[union-attr]
        assert info.value.args_dict["account"] == signer.address
    winner = sorted(allowed)[0]
    result = call(world, world[winner], code)
    assert result.events, f"{function} by {winner} emitted nothing"


# -- wrong state --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "at", "error"),
    [
        ("start_review", "create", "CatalogDeclaredCatalogMissing"),
        ("start_review", "start_review", "ProjectInvalidTransition"),
        ("approve_crypto", "anchor_declared", "ProjectInvalidState"),
        ("pass_review", "start_review", "ProjectCryptoNotApproved"),
        ("fund", "approve_crypto", "ProjectReviewNotPassed"),
        ("fund", "fund", "ProjectInvalidTransition"),
        ("start_construction", "pass_review", "ProjectInvalidTransition"),
        ("accept", "fund", "ProjectInvalidState"),
        ("accept", "start_construction", "CatalogAcceptanceCatalogMissing"),
        ("apply_commission", "anchor_acceptance", "ProjectNotAccepted"),
        ("commission", "accept", "ProjectCommissionNotApplied"),
        ("commission", "commission", "ProjectInvalidTransition"),
    ],
)
def test_wrong_state_refused(world: World, step: str, at: str, error: str) -> None:
    code = advance(world, at)
    state = world.ledger.state(code)
    with pytest.raises(errors.ContractError) as info:
        run_step(world, code, step)
    assert type(info.value).__name__ == error, info.value
    assert world.ledger.state(code) is state


def test_terminate_from_every_live_state_and_never_again(world: World) -> None:
    for upto in ("create", "start_review", "fund", "start_construction", "commission"):
        code = advance(world, upto)
        before = world.ledger.state(code)
        result = world.ledger.terminate(world["eitb"], code, "成果不再使用")
        ev = result.event("ProjectTerminated")
        assert State(ev.args["from"]) is before
        assert world.ledger.state(code) is State.TERMINATED
        with pytest.raises(errors.ProjectInvalidTransition):
            world.ledger.terminate(world["eitb"], code, "again")
        with pytest.raises(errors.ContractError):
            world.ledger.start_review(world["eitb"], code)


def test_unknown_project_refused(world: World) -> None:
    with pytest.raises(errors.ProjectUnknown):
        world.ledger.start_review(world["eitb"], "BJ-NO-SUCH")


def test_duplicate_code_refused(world: World) -> None:
    code = advance(world, "create")
    with pytest.raises(errors.ProjectAlreadyExists):
        world.ledger.create_project(world["eitb"], code, world["unit2"].address, "重复")


def test_project_unit_must_be_an_active_unit(world: World) -> None:
    with pytest.raises(errors.ProjectInvalidUnit):
        world.ledger.create_project(world["eitb"], world.new_code(), world["platform"].address, "x")


# -- time rules ---------------------------------------------------------------------------------


def test_review_opinion_valid_365_days_then_one_extension(world: World) -> None:
    code = advance(world, "pass_review")
    info = world.ledger.project(code)
    assert info["opinionExpiresAt"] == info["opinionPassedAt"] + 365 * 86_400
    # too early: the opinion is still valid
    with pytest.raises(errors.ProjectOpinionStillValid):
        world.ledger.extend_review(world["eitb"], code, 100)
    world.advance_days(364)
    with pytest.raises(errors.ProjectOpinionStillValid):
        world.ledger.extend_review(world["eitb"], code, 100)
    world.advance_days(2)
    # funding needs a valid opinion
    with pytest.raises(errors.ProjectOpinionExpired):
        world.ledger.fund(world["drc"], code, 365)
    with pytest.raises(errors.ProjectInvalidExtension):
        world.ledger.extend_review(world["eitb"], code, 184)
    with pytest.raises(errors.ProjectInvalidExtension):
        world.ledger.extend_review(world["eitb"], code, 0)
    world.ledger.extend_review(world["eitb"], code, 183)
    with pytest.raises(errors.ProjectReviewAlreadyExtended):
        world.ledger.extend_review(world["eitb"], code, 10)
    world.ledger.fund(world["drc"], code, 365)
    assert world.ledger.state(code) is State.APPROVED


def test_extension_too_late_when_it_would_end_in_the_past(world: World) -> None:
    code = advance(world, "pass_review")
    world.advance_days(365 + 100)
    with pytest.raises(errors.ProjectExtensionTooLate):
        world.ledger.extend_review(world["eitb"], code, 50)
    world.ledger.extend_review(world["eitb"], code, 150)


def test_funding_sets_construction_period(world: World) -> None:
    code = advance(world, "pass_review")
    with pytest.raises(errors.ProjectInvalidPeriod):
        world.ledger.fund(world["drc"], code, 0)
    world.ledger.fund(world["finance"], code, 500)
    world.ledger.start_construction(world["unit1"], code)
    info = world.ledger.project(code)
    assert info["constructionDeadline"] == info["constructionStartedAt"] + 500 * 86_400


def test_quarterly_progress_one_per_window_and_overdue_view(world: World) -> None:
    code = advance(world, "start_construction")
    status = world.ledger.progress_status(code)
    assert status["overdue"] is False and status["missedQuarters"] == 0
    world.ledger.report_progress(world["unit1"], code, digest())
    with pytest.raises(errors.ProjectProgressAlreadyReported):
        world.ledger.report_progress(world["unit1"], code, digest())
    world.advance_days(91)
    world.ledger.report_progress(world["unit1"], code, digest())
    assert world.ledger.progress_status(code)["overdue"] is False
    world.advance_days(200)  # windows 2 ends without a report
    status = world.ledger.progress_status(code)
    assert status["overdue"] is True and status["missedQuarters"] >= 1


def test_commission_application_within_6_months_of_acceptance(world: World) -> None:
    code = advance(world, "accept")
    world.advance_days(184)
    with pytest.raises(errors.ProjectCommissionTooLate):
        world.ledger.apply_commission(world["unit1"], code)
    code2 = advance(world, "accept")
    world.advance_days(182)
    world.ledger.apply_commission(world["unit1"], code2)
    with pytest.raises(errors.ProjectCommissionAlreadyApplied):
        world.ledger.apply_commission(world["unit1"], code2)


def test_accept_only_once(world: World) -> None:
    code = advance(world, "accept")
    with pytest.raises(errors.ProjectAlreadyAccepted):
        world.ledger.accept(world["unit1"], code, 0, digest())


def test_self_evaluation_window_12_to_15_months(world: World) -> None:
    code = advance(world, "commission")
    world.advance_days(300)
    with pytest.raises(errors.ProjectSelfEvaluationTooEarly):
        world.ledger.submit_self_evaluation(world["unit1"], code, digest())
    world.advance_days(70)
    world.ledger.submit_self_evaluation(world["unit1"], code, digest())
    with pytest.raises(errors.ProjectSelfEvaluationAlreadySubmitted):
        world.ledger.submit_self_evaluation(world["unit1"], code, digest())
    late = advance(world, "commission")
    world.advance_days(460)
    with pytest.raises(errors.ProjectSelfEvaluationTooLate):
        world.ledger.submit_self_evaluation(world["unit1"], late, digest())


# -- change rule (art. 16) ------------------------------------------------------------------------


def test_change_filing_up_to_15_percent_else_approval(world: World) -> None:
    code = advance(world, "start_construction")
    world.ledger.file_change(world["unit1"], code, 1500, digest())
    with pytest.raises(errors.ProjectChangeNeedsApproval) as info:
        world.ledger.file_change(world["unit1"], code, 1501, digest())
    assert info.value.args_dict["ratioBp"] == 1501
    result = world.ledger.approve_change(world["eitb"], code, 1501, digest())
    assert result.event("ChangeApproved").args["ratioBp"] == 1501
    with pytest.raises(errors.ProjectInvalidRatio):
        world.ledger.approve_change(world["eitb"], code, 10_001, digest())
    with pytest.raises(errors.ProjectZeroDigest):
        world.ledger.file_change(world["unit1"], code, 100, b"\0" * 32)


def test_change_refused_before_funding(world: World) -> None:
    code = advance(world, "pass_review")
    with pytest.raises(errors.ProjectInvalidState):
        world.ledger.file_change(world["unit1"], code, 100, digest())


def test_revoked_unit_can_no_longer_write(world: World) -> None:
    from chain_client.types import ProposalKind

    code = advance(world, "fund")
    pid, _ = world.ledger.propose(world["eitb"], ProposalKind.REVOKE, world["unit1"].address)
    world.ledger.approve(world["drc"], pid)
    world.ledger.execute(world["eitb"], pid)
    with pytest.raises(errors.ProjectUnauthorized):
        world.ledger.start_construction(world["unit1"], code)
    with pytest.raises(errors.ContractError):
        anchor(world, code, CatalogKind.ACCEPTANCE)
