"""The platform's working-day calendar, as plain data and pure counting.

Each year the State Council publishes the public holidays and the weekend days
worked in exchange (调休上班). A year is *entered* when those are known: from the
holiday package for the years it covers, or from the supervision office, whose
entry wins. The warnings service keeps the office's entries and sends them to the
other services by event (calendar_changed); every service builds the same
calendar from the package and its copy of the office's years.

A year not entered never stops anything: Monday to Friday count as working days,
and the year is *provisional*, so whatever relied on one of its days can say so
(`provisional_note`). Only days no office could mean (before 1900, after 2199)
are refused, with CalendarNotCovered.

The evaluator asks these questions for every target of every task, so the years
are laid out once per calendar as tables indexed by the day's ordinal, and grown
when a day beyond them is asked.
"""
import datetime as dt
import functools
import threading
from dataclasses import dataclass, field

import chinese_calendar

from .clock import wall_now
from .dates import chinese_date
from .errors import CalendarNotCovered

WORKING, CALENDAR = "working", "calendar"
MODES = (WORKING, CALENDAR)
PACKAGE, OFFICE, PROVISIONAL = "package", "office", "provisional"
ONE_DAY = dt.timedelta(days=1)
# The days a calendar can count at all: anything outside is a mistyped date.
FIRST_YEAR, LAST_YEAR = 1900, 2199
# Tables reach this many years past the last entered one before they must grow.
MARGIN_YEARS = 3

# The package names its festivals in English; people read them in Chinese.
FESTIVALS = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class Year:
    """One entered year: {day: festival name} of its holidays, its make-up working
    days, where it came from (package or office), and its version (0 for the
    package's own; the office's count from 1)."""

    year: int
    holidays: dict = field(default_factory=dict)
    workdays: frozenset = frozenset()
    source: str = PACKAGE
    version: int = 0

    def to_dict(self):
        return {"year": self.year, "source": self.source, "version": self.version,
                "holidays": [{"date": day.isoformat(), "name": name}
                             for day, name in sorted(self.holidays.items())],
                "workdays": [day.isoformat() for day in sorted(self.workdays)]}

    @classmethod
    def from_dict(cls, data, source=OFFICE):
        """A year from its stored or sent form ({year, holidays: [{date, name}],
        workdays: [date], version})."""
        return cls(year=int(data["year"]),
                   holidays={dt.date.fromisoformat(str(item["date"])): item["name"]
                             for item in data.get("holidays") or ()},
                   workdays=frozenset(dt.date.fromisoformat(str(day))
                                      for day in data.get("workdays") or ()),
                   source=data.get("source") or source, version=int(data.get("version") or 0))


@functools.cache
def package_years():
    """{year: Year} of every year the holiday package covers."""
    years = {}
    for day, name in chinese_calendar.holidays.items():
        years.setdefault(day.year, Year(day.year, {}, set())).holidays[day] = (
            FESTIVALS.get(name, name))
    for day in chinese_calendar.workdays:
        if day.year in years and day.weekday() >= 5:
            years[day.year].workdays.add(day)
    return {year: Year(year, entry.holidays, frozenset(entry.workdays), PACKAGE, 0)
            for year, entry in years.items()}


def entered_years(office_years=()):
    """{year: Year}: the package's years, overridden by the office's entries."""
    years = dict(package_years())
    years.update({entry.year: entry for entry in office_years})
    return years


def provisional_note(years):
    """What a colour, deadline or notice that relied on days of `years` (not
    entered) says: "（2027年放假安排未录入，暂按周一至周五计）"; "" for none."""
    if not years:
        return ""
    return f"（{'、'.join(str(year) for year in sorted(years))}年放假安排未录入，暂按周一至周五计）"


class _Tables:
    """The days from 1 January of `first` to 31 December of `last`: whether each is
    worked, how many worked days there are up to and including it, and the worked
    days in order."""

    def __init__(self, years, first, last):
        self.first = dt.date(first, 1, 1)
        self.last = dt.date(last, 12, 31)
        self.base = self.first.toordinal()
        self.working, self.counts, self.worked = [], [], []
        count, day = 0, self.first
        while day <= self.last:
            entry = years.get(day.year)
            if entry is None:
                works = day.weekday() < 5
            else:
                works = day in entry.workdays or (
                    day.weekday() < 5 and day not in entry.holidays)
            if works:
                count += 1
                self.worked.append(day)
            self.working.append(works)
            self.counts.append(count)
            day += ONE_DAY


class WorkingCalendar:
    """Counts days the way the rules say: "working" (the entered years, Monday to
    Friday beyond them) or "calendar" (every day counts).

    Immutable once built: a change of the office's years makes a new calendar, so
    answers may be cached against the calendar itself.
    """

    def __init__(self, mode=WORKING, years=None):
        if mode not in MODES:
            raise ValueError(f"a calendar mode is 'working' or 'calendar', not {mode!r}")
        self.mode = mode
        self.years = dict(entered_years() if years is None else years)
        self._nth = {}  # (year, month, n) -> day: the reporting day is asked for often
        entered = sorted(self.years) or [wall_now().year]
        self._tables = _Tables(self.years, max(FIRST_YEAR, min(entered[0], 2000)),
                               min(LAST_YEAR, entered[-1] + MARGIN_YEARS))

    # What is entered -----------------------------------------------------------

    @property
    def last_entered(self):
        """The last day of the last entered year, None in calendar mode or with none."""
        if self.mode != WORKING or not self.years:
            return None
        return dt.date(max(self.years), 12, 31)

    def year(self, year):
        """The Year entered for `year`, or None."""
        return self.years.get(year)

    def provisional_years(self, *days):
        """The years not entered from the earliest to the latest of `days` (None
        ignored), whose working days are only Monday to Friday; none in calendar mode."""
        days = [day for day in days if day is not None]
        if self.mode != WORKING or not days:
            return ()
        return tuple(year for year in range(min(days).year, max(days).year + 1)
                     if year not in self.years)

    def note(self, *days):
        """provisional_note of the years from the earliest to the latest of `days`."""
        return provisional_note(self.provisional_years(*days))

    def coverage(self, today):
        """{"mode", "covers_until", "days_left", "provisional_from"} as of `today`:
        how long the entered years still judge days before Monday to Friday stands
        in (None in calendar mode). The State Council publishes a year's holidays
        late in the year before; the office enters it then."""
        last = self.last_entered
        if last is None:
            return {"mode": self.mode, "covers_until": None, "days_left": None,
                    "provisional_from": None}
        return {"mode": self.mode, "covers_until": last.isoformat(),
                "days_left": (last - today).days,
                "provisional_from": (last + ONE_DAY).isoformat()}

    # Counting ---------------------------------------------------------------

    def covers(self, day):
        """Whether the calendar can judge `day` at all."""
        return self.mode == CALENDAR or FIRST_YEAR <= day.year <= LAST_YEAR

    def require(self, day):
        """Raise CalendarNotCovered unless the calendar can judge `day`."""
        if not self.covers(day):
            raise CalendarNotCovered(
                f"日期{chinese_date(day)}不在{FIRST_YEAR}年至{LAST_YEAR}年之间，无法计算工作日")

    def is_working_day(self, day):
        """Whether people work on `day`."""
        if self.mode == CALENDAR:
            return True
        tables, index = self._at(day)
        return tables.working[index]

    def holiday_name(self, day):
        """The festival `day` is a holiday of, or None."""
        entry = self.years.get(day.year)
        return entry.holidays.get(day) if entry else None

    def add_working_days(self, day, n):
        """The n-th working day after `day` (before it when n < 0); `day` itself
        when n is 0. Counting from a holiday, the first working day after it is the
        first one."""
        if self.mode == CALENDAR:
            return day + dt.timedelta(days=n)
        if n == 0:
            self.require(day)
            return day
        while True:
            tables, index = self._at(day)
            if n > 0:
                position = tables.counts[index] + n - 1
            else:
                position = tables.counts[index] - tables.working[index] + n
            if 0 <= position < len(tables.worked):
                return tables.worked[position]
            # Past the tables' edge: grow them by as many years as n could span.
            span = abs(n) // 200 + 1
            self._grow(tables.first.year - span if position < 0 else tables.first.year,
                       tables.last.year + span if position >= 0 else tables.last.year)

    def working_day_on_or_after(self, day):
        """`day` if people work on it, else the first working day after it."""
        if self.mode == CALENDAR or self.is_working_day(day):
            return day
        return self.add_working_days(day, 1)

    def working_days_between(self, a, b):
        """How many working days there are after `a` up to and including `b`;
        negative (the same count) when `b` is before `a`."""
        if self.mode == CALENDAR:
            return (b - a).days
        # Asked some 150,000 times by a forecast of the city: the tables at hand
        # answer most of them without the checks of _at.
        tables = self._tables
        index_a, index_b = a.toordinal() - tables.base, b.toordinal() - tables.base
        counts = tables.counts
        if not (0 <= index_a < len(counts) and 0 <= index_b < len(counts)):
            self._at(min(a, b))
            tables, _ = self._at(max(a, b))
            counts = tables.counts
            index_a, index_b = a.toordinal() - tables.base, b.toordinal() - tables.base
        return counts[index_b] - counts[index_a]

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
        if self.mode == CALENDAR:
            return first.replace(day=n)  # ValueError past the month's end
        day = self.add_working_days(first, n - 1) if self.is_working_day(first) else (
            self.add_working_days(first, n))
        if (day.year, day.month) != (year, month):
            raise ValueError(f"{year}-{month:02d} has fewer than {n} working days")
        return day

    def _at(self, day):
        """(tables, index of `day`), the tables grown to hold it. The tables never
        hold a day the calendar does not cover (_grow), so a day within them is
        covered."""
        tables = self._tables
        index = day.toordinal() - tables.base
        if not 0 <= index < len(tables.counts):
            self.require(day)
            self._grow(min(day.year, tables.first.year), max(day.year, tables.last.year))
            tables = self._tables
            index = day.toordinal() - tables.base
        return tables, index

    def _grow(self, first, last):
        first, last = max(FIRST_YEAR, first), min(LAST_YEAR, last)
        tables = self._tables
        if first >= tables.first.year and last <= tables.last.year:
            raise CalendarNotCovered(
                f"工作日计算超出{FIRST_YEAR}年至{LAST_YEAR}年的范围")
        # Replaced whole, never changed in place: a green thread reading the old
        # tables meanwhile still reads consistent ones.
        self._tables = _Tables(self.years, min(first, tables.first.year),
                               max(last, tables.last.year))


class Calendars:
    """The calendar of each version of a service's copy of the office's entries,
    built once: `get(mode, version, office_years)` answers it, `office_years` (a
    callable answering the entered `Year`s) is called only to build a new one.
    Only the latest version is kept: a calendar holds decades of tables."""

    def __init__(self):
        self._built = {}
        self._lock = threading.Lock()

    def get(self, mode, version, office_years):
        if mode == CALENDAR:
            return package_calendar(CALENDAR)
        found = self._built.get(version)
        if found is None:
            with self._lock:
                found = self._built.get(version)
                if found is None:
                    found = WorkingCalendar(WORKING, entered_years(office_years()))
                    self._built = {version: found}
        return found

    def forget(self):
        """Drop what was built: after a change that was rolled back, a version
        number may be given again to other entries."""
        self._built = {}


@functools.cache
def package_calendar(mode=WORKING):
    """The calendar of the package's years alone, built once per process."""
    return WorkingCalendar(mode)
