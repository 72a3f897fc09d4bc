"""What every service answers for operators, whatever its domain: its health,
what it has emitted and applied, the messages parked after failing every retry,
and its metrics."""
from nameko.dependency_providers import Config
from sqlalchemy import func, select

from .broker import list_parked, replay_parked
from .clock import utc_iso
from .consuming import EventsInHand, rpc
from .metrics import Metrics
from .tables import applied_events, outbox


class Operations:
    """Mixed into every service class, which provides `name` and `db`."""

    config = Config()
    # Counts and times every entrypoint of the service; serves LUOSHI_METRICS_PORT.
    metrics = Metrics()
    events_in_hand = EventsInHand()

    @rpc
    def health(self):
        """{"service", "status": "ok"} once the service's database answers. Cheap:
        probes call it every few seconds."""
        with self.db.session(readonly=True) as session:
            session.execute(select(1))
        return {"service": self.name, "status": "ok"}

    @rpc
    def activity(self):
        """What the service has emitted and applied: {"outbox": {"pending",
        "last_id"}, "last_applied_at", "in_hand"}. Events pending for long mean
        the relay cannot reach the broker; `last_id` moves whenever the service
        emits; `last_applied_at` (UTC) is when it last began to apply an event;
        `in_hand` is how many events it is handling now."""
        with self.db.session(readonly=True) as session:
            last_id, = session.execute(select(func.max(outbox.c.id))).one()
            pending = session.execute(select(func.count()).select_from(outbox)
                                      .where(outbox.c.sent_at.is_(None))).scalar()
            applied = session.execute(select(func.max(applied_events.c.applied_at))).scalar()
        return {"outbox": {"pending": pending, "last_id": last_id or 0},
                "last_applied_at": utc_iso(applied), "in_hand": self.events_in_hand}

    @rpc
    def list_parked(self, limit=100):
        """The service's parked messages (left in place): event_id, queue,
        attempts, error and body of each."""
        return list_parked(self.name, self.config["AMQP_URI"], int(limit))

    @rpc
    def replay_parked(self, event_ids=None):
        """Send parked messages back to their queues (those listed, or all);
        answers {"replayed": n}."""
        ids = set(event_ids) if event_ids else None
        return {"replayed": replay_parked(self.name, self.config["AMQP_URI"], ids)}
