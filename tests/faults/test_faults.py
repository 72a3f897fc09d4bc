"""Nothing the platform acknowledged is lost or applied twice when a service is
killed or the broker restarts in the middle of an ingest of 20,000 updates."""
import importlib
import subprocess

import pytest

from services.common.config import SERVICES
from services.common.events import new_event
from tests.faults.harness import FIGURES, CountySystem
from tests.support.publish import publish_event
from tests.support.waiting import eventually

# An ingest of 20,000 updates with a crash in it takes minutes on a small machine.
pytestmark = pytest.mark.timeout(900)
TASKS = 200
# The services with a handler of the tasks service's task_created, each of which
# parks a poison task_created once.
# Each service that reads task_created parks the poison message once: as their
# schemas say they read it (the contracts tier holds them to the producer's).
READERS_OF_TASK_CREATED = tuple(
    service for service in SERVICES
    if ("tasks", "task_created") in importlib.import_module(f"services.{service}.schemas")
    .__dict__.get("CONSUMES", {}))


def ingest(platform, city):
    token, batches = city
    clients = [CountySystem(platform, token, county) for county in batches]
    threads = [client.start() for client in clients]
    return clients, threads


def acknowledged_batches(clients):
    return sum(client.acked_batches for client in clients)


def check_and_record(name, platform, clients, threads, poison=None):
    for thread in threads:
        thread.join(timeout=600)
    errors = [error for client in clients for error in client.errors]
    assert not errors, errors
    sent = sum(client.sent for client in clients)
    acknowledged = sum(client.acknowledged for client in clients)
    try:
        eventually(platform.settled, timeout=180, interval=0.5)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{platform.complaints()}") from None
    (stored,) = platform.query("tasks", "SELECT count(*) FROM progress_reports")
    (distinct,) = platform.query(
        "tasks", "SELECT count(*) FROM (SELECT DISTINCT task_code, percent FROM progress_reports)")
    figures = eventually(lambda: platform.rpc("warnings", "get_evaluation_figures"),
                         timeout=60)
    parked = [message for service in SERVICES for message in platform.rpc(service, "list_parked")]
    FIGURES.append({"test": name, "sent": sent, "acknowledged": acknowledged,
                    "stored": stored, "evaluated": figures["reports_applied"],
                    "parked": len(parked), "retries": sum(client.retries for client in clients)})
    assert acknowledged == sent == 20_000
    assert sum(client.accepted for client in clients) == acknowledged
    assert stored == distinct == acknowledged            # stored exactly once
    assert figures["reports_applied"] == acknowledged    # evaluated exactly once
    # Only the poison message is parked, once by each service that reads its event.
    assert {message["event_id"] for message in parked} == ({poison} if poison else set())
    assert len(parked) == (len(READERS_OF_TASK_CREATED) if poison else 0)
    check_settled_state(platform)


def check_settled_state(platform):
    """What each service holds once the platform settled: the last report won
    everywhere, even where redelivery reordered batches, and every event reached
    each consumer once."""
    (wrong,) = platform.query("tasks", "SELECT count(*) FROM tasks WHERE percent != 100")
    assert wrong == 0
    (batches,) = platform.query("tasks", "SELECT count(DISTINCT batch_id) FROM progress_reports")

    # warnings: every task at 100 % and green (done well before its due date).
    assert platform.query("warnings", "SELECT count(*), min(percent), max(percent) "
                                      "FROM watched_tasks") == (TASKS, 100, 100)
    assert platform.query("warnings", "SELECT count(*) FROM colours WHERE item_kind = 'task' "
                                      "AND colour = 'green'") == (TASKS,)
    assert platform.query("warnings", "SELECT count(*) FROM colours WHERE item_kind = 'task' "
                                      "AND colour != 'green'") == (0,)
    (colour_events,) = platform.query(
        "warnings", "SELECT count(*) FROM outbox WHERE event_type = 'colour_changed'")

    # ranking: each task's latest report is its 100 %, each batch and colour event applied once.
    assert platform.query("ranking", "SELECT count(*), min(top), max(top) FROM "
                                     "(SELECT max(percent) AS top FROM reports GROUP BY task) "
                                     "AS latest") == (TASKS, 100, 100)
    assert platform.query("ranking", "SELECT count(*) FROM applied_events "
                                     "WHERE consumer = 'on_progress_reported'") == (batches,)
    assert platform.query("ranking", "SELECT count(*) FROM applied_events "
                                     "WHERE consumer = 'on_colour_changed'") == (colour_events,)

    # notify: every colour change applied once, and nothing left to send for a
    # green city (no task turned red).
    assert platform.query("notify", "SELECT count(*) FROM applied_events "
                                    "WHERE consumer = 'on_colour_changed'") == (colour_events,)
    assert platform.query("notify", "SELECT count(*) FROM escalations "
                                    "WHERE status = 'open'") == (0,)


def test_tasks_service_killed_mid_ingest(platform, city):
    clients, threads = ingest(platform, city)
    eventually(lambda: acknowledged_batches(clients) >= 4, timeout=120)
    platform.kill("tasks")
    assert acknowledged_batches(clients) < 20  # killed in the middle, not after
    platform.start("tasks")
    check_and_record("tasks killed", platform, clients, threads)


def test_warnings_service_killed_mid_batch(platform, city):
    clients, threads = ingest(platform, city)
    # A message no schema accepts, among the good ones.
    poison = publish_event(platform.amqp_uri, "tasks", "task_created",
                           new_event(task={"code": "broken"}))
    eventually(lambda: acknowledged_batches(clients) >= 6, timeout=120)
    platform.kill("warnings")
    assert acknowledged_batches(clients) < 20
    platform.start("warnings")
    check_and_record("warnings killed", platform, clients, threads, poison["event_id"])


def test_broker_restarted_mid_ingest(platform, city):
    clients, threads = ingest(platform, city)
    eventually(lambda: acknowledged_batches(clients) >= 4, timeout=120)
    assert acknowledged_batches(clients) < 20
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, capture_output=True,
                   timeout=120)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, capture_output=True,
                   timeout=120)
    check_and_record("broker restarted", platform, clients, threads)
