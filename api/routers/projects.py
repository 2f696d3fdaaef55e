"""Projects: the list (from the index), one project (index + a chain read pinned to the index's
block), its history, its catalogs, proofs of its resources and its declared → acceptance diff."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

import catalog
from catalog._model import RESOURCE_CODE_PATTERN
from chain_client.steps import Steps
from chain_client.types import CatalogKind, State, encode_code
from mulu.errors import ChainUnavailable

from .._views import anchor_public, member_names, project_summary, state_public
from ..deps import AsOfDep, DbDep, StoreDep
from ..errors import NotFound
from ..index import AnchorRow, EventRow, ProjectRow
from ..problems import PROBLEM_RESPONSES
from ..schemas import (
    Attestation,
    CatalogList,
    DiffPublic,
    EventPublic,
    Fact,
    HistoryPublic,
    Progress,
    ProjectList,
    ProjectPublic,
    ProofPublic,
)
from ..service import Service

router = APIRouter(prefix="/v1/projects", tags=["projects"], responses=PROBLEM_RESPONSES)

Code = Annotated[
    str,
    Path(
        description=(
            "Unified project code (统一编码), as the ledger keys it: it may contain '/', as is or "
            "percent-encoded (%2F)"
        ),
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$",
        examples=["BJ-2026-0102", "BJ/2026/0188"],
    ),
]
_STATES = "|".join(s.name for s in State if s is not State.NONE)


def _code(code: str) -> str:
    encode_code(code)  # InvalidInput → 400
    return code


def _project(db: DbDep, code: str) -> ProjectRow:
    row = db.get(ProjectRow, _code(code))
    if row is None:
        raise NotFound(f"no project {code!r} in the index")
    return row


def _now(as_of: Any) -> int:
    return int(as_of.timestamp) if as_of is not None else 0


@router.get("", response_model=ProjectList)
def list_projects(
    db: DbDep,
    as_of: AsOfDep,
    state: Annotated[
        str | None,
        Query(description="State key, e.g. UNDER_CONSTRUCTION", pattern=f"^(?i:{_STATES})$"),
    ] = None,
    unit: Annotated[
        str | None, Query(description="The unit's account (0x…)", pattern=r"^0x[0-9a-fA-F]{40}$")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="Only overdue (true) / on time (false)")
    ] = None,
) -> ProjectList:
    """Every project the index knows, as of its checkpoint block."""
    query = select(ProjectRow).order_by(ProjectRow.created_block, ProjectRow.code)
    if state:
        query = query.where(ProjectRow.state == int(State[state.upper()]))
    if unit:
        query = query.where(ProjectRow.unit.ilike(unit))
    names = member_names(db)
    now = _now(as_of)
    projects = [project_summary(p, names, now) for p in db.scalars(query)]
    if overdue is not None:
        projects = [p for p in projects if bool(p.overdue) == overdue]
    return ProjectList(as_of=as_of, projects=projects)


def _fact_name(ev: EventRow) -> str:
    if ev.name in ("CatalogAnchored", "CatalogAnchorRestated"):
        kind = CatalogKind(int(ev.args["kind"])).key
        what = "catalog_anchored" if ev.name == "CatalogAnchored" else "catalog_anchor_restated"
        return f"{what}:{kind}:v{ev.args['version']}"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", ev.name).lower()


#: pages by (code, block hash of the index checkpoint, stamp of the document store): what the
#: chain and the index say at a block never changes, so a project's page is computed once per
#: indexed block (and per change of the store, whose files ``stored`` reports) and then served as
#: the same bytes with their ETag (bounded LRU)
_PAGE_CACHE: OrderedDict[tuple[str, str, tuple[int, int]], tuple[bytes, str]] = OrderedDict()
_PAGE_CACHE_SIZE = 1024
_PAGE_LOCK = threading.Lock()


def _cached(key: tuple[str, str, tuple[int, int]]) -> tuple[bytes, str] | None:
    with _PAGE_LOCK:
        page = _PAGE_CACHE.get(key)
        if page is not None:
            _PAGE_CACHE.move_to_end(key)
    return page


@router.get("/{code:path}", response_model=ProjectPublic)
async def get_project(code: Code, request: Request) -> Response:
    """State (key and Chinese name), unit, times, deadlines, anchors, gate status, and an
    attestation: the block this reflects and the transaction of each fact.

    Answered with an ``ETag``; ``If-None-Match`` with it gives ``304`` while the page is unchanged."""
    service: Service = request.app.state.service
    page = None
    as_of = service.as_of_memo()  # the checkpoint, kept current by the index's commits
    if as_of is not None and service.link.connected:  # hot path: no thread hop, no I/O but a stat
        page = _cached((code, as_of.block_hash, service.store.stamp()))
    if page is None:
        page = await run_in_threadpool(_page, service, code)
    body, etag = page
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _page(service: Service, code: str) -> tuple[bytes, str]:
    """The page of ``code`` at the index checkpoint: cached, or computed (chain reads pinned to the
    checkpoint's block) and cached if the index did not move while it was computed."""
    ledger = service.link.ledger()  # ChainUnavailable → 503 with Retry-After
    _code(code)
    for _attempt in range(3):
        as_of = service.as_of()
        stamp = service.store.stamp()
        with service.index.session() as db:
            row = _project(db, code)
            if as_of is None:  # the row came with the index's first batch, after as_of was read
                continue
            key = (code, as_of.block_hash, stamp)
            page = _cached(key)
            if page is not None:
                return page
            body = _project_page(code, row, db, as_of, ledger, service.store)
        data = body.model_dump_json().encode()  # validated by the model once, then served as is
        page = (data, '"' + hashlib.blake2b(data, digest_size=16).hexdigest() + '"')
        if service.as_of() == as_of:  # the rows read are those of this checkpoint
            with _PAGE_LOCK:
                _PAGE_CACHE[key] = page
                while len(_PAGE_CACHE) > _PAGE_CACHE_SIZE:
                    _PAGE_CACHE.popitem(last=False)
            return page
    raise ChainUnavailable("the index kept moving while the page was computed; try again")


def _project_page(
    code: str, row: ProjectRow, db: Any, as_of: Any, ledger: Any, store: Any
) -> ProjectPublic:
    onchain = ledger.project(code, block=as_of.block_number)
    times = {
        key: (int(onchain[key]) or None)
        for key in (
            "createdAt", "reviewStartedAt", "cryptoApprovedAt", "opinionPassedAt", "fundedAt",
            "constructionStartedAt", "acceptedAt", "commissionAppliedAt", "operationAt",
            "selfEvaluatedAt", "terminatedAt", "lastProgressAt",
        )
    }  # fmt: skip
    prog = row.progress(as_of.timestamp)
    op = int(onchain["operationAt"])
    deadlines = {
        "opinionExpiresAt": int(onchain["opinionExpiresAt"]) or None,
        "constructionDeadline": int(onchain["constructionDeadline"]) or None,
        "progressNextDueAt": prog["next_due_at"],
        "commissionDeadline": row.commission_deadline,
        "warrantyEndsAt": row.warranty_ends_at,
        "selfEvaluationOpensAt": op + 365 * 86_400 if op else None,
        "selfEvaluationClosesAt": op + 456 * 86_400 if op else None,
        # art. 31: the latest evaluation report's plan deadline, until the plan is submitted
        "rectificationDueAt": None if row.rectification_planned_at else row.rectification_due_at,
    }
    events = db.scalars(
        select(EventRow)
        .where(EventRow.project_code == row.code)
        .order_by(EventRow.block_number, EventRow.log_index)
    ).all()
    facts = [
        Fact(
            fact=_fact_name(e),
            event=e.name,
            block_number=e.block_number,
            block_hash=e.block_hash,
            tx_hash=e.tx_hash,
            log_index=e.log_index,
            timestamp=e.timestamp,
        )
        for e in events
    ]
    anchors = db.scalars(
        select(AnchorRow).where(AnchorRow.project_code == row.code).order_by(AnchorRow.block_number)
    ).all()
    gates = _jsonable(Steps(ledger).gates(code, detail=False, block=as_of.block_number).to_json())
    state = State(int(onchain["state"]))
    return ProjectPublic(
        code=row.code,
        name=str(onchain["name"]),
        state=state_public(int(state)),
        unit=str(onchain["unit"]),
        unit_name=member_names(db).get(str(onchain["unit"]).lower()),
        times=times,
        deadlines=deadlines,
        progress=Progress(reports=int(onchain["progressReports"]), **prog),
        overdue=row.overdue_reasons(as_of.timestamp),
        anchors=[anchor_public(a, store) for a in anchors],
        gates=gates,
        gates_note="steps: confirmed count per step; the first missing resource is named",
        attestation=Attestation(
            block_number=as_of.block_number,
            block_hash=as_of.block_hash,
            block_timestamp=as_of.timestamp,
            facts=facts,
        ),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "value"):
        return value.name
    return value


@router.get("/{code:path}/history", response_model=HistoryPublic)
def project_history(code: Code, db: DbDep, as_of: AsOfDep) -> HistoryPublic:
    """Every event of the project, oldest first."""
    row = _project(db, code)
    events = db.scalars(
        select(EventRow)
        .where(EventRow.project_code == row.code)
        .order_by(EventRow.block_number, EventRow.log_index)
    ).all()
    return HistoryPublic(
        code=row.code, as_of=as_of, events=[EventPublic(**e.to_json()) for e in events]
    )


@router.get("/{code:path}/catalogs", response_model=CatalogList)
def project_catalogs(code: Code, db: DbDep, as_of: AsOfDep, store: StoreDep) -> CatalogList:
    """The project's anchored catalog versions (declared and acceptance), oldest first."""
    row = _project(db, code)
    anchors = db.scalars(
        select(AnchorRow).where(AnchorRow.project_code == row.code).order_by(AnchorRow.block_number)
    ).all()
    return CatalogList(
        code=row.code, as_of=as_of, anchors=[anchor_public(a, store) for a in anchors]
    )


def anchored_catalog(store: StoreDep, anchor: AnchorRow) -> catalog.Catalog:
    """The stored document of ``anchor``, checked against it."""
    try:
        cat = store.get_catalog(bytes.fromhex(anchor.digest))
    except NotFound:
        raise NotFound(
            f"the document of {anchor.project_code} {anchor.kind} v{anchor.version} "
            f"(digest {anchor.digest}) is not in the store: upload it with POST /v1/catalogs"
        ) from None
    if cat.merkle_root.hex() != anchor.merkle_root:
        raise catalog.RootMismatch(bytes.fromhex(anchor.merkle_root), cat.merkle_root)
    return cat


def _anchor(db: DbDep, code: str, kind: str, version: int | None = None) -> AnchorRow:
    key = CatalogKind.parse(kind).key
    query = select(AnchorRow).where(AnchorRow.project_code == code, AnchorRow.kind == key)
    if version is not None:
        query = query.where(AnchorRow.version == version)
    row = db.scalars(query.order_by(AnchorRow.version.desc())).first()
    if row is None:
        what = f"v{version}" if version else "version"
        raise NotFound(f"no anchored {key} catalog {what} of {code!r} in the index")
    return row


@router.get(
    "/{code:path}/catalogs/{kind}/{version}/proof/{resource_code:path}", response_model=ProofPublic
)
def resource_proof(
    code: Code,
    kind: Annotated[str, Path(pattern="^(declared|acceptance)$")],
    version: Annotated[int, Path(ge=1, le=2**32 - 1)],
    resource_code: Annotated[
        str,
        Path(
            description="Resource code (信息资源代码), e.g. 101001/000001: its '/' as is or %2F",
            pattern=RESOURCE_CODE_PATTERN,
            examples=["301001/000001"],
        ),
    ],
    db: DbDep,
    store: StoreDep,
) -> ProofPublic:
    """The inclusion proof of one resource in the anchored Merkle root (with the leaf)."""
    _code(code)
    anchor = _anchor(db, code, kind, version)
    cat = anchored_catalog(store, anchor)
    try:
        cat.index_of(resource_code)
    except catalog.ProofInvalid as exc:  # no such resource in this catalog
        raise NotFound(str(exc)) from None
    proof = cat.prove(resource_code)
    catalog.verify_inclusion(proof, bytes.fromhex(anchor.merkle_root))
    return ProofPublic(
        project_code=code,
        kind=anchor.kind,
        version=anchor.version,
        resource_code=resource_code,
        anchor=anchor_public(anchor, store),
        proof=proof.to_json(),
        resource=cat.resource(resource_code),
    )


@router.get("/{code:path}/diff", response_model=DiffPublic)
def project_diff(code: Code, db: DbDep, store: StoreDep) -> DiffPublic:
    """Declared (latest) → acceptance (latest): added, removed and changed resources, the change
    ratio (art. 16) and a proof for each, checked against both anchored roots."""
    _code(code)
    declared = _anchor(db, code, "declared")
    acceptance = _anchor(db, code, "acceptance")
    old, new = anchored_catalog(store, declared), anchored_catalog(store, acceptance)
    diff = catalog.diff_catalogs(old, new)
    catalog.verify_diff(
        diff,
        bytes.fromhex(declared.merkle_root),
        bytes.fromhex(acceptance.merkle_root),
        old_count=declared.resource_count,
        new_count=acceptance.resource_count,
    )
    return DiffPublic(
        code=code,
        declared=anchor_public(declared, store),
        acceptance=anchor_public(acceptance, store),
        ratio_bp=diff.ratio_bp,
        diff_digest=diff.digest.hex(),
        verified=True,
        diff=diff.to_json(),
    )


# A code may contain '/', so every route takes it with the ``path`` convertor; the page of a
# project (``/{code:path}``, which would match every longer path) is tried last, after the routes
# with a fixed suffix. (A code ending in /history, /catalogs or /diff is read by those routes.)
router.routes.sort(key=lambda route: getattr(route, "path", "") == "/v1/projects/{code:path}")
