"""Rows of the index → response schemas (shared by the routers)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_client.types import CatalogKind, State

from .index import AnchorRow, MemberRow, ProjectRow
from .schemas import AnchorPublic, ProjectSummary, StatePublic
from .store import DocumentStore


def state_public(value: int) -> StatePublic:
    state = State(value)
    return StatePublic(key=state.name, zh=state.zh)


def anchor_public(row: AnchorRow, store: DocumentStore) -> AnchorPublic:
    return AnchorPublic(
        project_code=row.project_code,
        kind=row.kind,
        kind_zh=CatalogKind.parse(row.kind).zh,
        version=row.version,
        digest=row.digest,
        merkle_root=row.merkle_root,
        resource_count=row.resource_count,
        submitter=row.submitter,
        block_number=row.block_number,
        block_hash=row.block_hash,
        tx_hash=row.tx_hash,
        timestamp=row.timestamp,
        stored=store.find(bytes.fromhex(row.digest)) is not None,
        restated=bool(row.restated),
    )


def member_names(db: Session) -> dict[str, str]:
    return {m.account.lower(): m.name for m in db.scalars(select(MemberRow))}


def project_summary(p: ProjectRow, names: dict[str, str], now: int) -> ProjectSummary:
    return ProjectSummary(
        code=p.code,
        name=p.name,
        state=state_public(p.state),
        unit=p.unit,
        unit_name=names.get(p.unit.lower()),
        created_at=p.created_at,
        updated_block=p.updated_block,
        overdue=p.overdue_reasons(now),
    )
