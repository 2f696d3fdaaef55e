"""Holiday arrangement files (``workdays.Arrangement``): a year's published 放假安排 for a year
``chinese_calendar`` does not know yet, and the calendar words computed from them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chain_client import workdays
from chain_client.workdays import (
    WORD_DAYS,
    ArrangementInvalid,
    CalendarUnknown,
    calendar_word,
    day_date,
    load_arrangement,
    read_arrangement,
    word_index,
)
from mulu.errors import InvalidInput

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "holidays-2026.json"

# A made-up arrangement for a year no package knows (test data, not a forecast)
FUTURE: dict[str, Any] = {
    "schema": "mulu.holidays/v1",
    "year": 2031,
    "holidays": ["2031-01-01", "2031-01-22..2031-01-28", "2031-10-01..2031-10-07"],
    "workdays": ["2031-01-19", "2031-10-11"],
}


def _text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False)


def _index(d: date) -> int:
    return word_index((d - date(1970, 1, 1)).days)


def _bit(word: int, d: date) -> bool:
    index = _index(d)
    return bool(word >> ((d - date(1970, 1, 1)).days - index * WORD_DAYS) & 1)


def test_the_2026_example_is_chinese_calendars_2026() -> None:
    arrangement = read_arrangement(EXAMPLE)  # checked day by day against the package
    assert arrangement.year == 2026
    w = _index(date(2026, 3, 1))
    assert calendar_word(w, arrangements=[arrangement]) == calendar_word(w)
    assert not arrangement.is_workday(date(2026, 10, 1))
    assert arrangement.is_workday(date(2026, 10, 10))  # a Saturday worked (调休)


def test_future_year_follows_its_file_and_nothing_else() -> None:
    arrangement = load_arrangement(_text(FUTURE))
    first = _index(date(2031, 1, 1))
    with pytest.raises(CalendarUnknown):
        calendar_word(first)
    # the word also covers days of 2030, which no file and no package describes
    with pytest.raises(CalendarUnknown) as info:
        calendar_word(first, arrangements=[arrangement])
    assert info.value.day.year == 2030
    word = calendar_word(first, provisional=True, arrangements=[arrangement])
    assert not _bit(word, date(2031, 1, 1))  # Wednesday, New Year
    assert not _bit(word, date(2031, 1, 24))  # Friday in the festival
    assert _bit(word, date(2031, 1, 19))  # Sunday made up
    assert not _bit(word, date(2031, 1, 18))  # an ordinary Saturday
    assert _bit(word, date(2031, 1, 30))  # an ordinary Thursday
    assert _bit(word, date(2030, 12, 31))  # 2030: provisional Monday-Friday
    plain = calendar_word(first, provisional=True)
    assert plain != word and _bit(plain, date(2031, 1, 1))


def test_every_day_of_a_word_as_the_arrangement_says() -> None:
    arrangement = load_arrangement(_text(FUTURE))
    index = _index(date(2031, 7, 1))
    word = calendar_word(index, provisional=True, arrangements=[arrangement])
    for i in range(WORD_DAYS):
        d = day_date(index * WORD_DAYS + i)
        expected = arrangement.is_workday(d) if d.year == 2031 else d.weekday() < 5
        assert bool(word >> i & 1) == expected, d


def test_two_different_files_for_one_year_are_refused() -> None:
    other = dict(FUTURE, workdays=["2031-01-19"])
    with pytest.raises(InvalidInput, match="two different holiday arrangements for 2031"):
        calendar_word(
            _index(date(2031, 3, 1)),
            provisional=True,
            arrangements=[load_arrangement(_text(FUTURE)), load_arrangement(_text(other))],
        )


def _with(**changes: Any) -> str:
    doc = dict(FUTURE)
    for k, v in changes.items():
        if v is None:
            doc.pop(k)
        else:
            doc[k] = v
    return _text(doc)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not JSON"),
        ('{"year": 2031, "year": 2031}', "duplicate key 'year'"),
        ('{"year": NaN}', "not JSON"),
        ("[]", "must be a JSON object"),
        ("[" * 30_000 + "]" * 30_000, "nested too deeply"),
        (_with(note="x"), "unknown member 'note'"),
        (_with(workdays=None), "missing member 'workdays'"),
        (_with(schema="mulu.holidays/v2"), "schema must be 'mulu.holidays/v1'"),
        (_with(year="2031"), "year must be an integer"),
        (_with(year=True), "year must be an integer"),
        (_with(holidays="2031-01-01"), "holidays must be a list of dates"),
        (_with(holidays=[20310101]), r"holidays\[0\] must be a string"),
        (_with(holidays=["2031-1-1"]), r"holidays\[0\] '2031-1-1' is not YYYY-MM-DD"),
        (_with(holidays=["2031-02-30"]), r"holidays\[0\] '2031-02-30' is not YYYY-MM-DD"),
        (_with(holidays=["2031-01-01..2031-01-02..2031-01-03"]), "is not YYYY-MM-DD"),
        (
            _with(holidays=["2031-01-01", "2031-02-09..2031-02-01"]),
            r"holidays\[1\] .* ends before it starts",
        ),
        (_with(holidays=["2030-12-31..2031-01-02"]), "is not in 2031"),
        (_with(workdays=["2032-01-03"]), r"workdays\[0\] '2032-01-03' is not in 2031"),
        (_with(workdays=["2031-01-25"]), "2031-01-25 is listed both as a holiday and as a workday"),
        (_with(workdays=["2031-01-20"]), "workdays lists 2031-01-20, a weekday"),
    ],
)
def test_malformed_files_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ArrangementInvalid, match=problem) as info:
        load_arrangement(text, "hols.json")
    assert str(info.value).startswith("hols.json: ")
    assert isinstance(info.value, InvalidInput)  # exit 2 at the CLI


def test_a_known_year_must_agree_with_the_package() -> None:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["workdays"].remove("2026-10-10")
    with pytest.raises(
        ArrangementInvalid, match="says 2026-10-10 is a working day; the file does not"
    ):
        load_arrangement(_text(doc))
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["holidays"].append("2026-03-02")
    with pytest.raises(ArrangementInvalid, match="says 2026-03-02 is a working day"):
        load_arrangement(_text(doc))


def test_unreadable_and_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(ArrangementInvalid, match="cannot read .*missing.json"):
        read_arrangement(tmp_path / "missing.json")
    big = tmp_path / "big.json"
    big.write_text(" " * (64 * 1024 + 1))
    with pytest.raises(
        ArrangementInvalid,
        match=r"^.*big.json: document is 65537 bytes, over the limit of 65536 bytes$",
    ):
        read_arrangement(big)


def test_is_workday_outside_its_year_is_refused() -> None:
    with pytest.raises(InvalidInput, match="outside the 2031 arrangement"):
        load_arrangement(_text(FUTURE)).is_workday(date(2030, 12, 31))


def test_the_tests_future_year_is_unknown_to_the_package() -> None:
    """The tests above need 2031 unknown to chinese_calendar (it knows 2004-2026 today)."""
    assert not workdays.known(date(2031, 1, 1))
