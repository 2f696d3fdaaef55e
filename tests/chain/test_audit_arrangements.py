"""The audit cross-checks a rectification deadline against a published holiday arrangement
given as a file's contents, for the years ``chinese_calendar`` does not know (2027 on)."""

from __future__ import annotations

from datetime import timedelta

from api.audit import audit_project
from chain_client.workdays import Arrangement, beijing_day, calendar_word, day_date, word_index

from .conftest import World
from .flows import advance, digest


def _reported(world: World) -> tuple[str, int]:
    """A commissioned project with an evaluation report and its plan, over Monday-Friday
    calendar words recorded on chain; (code, the report's time)."""
    code = advance(world, "commission")
    now = world.now()
    for w in range(word_index(beijing_day(now)), word_index(beijing_day(now) + 200) + 1):
        if world.ledger.work_calendar(w) == 0:
            world.ledger.set_work_calendar(world["eitb"], w, calendar_word(w, provisional=True))
    world.ledger.record_evaluation_report(world["eitb"], code, digest())
    world.ledger.submit_rectification_plan(world["unit1"], code, digest())
    return code, int(world.ledger.evaluation(code)["reportedAt"])


def _arrangements(reported: int, holiday: object = None) -> list[Arrangement]:
    """Arrangements for the years the 60 working days can touch: Monday-Friday, but ``holiday``."""
    year = day_date(beijing_day(reported)).year
    return [
        Arrangement(y, frozenset({holiday} - {None}), frozenset())  # type: ignore[arg-type]
        for y in (year, year + 1)
    ]


def test_an_arrangement_that_agrees_gives_no_finding(world: World, tmp_path) -> None:
    code, reported = _reported(world)
    report = audit_project(world.ledger, code, tmp_path, arrangements=_arrangements(reported))
    assert [f for f in report.findings if f.check == "time"] == []


def test_a_holiday_the_chain_counts_as_working_is_found(world: World, tmp_path) -> None:
    code, reported = _reported(world)
    first = day_date(beijing_day(reported) + 1)
    monday = next(
        first + timedelta(days=i) for i in range(7) if (first + timedelta(i)).weekday() == 0
    )
    report = audit_project(
        world.ledger, code, tmp_path, arrangements=_arrangements(reported, monday)
    )
    messages = [f.message for f in report.findings if f.check == "time"]
    assert len(messages) == 1, messages
    assert "arrangement file(s) for" in messages[0] and "differs (art. 31)" in messages[0]
