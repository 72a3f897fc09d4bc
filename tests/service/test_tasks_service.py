"""The tasks service in a container: units, tasks, progress batches, evidence,
closing, clocks and commitments, with the events its outbox publishes. The
service runs on a clock the tests set (LUOSHI_CLOCK_FILE): 2026-01-03, 10:00 in
the city."""
import base64
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from services.common.events import new_event
from services.tasks import service as service_module
from services.tasks.service import Service
from tests.support.dates import PlatformClock
from tests.support.events import EventTap
from tests.support.holiday_notices import BODY_2027
from tests.support.publish import publish_event
from tests.support.services import prepare, service_config

ADMIN = {"user": "admin", "role": "admin", "units": None}
LEADER = {"user": "leader", "role": "leader", "units": None}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def clock(tmp_path, monkeypatch):
    clock = PlatformClock(tmp_path / "now", dt.date(2026, 1, 3), hour=10)
    monkeypatch.setenv("LUOSHI_CLOCK_FILE", str(clock.path))
    return clock


@pytest.fixture
def tasks(container_factory, amqp_uri, tmp_path, db_backend, clock):
    config = service_config(amqp_uri, tmp_path, {"tasks": db_backend} if db_backend else None)
    prepare(config, "tasks")
    tap = EventTap(amqp_uri, "tasks")
    container = container_factory(Service, config)
    container.start()

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    def deliver(producer, event_type, payload):
        with entrypoint_waiter(container, f"on_{event_type}"):
            publish_event(amqp_uri, producer, event_type, payload)

    call.tap, call.deliver = tap, deliver
    call.db = next(dep for dep in container.dependencies if dep.attr_name == "db")
    call.engine = call.db.engine
    yield call
    tap.close()
    container.stop()  # before its database is dropped


def seed(call):
    call("create_unit", {"code": "city", "name": "市抓落实办", "kind": "office"}, ADMIN)
    call("create_unit", {"code": "yz", "name": "袁州区", "kind": "county", "parent": "city",
                         "head": {"name": "张三", "phone": "13800000000",
                                  "email": "zs@example.cn"}}, ADMIN)
    call("create_unit", {"code": "zs", "name": "樟树市", "kind": "county", "parent": "city"},
         ADMIN)
    call("create_unit", {"code": "fgw", "name": "市发展改革委", "kind": "department"}, ADMIN)
    return call("create_task", {
        "code": "T1", "title": "重点项目开工", "lead_unit": "yz", "start_date": "2026-01-01",
        "due_date": "2026-12-31", "category": "产业项目", "source": "assignment",
        "clock_class": "important", "cooperating_units": ["fgw"],
        "targets": [{"due_date": "2026-06-30", "planned_percent": 50},
                    {"due_date": "2026-12-31", "planned_percent": 100}],
    }, ADMIN)


def test_task_is_created_with_targets_and_announced(tasks):
    task = seed(tasks)
    assert task["status"] == "active"
    assert [t["seq"] for t in task["targets"]] == [1, 2]
    assert task["targets"][0]["unit"] == "yz"  # a target without a unit is the lead unit's
    kinds = [kind for kind, _ in tasks.tap.take(5)]
    assert kinds == ["unit_created"] * 4 + ["task_created"]


def test_bad_task_input_is_refused_whole(tasks):
    seed(tasks)
    with pytest.raises(Conflict):
        tasks("create_task", {"code": "T1", "title": "x", "lead_unit": "yz",
                              "start_date": "2026-01-01", "due_date": "2026-02-01"}, ADMIN)
    with pytest.raises(InvalidInput) as error:
        tasks("create_task", {"code": "T2", "title": "x", "lead_unit": "nobody",
                              "start_date": "2026-01-01", "due_date": "2026-02-01",
                              "targets": [{"due_date": "2026-03-01", "planned_percent": 50}]},
              ADMIN)
    assert "targets" in error.value.detail
    with pytest.raises(InvalidInput):
        tasks("create_task", {"code": "T3", "title": "x", "lead_unit": "yz",
                              "start_date": "2026-02-30", "due_date": "2026-03-01"}, ADMIN)
    with pytest.raises(Forbidden):
        tasks("create_unit", {"code": "x", "name": "x", "kind": "county"}, LEADER)
    assert tasks("list_tasks", ADMIN)["total"] == 1


def test_a_batch_keeps_good_items_and_explains_bad_ones(tasks):
    seed(tasks)
    answer = tasks("report_progress", [
        {"task": "T1", "unit": "yz", "percent": 40, "note": "开工"},
        {"task": "T1", "unit": "yz", "percent": 30},                   # lower, no correction
        {"task": "T1", "unit": "yz", "percent": 30, "correction": True},  # correction, no note
        {"task": "T1", "unit": "yz", "percent": 101},
        {"task": "NOPE", "unit": "yz", "percent": 10},
        {"task": "T1", "unit": "zs", "percent": 10},                   # not assigned
        {"task": "T1", "unit": "fgw", "percent": 45},
        "not an object",
    ], ADMIN, source="county-yz")
    statuses = [result["status"] for result in answer["results"]]
    assert statuses == ["accepted", "rejected", "rejected", "rejected", "rejected",
                        "rejected", "accepted", "rejected"]
    assert answer["accepted"] == 2 and answer["rejected"] == 6
    assert answer["results"][1]["code"] == "percent_lower"
    assert "低于上次报送的 40%" in answer["results"][1]["reason"]
    assert answer["results"][2]["code"] == "correction_needs_note"
    assert "percent" in answer["results"][3]["reason"]
    assert [answer["results"][index]["code"] for index in (4, 5)] == [
        "task_unknown", "unit_not_assigned"]
    task = tasks("get_task", "T1", ADMIN)
    assert task["percent"] == 45
    assert [p["percent"] for p in task["progress"]] == [40, 45]
    events = [event for event in tasks.tap.take(6) if event[0] == "progress_reported"]
    (_, payload), = events
    assert [r["percent"] for r in payload["reports"]] == [40, 45]
    assert payload["source"] == "county-yz"


def test_a_correction_with_a_note_lowers_the_percentage(tasks):
    seed(tasks)
    tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 60}], ADMIN)
    answer = tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 50,
                                        "correction": True, "note": "重复统计"}], ADMIN)
    assert answer["accepted"] == 1
    assert tasks("get_task", "T1", ADMIN)["percent"] == 50


def test_batch_limits(tasks):
    seed(tasks)
    with pytest.raises(InvalidInput):
        tasks("report_progress", [], ADMIN)
    with pytest.raises(TooLarge):
        tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 1}] * 1001, ADMIN)
    answer = tasks("report_progress",
                   [{"task": "T1", "unit": "yz", "percent": i / 10} for i in range(1000)], ADMIN)
    assert answer["accepted"] == 1000


def test_operators_see_and_write_only_their_units(tasks):
    seed(tasks)
    zs = {"user": "op", "role": "operator", "units": ["zs"]}
    city = {"user": "op2", "role": "operator", "units": ["city"]}  # the units below it too
    with pytest.raises(Forbidden):
        tasks("get_task", "T1", zs)
    with pytest.raises(Forbidden):
        tasks("get_task", "NO-SUCH", zs)  # the same answer: no hint it does not exist
    assert tasks("list_tasks", zs)["total"] == 0
    assert tasks("get_task", "T1", city)["code"] == "T1"
    answer = tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 5}], zs)
    assert answer["results"][0]["status"] == "rejected"
    with pytest.raises(Forbidden):
        tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 5}], LEADER)


def test_evidence_is_checked_by_content_and_closing_needs_it(tasks):
    seed(tasks)
    tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 100}], ADMIN)
    with pytest.raises(Conflict):
        tasks("close_task", "T1", ADMIN)  # no evidence yet
    with pytest.raises(InvalidInput):
        tasks("add_evidence", "T1", "setup.pdf", "application/pdf",
              base64.b64encode(b"MZ\x90\x00\x03\x00\x00\x00").decode(), ADMIN)
    stored = tasks("add_evidence", "T1", "验收报告.pdf", "application/pdf",
                   base64.b64encode(PDF).decode(), ADMIN)
    assert stored["content_type"] == "application/pdf" and stored["size"] == len(PDF)
    fetched = tasks("get_evidence", "T1", stored["id"], ADMIN)
    assert base64.b64decode(fetched["content_b64"]) == PDF
    closed = tasks("close_task", "T1", ADMIN)
    assert closed["status"] == "closed"
    answer = tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 100}], ADMIN)
    assert answer["results"][0]["code"] == "task_not_active"
    assert "已销号" in answer["results"][0]["reason"]
    with pytest.raises(Conflict):
        tasks("explain_task", "T1", "已完成", ADMIN)


def test_explaining_needs_a_reason(tasks):
    seed(tasks)
    with pytest.raises(InvalidInput):
        tasks("explain_task", "T1", "  ", ADMIN)
    explained = tasks("explain_task", "T1", "政策调整，项目取消", ADMIN)
    assert explained["status"] == "explained"
    assert explained["status_reason"] == "政策调整，项目取消"


def test_clock_stages_and_commitments(tasks):
    seed(tasks)
    clocks = tasks("record_clock_stage", "T1", "deployed", ADMIN,
                   recorded_at="2026-01-02T09:00:00+08:00")
    # Done when the unit says, received when the platform heard of it.
    assert clocks == [{"stage": "deployed", "recorded_at": "2026-01-02T01:00:00",
                       "received_at": "2026-01-03T02:00:00"}]
    with pytest.raises(Conflict):
        tasks("record_clock_stage", "T1", "deployed", ADMIN)
    with pytest.raises(InvalidInput):
        tasks("record_clock_stage", "T1", "someday", ADMIN)
    made = tasks("create_commitment", {"task": "T1", "unit": "yz", "step": "完成用地报批",
                                       "promised_date": "2026-03-31", "result": "取得批复"},
                 ADMIN)
    assert made["status"] == "open"
    kept = tasks("fulfil_commitment", made["id"], ADMIN)
    assert kept["status"] == "fulfilled"
    with pytest.raises(NotFound):
        tasks("fulfil_commitment", 999, ADMIN)


def test_import_saves_nothing_when_a_row_fails(tasks):
    seed(tasks)
    good = {"code": "T9", "title": "好", "lead_unit": "yz", "start_date": "2026-01-01",
            "due_date": "2026-03-01"}
    bad = {**good, "code": "T10", "lead_unit": "ghost"}
    answer = tasks("import_tasks", [good, bad, {**good}], ADMIN)
    assert answer["created"] == 0
    assert {(e["row"], e["field"]) for e in answer["errors"]} == {(2, "lead_unit"), (3, "code")}
    assert tasks("list_tasks", ADMIN)["total"] == 1
    assert tasks("import_tasks", [good], ADMIN)["created"] == 1


def test_an_import_is_stored_at_once_and_announced_in_slices(tasks, monkeypatch):
    monkeypatch.setattr(service_module, "IMPORT_EVENT_TASKS", 4)
    seed(tasks)
    tasks.tap.take(5)
    rows = [{"code": f"I{n}", "title": f"任务{n}", "lead_unit": "zs", "start_date": "2026-01-01",
             "due_date": "2026-03-01", "cooperating_units": ["fgw"],
             "targets": [{"due_date": "2026-02-01", "planned_percent": 40},
                         {"due_date": "2026-03-01", "planned_percent": 100}]}
            for n in range(10)]
    assert tasks("import_tasks", rows, ADMIN)["created"] == 10
    slices = [payload["tasks"] for _, payload in tasks.tap.take(3)]
    assert [[task["code"] for task in part] for part in slices] == [
        ["I0", "I1", "I2", "I3"], ["I4", "I5", "I6", "I7"], ["I8", "I9"]]
    assert slices[0][0]["cooperating_units"] == ["fgw"]
    assert [t["planned_percent"] for t in slices[2][1]["targets"]] == [40, 100]
    assert tasks("list_tasks", ADMIN, unit="zs")["total"] == 10
    # A unit's tasks, as the one screen counts them, are those it leads.
    assert tasks("list_tasks", ADMIN, unit="fgw")["total"] == 11
    assert tasks("list_tasks", ADMIN, lead_unit="fgw")["total"] == 0
    assert tasks("list_tasks", ADMIN, lead_unit="zs", q="任务1")["total"] == 1


def test_a_batch_under_one_key_is_stored_once(tasks):
    seed(tasks)
    batch = [{"task": "T1", "unit": "yz", "percent": 30}, {"task": "T1", "unit": "fgw",
                                                          "percent": 35}]
    first = tasks("report_progress", batch, ADMIN, idempotency_key="yz-2026-05")
    again = tasks("report_progress", [dict(reversed(item.items())) for item in batch], ADMIN,
                  idempotency_key="yz-2026-05")
    assert again == first
    assert len(tasks("get_task", "T1", ADMIN)["progress"]) == 2
    with pytest.raises(Conflict):
        tasks("report_progress", batch[:1], ADMIN, idempotency_key="yz-2026-05")
    # Keys belong to their caller: another caller's same key is a new batch.
    other = {"user": "county-system", "role": "admin", "units": None}
    assert tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 40}], other,
                 idempotency_key="yz-2026-05")["accepted"] == 1


def test_a_batchs_answer_is_kept_thirty_days_under_its_key(tasks, clock):
    seed(tasks)
    batch = [{"task": "T1", "unit": "yz", "percent": 30}]
    first = tasks("report_progress", batch, ADMIN, idempotency_key="yz-2026-01")
    clock.set(dt.date(2026, 2, 1), hour=10)  # 29 days on: a retry is the first answer
    assert tasks.db.retention.forget()["progress_batches"] == 0
    assert tasks("report_progress", batch, ADMIN, idempotency_key="yz-2026-01") == first
    clock.set(dt.date(2026, 2, 3), hour=10)  # 31 days on: forgotten, the key is free
    assert tasks.db.retention.forget()["progress_batches"] == 1
    again = tasks("report_progress", batch, ADMIN, idempotency_key="yz-2026-01")
    assert again["batch_id"] != first["batch_id"] and again["accepted"] == 1


def test_the_office_extends_a_task_or_a_target_and_it_is_announced(tasks):
    seed(tasks)
    with pytest.raises(Forbidden):
        tasks("extend_task", "T1", "2027-03-31", LEADER, reason="征地延误")
    with pytest.raises(InvalidInput):
        tasks("extend_task", "T1", "2026-12-01", ADMIN, reason="提前")  # not later
    with pytest.raises(InvalidInput):
        tasks("extend_task", "T1", "2027-03-31", ADMIN, reason=" ")
    with pytest.raises(InvalidInput):  # a target stays within its task
        tasks("extend_task", "T1", "2027-01-31", ADMIN, seq=1, reason="征地延误")
    with pytest.raises(NotFound):
        tasks("extend_task", "T1", "2026-09-30", ADMIN, seq=9, reason="征地延误")
    task = tasks("extend_task", "T1", "2027-03-31", ADMIN, reason="征地延误")
    assert task["due_date"] == "2027-03-31"
    assert task["targets"][1]["due_date"] == "2027-03-31"  # the final target moves too
    task = tasks("extend_task", "T1", "2026-09-30", ADMIN, seq=1, reason="汛期停工")
    assert task["targets"][0]["due_date"] == "2026-09-30"
    task = tasks("extend_task", "T1", "2027-06-30", ADMIN, reason="再次延期")
    assert [(e["seq"], e["new_due_date"]) for e in task["extensions"]] == [
        (None, "2027-03-31"), (1, "2026-09-30"), (None, "2027-06-30")]
    extended = [payload for kind, payload in tasks.tap.take(8) if kind == "task_extended"]
    assert [(e["seq"], e["previous_due_date"], e["new_due_date"], e["count"])
            for e in extended] == [(None, "2026-12-31", "2027-03-31", 1),
                                   (1, "2026-06-30", "2026-09-30", 1),
                                   (None, "2027-03-31", "2027-06-30", 2)]


def test_commitments_are_listed_within_the_callers_units(tasks):
    seed(tasks)
    for step, day in (("完成施工招标", "2026-05-31"), ("完成用地报批", "2026-03-31")):
        tasks("create_commitment", {"task": "T1", "unit": "yz", "step": step,
                                    "promised_date": day, "result": "按期完成"}, ADMIN)
    listed = tasks("list_commitments", ADMIN, unit="yz")
    assert [item["step"] for item in listed["items"]] == ["完成用地报批", "完成施工招标"]
    tasks("fulfil_commitment", listed["items"][0]["id"], ADMIN)
    assert tasks("list_commitments", ADMIN, status="open")["total"] == 1
    yz = {"user": "yz-op", "role": "operator", "units": ["yz"]}
    fgw = {"user": "fgw-op", "role": "operator", "units": ["fgw"]}
    assert tasks("list_commitments", yz)["total"] == 2
    assert tasks("list_commitments", fgw)["total"] == 0
    with pytest.raises(InvalidInput):
        tasks("list_commitments", ADMIN, limit=0)


def test_text_no_database_can_store_is_refused_per_item_never_failing_the_batch(tasks):
    """On PostgreSQL a NUL or a lone surrogate used to fail the whole transaction:
    each is refused for its own item or field, with its stable code."""
    seed(tasks)
    answer = tasks("report_progress", [
        {"task": "T1", "unit": "yz", "percent": 20, "note": "路基完成"},
        {"task": "T1", "unit": "yz", "percent": 30, "note": "坏\u0000备注"},
        {"task": "T1", "unit": "yz", "percent": 40, "note": "半个\ud800代理"},
        {"task": "T1", "unit": "yz", "percent": 50, "note": "响铃\u0007"},
    ], ADMIN)
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "rejected",
                                                        "rejected"]
    reasons = [str(r.get("reason")) for r in answer["results"]]
    assert "text_control_character" in reasons[1] and "note" in reasons[1]
    assert "text_unpaired_surrogate" in reasons[2]
    assert "text_control_character" in reasons[3]
    detail = tasks("get_task", "T1", ADMIN)
    assert [p["percent"] for p in detail["progress"]] == [20]
    assert detail["progress"][0]["note"] == "路基完成"

    refused = [
        ("create_unit", ({"code": "bad", "name": "坏\u0000单位", "kind": "county"}, ADMIN)),
        ("create_unit", ({"code": "bad", "name": "单位\ud83d", "kind": "county"}, ADMIN)),
        ("create_task", ({"code": "T9", "title": "任务", "lead_unit": "yz",
                          "start_date": "2026-01-01", "due_date": "2026-12-31",
                          "targets": [{"due_date": "2026-06-30", "planned_percent": 50,
                                       "description": "目标\u0000"}]}, ADMIN)),
        ("get_unit", ("y\u0000z", ADMIN)),
        ("get_task", ("T\u00001", ADMIN)),
        ("list_tasks", (ADMIN,), {"unit": "y\u0000z"}),
        ("explain_task", ("T1", "理由\u0000", ADMIN)),
        ("add_evidence", ("T1", "a\u0000.pdf", "application/pdf",
                          base64.b64encode(PDF).decode(), ADMIN)),
    ]
    for method, args, *kwargs in refused:
        with pytest.raises(InvalidInput) as refusal:
            tasks(method, *args, **(kwargs[0] if kwargs else {}))
        assert "text_" in str(refusal.value), method
    assert [unit["code"] for unit in tasks("list_units", ADMIN)["items"]
            if unit["code"] == "bad"] == []


COOPERATING = [
    {"user": "fgw-operator", "role": "operator", "units": ["fgw"]},
    # A county system's key arrives as an operator of the units it covers.
    {"user": "api-key:fgw-system", "role": "operator", "units": ["fgw"]},
]


@pytest.mark.parametrize("caller", COOPERATING, ids=["operator", "key"])
def test_a_cooperating_unit_does_not_act_for_the_task_as_a_whole(tasks, caller):
    seed(tasks)
    answer = tasks("report_progress", [
        {"task": "T1", "unit": "fgw", "percent": 100, "note": "全部完成"},
    ], caller)
    (result,) = answer["results"]
    assert result["status"] == "rejected" and result["code"] == "lead_unit_only"
    assert "牵头单位" in result["reason"]
    for method, args in (("close_task", ("T1",)), ("explain_task", ("T1", "不再推进")),
                         ("record_clock_stage", ("T1", "deployed"))):
        with pytest.raises(Forbidden) as error:
            tasks(method, *args, caller=caller)
        assert error.value.detail["code"] == "lead_unit_only"
    # What is its own it still does: read the task, add evidence, promise a step.
    tasks("add_evidence", "T1", "配合材料.pdf", "application/pdf",
          base64.b64encode(PDF).decode(), caller)
    tasks("create_commitment", {"task": "T1", "unit": "fgw", "step": "审批",
                                "promised_date": "2026-05-01", "result": "完成立项审批"}, caller)
    task = tasks("get_task", "T1", caller)
    assert task["percent"] == 0 and task["status"] == "active" and task["clocks"] == []


def test_the_lead_unit_acts_for_its_task(tasks):
    seed(tasks)
    lead = {"user": "yz-operator", "role": "operator", "units": ["yz"]}
    answer = tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 100}], lead)
    assert answer["accepted"] == 1
    tasks("record_clock_stage", "T1", "deployed", caller=lead)
    tasks("add_evidence", "T1", "验收.pdf", "application/pdf",
          base64.b64encode(PDF).decode(), lead)
    assert tasks("close_task", "T1", caller=lead)["status"] == "closed"


# When a report or a stage was received ------------------------------------------

def test_timeliness_is_judged_by_receipt_and_the_reports_own_time_is_bounded(tasks):
    seed(tasks)
    operator = {"user": "yz-op", "role": "operator", "units": ["yz"]}
    answer = tasks("report_progress", [
        {"task": "T1", "unit": "yz", "percent": 20, "reported_at": "2025-12-31T11:00:00+08:00"},
        {"task": "T1", "unit": "yz", "percent": 30, "reported_at": "2025-12-30T09:00:00+08:00"},
        {"task": "T1", "unit": "yz", "percent": 35, "received_at": "2026-01-01T09:00:00+08:00"},
    ], operator)
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "rejected"]
    assert [r.get("code") for r in answer["results"]] == [
        None, "reported_at_too_old", "received_at_office_only"]
    assert "2025年12月30日" in answer["results"][1]["reason"]
    (report,) = tasks("get_task", "T1", ADMIN)["progress"]
    assert (report["reported_at"], report["received_at"]) == (
        "2025-12-31T03:00:00", "2026-01-03T02:00:00")
    (_, event), = [e for e in tasks.tap.take(6) if e[0] == "progress_reported"]
    assert [(r["reported_at"], r["received_at"]) for r in event["reports"]] == [
        ("2025-12-31T03:00:00", "2026-01-03T02:00:00")]


def test_the_office_enters_a_report_it_received_earlier(tasks):
    seed(tasks)
    answer = tasks("report_progress", [
        {"task": "T1", "unit": "yz", "percent": 20, "received_at": "2025-12-20T09:00:00+08:00"},
    ], ADMIN)
    assert answer["accepted"] == 1, answer
    (report,) = tasks("get_task", "T1", ADMIN)["progress"]
    assert report["received_at"] == report["reported_at"] == "2025-12-20T01:00:00"


def test_a_stage_done_too_long_before_it_is_recorded_is_refused_with_its_code(tasks):
    seed(tasks)
    with pytest.raises(InvalidInput) as refused:
        tasks("record_clock_stage", "T1", "deployed", ADMIN,
              recorded_at="2025-12-30T09:00:00+08:00")
    assert refused.value.detail["code"] == "recorded_at_too_old"
    with pytest.raises(InvalidInput) as ahead:
        tasks("record_clock_stage", "T1", "deployed", ADMIN,
              recorded_at="2026-01-04T09:00:00+08:00")
    assert ahead.value.detail["code"] == "recorded_at_in_future"
    assert tasks("get_task", "T1", ADMIN)["clocks"] == []
    tasks("record_clock_stage", "T1", "deployed", ADMIN)
    (_, event), = [e for e in tasks.tap.take(6) if e[0] == "clock_stage_recorded"]
    assert event["recorded_at"] == event["received_at"] == "2026-01-03T02:00:00"


def test_the_office_corrects_when_a_report_was_received_and_it_is_kept(tasks, clock):
    seed(tasks)
    first = tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 20}], ADMIN)
    clock.set(dt.date(2026, 1, 12), hour=10)
    tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 20}], ADMIN)
    report_id = first["results"][0]["id"]
    operator = {"user": "yz-op", "role": "operator", "units": ["yz"]}
    with pytest.raises(Forbidden):
        tasks("correct_report_receipt", report_id, "2026-01-02T09:00:00+08:00", "纸质已送达",
              operator)
    with pytest.raises(InvalidInput):
        tasks("correct_report_receipt", report_id, "2026-01-02T09:00:00+08:00", "  ", ADMIN)
    with pytest.raises(InvalidInput) as ahead:
        tasks("correct_report_receipt", report_id, "2026-01-13T09:00:00+08:00", "明天", ADMIN)
    assert ahead.value.detail["code"] == "received_at_in_future"
    with pytest.raises(NotFound):
        tasks("correct_report_receipt", 999, "2026-01-02T09:00:00+08:00", "纸质已送达", ADMIN)

    corrected = tasks("correct_report_receipt", report_id, "2026-01-02T09:00:00+08:00",
                      "纸质材料已于1月2日送达", ADMIN)
    assert corrected["received_at"] == "2026-01-02T01:00:00"
    assert [(c["previous_received_at"], c["received_at"], c["reason"], c["corrected_by"])
            for c in corrected["corrections"]] == [
        ("2026-01-03T02:00:00", "2026-01-02T01:00:00", "纸质材料已于1月2日送达", "admin")]
    progress = tasks("get_task", "T1", ADMIN)["progress"]
    assert [p["received_at"] for p in progress] == ["2026-01-02T01:00:00",
                                                    "2026-01-12T02:00:00"]
    (_, event), = [e for e in tasks.tap.take(8) if e[0] == "progress_receipt_corrected"]
    assert event["report"]["id"] == report_id
    assert event["previous_received_at"] == "2026-01-03T02:00:00"
    # The task's latest receipt is the second report's; the only rise is the first's.
    assert (event["last_received_at"], event["last_rise_received_at"]) == (
        "2026-01-12T02:00:00", "2026-01-02T01:00:00")


def test_a_leaders_new_matter_is_due_when_its_13710_clock_closes_by_the_offices_calendar(
        tasks):
    seed(tasks)
    tasks.deliver("warnings", "calendar_changed", new_event(
        year=2027, version=1, holidays=BODY_2027["holidays"], workdays=BODY_2027["workdays"],
        note="录入", changed_by="admin", changed_at="2026-12-01T02:00:00+00:00"))
    given = tasks("give_instruction", {
        "leader": "mayor", "leader_name": "王市长", "given_on": "2027-09-30",
        "text": "请袁州区一周内办结。", "matter": {"title": "节前安全检查", "lead_unit": "yz"}},
        ADMIN)
    # 7 working days from Thursday 30 September: the National Day week off, then
    # Friday the 8th, Saturday the 9th (worked in exchange) and the next week to
    # Friday the 15th.
    task = tasks("get_task", given["task"], ADMIN)
    assert (task["due_date"], task["targets"][0]["due_date"]) == ("2027-10-15", "2027-10-15")


def test_a_thread_message_is_announced_with_its_authors_name(tasks):
    """The gateway names the author as people read them; the event carries the
    name beside the login, and the login stands for it when no name is given."""
    seed(tasks)
    operator = {"user": "op_yz", "role": "operator", "units": ["yz"]}
    tasks("post_task_message", "T1", {"text": "请补充佐证材料", "author_name": "李督查"}, ADMIN)
    posted = tasks("post_task_message", "T1", {"text": "已补充"}, operator)
    assert (posted["author"], posted["unit"]) == ("op_yz", "yz")
    first = tasks.tap.until(lambda kind, _: kind == "task_message_posted")[1]
    second = tasks.tap.until(lambda kind, _: kind == "task_message_posted")[1]
    assert [(event["author"], event["author_name"], event["author_unit"])
            for event in (first, second)] == [("admin", "李督查", None), ("op_yz", "op_yz", "yz")]
    with pytest.raises(InvalidInput):
        tasks("post_task_message", "T1", {"text": "空名", "author_name": ""}, ADMIN)


def test_a_leaders_instruction_is_corrected_with_its_history_and_announced(tasks):
    seed(tasks)
    given = tasks("give_instruction", {
        "leader": "leader", "leader_name": "王市常", "given_on": "2026-01-02",
        "text": "请袁州区加快推近。", "task": "T1"}, ADMIN)
    assert given["corrections"] == []
    other = {"user": "deputy", "role": "leader", "units": None}
    operator = {"user": "yz-op", "role": "operator", "units": ["yz"]}
    for caller in (other, operator):
        with pytest.raises(Forbidden):
            tasks("correct_instruction", given["id"], {"text": "x", "reason": "笔误"}, caller)
    with pytest.raises(NotFound):
        tasks("correct_instruction", 999, {"text": "x", "reason": "笔误"}, ADMIN)
    refusals = [({"text": "请袁州区加快推近。", "reason": "笔误"}, "instruction_nothing_changed"),
                ({"given_on": "2026-01-04", "reason": "笔误"}, "instruction_date_in_future")]
    for data, code in refusals:
        with pytest.raises(InvalidInput) as refused:
            tasks("correct_instruction", given["id"], data, ADMIN)
        assert code in str(refused.value)
    for data in ({"text": "x"}, {"text": "x" * 5001, "reason": "笔误"},
                 {"text": "x", "reason": "笔" * 501}):
        with pytest.raises(InvalidInput):
            tasks("correct_instruction", given["id"], data, ADMIN)

    tasks("correct_instruction", given["id"], {"leader_name": "王市长", "reason": "姓名笔误"},
          ADMIN)
    corrected = tasks("correct_instruction", given["id"], {
        "text": "请袁州区加快推进。", "given_on": "2026-01-01", "reason": "内容和日期笔误"}, LEADER)
    assert (corrected["text"], corrected["leader_name"], corrected["given_on"]) == (
        "请袁州区加快推进。", "王市长", "2026-01-01")
    assert [(c["by"], c["reason"], [(f["label"], f["from"], f["to"]) for f in c["fields"]])
            for c in corrected["corrections"]] == [
        ("admin", "姓名笔误", [("领导姓名", "王市常", "王市长")]),
        ("leader", "内容和日期笔误", [("批示内容", "请袁州区加快推近。", "请袁州区加快推进。"),
                                      ("批示日期", "2026-01-02", "2026-01-01")])]
    listed = tasks("list_instructions", ADMIN)["items"]
    assert [len(item["corrections"]) for item in listed] == [2]
    events = [tasks.tap.until(lambda kind, _: kind == "instruction_corrected")[1]
              for _ in range(2)]
    assert [(e["leader_name"], e["given_on"], e["text"], e["reason"], e["corrected_by"],
             e["lead_unit"], e["kind"]) for e in events] == [
        ("王市长", "2026-01-02", "请袁州区加快推近。", "姓名笔误", "admin", "yz", "on_task"),
        ("王市长", "2026-01-01", "请袁州区加快推进。", "内容和日期笔误", "leader", "yz", "on_task")]
