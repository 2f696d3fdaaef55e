"""The milestones that close a catalog kind (review passed: DECLARED; accepted: ACCEPTANCE), the
art. 16 filing at acceptance, and the commissioning gate's defensive check, with plain web3.py on
eth-tester (refusals by the selector and arguments of the named error).

``GateConfirmationsReset`` cannot be reached through the deployed contracts any more (acceptance
closes the acceptance catalog in the same transaction). It is reached here through a CatalogLedger
whose "library" is a plain account standing in for ProjectLibrary, which can push a state and
leave out the ACCEPTED milestone: the check must still name the reset.
"""

from __future__ import annotations

import secrets
from typing import Any

from .test_contracts_smoke import (
    ACCEPTANCE,
    ADMIT,
    DECLARED,
    RESERVE,
    UNDER_CONSTRUCTION,
    UNDER_REVIEW,
    Chain,
    code_of,
    confirm_all,
    digest,
    expect_revert,
    role,
    sm2_public_key,
    world,  # noqa: F401  (the module fixture of the smoke test: a fresh deployment here)
)

REVIEW_PASSED, ACCEPTED = 0, 1


def _to_construction(w: dict[str, Any], code: bytes) -> None:
    chain, f = w["chain"], w["library"].functions
    chain.send(f.createProject(code, w["unit"], "closing"), w["reviewer"])
    chain.send(w["ledger"].functions.anchor(code, DECLARED, 1, digest(), digest(), 3), w["unit"])
    for fn, who in (
        (f.startReview(code), "reviewer"),
        (f.approveCrypto(code), "crypto"),
        (f.passReview(code, digest()), "reviewer"),
        (f.fund(code, 365), "funder"),
        (f.startConstruction(code), "unit"),
    ):
        chain.send(fn, w[who])


def test_declared_catalog_closed_when_the_review_passes(world: dict[str, Any]) -> None:  # noqa: F811
    chain, f, led = world["chain"], world["library"].functions, world["ledger"].functions
    unit = world["unit"]
    code = code_of(f"BJ-D-{secrets.token_hex(6)}")
    chain.send(f.createProject(code, unit, "declared"), world["reviewer"])
    d1, r1 = digest(), digest()
    chain.send(led.anchor(code, DECLARED, 1, d1, r1, 3), unit)
    chain.send(f.startReview(code), world["reviewer"])
    chain.send(f.approveCrypto(code), world["crypto"])
    # under review, before the opinion: a new declared version is still allowed
    d2, r2 = digest(), digest()
    chain.send(led.anchor(code, DECLARED, 2, d2, r2, 4), unit)
    chain.send(f.passReview(code, digest()), world["reviewer"])
    expect_revert(
        "CatalogDeclaredAfterReview",
        led.anchor(code, DECLARED, 3, digest(), digest(), 5),
        unit,
        args=(code, 2),
    )
    expect_revert(  # the same in a batch
        "CatalogDeclaredAfterReview",
        led.anchorBatch([(code, DECLARED, 3, digest(), digest(), 5)]),
        unit,
        args=(code, 2),
    )
    assert led.anchor(code, DECLARED, 2, d2, r2, 4).call({"from": unit}) is False  # a repeat
    assert led.latest(code, DECLARED).call()[0] == 2
    # the wrong kind in the same state keeps its own error
    expect_revert(
        "CatalogKindNotAllowed",
        led.anchor(code, ACCEPTANCE, 1, digest(), digest(), 1),
        unit,
        args=(code, ACCEPTANCE, UNDER_REVIEW),
    )


def test_acceptance_catalog_closed_at_acceptance(world: dict[str, Any]) -> None:  # noqa: F811
    chain, f, led = world["chain"], world["library"].functions, world["ledger"].functions
    unit = world["unit"]
    code = code_of(f"BJ-A-{secrets.token_hex(6)}")
    _to_construction(world, code)
    da, ra = digest(), digest()
    chain.send(led.anchor(code, ACCEPTANCE, 1, da, ra, 2), unit)
    confirm_all(world, code, 1, 2, da, ra)
    chain.send(f.accept(code, 0, digest()), unit)
    expect_revert(
        "CatalogAcceptanceAfterAcceptance",
        led.anchor(code, ACCEPTANCE, 2, digest(), digest(), 2),
        unit,
        args=(code, 1),
    )
    assert led.anchor(code, ACCEPTANCE, 1, da, ra, 2).call({"from": unit}) is False
    chain.send(f.applyCommission(code), unit)
    chain.send(f.commission(code), world["reviewer"])
    # only the library pushes milestones
    expect_revert("CatalogOnlyLibrary", led.syncMilestone(code, ACCEPTED), unit, args=(unit,))


def test_acceptance_with_a_small_change_needs_a_filing(world: dict[str, Any]) -> None:  # noqa: F811
    chain, f, led = world["chain"], world["library"].functions, world["ledger"].functions
    unit = world["unit"]
    code = code_of(f"BJ-F-{secrets.token_hex(6)}")
    _to_construction(world, code)
    da, ra = digest(), digest()
    chain.send(led.anchor(code, ACCEPTANCE, 1, da, ra, 2), unit)
    confirm_all(world, code, 1, 2, da, ra)
    diff = digest()
    expect_revert("ProjectChangeNotFiled", f.accept(code, 1, diff), unit, args=(code, 1, 0))
    chain.send(f.fileChange(code, 700, digest()), unit)
    expect_revert("ProjectChangeNotFiled", f.accept(code, 701, diff), unit, args=(code, 701, 700))
    chain.send(f.approveChange(code, 900, digest()), world["reviewer"])  # an approval covers too
    expect_revert("ProjectChangeNotFiled", f.accept(code, 901, diff), unit, args=(code, 901, 900))
    expect_revert(
        "ProjectChangeNotApproved", f.accept(code, 1501, diff), unit, args=(code, 1501, 900)
    )
    chain.send(f.accept(code, 900, diff), unit)
    assert f.project(code).call()[23] == 900


def test_commission_gate_names_a_reset_defensively() -> None:
    """A ledger wired to a stand-in library account: the state is pushed without the ACCEPTED
    milestone, a second acceptance version anchored, and the commissioning check names the reset;
    then the milestone closes the kind on the ledger's side alone."""
    chain = Chain()
    acc = chain.accounts
    gov, standin, unit = acc[0], acc[1], acc[2]
    members = chain.deploy("Members", gov, [gov], ["EITB"], [sm2_public_key()], 1)
    ledger = chain.deploy("CatalogLedger", gov, members.address, standin)
    chain.send(
        members.functions.propose(ADMIT, unit, "unit", [role("UNIT")], sm2_public_key()), gov
    )
    chain.send(members.functions.execute(1), gov)
    chain.send(members.functions.setObserver(ledger.address), gov)
    led = ledger.functions
    code = code_of("BJ-STANDIN-1")
    chain.send(led.syncProject(code, unit, RESERVE), standin)
    chain.send(led.anchor(code, DECLARED, 1, digest(), digest(), 1), unit)
    chain.send(led.syncMilestone(code, REVIEW_PASSED), standin)
    expect_revert(
        "CatalogDeclaredAfterReview", led.anchor(code, DECLARED, 2, digest(), digest(), 1), unit
    )
    chain.send(led.syncProject(code, unit, UNDER_CONSTRUCTION), standin)  # clears the milestone
    chain.send(led.anchor(code, ACCEPTANCE, 1, digest(), digest(), 1), unit)
    chain.send(led.anchor(code, ACCEPTANCE, 2, digest(), digest(), 1), unit)
    expect_revert(
        "GateConfirmationsReset", led.requireCommissionReady(code, 1), unit, args=(code, 1, 2)
    )
    expect_revert(
        "CatalogAcceptanceCatalogMissing", led.requireCommissionReady(code_of("BJ-X"), 0), unit
    )
    chain.send(led.syncMilestone(code, ACCEPTED), standin)
    expect_revert(
        "CatalogAcceptanceAfterAcceptance",
        led.anchor(code, ACCEPTANCE, 3, digest(), digest(), 1),
        unit,
        args=(code, 2),
    )
