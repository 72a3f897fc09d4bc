"""复核 in the tasks service: a unit's closing, 13710 stage and kept commitment
are requests; by the office's policy they count at once or wait for the office,
who confirms them (the fact event then, with the unit's own times) or sends them
back with a reason (the item as it was, verification_returned)."""
import base64
import datetime as dt

import pytest

from services.common.errors import Conflict, Forbidden, InvalidInput
from tests.service.test_tasks_service import ADMIN, PDF, clock, seed, tasks  # noqa: F401

LEAD = {"user": "yz-operator", "role": "operator", "units": ["yz"]}
OTHER = {"user": "zs-operator", "role": "operator", "units": ["zs"]}


def ready_to_close(call):
    seed(call)
    call("report_progress", [{"task": "T1", "unit": "yz", "percent": 100}], LEAD)
    call("add_evidence", "T1", "验收.pdf", "application/pdf", base64.b64encode(PDF).decode(),
         LEAD)
    call.tap.take(7)  # four units, the task, the report, the evidence


def kinds(taken):
    return [kind for kind, _ in taken]


def test_by_default_nothing_is_checked_and_a_closing_counts_at_once(tasks):  # noqa: F811
    ready_to_close(tasks)
    policy = tasks("get_verification_policy", ADMIN)
    assert policy["version"] == 1
    assert policy["rules"]["closure"] == {"mode": "none", "percent": 0}
    closed = tasks("close_task", "T1", LEAD)
    assert closed["status"] == "closed" and closed["verification"] is None
    taken = tasks.tap.take(2)
    # The fact first, as before 复核; then the request, counted.
    assert kinds(taken) == ["task_closed", "verification_requested"]
    assert taken[1][1]["pending"] is False
    assert tasks("list_verifications", ADMIN)["counts"]["total"] == 0
    done = tasks("list_verifications", ADMIN, status="counted")
    assert [item["kind"] for item in done["items"]] == ["closure"]


def test_a_checked_closing_waits_is_sent_back_then_confirmed(tasks, clock):  # noqa: F811
    ready_to_close(tasks)
    with pytest.raises(Forbidden):
        tasks("update_verification_policy", {"closure": {"mode": "all"}}, LEAD)
    changed = tasks("update_verification_policy", {"closure": {"mode": "all"}}, ADMIN,
                    note="年底销号全部复核")
    assert changed["version"] == 2 and changed["rules"]["closure"] == {"mode": "all",
                                                                      "percent": 100}
    assert changed["changes"] == {"closure": [{"mode": "none", "percent": 0},
                                              {"mode": "all", "percent": 100}]}

    asked = tasks("close_task", "T1", LEAD)
    assert asked["status"] == "active"
    assert asked["verification"]["status"] == "pending"
    assert asked["verification"]["status_name"] == "待复核"
    (event,) = tasks.tap.take(1)
    assert event[0] == "verification_requested" and event[1]["pending"] is True
    with pytest.raises(Conflict) as asked_again:
        tasks("close_task", "T1", LEAD)
    assert "verification_pending" in str(asked_again.value)

    # The unit reads 待复核 in its list of tasks and on the task; never the draw.
    listed = tasks("list_tasks", LEAD)["items"][0]
    assert listed["verification"]["status_name"] == "待复核"
    mine = tasks("get_task", "T1", LEAD)["verifications"]
    assert [item["status"] for item in mine] == ["pending"] and "draw" not in mine[0]
    assert "policy_version" not in mine[0]
    with pytest.raises(Forbidden):
        tasks("confirm_verification", mine[0]["id"], LEAD)

    queue = tasks("list_verifications", ADMIN)
    assert queue["counts"] == {"closure": 1, "clock_stage": 0, "commitment": 0, "total": 1}
    (item,) = queue["items"]
    assert item["task_title"] == "重点项目开工" and item["unit_name"] == "袁州区"
    assert item["kind_name"] == "销号" and item["claim"]["percent"] == 100
    assert "draw" not in item

    with pytest.raises(InvalidInput):
        tasks("return_verification", item["id"], "  ", ADMIN)
    returned = tasks("return_verification", item["id"], "验收报告未盖章", ADMIN)
    assert returned["status"] == "returned" and returned["reason"] == "验收报告未盖章"
    (event,) = tasks.tap.take(1)
    assert event[0] == "verification_returned"
    assert event[1]["reason"] == "验收报告未盖章" and event[1]["verification"]["unit"] == "yz"
    with pytest.raises(Conflict):
        tasks("confirm_verification", item["id"], ADMIN)
    task = tasks("get_task", "T1", LEAD)
    assert task["status"] == "active"
    assert task["verification"]["status_name"] == "被退回"
    assert task["verification"]["reason"] == "验收报告未盖章"

    clock.set(dt.date(2026, 1, 5), hour=10)
    again = tasks("close_task", "T1", LEAD)
    assert again["verification"]["status"] == "pending"
    tasks.tap.take(1)
    pending = tasks("list_verifications", ADMIN)["items"][0]
    confirmed = tasks("confirm_verification", pending["id"], ADMIN)
    assert confirmed["status"] == "confirmed"
    taken = tasks.tap.take(2)
    assert kinds(taken) == ["task_closed", "verification_confirmed"]
    # Closed as of the day the unit asked, though the office confirmed later.
    assert taken[0][1]["effective_on"] == "2026-01-05"
    task = tasks("get_task", "T1", LEAD)
    assert task["status"] == "closed" and task["verification"] is None
    # The unit does not tell a confirmed request from one counted at once.
    assert [item["status"] for item in task["verifications"]] == ["returned", "counted"]
    counted = tasks("list_verifications", LEAD, status="confirmed")["items"]
    assert [item["status_name"] for item in counted] == ["已计入"]

    timeline = tasks("get_task_history", "T1", LEAD)["verifications"]
    assert [entry["kind"] for entry in timeline] == [
        "verification_requested", "verification_returned", "verification_requested",
        "verification_confirmed"]
    assert timeline[1]["reason"] == "验收报告未盖章"


def test_a_checked_stage_keeps_the_units_own_times(tasks):  # noqa: F811
    seed(tasks)
    tasks.tap.take(5)
    tasks("update_verification_policy", {"clock_stage": {"mode": "all"}}, ADMIN)
    clocks = tasks("record_clock_stage", "T1", "deployed", LEAD,
                   recorded_at="2026-01-02T09:00:00+08:00")
    assert clocks == []  # not counted yet
    with pytest.raises(Conflict):
        tasks("record_clock_stage", "T1", "deployed", LEAD)
    (item,) = tasks("list_verifications", ADMIN, kind="clock_stage")["items"]
    assert item["subject_name"] == "部署"
    assert item["claim"]["recorded_at"] == "2026-01-02T01:00:00"
    tasks.tap.take(1)
    tasks("confirm_verification", item["id"], ADMIN)
    (fact, confirmed) = tasks.tap.take(2)
    assert fact[0] == "clock_stage_recorded" and confirmed[0] == "verification_confirmed"
    assert fact[1]["recorded_at"] == "2026-01-02T01:00:00"
    assert fact[1]["received_at"] == "2026-01-03T02:00:00"
    assert tasks("get_task", "T1", LEAD)["clocks"][0]["stage"] == "deployed"


def test_a_checked_commitment_is_sent_back_open_and_kept_as_of_its_day(tasks):  # noqa: F811
    seed(tasks)
    made = tasks("create_commitment", {"task": "T1", "unit": "yz", "step": "完成用地报批",
                                       "promised_date": "2026-03-31", "result": "取得批复"},
                 LEAD)
    tasks.tap.take(6)
    tasks("update_verification_policy", {"commitment": {"mode": "all"}}, ADMIN)
    with pytest.raises(Forbidden):
        tasks("fulfil_commitment", made["id"], OTHER)
    asked = tasks("fulfil_commitment", made["id"], LEAD)
    assert asked["status"] == "open" and asked["verification"]["status_name"] == "待复核"
    tasks.tap.take(1)
    (item,) = tasks("list_verifications", ADMIN)["items"]
    assert item["subject_name"] == "完成用地报批"
    tasks("return_verification", item["id"], "未见批复文件", ADMIN)
    listed = tasks("list_commitments", LEAD)["items"][0]
    assert listed["status"] == "open"
    assert listed["verification"]["status_name"] == "被退回"
    assert listed["verification"]["reason"] == "未见批复文件"
    tasks.tap.take(1)
    tasks("fulfil_commitment", made["id"], LEAD)
    tasks.tap.take(1)
    (item,) = tasks("list_verifications", ADMIN)["items"]
    tasks("confirm_verification", item["id"], ADMIN)
    (fact, _confirmed) = tasks.tap.take(2)
    assert fact[0] == "commitment_fulfilled"
    assert fact[1]["commitment"]["fulfilled_at"] == item["claim"]["fulfilled_at"]
    assert tasks("list_commitments", LEAD)["items"][0]["verification"] is None


def test_a_share_is_drawn_and_kept_but_never_shown_to_units(tasks):  # noqa: F811
    seed(tasks)
    with pytest.raises(InvalidInput):
        tasks("update_verification_policy", {"clock_stage": {"mode": "share",
                                                             "percent": 100}}, ADMIN)
    tasks("update_verification_policy", {"clock_stage": {"mode": "share", "percent": 50}},
          ADMIN)
    for stage in ("deployed", "first_feedback", "closed"):
        tasks("record_clock_stage", "T1", stage, LEAD)
    every = tasks("list_verifications", ADMIN, status=None)["items"]
    assert len(every) == 3
    assert {item["status"] for item in every} <= {"pending", "counted"}
    assert all(item["policy_version"] == 2 for item in every)
    recorded = {stage["stage"] for stage in tasks("get_task", "T1", LEAD)["clocks"]}
    assert recorded == {item["subject"] for item in every if item["status"] == "counted"}
    seen = tasks("list_verifications", LEAD, status=None)["items"]
    assert all("draw" not in item and "policy_version" not in item for item in seen)
    # A unit never lists another unit's requests.
    assert tasks("list_verifications", OTHER, status=None)["items"] == []


def test_the_office_own_closing_is_not_checked_by_itself(tasks):  # noqa: F811
    ready_to_close(tasks)
    tasks("update_verification_policy", {"closure": {"mode": "all"}}, ADMIN)
    assert tasks("close_task", "T1", ADMIN)["status"] == "closed"


def test_stage_feedback_asks_for_its_stage_as_recording_does(tasks):  # noqa: F811
    seed(tasks)
    tasks("update_verification_policy", {"clock_stage": {"mode": "all"}}, ADMIN)
    tasks("give_stage_feedback", "T1", {"stage": "deployed", "text": "已召开部署会"}, LEAD)
    # The feedback is kept; the stage waits for the office, asked once.
    tasks("give_stage_feedback", "T1", {"stage": "deployed", "text": "补充会议纪要"}, LEAD)
    assert tasks("get_task", "T1", LEAD)["clocks"] == []
    (item,) = tasks("list_verifications", ADMIN)["items"]
    assert (item["kind"], item["subject"]) == ("clock_stage", "deployed")
    tasks("confirm_verification", item["id"], ADMIN)
    assert [c["stage"] for c in tasks("get_task", "T1", LEAD)["clocks"]] == ["deployed"]
