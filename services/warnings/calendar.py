"""Working days by the official Chinese holiday calendar, or plain calendar days.

Each year the State Council publishes the public holidays and the weekend days
worked in exchange (调休), and the `chinese_calendar` package carries them. A day
is a working day when it is such a make-up working day, or a weekday that is not a
holiday. Outside the years the package covers a day cannot be judged, so it raises
CalendarNotCovered instead of being guessed.

The evaluator asks these questions for every target of every task, so the covered
years are laid out once per process as tables indexed by the day's ordinal.
"""
import datetime as dt
import functools

import chinese_calendar

from services.common.errors import CalendarNotCovered

WORKING, CALENDAR = "working", "calendar"
MODES = (WORKING, CALENDAR)
ONE_DAY = dt.timedelta(days=1)


class _OfficialDays:
    """The covered years as tables: for each day from 1 January of the first year,
    whether it is worked and how many worked days there are up to and including it,
    and the list of worked days in order."""

    def __init__(self):
        # The package's own coverage is the span of years its holiday table names.
        years = sorted({day.year for day in chinese_calendar.holidays})
        self.first = dt.date(years[0], 1, 1)
        self.last = dt.date(years[-1], 12, 31)
        self.base = self.first.toordinal()
        self.working = []
        self.counts = []
        self.worked = []
        count = 0
        day = self.first
        while day <= self.last:
            works = day in chinese_calendar.workdays or (
                day.weekday() < 5 and day not in chinese_calendar.holidays)
            if works:
                count += 1
                self.worked.append(day)
            self.working.append(works)
            self.counts.append(count)
            day += ONE_DAY

    def span(self):
        return f"{self.first.year}–{self.last.year}"


@functools.cache
def _official_days():
    return _OfficialDays()


class WorkingCalendar:
    """Counts days the way the rules say: "working" (the official calendar) or
    "calendar" (every day counts, and no year is out of range)."""

    def __init__(self, mode=WORKING):
        if mode not in MODES:
            raise ValueError(f"a calendar mode is 'working' or 'calendar', not {mode!r}")
        self.mode = mode
        self._days = _official_days() if mode == WORKING else None
        self._nth = {}  # (year, month, n) -> day: the reporting day is asked for often

    def covers(self, day):
        """Whether the calendar can judge `day` (always, in calendar mode)."""
        days = self._days
        return days is None or days.first <= day <= days.last

    def coverage(self, today):
        """{"mode", "covers_until", "days_left"} as of `today`: how long the
        official calendar can still judge days (None in calendar mode). The
        State Council publishes a year's holidays late in the year before, and
        the package follows; until it is updated, days beyond are refused."""
        days = self._days
        if days is None:
            return {"mode": self.mode, "covers_until": None, "days_left": None}
        return {"mode": self.mode, "covers_until": days.last.isoformat(),
                "days_left": (days.last - today).days}

    def require(self, day):
        """Raise CalendarNotCovered unless the calendar can judge `day`."""
        if self._days is not None:
            self._index(day)

    def is_working_day(self, day):
        """Whether people work on `day`."""
        if self._days is None:
            return True
        return self._days.working[self._index(day)]

    def add_working_days(self, day, n):
        """The n-th working day after `day` (before it when n < 0); `day` itself
        when n is 0. Counting from a holiday, the first working day after it is the
        first one."""
        days = self._days
        if days is None:
            return day + dt.timedelta(days=n)
        index = self._index(day)
        if n == 0:
            return day
        if n > 0:
            position = days.counts[index] + n - 1
        else:
            position = days.counts[index] - days.working[index] + n
        if not 0 <= position < len(days.worked):
            raise CalendarNotCovered(
                f"the working-day calendar covers {days.span()}; {n} working days from "
                f"{day.isoformat()} fall outside it")
        return days.worked[position]

    def working_day_on_or_after(self, day):
        """`day` if people work on it, else the first working day after it."""
        days = self._days
        if days is None:
            return day
        index = self._index(day)
        if days.working[index]:
            return day
        if days.counts[index] >= len(days.worked):
            raise CalendarNotCovered(
                f"the working-day calendar covers {days.span()}; the first working day "
                f"after {day.isoformat()} falls outside it")
        return days.worked[days.counts[index]]

    def working_days_between(self, a, b):
        """How many working days there are after `a` up to and including `b`;
        negative (the same count) when `b` is before `a`."""
        days = self._days
        if days is None:
            return (b - a).days
        return days.counts[self._index(b)] - days.counts[self._index(a)]

    def nth_working_day_of_month(self, year, month, n):
        """The n-th (from 1) working day of a month; ValueError when the month has
        fewer."""
        key = (year, month, n)
        found = self._nth.get(key)
        if found is None:
            found = self._nth[key] = self._find_nth(year, month, n)
        return found

    def _find_nth(self, year, month, n):
        if n < 1:
            raise ValueError(f"the working day of a month is counted from 1, not {n}")
        first = dt.date(year, month, 1)
        days = self._days
        if days is None:
            return first.replace(day=n)  # ValueError past the month's end
        index = self._index(first)
        position = days.counts[index] - days.working[index] + n - 1
        day = days.worked[position] if position < len(days.worked) else None
        if day is None or (day.year, day.month) != (year, month):
            raise ValueError(f"{year}-{month:02d} has fewer than {n} working days")
        return day

    def _index(self, day):
        days = self._days
        index = day.toordinal() - days.base
        if not 0 <= index < len(days.counts):
            raise CalendarNotCovered(
                f"the working-day calendar covers {days.span()}; {day.isoformat()} is "
                "outside it")
        return index


@functools.cache
def calendar_for(mode):
    """The shared calendar of a mode: its tables and answers are built once."""
    return WorkingCalendar(mode)
