"""Event handlers that never drop a message.

Nameko acknowledges a message whose handler raised, and the event is gone. Here a
failed message is republished to a delay queue of the handler's own queue, whose
TTL dead-letters it back after the delay; after the last delay it is parked in the
service's `<service>.parked` queue with the error, for an operator to inspect and
replay (see parking.py). The original is acknowledged only once its copy is safely
in the broker. Input that can never be handled (a payload its schema rejects) is
parked at once.
"""
import logging
import traceback

import nameko.rpc
from amqp.exceptions import AMQPError
from kombu import Connection, Queue
from kombu.exceptions import KombuError
from kombu.pools import producers
from marshmallow import ValidationError
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcConsumer

from .config import retry_delays
from .outbox import events_exchange

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-luoshi-attempt"
ERROR_HEADER = "x-luoshi-error"
QUEUE_HEADER = "x-luoshi-queue"
PERMANENT_ERRORS = (ValidationError,)


def handler_queue_name(source_service, event_type, service_name, method_name):
    # Nameko's own naming for service-pool handlers: the handler's name is part of
    # the contract, renaming it orphans its queue.
    return f"evt-{source_service}-{event_type}--{service_name}.{method_name}"


def parked_queue(service_name):
    return Queue(f"{service_name}.parked", durable=True, auto_delete=False)


def retry_queue(queue_name, delay):
    millis = int(delay * 1000)
    return Queue(
        f"{queue_name}.retry.{millis}ms", durable=True, auto_delete=False,
        queue_arguments={
            "x-message-ttl": millis,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue_name,
        },
    )


def handler_queues(service_name, source_service, event_type, method_name, config):
    """Every queue one handler needs: its own, its delay queues and the parking lot."""
    name = handler_queue_name(source_service, event_type, service_name, method_name)
    main = Queue(
        name, exchange=events_exchange(source_service), routing_key=event_type,
        durable=True, auto_delete=False,
    )
    delays = [retry_queue(name, delay) for delay in retry_delays(config)]
    return main, delays, parked_queue(service_name)


# What a connection that died under a worker raises.
CONNECTION_LOST = (OSError, AMQPError, KombuError)


class RobustQueueConsumer(QueueConsumer):
    """Nameko's consumer, except that an ack or requeue on a connection that died
    meanwhile (a broker restart) is logged instead of killing the service: the
    broker delivers the message again, and handlers are idempotent."""

    def ack_message(self, message):
        self._settle(super().ack_message, message)

    def requeue_message(self, message):
        self._settle(super().requeue_message, message)

    def _settle(self, action, message):
        try:
            action(message)
        except CONNECTION_LOST as exc:
            log.warning("could not settle a message (%r); the broker will deliver it again",
                        exc)


class RobustRpcConsumer(RpcConsumer):
    queue_consumer = RobustQueueConsumer()

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except CONNECTION_LOST as exc:
            # The caller will time out and retry; commands it retries are
            # idempotent (progress batches carry their key).
            log.warning("could not send an RPC reply (%r)", exc)
            return result, exc_info


class Rpc(nameko.rpc.Rpc):
    """`@rpc` that survives the broker going away under a worker."""

    rpc_consumer = RobustRpcConsumer()


rpc = Rpc.decorator


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

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0)) + 1
        permanent = issubclass(exc_info[0], PERMANENT_ERRORS)
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        if permanent or attempt > len(self.delay_queues):
            target = self.parking
            log.error("parking message from %s after %s attempt(s): %s",
                      self.queue.name, attempt, error)
        else:
            target = self.delay_queues[attempt - 1]
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
        self.queue_consumer.ack_message(message)


event_handler = ReliableEventHandler.decorator
