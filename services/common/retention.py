"""What a service keeps only for a while, forgotten by age.

Beside its own tables every service keeps the events it emitted (the outbox),
the events it applied (applied_events) and the runs its timers claimed
(timer_runs), and the tasks service keeps each batch's answer under its
Idempotency-Key. Each is kept for a repeat: an event published again after a
relay crashed between publishing and marking, a message delivered again after
its acknowledgement was lost, a request the gateway sends again, a timer of
another replica asking whether this period's run is done. Such repeats come
within minutes (a timer's, within its period), and a parked message was never
applied. Kept for ever, the tables would only grow, by every event every
consumer takes, every batch a county posts and every sweep of every timer, for
as long as the office runs. So once an hour each
service forgets what is past its age, FORGET_CHUNK rows a transaction, so that a
first pass over years of rows holds no lock for long. Replicas may look at the
same time: each row is deleted once, by whichever gets it.
"""
import datetime as dt
import logging
import threading
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .clock import utcnow
from .tables import applied_events, outbox, timer_runs

log = logging.getLogger(__name__)

INTERVAL = 3600.0  # seconds between looks
# The first look comes soon after the start: a replica replaced more often than
# hourly (scaled in and out) looks all the same.
FIRST_LOOK = 60.0
FORGET_CHUNK = 10_000


class Kept(NamedTuple):
    """Rows of a table kept for `age` after the moment in `moment` (a column);
    `key` is a column of the primary key, by which a chunk is chosen."""
    moment: object
    key: object
    age: dt.timedelta


# An event sent is kept a week, for an operator to see what left and when; the
# record of one applied, 90 days: far beyond any repeat.
SENT = Kept(outbox.c.sent_at, outbox.c.id, dt.timedelta(days=7))
APPLIED = Kept(applied_events.c.applied_at, applied_events.c.event_id, dt.timedelta(days=90))
# A timer's run is asked after (leases.py) only while its period is the one due:
# the day of a daily evaluation or of a reminders sweep, the two weeks in which a
# week's bulletin may come out, and, for a ranking by the year, the whole next
# year, in which the year ended is drafted. A run is claimed at or after its
# period begins, so 400 days outlast the longest of them by over a month. Chunks
# go by period, nearly unique where the job (the key's first column) is not.
TIMER_RUNS = Kept(timer_runs.c.started_at, timer_runs.c.period, dt.timedelta(days=400))


def forget(engine, kept, before):
    """Delete the rows of `kept` whose moment is before `before`, FORGET_CHUNK
    rows (by key) a transaction. Answers how many. A row without a moment (an
    event not yet sent) is kept."""
    old = kept.moment < before
    forgotten = 0
    while True:
        with Session(engine) as session, session.begin():
            chunk = select(kept.key).where(old).limit(FORGET_CHUNK).scalar_subquery()
            count = session.execute(kept.key.table.delete().where(
                old, kept.key.in_(chunk))).rowcount
        forgotten += count
        if count == 0:
            return forgotten


class Retention:
    """Forgets, every `interval` seconds until stopped, the service's rows past
    their age: the outbox's, applied_events' and timer_runs', and `kept` ([Kept])
    of its own."""

    def __init__(self, engine, kept=(), interval=INTERVAL):
        self.engine = engine
        self.kept = (SENT, APPLIED, TIMER_RUNS, *kept)
        self.interval = interval
        self._stopped = threading.Event()

    def forget(self, now=None):
        """One look: {table: rows forgotten}."""
        now = now or utcnow()
        return {kept.key.table.name: forget(self.engine, kept, now - kept.age)
                for kept in self.kept}

    def run(self):
        """Look soon after the start, then once an interval, until stopped."""
        wait = min(FIRST_LOOK, self.interval)
        while not self._stopped.wait(wait):
            try:
                self.forget()
            except SQLAlchemyError as exc:  # the database away a moment: the next look retries
                log.warning("old rows not forgotten: %s", exc)
            wait = self.interval

    def stop(self):
        self._stopped.set()
