"""The hostile input corpus (tests/vectors/hostile/, plus the catalog and SM2 vectors it reuses):
every case is refused with a typed error and the chain is left unchanged (asserted)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import sm_crypto
from catalog import CatalogError, ProofInvalid, RootMismatch, load_catalog, verify_inclusion
from chain_client import errors
from chain_client.journal import Journal
from chain_client.pipeline import AnchorPipeline, CatalogUnloadable, audit_anchors
from chain_client.types import Role, encode_code

from .conftest import FaultWorld, build_world, catalog_document

pytestmark = pytest.mark.anvil
VECTORS = Path(__file__).resolve().parents[1] / "vectors"
HOSTILE = json.loads((VECTORS / "hostile" / "transactions.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultWorld]:
    w = build_world(tmp_path_factory.mktemp("hostile"))
    try:
        yield w
    finally:
        w.node.stop()


@pytest.fixture(scope="module")
def project(world: FaultWorld) -> str:
    (code,) = world.create_projects(1)
    cat = load_catalog(json.dumps(catalog_document(code, 1)).encode())
    world.ledger.anchor(
        world.unit, code, "declared", 1, cat.digest, cat.merkle_root, cat.resource_count
    )
    return code


def snapshot(world: FaultWorld, code: str) -> tuple[Any, ...]:
    ledger = world.ledger
    return (
        world.chain.block_number(),
        ledger.state(code),
        ledger.latest_catalog(code, "declared"),
        ledger.latest_catalog(code, "acceptance"),
        len(ledger.member_accounts()),
    )


def _sender(world: FaultWorld, name: str):
    return world.outsider if name == "outsider" else world.accounts[name]


def _items(code: str, versions: list[int]) -> list[tuple[Any, ...]]:
    return [
        (encode_code(code), 0, v, secrets.token_bytes(32), secrets.token_bytes(32), 3)
        for v in versions
    ]


def _attempt(world: FaultWorld, case: dict[str, Any], code: str) -> None:
    ledger, chain, who = world.ledger, world.chain, _sender(world, case["sender"])
    call = case["call"]
    if call == "anchor":
        digest = (
            bytes.fromhex(case["digest"]).rjust(32, b"\0")
            if "digest" in case
            else secrets.token_bytes(32)
        )
        root = (
            bytes.fromhex(case["root"]).rjust(32, b"\0")
            if "root" in case
            else secrets.token_bytes(32)
        )
        ledger.anchor(
            who,
            case.get("code", code),
            case.get("kind", "declared"),
            case["version"],
            digest,
            root,
            case.get("count", 3),
        )
    elif call == "anchor_batch":
        items = case.get("items") or _items(code, case.get("versions", []))
        chain.transact(who, ledger.catalogs.functions.anchorBatch(items))
    elif call == "fund":
        ledger.fund(who, code, 365)
    elif call == "accept":
        ledger.accept(who, code, 0, secrets.token_bytes(32))
    elif call in ("start_construction", "commission"):
        getattr(ledger, call)(who, code)
    elif call == "create_project":
        ledger.create_project(
            who, f"BJ-2026-{secrets.randbelow(10**6):06d}-X", who.address, "越权项目"
        )
    elif call == "raw_sync_project":
        chain.transact(
            who, ledger.catalogs.functions.syncProject(encode_code(code), who.address, 4)
        )
    elif call == "raw_membership_changed":
        chain.transact(who, ledger.catalogs.functions.membershipChanged(who.address, 99, True, 32))
    elif call == "propose":
        key = world.sm2["unit1"].public_key.xy
        from chain_client.types import ProposalKind

        ledger.propose(
            who,
            ProposalKind.ADMIT,
            world.outsider.address,
            name="x",
            roles=[Role.UNIT],
            sm2_key=key,
        )
    elif call == "raw_grant_role":
        chain.transact(who, ledger.members.functions.grantRole(Role.GOVERNOR.id, who.address))
    else:  # pragma: no cover - a corpus typo must fail loudly
        raise AssertionError(f"unknown call {call!r}")


@pytest.mark.parametrize("case", HOSTILE["cases"], ids=[c["name"] for c in HOSTILE["cases"]])
def test_hostile_transaction_refused_typed_chain_unchanged(
    world: FaultWorld, project: str, case: dict[str, Any]
) -> None:
    before = snapshot(world, project)
    expected = getattr(errors, case["error"])
    with pytest.raises(expected) as info:
        _attempt(world, case, project)
    assert type(info.value).__name__ == case["error"]
    assert snapshot(world, project) == before


def _hostile_keys() -> list[tuple[str, bytes]]:
    data = json.loads((VECTORS / "sm2" / "hostile_public_keys.json").read_text(encoding="utf-8"))
    out = []
    for v in data["vectors"]:
        if v["expect"] != "invalid_key":
            continue
        raw = bytes.fromhex(v["public_key"])
        out.append((v["comment"], raw[1:] if len(raw) == 65 and raw[:1] == b"\x04" else raw))
    return out


@pytest.mark.parametrize("comment,key", _hostile_keys(), ids=[c for c, _ in _hostile_keys()])
def test_hostile_sm2_key_refused_by_governance(
    world: FaultWorld, project: str, comment: str, key: bytes
) -> None:
    from chain_client.types import ProposalKind

    before = snapshot(world, project)
    with pytest.raises((errors.MembersInvalidKeyLength, errors.MembersKeyNotOnCurve)):
        world.ledger.propose(
            world.accounts["eitb"],
            ProposalKind.ADMIT,
            world.outsider.address,
            name="恶意",
            roles=[Role.UNIT],
            sm2_key=key,
        )
    assert snapshot(world, project) == before


def test_malformed_catalogs_refused_before_the_chain(
    world: FaultWorld, project: str, tmp_path: Path
) -> None:
    files = sorted((VECTORS / "catalog" / "invalid").glob("*.json"))
    assert len(files) >= 20
    before = snapshot(world, project)
    report = AnchorPipeline(world.ledger, world.unit, Journal(tmp_path / "j.sqlite")).run(files)
    assert (len(report.anchored), len(report.skipped), report.transactions) == (0, 0, 0)
    assert len(report.refused) == len(files)
    for refusal in report.refused:
        assert isinstance(refusal.error, CatalogUnloadable)
        assert refusal.error.error_name in {"CatalogInvalid", "CatalogTooLarge"}, refusal
    assert snapshot(world, project) == before


def test_pipeline_refuses_out_of_order_and_foreign_catalogs_anchors_the_rest(
    world: FaultWorld, tmp_path: Path
) -> None:
    ours, theirs = world.create_projects(1)[0], world.create_projects(1, unit="unit2")[0]
    docs = [catalog_document(ours, v) for v in (1, 2, 3, 5)] + [catalog_document(theirs, 1)]
    conflicting = catalog_document(ours, 2, salt="other")
    sources = [json.dumps(d).encode() for d in [*docs, conflicting]]
    report = AnchorPipeline(
        world.ledger, world.unit, Journal(tmp_path / "j.sqlite"), batch_size=10
    ).run(sources)
    assert sorted(i.version for i in report.anchored) == [1, 2, 3]
    names = sorted(type(r.error).__name__ for r in report.refused)
    assert names == ["CatalogVersionConflict", "CatalogVersionGap", "ProjectNotUnit"], (
        report.to_json()
    )
    assert world.ledger.latest_catalog(ours, "declared")["version"] == 3
    assert world.ledger.latest_catalog(theirs, "declared")["version"] == 0


def _proof_cases() -> list[dict[str, Any]]:
    return HOSTILE["proofs"]


@pytest.mark.parametrize("case", _proof_cases(), ids=[c["name"] for c in _proof_cases()])
def test_hostile_proofs_rejected(case: dict[str, Any]) -> None:
    cat = load_catalog(json.dumps(catalog_document("BJ-2026-000001", 1, resources=7)).encode())
    proof = cat.prove(cat.codes[3])
    # a proof of a bare leaf hash where the leaf is dropped: naming a resource without its leaf
    # is refused before any path is computed (f1abe96), which would hide the check under test
    bare = {"leaf": None, "resource_code": None}
    mutate = case["mutate"]
    if mutate == "index":
        proof = replace(proof, leaf_index=case["value"], **bare)
    elif mutate == "size":
        proof = replace(proof, tree_size=case["value"], **bare)
    elif mutate == "drop_path":
        proof = replace(proof, audit_path=proof.audit_path[:-1])
    elif mutate == "extend_path":
        proof = replace(proof, audit_path=(*proof.audit_path, bytes(32)))
    elif mutate == "flip_path":
        first = bytes([proof.audit_path[0][0] ^ 1]) + proof.audit_path[0][1:]
        proof = replace(proof, audit_path=(first, *proof.audit_path[1:]))
    elif mutate == "leaf":
        other = cat.prove(cat.codes[4])
        proof = replace(proof, leaf_hash=other.leaf_hash, **bare)
    elif mutate == "short_hash":
        proof = replace(proof, audit_path=(proof.audit_path[0][:31], *proof.audit_path[1:]))
    expected = RootMismatch if case["error"] == "RootMismatch" else ProofInvalid
    with pytest.raises(expected) as info:
        verify_inclusion(proof, cat.merkle_root, tree_size=None)
    if case["error"] == "ProofInvalid":
        assert not isinstance(info.value, RootMismatch), (
            f"{case['name']}: malformed, not a mismatch"
        )
    assert isinstance(info.value, CatalogError)


def _hostile_signatures() -> list[tuple[str, bytes]]:
    data = json.loads((VECTORS / "sm2" / "hostile_signatures.json").read_text(encoding="utf-8"))
    return [
        (v["comment"], bytes.fromhex(v["signature"]))
        for v in data["vectors"]
        if v["expect"] != "valid"
    ]


def test_hostile_batch_signatures_fail_the_audit(world: FaultWorld, tmp_path: Path) -> None:
    (code,) = world.create_projects(1)
    files = world.write_catalogs(tmp_path / "cats", [code], 3)
    journal = Journal(tmp_path / "j.sqlite")
    key = sm_crypto.PrivateKey.generate()
    AnchorPipeline(world.ledger, world.unit, journal, batch_size=10, sm2_key=key).run(files)
    clean = audit_anchors(world.ledger, journal, require_signature=True)
    assert clean.ok and clean.checked == 3
    (batch_id,) = {e.batch_id for e in journal.entries("confirmed")}
    signatures = _hostile_signatures()
    assert signatures
    for comment, signature in signatures:
        journal._db.execute("UPDATE batches SET signature=? WHERE id=?", (signature, batch_id))
        report = audit_anchors(world.ledger, journal, require_signature=True)
        assert len(report.failures) == 3, comment
        assert all("Signature" in why for _, why in report.failures), (comment, report.failures)
