"""Working days by the official Chinese holiday calendar, and plain calendar days."""
import datetime as dt

import chinese_calendar
import pytest

from services.common.errors import CalendarNotCovered
from services.warnings.calendar import WorkingCalendar, calendar_for

D = dt.date
WORKING = WorkingCalendar("working")
CALENDAR = WorkingCalendar("calendar")


def test_every_covered_day_agrees_with_the_package():
    day, last = D(2004, 1, 1), D(2026, 12, 31)
    while day <= last:
        assert WORKING.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("day, works", [
    (D(2026, 9, 20), True),    # Sunday worked in exchange for the National Day week
    (D(2026, 9, 25), False),   # Mid-Autumn Festival, a Friday
    (D(2026, 9, 30), True),
    (D(2026, 10, 1), False),
    (D(2026, 10, 7), False),   # the last day of the National Day week, a Wednesday
    (D(2026, 10, 8), True),
    (D(2026, 10, 10), True),   # Saturday worked in exchange
    (D(2026, 10, 11), False),  # an ordinary Sunday
    (D(2026, 1, 4), True),     # Sunday worked after the New Year holiday
])
def test_holidays_and_make_up_working_days_of_2026(day, works):
    assert WORKING.is_working_day(day) is works


@pytest.mark.parametrize("day, n, expected", [
    (D(2026, 9, 30), 1, D(2026, 10, 8)),   # over the National Day week
    (D(2026, 9, 29), 3, D(2026, 10, 9)),
    (D(2026, 10, 9), 1, D(2026, 10, 10)),  # the make-up Saturday counts
    (D(2026, 10, 3), 1, D(2026, 10, 8)),   # from a holiday, the first working day after it
    (D(2026, 6, 12), 1, D(2026, 6, 15)),   # Friday to Monday
    (D(2026, 10, 8), -1, D(2026, 9, 30)),
    (D(2026, 10, 3), -1, D(2026, 9, 30)),
    (D(2026, 10, 3), 0, D(2026, 10, 3)),
])
def test_adding_working_days(day, n, expected):
    assert WORKING.add_working_days(day, n) == expected


@pytest.mark.parametrize("a, b, count", [
    (D(2026, 9, 30), D(2026, 9, 30), 0),
    (D(2026, 9, 30), D(2026, 10, 7), 0),   # the whole holiday week counts for nothing
    (D(2026, 9, 30), D(2026, 10, 8), 1),
    (D(2026, 9, 30), D(2026, 10, 12), 4),  # 8, 9, 10 (Saturday) and 12
    (D(2026, 10, 12), D(2026, 9, 30), -4),
    (D(2026, 10, 3), D(2026, 10, 8), 1),
])
def test_counting_working_days_between(a, b, count):
    assert WORKING.working_days_between(a, b) == count


@pytest.mark.parametrize("year, month, n, expected", [
    (2026, 10, 1, D(2026, 10, 8)),
    (2026, 10, 5, D(2026, 10, 13)),  # 8, 9, 10 (Saturday), 12, 13
    (2026, 11, 5, D(2026, 11, 6)),
    (2026, 1, 1, D(2026, 1, 4)),     # a Sunday worked after the New Year holiday
    (2026, 2, 5, D(2026, 2, 6)),
])
def test_the_nth_working_day_of_a_month(year, month, n, expected):
    assert WORKING.nth_working_day_of_month(year, month, n) == expected


@pytest.mark.parametrize("n", [0, 19])  # October 2026 has 18 working days
def test_a_month_has_only_so_many_working_days(n):
    with pytest.raises(ValueError):
        WORKING.nth_working_day_of_month(2026, 10, n)
    assert WORKING.nth_working_day_of_month(2026, 10, 18) == D(2026, 10, 30)


@pytest.mark.parametrize("day, expected", [
    (D(2026, 10, 3), D(2026, 10, 8)),
    (D(2026, 10, 10), D(2026, 10, 10)),
    (D(2026, 10, 11), D(2026, 10, 12)),
])
def test_the_working_day_on_or_after_a_day(day, expected):
    assert WORKING.working_day_on_or_after(day) == expected


@pytest.mark.parametrize("ask", [
    lambda: WORKING.is_working_day(D(2027, 1, 4)),
    lambda: WORKING.require(D(2027, 1, 4)),
    lambda: WORKING.working_days_between(D(2026, 12, 1), D(2027, 1, 4)),
    lambda: WORKING.nth_working_day_of_month(2027, 1, 1),
    lambda: WORKING.add_working_days(D(2027, 1, 4), 1),
])
def test_a_day_outside_the_official_calendar_is_refused(ask):
    with pytest.raises(CalendarNotCovered) as raised:
        ask()
    assert "2004–2026" in str(raised.value) and "2027-01-0" in str(raised.value)


@pytest.mark.parametrize("ask", [
    lambda: WORKING.add_working_days(D(2026, 12, 31), 1),
    lambda: WORKING.working_day_on_or_after(D(2027, 1, 1)),
    lambda: WORKING.is_working_day(D(2003, 12, 31)),
    lambda: WORKING.add_working_days(D(2004, 1, 2), -2),
])
def test_counting_out_of_the_calendar_is_refused(ask):
    with pytest.raises(CalendarNotCovered):
        ask()
    assert WORKING.covers(D(2026, 12, 31)) and not WORKING.covers(D(2027, 1, 1))


def test_calendar_mode_counts_every_day_of_any_year():
    assert CALENDAR.is_working_day(D(2026, 10, 1))
    assert CALENDAR.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 1)
    assert CALENDAR.add_working_days(D(2026, 10, 1), -1) == D(2026, 9, 30)
    assert CALENDAR.working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 8
    assert CALENDAR.nth_working_day_of_month(2026, 10, 5) == D(2026, 10, 5)
    assert CALENDAR.working_day_on_or_after(D(2026, 10, 3)) == D(2026, 10, 3)
    assert CALENDAR.add_working_days(D(2027, 12, 31), 1) == D(2028, 1, 1)
    assert CALENDAR.covers(D(2030, 1, 1))
    with pytest.raises(ValueError):
        CALENDAR.nth_working_day_of_month(2026, 2, 29)


def test_an_unknown_mode_is_refused_and_calendars_are_shared():
    with pytest.raises(ValueError):
        WorkingCalendar("lunar")
    assert calendar_for("working") is calendar_for("working")
    assert calendar_for("calendar").mode == "calendar"


def test_coverage_says_how_long_the_official_calendar_can_still_judge():
    last = max(chinese_calendar.holidays).replace(month=12, day=31)
    coverage = calendar_for("working").coverage(last - dt.timedelta(days=10))
    assert coverage == {"mode": "working", "covers_until": last.isoformat(), "days_left": 10}
    assert calendar_for("calendar").coverage(last) == {
        "mode": "calendar", "covers_until": None, "days_left": None}
