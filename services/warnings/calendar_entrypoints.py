"""The warnings service's entrypoints for the working-day calendar the office keeps:
the years in force, the office's years for the other services' copies, one year
with its history, a State Council notice read and previewed, a year entered
(everything that depended on it judged again), and the tasks no calendar could
judge. Mixed into the Service of service.py; the calendar itself is
services/common/workdays.py, the notice's reading holiday_notice.py."""
import datetime as dt

from services.common.clock import utc_iso, utcnow
from services.common.consuming import rpc
from services.common.events import new_event
from services.common.scope import require_role
from services.common.text import refuse_unstorable
from services.common.workdays import OFFICE, PROVISIONAL, WORKING, package_years

from . import events, logic, notices
from . import repository as repo
from .calendar import calendar_in_force, forget_calendars
from .exceptions import EXPECTED, InvalidInput
from .holiday_notice import parse_notice, year_from_input


class CalendarEntrypoints:
    @rpc(expected_exceptions=EXPECTED)
    def get_today(self):
        """{"today", "now", "timezone"}: the city's day and moment on the platform's
        clock (a rehearsal's held moment, or the real time), with the zone the
        city keeps. A browser's own clock and zone may be neither, so the portal
        takes its days and times from here."""
        now = self.clock.now()
        return {"today": now.date().isoformat(), "now": now.isoformat(timespec="seconds"),
                "timezone": self.clock.zone.key}

    @rpc(expected_exceptions=EXPECTED)
    def list_calendar_years(self):
        """{"years": [{year, source, version, holidays, workdays, changed_at}],
        "coverage": {mode, covers_until, days_left, provisional_from, warn},
        "unjudged": tasks the last evaluation could not judge}: every year from the
        package's first to the year after the last entered, holidays and workdays
        counted."""
        with self.db.session(readonly=True) as session:
            calendar = calendar_in_force(session, WORKING)
            changed_at = repo.office_changed_at(session)
            coverage = self._coverage(session)
            unjudged = len(repo.unjudged_tasks(session))
        years = []
        for year in range(min(package_years()), max(calendar.years) + 2):
            entry = calendar.year(year)
            years.append({
                "year": year,
                "source": PROVISIONAL if entry is None else entry.source,
                "version": entry.version if entry else None,
                "holidays": len(entry.holidays) if entry else 0,
                "workdays": len(entry.workdays) if entry else 0,
                "changed_at": changed_at.get(year)})
        return {"years": years, "coverage": coverage, "unjudged": unjudged}

    @rpc
    def list_office_years(self):
        """{"years": [{year, version, holidays: [{date, name}], workdays: [date]}]}:
        every year the office entered, in its version in force, as
        calendar_changed sent it. The services keeping a copy of the calendar
        catch up from it (services/common/calendar_copy.py)."""
        with self.db.session(readonly=True) as session:
            years = repo.office_years(session)
        answer = []
        for entry in sorted(years, key=lambda entry: entry.year):
            data = entry.to_dict()
            answer.append({"year": data["year"], "version": data["version"],
                           "holidays": data["holidays"], "workdays": data["workdays"]})
        return {"years": answer}

    @rpc(expected_exceptions=EXPECTED)
    def get_calendar(self, year):
        """{year, source: package|office|provisional, holidays: [{date, name}],
        workdays: [date], version, note, changed_by, changed_at, provisional_note}
        of one year; a year not entered has no holidays and counts Monday to
        Friday."""
        year = _year(year)
        with self.db.session(readonly=True) as session:
            return self._calendar_answer(session, year)

    @rpc(expected_exceptions=EXPECTED)
    def get_calendar_history(self, year):
        """{"year", "items": [{version, holidays, workdays, note, changed_by,
        changed_at, effect}]}: every version the office entered, newest first."""
        year = _year(year)
        with self.db.session(readonly=True) as session:
            return {"year": year, "items": repo.calendar_history(session, year)}

    @rpc(expected_exceptions=EXPECTED)
    def parse_calendar_notice(self, year, text):
        """What the State Council's notice `text` says of `year`, day by day
        (holiday_notice.parse_notice), with what would change against the calendar
        in force: {..., "changes": {"to_holiday": [date], "to_workday": [date]}}.
        Saves nothing. InvalidInput naming the line it could not read."""
        refuse_unstorable(text=text)
        year = _year(year)
        answer = parse_notice(year, text)
        return {**answer, **self.preview_calendar(year, answer["holidays"], answer["workdays"])}

    @rpc(expected_exceptions=EXPECTED)
    def preview_calendar(self, year, holidays, workdays):
        """What entering `holidays` ([{date, name}]) and `workdays` ([date]) for
        `year` would change: {year, holidays, workdays, "changes": {"to_holiday":
        [date], "to_workday": [date]}}. Saves nothing; InvalidInput as
        update_calendar."""
        refuse_unstorable(holidays=holidays, workdays=workdays)
        year = _year(year)
        proposed = year_from_input(year, holidays, workdays)
        with self.db.session(readonly=True) as session:
            calendar = calendar_in_force(session, WORKING)
        data = proposed.to_dict()
        return {"year": year, "holidays": data["holidays"], "workdays": data["workdays"],
                "changes": logic.changed_days(calendar, proposed)}

    @rpc(expected_exceptions=EXPECTED)
    def update_calendar(self, year, holidays, workdays, note, caller):
        """Enter a year of the working-day calendar (admin only): its holidays
        ([{date, name}]) and make-up working days ([date]), with a note saying
        where they come from. Everything that depended on the year is judged again
        as of today; open notices whose deadlines move keep both dates. Answers
        what get_calendar answers, with "effect": {days, colours_changed,
        deadlines_moved}. Emits calendar_changed, and what an evaluation emits."""
        require_role(caller, "admin")
        refuse_unstorable(holidays=holidays, workdays=workdays, note=note)
        year = _year(year)
        entry = year_from_input(year, holidays, workdays)
        note = logic.given_text(note, "note")
        user = (caller or {}).get("user") or "admin"
        try:
            with self.db.session() as session:
                before = calendar_in_force(session, WORKING)
                version = repo.store_calendar_year(session, entry, note, user, utcnow())
                after = calendar_in_force(session, WORKING)
                rules = repo.RULES.current(session)
                moved = []
                if rules.calendar_mode == WORKING:
                    moved = self._move_notice_deadlines(session, rules, after, year, version)
                # What was found to hold for a percentage was found with the old days.
                repo.forget_holds(session)
                figures = self._evaluate(session, self.clock.today(), None,
                                         forecast_now=False)
                effect = {"days": logic.changed_days(before, entry),
                          "colours_changed": figures["changed"] if figures else 0,
                          "deadlines_moved": len(moved), "as_of": self.clock.today().isoformat()}
                repo.record_calendar_effect(session, year, version, effect)
                data = entry.to_dict()
                self.db.emit(session, events.CALENDAR_CHANGED, events.CalendarChanged().dump(
                    new_event(year=year, version=version, holidays=data["holidays"],
                              workdays=data["workdays"], note=note, changed_by=user,
                              changed_at=self.clock.now().astimezone(dt.UTC).isoformat())))
                return {**self._calendar_answer(session, year), "effect": effect}
        except BaseException:
            forget_calendars()  # the revision it was built for was rolled back
            raise

    @rpc
    def list_unjudged_tasks(self):
        """{"items": [{task, unit, start_date, due_date, problem}]}: the tasks the
        last evaluation skipped because no calendar counts from their dates, for
        the office to correct."""
        with self.db.session(readonly=True) as session:
            return {"items": repo.unjudged_tasks(session)}

    def _calendar_answer(self, session, year):
        calendar = calendar_in_force(session, WORKING)
        entry = calendar.year(year)
        row = repo.office_year(session, year) if entry and entry.source == OFFICE else None
        data = entry.to_dict() if entry else {"holidays": [], "workdays": [], "version": None}
        return {"year": year, "source": entry.source if entry else PROVISIONAL,
                "holidays": data["holidays"], "workdays": data["workdays"],
                "version": data["version"],
                "note": row.note if row else None,
                "changed_by": row.changed_by if row else None,
                "changed_at": utc_iso(row.changed_at) if row else None,
                "provisional_note": calendar.note(dt.date(year, 1, 1)) or None}

    def _move_notice_deadlines(self, session, rules, calendar, year, version):
        """Count the deadlines of the pending notices again by `calendar`; store
        and answer the moves."""
        changed = notices.moved_deadlines(repo.pending_notices(session), rules, calendar)
        return repo.move_notice_deadlines(session, changed, year, version, utcnow())


def _year(value):
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 2000 <= value <= 2100:
        raise InvalidInput({"year": "年份应在2000年至2100年之间"})
    return value
