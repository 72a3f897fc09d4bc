"""Every service's metrics, from the shared plumbing: the warnings service in a
container with LUOSHI_METRICS_PORT=auto, scraped over HTTP while it answers RPC,
handles events, retries a failing handler and parks a poison message."""
import urllib.request

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from prometheus_client.parser import text_string_to_metric_families

from services.common.broker import list_parked
from services.common.events import new_event
from services.common.metrics import Metrics, metrics_port
from services.warnings.service import Service
from tests.support.broker import private_vhost
from tests.support.publish import publish_event
from tests.support.services import TASK, prepare, service_config
from tests.support.waiting import eventually


def scrape(address):
    """{(name, frozenset(labels)): value} of one scrape."""
    with urllib.request.urlopen(f"http://{address[0]}:{address[1]}/metrics",
                                timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["content-type"].startswith("text/plain")
        text = answer.read().decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


@pytest.fixture
def warnings(container_factory, tmp_path):
    with private_vhost(prefix="metrics_") as amqp_uri:
        config = service_config(amqp_uri, tmp_path, LUOSHI_METRICS_PORT="auto",
                                LUOSHI_METRICS_HOST="127.0.0.1")
        prepare(config, "warnings")
        container = container_factory(Service, config)
        container.start()
        container.uri = amqp_uri
        yield container
        container.stop()


def test_the_metrics_port_is_read_from_the_config():
    assert metrics_port({}) is None
    assert metrics_port({"LUOSHI_METRICS_PORT": "0"}) is None
    assert metrics_port({"LUOSHI_METRICS_PORT": "auto"}) == 0
    assert metrics_port({"LUOSHI_METRICS_PORT": "9100"}) == 9100
    with pytest.raises(ValueError):
        metrics_port({"LUOSHI_METRICS_PORT": "70000"})


def test_a_service_counts_and_times_its_entrypoints_retries_and_parkings(warnings, monkeypatch):
    (metrics,) = [dep for dep in warnings.dependencies if isinstance(dep, Metrics)]
    before = scrape(metrics.address)
    rpc = {"service": "warnings", "entrypoint": "health", "kind": "rpc"}
    event = {"service": "warnings", "entrypoint": "on_task_created", "kind": "event"}

    with entrypoint_hook(warnings, "health") as health:
        assert health()["status"] == "ok"
    with entrypoint_waiter(warnings, "on_task_created"):
        publish_event(warnings.uri, "tasks", "task_created", new_event(task=TASK))
    # A payload the schema refuses is parked at once.
    with entrypoint_waiter(warnings, "on_task_created"):
        publish_event(warnings.uri, "tasks", "task_created", new_event(task={"code": "T2"}))
    eventually(lambda: list_parked("warnings", warnings.uri))
    # A handler that fails once is retried through a delay queue.
    failures = []
    original = Service._evaluate

    def flaky(self, *args, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Service, "_evaluate", flaky)
    report = new_event(batch_id="b", source="portal", reports=[
        {"id": 1, "task": "T1", "unit": "yz", "percent": 50, "correction": False,
         "reported_at": "2026-04-01T00:00:00"}])
    with entrypoint_waiter(warnings, "on_progress_reported",
                           callback=lambda ctx, result, exc_info: exc_info is None):
        publish_event(warnings.uri, "tasks", "progress_reported", report)

    def counted():
        after = scrape(metrics.address)

        def grew(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        assert grew("luoshi_messages_handled_total", **rpc) == 1
        assert grew("luoshi_handler_duration_seconds_count", **rpc) == 1
        assert grew("luoshi_messages_handled_total", **event) == 2
        assert grew("luoshi_message_failures_total", **event, error="ValidationError") == 1
        assert grew("luoshi_messages_parked_total", service="warnings",
                    entrypoint="on_task_created", reason="rejected") == 1
        assert grew("luoshi_message_retries_total", service="warnings",
                    entrypoint="on_progress_reported") == 1
        assert grew("luoshi_message_failures_total", service="warnings",
                    entrypoint="on_progress_reported", kind="event",
                    error="RuntimeError") == 1
        assert grew("luoshi_messages_handled_total", service="warnings",
                    entrypoint="on_progress_reported", kind="event") == 2
        # The colour change of the task went out through the outbox.
        assert grew("luoshi_outbox_published_total", service="warnings") >= 1
        assert value(after, "luoshi_outbox_unsent_events", service="warnings") == 0
        assert value(after, "luoshi_workers_in_progress", service="warnings") == 0
        assert value(after, "process_cpu_seconds_total") > 0
        return after

    eventually(counted, timeout=15)
