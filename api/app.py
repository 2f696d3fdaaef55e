"""The app factory: ``create_app(settings)`` wires the service, routers, limits and problems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog._model import CatalogModel

from . import problems
from .routers import catalogs, deadlines, health, members, projects, verify
from .schemas import Problem
from .service import Service
from .settings import Settings, get_settings
from .store import StoredDocumentCorrupt

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
    """Refuse a request body over the limit before the app reads it: by its ``Content-Length``,
    or, for a body without one (``Transfer-Encoding: chunked``), by counting the bytes received;
    such a body is read here (up to the limit) and handed to the app whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    def _too_large(self, detail: str) -> Response:
        return problems.problem(
            413, "body-too-large", "Request body too large", detail, error="BodyTooLarge"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                declared = value
        if declared is not None:
            if declared.isdigit() and int(declared) > self.limit:
                detail = (
                    f"request body is {int(declared)} bytes, over the limit of {self.limit} bytes"
                )
                await self._too_large(detail)(scope, receive, send)
                return
            await self.app(scope, receive, send)  # the server delivers no more than declared
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                detail = (
                    f"request body is over the limit of {self.limit} bytes "
                    f"({size} bytes received so far)"
                )
                await self._too_large(detail)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message | None = {
            "type": "http.request",
            "body": b"".join(chunks),
            "more_body": False,
        }

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                message, body = body, None
                return message
            return await receive()

        await self.app(scope, replay, send)


def _stored_document_corrupt(_request: Request, exc: Exception) -> Response:
    """A stored file whose bytes do not match its digest: the server's fault (500), named."""
    return problems.problem(
        500,
        "stored-document-corrupt",
        "Stored document corrupt",
        str(exc),
        error=type(exc).__name__,
    )


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
    app.add_exception_handler(StoredDocumentCorrupt, _stored_document_corrupt)
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
