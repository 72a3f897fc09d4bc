"""The warnings service following the office's corrections, fed real events
through the broker: a new lead unit from the day of the change, a re-plan judged
afresh, a cancelled task leaving the colours, the counts and its notices, a
merger, and the one screen by batch. The service's "today" is pinned."""
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.common.clock import LocalClock
from services.common.events import new_event
from services.warnings import repository
from services.warnings.service import Service
from tests.support.publish import publish_event
from tests.support.services import TASK as SHARED_TASK
from tests.support.services import prepare, service_config

ADMIN = {"user": "admin", "role": "admin", "units": None}
PLAN = [{"seq": 1, "due_date": "2026-03-31", "planned_percent": 25, "unit": "yz",
         "description": None},
        {"seq": 2, "due_date": "2026-06-15", "planned_percent": 50, "unit": "yz",
         "description": None},
        {"seq": 3, "due_date": "2026-09-30", "planned_percent": 75, "unit": "yz",
         "description": None},
        {"seq": 4, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
         "description": None}]


def task(code, lead="yz", batch="2026年第一批"):
    return {**SHARED_TASK, "code": code, "lead_unit": lead, "batch": batch,
            "targets": [{**t, "unit": lead} for t in PLAN]}


@pytest.fixture
def warnings(container_factory, amqp_uri, tmp_path, db_backend, monkeypatch):
    config = service_config(amqp_uri, tmp_path,
                            {"warnings": db_backend} if db_backend else None)
    prepare(config, "warnings")
    today = {"day": dt.date(2026, 7, 1)}
    monkeypatch.setattr(LocalClock, "now", lambda self: dt.datetime.combine(
        today["day"], dt.time(9), self.zone))
    container = container_factory(Service, config)
    container.start()

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    def deliver(event_type, payload, handler):
        with entrypoint_waiter(container, handler):
            publish_event(amqp_uri, "tasks", event_type, payload)

    call.deliver = deliver
    call.set_today = lambda day: today.update(day=day)
    # Judged the day they are given: red at once, 0% against half a year's plan.
    call("update_rules", {"calendar_mode": "calendar", "first_report_grace": False}, ADMIN)
    for code, lead, batch in (("T1", "yz", "2026年第一批"), ("T2", "zs", "2026年第二批"),
                              ("T3", "yz", "2026年第一批")):
        deliver("task_created", new_event(task=task(code, lead, batch)), "on_task_created")
    yield call
    container.stop()


def keys(call, task):
    return {item["item_key"]: item for item in call("list_warnings", task=task)["items"]}


def test_the_one_screen_counts_by_batch(warnings):
    assert warnings("get_dashboard")["counts"] == {"green": 0, "yellow": 0, "red": 3}
    first = warnings("get_dashboard", batch="2026年第一批")
    assert first["counts"] == {"green": 0, "yellow": 0, "red": 2}
    assert first["batch"] == "2026年第一批"
    assert warnings("get_batch_colours")["items"] == [
        {"batch": "2026年第一批", "green": 0, "yellow": 0, "red": 2},
        {"batch": "2026年第二批", "green": 0, "yellow": 0, "red": 1}]


def test_a_new_lead_answers_from_the_day_of_the_change(warnings):
    moved = {**task("T2", "yz", "2026年第一批"),
             "targets": [{**t, "unit": "zs" if t["seq"] <= 2 else "yz"} for t in PLAN]}
    warnings.deliver("task_updated", new_event(
        task=moved, changes={"lead_unit": ["zs", "yz"], "batch": ["2026年第二批", "2026年第一批"],
                             "targets_moved": [[3, 4], "yz"]},
        previous_lead_unit="zs", effective_on="2026-07-01", reason="职能划转", version=2,
        changed_by="admin"), "on_task_updated")
    items = keys(warnings, "T2")
    assert items["T2"]["unit"] == "yz"
    assert (items["T2#2"]["unit"], items["T2#3"]["unit"]) == ("zs", "yz")
    # The past is not rewritten: the history keeps the unit of each day.
    history = warnings("get_task_history", "T2")["items"]
    assert {row["unit"] for row in history if row["item_key"] == "T2"} == {"zs"}
    assert warnings("get_dashboard", batch="2026年第一批")["counts"]["red"] == 3
    assert warnings("issue_notice", "T2", ADMIN, "请说明")["unit"] == "yz"


def test_a_replan_replaces_what_is_not_yet_due_and_starts_the_task_fair(warnings):
    # Reported on in June, so the wait of a new task is over; the fair start on.
    warnings.deliver("progress_reported", new_event(batch_id="a", source="portal", reports=[
        {"id": 1, "task": "T1", "unit": "yz", "percent": 10, "correction": False,
         "reported_at": "2026-06-20T02:00:00"}]), "on_progress_reported")
    warnings("update_rules", {"first_report_grace": True}, ADMIN)
    warnings("evaluate", "2026-07-01")
    assert keys(warnings, "T1")["T1"]["colour"] == "red"
    new = [{"seq": 5, "due_date": "2026-09-15", "planned_percent": 65, "unit": "yz",
            "description": None},
           {"seq": 6, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
            "description": None}]
    warnings.deliver("task_replanned", new_event(
        task="T1", lead_unit="yz", plan_version=2, effective_on="2026-07-01", replaced=[3, 4],
        added=[5, 6], targets=PLAN[:2] + new, reason="年中调整", approved_by="admin"),
        "on_task_replanned")
    items = keys(warnings, "T1")
    assert set(items) == {"T1", "T1#1", "T1#2", "T1#5", "T1#6"}
    # Waiting for its first report under the new plan: green, 待首报.
    assert items["T1"]["colour"] == "green" and items["T1"]["state"] == "pending_first_report"
    assert "计划已调整" in items["T1"]["reason"]
    replaced = [row for row in warnings("get_task_history", "T1")["items"]
                if row["item_key"] == "T1#3"]
    assert [row["colour"] for row in replaced] == ["red", "green"]
    assert "计划已调整" in replaced[-1]["reason"]
    # Its first report is judged on its merits: at the plan, green; no debt carried.
    warnings.deliver("progress_reported", new_event(batch_id="b", source="portal", reports=[
        {"id": 2, "task": "T1", "unit": "yz", "percent": 55, "correction": False,
         "reported_at": "2026-07-01T02:00:00"}]), "on_progress_reported")
    items = keys(warnings, "T1")
    assert items["T1#5"]["colour"] == "green" and "待首报" not in items["T1"]["reason"]


def test_a_cancelled_task_leaves_the_colours_counts_and_notices(warnings):
    notice = warnings("issue_notice", "T3", ADMIN, "严重滞后")
    warnings.deliver("task_cancelled", new_event(
        task="T3", lead_unit="yz", status="cancelled", reason="不再实施",
        effective_on="2026-07-01"), "on_task_cancelled")
    assert keys(warnings, "T3") == {}
    assert warnings("get_dashboard")["counts"] == {"green": 0, "yellow": 0, "red": 2}
    assert warnings("get_dashboard", batch="2026年第一批")["counts"]["red"] == 1
    last = warnings("get_task_history", "T3")["items"][-1]
    assert last["colour"] == "green" and "已撤销" in last["reason"]
    closed = warnings("get_notice", notice["id"])
    assert closed["status"] == "closed" and "撤销" in closed["close_reason"]
    # Judged no more, by the day's evaluation either.
    warnings("evaluate", "2026-07-02")
    assert keys(warnings, "T3") == {}
    trend = warnings("get_colour_trend", weeks=1, as_of="2026-07-05")["weeks"][-1]
    assert trend["red"] == 2


def test_a_closed_or_explained_tasks_parts_end_their_spells_with_it(warnings, monkeypatch):
    assert keys(warnings, "T3")["T3#1"]["colour"] == "red"
    warnings.deliver("task_explained", new_event(
        task="T3", lead_unit="yz", status="explained", reason="政策调整",
        effective_on="2026-07-01"), "on_task_explained")
    items = keys(warnings, "T3")
    assert {item["colour"] for item in items.values()} == {"green"}
    assert items["T3#1"]["reason"] == "已说明情况"
    assert warnings("list_warnings", colour="red", task="T3")["items"] == []
    last = [change for change in warnings("get_task_history", "T3")["items"]
            if change["item_key"] == "T3#1"][-1]
    assert (last["colour"], last["reason"]) == ("green", "已说明情况")
    # The one screen's colours are of the tasks in hand; the finished are said apart.
    board = warnings("get_dashboard")
    assert (board["counts"], board["finished_this_year"]) == (
        {"green": 0, "yellow": 0, "red": 2}, 1)
    assert warnings("get_dashboard", batch="2026年第一批")["counts"]["red"] == 1
    assert {row["batch"]: row["red"] for row in warnings("get_batch_colours")["items"]} == {
        "2026年第一批": 1, "2026年第二批": 1}

    # A task closed while its parts were left red (as before this rule) is mended
    # by the day's evaluation.
    with monkeypatch.context() as before:
        before.setattr(repository, "parts_amiss", lambda session, codes: [])
        warnings.deliver("task_closed", new_event(
            task="T2", lead_unit="zs", status="closed", reason=None,
            effective_on="2026-07-01"), "on_task_closed")
    assert keys(warnings, "T2")["T2#1"]["colour"] == "red"
    warnings("evaluate", "2026-07-02")
    items = keys(warnings, "T2")
    assert {item["colour"] for item in items.values()} == {"green"}
    assert items["T2#2"]["reason"] == "已销号"
    assert warnings("get_dashboard")["finished_this_year"] == 2
    trend = warnings("get_colour_trend", weeks=1, as_of="2026-07-05")["weeks"][-1]
    assert (trend["green"], trend["yellow"], trend["red"]) == (0, 0, 1)
    # Judged no more, their colours settled: the next day judges the task in hand only.
    told = warnings("get_task_history", "T2")["total"]
    assert warnings("evaluate", "2026-07-03")["evaluated"] == len(keys(warnings, "T1"))
    assert warnings("get_task_history", "T2")["total"] == told
    # A new year counts its own finished tasks; last year's stay out of the colours.
    warnings.set_today(dt.date(2027, 1, 4))
    board = warnings("get_dashboard")
    assert (board["counts"]["red"], board["finished_this_year"]) == (1, 0)


def test_a_merger_moves_the_open_tasks_colours_to_the_other_unit(warnings):
    warnings.deliver("units_merged", new_event(
        unit="yz", into="zs", effective_on="2026-07-01", reason="机构改革",
        tasks=[{"code": "T1", "lead_unit": "zs", "previous_lead_unit": "yz",
                "cooperating_units": [], "targets": [3, 4]}], changed_by="admin"),
        "on_units_merged")
    items = keys(warnings, "T1")
    assert (items["T1"]["unit"], items["T1#2"]["unit"], items["T1#4"]["unit"]) == (
        "zs", "yz", "zs")
    units = {row["unit"]: row for row in warnings("get_dashboard")["units"]}
    assert units["zs"]["red"] == 2 and units["yz"]["red"] == 1
