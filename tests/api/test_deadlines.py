"""Working days by the PRC holiday calendar (调休 make-up workdays included) and deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from api.deadlines import is_workday, rectification_due, to_date, working_days_after


def test_make_up_workdays_count() -> None:
    # Spring Festival 2024: Sun 4 Feb and Sun 18 Feb were make-up workdays, 10-17 Feb off.
    assert is_workday(date(2024, 2, 4)) and is_workday(date(2024, 2, 18))
    assert not is_workday(date(2024, 2, 12))
    assert working_days_after(date(2024, 2, 3), 1) == date(2024, 2, 4)
    assert working_days_after(date(2024, 2, 9), 1) == date(2024, 2, 18)


def test_national_day_skipped() -> None:
    # 2024: 1-7 Oct off; Sun 29 Sep and Sat 12 Oct worked.
    assert working_days_after(date(2024, 9, 27), 1) == date(2024, 9, 29)
    assert working_days_after(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert working_days_after(date(2024, 10, 11), 1) == date(2024, 10, 12)


def test_sixty_working_days() -> None:
    # from Mon 2 Sep 2024: 3-30 Sep has 20 workdays (Sat 14 and Sun 29 worked, Mid-Autumn
    # 16-17 off), 8-31 Oct 19 (Sat 12 worked), so the 60th is the 21st workday of November.
    got = working_days_after(date(2024, 9, 2), 60)
    days = [
        d
        for d in (
            date.fromordinal(o) for o in range(date(2024, 9, 3).toordinal(), got.toordinal() + 1)
        )
        if is_workday(d)
    ]
    assert len(days) == 60 and is_workday(got)
    assert got == date(2024, 11, 29)


def test_zero_and_negative() -> None:
    assert working_days_after(date(2024, 2, 10), 0) == date(2024, 2, 10)
    with pytest.raises(ValueError, match="n must be >= 0"):
        working_days_after(date(2024, 2, 10), -1)


def test_rectification_due_end_of_beijing_day() -> None:
    ts = 1725235200  # 2024-09-02 08:00 Beijing
    assert to_date(ts) == date(2024, 9, 2)
    assert to_date(rectification_due(ts)) == working_days_after(date(2024, 9, 2), 60)
