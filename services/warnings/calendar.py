"""The calendar the warnings service counts by: the package's years with the
office's entries over them (services.common.workdays), or plain calendar days.

A calendar is built once per version of the office's entries and shared by every
evaluation in the process; each evaluation asks the database which version is in
force (one small query), so a replica sees the office's change at its next
evaluation without a restart.
"""
from prometheus_client import Gauge

from services.common.workdays import Calendars

from . import repository as repo

DAYS_LEFT = Gauge(
    "luoshi_calendar_days_left",
    "Days until the last year whose holidays are entered ends; from then on working "
    "days count Monday to Friday, marked provisional.")

_calendars = Calendars()


def calendar_in_force(session, mode):
    """The WorkingCalendar of `mode` as of the office's entries in the database."""
    return _calendars.get(mode, repo.calendar_revision(session),
                          lambda: repo.office_years(session))


def forget_calendars():
    """Drop the calendars built so far (after a change that was rolled back)."""
    _calendars.forget()
