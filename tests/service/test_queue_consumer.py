"""The shared queue consumer of every service: it comes back on a new connection
when a write fails on one the broker reset, and a watchdog starts it again when it
stops turning; either way the events waiting meanwhile are handled."""
import logging

import eventlet
from nameko.testing.services import entrypoint_waiter

from services.common.consuming import RobustQueueConsumer
from services.common.events import new_event
from services.common.metrics import CONSUMER_RESTARTED
from services.warnings.service import Service
from tests.support.broker import private_vhost, queue_states
from tests.support.publish import publish_event
from tests.support.services import TASK, prepare, service_config
from tests.support.waiting import eventually


def queue_consumer(container):
    """The container's one consumer, shared by its RPC and event entrypoints."""
    (consumer,) = {entrypoint.queue_consumer for entrypoint in container.entrypoints
                   if isinstance(getattr(entrypoint, "queue_consumer", None),
                                 RobustQueueConsumer)}
    return consumer


def handled(code):
    def callback(worker_ctx, result, exc_info):
        return exc_info is None and worker_ctx.args[0]["task"]["code"] == code
    return callback


def test_a_failed_ack_brings_the_consumers_back(container_factory, tmp_path, caplog):
    with private_vhost(prefix="reconnect_") as amqp_uri:
        config = service_config(amqp_uri, tmp_path)
        prepare(config, "warnings")
        container = container_factory(Service, config)
        container.start()
        consumer = queue_consumer(container)
        with entrypoint_waiter(container, "on_task_created", callback=handled("T1")):
            publish_event(amqp_uri, "tasks", "task_created", new_event(task=TASK))

        # The next write on the consumers' connection fails as it does on a socket
        # the broker reset: py-amqp marks the transport disconnected. Kombu then
        # opened a new connection without a word on the consumer's next turn, and
        # the consumer turned on it for good with no consumers left.
        transport = next(iter(consumer._consumers.values())).channel.connection.transport
        write = transport._write

        def reset(data):
            transport._write = write
            raise ConnectionResetError(104, "Connection reset by peer")

        transport._write = reset
        turns = []
        turn = consumer.on_iteration

        def counted_turn():
            turns.append(transport._write is write)
            turn()

        consumer.on_iteration = counted_turn
        with caplog.at_level(logging.WARNING):
            with entrypoint_waiter(container, "on_task_created", callback=handled("T2")):
                publish_event(amqp_uri, "tasks", "task_created",
                              new_event(task={**TASK, "code": "T2"}))
            # Two turns after the failed ack the consumer reads no more from the
            # old connection; the event after it is handled on the new one.
            eventually(lambda: turns.count(True) >= 2)
            with entrypoint_waiter(container, "on_task_created", timeout=30,
                                   callback=handled("T3")):
                publish_event(amqp_uri, "tasks", "task_created",
                              new_event(task={**TASK, "code": "T3"}))
        messages = [record.getMessage() for record in caplog.records]
        assert any("could not settle" in message for message in messages)
        assert any("Connection to broker lost" in message for message in messages)
        queue = "evt-tasks-task_created--warnings.on_task_created"
        eventually(lambda: queue_states(amqp_uri)[queue]["consumers"] == 1)
        container.stop()


def test_a_stuck_consumer_is_started_again(container_factory, tmp_path, caplog):
    with private_vhost(prefix="stuck_") as amqp_uri:
        # Heartbeats of 5 s, the shortest allowed: stuck after 10 s.
        config = service_config(amqp_uri, tmp_path, LUOSHI_HEARTBEAT="5")
        prepare(config, "warnings")
        container = container_factory(Service, config)
        container.start()
        consumer = queue_consumer(container)
        restarts = CONSUMER_RESTARTED.labels("warnings")
        before = restarts._value.get()
        with entrypoint_waiter(container, "on_task_created"):
            publish_event(amqp_uri, "tasks", "task_created", new_event(task=TASK))
        assert restarts._value.get() == before  # a turning consumer is left alone

        # The consumer's next turn blocks for good, as it once did on a dead
        # connection after a broker restart.
        never = eventlet.event.Event()
        turn = consumer._cancel_consumers_if_requested
        blocked = []

        def stuck_turn():
            if not blocked:
                blocked.append(True)
                never.wait()
            turn()

        consumer._cancel_consumers_if_requested = stuck_turn
        try:
            with caplog.at_level(logging.ERROR, logger="services.common.consuming"):
                eventually(lambda: blocked)  # within a second: drain times out, it turns
                with entrypoint_waiter(container, "on_task_created", timeout=30):
                    publish_event(amqp_uri, "tasks", "task_created",
                                  new_event(task={**TASK, "code": "T2"}))
        finally:
            never.send()  # a consumer still stuck would hold up the container's stop
        assert restarts._value.get() == before + 1
        (record,) = [r for r in caplog.records if "has not turned" in r.getMessage()]
        assert "stuck_turn" in record.getMessage()  # where it was stuck is logged
        container.stop()
