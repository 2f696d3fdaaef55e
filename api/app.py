"""The app factory: ``create_app(settings)`` wires the service, routers, limits and problems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from catalog._model import CatalogModel

from . import problems
from .routers import catalogs, deadlines, health, members, projects, verify
from .schemas import Problem
from .service import Service
from .settings import Settings, get_settings

__all__ = ["create_app"]

REF = "#/components/schemas/{model}"

DESCRIPTION = """
目录链 ledger service: chain-attested status of Beijing government IT projects, their data
catalogs (申报 declared / 验收 acceptance), proofs and deadlines.

Every answer names the block it reflects (`as_of` / `attestation`); the chain is the truth and
this service holds no keys. Errors are RFC 9457 problem details; while the chain is unreachable
the service answers `503` with `Retry-After`.
"""


class BodyLimit:
    """Refuse a request whose ``Content-Length`` exceeds the limit, before the app reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", []):
                if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                    response = problems.problem(
                        413,
                        "body-too-large",
                        "Request body too large",
                        f"request body is {int(value)} bytes, over the limit of {self.limit} bytes",
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; the indexer thread runs while the app is served (``settings.run_indexer``)."""
    settings = settings or get_settings()
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPI(
        title="mulu 目录链 ledger",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.service = service
    problems.install(app)
    for module in (health, projects, catalogs, verify, members, deadlines):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    base_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = base_openapi()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = Problem.model_json_schema(ref_template=REF)
            # the catalog document (request body of the upload and the verification): its
            # definitions join the components; its $id would rebase the refs, so it is left out
            document = CatalogModel.model_json_schema(ref_template=REF)
            document.pop("$id", None)
            for name, definition in document.pop("$defs", {}).items():
                assert components.get(name, definition) == definition, f"schema name {name}"
                components[name] = definition
            components["Catalog"] = document
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
