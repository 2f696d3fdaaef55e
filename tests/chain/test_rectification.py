"""Art. 31 on chain: EITB's evaluation report starts a 60-working-day deadline, computed by the
contract over the working-day calendar EITB records; the unit's rectification plan is refused
after it. Every wrong role, state and time is refused by name. Runs on eth-tester and anvil."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from chain_client import errors
from chain_client.types import Role, State, encode_code
from chain_client.workdays import (
    BEIJING,
    MARKER,
    WORD_DAYS,
    CalendarUnknown,
    beijing_day,
    calendar_word,
    day_date,
    rectification_due,
    word_index,
    words_covering,
)

from .conftest import World
from .flows import advance, digest

NAMES = ("eitb", "drc", "finance", "crypto", "sector", "unit1", "unit2", "platform", "auditor")


def _record(world: World, start: int, days: int = 200, *, provisional: bool = True) -> None:
    """Record every calendar word covering ``days`` days from unix time ``start``."""
    first = word_index(beijing_day(start))
    last = word_index(beijing_day(start) + days)
    for w in range(first, last + 1):
        if world.ledger.work_calendar(w) == 0:
            world.ledger.set_work_calendar(
                world["eitb"], w, calendar_word(w, provisional=provisional)
            )


def _ts(y: int, m: int, d: int, hh: int = 10) -> int:
    return int(datetime(y, m, d, hh, tzinfo=BEIJING).timestamp())


def test_deadline_matches_the_prc_calendar_over_national_day(world: World) -> None:
    # 2025: National Day + Mid-Autumn 10-01..10-08 off, make-up workdays 09-28 (Sun) and 10-11
    # (Sat). The view takes any report time, so a known year is checked against chinese_calendar.
    for w in words_covering(date(2025, 9, 1), date(2026, 1, 31)):
        world.ledger.set_work_calendar(world["eitb"], w, calendar_word(w))
    for reported in (_ts(2025, 9, 20), _ts(2025, 9, 30, 23), _ts(2025, 10, 9, 0)):
        due = world.ledger.rectification_deadline(reported)
        assert due == rectification_due(reported)
        due_dt = datetime.fromtimestamp(due, tz=BEIJING)
        assert (due_dt.hour, due_dt.minute, due_dt.second) == (23, 59, 59)
    # counted by hand from 2025-09-20 (Sat): 09-22..26 (5), 09-28 make-up (6), 09-29..30 (8),
    # holiday, 10-09..10 (10), 10-11 make-up (11), then five a week: 10-13..12-12 (56),
    # 12-15..18 (60): Thursday 2025-12-18
    due = datetime.fromtimestamp(world.ledger.rectification_deadline(_ts(2025, 9, 20)), tz=BEIJING)
    assert due.date() == date(2025, 12, 18)


def test_calendar_bits_are_what_the_contract_counts(world: World) -> None:
    # a synthetic word: only even days are working days; the deadline is the 60th even day after
    w = word_index(beijing_day(_ts(2024, 1, 1)))
    bits = MARKER | sum(1 << i for i in range(0, WORD_DAYS, 2))
    world.ledger.set_work_calendar(world["eitb"], w, bits)
    start_day = w * WORD_DAYS + 10  # an even day: the next working day is start + 2
    reported = start_day * 86_400 - 8 * 3600 + 5  # early on that Beijing day
    due = world.ledger.rectification_deadline(reported)
    assert beijing_day(due) == start_day + 120
    assert due == rectification_due(
        reported, lambda d: ((d - date(1970, 1, 1)).days - w * WORD_DAYS) % 2 == 0
    )


def test_calendar_missing_names_the_first_unrecorded_day(world: World) -> None:
    reported = _ts(2023, 3, 1)
    day0 = beijing_day(reported)
    with pytest.raises(errors.WorkCalendarMissing) as info:
        world.ledger.rectification_deadline(reported)
    assert info.value.args_dict["day"] == day0 + 1
    w = word_index(day0 + 1)
    world.ledger.set_work_calendar(world["eitb"], w, calendar_word(w))
    if word_index(day0 + 100) != w:  # the count runs into the next word
        with pytest.raises(errors.WorkCalendarMissing) as info:
            world.ledger.rectification_deadline(reported)
        assert info.value.args_dict["day"] == (w + 1) * WORD_DAYS


def test_set_work_calendar_needs_reviewer_and_marker(world: World) -> None:
    word = calendar_word(word_index(beijing_day(_ts(2022, 5, 1))))
    index = word_index(beijing_day(_ts(2022, 5, 1)))
    for name in NAMES:
        if name == "eitb":
            continue
        with pytest.raises(errors.ProjectUnauthorized) as info:
            world.ledger.set_work_calendar(world[name], index, word)
        assert info.value.args_dict["role"] == Role.REVIEWER.id
    with pytest.raises(errors.WorkCalendarInvalid):
        world.ledger.set_work_calendar(world["eitb"], index, word & ~MARKER)
    assert world.ledger.work_calendar(index) == 0
    result = world.ledger.set_work_calendar(world["eitb"], index, word)
    assert result.events[0].name == "WorkCalendarSet"
    assert world.ledger.work_calendar(index) == word


def test_calendar_word_refuses_unknown_years_unless_provisional() -> None:
    future = word_index((date(2099, 6, 1) - date(1970, 1, 1)).days)
    with pytest.raises(CalendarUnknown, match="2099"):
        calendar_word(future)
    bits = calendar_word(future, provisional=True)
    for i in range(WORD_DAYS):
        assert bool(bits >> i & 1) == (day_date(future * WORD_DAYS + i).weekday() < 5)


def test_report_then_plan_in_time(world: World) -> None:
    code = advance(world, "commission")
    _record(world, world.now())
    report = digest()
    result = world.ledger.record_evaluation_report(world["eitb"], code, report)
    ev = result.events[0]
    assert ev.name == "EvaluationReported"
    e = world.ledger.evaluation(code)
    assert e["reportDigest"] == report
    assert e["rectificationDueAt"] == ev.args["rectificationDueAt"]
    assert e["rectificationDueAt"] == rectification_due(e["reportedAt"])
    world.chain.set_next_timestamp(e["rectificationDueAt"])  # the very last second is in time
    plan = digest()
    world.ledger.submit_rectification_plan(world["unit1"], code, plan)
    e = world.ledger.evaluation(code)
    assert e["planDigest"] == plan and e["planSubmittedAt"] == e["rectificationDueAt"]
    with pytest.raises(errors.ProjectRectificationAlreadySubmitted):
        world.ledger.submit_rectification_plan(world["unit1"], code, digest())
    # a new report opens a new deadline
    _record(world, world.now())
    world.ledger.record_evaluation_report(world["eitb"], code, digest())
    assert world.ledger.evaluation(code)["planSubmittedAt"] == 0
    world.ledger.submit_rectification_plan(world["unit1"], code, digest())


def test_plan_after_the_deadline_is_refused(world: World) -> None:
    code = advance(world, "commission")
    _record(world, world.now())
    world.ledger.record_evaluation_report(world["eitb"], code, digest())
    due = world.ledger.evaluation(code)["rectificationDueAt"]
    world.chain.set_next_timestamp(due + 1)
    with pytest.raises(errors.ProjectRectificationTooLate) as info:
        world.ledger.submit_rectification_plan(world["unit1"], code, digest())
    assert info.value.args_dict["dueAt"] == due
    assert world.ledger.evaluation(code)["planSubmittedAt"] == 0


def test_report_and_plan_wrong_role_state_and_order(world: World) -> None:
    code = advance(world, "commission")
    _record(world, world.now())
    # plan before any report
    with pytest.raises(errors.ProjectNoEvaluationReport):
        world.ledger.submit_rectification_plan(world["unit1"], code, digest())
    # only EITB records reports
    for name in NAMES:
        if name == "eitb":
            continue
        with pytest.raises(errors.ProjectUnauthorized):
            world.ledger.record_evaluation_report(world[name], code, digest())
    with pytest.raises(errors.ProjectUnauthorized):
        world.ledger.record_evaluation_report(world.outsider, code, digest())
    with pytest.raises(errors.ProjectZeroDigest):
        world.ledger.record_evaluation_report(world["eitb"], code, bytes(32))
    with pytest.raises(errors.ProjectUnknown):
        world.ledger.record_evaluation_report(world["eitb"], "BJ-NO-SUCH", digest())
    # only projects in operation are evaluated
    building = advance(world, "accept")
    with pytest.raises(errors.ProjectInvalidState) as info:
        world.ledger.record_evaluation_report(world["eitb"], building, digest())
    assert info.value.args_dict["current"] == State.UNDER_CONSTRUCTION
    world.ledger.record_evaluation_report(world["eitb"], code, digest())
    # only the project's unit answers
    with pytest.raises(errors.ProjectNotUnit):
        world.ledger.submit_rectification_plan(world["unit2"], code, digest())
    for name in ("eitb", "platform", "auditor"):
        with pytest.raises(errors.ProjectUnauthorized):
            world.ledger.submit_rectification_plan(world[name], code, digest())
    with pytest.raises(errors.ProjectZeroDigest):
        world.ledger.submit_rectification_plan(world["unit1"], code, bytes(32))
    assert world.ledger.evaluation(code)["planSubmittedAt"] == 0
    world.ledger.submit_rectification_plan(world["unit1"], code, digest())


def test_report_needs_the_calendar(world: World) -> None:
    code = advance(world, "commission")
    world.advance_days(3000)  # beyond any word recorded so far
    with pytest.raises(errors.WorkCalendarMissing):
        world.ledger.record_evaluation_report(world["eitb"], code, digest())
    assert world.ledger.evaluation(code)["reportedAt"] == 0
    assert encode_code(code)


# -- the audit --------------------------------------------------------------------------------------


def test_audit_recomputes_the_deadline_and_checks_the_calendar(
    world: World, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.audit import audit_project

    code = advance(world, "commission")
    _record(world, world.now())
    world.ledger.record_evaluation_report(world["eitb"], code, digest())
    world.ledger.submit_rectification_plan(world["unit1"], code, digest())
    report = audit_project(world.ledger, code, tmp_path)
    assert [f for f in report.findings if f.check in ("time", "order", "role")] == []
    assert report.checked["time"] >= 2

    # the same chain audited against a holiday arrangement that closes the first Monday after
    # the report: the Monday-Friday words recorded on chain no longer match it
    reported = world.ledger.evaluation(code)["reportedAt"]
    first = day_date(beijing_day(reported) + 1)
    holiday = next(
        first + timedelta(days=i) for i in range(7) if (first + timedelta(days=i)).weekday() == 0
    )

    class Arrangement:
        @staticmethod
        def is_workday(day: date) -> bool:
            return day.weekday() < 5 and day != holiday

    monkeypatch.setattr("chain_client.workdays.chinese_calendar", Arrangement)
    report = audit_project(world.ledger, code, tmp_path)
    messages = [f.message for f in report.findings if f.check == "time"]
    assert any("holiday arrangement" in m for m in messages), messages


def test_audit_notices_a_plan_that_never_came(world: World, tmp_path) -> None:
    """The contract refuses a late plan; only the audit can say that none came (a notice)."""
    from api.audit import audit_project

    code = advance(world, "commission")
    _record(world, world.now())
    world.ledger.record_evaluation_report(world["eitb"], code, digest())
    due = world.ledger.evaluation(code)["rectificationDueAt"]

    def notes() -> list[str]:
        report = audit_project(world.ledger, code, tmp_path)
        return [n.message for n in report.notices if "rectification plan" in n.message]

    world.chain.advance_time(due - world.now())
    assert world.now() == due and notes() == []  # the last second of the deadline: still open
    world.advance_days(1)
    assert notes() == [
        "1 rectification plan(s) not submitted within 60 working days of the evaluation "
        "report (art. 31)"
    ]
