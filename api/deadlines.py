"""Deadlines from the regulation's time rules, and working days by the PRC holiday calendar.

Times are unix seconds; dates are Beijing dates (UTC+8). Working days follow the State
Council's holiday arrangement via ``chinese_calendar``, make-up workdays (调休) included; for
years the calendar does not know yet, Monday to Friday are working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from chain_client.types import State
from chain_client.workdays import (
    BEIJING,
    is_workday,
    rectification_due,
    working_days_after,
)

from .index import QUARTER, ProjectRow

__all__ = [
    "BEIJING",
    "deadlines",
    "is_workday",
    "rectification_due",
    "to_date",
    "working_days_after",
]

DAY = 86_400


def to_date(ts: int) -> date:
    return datetime.fromtimestamp(ts, tz=BEIJING).date()


KINDS_ZH = {
    "opinion_expiry": "技术评审意见到期",
    "progress_report": "季度进度报告",
    "construction_deadline": "建设期届满",
    "commission_application": "投入使用评审申请",
    "self_evaluation": "绩效自评价",
    "rectification": "整改方案（60个工作日）",
}


def deadlines(projects: Iterable[ProjectRow], now: int, within_days: int) -> list[dict[str, Any]]:
    """Every open deadline due within ``within_days`` of ``now`` (overdue ones included)."""
    horizon = now + within_days * DAY
    items: list[dict[str, Any]] = []

    def add(p: ProjectRow, kind: str, due: int | None, basis: str) -> None:
        if due is None or due > horizon:
            return
        items.append(
            {
                "project_code": p.code,
                "project_name": p.name,
                "kind": kind,
                "kind_zh": KINDS_ZH[kind],
                "due_at": due,
                "due_date": to_date(due).isoformat(),
                "days_left": (due - now) // DAY,
                "overdue": due < now,
                "basis": basis,
            }
        )

    for p in projects:
        state = State(p.state)
        if state is State.UNDER_REVIEW and p.opinion_expires_at and not p.funded_at:
            add(p, "opinion_expiry", p.opinion_expires_at, "art. 15: opinion valid 365 days")
        if state is State.UNDER_CONSTRUCTION and not p.accepted_at:
            prog = p.progress(now)
            if prog["overdue"] and p.construction_started_at:
                missed_end = p.construction_started_at + (p.progress_reports + 1) * QUARTER
                add(
                    p,
                    "progress_report",
                    min(missed_end, now - 1),
                    f"art. 18: {prog['missed_quarters']} quarterly report(s) missed",
                )
            add(p, "progress_report", prog["next_due_at"], "art. 18: a report every quarter")
            add(
                p,
                "construction_deadline",
                p.construction_deadline,
                "art. 14: period set by funding",
            )
        if state is State.UNDER_CONSTRUCTION and p.accepted_at and not p.commission_applied_at:
            add(
                p,
                "commission_application",
                p.commission_deadline,
                "art. 23: apply within 6 months of acceptance",
            )
        if state is State.OPERATION and p.operation_at and not p.self_evaluated_at:
            add(
                p,
                "self_evaluation",
                p.operation_at + 456 * DAY,
                "art. 30: 12-15 months after going into operation",
            )
        if p.rectification_due_at and not p.rectification_planned_at:
            add(
                p,
                "rectification",
                p.rectification_due_at,
                "art. 31: rectification plan within 60 working days of the evaluation report",
            )
    items.sort(key=lambda i: (i["due_at"], i["project_code"], i["kind"]))
    return items
