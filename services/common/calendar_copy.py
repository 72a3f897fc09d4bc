"""A service's own copy of the working-day calendar the office keeps.

The warnings service owns the office's entries and sends each new version of a
year as its calendar_changed event; a service that counts working days keeps the
years in a table of its own (`calendar_copy_table`) and counts by them, over the
holiday package's years, through `CalendarCopy`. No service reads another's
tables.

Events reach only the queues that existed when they were sent: a copy started
after the office entered a year, or restored from an older backup, would count
that year Monday to Friday without a word. So each service also asks the
warnings service for every year it keeps (`catch_up`), when it starts and every
CATCH_UP_SECONDS after.

The three copies take the event and ask the same way: `CalendarCopyEntrypoints`,
mixed into each service class, holds the handler and the timer once.
"""
import logging

import eventlet
from marshmallow import fields
from sqlalchemy import JSON, Column, Integer, Table, select, update

from .bulk import insert_ignoring_conflicts
from .consuming import RpcProxy, applied_once, event_handler
from .events import ConsumedEventSchema
from .timers import timer
from .workdays import OFFICE, WORKING, Calendars, Year

log = logging.getLogger(__name__)
# How often a copy asks (LUOSHI_CALENDAR_CATCH_UP_SECONDS): the events bring
# every change at once, so this only closes the gaps they cannot reach.
CATCH_UP_SECONDS = 3600


def calendar_copy_table(metadata):
    return Table(
        "calendar_years", metadata,
        Column("year", Integer, primary_key=True, autoincrement=False),
        Column("version", Integer, nullable=False),
        Column("holidays", JSON, nullable=False),  # [{"date", "name"}]
        Column("workdays", JSON, nullable=False),  # [date]
    )


class CalendarCopy:
    """The years the office entered, as calendar_changed events brought them to
    this service, stored in `table`."""

    def __init__(self, table):
        self.table = table
        self._calendars = Calendars()

    def save(self, session, year, version, holidays, workdays):
        """Keep a year as an event sent it, unless a newer version is kept
        already: the events of two changes may arrive in either order."""
        values = {"version": version, "holidays": holidays, "workdays": workdays}
        if insert_ignoring_conflicts(session, self.table, [{"year": year, **values}]):
            return
        session.execute(update(self.table).where(self.table.c.year == year)
                        .where(self.table.c.version < version).values(**values))

    def calendar(self, session, mode=WORKING):
        """The WorkingCalendar of `mode` by this copy, built again only when the
        copy changed."""
        c = self.table.c
        versions = tuple(session.execute(select(c.year, c.version).order_by(c.year))
                         .tuples().all())
        return self._calendars.get(mode, versions, lambda: [
            Year.from_dict({"year": row.year, "version": row.version,
                            "holidays": row.holidays, "workdays": row.workdays}, OFFICE)
            for row in session.execute(select(self.table)).all()])


def catch_up(copy, db, warnings, timeout):
    """Keep every year the warnings service answers (`list_office_years`, through
    the RpcProxy `warnings`) that `copy`, in the database `db`, holds in an older
    version or not at all; answers the years asked, or None when the warnings
    service did not answer within `timeout` seconds (logged: the copy is kept as
    it is until the next time)."""
    try:
        with eventlet.Timeout(timeout):
            years = warnings.list_office_years()["years"]
    except (eventlet.Timeout, Exception) as exc:  # down, busy or older: ask again later
        log.warning("the office's calendar could not be asked of the warnings service "
                    "(%r); this copy stays as it is until the next try", exc)
        return None
    with db.session() as session:
        for year in years:
            copy.save(session, year["year"], year["version"], year["holidays"],
                      year["workdays"])
    return years


class CalendarChangedIn(ConsumedEventSchema):
    """The warnings service's calendar_changed, as far as a copy of the office's
    calendar needs it; anything else it carries is ignored. Every service that
    keeps a copy reads it with this one schema (its CONSUMES names it)."""

    year = fields.Integer(required=True)
    version = fields.Integer(required=True)
    holidays = fields.List(fields.Dict(), required=True)
    workdays = fields.List(fields.String(), required=True)


class CalendarCopyEntrypoints:
    """Mixed into the class of a service that keeps a copy of the office's
    calendar. The service provides `db` (its Database), `settings` (a Settings of
    ServiceSettings: `calendar_ask_seconds`) and `calendar_copy`, the CalendarCopy
    of its own table.

    The handler's and the timer's names are part of the contract: the handler's
    queue (evt-warnings-calendar_changed--<service>.on_calendar_changed) and the
    events it has applied are named after it."""

    calendar_copy = None
    warnings = RpcProxy("warnings")

    @event_handler("warnings", "calendar_changed")
    @applied_once(CalendarChangedIn)
    def on_calendar_changed(self, session, event):
        """Keep the office's new version of a year of the working-day calendar:
        the service counts working days by it from now on."""
        self.calendar_copy.save(session, event["year"], event["version"],
                                event["holidays"], event["workdays"])

    @timer(interval=CATCH_UP_SECONDS, eager=True, config_key="LUOSHI_CALENDAR_CATCH_UP_SECONDS")
    def catch_up_calendar(self):
        """Keep the office's years that calendar_changed never brought this copy
        (entered before its queue existed, or lost with a restored database), as
        the warnings service answers them; at start and every hour. A warnings
        service that does not answer is tried again next time."""
        catch_up(self.calendar_copy, self.db, self.warnings,
                 self.settings.calendar_ask_seconds)
