"""Steps that bring a fresh project to a given point of its life, for the behaviour suite."""

from __future__ import annotations

import secrets

from chain_client.types import CatalogKind, State, encode_code

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
    "confirm_steps",
    "accept",
    "apply_commission",
    "commission",
)

#: ``IConfirmations.Step``
CLOUD, UPDATE, CHAIN, OWNERSHIP, INTERFACE = range(5)


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
        case "confirm_steps":
            confirm_all(world, code, unit=unit)
        case "accept":
            led.accept(world[unit], code, 0, digest())
        case "apply_commission":
            led.apply_commission(world[unit], code)
        case "commission":
            led.commission(world["eitb"], code)
        case _:
            raise ValueError(step)


def acceptance_anchor(world: World, code: str) -> tuple[int, bytes, bytes, int]:
    """(version, digest, merkleRoot, resourceCount) of the latest acceptance anchor of ``code``."""
    ev = [e for e in world.ledger.anchors(code) if e.args["kind"] == int(CatalogKind.ACCEPTANCE)][
        -1
    ]
    a = ev.args
    return a["version"], a["digest"], a["merkleRoot"], a["resourceCount"]


def sign_ownership(
    world: World,
    code: str,
    version: int,
    indices: list[int],
    digest_: bytes,
    root: bytes,
    signer: str = "unit1",
) -> tuple[bytes, bytes]:
    """(r, s) of ``signer``'s SM2 key over the contract's 确权 message."""
    message = world.ledger.confirmations.functions.ownershipMessage(
        encode_code(code), version, indices, digest_, root
    ).call()
    sig = world.sm2[signer].sign_raw(bytes(message))
    return sig[:32], sig[32:]


def confirm_all(world: World, code: str, *, unit: str = "unit1", skip: tuple = ()) -> None:
    """Every step (but those in ``skip``, ``(step, index)`` pairs or steps) for every resource
    of the latest acceptance catalog: PLATFORM cloud, update, interface; the unit's 确权."""
    version, digest_, root, count = acceptance_anchor(world, code)
    conf = world.ledger.confirmations
    platform = world["platform"]
    b = encode_code(code)

    def indices(step: int) -> list[int]:
        return [i for i in range(count) if step not in skip and (step, i) not in skip]

    for step in (CLOUD, INTERFACE):
        if idx := indices(step):
            world.chain.transact(platform, conf.functions.confirmSteps(b, version, step, idx))
    if idx := indices(UPDATE):
        now = world.now()
        world.chain.transact(
            platform, conf.functions.confirmUpdates(b, version, idx, [now] * len(idx))
        )
    if idx := indices(OWNERSHIP):
        r, s = sign_ownership(world, code, version, idx, digest_, root, unit)
        world.chain.transact(
            world[unit], conf.functions.confirmOwnership(b, version, idx, digest_, root, r, s)
        )


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
    "confirm_steps": State.UNDER_CONSTRUCTION,
    "accept": State.UNDER_CONSTRUCTION,
    "apply_commission": State.UNDER_CONSTRUCTION,
    "commission": State.OPERATION,
}
