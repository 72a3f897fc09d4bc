"""The warnings service's forecast colour, fed real events through the broker:
each report keeps its day, the forecasts of the tasks each evaluation touched
follow it, a task forecast red within the rules' days is listed, counted,
announced and, on its day, checked. The service's "today" is pinned."""
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.common.clock import LocalClock
from services.common.errors import InvalidInput
from services.common.events import new_event
from services.warnings.service import Service
from tests.support.events import EventTap
from tests.support.publish import publish_event
from tests.support.services import TASK as SHARED_TASK
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

START, DUE = dt.date(2026, 1, 1), dt.date(2026, 12, 31)  # the shared task's dates
REPORT_DAYS = [dt.date(2026, 4, 1), dt.date(2026, 5, 6), dt.date(2026, 6, 1)]


@pytest.fixture
def warnings(container_factory, amqp_uri, tmp_path, db_backend, monkeypatch):
    config = service_config(amqp_uri, tmp_path,
                            {"warnings": db_backend} if db_backend else None)
    prepare(config, "warnings")
    today = {"day": dt.date(2026, 3, 2)}
    monkeypatch.setattr(LocalClock, "now", lambda self: dt.datetime.combine(
        today["day"], dt.time(9), self.zone))
    container = container_factory(Service, config)
    container.start()
    tap = EventTap(amqp_uri, "warnings")

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    def deliver(event_type, payload, handler):
        with entrypoint_waiter(container, handler):
            publish_event(amqp_uri, "tasks", event_type, payload)

    def set_today(day):
        today["day"] = day

    call.deliver, call.tap, call.set_today = deliver, tap, set_today
    call.container = container
    yield call
    tap.close()
    container.stop()


def on_plan(day):
    return round(100 * (day - START).days / (DUE - START).days, 1)


def report(warnings, code, day, percent, number):
    warnings.set_today(day)
    warnings.deliver("progress_reported", new_event(batch_id=f"b{number}", source="portal",
                                                    reports=[{
        "id": number, "task": code, "unit": "yz", "percent": percent, "correction": False,
        "reported_at": f"{day.isoformat()}T02:00:00+00:00"}]), "on_progress_reported")


def forecast_of(warnings, code, day):
    """The task's forecast as of `day`, once the forecasts that follow that day's
    evaluation (on_tasks_judged) have run."""
    def found():
        items = warnings("list_forecasts", task=code)["items"]
        assert items and items[0]["as_of"] == day.isoformat(), items
        return items[0]

    return eventually(found)


def given(warnings, *codes):
    for code in codes:
        warnings.deliver("task_created", new_event(task={**SHARED_TASK, "code": code}),
                         "on_task_created")


def test_a_slipping_task_is_forecast_red_listed_counted_announced_and_checked(warnings):
    given(warnings, "SLOW", "STEADY")
    number = 0
    for seen, day in enumerate(REPORT_DAYS, start=1):
        number += 1
        report(warnings, "SLOW", day, 11 + seen, number)  # a point a month
        number += 1
        report(warnings, "STEADY", day, on_plan(day), number)
        warnings("evaluate", day.isoformat())  # as the daily evaluation does
        if seen < 3:  # no pace from fewer than forecast_min_reports reporting days
            assert warnings("list_forecasts")["total"] == 0

    slow = forecast_of(warnings, "SLOW", REPORT_DAYS[-1])
    steady = forecast_of(warnings, "STEADY", REPORT_DAYS[-1])
    assert steady["colour"] == "green" and not steady["soon_red"] and steady["red_on"] is None
    assert "可如期完成" in steady["words"]
    # 14% where the plan asks some 41%, a point a month where it asks eight: red
    # within days.
    assert slow["colour"] == "red" and slow["soon_red"]
    assert slow["soon_red_since"] == REPORT_DAYS[-1].isoformat()
    red_on = dt.date.fromisoformat(slow["red_on"])
    assert REPORT_DAYS[-1] < red_on <= REPORT_DAYS[-1] + dt.timedelta(days=14)
    assert slow["reports"] == 3 and slow["words"].startswith(
        "按当前进度，预计2026年12月31日仅达")
    assert [item["task"] for item in warnings("list_forecasts", soon_red=True)["items"]] == [
        "SLOW"]
    assert warnings("get_task_colours", ["SLOW"])["SLOW"]["colour"] == "yellow"
    assert warnings("get_dashboard")["forecast_red"] == 1

    _, payload = warnings.tap.until(lambda kind, payload: kind == "forecast_turned_red")
    assert [(f["task"], f["unit"], f["colour"], f["red_on"]) for f in payload["forecasts"]] == [
        ("SLOW", "yz", "yellow", slow["red_on"])]

    # Evaluated again the same day: still forecast red, announced once only (a
    # check is kept with each announcement: still one).
    with entrypoint_waiter(warnings.container, "on_tasks_judged", callback=lambda ctx, result,
                           exc_info: set(ctx.args[0]["tasks"]) == {"SLOW", "STEADY"}):
        answer = warnings("evaluate", REPORT_DAYS[-1].isoformat())
    assert "forecast_turned_red" not in answer  # the forecasts follow the evaluation
    assert forecast_of(warnings, "SLOW", REPORT_DAYS[-1])["soon_red"]
    assert warnings("get_forecast_accuracy", as_of=red_on.isoformat())["pending"] == 1

    # Its day comes and nothing changed: it is red, the forecast came true, and
    # being red it is no early warning any more.
    warnings.set_today(red_on)
    warnings("evaluate", red_on.isoformat())
    assert warnings("get_task_colours", ["SLOW"])["SLOW"]["colour"] == "red"
    assert not forecast_of(warnings, "SLOW", red_on)["soon_red"]
    assert warnings("get_dashboard")["forecast_red"] == 0
    record = warnings("get_forecast_accuracy", as_of=red_on.isoformat())
    assert (record["forecast_red"], record["turned_red"], record["accuracy"]) == (1, 1, 1.0)
    assert record["words"] == "近90天预测红灯1项，其中1项到期确实亮红灯（准确率100%）"
    # Long after, the forecast falls out of the office's look back.
    assert warnings("get_forecast_accuracy", days=30,
                    as_of="2026-09-30")["forecast_red"] == 0


def test_a_forecast_red_that_does_not_come_true_counts_against_the_forecasts(warnings):
    given(warnings, "SLOW")
    for number, day in enumerate(REPORT_DAYS, start=1):
        report(warnings, "SLOW", day, 11 + number, number)
    warnings("evaluate", REPORT_DAYS[-1].isoformat())
    slow = forecast_of(warnings, "SLOW", REPORT_DAYS[-1])
    assert slow["soon_red"]
    # Warned early, the unit catches up before the day.
    report(warnings, "SLOW", dt.date(2026, 6, 3), 45, 9)  # judged again: it is no more behind
    # Its forecast follows the batch (on_tasks_judged), without an evaluation.
    eventually(lambda: not warnings("list_forecasts", task="SLOW")["items"][0]["soon_red"])
    red_on = dt.date.fromisoformat(slow["red_on"])
    warnings.set_today(red_on)
    warnings("evaluate", red_on.isoformat())
    forecast_of(warnings, "SLOW", red_on)  # the check is judged with the forecast
    record = warnings("get_forecast_accuracy", as_of=red_on.isoformat())
    assert (record["forecast_red"], record["turned_red"], record["not_red"]) == (1, 0, 1)
    assert record["accuracy"] == 0.0


def test_the_forecast_lists_refuse_what_they_cannot_answer(warnings):
    with pytest.raises(InvalidInput):
        warnings("list_forecasts", colour="blue")
    with pytest.raises(InvalidInput):
        warnings("get_forecast_accuracy", days=0)
    with pytest.raises(InvalidInput):
        warnings("get_forecast_accuracy", as_of="tomorrow")


def test_a_cancelled_task_is_forecast_no_more_and_its_check_counts_neither_way(warnings):
    given(warnings, "SLOW")
    for number, day in enumerate(REPORT_DAYS, start=1):
        report(warnings, "SLOW", day, 11 + number, number)
    warnings("evaluate", REPORT_DAYS[-1].isoformat())
    red_on = forecast_of(warnings, "SLOW", REPORT_DAYS[-1])["red_on"]
    warnings.deliver("task_cancelled", new_event(
        task="SLOW", lead_unit="yz", status="cancelled", reason="并入其他任务",
        effective_on=REPORT_DAYS[-1].isoformat()), "on_task_cancelled")
    assert warnings("list_forecasts")["total"] == 0
    assert warnings("get_dashboard")["forecast_red"] == 0
    record = warnings("get_forecast_accuracy", as_of=red_on)
    assert (record["forecast_red"], record["pending"]) == (0, 0)


def test_a_batch_is_forecast_soon_after_without_holding_it_up(warnings):
    # No daily evaluation here: the reports alone. Each batch that is judged
    # says which tasks it judged (tasks_judged); their forecasts follow, read
    # back by the service itself, and the early warning goes out from there.
    given(warnings, "SLOW")
    for number, day in enumerate(REPORT_DAYS, start=1):
        report(warnings, "SLOW", day, 11 + number, number)
    _, judged = warnings.tap.until(
        lambda kind, payload: kind == "tasks_judged"
        and payload["as_of"] == REPORT_DAYS[-1].isoformat())
    assert judged["tasks"] == ["SLOW"]

    def forecast_of_the_last_report():
        items = warnings("list_forecasts", task="SLOW")["items"]
        assert items and items[0]["as_of"] == REPORT_DAYS[-1].isoformat(), items
        return items[0]

    slow = eventually(forecast_of_the_last_report)
    assert slow["soon_red"] and slow["reports"] == 3 and slow["colour"] == "red"
    _, payload = warnings.tap.until(lambda kind, payload: kind == "forecast_turned_red")
    assert [f["task"] for f in payload["forecasts"]] == ["SLOW"]
    assert warnings("get_dashboard")["forecast_red"] == 1


def test_every_coming_due_date_is_forecast(warnings):
    # Two steps still to come: each has its projection, kept whole in the one
    # row of the task's forecast, on either database.
    warnings.deliver("task_created", new_event(task={**SHARED_TASK, "code": "QTR", "targets": [
        {"seq": 1, "due_date": "2026-09-30", "planned_percent": 75, "unit": "yz",
         "description": None},
        {"seq": 2, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
         "description": None}]}), "on_task_created")
    for number, day in enumerate(REPORT_DAYS, start=1):
        report(warnings, "QTR", day, on_plan(day), number)
    warnings("evaluate", REPORT_DAYS[-1].isoformat())
    found = forecast_of(warnings, "QTR", REPORT_DAYS[-1])
    assert [(date["due"], date["planned"]) for date in found["dates"]] == [
        ("2026-09-30", 75), ("2026-12-31", 100)]
    assert found["due"] == "2026-09-30" and found["colour"] == "green"
