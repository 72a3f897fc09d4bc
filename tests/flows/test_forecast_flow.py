"""The forecast colour on the four services together, day by day on the
platform's clock: a task slipping steadily, month after month, is forecast red
days before it turns red, and its unit is told; a task keeping to its plan is
never forecast red. The evaluation runs each working day, as the daily timer
would."""
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from services.common.config import SERVICES
from services.common.workdays import package_calendar
from services.launch.topology import service_class
from tests.support.dates import PlatformClock
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}
START, DUE = dt.date(2026, 1, 5), dt.date(2026, 12, 31)
CALENDAR = package_calendar()


@pytest.fixture
def clock(tmp_path, monkeypatch):
    clock = PlatformClock(tmp_path / "now", START)
    monkeypatch.setenv("LUOSHI_CLOCK_FILE", str(clock.path))
    return clock


@pytest.fixture
def city(runner_factory, amqp_uri, tmp_path, clock):
    config = service_config(amqp_uri, tmp_path)
    prepare(config, *SERVICES)
    runner = runner_factory(config, *[service_class(name) for name in SERVICES])
    runner.start()

    def call(service, method, *args, **kwargs):
        container = get_container(runner, service_class(service))
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    yield call
    runner.stop()


def on_plan(day):
    return round(100 * (day - START).days / (DUE - START).days, 1)


def test_a_slipping_task_is_forecast_red_days_before_it_turns_red(city, clock):
    city("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county",
                                  "operator": {"name": "李四", "phone": "13900000000"}},
         ADMIN)
    for code in ("SLOW", "STEADY"):
        city("tasks", "create_task", {
            "code": code, "title": "产业园区建设", "lead_unit": "yz",
            "start_date": START.isoformat(), "due_date": DUE.isoformat(),
            "targets": [{"due_date": DUE.isoformat(), "planned_percent": 100}]}, ADMIN)
    # The warnings service hears of both tasks before the first day is judged.
    eventually(lambda: city("warnings", "get_evaluation_figures")["tasks"] == 2)
    reports, day = 0, START
    forecast_red_on = turned_red_on = None
    slow = 0
    while turned_red_on is None:
        day = CALENDAR.add_working_days(day, 1)
        assert day < dt.date(2026, 9, 1), "the slipping task never turned red"
        clock.set(day)
        if day.month != CALENDAR.add_working_days(day, -1).month:
            # Each unit reports on the first working day of the month: SLOW three
            # points a month where the plan asks eight, STEADY what the plan asks.
            slow += 3
            city("tasks", "report_progress", [
                {"task": "SLOW", "unit": "yz", "percent": slow, "note": "推进中"},
                {"task": "STEADY", "unit": "yz", "percent": on_plan(day), "note": "按计划"}],
                ADMIN)
            reports += 2
            eventually(lambda expected=reports: city("warnings", "get_evaluation_figures")[
                "reports_applied"] == expected)
        city("warnings", "evaluate", day.isoformat())
        forecasts = {item["task"]: item for item in
                     city("warnings", "list_forecasts")["items"]}
        if reports >= 6:
            # Three reporting days each: both are forecast, and their forecasts
            # follow the day's evaluation (tasks_judged).
            def of_the_day(day=day):
                found = {item["task"]: item for item in
                         city("warnings", "list_forecasts")["items"]}
                assert {item["as_of"] for item in found.values()} == {day.isoformat()} \
                    and len(found) == 2, found
                return found

            forecasts = eventually(of_the_day)
        assert not forecasts.get("STEADY", {}).get("soon_red"), forecasts["STEADY"]
        assert forecasts.get("STEADY", {}).get("colour") in (None, "green"), forecasts
        if forecast_red_on is None and forecasts.get("SLOW", {}).get("soon_red"):
            forecast_red_on = day
        colours = city("warnings", "get_task_colours", ["SLOW", "STEADY"])
        assert colours["STEADY"]["colour"] == "green", colours
        if colours["SLOW"]["colour"] == "red":
            turned_red_on = day

    assert forecast_red_on is not None
    assert CALENDAR.working_days_between(forecast_red_on, turned_red_on) >= 5, (
        forecast_red_on, turned_red_on)
    # The one screen counted it while it was an early warning; red now, it is not.
    assert city("warnings", "get_dashboard")["forecast_red"] == 0

    # Its unit was told, on the day it was forecast red, in words beside the colour.
    def told():
        found = city("notify", "list_notifications", task="SLOW")["items"]
        forecast = [item for item in found if item["event_type"] == "forecast_turned_red"]
        assert forecast, found
        return forecast

    told_items = eventually(told)
    assert all("按当前进度" in item["body"] for item in told_items)
    assert any(item["channel"] == "inbox" and item["unit"] == "yz" for item in told_items)
    assert not [item for item in city("notify", "list_notifications", task="STEADY")["items"]
                if item["event_type"] == "forecast_turned_red"]

    # On the day it was forecast to turn red it was red: the office sees it counted.
    record = city("warnings", "get_forecast_accuracy", as_of=turned_red_on.isoformat())
    assert (record["turned_red"], record["not_red"]) == (1, 0), record
