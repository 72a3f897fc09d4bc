"""The warnings service's 三问 accountability records in a container, fed real
events through the broker: each ground checked against what the service holds,
the records scoped to their unit, and a rectification past its deadline red
until the record ends. Black-listed units are covered with the ranking in
tests/flows/test_leaders_and_accountability.py.

The service's "today" is pinned so the ground's days do not depend on the day
the tests run."""
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.common.clock import LocalClock
from services.common.errors import Forbidden, InvalidInput
from services.common.events import new_event
from services.warnings.service import Service
from tests.support.events import EventTap
from tests.support.publish import publish_event
from tests.support.services import TASK as SHARED_TASK
from tests.support.services import prepare, service_config

TASK = {**SHARED_TASK,
        "targets": [{"seq": 1, "due_date": "2026-03-31", "planned_percent": 30, "unit": "yz",
                     "description": None},
                    {"seq": 2, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
                     "description": None}]}
ADMIN = {"user": "admin", "role": "admin", "units": None}
LEADER = {"user": "leader", "role": "leader", "units": None}
YZ = {"user": "yz-op", "role": "operator", "units": ["yz"]}
ZS = {"user": "zs-op", "role": "operator", "units": ["zs"]}


@pytest.fixture
def warnings(container_factory, amqp_uri, tmp_path, db_backend, monkeypatch):
    config = service_config(amqp_uri, tmp_path,
                            {"warnings": db_backend} if db_backend else None)
    prepare(config, "warnings")
    # Given in January, the task is past its first reporting month by April.
    today = {"day": dt.date(2026, 1, 5)}
    monkeypatch.setattr(LocalClock, "now", lambda self: dt.datetime.combine(
        today["day"], dt.time(9), self.zone))
    container = container_factory(Service, config)
    container.start()
    tap = EventTap(amqp_uri, "warnings")

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    with entrypoint_waiter(container, "on_task_created"):
        publish_event(amqp_uri, "tasks", "task_created", new_event(task=TASK))
    call.tap = tap
    call.container = container
    call.set_today = lambda day: today.update(day=day)
    yield call
    tap.close()
    container.stop()


def _open(warnings, **data):
    return warnings("open_accountability_record", {
        "unit": "yz", "questions": ["accountability", "results"], "summary": "严重滞后",
        **data}, ADMIN)


def test_an_item_red_long_enough_is_a_ground_and_a_late_plan_turns_red(warnings):
    warnings("evaluate", "2026-04-23")  # T1 turns red that day
    warnings.set_today(dt.date(2026, 4, 24))
    with pytest.raises(InvalidInput) as refused:
        _open(warnings, ground="red_days", ground_ref="T1")
    assert "not_red_long_enough" in str(refused.value)
    with pytest.raises(InvalidInput):
        _open(warnings, ground="red_days", ground_ref="T9")
    warnings.set_today(dt.date(2026, 5, 20))  # ten working days on, the May Day week off
    record = _open(warnings, ground="red_days", ground_ref="T1")
    assert (record["task"], record["ground_name"], record["colour"]) == (
        "T1", "红色预警持续未消除", "green")
    assert record["question_names"] == ["问责", "问效"]

    # Scoped like the unit's tasks: its operator and the city-wide roles see it.
    assert warnings("list_accountability_records", YZ, open_only=True)["total"] == 1
    assert warnings("list_accountability_records", LEADER)["total"] == 1
    assert warnings("list_accountability_records", ZS)["total"] == 0
    with pytest.raises(Forbidden):
        warnings("submit_rectification_plan", record["id"], {"plan": "x",
                                                             "deadline": "2026-05-25"}, ZS)
    with pytest.raises(InvalidInput):
        warnings("submit_rectification_plan", record["id"], {"plan": "没有期限"}, YZ)
    warnings("submit_rectification_plan", record["id"], {
        "plan": "五月底前完成征地。", "deadline": "2026-05-25"}, YZ)

    assert warnings("evaluate", "2026-05-25")["rectifications_overdue"] == 0
    assert warnings("evaluate", "2026-05-26")["rectifications_overdue"] == 1
    assert warnings("evaluate", "2026-05-27")["rectifications_overdue"] == 0  # said once
    _, overdue = warnings.tap.until(lambda kind, _: kind == "rectification_overdue")
    assert (overdue["record_id"], overdue["deadline"], overdue["as_of"]) == (
        record["id"], "2026-05-25", "2026-05-26")
    _, changed = warnings.tap.until(lambda kind, payload: kind == "colour_changed" and any(
        change["item_kind"] == "rectification" for change in payload["changes"]))
    (change,) = changed["changes"]
    assert (change["item_key"], change["unit"], change["colour"], change["previous"]) == (
        f"R{record['id']}", "yz", "red", "green")

    warnings.set_today(dt.date(2026, 5, 28))
    closed = warnings("close_accountability_record", record["id"], ADMIN, note="已整改到位")
    assert (closed["status"], closed["colour"], closed["colour_since"]) == (
        "rectified", "green", "2026-05-28")
    _, changed = warnings.tap.until(lambda kind, payload: kind == "colour_changed" and any(
        change["item_kind"] == "rectification" for change in payload["changes"]))
    assert changed["changes"][0]["colour"] == "green"
    assert warnings("list_accountability_records", YZ, open_only=True)["total"] == 1
    assert warnings("list_accountability_records", YZ, status="open")["total"] == 0


def test_an_overdue_notice_is_a_ground_and_a_timely_one_is_not(warnings):
    warnings("evaluate", "2026-04-23")
    warnings("evaluate", "2026-04-30")  # issued: ack by 05-07
    (notice,) = warnings("list_notices")["items"]
    warnings.set_today(dt.date(2026, 5, 6))
    with pytest.raises(InvalidInput) as refused:
        _open(warnings, ground="notice_overdue", ground_ref=str(notice["id"]))
    assert "notice_not_overdue" in str(refused.value)
    warnings("evaluate", "2026-05-08")  # past its acknowledgement: yellow
    warnings.set_today(dt.date(2026, 5, 8))
    record = _open(warnings, ground="notice_overdue", ground_ref=str(notice["id"]))
    assert record["ground_detail"] == f"督办单 {notice['number']} 逾期未签收"
    assert record["task"] == "T1"
    with pytest.raises(InvalidInput) as refused:
        _open(warnings, unit="zs", ground="notice_overdue", ground_ref=str(notice["id"]))
    assert "notice_unknown" in str(refused.value) and "没有这份督办单" in str(refused.value)
    measured = warnings("record_accountability_measure", record["id"], {
        "kind": "criticism", "taken_on": "2026-05-09", "result": "全市通报"}, ADMIN)
    assert [(m["kind_name"], m["taken_on"]) for m in measured["measures"]] == [
        ("通报批评", "2026-05-09")]
    with pytest.raises(Forbidden):
        warnings("record_accountability_measure", record["id"], {
            "kind": "interview", "taken_on": "2026-05-09", "result": "x"}, YZ)


def test_a_confirmed_signal_of_gamed_numbers_opens_one_record_for_its_unit(
        warnings, amqp_uri):
    confirmed = new_event(
        signal_id=9, kind="reused_evidence", kind_name="同一佐证资料重复使用", task="T1",
        title="重点项目开工", unit="yz",
        detail="佐证资料（sha256前8位 ab12cd34）同时用于T1（樟树市）与T1（袁州区）的报送",
        note="同一验收报告重复使用", confirmed_by="admin", effective_on="2026-01-05")
    # Delivered twice (a redelivery after a crash): one record.
    for _ in range(2):
        with entrypoint_waiter(warnings.container, "on_gaming_signal_confirmed"):
            publish_event(amqp_uri, "tasks", "gaming_signal_confirmed", confirmed)
    _, opened = warnings.tap.until(lambda kind, _: kind == "accountability_opened")
    assert (opened["ground"], opened["unit"], opened["task"]) == ("gaming_signal", "yz", "T1")
    (record,) = warnings("list_accountability_records", ADMIN, unit="yz")["items"]
    assert (record["ground_name"], record["ground_ref"], record["opened_on"]) == (
        "数据真实性问题经核查属实", "9", "2026-01-05")
    assert record["ground_detail"].startswith("同一佐证资料重复使用：佐证资料")
    assert record["summary"] == "督查办核查属实：同一验收报告重复使用"
    assert record["question_names"] == ["问责", "问效"] and record["status"] == "open"
    # The unit sees its record and writes its plan as for any other ground.
    assert warnings("get_accountability_record", record["id"], YZ)["id"] == record["id"]
    # The office cannot open this ground by hand: only a confirmed signal does.
    with pytest.raises(InvalidInput):
        _open(warnings, ground="gaming_signal", ground_ref="9")
