"""A service's own copy of the working-day calendar the office keeps.

The warnings service owns the office's entries and sends each new version of a
year as its calendar_changed event; a service that counts working days keeps the
years in a table of its own (`calendar_copy_table`) and counts by them, over the
holiday package's years, through `CalendarCopy`. No service reads another's
tables.
"""
from sqlalchemy import JSON, Column, Integer, Table, select, update

from .bulk import insert_ignoring_conflicts
from .workdays import OFFICE, WORKING, Calendars, Year


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
