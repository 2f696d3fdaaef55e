"""PRC working days as the ledger records them, and the deadlines counted in working days.

The project library keeps the working-day calendar on chain (``setWorkCalendar``, REVIEWER) in
words of 255 Beijing days: bit ``i`` of word ``w`` says whether Beijing day ``w * 255 + i``
(days since 1970-01-01, UTC+8) is a working day, and bit 255 marks the word as recorded. The
contract counts art. 31's 60 working days over those bits; :func:`rectification_due` is the same
count in Python, used by the index, the deadlines view and the audit.

Working days follow the State Council's holiday arrangement, make-up workdays (调休) included,
from the ``chinese_calendar`` package. For a year it does not know yet, :func:`is_workday` falls
back to Monday-Friday and :func:`calendar_word` refuses unless given that year's published
arrangement (:class:`Arrangement`, read from a small JSON file by :func:`read_arrangement`) or
asked for a provisional word.

An arrangement file, as the State Council's notice reads (days off, ranges allowed, and the
weekend days worked instead)::

    {"schema": "mulu.holidays/v1", "year": 2026,
     "holidays": ["2026-01-01..2026-01-03", "2026-02-15..2026-02-23", ...],
     "workdays": ["2026-01-04", "2026-02-14", ...]}

For a year ``chinese_calendar`` knows, the file must agree with it day by day.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import chinese_calendar

from mulu.errors import InvalidInput

__all__ = [
    "ARRANGEMENT_SCHEMA",
    "BEIJING",
    "Arrangement",
    "ArrangementInvalid",
    "RECTIFICATION_WORKDAYS",
    "WORD_DAYS",
    "CalendarUnknown",
    "arrangements_by_year",
    "beijing_day",
    "calendar_word",
    "day_date",
    "is_workday",
    "known",
    "load_arrangement",
    "read_arrangement",
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
            f"the PRC holiday arrangement of {day.year} (needed from {day}) is unknown to "
            f"chinese_calendar {getattr(chinese_calendar, '__version__', '')}: give its "
            "published arrangement (arrangements= / --holidays FILE), or take Monday-Friday "
            "(provisional=True / --provisional)"
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


def calendar_word(
    index: int, *, provisional: bool = False, arrangements: Iterable[Arrangement] = ()
) -> int:
    """The calendar word ``index`` as ``setWorkCalendar`` takes it (marker bit included).

    A day of a year in ``arrangements`` follows that arrangement; of a year ``chinese_calendar``
    knows, the package; of any other year, Monday-Friday when ``provisional``, else
    :class:`CalendarUnknown`."""
    if index < 0 or index >= 2**32:
        raise InvalidInput(f"calendar word index {index} out of range")
    by_year = arrangements_by_year(arrangements)
    bits = MARKER
    for i in range(WORD_DAYS):
        d = day_date(index * WORD_DAYS + i)
        arrangement = by_year.get(d.year)
        if arrangement is not None:
            working = arrangement.is_workday(d)
        elif provisional or known(d):
            working = is_workday(d)
        else:
            raise CalendarUnknown(d)
        if working:
            bits |= 1 << i
    return bits


def arrangements_by_year(arrangements: Iterable[Arrangement]) -> dict[int, Arrangement]:
    """The arrangements by year; :class:`InvalidInput` for two different ones of one year."""
    by_year: dict[int, Arrangement] = {}
    for a in arrangements:
        if a.year in by_year and by_year[a.year] != a:
            raise InvalidInput(f"two different holiday arrangements for {a.year}")
        by_year[a.year] = a
    return by_year


#: the ``schema`` member of an arrangement file
ARRANGEMENT_SCHEMA = "mulu.holidays/v1"
_ARRANGEMENT_MAX_BYTES = 64 * 1024


class ArrangementInvalid(InvalidInput):
    """A holiday arrangement file that is malformed, or contradicts what is known of its year."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


@dataclass(frozen=True)
class Arrangement:
    """One year's holiday arrangement as the State Council publishes it: the days off
    (``holidays``, weekends inside a holiday period included or not) and the weekend days worked
    instead (``workdays``, 调休). Every other Monday-Friday is a working day."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_workday(self, day: date) -> bool:
        if day.year != self.year:
            raise InvalidInput(f"{day} is outside the {self.year} arrangement")
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


def _dates(source: str, key: str, value: Any, year: int) -> set[date]:
    """The dates of member ``key``: a list of ``YYYY-MM-DD`` or ``YYYY-MM-DD..YYYY-MM-DD``."""
    if not isinstance(value, list):
        raise ArrangementInvalid(
            source, f"{key} must be a list of dates, not {type(value).__name__}"
        )
    out: set[date] = set()
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(item, str):
            raise ArrangementInvalid(source, f"{where} must be a string, not {type(item).__name__}")
        ends = item.split("..")
        try:
            if len(ends) > 2 or any(len(e) != 10 for e in ends):
                raise ValueError
            first, last = date.fromisoformat(ends[0]), date.fromisoformat(ends[-1])
        except ValueError:
            raise ArrangementInvalid(
                source, f"{where} {item!r} is not YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
            ) from None
        if last < first:
            raise ArrangementInvalid(source, f"{where} {item!r} ends before it starts")
        if first.year != year or last.year != year:
            raise ArrangementInvalid(source, f"{where} {item!r} is not in {year}")
        out.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return out


def _problems(exc: Any) -> str:
    """What a :class:`catalog.CatalogInvalid` says, without its catalog wording."""
    return "; ".join(f"{path}: {msg}" if path != "$" else msg for path, msg in exc.problems)


def load_arrangement(data: bytes | str, source: str = "<arrangement>") -> Arrangement:
    """Parse and check an arrangement file's text (see the module's docstring).

    Raises :class:`ArrangementInvalid` naming the member and entry at fault: not JSON, another
    schema, an unknown or missing member, a date that is malformed or outside ``year``, a day both
    off and worked, a make-up workday that is not a Saturday or Sunday, or (for a year
    ``chinese_calendar`` knows) any day on which the two disagree.
    """
    from catalog import CatalogInvalid, parse_json  # the strict JSON reader of catalogs

    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:  # duplicate members, NaN, deep nesting, bad UTF-8: refused, named
        doc = parse_json(raw, max_bytes=_ARRANGEMENT_MAX_BYTES)
    except CatalogInvalid as exc:
        raise ArrangementInvalid(source, _problems(exc)) from None
    if not isinstance(doc, dict):
        raise ArrangementInvalid(source, "must be a JSON object")
    expected = {"schema", "year", "holidays", "workdays"}
    unknown = sorted(set(doc) - expected)
    if unknown:
        raise ArrangementInvalid(source, f"unknown member {unknown[0]!r}")
    missing = sorted(expected - set(doc))
    if missing:
        raise ArrangementInvalid(source, f"missing member {missing[0]!r}")
    if doc["schema"] != ARRANGEMENT_SCHEMA:
        raise ArrangementInvalid(
            source, f"schema must be {ARRANGEMENT_SCHEMA!r}, not {doc['schema']!r}"
        )
    year = doc["year"]
    if type(year) is not int or not 1970 <= year <= 9999:
        raise ArrangementInvalid(source, f"year must be an integer 1970..9999, not {year!r}")
    holidays = _dates(source, "holidays", doc["holidays"], year)
    workdays = _dates(source, "workdays", doc["workdays"], year)
    both = sorted(holidays & workdays)
    if both:
        raise ArrangementInvalid(source, f"{both[0]} is listed both as a holiday and as a workday")
    weekday = sorted(d for d in workdays if d.weekday() < 5)
    if weekday:
        raise ArrangementInvalid(
            source,
            f"workdays lists {weekday[0]}, a weekday: only Saturdays and Sundays are made up",
        )
    arrangement = Arrangement(year, frozenset(holidays), frozenset(workdays))
    first = date(year, 1, 1)
    if known(first):
        for n in range((date(year + 1, 1, 1) - first).days):
            d = first + timedelta(days=n)
            if arrangement.is_workday(d) != is_workday(d):
                version = getattr(chinese_calendar, "__version__", "")
                says = "a working day" if is_workday(d) else "a day off"
                raise ArrangementInvalid(
                    source,
                    f"chinese_calendar {version} knows {year} and says {d} is {says}; the file "
                    "does not",
                )
    return arrangement


def read_arrangement(path: str | os.PathLike[str]) -> Arrangement:
    """:func:`load_arrangement` of a file (at most 64 KiB, refused by its size unread)."""
    from catalog import CatalogInvalid, read_limited

    source = os.fspath(path)
    try:
        data = read_limited(path, max_bytes=_ARRANGEMENT_MAX_BYTES)
    except CatalogInvalid as exc:
        raise ArrangementInvalid(source, _problems(exc)) from None
    return load_arrangement(data, source)


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
