"""What a service keeps only for a while, forgotten by age.

Beside its own tables every service keeps the events it emitted (the outbox) and
the events it applied (applied_events), and the tasks service keeps each batch's
answer under its Idempotency-Key. Each is kept for a repeat: an event published
again after a relay crashed between publishing and marking, a message delivered
again after its acknowledgement was lost, a request the gateway sends again.
Such repeats come within minutes, and a parked message was never applied. Kept
for ever, the tables would only grow, by every event every consumer takes and
every batch a county posts, for as long as the office runs. So once an hour each
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
from .tables import applied_events, outbox

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
    their age: the outbox's and applied_events', and `kept` ([Kept]) of its own."""

    def __init__(self, engine, kept=(), interval=INTERVAL):
        self.engine = engine
        self.kept = (SENT, APPLIED, *kept)
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
