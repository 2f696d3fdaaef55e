"""Verification: a catalog document or an inclusion proof in, a report out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

import catalog
from chain_client.types import CatalogKind

from .._body import read_limited
from .._views import anchor_public
from ..deps import AsOfDep, DbDep, LedgerDep, ServiceDep, StoreDep
from ..errors import BadParameter
from ..index import AnchorRow
from ..problems import CATALOG_BODY_NOTE, PROBLEM_RESPONSES
from ..schemas import CatalogVerifyReport, ProofVerifyCreate, ProofVerifyReport, VerifyCheck
from ..store import parse_digest

router = APIRouter(prefix="/v1/verify", tags=["verify"], responses=PROBLEM_RESPONSES)

_JSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": CATALOG_BODY_NOTE,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Catalog"}}},
    }
}

SIGNATURES_NOTE = "确权 signatures: not recorded on this ledger yet (issue 5)"


@router.post("/catalog", response_model=CatalogVerifyReport, openapi_extra=_JSON_BODY)
async def verify_catalog(
    request: Request,
    service: ServiceDep,
    db: DbDep,
    as_of: AsOfDep,
    ledger: LedgerDep,
    store: StoreDep,
) -> CatalogVerifyReport:
    """Is this document anchored, for which project, kind and version? Do its digest, Merkle
    root and resource count match the anchor? If not, which resources differ?"""
    data = await read_limited(request, service.settings.max_body_bytes)
    cat = catalog.load_catalog(data, max_bytes=service.settings.max_body_bytes)
    kind = CatalogKind.parse(cat.kind.value)
    digest, root, count = cat.digest.hex(), cat.merkle_root.hex(), cat.resource_count
    anchored = ledger.is_anchored(
        cat.project_code, kind, cat.version, cat.digest, cat.merkle_root, count
    )
    row = db.scalars(
        select(AnchorRow).where(
            AnchorRow.project_code == cat.project_code,
            AnchorRow.kind == kind.key,
            AnchorRow.version == cat.version,
        )
    ).first()
    checks: list[VerifyCheck] = []
    mismatches: list[str] = []
    changed: list[str] | None = None
    where = f"{cat.project_code} {kind.key} v{cat.version}"
    if row is None:
        mismatches.append(f"no anchor of {where} in the index (as of its checkpoint)")
        checks.append(VerifyCheck(name="anchor_exists", ok=anchored))
    else:
        checks.append(VerifyCheck(name="anchor_exists", ok=True))
        for name, want, got in (
            ("digest", row.digest, digest),
            ("merkle_root", row.merkle_root, root),
            ("resource_count", str(row.resource_count), str(count)),
        ):
            ok = want == got
            checks.append(VerifyCheck(name=name, ok=ok, expected=want, got=got))
            if not ok:
                mismatches.append(
                    f"{name} differs from the anchor of {where}: anchored {want}, document {got}"
                )
        if mismatches and store.find(bytes.fromhex(row.digest)) is not None:
            original = store.get_catalog(bytes.fromhex(row.digest))
            diff = catalog.diff_catalogs(original, cat)
            changed = sorted(set(diff.added) | set(diff.removed) | set(diff.changed_codes))
            for code in changed:
                mismatches.append(f"resource {code} differs from the anchored document")
    checks.append(VerifyCheck(name="on_chain_isAnchored", ok=anchored))
    return CatalogVerifyReport(
        anchored=anchored,
        project_code=cat.project_code,
        kind=kind.key,
        version=cat.version,
        digest=digest,
        merkle_root=root,
        resource_count=count,
        anchor=anchor_public(row, store) if row is not None else None,
        checks=checks,
        mismatches=mismatches,
        changed_resources=changed,
        signatures=SIGNATURES_NOTE,
        as_of=as_of,
    )


@router.post("/proof", response_model=ProofVerifyReport)
def verify_proof(body: ProofVerifyCreate, db: DbDep, store: StoreDep) -> ProofVerifyReport:
    """Check an inclusion proof against ``root``, or against the anchored root and resource
    count of ``project_code`` / ``kind`` / ``version`` (an audit path alone does not pin the tree
    size: leaf 2 of 3 and leaf 1 of 2 combine the same way). A failing proof is a report, not an
    error."""
    proof = catalog.InclusionProof.from_json(body.proof.model_dump(exclude_none=True))
    anchor = None
    tree_size: int | None = None
    if body.root is not None:
        root = parse_digest(body.root)
    elif body.project_code and body.kind and body.version:
        kind = CatalogKind.parse(body.kind).key
        anchor = db.scalars(
            select(AnchorRow).where(
                AnchorRow.project_code == body.project_code,
                AnchorRow.kind == kind,
                AnchorRow.version == body.version,
            )
        ).first()
        if anchor is None:
            return ProofVerifyReport(
                valid=False,
                root=None,
                anchor=None,
                error=f"no anchor of {body.project_code} {kind} v{body.version} in the index",
            )
        root = bytes.fromhex(anchor.merkle_root)
        tree_size = anchor.resource_count
    else:  # the schema (ProofVerifyCreate) already refuses this with 422
        raise BadParameter("give either root, or project_code, kind and version")
    try:
        catalog.verify_inclusion(proof, root, tree_size=tree_size)
        error = None
    except catalog.ProofInvalid as exc:
        error = f"{type(exc).__name__}: {exc}"
    return ProofVerifyReport(
        valid=error is None,
        root=root.hex(),
        anchor=anchor_public(anchor, store) if anchor is not None else None,
        error=error,
    )
