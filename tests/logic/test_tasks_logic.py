"""The tasks service's rules, as pure functions."""
import datetime as dt

import pytest
from marshmallow import ValidationError

from services.common.errors import InvalidInput
from services.tasks import logic
from services.tasks.schemas import TaskIn

NOW = dt.datetime(2026, 5, 10, 8, 0)


def states():
    return {"T1": logic.TaskState(40.0, "active", {"a", "b"}),
            "T2": logic.TaskState(0.0, "closed", {"a"})}


def check(items, scope=None):
    return logic.check_progress_batch(items, states(), {"a", "b", "c"}, scope, NOW)


def reasons(results):
    return [result.get("reason") for result in results]


def test_each_item_is_checked_against_the_items_before_it():
    accepted, results = check([
        {"task": "T1", "unit": "a", "percent": 50},
        {"task": "T1", "unit": "b", "percent": 45},  # lower than 50 just accepted
        {"task": "T1", "unit": "b", "percent": 45, "correction": True, "note": "复核"},
    ])
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert [item["percent"] for item in accepted] == [50, 45]


@pytest.mark.parametrize("item, code, words", [
    ({"task": "T9", "unit": "a", "percent": 1}, "task_unknown", "任务 T9 不存在"),
    ({"task": "T1", "unit": "z", "percent": 50}, "unit_unknown", "单位 z 不存在"),
    ({"task": "T1", "unit": "c", "percent": 50}, "unit_not_assigned", "不是任务 T1 的"),
    ({"task": "T2", "unit": "a", "percent": 50}, "task_not_active", "已销号"),
    ({"task": "T1", "unit": "a", "percent": 39}, "percent_lower",
     "报送的进度 39% 低于上次报送的 40%"),
    ({"task": "T1", "unit": "a", "percent": 39, "correction": True}, "correction_needs_note",
     "备注"),
    ({"task": "T1", "unit": "a", "percent": 50, "reported_at": "2026-05-11T08:00:00"},
     "reported_at_in_future", "晚于平台收到时间"),
    ({"task": "T1", "unit": "a", "percent": 50, "reported_at": "2026-05-06T08:00:00"},
     "reported_at_too_old", "早于平台收到时间"),
])
def test_rejections_say_why_in_chinese_with_a_code(item, code, words):
    accepted, results = check([item])
    assert accepted == []
    assert results[0]["code"] == code
    assert words in results[0]["reason"]


@pytest.mark.parametrize("item", [
    {"task": "T1", "unit": "a", "percent": -1},
    {"task": "T1", "unit": "a", "percent": 100.5},
    {"task": "T1", "unit": "a", "percent": "half"},
    {"task": "T1", "unit": "a", "percent": 5, "colour": "green"},  # no mass assignment
    {"task": "T1", "unit": "a", "percent": 5, "reported_at": "2026-02-30T00:00:00"},
    {"unit": "a", "percent": 5},
    "a string",
])
def test_malformed_items_are_rejected_by_field(item):
    accepted, results = check([item])
    assert accepted == [] and isinstance(results[0]["reason"], dict)


def test_a_scoped_caller_gets_the_same_words_for_foreign_and_missing_tasks():
    _, results = check([{"task": "T1", "unit": "a", "percent": 50},
                        {"task": "T9", "unit": "a", "percent": 50}], scope={"b"})
    assert reasons(results)[0] == reasons(results)[1]


def test_the_check_leaves_each_task_where_its_last_accepted_report_puts_it():
    tasks = states()
    logic.check_progress_batch([
        {"task": "T1", "unit": "a", "percent": 60, "reported_at": "2026-05-09T08:00:00"},
        {"task": "T1", "unit": "b", "percent": 20},  # rejected: lower, no correction
        # Sent late, naming an earlier moment: still the newest word on the task.
        {"task": "T1", "unit": "b", "percent": 70, "reported_at": "2026-05-08T08:00:00"},
    ], tasks, {"a", "b"}, None, NOW)
    assert tasks["T1"].percent == 70
    assert tasks["T1"].reported_at == dt.datetime(2026, 5, 9, 8, 0)
    assert tasks["T2"].percent == 0.0 and tasks["T2"].reported_at is None


def test_a_report_without_a_moment_is_made_now_in_naive_utc():
    tasks = states()
    accepted, _ = logic.check_progress_batch([
        {"task": "T1", "unit": "a", "percent": 50},
        {"task": "T1", "unit": "a", "percent": 55, "reported_at": "2026-05-10T15:30:00+08:00"},
    ], tasks, {"a"}, None, NOW)
    assert [item["reported_at"] for item in accepted] == [NOW, dt.datetime(2026, 5, 10, 7, 30)]
    assert tasks["T1"].reported_at == NOW


def test_a_new_task_names_known_units_only():
    task = {"code": "T1", "lead_unit": "a", "cooperating_units": ["b", "x", "w"],
            "targets": [{"unit": None}, {"unit": "y"}, {"unit": "a"}]}
    assert logic.named_units(task) == {"a", "b", "x", "w", "y"}
    assert logic.task_problems(task, False, {"a", "b", "x", "w", "y"}) == {}
    assert logic.task_problems(task, True, {"b"}) == {
        "code": "task T1 exists", "lead_unit": "unknown unit a",
        "cooperating_units": "unknown units w, x",
        "targets": {1: {"unit": "unknown unit y"}, 2: {"unit": "unknown unit a"}}}


def test_the_lead_unit_leads_and_every_other_unit_named_cooperates():
    task = {"lead_unit": "a", "cooperating_units": ["b"],
            "targets": [{"unit": None}, {"unit": "c"}, {"unit": "b"}]}
    assert logic.task_links(task) == {"a": "lead", "b": "cooperating", "c": "cooperating"}


def test_a_due_date_moves_only_later_and_a_target_stays_within_its_task():
    may, june, july = dt.date(2026, 5, 31), dt.date(2026, 6, 30), dt.date(2026, 7, 31)
    assert logic.extension_problem(june, may, june, seq=1) is None
    assert logic.extension_problem(july, june, june, seq=None) is None
    assert logic.extension_problem(july, may, june, seq=1)["new_due_date"]["code"] == \
        "extension_after_task"
    later = logic.extension_problem(may, june, july, seq=None)["new_due_date"]
    assert later["code"] == "extension_not_later" and "2026年6月30日" in later["message"]


def test_scope_covers_the_units_below():
    parents = {"city": None, "yz": "city", "yz-town": "yz", "zs": "city"}
    assert logic.expand_scope(parents, {"yz"}) == {"yz", "yz-town"}
    assert logic.expand_scope(parents, {"city"}) == set(parents)
    assert logic.expand_scope(parents, None) is None
    assert logic.expand_scope(parents, {"ghost"}) == set()


def test_closing_needs_completion_and_evidence():
    assert logic.closing_problem("active", 100, 1) is None
    assert logic.closing_problem("active", 99.5, 3) == {
        "code": "close_needs_100", "message": "任务完成100%后才能销号，目前为 99.5%。"}
    assert logic.closing_problem("active", 100, 0)["code"] == "close_needs_evidence"
    assert logic.closing_problem("closed", 100, 1, "T1") == {
        "code": "task_not_active", "message": "任务 T1 当前状态为“已销号”，不能再销号。"}


@pytest.mark.parametrize("content, kind", [
    (b"%PDF-1.7 ...", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n....", "image/png"),
    (b"\xff\xd8\xff\xe0....", "image/jpeg"),
    ("工作进展说明".encode(), "text/plain"),
])
def test_evidence_is_judged_by_its_bytes(content, kind):
    assert logic.sniff_evidence(content) == kind


@pytest.mark.parametrize("content", [b"MZ\x90\x00\x03", b"\x00\x01\x02", b"PK\x03\x04broken",
                                     b"\xff\xfe\xfd not utf-8"])
def test_other_files_are_refused(content):
    with pytest.raises(InvalidInput):
        logic.sniff_evidence(content)


def test_targets_must_form_a_trajectory_inside_the_task():
    base = {"code": "T", "title": "t", "lead_unit": "a", "start_date": "2026-01-01",
            "due_date": "2026-12-31"}
    TaskIn().load({**base, "targets": [{"due_date": "2026-06-30", "planned_percent": 50},
                                       {"due_date": "2026-12-31", "planned_percent": 100}]})
    for targets in ([{"due_date": "2027-01-31", "planned_percent": 50}],
                    [{"due_date": "2025-12-31", "planned_percent": 50}],
                    [{"due_date": "2026-06-30", "planned_percent": 60},
                     {"due_date": "2026-12-31", "planned_percent": 50}],
                    [{"due_date": "2026-06-30", "planned_percent": 60},
                     {"due_date": "2026-05-31", "planned_percent": 70}]):
        with pytest.raises(Exception) as error:
            TaskIn().load({**base, "targets": targets})
        assert "targets" in error.value.messages


@pytest.mark.parametrize("field, value", [
    ("start_date", "1026-01-01"), ("due_date", "2202-12-31")])
def test_a_date_no_calendar_counts_from_is_refused_on_creation(field, value):
    body = {"code": "T1", "title": "任务", "lead_unit": "yz", "start_date": "2026-01-01",
            "due_date": "2026-12-31", "targets": []}
    with pytest.raises(ValidationError) as raised:
        TaskIn().load({**body, field: value})
    assert "2000年至2100年" in str(raised.value)


def test_only_the_lead_unit_or_the_office_reports_the_tasks_percentage():
    def led():
        return {"T1": logic.TaskState(40.0, "active", {"a", "b"}, lead_unit="a")}
    items = [{"task": "T1", "unit": "b", "percent": 50},
             {"task": "T1", "unit": "a", "percent": 60}]
    for scope, expected in (({"b"}, ["rejected", "rejected"]), ({"a"}, ["rejected", "accepted"]),
                            (None, ["accepted", "accepted"])):
        _, results = logic.check_progress_batch(items, led(), {"a", "b"}, scope, NOW)
        assert [r["status"] for r in results] == expected, scope
    _, results = logic.check_progress_batch(items[:1], led(), {"a", "b"}, {"b"}, NOW)
    assert results[0]["code"] == "lead_unit_only" and "牵头单位" in results[0]["reason"]


def test_a_lead_unit_problem_names_the_lead():
    assert logic.lead_unit_problem(None, "T1", "a") is None
    assert logic.lead_unit_problem({"a", "c"}, "T1", "a") is None
    problem = logic.lead_unit_problem({"b"}, "T1", "a")
    assert problem["code"] == "lead_unit_only" and "a" in problem["message"]


@pytest.mark.parametrize("given, kept", [
    ("验收报告.pdf", "验收报告.pdf"),
    ("a\nb\x0bc.pdf", "a_b_c.pdf"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("\u202egpj.exe", "_gpj.exe"),
    ("  ", "evidence"),
    (None, "evidence"),
])
def test_evidence_names_lose_control_characters_and_separators(given, kept):
    assert logic.clean_evidence_name(given) == kept


def test_an_import_names_each_problem_by_its_spreadsheet_row():
    assert logic.row_errors(0, {"code": "task T1 exists"}) == [
        {"row": 1, "field": "code", "reason": "task T1 exists"}]
    assert logic.row_errors(4, {}) == []


def test_an_import_names_a_targets_problem_by_its_path():
    # Which target, and which of its fields: not the whole nest as one text.
    assert logic.row_errors(2, {
        "targets": {1: {"unit": "unknown unit X9", "due_date": ["Not a valid date."]}},
        "head": {"name": ["Missing data for required field.", "Shorter than minimum length 1."]},
    }) == [
        {"row": 3, "field": "targets[1].unit", "reason": "unknown unit X9"},
        {"row": 3, "field": "targets[1].due_date", "reason": "Not a valid date."},
        {"row": 3, "field": "head.name", "reason": "Missing data for required field."},
        {"row": 3, "field": "head.name", "reason": "Shorter than minimum length 1."}]


# The times of a report: its own (information) and its receipt (what counts) ----

def test_a_report_is_received_now_and_keeps_its_own_time_as_information():
    accepted, _ = check([
        {"task": "T1", "unit": "a", "percent": 50, "reported_at": "2026-05-07T08:00:00"}])
    assert accepted[0]["received_at"] == NOW
    assert accepted[0]["reported_at"] == dt.datetime(2026, 5, 7, 8, 0)


@pytest.mark.parametrize("reported_at, code", [
    ("2026-05-07T08:00:00", None),                   # three days before receipt: kept
    ("2026-05-07T07:59:59", "reported_at_too_old"),  # a second more: refused
    ("2026-05-10T08:09:59", None),                   # a clock a little ahead
    ("2026-05-10T08:10:01", "reported_at_in_future"),
])
def test_a_reports_own_time_lies_at_most_three_days_before_its_receipt(reported_at, code):
    accepted, results = check([{"task": "T1", "unit": "a", "percent": 50,
                                "reported_at": reported_at}])
    assert results[0].get("code") == code, results
    assert len(accepted) == (code is None)
    if code:
        # The people's words say what went wrong and what to do.
        assert "督查办" in results[0]["reason"] or "设备时钟" in results[0]["reason"]


def test_too_old_says_both_days_in_chinese():
    _, results = check([{"task": "T1", "unit": "a", "percent": 50,
                         "reported_at": "2026-04-20T08:00:00"}])
    assert results[0]["code"] == "reported_at_too_old"
    assert "2026年4月20日" in results[0]["reason"] and "2026年5月10日" in results[0]["reason"]
    assert "3天" in results[0]["reason"]


def test_the_bound_is_a_setting():
    items = [{"task": "T1", "unit": "a", "percent": 50, "reported_at": "2026-05-01T08:00:00"}]
    accepted, _ = logic.check_progress_batch(items, states(), {"a"}, None, NOW,
                                             dt.timedelta(days=10))
    assert len(accepted) == 1
    _, results = logic.check_progress_batch(items, states(), {"a"}, None, NOW,
                                            dt.timedelta(days=0))
    assert results[0]["code"] == "reported_at_too_old"


def test_only_the_office_says_when_a_report_was_received():
    item = {"task": "T1", "unit": "a", "percent": 50, "received_at": "2026-03-31T09:00:00"}
    _, results = check([item])
    assert results[0]["code"] == "received_at_office_only"
    accepted, results = logic.check_progress_batch(
        [item, {**item, "percent": 60, "received_at": "2026-05-11T09:00:00"},
         {**item, "percent": 70, "reported_at": "2026-03-20T09:00:00"}],
        states(), {"a"}, None, NOW, office=True)
    assert [r.get("code") for r in results] == [
        None, "received_at_in_future", "reported_at_too_old"]
    # Received then; its own time, not given, is its receipt.
    assert accepted[0]["received_at"] == accepted[0]["reported_at"] == dt.datetime(
        2026, 3, 31, 9, 0)


def test_a_stages_own_time_is_bounded_by_its_receipt_the_same_way():
    week = dt.timedelta(days=3)
    assert logic.moment_problem("recorded_at", NOW - week, NOW, week) is None
    old = logic.moment_problem("recorded_at", NOW - week - dt.timedelta(seconds=1), NOW, week)
    assert old["code"] == "recorded_at_too_old" and "完成时间" in old["message"]
    ahead = logic.moment_problem("recorded_at", NOW + dt.timedelta(hours=1), NOW, week)
    assert ahead["code"] == "recorded_at_in_future"


def test_where_a_tasks_receipts_stand():
    day = dt.datetime(2026, 5, 1, 9)
    receipts = [(30.0, day), (50.0, day + dt.timedelta(days=9)),
                (50.0, day + dt.timedelta(days=20)), (45.0, day + dt.timedelta(days=5))]
    # The latest receipt; the latest of the reports that raised the percentage.
    assert logic.receipt_standing(receipts) == (day + dt.timedelta(days=20),
                                                day + dt.timedelta(days=9))
    assert logic.receipt_standing([(0.0, day)]) == (day, None)
    assert logic.receipt_standing([]) == (None, None)
