"""The dates a platform-level test depends on, set by the test itself.

A platform the tests start (end to end, browser, replicas, faults, the simulated
year) runs on a clock the test holds: LUOSHI_CLOCK_FILE names a file with the
moment every service takes for now (services/common/clock.py). The test builds
its tasks around that day and evaluates as of it, so it passes on any real date.

The days chosen: one inside a year the holiday package covers, and one in a year
it does not (2027: provisional, counted Monday to Friday until the office enters
it), so that the platform is tried on both."""
import datetime as dt
import os

ZONE = dt.timezone(dt.timedelta(hours=8))
# A Monday in a year the holiday package covers.
IN_PACKAGE_YEAR = dt.date(2026, 11, 16)
# A Monday in a year nothing has entered yet: the calendar is provisional.
PROVISIONAL_YEAR = dt.date(2027, 3, 15)


class PlatformClock:
    """The platform's time: a moment in a file, replaced whole at each move."""

    def __init__(self, path, day=None, hour=9):
        self.path = path
        self.day = None
        if day is not None:
            self.set(day, hour)

    def set(self, day, hour=9):
        moment = dt.datetime.combine(day, dt.time(hour), ZONE)
        self.moment = moment
        spare = self.path.with_suffix(".next")
        spare.write_text(moment.isoformat())
        os.replace(spare, self.path)  # never half written for a reader
        self.day = day

    @property
    def environment(self):
        return {"LUOSHI_CLOCK_FILE": str(self.path)}


def judge_new_tasks_at_once(http, headers=None):
    """Switch off the first-report grace of a running platform's warnings rules,
    so that a task created behind its plan is red from the start instead of
    waiting for its first report (待首报)."""
    answer = http.put("/api/v1/rules", headers=headers or {}, json={
        "rules": {"first_report_grace": False},
        "note": "tests: new tasks judged at once"})
    assert answer.status_code == 200, answer.text


def judge_by_plain_rules(http, headers=None):
    """Switch the warnings rules of a running platform to calendar days, with new
    tasks judged at once (the faults tier counts its colours so)."""
    answer = http.put("/api/v1/rules", headers=headers or {}, json={
        "rules": {"calendar_mode": "calendar", "first_report_grace": False},
        "note": "tests: calendar days and no first-report grace"})
    assert answer.status_code == 200, answer.text
