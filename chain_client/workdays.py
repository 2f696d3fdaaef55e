"""PRC working days as the ledger records them, and the deadlines counted in working days.

The project library keeps the working-day calendar on chain (``setWorkCalendar``, REVIEWER) in
words of 255 Beijing days: bit ``i`` of word ``w`` says whether Beijing day ``w * 255 + i``
(days since 1970-01-01, UTC+8) is a working day, and bit 255 marks the word as recorded. The
contract counts art. 31's 60 working days over those bits; :func:`rectification_due` is the same
count in Python, used by the index, the deadlines view and the audit.

Working days follow the State Council's holiday arrangement, make-up workdays (调休) included,
from the ``chinese_calendar`` package. For a year it does not know yet, :func:`is_workday` falls
back to Monday-Friday and :func:`calendar_word` refuses unless asked for a provisional word.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import chinese_calendar

from mulu.errors import InvalidInput

__all__ = [
    "BEIJING",
    "RECTIFICATION_WORKDAYS",
    "WORD_DAYS",
    "CalendarUnknown",
    "beijing_day",
    "calendar_word",
    "day_date",
    "is_workday",
    "known",
    "rectification_due",
    "to_datetime",
    "word_index",
    "words_covering",
    "working_days_after",
]

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
EPOCH = date(1970, 1, 1)
DAY = 86_400
OFFSET = 8 * 3600
#: Beijing days per calendar word (bit 255 is the "recorded" marker)
WORD_DAYS = 255
MARKER = 1 << WORD_DAYS
#: art. 31: the rectification plan is due within 60 working days of the evaluation report
RECTIFICATION_WORKDAYS = 60


class CalendarUnknown(InvalidInput):
    """The holiday arrangement of a year is not known (not published, or not in the package)."""

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(
            f"the PRC holiday arrangement of {day.year} is unknown to chinese_calendar "
            f"{getattr(chinese_calendar, '__version__', '')}; record it once published "
            "(or pass provisional=True / --provisional for Monday-Friday)"
        )


def known(day: date) -> bool:
    """Whether ``chinese_calendar`` knows the holiday arrangement of ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_workday(day: date) -> bool:
    """A working day in mainland China (holidays off, 调休 weekend workdays on); Monday-Friday
    for years the calendar does not know."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def beijing_day(ts: int) -> int:
    """The Beijing day number (days since 1970-01-01, UTC+8) of unix time ``ts``."""
    return (ts + OFFSET) // DAY


def day_date(day: int) -> date:
    return EPOCH + timedelta(days=day)


def word_index(day: int) -> int:
    return day // WORD_DAYS


def calendar_word(index: int, *, provisional: bool = False) -> int:
    """The calendar word ``index`` as ``setWorkCalendar`` takes it (marker bit included)."""
    if index < 0 or index >= 2**32:
        raise InvalidInput(f"calendar word index {index} out of range")
    bits = MARKER
    for i in range(WORD_DAYS):
        d = day_date(index * WORD_DAYS + i)
        if not provisional and not known(d):
            raise CalendarUnknown(d)
        if is_workday(d):
            bits |= 1 << i
    return bits


def words_covering(start: date, end: date) -> list[int]:
    """Indices of the words that cover the Beijing dates ``start``..``end`` (inclusive)."""
    if end < start:
        raise InvalidInput(f"calendar range ends ({end}) before it starts ({start})")
    first = word_index((start - EPOCH).days)
    last = word_index((end - EPOCH).days)
    return list(range(first, last + 1))


def working_days_after(start: date, n: int, workday: Callable[[date], bool] = is_workday) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted); ``n >= 0``.

    ``working_days_after(d, 0)`` is ``d``. ``workday`` defaults to :func:`is_workday`.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if workday(day):
            left -= 1
    return day


def rectification_due(reported_at: int, workday: Callable[[date], bool] = is_workday) -> int:
    """The rectification plan's deadline for a report made at ``reported_at`` (unix seconds):
    the last second, Beijing time, of the 60th working day after the report's Beijing day
    (that day itself not counted), as ``ProjectLibrary.rectificationDeadline`` computes it.

    ``workday`` defaults to :func:`is_workday`; the audit passes one that reads the words
    recorded on chain.
    """
    last = working_days_after(day_date(beijing_day(reported_at)), RECTIFICATION_WORKDAYS, workday)
    return ((last - EPOCH).days + 1) * DAY - OFFSET - 1


def to_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=BEIJING)
