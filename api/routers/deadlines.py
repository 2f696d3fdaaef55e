"""What is due, and what is overdue, across all projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from ..deadlines import deadlines
from ..deps import AsOfDep, DbDep
from ..index import ProjectRow
from ..problems import PROBLEM_RESPONSES
from ..schemas import DeadlineList, DeadlinePublic

router = APIRouter(prefix="/v1/deadlines", tags=["deadlines"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=DeadlineList)
def list_deadlines(
    db: DbDep,
    as_of: AsOfDep,
    within_days: Annotated[int, Query(ge=0, le=3650, description="Horizon in days")] = 30,
) -> DeadlineList:
    """Review opinions expiring, quarterly progress due, construction periods ending,
    commissioning applications due, self-evaluations due — overdue ones first, as of the
    index's block time."""
    now = as_of.timestamp if as_of is not None else 0
    rows = db.scalars(select(ProjectRow).order_by(ProjectRow.code)).all()
    items = [DeadlinePublic(**i) for i in deadlines(rows, now, within_days)]
    return DeadlineList(as_of=as_of, within_days=within_days, items=items)
