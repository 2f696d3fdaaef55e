"""Documents by digest: catalogs (accepted when anchored) and other ledger-referenced documents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

import catalog

from .._body import read_limited
from ..deps import LedgerDep, ServiceDep, StoreDep
from ..problems import CATALOG_BODY_NOTE, PROBLEM_RESPONSES
from ..schemas import CatalogPublic, DocumentPublic
from ..store import parse_digest

router = APIRouter(tags=["documents"], responses=PROBLEM_RESPONSES)

Digest = Annotated[
    str, Path(description="SM3 digest, 64 hex digits", pattern="^(0x)?[0-9a-fA-F]{64}$")
]

_JSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": CATALOG_BODY_NOTE,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Catalog"}}},
    }
}
_BYTES_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/v1/catalogs/{digest}",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "The canonical catalog document",
        }
    },
)
def get_catalog(digest: Digest, store: StoreDep) -> Response:
    """The stored catalog whose SM3 digest is ``digest`` (its canonical RFC 8785 bytes)."""
    cat = store.get_catalog(parse_digest(digest))
    return Response(cat.canonical, media_type="application/json")


@router.post(
    "/v1/catalogs",
    response_model=CatalogPublic,
    status_code=201,
    openapi_extra=_JSON_BODY,
    responses={200: {"model": CatalogPublic, "description": "Already stored"}},
)
async def upload_catalog(
    request: Request, service: ServiceDep, ledger: LedgerDep, store: StoreDep
) -> JSONResponse:
    """Upload a catalog; accepted only if the ledger anchors exactly this document
    (project, kind, version, digest, Merkle root, resource count). Never overwrites."""
    data = await read_limited(request, service.settings.max_body_bytes)
    cat = catalog.load_catalog(data, max_bytes=service.settings.max_body_bytes)
    stored = store.put(cat.canonical, ledger)
    body = CatalogPublic(
        digest=cat.digest.hex(),
        project_code=cat.project_code,
        kind=cat.kind.value,
        version=cat.version,
        merkle_root=cat.merkle_root.hex(),
        resource_count=cat.resource_count,
        created=stored.created,
    )
    return JSONResponse(body.model_dump(), status_code=201 if stored.created else 200)


@router.post(
    "/v1/documents",
    response_model=DocumentPublic,
    status_code=201,
    openapi_extra=_BYTES_BODY,
    responses={200: {"model": DocumentPublic, "description": "Already stored"}},
)
async def upload_document(
    request: Request, service: ServiceDep, ledger: LedgerDep, store: StoreDep
) -> JSONResponse:
    """Upload a review opinion, progress report or change evidence: accepted only if a ledger
    event names its SM3 digest (``opinionDigest``, ``reportDigest``, ``evidenceDigest``)."""
    data = await read_limited(request, service.settings.max_body_bytes)
    stored = store.put(data, ledger, referenced=service.referenced)
    body = DocumentPublic(digest=stored.digest.hex(), created=stored.created, size=len(data))
    return JSONResponse(body.model_dump(), status_code=201 if stored.created else 200)


@router.get(
    "/v1/documents/{digest}",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
            "description": "The stored document",
        }
    },
)
def get_document(digest: Digest, store: StoreDep) -> Response:
    """Any stored document by its SM3 digest."""
    return Response(store.get(parse_digest(digest)), media_type="application/octet-stream")
