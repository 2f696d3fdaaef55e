"""Steps that bring a fresh project to a given point of its life, for the behaviour suite."""

from __future__ import annotations

import secrets

from chain_client.types import CatalogKind, State

from .conftest import World

#: the order of the steps; ``advance(world, code, upto)`` runs them up to and including ``upto``
STEPS = (
    "create",
    "anchor_declared",
    "start_review",
    "approve_crypto",
    "pass_review",
    "fund",
    "start_construction",
    "anchor_acceptance",
    "accept",
    "apply_commission",
    "commission",
)


def digest() -> bytes:
    return secrets.token_bytes(32)


def anchor(
    world: World,
    code: str,
    kind: CatalogKind,
    version: int = 1,
    count: int = 3,
    unit: str = "unit1",
):
    return world.ledger.anchor(world[unit], code, kind, version, digest(), digest(), count)


def run_step(world: World, code: str, step: str, unit: str = "unit1") -> None:
    led = world.ledger
    match step:
        case "create":
            led.create_project(world["eitb"], code, world[unit].address, "测试项目")
        case "anchor_declared":
            anchor(world, code, CatalogKind.DECLARED, unit=unit)
        case "start_review":
            led.start_review(world["eitb"], code)
        case "approve_crypto":
            led.approve_crypto(world["crypto"], code)
        case "pass_review":
            led.pass_review(world["eitb"], code, digest())
        case "fund":
            led.fund(world["drc"], code, 365)
        case "start_construction":
            led.start_construction(world[unit], code)
        case "anchor_acceptance":
            anchor(world, code, CatalogKind.ACCEPTANCE, unit=unit)
        case "accept":
            led.accept(world[unit], code)
        case "apply_commission":
            led.apply_commission(world[unit], code)
        case "commission":
            led.commission(world["eitb"], code)
        case _:
            raise ValueError(step)


def advance(world: World, upto: str, *, code: str | None = None, unit: str = "unit1") -> str:
    """A new project (unless ``code``) taken through the steps up to and including ``upto``."""
    code = code or world.new_code()
    for step in STEPS[: STEPS.index(upto) + 1]:
        run_step(world, code, step, unit)
    return code


#: the state a project is in after each step
STATE_AFTER = {
    "create": State.RESERVE,
    "anchor_declared": State.RESERVE,
    "start_review": State.UNDER_REVIEW,
    "approve_crypto": State.UNDER_REVIEW,
    "pass_review": State.UNDER_REVIEW,
    "fund": State.APPROVED,
    "start_construction": State.UNDER_CONSTRUCTION,
    "anchor_acceptance": State.UNDER_CONSTRUCTION,
    "accept": State.UNDER_CONSTRUCTION,
    "apply_commission": State.UNDER_CONSTRUCTION,
    "commission": State.OPERATION,
}
