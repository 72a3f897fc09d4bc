"""Watching what a service publishes, from a test."""
import time
import uuid

from kombu import Connection, Queue

from services.common.outbox import events_exchange


class EventTap:
    """A private queue bound to a service's events exchange: every event the
    service publishes from now on is kept until read."""

    def __init__(self, amqp_uri, service_name, routing_key="#"):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"tap-{uuid.uuid4().hex[:8]}", exchange=events_exchange(service_name),
                           routing_key=routing_key, auto_delete=True, durable=False)
        self.bound = self.queue(self.connection.default_channel)
        self.bound.declare()

    def take(self, count, timeout=15):
        """The next `count` events as (routing_key, payload); fails at the deadline."""
        found, deadline = [], time.monotonic() + timeout
        while len(found) < count:
            message = self.bound.get(no_ack=True)
            if message is None:
                if time.monotonic() > deadline:
                    raise AssertionError(f"expected {count} events, got {len(found)}: {found}")
                time.sleep(0.05)  # polling an empty queue until the deadline
                continue
            found.append((message.delivery_info["routing_key"], message.decode()))
        return found

    def until(self, predicate, timeout=15):
        """Read events until one satisfies `predicate(routing_key, payload)`; answers it."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            for event in self.take(1, timeout=max(deadline - time.monotonic(), 0.1)):
                if predicate(*event):
                    return event
                seen.append(event)
        raise AssertionError(f"no matching event among {seen}")

    def close(self):
        self.connection.release()
