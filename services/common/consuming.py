"""Event handlers that never drop a message.

Nameko acknowledges a message whose handler raised, and the event is gone. Here a
failed message is republished to a delay queue of the handler's own queue, whose
TTL dead-letters it back after the delay; after the last delay it is parked in the
service's `<service>.parked` queue with the error, for an operator to inspect and
replay (see parking.py). The original is acknowledged only once its copy is safely
in the broker. Input that can never be handled (a payload its schema rejects) is
parked at once.

Every queue a service reads or parks in is a quorum queue: replicated over the
broker cluster's nodes, so the loss of one node loses neither the queue nor what
it holds. Only nameko's RPC reply queues, private to one caller and gone with it,
stay classic.

Events arrive at least once; `applied_once` is how every handler applies one
exactly once.
"""
import datetime as dt
import functools
import inspect
import logging
import time
import traceback
from contextlib import contextmanager

import eventlet
import nameko.rpc
from amqp.exceptions import AMQPError, RecoverableConnectionError
from kombu import Connection, Queue
from kombu.exceptions import KombuError
from kombu.pools import producers
from marshmallow import ValidationError
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.rpc import RPC_QUEUE_TEMPLATE, RpcConsumer, get_rpc_exchange

from .bulk import insert_ignoring_conflicts
from .callers import trusted
from .clock import utcnow
from .config import DEFAULT_CONSUMER_TURN, DEFAULT_HEARTBEAT, retry_delays
from .loading import loader
from .metrics import CONSUMER_RESTARTED, PARKED, RETRIED, SETTLE_LOST
from .outbox import events_exchange
from .settings import ServiceSettings
from .tables import applied_events

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-luoshi-attempt"
ERROR_HEADER = "x-luoshi-error"
QUEUE_HEADER = "x-luoshi-queue"
PERMANENT_ERRORS = (ValidationError,)


def handler_queue_name(source_service, event_type, service_name, method_name):
    # Nameko's own naming for service-pool handlers: the handler's name is part of
    # the contract, renaming it orphans its queue.
    return f"evt-{source_service}-{event_type}--{service_name}.{method_name}"


# A quorum queue must be durable, and neither exclusive nor auto-deleted.
QUORUM = {"x-queue-type": "quorum"}

# Deliveries of one message that may end without a settlement (its worker's
# process died, its connection was lost, or its failure could not be moved aside
# and it was requeued) before the broker parks it. Failures a handler raises are
# counted by the handler itself (ATTEMPT_HEADER), because each retry waits in a
# delay queue, which a requeue cannot do; this limit catches the message that
# kills whatever consumes it and would otherwise come back forever.
DELIVERY_LIMIT = 20


def dead_letter_to(queue_name):
    """Quorum-queue arguments that send expired or over-delivered messages to
    `queue_name`, at least once: the broker keeps a message until its target
    queue has confirmed it (which needs `reject-publish` overflow)."""
    return {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue_name,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def parked_queue(service_name):
    return Queue(f"{service_name}.parked", durable=True, auto_delete=False,
                 queue_arguments=dict(QUORUM))


def retry_queue(queue_name, delay):
    millis = int(delay * 1000)
    return Queue(
        f"{queue_name}.retry.{millis}ms", durable=True, auto_delete=False,
        queue_arguments={**QUORUM, "x-message-ttl": millis, **dead_letter_to(queue_name)},
    )


def handler_queues(service_name, source_service, event_type, method_name, config):
    """Every queue one handler needs: its own, its delay queues and the parking lot."""
    name = handler_queue_name(source_service, event_type, service_name, method_name)
    parked = parked_queue(service_name)
    main = Queue(
        name, exchange=events_exchange(source_service), routing_key=event_type,
        durable=True, auto_delete=False,
        queue_arguments={**QUORUM, "x-delivery-limit": DELIVERY_LIMIT,
                         **dead_letter_to(parked.name)},
    )
    delays = [retry_queue(name, delay) for delay in retry_delays(config)]
    return main, delays, parked


def rpc_queue(service_name, config):
    """The service's RPC queue as nameko names and binds it, as a quorum queue."""
    return Queue(
        RPC_QUEUE_TEMPLATE.format(service_name), exchange=get_rpc_exchange(config),
        routing_key=f"{service_name}.*", durable=True, auto_delete=False,
        queue_arguments=dict(QUORUM),
    )


# What a connection that died under a worker raises.
CONNECTION_LOST = (OSError, AMQPError, KombuError)


# The consumer is stuck when it has not turned for this many heartbeats while
# connected: the span after which a connection silent both ways counts as dead.
STUCK_AFTER_HEARTBEATS = 2
# How long the consumer waits for a frame before it turns (kombu's default is 1 s):
# LUOSHI_CONSUMER_TURN_SECONDS, 0.2 s unless set (config.py). A provider leaves the
# consumer only at a turn, and stopping a service takes two or three turns: at 1 s
# every stop, every rolling restart and every test paid 2 s of idle waiting. A
# select that times out five times a second costs nothing measurable; the tests,
# which stop a container each, turn faster still.


class RobustQueueConsumer(QueueConsumer):
    """Nameko's consumer, except that

    - an ack or requeue on a connection that died meanwhile (a broker restart) is
      logged instead of killing the service: the broker delivers the message
      again, and handlers are idempotent;
    - such a failed write also brings the consumer back on a new connection with
      its consumers. Py-amqp marks a connection whose write failed as
      disconnected, and kombu's `drain_events` then quietly opens a new one
      without consumers: the consumer went on turning on it, its queues filling,
      when a worker's ack was the first to meet the socket the broker had reset;
    - a watchdog starts the consumer again when it stops turning. Connected, it
      turns after each message and whenever a turn's span passes without a frame
      (kombu's drain times out and checks the heartbeats, which the broker
      sends every half interval: hence heartbeats of at least 5 s);
      reconnecting, it turns at every attempt.
    """

    def __init__(self):
        super().__init__()
        self._turned_at = time.monotonic()
        self._watchdog = None
        self._channel = None

    def start(self):
        super().start()
        if self._watchdog is None:
            self._watchdog = self.container.spawn_managed_thread(
                self._watch, identifier="queue-consumer-watchdog")

    def stop(self):
        self._stop_watchdog()
        super().stop()

    def kill(self):
        self._stop_watchdog()
        super().kill()

    def consume(self, *args, **kwargs):
        kwargs.setdefault("safety_interval",
                          self.container.config.get("CONSUMER_TURN") or DEFAULT_CONSUMER_TURN)
        return super().consume(*args, **kwargs)

    def _stop_watchdog(self):
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog = None

    @contextmanager
    def extra_context(self, connection, channel):
        # The channel the consumers are on, for each turn to check.
        self._channel = channel
        try:
            yield
        finally:
            self._channel = None

    def on_iteration(self):
        self._turned_at = time.monotonic()
        connection = self._channel.connection if self._channel is not None else None
        if self._channel is not None and not (connection and connection.connected):
            if connection is not None:
                connection.collect()  # its socket, which kombu let go of
            # Kombu's loop takes this as a lost connection: it logs it, and
            # connects again and declares the consumers.
            raise RecoverableConnectionError("the connection under the consumers failed")
        super().on_iteration()

    def on_connection_error(self, exc, interval):
        self._turned_at = time.monotonic()
        super().on_connection_error(exc, interval)

    def on_connection_revived(self):
        self._turned_at = time.monotonic()
        super().on_connection_revived()

    def _watch(self):
        heartbeat = self.container.config.get("HEARTBEAT") or DEFAULT_HEARTBEAT
        limit = STUCK_AFTER_HEARTBEATS * heartbeat
        while True:
            eventlet.sleep(limit / 4)
            stuck_for = time.monotonic() - self._turned_at
            if self.should_stop or stuck_for <= limit:
                continue
            stuck = self._gt
            where = "".join(traceback.format_stack(stuck.gr_frame)) if stuck.gr_frame else "?"
            log.error("the queue consumer has not turned for %.0f s; starting it again. "
                      "It was stuck at:\n%s", stuck_for, where)
            CONSUMER_RESTARTED.labels(self.container.service_name).inc()
            self._turned_at = time.monotonic()
            # Killing it first: two consumers must never read the same queues.
            # Its unacknowledged messages go back to their queues with its
            # connection; the handlers are idempotent.
            stuck.kill()
            self._gt = self.container.spawn_managed_thread(self.run)

    def ack_message(self, message):
        self._settle(super().ack_message, message, "ack")

    def requeue_message(self, message):
        self._settle(super().requeue_message, message, "requeue")

    def _settle(self, action, message, name):
        try:
            action(message)
        except CONNECTION_LOST as exc:
            SETTLE_LOST.labels(self.container.service_name, name).inc()
            log.warning("could not settle a message (%r); the broker will deliver it again",
                        exc)


class RobustRpcConsumer(RpcConsumer):
    queue_consumer = RobustQueueConsumer()

    def setup(self):
        super().setup()
        # Nameko's own queue is classic; its consumers are made from this
        # attribute when the container starts.
        self.queue = rpc_queue(self.container.service_name, self.container.config)

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except CONNECTION_LOST as exc:
            SETTLE_LOST.labels(self.container.service_name, "reply").inc()
            # The caller will time out and retry; commands it retries are
            # idempotent (progress batches carry their key).
            log.warning("could not send an RPC reply (%r)", exc)
            return result, exc_info


class Rpc(nameko.rpc.Rpc):
    """`@rpc` that survives the broker going away under a worker, and trusts a
    `caller` argument only when the gateway signed it.

    The one place callers are checked: before a worker is spawned, the
    entrypoint's `caller` (by keyword or position) is replaced by the plain
    caller its signature vouches for, or the call is answered with
    CallerNotTrusted and the entrypoint never runs (callers.trusted). A call
    with no caller (a timer's, another service's) goes through as it is.
    """

    rpc_consumer = RobustRpcConsumer()

    def setup(self):
        super().setup()
        settings = ServiceSettings.from_config(self.container.config)
        self._caller_key = settings.caller_key.get_secret_value().encode()
        self._caller_max_age = settings.caller_max_age
        method = getattr(self.container.service_cls, self.method_name)
        names = list(inspect.signature(method).parameters)[1:]  # without self
        self._caller_position = names.index("caller") if "caller" in names else None

    def handle_message(self, body, message):
        if self._caller_position is not None and isinstance(body, dict):
            args, kwargs = body.get("args"), body.get("kwargs")
            if isinstance(args, list) and isinstance(kwargs, dict):
                self._trust_caller(args, kwargs)
        super().handle_message(body, message)

    def _trust_caller(self, args, kwargs):
        # Real time, not the service's clock: the age of a signature is how long
        # the call took to arrive, whatever day a test has moved the clock to.
        now = dt.datetime.now(dt.UTC)
        if "caller" in kwargs:
            kwargs["caller"] = trusted(kwargs["caller"], self._caller_key, now,
                                       self._caller_max_age)
        elif len(args) > self._caller_position:
            args[self._caller_position] = trusted(args[self._caller_position],
                                                  self._caller_key, now, self._caller_max_age)


rpc = Rpc.decorator


class ReplyListener(nameko.rpc.ReplyListener):
    queue_consumer = RobustQueueConsumer()

    def get_reply_event(self, correlation_id):
        # A worker may call as the service starts (a timer firing at once) before
        # its reply queue is declared: the answer would be routed nowhere and the
        # call would wait in vain. Starting the consumer returns once its queues
        # are consumed, at once when they are already.
        self.queue_consumer.start()
        return super().get_reply_event(correlation_id)


class RpcProxy(nameko.rpc.RpcProxy):
    """`RpcProxy` whose replies arrive through the same robust consumer."""

    rpc_reply_listener = ReplyListener()


class ReliableEventHandler(EventHandler):
    """`@event_handler(source, event_type)` with retries and a dead-letter queue."""

    queue_consumer = RobustQueueConsumer()

    def setup(self):
        config = self.container.config
        self.queue, self.delay_queues, self.parking = handler_queues(
            self.container.service_name, self.source_service, self.event_type,
            self.method_name, config,
        )
        self.connection = Connection(
            config["AMQP_URI"], transport_options={"confirm_publish": True}
        )
        self.queue_consumer.register_provider(self)

    def handle_message(self, body, message):
        # Counted from delivery until settled: see EventsInHand.
        self.container.events_in_hand = getattr(self.container, "events_in_hand", 0) + 1
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        finally:
            self.container.events_in_hand -= 1

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0)) + 1
        permanent = issubclass(exc_info[0], PERMANENT_ERRORS)
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        if permanent or attempt > len(self.delay_queues):
            target = self.parking
            counter = PARKED.labels(self.container.service_name, self.method_name,
                                    "rejected" if permanent else "exhausted")
            log.error("parking message from %s after %s attempt(s): %s",
                      self.queue.name, attempt, error)
        else:
            target = self.delay_queues[attempt - 1]
            counter = RETRIED.labels(self.container.service_name, self.method_name)
            log.warning("retrying message from %s (attempt %s): %s",
                        self.queue.name, attempt, error)
        headers = dict(message.headers or {})
        headers.update({ATTEMPT_HEADER: attempt, ERROR_HEADER: error[:2000],
                        QUEUE_HEADER: self.queue.name})
        try:
            with producers[self.connection].acquire(block=True, timeout=30) as producer:
                producer.publish(
                    message.body, exchange="", routing_key=target.name, headers=headers,
                    content_type=message.content_type,
                    content_encoding=message.content_encoding,
                    delivery_mode=2, declare=[target], retry=True,
                )
        except Exception:
            # Without a safe copy the message must stay in its queue.
            log.exception("could not move a failed message; requeueing it")
            self.queue_consumer.requeue_message(message)
            return
        counter.inc()
        self.queue_consumer.ack_message(message)


event_handler = ReliableEventHandler.decorator


class EventsInHand(DependencyProvider):
    """How many events the service (this container) holds at the moment: delivered
    to a handler and not yet acknowledged or sent on to a retry. With the
    outbox and the last event applied it tells an operator, or a benchmark,
    that a service is idle; the broker's own count of a quorum queue's
    unacknowledged messages is refreshed only every few seconds."""

    def get_dependency(self, worker_ctx):
        return getattr(self.container, "events_in_hand", 0)


def first_application(session, event_id, consumer):
    """Record that `consumer` applies `event_id` in this transaction. False when it
    was applied before: the caller skips it, so redelivery changes nothing."""
    return insert_ignoring_conflicts(
        session, applied_events,
        [{"event_id": event_id, "consumer": consumer, "applied_at": utcnow()}],
    ) == 1


def applied_once(schema):
    """Decorates an event handler written as `handler(self, session, event)`.

    The payload is loaded with `schema` (a consumer's tolerant schema; a payload it
    rejects is parked at once), then the handler runs in one transaction of the
    service's `db` that also records the event as applied by this handler, named
    by the handler itself as nameko names its queue. A redelivered event does
    nothing. Put it under `@event_handler`:

        @event_handler("tasks", "task_created")
        @applied_once(TaskCreatedIn)
        def on_task_created(self, session, event): ...
    """
    def decorate(handler):
        consumer = handler.__name__

        @functools.wraps(handler)
        def apply(self, payload):
            # Loaded before the transaction: a batch's schema is read while no
            # writer waits for this one's lock.
            event = loader(schema)(payload)
            with self.db.session() as session:
                if first_application(session, event["event_id"], consumer):
                    return handler(self, session, event)
            return None

        apply.schema = schema  # what the contract tests check against CONSUMES
        return apply

    return decorate
