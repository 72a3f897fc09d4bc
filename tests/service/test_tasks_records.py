"""The tasks service keeping its records true: edits, re-plans, cancellations,
batches, and units renamed, retired and merged, each with its history and its
event. The service's "today" is pinned to 2026-07-01."""
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook

from services.common.clock import LocalClock
from services.common.errors import Conflict, Forbidden, InvalidInput
from services.tasks.service import Service
from tests.support.events import EventTap
from tests.support.services import prepare, service_config

ADMIN = {"user": "admin", "role": "admin", "units": None}
YZ_OPERATOR = {"user": "yz-op", "role": "operator", "units": ["yz"]}
TODAY = dt.date(2026, 7, 1)


@pytest.fixture
def tasks(container_factory, amqp_uri, tmp_path, db_backend, monkeypatch):
    config = service_config(amqp_uri, tmp_path, {"tasks": db_backend} if db_backend else None)
    prepare(config, "tasks")
    monkeypatch.setattr(LocalClock, "now", lambda self: dt.datetime.combine(
        TODAY, dt.time(9), self.zone))
    tap = EventTap(amqp_uri, "tasks")
    container = container_factory(Service, config)
    container.start()

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    call.tap = tap
    yield call
    tap.close()
    container.stop()


def seed(call):
    call("create_unit", {"code": "city", "name": "市抓落实办", "kind": "office"}, ADMIN)
    call("create_unit", {"code": "yz", "name": "袁州区", "kind": "county", "parent": "city",
                         "head": {"name": "张三", "phone": "13800000000",
                                  "email": "zs@example.cn"}}, ADMIN)
    call("create_unit", {"code": "zs", "name": "樟树市", "kind": "county", "parent": "city"},
         ADMIN)
    call("create_unit", {"code": "fgw", "name": "市发展改革委", "kind": "department"}, ADMIN)
    call("create_task", {
        "code": "T1", "title": "重点项目开工", "lead_unit": "yz", "start_date": "2026-01-01",
        "due_date": "2026-12-31", "cooperating_units": ["fgw"], "batch": "2026年第一批",
        "targets": [{"due_date": "2026-03-31", "planned_percent": 25},
                    {"due_date": "2026-06-30", "planned_percent": 50},
                    {"due_date": "2026-09-30", "planned_percent": 75},
                    {"due_date": "2026-12-31", "planned_percent": 100}],
    }, ADMIN)
    call("create_task", {
        "code": "T2", "title": "园区道路", "lead_unit": "zs", "start_date": "2026-01-01",
        "due_date": "2026-12-31", "batch": "2026年第二批"}, ADMIN)
    call.tap.take(6)


def events_of(call, kind):
    """The next event of `kind`, skipping others, as a one-item list."""
    return [call.tap.until(lambda event, _: event == kind)[1]]


def test_an_edit_keeps_a_version_and_a_new_lead_takes_the_targets_not_yet_due(tasks):
    seed(tasks)
    task = tasks("update_task", "T1", {"title": "重点项目开工建设", "lead_unit": "zs",
                                       "batch": "2026年第二批"}, "机构职能调整", ADMIN)
    assert task["title"] == "重点项目开工建设" and task["lead_unit"] == "zs"
    # The targets due before today stay the old lead's; the rest follow the new one.
    assert [t["unit"] for t in task["targets"]] == ["yz", "yz", "zs", "zs"]
    (event,) = events_of(tasks, "task_updated")
    assert event["previous_lead_unit"] == "yz" and event["effective_on"] == "2026-07-01"
    assert event["changes"]["lead_unit"] == ["yz", "zs"]
    assert event["task"]["batch"] == "2026年第二批"
    history = tasks("get_task_history", "T1", ADMIN)
    assert [v["kind"] for v in history["versions"]] == ["create", "update"]
    assert history["versions"][1]["reason"] == "机构职能调整"
    assert history["versions"][1]["changed_by"] == "admin"
    assert history["versions"][1]["changes"]["title"] == ["重点项目开工", "重点项目开工建设"]
    # The old lead still sees the task (its past targets), the new one leads it.
    assert tasks("list_tasks", ADMIN, unit="yz")["total"] == 1
    assert tasks("list_tasks", ADMIN, batch="2026年第二批")["total"] == 2


def test_an_edit_is_refused_clearly(tasks):
    seed(tasks)
    with pytest.raises(Forbidden):
        tasks("update_task", "T1", {"title": "x"}, "因为", YZ_OPERATOR)
    with pytest.raises(InvalidInput) as error:
        tasks("update_task", "T1", {"title": "x"}, "  ", ADMIN)
    with pytest.raises(InvalidInput) as error:
        tasks("update_task", "T1", {"due_date": "2026-08-31"}, "提前", ADMIN)
    assert error.value.detail["due_date"]["code"] == "target_outside_dates"
    with pytest.raises(InvalidInput) as error:
        tasks("update_task", "T1", {"lead_unit": "nobody"}, "改派", ADMIN)
    assert error.value.detail["lead_unit"]["code"] == "unit_unknown"
    with pytest.raises(InvalidInput):
        tasks("update_task", "T1", {"status": "closed"}, "改状态", ADMIN)
    # Nothing changed: the task as it is, no version, no event.
    tasks("update_task", "T1", {"title": "重点项目开工"}, "核对", ADMIN)
    assert len(tasks("get_task_history", "T1", ADMIN)["versions"]) == 1


def test_a_replan_replaces_what_is_not_yet_due_and_keeps_the_old_plan(tasks):
    seed(tasks)
    with pytest.raises(Forbidden):
        tasks("replan_task", "T1", [{"due_date": "2026-12-31", "planned_percent": 100}],
              "调整", YZ_OPERATOR)
    with pytest.raises(InvalidInput) as error:
        tasks("replan_task", "T1", [{"due_date": "2026-06-01", "planned_percent": 100}],
              "调整", ADMIN)
    assert error.value.detail["targets"]["0"]["due_date"]["code"] == "replan_in_past"
    with pytest.raises(InvalidInput):  # below what is already due
        tasks("replan_task", "T1", [{"due_date": "2026-10-31", "planned_percent": 40}],
              "调整", ADMIN)
    task = tasks("replan_task", "T1", [
        {"due_date": "2026-10-31", "planned_percent": 70, "unit": "fgw"},
        {"due_date": "2026-12-31", "planned_percent": 100}], "年中调整计划", ADMIN)
    assert [(t["seq"], t["plan_version"]) for t in task["targets"]] == [
        (1, 1), (2, 1), (5, 2), (6, 2)]
    (event,) = events_of(tasks, "task_replanned")
    assert event["replaced"] == [3, 4] and event["added"] == [5, 6]
    assert event["plan_version"] == 2 and event["effective_on"] == "2026-07-01"
    history = tasks("get_task_history", "T1", ADMIN)
    plans = {plan["version"]: plan for plan in history["plans"]}
    assert [t["replaced_in"] for t in plans[1]["targets"]] == [None, None, 2, 2]
    assert plans[2]["reason"] == "年中调整计划" and plans[2]["effective_on"] == "2026-07-01"
    assert history["versions"][-1]["kind"] == "replan"


def test_a_cancelled_task_is_announced_and_takes_nothing_more(tasks):
    seed(tasks)
    with pytest.raises(Forbidden):
        tasks("cancel_task", "T1", "不再实施", YZ_OPERATOR)
    task = tasks("cancel_task", "T1", "上级决定不再实施", ADMIN)
    assert task["status"] == "cancelled" and task["status_reason"] == "上级决定不再实施"
    (event,) = events_of(tasks, "task_cancelled")
    assert event["status"] == "cancelled" and event["lead_unit"] == "yz"
    with pytest.raises(Conflict) as error:
        tasks("cancel_task", "T1", "再撤销", ADMIN)
    assert error.value.detail["code"] == "task_not_active"
    answer = tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 60}], ADMIN)
    assert answer["accepted"] == 0
    batches = {b["batch"]: b for b in tasks("list_batches", ADMIN)["items"]}
    assert batches["2026年第一批"]["items"] == 1 and batches["2026年第一批"]["cancelled"] == 1


def test_a_unit_gets_a_new_head_then_is_merged_and_retired(tasks):
    seed(tasks)
    unit = tasks("update_unit", "yz", {"head": {"name": "王五", "phone": "13900000000",
                                                "email": "ww@example.cn"},
                                       "reason": "主要负责人调整"}, ADMIN)
    assert unit["head"]["name"] == "王五"
    (event,) = events_of(tasks, "unit_updated")
    assert event["unit"]["head"]["phone"] == "13900000000"
    assert event["changes"]["head"][0]["name"] == "张三"
    with pytest.raises(Conflict) as error:
        tasks("retire_unit", "yz", "机构改革", ADMIN)
    assert error.value.detail["code"] == "unit_leads_open_tasks"
    answer = tasks("merge_units", "yz", "zs", "机构改革", ADMIN)
    assert answer["tasks"] == ["T1"]
    task = tasks("get_task", "T1", ADMIN)
    assert task["lead_unit"] == "zs"
    assert [t["unit"] for t in task["targets"]] == ["yz", "yz", "zs", "zs"]
    merged = events_of(tasks, "units_merged")[0]
    assert merged["tasks"][0]["previous_lead_unit"] == "yz"
    retired = events_of(tasks, "unit_retired")[0]
    assert retired["merged_into"] == "zs"
    assert tasks("get_unit", "yz", ADMIN)["status"] == "retired"
    with pytest.raises(InvalidInput):  # a retired unit takes no new task
        tasks("create_task", {"code": "T9", "title": "新任务", "lead_unit": "yz",
                              "start_date": "2026-07-01", "due_date": "2026-12-31"}, ADMIN)
    with pytest.raises(Conflict):
        tasks("update_unit", "yz", {"name": "袁州"}, ADMIN)
    kinds = [item["kind"] for item in tasks("get_unit_history", "yz", ADMIN)["items"]]
    assert kinds == ["update", "merge"]
    assert tasks("get_task_history", "T1", ADMIN)["versions"][-1]["kind"] == "merge"


def test_a_unit_leading_nothing_open_retires(tasks):
    seed(tasks)
    tasks("update_unit", "fgw", {"name": "市发改委"}, ADMIN)
    unit = tasks("retire_unit", "fgw", "职能划转", ADMIN)
    assert unit["status"] == "retired" and unit["name"] == "市发改委"
    assert events_of(tasks, "unit_retired")[0]["merged_into"] is None
