"""An ack that fails on a connection the broker dropped must bring the consumer
back on a new connection with its consumers, never leave it turning idle."""
import logging

from nameko.testing.services import entrypoint_waiter

from services.common.consuming import RobustQueueConsumer
from services.common.events import new_event
from services.warnings.service import Service
from tests.service.test_stuck_consumer import TASK
from tests.support.broker import private_vhost, queue_states
from tests.support.publish import publish_event
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually


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
        (consumer,) = {entrypoint.queue_consumer for entrypoint in container.entrypoints
                       if isinstance(getattr(entrypoint, "queue_consumer", None),
                                     RobustQueueConsumer)}
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
