"""Steps that bring a fresh project to a given point of its life, for the behaviour suite."""

from __future__ import annotations

import secrets
from pathlib import Path

import catalog
from chain_client.steps import Steps
from chain_client.types import CatalogKind, State, Step, encode_code
from tests.gates.docs import make_catalog, save

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


#: resources of the declared catalog of :func:`ready_for_acceptance` (resource 1 is 每日, daily,
#: in the example catalog)
READY_N = 12


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


def _item(n: int) -> dict:
    """An information item with a 200-character name (800 bytes of UTF-8)."""
    return {"name": f"{n:08d}" + "\U0001f4c4" * 192, "data_type": "字符型", "length": 200}


def ready_for_acceptance(
    world: World,
    documents: Path,
    *,
    stale_days: float = 0.0,
    accepted: int = READY_N,
    compiled_against: bool | bytes = False,
    items: int = 0,
) -> tuple[str, Steps]:
    """A project under construction, its catalogs kept in ``documents``: declared v1 of
    :data:`READY_N` resources, acceptance v1 of ``accepted`` (the same resources, and more when
    ``accepted`` is larger: a change to file) with every step confirmed for every resource;
    resource 1 (daily) refreshed ``stale_days`` days ago, the others now. The acceptance catalog
    names no ``declared_digest`` unless ``compiled_against``: ``True`` names the declared v1's
    digest, bytes name those. ``items`` > 0 gives every resource of both catalogs that many
    information items with 200-character names (a catalog of megabytes)."""
    code = "BJ-2026-" + world.new_code()[-4:] + "7"
    led = world.ledger
    led.create_project(world["eitb"], code, world["unit1"].address, "数据刷新测试项目")
    for kind, count in (("declared", READY_N), ("acceptance", accepted)):
        doc = make_catalog(code, kind, 1, count)
        if items:
            doc = catalog.catalog_from_document(
                {
                    **doc.document,
                    "resources": [
                        {**r, "items": [_item(n) for n in range(items)]}
                        for r in doc.document["resources"]
                    ],
                }
            )
        if kind == "declared":
            declared_digest = doc.digest
        elif compiled_against is not False:
            named = declared_digest if compiled_against is True else compiled_against
            assert isinstance(named, bytes)
            doc = catalog.catalog_from_document({**doc.document, "declared_digest": named.hex()})
        save(doc, documents)
        led.anchor(world["unit1"], code, kind, 1, doc.digest, doc.merkle_root, doc.resource_count)
        if kind == "declared":
            led.start_review(world["eitb"], code)
            led.approve_crypto(world["crypto"], code)
            led.pass_review(world["eitb"], code, digest())
            led.fund(world["drc"], code, 365)
            led.start_construction(world["unit1"], code)
    assert doc.document["resources"][1]["update_cycle"] == "每日"
    steps = Steps(led)
    now = world.now()
    for step in (Step.CLOUD, Step.INTERFACE):
        steps.confirm(world["platform"], code, 1, step, list(range(accepted)))
    times = [now] * accepted
    times[1] = now - int(stale_days * 86_400)
    steps.confirm_updates(world["platform"], code, 1, list(range(accepted)), times)
    conf = steps.sign_ownership(world.sm2["unit1"], doc, doc.codes)
    steps.submit_ownership(world["unit1"], conf)
    return code, steps
