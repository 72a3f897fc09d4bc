"""The services' errors become HTTP statuses through one table, as JSON; people
read every refusal in Chinese (`message`), machines its stable `code`."""
import json
import re
import string

import pytest
from fastapi.testclient import TestClient
from nameko.exceptions import RpcTimeout, UnknownService

from gateway import messages
from gateway.errors import (
    REMOTE_ERROR_STATUS,
    explain_remote,
    field_error_message,
    worded_row_error,
)
from gateway.text import MESSAGES as TEXT_MESSAGES

CJK = re.compile("[\u3400-\u9fff]")

CONTRACT_ERRORS = {
    "InvalidInput": 422, "NotFound": 404, "Conflict": 409, "Forbidden": 403, "TooLarge": 413,
    "CalendarNotCovered": 422, "CallerNotTrusted": 502,
}


def test_the_table_is_the_contracts():
    assert REMOTE_ERROR_STATUS == CONTRACT_ERRORS


# What each error name answers when the service's words are not Chinese.
GENERIC = {
    "InvalidInput": "invalid_input", "NotFound": "not_found", "Conflict": "conflict",
    "Forbidden": "forbidden", "TooLarge": "too_large",
    "CalendarNotCovered": "calendar_not_covered", "CallerNotTrusted": "caller_not_trusted",
}


@pytest.mark.parametrize("name, status", sorted(CONTRACT_ERRORS.items()))
def test_each_error_name_maps_to_its_status(client, admin, fake_rpc, name, status):
    fake_rpc.fail("tasks.get_task", name, "任务 T-404 不存在")
    response = client.get("/api/v1/tasks/T-404", headers=admin)
    assert response.status_code == status
    # The detail as the service gave it (integrators match on it), the words beside.
    assert response.json() == {"detail": "任务 T-404 不存在", "code": GENERIC[name],
                               "message": "任务 T-404 不存在。"}


@pytest.mark.parametrize("name", sorted(CONTRACT_ERRORS))
def test_each_error_name_in_english_reaches_people_in_chinese(client, admin, fake_rpc, name):
    fake_rpc.fail("tasks.get_task", name, "something the table does not know")
    body = client.get("/api/v1/tasks/T-404", headers=admin).json()
    assert body["detail"] == "something the table does not know"
    assert body["code"] == GENERIC[name]
    assert body["message"] == messages.REMOTE_ERRORS[name][1]


@pytest.mark.parametrize("name, text, code, words", [
    ("Conflict", "1% is lower than the last reported 100%; send correction: true with a note "
     "to lower it", "percent_lower", "报送的进度 1% 低于上次报送的 100%"),
    ("NotFound", "no task T-9", "task_not_found", "任务 T-9 不存在"),
    ("NotFound", "no unit U9", "unit_not_found", "单位 U9 不存在"),
    ("Conflict", "task T-1 exists", "task_exists", "任务编号 T-1 已存在"),
    ("Conflict", "task T-1 is closed", "task_not_active", "任务 T-1 当前状态为“已办结”"),
    ("Conflict", "task is explained", "task_not_active", "任务当前状态为“已说明情况”"),
    ("Conflict", "commitment 4 is fulfilled", "commitment_not_open", "承诺 4"),
    ("NotFound", "no commitment 4", "commitment_not_found", "承诺 4 不存在"),
    ("Conflict", "notice 3 must be acknowledged first", "notice_not_acknowledged",
     "请先签收督办单 3"),
    ("Conflict", "notice 3 is closed already", "notice_closed", "督办单 3 已办结"),
    ("NotFound", "no notice 3", "notice_not_found", "督办单 3 不存在"),
    ("Forbidden", "outside the caller's units", "outside_units", "所属单位的范围"),
    ("Conflict", "this Idempotency-Key was used for other items", "idempotency_key_reused",
     "Idempotency-Key"),
    ("Conflict", "a task is closed at 100%; it stands at 40%", "close_needs_100", "40%"),
    ("Conflict", "record 4 is closed", "record_not_open", "问责记录 4 当前状态为“已办结”"),
    ("Forbidden", "outside your units: U02", "outside_units", "所属单位的范围"),
    ("CalendarNotCovered", "日期2200年1月1日不在1900年至2199年之间，无法计算工作日",
     "calendar_not_covered", "日期2200年1月1日不在1900年至2199年之间"),
])
def test_the_services_common_refusals_are_told_in_chinese(client, admin, fake_rpc, name, text,
                                                          code, words):
    fake_rpc.fail("tasks.get_task", name, text)
    response = client.get("/api/v1/tasks/T-404", headers=admin)
    assert response.status_code == CONTRACT_ERRORS[name]
    body = response.json()
    assert body["detail"] == text
    assert body["code"] == code
    assert words in body["message"]


def test_a_json_object_message_becomes_the_detail(client, admin, fake_rpc):
    fake_rpc.fail("tasks.create_unit", "InvalidInput", '{"parent": "no such unit"}')
    body = {"code": "U9", "name": "新单位", "kind": "office", "parent": "X"}
    response = client.post("/api/v1/units", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json() == {"detail": {"parent": "no such unit"}, "code": "invalid_input",
                               "message": "“上级单位”填写有误，请检查后重新填写。"}


def test_a_coded_refusal_of_a_service_keeps_its_code_and_words(client, admin, fake_rpc):
    refusal = {"targets": {"0": {"due_date": {
        "code": "replan_in_past", "message": "新计划的目标截止日期不能早于今天（2026-12-05）。"}}}}
    fake_rpc.fail("tasks.get_task", "InvalidInput", json_text(refusal))
    body = client.get("/api/v1/tasks/T-001", headers=admin).json()
    assert body == {"detail": refusal, "code": "replan_in_past",
                    "message": "新计划的目标截止日期不能早于今天（2026-12-05）。"}


def test_a_field_error_in_marshmallows_words_is_told_in_chinese():
    assert explain_remote("InvalidInput", {"percent": ["Not a valid number."],
                                           "task": ["Missing data for required field."]}) == (
        "invalid_input", "“完成百分比”：应为数字。“任务”：不能为空。")


def test_a_json_message_that_is_not_an_object_stays_text(client, admin, fake_rpc):
    fake_rpc.fail("tasks.get_unit", "NotFound", '"U9"')
    body = client.get("/api/v1/units/U9", headers=admin).json()
    assert body == {"detail": '"U9"', "code": "not_found",
                    "message": messages.REMOTE_ERRORS["NotFound"][1]}


def test_an_unknown_remote_error_is_502_without_its_message(client, admin, fake_rpc):
    fake_rpc.fail("tasks.get_unit", "OperationalError",
                  'Traceback: (sqlite3.OperationalError) database is locked [SQL: SELECT ...]')
    response = client.get("/api/v1/units/U01", headers=admin)
    assert response.status_code == 502
    assert response.json() == {"detail": messages.message("service_failed")}
    assert "database" not in response.text


def test_an_rpc_timeout_is_504(client, admin, fake_rpc):
    fake_rpc.answer("tasks.get_unit", RpcTimeout(30))
    response = client.get("/api/v1/units/U01", headers=admin)
    assert response.status_code == 504
    assert response.json() == {"detail": messages.message("service_timeout")}


def test_a_service_that_is_not_running_is_503(client, admin, fake_rpc):
    fake_rpc.answer("ranking.get_ranking", UnknownService("ranking"))
    response = client.get("/api/v1/rankings", headers=admin)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"detail": {"code": "service_unavailable",
                                          "message": "评价排名服务暂时不可用，请稍后重试。"}}


def test_an_unexpected_failure_is_a_json_500_without_details(app, admin, fake_rpc):
    fake_rpc.answer("tasks.get_unit", KeyError("secret internals"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/units/U01", headers=admin)
    assert response.status_code == 500
    assert response.json() == {"detail": messages.message("internal_error")}


def test_http_errors_are_json_too(client, admin):
    response = client.get("/api/v1/nothing-here", headers=admin)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "code": "route_not_found",
                               "message": messages.MESSAGES["route_not_found"]}
    response = client.delete("/api/v1/tasks", headers=admin)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# Refusals of the schemas (422) ------------------------------------------------

def test_a_validation_error_names_the_field_in_chinese_with_a_code(client, admin, fake_rpc):
    body = {"code": "T-9", "title": "新任务", "lead_unit": "U01", "start_date": "2026-01-01",
            "due_date": "2026-12-31", "targets": [{"due_date": "2026-13-01",
                                                   "planned_percent": 50}]}
    response = client.post("/api/v1/tasks", json=body, headers=admin)
    assert response.status_code == 422
    answer = response.json()
    assert answer["code"] == "invalid_input"
    assert answer["message"] == (
        "计划目标第1项的“截止日期”不是有效的日期，请按 2026-12-31 的格式填写。")
    # The list integrators read is kept, each item with its words beside.
    (item,) = answer["detail"]
    assert item["loc"] == ["body", "targets", 0, "due_date"]
    assert item["type"] == "date_from_datetime_parsing"
    assert item["msg"]
    assert item["message"] == answer["message"]
    assert fake_rpc.calls == []


@pytest.mark.parametrize("path, body, words", [
    ("/api/v1/units", {"name": "新单位", "kind": "office"}, "请填写“编码”。"),
    ("/api/v1/units", {"code": "U9", "name": "新单位", "kind": "city"},
     "“类型”只能是county（县区）、department（部门）或office（办公室）。"),
    ("/api/v1/units", {"code": "U9", "name": "新单位", "kind": "office", "color": "red"},
     "不能提交“color”：接口没有这个字段，请删去。"),
    ("/api/v1/units", {"code": "U 9", "name": "新单位", "kind": "office"},
     "“编码”不能含有空格。"),
    ("/api/v1/units", {"code": "U9", "name": "名" * 201, "kind": "office"},
     "“名称”最多 200 个字符，请缩短。"),
    ("/api/v1/units", {"code": "U9", "name": "  ", "kind": "office"}, "“名称”不能为空。"),
    ("/api/v1/units", {"code": "U9", "name": "新单位", "kind": "office",
                       "head": {"name": "王五", "email": "not-an-address"}},
     "负责人的“邮箱”的格式不正确，请检查后重新填写。"),
    ("/api/v1/tasks/T-001/extensions", {"new_due_date": "1999-12-31", "reason": "延期"},
     "“新的完成时限”不能小于 2000年1月1日。"),
    ("/api/v1/users", {"username": "op", "password": "long-enough-1", "role": "operator"},
     "“联络员”角色须指定所属单位，请填写“单位”。"),
])
def test_each_kind_of_refused_field_is_told_in_chinese(client, admin, fake_rpc, path, body,
                                                       words):
    response = client.post(path, json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_input"
    assert words in response.json()["message"]


def test_a_query_parameter_and_bad_json_are_told_in_chinese(client, admin):
    answer = client.get("/api/v1/tasks?limit=lots", headers=admin).json()
    assert answer["message"] == "“每页条数”应为整数。"
    answer = client.get("/api/v1/tasks?limit=0", headers=admin).json()
    assert answer["message"] == "“每页条数”不能小于 1。"
    answer = client.post("/api/v1/units", content=b'{"code": ', headers={
        **admin, "Content-Type": "application/json"}).json()
    assert answer["code"] == "invalid_input"
    assert answer["message"] == messages.FIELD_PHRASES["json_invalid"]


def test_a_progress_batch_item_is_named_by_its_position(client, admin):
    answer = client.post("/api/v1/progress", json=[{"task": "T-001"}, "not an object"],
                         headers=admin).json()
    assert answer["message"] == "第2项的格式不正确，应为对象。"


def test_an_error_type_no_table_knows_is_told_in_chinese():
    words = field_error_message({"type": "something_new", "loc": ("body", "percent"),
                                 "msg": "Something new went wrong"})
    assert words == "“完成百分比”填写有误，请检查后重新填写。"


# The tables: no words for people without Chinese in them ---------------------

def _templates():
    tables = {"MESSAGES": messages.MESSAGES, "FIELD_PHRASES": messages.FIELD_PHRASES,
              "REMOTE_MESSAGES": messages.REMOTE_MESSAGES, "FIELD_LABELS": messages.FIELD_LABELS,
              "VALUE_NAMES": messages.VALUE_NAMES, "STATUS_NAMES": messages.STATUS_NAMES,
              "SERVICE_NAMES": messages.SERVICE_NAMES, "text.MESSAGES": TEXT_MESSAGES,
              "REMOTE_ERRORS": {name: words for name, (_, words)
                                in messages.REMOTE_ERRORS.items()}}
    return [(f"{table}[{key}]", words) for table, entries in tables.items()
            for key, words in entries.items()]


@pytest.mark.parametrize("where, words", _templates())
def test_every_message_for_people_is_chinese(where, words):
    # Placeholders filled with ASCII must still leave Chinese words.
    filled = string.Formatter().vformat(words, (), _Blank())
    assert CJK.search(filled), where


class _Blank(dict):
    def __missing__(self, key):
        return "x"


def test_every_pattern_has_its_words_and_every_code_is_stable_text():
    codes = {code for _, code in messages.REMOTE_PATTERNS}
    assert codes <= set(messages.REMOTE_MESSAGES)
    for code in (*codes, *messages.MESSAGES, *(code for code, _ in
                                               messages.REMOTE_ERRORS.values())):
        assert re.fullmatch(r"[a-z0-9_]+", code), code
    assert set(messages.REMOTE_ERRORS) == set(REMOTE_ERROR_STATUS)


def test_every_field_of_the_api_has_a_chinese_label(app):
    schema = app.openapi()
    names = {parameter["name"] for path in schema["paths"].values()
             for operation in path.values() for parameter in operation.get("parameters", [])
             if parameter["in"] in ("query", "path")}
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("In") or name in ("Contact", "ProgressItem") or \
                name.startswith("Body_"):
            names |= set(component.get("properties", {}))
    unlabelled = sorted(name for name in names if name not in messages.FIELD_LABELS)
    assert unlabelled == []


def json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_a_sheets_row_errors_are_told_by_row_and_counts_say_nothing():
    code, words = explain_remote("InvalidInput", {"created": 0, "errors": [
        {"row": 5, "field": "lead_unit", "reason": "no such unit"},
        {"row": 6, "field": "title", "code": "required", "reason": "“任务名称”不能为空。"}]})
    assert code == "invalid_input"
    assert words == "第5行的“牵头单位”填写有误，请检查后重新填写。第6行：“任务名称”不能为空。"


def test_a_rows_error_in_one_target_names_the_target_and_the_unit():
    error = {"row": 3, "field": "targets[1].unit", "reason": "unknown unit X9"}
    worded = worded_row_error(error)
    assert (worded["code"], worded["message"]) == (
        "unit_not_found", "计划目标第2项的“单位”：单位 X9 不存在，请检查单位编码。")
    code, words = explain_remote("InvalidInput", {"created": 0, "errors": [error]})
    assert (code, words) == ("unit_not_found",
                             "第3行的计划目标第2项的“单位”：单位 X9 不存在，请检查单位编码。")
