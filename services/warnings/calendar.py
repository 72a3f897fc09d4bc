"""The calendar the warnings service counts by: the package's years with the
office's entries over them (services.common.workdays), or plain calendar days.

A calendar is built once per version of the office's entries and shared by every
evaluation in the process; each evaluation asks the database which version is in
force (one small query), so a replica sees the office's change at its next
evaluation without a restart.
"""
import threading

from prometheus_client import Gauge

from services.common.workdays import (
    CALENDAR,
    WORKING,
    WorkingCalendar,
    entered_years,
    package_calendar,
)

from . import repository as repo

DAYS_LEFT = Gauge(
    "luoshi_calendar_days_left",
    "Days until the last year whose holidays are entered ends; from then on working "
    "days count Monday to Friday, marked provisional.")

_built = {}
_lock = threading.Lock()


def calendar_in_force(session, mode):
    """The WorkingCalendar of `mode` as of the office's entries in the database."""
    if mode == CALENDAR:
        return package_calendar(CALENDAR)
    revision = repo.calendar_revision(session)
    found = _built.get(revision)
    if found is None:
        with _lock:
            found = _built.get(revision)
            if found is None:
                found = WorkingCalendar(WORKING, entered_years(repo.office_years(session)))
                # One version in force at a time: older ones go with their tables.
                _built.clear()
                _built[revision] = found
    return found


def forget_calendars():
    """Drop the calendars built so far: after a change that was rolled back, a
    revision number may be given again to other data."""
    with _lock:
        _built.clear()
