"""FastAPI dependencies (``Annotated``), shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chain_client.ledger import Ledger

from .index import Checkpoint
from .schemas import AsOf
from .service import Service
from .settings import Settings
from .store import DocumentStore

__all__ = [
    "AsOfDep",
    "DbDep",
    "LedgerDep",
    "ServiceDep",
    "SettingsDep",
    "StoreDep",
    "as_of_of",
]


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def get_settings_dep(service: ServiceDep) -> Settings:
    return service.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_ledger(service: ServiceDep) -> Ledger:
    """The chain, or :class:`ChainUnavailable` (→ 503 with ``Retry-After``)."""
    return service.link.ledger()


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def get_db(service: ServiceDep) -> Iterator[Session]:
    with service.index.session() as session:
        yield session


DbDep = Annotated[Session, Depends(get_db)]


def get_store(service: ServiceDep) -> DocumentStore:
    return service.store


StoreDep = Annotated[DocumentStore, Depends(get_store)]


def as_of_of(db: Session) -> AsOf | None:
    cp = db.get(Checkpoint, 1)
    if cp is None:
        return None
    return AsOf(block_number=cp.block_number, block_hash=cp.block_hash, timestamp=cp.timestamp)


def get_as_of(service: ServiceDep, db: DbDep) -> AsOf | None:
    """The index checkpoint; the chain must be reachable (503 otherwise), so lists never hide
    that they may be stale."""
    if not service.link.reachable:
        service.link.ledger()  # reconnects, or raises ChainUnavailable
    return as_of_of(db)


AsOfDep = Annotated[AsOf | None, Depends(get_as_of)]
