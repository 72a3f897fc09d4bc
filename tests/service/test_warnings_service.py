"""The warnings service in a container, fed real events through the broker:
colours on events and on demand, idempotent handling, retries and parking."""
import time

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.common.broker import list_parked
from services.common.errors import InvalidInput
from services.common.events import new_event
from services.warnings.service import Service
from tests.support.events import EventTap
from tests.support.publish import publish_event
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

TASK = {
    "code": "T1", "title": "重点项目", "category": None, "source": "plan", "clock_class": None,
    "lead_unit": "yz", "cooperating_units": [], "responsible_person": None,
    "start_date": "2026-01-01", "due_date": "2026-12-31", "status": "active",
    "created_at": "2026-01-01T00:00:00",
    "targets": [{"seq": 1, "due_date": "2026-03-31", "planned_percent": 30, "unit": "yz",
                 "description": None},
                {"seq": 2, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
                 "description": None}],
}


@pytest.fixture
def warnings(container_factory, amqp_uri, tmp_path, db_backend):
    config = service_config(amqp_uri, tmp_path,
                            {"warnings": db_backend} if db_backend else None)
    prepare(config, "warnings")
    container = container_factory(Service, config)
    container.start()
    tap = EventTap(amqp_uri, "warnings")

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    def deliver(event_type, payload, handler):
        with entrypoint_waiter(container, handler):
            publish_event(amqp_uri, "tasks", event_type, payload)

    call.deliver, call.tap, call.container, call.uri = deliver, tap, container, amqp_uri
    yield call
    tap.close()
    container.stop()  # before its database is dropped


def progress(percent):
    return new_event(batch_id="b", source="portal", reports=[
        {"id": 1, "task": "T1", "unit": "yz", "percent": percent, "correction": False,
         "reported_at": "2026-04-01T00:00:00"}])


def test_colours_follow_reports_and_dates(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    # 16 working days after the target was due (the Qingming holiday falls between).
    first = warnings("evaluate", "2026-04-23")
    assert first["evaluated"] == 3  # two targets and the task
    colours = warnings("get_task_colours", ["T1"])["T1"]
    assert colours["colour"] == "red" and colours["targets"]["1"]["colour"] == "red"
    assert "严重延期" in colours["reason"]
    assert warnings("get_dashboard")["counts"]["red"] == 1

    warnings.deliver("progress_reported", progress(35), "on_progress_reported")
    warnings("evaluate", "2026-04-23")
    assert warnings("get_task_colours", ["T1"])["T1"]["targets"]["1"]["colour"] == "green"

    kind, payload = warnings.tap.until(lambda kind, payload: any(
        (c["item_key"], c["previous"], c["colour"]) == ("T1#1", "red", "green")
        for c in payload["changes"]))
    assert kind == "colour_changed"


def test_evaluating_twice_changes_and_emits_nothing(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    # Early in the year nothing is late yet, unlike today: the colours move once.
    assert warnings("evaluate", "2026-01-15")["changed"] > 0
    assert warnings("evaluate", "2026-01-15")["changed"] == 0
    with pytest.raises(InvalidInput):
        warnings("evaluate", "2026-02-30")


def test_a_redelivered_event_is_applied_once(warnings):
    created = new_event(task=TASK)
    warnings.deliver("task_created", created, "on_task_created")
    # The same event again (as after a crash before the ack) must change nothing;
    # a second insert of the task would fail and park it.
    warnings.deliver("task_created", created, "on_task_created")
    report = progress(50)
    warnings.deliver("progress_reported", report, "on_progress_reported")
    warnings.deliver("progress_reported", report, "on_progress_reported")
    assert warnings("list_warnings", task="T1", item_kind="task")["total"] == 1
    assert list_parked("warnings", warnings.uri) == []


def test_a_poison_message_is_parked_while_others_flow(warnings):
    poison = new_event(task={"code": "T2"})  # a task without its fields
    with entrypoint_waiter(warnings.container, "on_task_created"):
        publish_event(warnings.uri, "tasks", "task_created", poison)
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    parked = eventually(lambda: list_parked("warnings", warnings.uri))
    (message,) = parked
    assert message["event_id"] == poison["event_id"]
    assert "ValidationError" in message["error"]
    assert message["queue"] == "evt-tasks-task_created--warnings.on_task_created"
    assert warnings("get_task_colours", ["T1"])["T1"]["colour"] is not None


def test_a_failing_handler_is_retried_with_a_delay(warnings, monkeypatch):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    failures = []
    original = Service._evaluate

    def flaky(self, *args, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Service, "_evaluate", flaky)
    started = time.monotonic()
    with entrypoint_waiter(warnings.container, "on_progress_reported",
                           callback=lambda ctx, result, exc_info: exc_info is None):
        publish_event(warnings.uri, "tasks", "progress_reported", progress(80))
    assert failures == [1]
    assert time.monotonic() - started >= 0.2  # came back through the delay queue
    assert list_parked("warnings", warnings.uri) == []


def test_each_report_counts_once_however_often_it_is_delivered(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    report = progress(20)
    for _ in range(3):
        warnings.deliver("progress_reported", report, "on_progress_reported")
    warnings.deliver("progress_reported", progress(25), "on_progress_reported")
    figures = warnings("get_evaluation_figures")
    assert figures["tasks"] == 1 and figures["reports_applied"] == 2


def test_operators_see_health_and_replay_parked_messages(warnings):
    assert warnings("health") == {"service": "warnings", "status": "ok"}
    poison = new_event(task={"code": "T2"})
    with entrypoint_waiter(warnings.container, "on_task_created"):
        publish_event(warnings.uri, "tasks", "task_created", poison)

    def parked():
        found = warnings("list_parked")
        assert len(found) == 1, found
        return found

    assert eventually(parked)[0]["event_id"] == poison["event_id"]
    # Replayed, it fails again (the payload is still wrong) and is parked again.
    with entrypoint_waiter(warnings.container, "on_task_created"):
        assert warnings("replay_parked", [poison["event_id"]]) == {"replayed": 1}
    assert eventually(parked)[0]["attempts"] == 1
