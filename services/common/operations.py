"""What every service answers for operators, whatever its domain: its health,
and the messages parked after failing every retry."""
from nameko.dependency_providers import Config
from sqlalchemy import text

from .broker import list_parked, replay_parked
from .consuming import rpc


class Operations:
    """Mixed into every service class, which provides `name` and `db`."""

    config = Config()

    @rpc
    def health(self):
        """{"service", "status": "ok"} once the service's database answers."""
        with self.db.session(readonly=True) as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}

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
