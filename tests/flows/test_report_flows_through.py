"""A progress report flows from the tasks service through warnings to ranking and
notify, each in its own database, over the broker. The services run on a clock
the test sets (LUOSHI_CLOCK_FILE), never the real date."""
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from services.common.config import SERVICES
from services.launch.topology import service_class
from tests.support.dates import IN_PACKAGE_YEAR, PlatformClock
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}


@pytest.fixture
def clock(tmp_path, monkeypatch):
    clock = PlatformClock(tmp_path / "now", IN_PACKAGE_YEAR)
    monkeypatch.setenv("LUOSHI_CLOCK_FILE", str(clock.path))
    return clock


@pytest.fixture
def city(runner_factory, amqp_uri, tmp_path, clock):
    config = service_config(amqp_uri, tmp_path)
    prepare(config, *SERVICES)
    classes = [service_class(name) for name in SERVICES]
    runner = runner_factory(config, *classes)
    runner.start()

    def call(service, method, *args, **kwargs):
        container = get_container(runner, service_class(service))
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    yield call
    runner.stop()


def test_a_late_task_turns_red_everywhere_and_a_report_turns_it_green(city, clock):
    today = clock.day
    # A task late the day it is given is what flows: it is judged at once, not
    # left waiting for its first report.
    city("warnings", "update_rules", {"first_report_grace": False}, ADMIN)
    city("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county",
                                  "head": {"name": "张三", "phone": "13800000000"}}, ADMIN)
    city("tasks", "create_unit", {"code": "zs", "name": "樟树市", "kind": "county"}, ADMIN)
    city("tasks", "create_task", {
        "code": "T1", "title": "产业园区建设", "lead_unit": "yz",
        "start_date": (today - dt.timedelta(days=120)).isoformat(),
        "due_date": (today + dt.timedelta(days=60)).isoformat(),
        "targets": [
            {"due_date": (today - dt.timedelta(days=30)).isoformat(), "planned_percent": 50},
            {"due_date": (today + dt.timedelta(days=60)).isoformat(), "planned_percent": 100},
        ]}, ADMIN)

    def red_everywhere():
        colours = city("warnings", "get_task_colours", ["T1"])
        assert colours.get("T1", {}).get("colour") == "red", colours
        inbox = city("notify", "list_notifications", task="T1")
        assert inbox["total"] == 1, inbox
        ranking = city("ranking", "get_ranking", group="county", caller=ADMIN)
        yz = next(entry for entry in ranking["entries"] if entry["unit"] == "yz")
        red = city("warnings", "list_warnings", task="T1", colour="red")["items"]
        # Ranking counts the red parts of the task (its targets), not the task again.
        assert yz["red_items"] == len([w for w in red if w["item_kind"] != "task"]) > 0, (
            ranking, red)
        return inbox["items"][0]

    notice = eventually(red_everywhere)
    assert notice["unit"] == "yz" and "红色预警" in notice["subject"]

    answer = city("tasks", "report_progress",
                  [{"task": "T1", "unit": "yz", "percent": 100, "note": "全面完成"}], ADMIN)
    assert answer["accepted"] == 1

    def green_everywhere():
        assert city("warnings", "get_task_colours", ["T1"])["T1"]["colour"] == "green"
        ranking = city("ranking", "get_ranking", group="county", caller=ADMIN)
        yz = next(entry for entry in ranking["entries"] if entry["unit"] == "yz")
        # Red and green again the same day: no red day is left in the period.
        assert yz["red_items"] == 0 and yz["score"] is not None, ranking
        return ranking

    ranking = eventually(green_everywhere)
    assert [entry["unit"] for entry in ranking["entries"]][0] in {"yz", "zs"}
    # The turn to green notifies nobody; the red one stays in the log once, never
    # sent: it was settling (LUOSHI_NOTIFY_SETTLE_MINUTES) when the task recovered.
    log = city("notify", "list_notifications", task="T1")
    assert log["total"] == 1
    assert [(m["status"], m["dropped_reason"]) for m in log["items"]] == [
        ("dropped", "recovered")], log
    assert city("warnings", "get_dashboard")["counts"] == {"green": 1, "yellow": 0, "red": 0}


def test_a_backdated_report_is_judged_by_its_receipt_until_the_office_corrects_it(
        city, clock):
    """A county misses a target due on Saturday, then on Monday reports it reached,
    naming Friday. The platform keeps Friday as the county's word but judges by
    Monday, when it heard: the ranking counts the target reached late. Naming a
    day further back is refused. The office, which had the paper report on
    Friday, corrects the receipt, and then it counts on time."""
    today = clock.day  # a Monday
    friday = today - dt.timedelta(days=3)
    city("warnings", "update_rules", {"first_report_grace": False}, ADMIN)
    # Given a week before: the target falls due while the county has the task.
    clock.set(today - dt.timedelta(days=7))
    city("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county"}, ADMIN)
    city("tasks", "create_task", {
        "code": "T2", "title": "农村污水治理", "lead_unit": "yz",
        "start_date": (today - dt.timedelta(days=60)).isoformat(),
        "due_date": (today + dt.timedelta(days=45)).isoformat(),
        "targets": [
            {"due_date": (today - dt.timedelta(days=2)).isoformat(), "planned_percent": 50},
            {"due_date": (today + dt.timedelta(days=45)).isoformat(), "planned_percent": 100},
        ]}, ADMIN)
    eventually(lambda: city("warnings", "get_task_colours", ["T2"]).get("T2"))
    clock.set(today)
    city("warnings", "evaluate", today.isoformat())

    def target_colour():
        items = city("warnings", "list_warnings", task="T2")["items"]
        return {item["item_key"]: item["colour"] for item in items}.get("T2#1")

    assert eventually(target_colour) == "red"

    operator = {"user": "yz-op", "role": "operator", "units": ["yz"]}
    friday_evening = f"{friday.isoformat()}T17:00:00+08:00"
    too_old = city("tasks", "report_progress", [{
        "task": "T2", "unit": "yz", "percent": 60,
        "reported_at": f"{(friday - dt.timedelta(days=1)).isoformat()}T08:00:00+08:00"}],
        operator)
    assert too_old["results"][0]["code"] == "reported_at_too_old", too_old
    answer = city("tasks", "report_progress", [{
        "task": "T2", "unit": "yz", "percent": 60, "reported_at": friday_evening}], operator)
    assert answer["accepted"] == 1, answer
    report_id = answer["results"][0]["id"]

    def on_time_score(expected):
        def check():
            assert target_colour() == "green"  # it did reach its percentage
            ranking = city("ranking", "get_ranking", group="county", caller=ADMIN)
            yz = next(entry for entry in ranking["entries"] if entry["unit"] == "yz")
            on_time = next(i for i in yz["breakdown"]["indicators"] if i["key"] == "on_time")
            assert on_time["score"] == expected, on_time
            return on_time
        return check

    # Received on Monday, after the target's Saturday: reached late.
    eventually(on_time_score(0.0))

    corrected = city("tasks", "correct_report_receipt", report_id, friday_evening,
                     "纸质材料已于周五送达督查办", ADMIN)
    assert corrected["received_at"] == f"{friday.isoformat()}T09:00:00"
    eventually(on_time_score(100.0))
