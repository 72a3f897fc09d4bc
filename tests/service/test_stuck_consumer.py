"""The queue consumer's watchdog: a consumer that stops turning while connected is
started again, and the events waiting meanwhile are handled."""
import logging

import eventlet
from nameko.testing.services import entrypoint_waiter

from services.common.consuming import RobustQueueConsumer
from services.common.events import new_event
from services.common.metrics import CONSUMER_RESTARTED
from services.warnings.service import Service
from tests.support.broker import private_vhost
from tests.support.publish import publish_event
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

TASK = {
    "code": "T1", "title": "重点项目", "category": None, "source": "plan", "clock_class": None,
    "lead_unit": "yz", "cooperating_units": [], "responsible_person": None,
    "start_date": "2026-01-01", "due_date": "2026-12-31", "status": "active",
    "created_at": "2026-01-01T00:00:00",
    "targets": [{"seq": 1, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
                 "description": None}],
}


def test_a_stuck_consumer_is_started_again(container_factory, tmp_path, caplog):
    with private_vhost(prefix="stuck_") as amqp_uri:
        # Heartbeats of 5 s, the shortest allowed: stuck after 10 s.
        config = service_config(amqp_uri, tmp_path, LUOSHI_HEARTBEAT="5")
        prepare(config, "warnings")
        container = container_factory(Service, config)
        container.start()
        (consumer,) = {entrypoint.queue_consumer for entrypoint in container.entrypoints
                       if isinstance(getattr(entrypoint, "queue_consumer", None),
                                     RobustQueueConsumer)}
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
