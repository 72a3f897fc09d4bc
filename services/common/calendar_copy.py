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
"""
import logging

import eventlet
from sqlalchemy import JSON, Column, Integer, Table, select, update

from .bulk import insert_ignoring_conflicts
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
