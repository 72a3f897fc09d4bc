"""Working days by the calendar the office keeps (the holiday package's years, the
office's entries over them, Monday to Friday beyond), and plain calendar days."""
import datetime as dt

import chinese_calendar
import pytest

from services.common.errors import CalendarNotCovered
from services.common.workdays import (
    OFFICE,
    WorkingCalendar,
    Year,
    entered_years,
    package_calendar,
    package_years,
    provisional_note,
)
from services.warnings.holiday_notice import year_from_input
from tests.support.holiday_notices import BODY_2027

D = dt.date
WORKING = WorkingCalendar("working")
CALENDAR = WorkingCalendar("calendar")
YEAR_2027 = year_from_input(2027, BODY_2027["holidays"], BODY_2027["workdays"])
WITH_2027 = WorkingCalendar("working", entered_years([YEAR_2027]))
LAST = max(package_years())


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




def test_an_unknown_mode_is_refused_and_the_package_calendar_is_shared():
    with pytest.raises(ValueError):
        WorkingCalendar("lunar")
    assert package_calendar("working") is package_calendar("working")
    assert package_calendar("calendar").mode == "calendar"


def test_the_package_years_carry_their_festivals_in_chinese():
    assert package_years()[2026].holidays[D(2026, 2, 17)] == "春节"
    assert package_years()[2026].holidays[D(2026, 10, 1)] == "国庆节"
    assert D(2026, 9, 20) in package_years()[2026].workdays


# Beyond the entered years: Monday to Friday, provisional ------------------------

@pytest.mark.parametrize("day, works", [
    (D(LAST + 1, 1, 1), D(LAST + 1, 1, 1).weekday() < 5),
    (D(2030, 10, 1), True),    # a Tuesday, and nobody has entered 2030's National Day
    (D(2030, 10, 5), False),   # a Saturday
])
def test_a_year_not_entered_counts_monday_to_friday(day, works):
    assert WORKING.is_working_day(day) is works
    assert WORKING.provisional_years(day) == (day.year,)


def test_nothing_freezes_at_new_year():
    # The counts that stopped the platform on 1 January before.
    assert WORKING.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)  # a Friday
    assert WORKING.working_day_on_or_after(D(2027, 1, 2)) == D(2027, 1, 4)
    assert WORKING.working_days_between(D(2026, 12, 25), D(2027, 1, 8)) == 10
    assert WORKING.nth_working_day_of_month(2027, 1, 5) == D(2027, 1, 7)
    assert WORKING.add_working_days(D(2027, 1, 4), -1) == D(2027, 1, 1)
    # Decades ahead the tables grow as they are asked.
    assert WORKING.add_working_days(D(2090, 3, 1), 5) == D(2090, 3, 8)
    assert WORKING.add_working_days(D(2026, 1, 5), 10_000) > D(2064, 1, 1)


def test_the_provisional_note_names_the_years():
    assert WORKING.note(D(2026, 12, 28), D(2027, 1, 6)) == (
        "（2027年放假安排未录入，暂按周一至周五计）")
    assert WORKING.note(D(2026, 12, 1), D(2026, 12, 28)) == ""
    assert provisional_note([2028, 2027]) == "（2027、2028年放假安排未录入，暂按周一至周五计）"
    assert CALENDAR.note(D(2027, 1, 1), D(2030, 1, 1)) == ""


def test_coverage_says_how_long_the_entered_years_last():
    last = D(LAST, 12, 31)
    assert WORKING.coverage(last - dt.timedelta(days=10)) == {
        "mode": "working", "covers_until": last.isoformat(), "days_left": 10,
        "provisional_from": D(LAST + 1, 1, 1).isoformat()}
    assert WITH_2027.coverage(D(2026, 12, 5))["covers_until"] == "2027-12-31"
    assert CALENDAR.coverage(last)["days_left"] is None


@pytest.mark.parametrize("day, words", [(D(1899, 12, 31), "1899年12月31日"),
                                        (D(2200, 1, 1), "2200年1月1日")])
def test_only_days_no_office_could_mean_are_refused(day, words):
    with pytest.raises(CalendarNotCovered) as raised:
        WORKING.is_working_day(day)
    # People may read it: the day as they write it, never 2200-01-01.
    assert str(raised.value) == f"日期{words}不在1900年至2199年之间，无法计算工作日"
    assert not WORKING.covers(day) and WORKING.covers(D(2150, 1, 1))


# A year the office entered --------------------------------------------------------

@pytest.mark.parametrize("day, works", [
    (D(2027, 1, 1), False),    # 元旦, a Friday
    (D(2027, 2, 8), False),    # the Spring Festival week, a Monday
    (D(2027, 2, 20), True),    # the make-up Saturday after it
    (D(2027, 2, 27), False),   # an ordinary Saturday
    (D(2027, 9, 26), True),    # a Sunday worked before the National Day
    (D(2027, 10, 6), False),
])
def test_an_entered_year_counts_its_holidays_and_make_up_days(day, works):
    assert WITH_2027.is_working_day(day) is works
    assert WITH_2027.provisional_years(day) == ()


def test_counting_across_the_spring_festival_week():
    # Friday 5 February, then nine days off, then the week to the make-up Saturday.
    assert WITH_2027.add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 15)
    assert WITH_2027.add_working_days(D(2027, 2, 5), 6) == D(2027, 2, 20)
    assert WITH_2027.add_working_days(D(2027, 2, 5), 7) == D(2027, 2, 22)
    assert WITH_2027.working_days_between(D(2027, 2, 5), D(2027, 2, 22)) == 7
    assert WITH_2027.nth_working_day_of_month(2027, 1, 1) == D(2027, 1, 4)
    assert WITH_2027.holiday_name(D(2027, 2, 10)) == "春节"


def test_the_office_entry_overrides_the_package():
    corrected = Year(2026, {D(2026, 12, 31): "测试假日"}, frozenset(), OFFICE, 1)
    calendar = WorkingCalendar("working", entered_years([corrected]))
    assert not calendar.is_working_day(D(2026, 12, 31))
    assert calendar.is_working_day(D(2026, 10, 1))  # the office's 2026 has no National Day
    assert WORKING.is_working_day(D(2026, 12, 31))


@pytest.mark.parametrize("holidays, workdays, field, words", [
    ([{"date": "2028-01-01", "name": "元旦"}], [], "holidays[0]", "不在2027年内"),
    ([{"date": "2027-1-1", "name": "元旦"}], [], "holidays[0]", "YYYY-MM-DD"),
    ([{"date": "2027-01-01", "name": " "}], [], "holidays[0].name", "不能为空"),
    ([], ["2027-02-22"], "workdays[0]", "周六或周日"),
    ([{"date": "2027-02-20", "name": "春节"}], ["2027-02-20"], "workdays[0]", "不能同时"),
    ("春节", [], "holidays", "列表"),
])
def test_what_the_office_enters_is_checked_in_chinese(holidays, workdays, field, words):
    from services.common.errors import InvalidInput
    with pytest.raises(InvalidInput) as raised:
        year_from_input(2027, holidays, workdays)
    assert words in raised.value.detail[field]
