"""The outbox relay: publishes the events that committed transactions queued.

A change and its events are written in one transaction (`Store.emit`), so an event
exists exactly when its change does. The relay publishes them in id order with
publisher confirms and marks them sent only after the broker confirmed, so a crash
in between publishes an event again, never loses it; consumers are idempotent on
`event_id`. Every replica runs a relay, but only the holder of the `outbox-relay`
lease publishes, which keeps the order of events as they were committed.
"""
import logging
import threading
import uuid

from kombu import Connection, Exchange, Producer
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from .clock import utcnow
from .leases import hold_lease
from .metrics import PUBLISHED
from .tables import outbox

log = logging.getLogger(__name__)

LEASE_SECONDS = 15
BATCH = 500
IDLE_WAIT = 1.0


def events_exchange(service_name):
    # The exchange nameko's @event_handler binds to, so consumers stay plain nameko.
    return Exchange(f"{service_name}.events", type="topic", durable=True, auto_delete=False)


class OutboxRelay:
    def __init__(self, engine, service_name, config):
        self.engine = engine
        self.reader = engine.execution_options(luoshi_readonly=True)
        self.exchange = events_exchange(service_name)
        self.amqp_uri = config["AMQP_URI"]
        self.heartbeat = config.get("HEARTBEAT")
        self.holder = f"{service_name}-{uuid.uuid4().hex[:12]}"
        self.published = PUBLISHED.labels(service_name)
        self._wake = threading.Event()
        self._stopping = False
        self._flush_on_stop = True
        self._stopped = threading.Event()

    def wake(self):
        """Called after a commit that queued events: publish now, not at the next poll."""
        self._wake.set()

    def stop(self, flush=True):
        """Finish publishing what is queued (when `flush`), then stop."""
        self._flush_on_stop = flush
        self._stopping = True
        self._wake.set()
        self._stopped.wait(timeout=LEASE_SECONDS)

    def run(self):
        connection = Connection(
            self.amqp_uri, heartbeat=self.heartbeat,
            transport_options={"confirm_publish": True},
        )
        try:
            with connection:
                producer = Producer(connection, serializer="json")
                self.exchange(connection.default_channel).declare()
                self._loop(connection, producer)
        finally:
            self._stopped.set()

    def _loop(self, connection, producer):
        failures = 0
        while True:
            self._wake.clear()
            try:
                published = self.relay_once(connection, producer)
                failures = 0
            except Exception:
                failures += 1
                log.exception("outbox relay failed (attempt %s); retrying", failures)
                published = 0
            if self._stopping and (published == 0 or not self._flush_on_stop):
                return
            if published == 0:
                self._wake.wait(timeout=min(IDLE_WAIT * (1 + failures), 30))

    def relay_once(self, connection, producer):
        """Publish one batch of unsent events; answers how many were published."""
        # Look before taking the lease: an idle relay then never takes a write
        # lock, which on SQLite would compete with every writer each second.
        with Session(self.reader) as session, session.begin():
            if session.execute(select(outbox.c.id).where(outbox.c.sent_at.is_(None))
                               .limit(1)).first() is None:
                return 0
        with Session(self.engine) as session, session.begin():
            if not hold_lease(session, "outbox-relay", self.holder, LEASE_SECONDS):
                return 0
            # The payload as the JSON text it is stored as: published as it is,
            # not read into objects and written out again (a batch's event holds
            # a thousand reports).
            rows = session.execute(
                select(outbox.c.id, outbox.c.event_type,
                       cast(outbox.c.payload, Text).label("payload"))
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(BATCH)
            ).all()
        if not rows:
            return 0
        publish = connection.ensure(producer, producer.publish, max_retries=3)
        for row in rows:
            publish(
                row.payload, content_type="application/json", content_encoding="utf-8",
                exchange=self.exchange, routing_key=row.event_type,
                delivery_mode=2, headers={"luoshi-event-type": row.event_type},
            )
        with Session(self.engine) as session, session.begin():
            session.execute(
                outbox.update().where(outbox.c.id.in_([row.id for row in rows]))
                .values(sent_at=utcnow())
            )
        self.published.inc(len(rows))
        return len(rows)
