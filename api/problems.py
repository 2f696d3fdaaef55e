"""One place that turns the project's errors into RFC 9457 problem details.

Domain code raises :class:`mulu.errors.MuluError` subclasses; nothing in ``api/`` raises
``HTTPException``. Every error response is ``application/problem+json`` with ``type``,
``title``, ``status`` and ``detail`` (and ``errors`` for validation problems).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

import catalog
from chain_client.errors import ContractError
from mulu.errors import ChainUnavailable, InvalidInput, MuluError, RuleViolation

from .errors import BadParameter, BodyTooLarge, NotAnchored, NotFound
from .schemas import Problem

__all__ = ["CATALOG_BODY_NOTE", "PROBLEM_RESPONSES", "install", "problem"]

MEDIA_TYPE = "application/problem+json"
BASE = "https://mulu.invalid/problems/"

#: (status, slug, title) by error class, most specific first
_TABLE: list[tuple[type[BaseException], int, str, str]] = [
    (BodyTooLarge, 413, "body-too-large", "Request body too large"),
    (catalog.CatalogTooLarge, 413, "body-too-large", "Request body too large"),
    (BadParameter, 400, "bad-parameter", "Malformed parameter"),
    (catalog.CatalogInvalid, 422, "catalog-invalid", "Invalid catalog"),
    (NotAnchored, 409, "not-anchored", "Document not anchored"),
    (catalog.ProofInvalid, 422, "proof-invalid", "Invalid proof"),
    (NotFound, 404, "not-found", "Not found"),
    (ChainUnavailable, 503, "chain-unavailable", "Chain unavailable"),
    (InvalidInput, 400, "invalid-input", "Invalid input"),
    (RuleViolation, 409, "rule-violation", "Refused by a rule"),
    (MuluError, 500, "error", "Error"),
]


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _mulu_error(request: Request, exc: Exception) -> JSONResponse:
    name = type(exc).__name__
    if isinstance(exc, ContractError) and name == "ProjectUnknown":
        return problem(404, "not-found", "Not found", str(exc), error=name)
    for cls, status, slug, title in _TABLE:
        if isinstance(exc, cls):
            headers = None
            if status == 503:
                service = getattr(request.app.state, "service", None)
                retry = service.settings.retry_after if service else 5
                headers = {"Retry-After": str(retry)}
                if service is not None:
                    service.link.failed(str(exc))
            return problem(status, slug, title, str(exc), headers=headers, error=name)
    return problem(500, "error", "Error", str(exc), error=name)


def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
    return problem(422, "validation", "Request validation failed", detail, errors=errors)


def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
    return problem(exc.status_code, slug, str(exc.detail), str(exc.detail), headers=exc.headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(MuluError, _mulu_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)


def _response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


#: what a catalog body must be beyond its JSON Schema (``Catalog``): the cross-field rules of
#: docs/CATALOG.md, which the schema cannot express; a catalog that breaks one is refused (422)
CATALOG_BODY_NOTE = (
    "A catalog document (mulu.catalog/v1, docs/CATALOG.md). Beyond this schema its cross-field "
    "rules apply (else 422 catalog-invalid): each resource code starts with its classification "
    "code and a '/'; resource codes are unique; share_condition is given exactly for 有条件共享, "
    "share_legal_basis exactly for 不予共享, share_method for every share type but 不予共享; "
    "open_condition exactly for 有条件开放, open_legal_basis exactly for 不予开放; publish_date is "
    "a calendar date; related_codes has no duplicate and not the resource itself; only an "
    "acceptance catalog has a declared_digest; integers are written without a fraction (1, "
    "not 1.0)."
)

#: documented error responses of every /v1 route
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _response("Malformed input"),
    404: _response("Not found"),
    405: _response("Method not allowed"),
    409: _response(
        "Refused by a rule of the ledger, or a document the ledger does not anchor or reference "
        "(yet): anchor it, then upload again"
    ),
    413: _response("Request body too large"),
    422: _response(
        "The request does not match this schema, a catalog breaks a rule the schema cannot "
        "express (see the request body), or a proof does not parse"
    ),
    503: {
        **_response("The chain is unreachable; retry after `Retry-After` seconds"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}

_ = Problem  # the schema the responses refer to (registered by the app factory)
