"""Reminders before deadlines on the four services together: a unit hears that
its target is due three working days before, once, and nothing of a target it
has already met. The platform's clock (LUOSHI_CLOCK_FILE) sets the days."""

import pytest
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from services.common.clock import CLOCK_FILE
from services.common.config import SERVICES
from services.launch.topology import service_class
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}
YZ = {"user": "yz-op", "role": "operator", "units": ["yz"]}


@pytest.fixture
def clock(tmp_path, monkeypatch):
    path = tmp_path / "clock"
    monkeypatch.setenv(CLOCK_FILE, str(path))

    def move(moment):
        path.write_text(moment, encoding="utf-8")
    move("2026-03-13T10:00:00+08:00")  # a Friday
    return move


@pytest.fixture
def city(runner_factory, amqp_uri, tmp_path, clock):
    # The timer every second, so that a sweep follows each move of the clock soon.
    config = service_config(amqp_uri, tmp_path, LUOSHI_NOTIFY_TICK_SECONDS="1")
    prepare(config, *SERVICES)
    runner = runner_factory(config, *[service_class(name) for name in SERVICES])
    runner.start()

    def call(service, method, *args, **kwargs):
        container = get_container(runner, service_class(service))
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    call("tasks", "create_unit", {"code": "dcb", "name": "市抓落实办", "kind": "office"}, ADMIN)
    call("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county"}, ADMIN)
    yield call
    runner.stop()


def task(city, code, title, due):
    city("tasks", "create_task", {
        "code": code, "title": title, "lead_unit": "yz",
        "start_date": "2026-01-05", "due_date": "2026-06-30",
        "targets": [{"due_date": due, "planned_percent": 50},
                    {"due_date": "2026-06-30", "planned_percent": 100}]}, ADMIN)


def watched(city, code, done=False):
    """Wait until notify watches the task's first target (and knows it met)."""
    def known():
        items = city("notify", "list_deadlines", task=code)["items"]
        return [item for item in items if item["item"] == f"target:{code}:1"
                and item["done"] is done]
    return eventually(known)


def reminders(city, task=None):
    return city("notify", "list_notifications", event_type="reminder_target", task=task,
                channel="inbox")["items"]


def test_a_target_is_reminded_of_three_working_days_before_once_and_a_met_one_never(
        city, clock):
    # Friday: the targets due next Thursday are four working days away.
    task(city, "T1", "老城区雨污分流改造", "2026-03-19")
    task(city, "T2", "工业园区标准厂房建设", "2026-03-19")
    city("tasks", "report_progress", [{"task": "T2", "unit": "yz", "percent": 60}], YZ)
    watched(city, "T1")
    watched(city, "T2", done=True)
    assert reminders(city) == []

    clock("2026-03-16T10:00:00+08:00")  # Monday: Tuesday, Wednesday, Thursday are left
    (reminder,) = eventually(lambda: reminders(city))
    assert reminder["task"] == "T1" and reminder["unit"] == "yz"
    assert reminder["body"] == ("【落实提醒】袁州区：你单位牵头的「老城区雨污分流改造」第1个目标"
                                "将于2026年3月19日到期（还有3个工作日），请按时报送进展。")
    inbox = city("notify", "list_inbox", unit="yz")["items"]
    assert [row["id"] for row in inbox if row["event_type"] == "reminder_target"] == [
        reminder["id"]]

    # Later the same day a sweep reminds of a new task's target, and of T1 nothing new.
    clock("2026-03-16T15:00:00+08:00")
    task(city, "T3", "农贸市场提升改造", "2026-03-19")
    eventually(lambda: reminders(city, "T3"))
    # The next day: a target due on Friday is reminded of; T1 and T2 are not.
    clock("2026-03-17T10:00:00+08:00")
    task(city, "T4", "背街小巷整治", "2026-03-20")
    eventually(lambda: reminders(city, "T4"))
    assert {row["task"] for row in reminders(city)} == {"T1", "T3", "T4"}
    assert len(reminders(city, "T1")) == 1
    assert reminders(city, "T2") == []
    (t1,) = [item for item in city("notify", "list_deadlines", task="T1")["items"]
             if item["item"] == "target:T1:1"]
    assert t1["reminded"] is True
