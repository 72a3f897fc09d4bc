"""Who may do what: every kind of caller against every operation of the OpenAPI
schema, with the status each must get.

The objects named in the requests belong to unit U01 (task T-001, its
evidence, commitment 7). "own" callers act for U01, "other" ones for C01. The
services are faked; where only a service can see whose an object is (a
commitment), the fake refuses as the service does. An operation added to the
API without a row here fails `test_every_operation_has_a_row`.
"""
import io
from dataclasses import dataclass, field

import openpyxl
import pytest

from gateway import health
from gateway.spreadsheet import XLSX_MEDIA_TYPE, write_tasks

ROLES = ("admin", "leader", "operator_own", "operator_other", "evaluator", "key_own",
         "key_other", "anonymous")
PASSWORD = "password-123"


def everyone(status):
    """Any signed-in caller."""
    return {**dict.fromkeys(ROLES, status), "anonymous": 401}


def public(status):
    return dict.fromkeys(ROLES, status)


def admin_only(status):
    return {**dict.fromkeys(ROLES, 403), "admin": status, "anonymous": 401}


def users_only(status):
    """Signed-in people; an API key has no password or session."""
    return {**everyone(status), "key_own": 403, "key_other": 403}


def unit_read(status):
    """Callers whose units include U01's objects, and the city-wide roles."""
    return {**everyone(status), "operator_other": 403, "key_other": 403}


def unit_write(status):
    return {**unit_read(status), "leader": 403}


def city_wide(status):
    """The roles that see every unit; no one acting for units."""
    return {**dict.fromkeys(ROLES, 403), "admin": status, "leader": status, "anonymous": 401}


def evaluators(status):
    return {**dict.fromkeys(ROLES, 403), "admin": status, "evaluator": status,
            "anonymous": 401}


def notice_answerers(status):
    """The office, and operators (people or keys) of the addressed unit itself."""
    return {**unit_write(status), "evaluator": 403}


def office_or_leader(status):
    return {**dict.fromkeys(ROLES, 403), "admin": status, "leader": status, "anonymous": 401}


def writers(status):
    """Any role that writes; the service judges each item against the caller's units."""
    return {**everyone(status), "leader": 403}


@dataclass
class Row:
    path: str
    expected: dict
    kwargs: dict = field(default_factory=dict)


def _library():
    task = {"code": "T-NEW", "title": "新任务", "lead_unit": "U01", "start_date": "2026-01-01",
            "due_date": "2026-12-31", "targets": []}
    return write_tasks([task])


def _calendar_sheet():
    book = openpyxl.Workbook()
    book.active.append(["日期", "类型", "名称"])
    book.active.append(["2027-01-01", "放假", "元旦"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pdf():
    return {"files": {"file": ("report.pdf", io.BytesIO(b"%PDF-1.4 report"), "application/pdf")}}


MATRIX = {
    ("get", "/healthz"): Row("/healthz", public(200)),
    ("post", "/api/v1/auth/token"): Row("/api/v1/auth/token", public(200), {
        "data": {"username": "admin", "password": "admin-test-password"}}),
    ("post", "/api/v1/auth/logout"): Row("/api/v1/auth/logout", everyone(204)),
    ("post", "/api/v1/auth/password"): Row("/api/v1/auth/password", users_only(204), {
        "json": {"current": PASSWORD, "new": "another-pass-456"}}),
    ("get", "/api/v1/auth/me"): Row("/api/v1/auth/me", everyone(200)),
    ("post", "/api/v1/users"): Row("/api/v1/users", admin_only(201), {
        "json": {"username": "newcomer", "password": PASSWORD, "role": "leader"}}),
    ("post", "/api/v1/api-keys"): Row("/api/v1/api-keys", admin_only(201), {
        "json": {"name": "new-key", "units": ["U01"]}}),
    ("get", "/api/v1/api-keys"): Row("/api/v1/api-keys", admin_only(200)),
    ("delete", "/api/v1/api-keys/{key_id}"): Row("/api/v1/api-keys/{spare_key}",
                                                 admin_only(204)),
    ("post", "/api/v1/api-keys/{key_id}/rotate"): Row("/api/v1/api-keys/{spare_key}/rotate",
                                                      admin_only(200)),
    ("post", "/api/v1/units"): Row("/api/v1/units", admin_only(201), {
        "json": {"code": "U9", "name": "新单位", "kind": "office"}}),
    ("get", "/api/v1/units"): Row("/api/v1/units", everyone(200)),
    # Units are public within the platform: a directory, not an object of a unit.
    ("get", "/api/v1/units/{code}"): Row("/api/v1/units/U01", everyone(200)),
    ("patch", "/api/v1/units/{code}"): Row("/api/v1/units/U01", admin_only(200), {
        "json": {"head": {"name": "王五", "phone": "13900000000"}, "reason": "负责人调整"}}),
    ("post", "/api/v1/units/{code}/retire"): Row("/api/v1/units/C01-1/retire",
                                                 admin_only(200), {"json": {"reason": "撤并"}}),
    ("post", "/api/v1/units/{code}/merge"): Row("/api/v1/units/C01-1/merge", admin_only(200), {
        "json": {"into": "C01", "reason": "机构改革"}}),
    ("get", "/api/v1/units/{code}/history"): Row("/api/v1/units/U01/history", everyone(200)),
    ("patch", "/api/v1/tasks/{code}"): Row("/api/v1/tasks/T-001", admin_only(200), {
        "json": {"title": "建成城市快速路", "reason": "规范名称"}}),
    ("post", "/api/v1/tasks/{code}/replan"): Row("/api/v1/tasks/T-001/replan", admin_only(200), {
        "json": {"targets": [{"due_date": "2026-06-30", "planned_percent": 100}],
                 "reason": "年中调整"}}),
    ("post", "/api/v1/tasks/{code}/cancel"): Row("/api/v1/tasks/T-001/cancel", admin_only(200), {
        "json": {"reason": "不再实施"}}),
    ("get", "/api/v1/batches"): Row("/api/v1/batches", everyone(200)),
    ("post", "/api/v1/tasks"): Row("/api/v1/tasks", admin_only(201), {
        "json": {"code": "T-9", "title": "新任务", "lead_unit": "U01",
                 "start_date": "2026-01-01", "due_date": "2026-12-31", "targets": []}}),
    ("post", "/api/v1/tasks/batch"): Row("/api/v1/tasks/batch", admin_only(201), {
        "json": [{"code": "T-9", "title": "新任务", "lead_unit": "U01",
                  "start_date": "2026-01-01", "due_date": "2026-12-31", "targets": []}]}),
    ("get", "/api/v1/tasks"): Row("/api/v1/tasks", everyone(200)),
    ("get", "/api/v1/tasks/export.xlsx"): Row("/api/v1/tasks/export.xlsx", everyone(200)),
    ("get", "/api/v1/tasks/ledger.xlsx"): Row("/api/v1/tasks/ledger.xlsx", everyone(200)),
    ("get", "/api/v1/tasks/{code}"): Row("/api/v1/tasks/T-001", unit_read(200)),
    ("post", "/api/v1/tasks/{code}/evidence"): Row("/api/v1/tasks/T-001/evidence",
                                                   unit_write(201), "pdf"),
    ("get", "/api/v1/tasks/{code}/evidence/{evidence_id}"): Row(
        "/api/v1/tasks/T-001/evidence/5", unit_read(200)),
    ("post", "/api/v1/tasks/{code}/close"): Row("/api/v1/tasks/T-001/close", unit_write(200)),
    ("post", "/api/v1/tasks/{code}/explain"): Row("/api/v1/tasks/T-001/explain",
                                                  unit_write(200), {"json": {"reason": "调整"}}),
    ("post", "/api/v1/tasks/{code}/clock"): Row("/api/v1/tasks/T-001/clock", unit_write(200),
                                                {"json": {"stage": "deployed"}}),
    ("post", "/api/v1/commitments"): Row("/api/v1/commitments", unit_write(201), {
        "json": {"task": "T-001", "unit": "U01", "step": "开工", "promised_date": "2026-05-01",
                 "result": "开工建设"}}),
    ("post", "/api/v1/commitments/{commitment_id}/fulfil"): Row(
        "/api/v1/commitments/7/fulfil", unit_write(200)),
    ("post", "/api/v1/progress"): Row("/api/v1/progress", writers(200), {
        "json": [{"task": "T-001", "unit": "U01", "percent": 50}]}),
    ("post", "/api/v1/progress/{report_id}/received-at"): Row(
        "/api/v1/progress/11/received-at", admin_only(200), {
            "json": {"received_at": "2026-04-01T17:00:00+08:00", "reason": "纸质材料已送达"}}),
    ("post", "/api/v1/imports/tasks"): Row("/api/v1/imports/tasks", admin_only(201), "xlsx"),
    ("post", "/api/v1/imports/ledger"): Row("/api/v1/imports/ledger?dry_run=true",
                                            admin_only(200), "xlsx"),
    ("post", "/api/v1/imports/units"): Row("/api/v1/imports/units?dry_run=true",
                                           admin_only(200), "xlsx"),
    ("get", "/api/v1/imports/ledger/template.xlsx"): Row(
        "/api/v1/imports/ledger/template.xlsx", admin_only(200)),
    ("get", "/api/v1/imports/units/template.xlsx"): Row(
        "/api/v1/imports/units/template.xlsx", admin_only(200)),
    ("get", "/api/v1/warnings"): Row("/api/v1/warnings?unit=U01", unit_read(200)),
    ("get", "/api/v1/forecasts"): Row("/api/v1/forecasts?unit=U01", unit_read(200)),
    ("get", "/api/v1/forecasts/accuracy"): Row("/api/v1/forecasts/accuracy?unit=U01",
                                               unit_read(200)),
    ("post", "/api/v1/evaluations"): Row("/api/v1/evaluations?as_of=2026-04-01",
                                         admin_only(200)),
    ("get", "/api/v1/dashboard"): Row("/api/v1/dashboard", everyone(200)),
    # The one screen: each caller sees the tasks it may read.
    ("get", "/api/v1/dashboard/trend"): Row("/api/v1/dashboard/trend", everyone(200)),
    ("get", "/api/v1/dashboard/red-items"): Row("/api/v1/dashboard/red-items", everyone(200)),
    ("get", "/api/v1/dashboard/rates"): Row("/api/v1/dashboard/rates", everyone(200)),
    ("get", "/api/v1/dashboard/title"): Row("/api/v1/dashboard/title", everyone(200)),
    ("get", "/api/v1/dashboard/clocks"): Row("/api/v1/dashboard/clocks", everyone(200)),
    ("get", "/api/v1/commitments"): Row("/api/v1/commitments?unit=U01", unit_read(200)),
    ("get", "/api/v1/imports/tasks/template.xlsx"): Row(
        "/api/v1/imports/tasks/template.xlsx", admin_only(200)),
    ("get", "/api/v1/users"): Row("/api/v1/users", admin_only(200)),
    # On the bootstrap admin: the callers below are other users, whose tokens
    # the change would revoke before their turn.
    ("patch", "/api/v1/users/{username}"): Row("/api/v1/users/admin", admin_only(200), {
        "json": {"disabled": False}}),
    ("post", "/api/v1/users/{username}/password-reset"): Row(
        "/api/v1/users/admin/password-reset", admin_only(200)),
    ("get", "/api/v1/rankings"): Row("/api/v1/rankings?period=2026-Q1", everyone(200)),
    ("get", "/api/v1/rankings/way-off"): Row("/api/v1/rankings/way-off?unit=U01",
                                             unit_read(200)),
    ("get", "/api/v1/rankings/groups"): Row("/api/v1/rankings/groups", everyone(200)),
    ("get", "/api/v1/rankings/periods"): Row("/api/v1/rankings/periods", everyone(200)),
    # A live rank is an unpublished standing.
    ("get", "/api/v1/rankings/movers"): Row("/api/v1/rankings/movers?since=2026-11-16",
                                            city_wide(200)),
    ("get", "/api/v1/rankings/{period}/export"): Row("/api/v1/rankings/2026-Q3/export",
                                                     everyone(200)),
    ("get", "/api/v1/rankings/{period}/evaluations"): Row(
        "/api/v1/rankings/2026-Q3/evaluations", everyone(200)),
    # The ranking service also checks that the evaluator's unit leads a task the
    # evaluated unit cooperates on.
    ("post", "/api/v1/rankings/{period}/evaluations"): Row(
        "/api/v1/rankings/2026-Q3/evaluations", evaluators(200), {
            "json": {"unit": "C01", "score": 90, "comment": "配合积极"}}),
    ("post", "/api/v1/rankings/{period}/draft"): Row("/api/v1/rankings/2026-Q3/draft",
                                                     admin_only(200)),
    ("post", "/api/v1/rankings/{period}/approve"): Row("/api/v1/rankings/2026-Q3/approve",
                                                       admin_only(200)),
    ("post", "/api/v1/rankings/{period}/reopen"): Row("/api/v1/rankings/2026-Q3/reopen",
                                                      admin_only(200)),
    ("post", "/api/v1/rankings/{period}/publish"): Row("/api/v1/rankings/2026-Q3/publish",
                                                       admin_only(200)),
    ("get", "/api/v1/verifications"): Row("/api/v1/verifications", everyone(200)),
    ("post", "/api/v1/verifications/{verification_id}/confirm"): Row(
        "/api/v1/verifications/3/confirm", admin_only(200)),
    ("post", "/api/v1/verifications/{verification_id}/return"): Row(
        "/api/v1/verifications/3/return", admin_only(200), {"json": {"reason": "佐证不足"}}),
    ("get", "/api/v1/verification-policy"): Row("/api/v1/verification-policy",
                                                admin_only(200)),
    ("put", "/api/v1/verification-policy"): Row("/api/v1/verification-policy", admin_only(200), {
        "json": {"rules": {"closure": {"mode": "all"}}, "note": "销号全部复核"}}),
    ("get", "/api/v1/verification-policy/versions"): Row(
        "/api/v1/verification-policy/versions", admin_only(200)),
    ("get", "/api/v1/ranking-rules"): Row("/api/v1/ranking-rules", everyone(200)),
    ("put", "/api/v1/ranking-rules"): Row("/api/v1/ranking-rules", admin_only(200), {
        "json": {"rules": {"red_list_size": 5}, "note": "扩大红榜"}}),
    ("get", "/api/v1/ranking-rules/versions"): Row("/api/v1/ranking-rules/versions",
                                                   everyone(200)),
    ("get", "/api/v1/notifications"): Row("/api/v1/notifications?unit=U01", unit_read(200)),
    # Notification 1 is in U01's inbox; only the notify service sees whose a
    # notification is, and the fake refuses as it does.
    ("get", "/api/v1/inbox"): Row("/api/v1/inbox?unit=U01", unit_read(200)),
    ("post", "/api/v1/inbox/read"): Row("/api/v1/inbox/read", unit_write(200), {
        "json": {"ids": [1]}}),
    ("post", "/api/v1/notifications/{notification_id}/ack"): Row(
        "/api/v1/notifications/1/ack", unit_write(200)),
    ("get", "/api/v1/escalations"): Row("/api/v1/escalations", city_wide(200)),
    ("get", "/api/v1/routing-rules"): Row("/api/v1/routing-rules", admin_only(200)),
    ("put", "/api/v1/routing-rules"): Row("/api/v1/routing-rules", admin_only(200), {
        "json": {"rules": [{"event_type": "colour_changed", "colour": "red",
                            "role": "operator", "channels": ["sms", "inbox"]}]}}),
    ("get", "/api/v1/robots"): Row("/api/v1/robots", admin_only(200)),
    ("put", "/api/v1/robots/{unit}/{channel}"): Row("/api/v1/robots/U01/dingtalk",
                                                    admin_only(200), {
        "json": {"webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t1"}}),
    ("delete", "/api/v1/robots/{unit}/{channel}"): Row("/api/v1/robots/U01/wecom",
                                                       admin_only(200)),
    ("get", "/api/v1/templates"): Row("/api/v1/templates", admin_only(200)),
    ("put", "/api/v1/templates/{event_type}/{channel}"): Row(
        "/api/v1/templates/colour_changed/sms", admin_only(200), {
            "json": {"body": "{{ unit_name }}：任务 {{ task }} 已亮红灯。"}}),
    ("post", "/api/v1/templates/{event_type}/{channel}/preview"): Row(
        "/api/v1/templates/colour_changed/sms/preview", admin_only(200), {
            "json": {"body": "{{ unit_name }}：任务 {{ task }} 已亮红灯。"}}),
    # The weekly bulletin is the leaders' (DESIGN.md), drawn up by the office.
    ("get", "/api/v1/bulletins"): Row("/api/v1/bulletins", city_wide(200)),
    ("post", "/api/v1/bulletins"): Row("/api/v1/bulletins", admin_only(200), {
        "json": {"week_start": "2026-03-30"}}),
    ("get", "/api/v1/bulletins/{bulletin_id}.pdf"): Row("/api/v1/bulletins/2.pdf",
                                                         city_wide(200)),
    ("get", "/api/v1/bulletins/{bulletin_id}.html"): Row("/api/v1/bulletins/2.html",
                                                          city_wide(200)),
    ("get", "/api/v1/bulletins/{bulletin_id}.docx"): Row("/api/v1/bulletins/2.docx",
                                                          city_wide(200)),
    ("post", "/api/v1/bulletins/{bulletin_id}/issue"): Row("/api/v1/bulletins/2/issue",
                                                           admin_only(200)),
    ("get", "/api/v1/admin/parked/{service}"): Row("/api/v1/admin/parked/tasks",
                                                   admin_only(200)),
    ("post", "/api/v1/admin/parked/{service}/replay"): Row(
        "/api/v1/admin/parked/tasks/replay", admin_only(200), {"json": {"event_ids": ["e1"]}}),
    ("get", "/api/v1/audit"): Row("/api/v1/audit", admin_only(200)),
    ("get", "/api/v1/notices"): Row("/api/v1/notices?unit=U01", unit_read(200)),
    ("post", "/api/v1/notices"): Row("/api/v1/notices", office_or_leader(201), {
        "json": {"task": "T-001", "reason": "严重延期"}}),
    ("get", "/api/v1/notices/{notice_id}"): Row("/api/v1/notices/3", unit_read(200)),
    # As the warnings service judges it: the office, or an operator of the unit.
    ("post", "/api/v1/notices/{notice_id}/ack"): Row("/api/v1/notices/3/ack",
                                                      notice_answerers(200)),
    ("post", "/api/v1/notices/{notice_id}/answer"): Row(
        "/api/v1/notices/3/answer", notice_answerers(200), {"json": {"answer": "本周内完成整改"}}),
    ("post", "/api/v1/notices/{notice_id}/close"): Row("/api/v1/notices/3/close",
                                                        admin_only(200), {"json": {}}),
    ("get", "/api/v1/rules"): Row("/api/v1/rules", everyone(200)),
    ("put", "/api/v1/rules"): Row("/api/v1/rules", admin_only(200), {
        "json": {"rules": {"late_days_red": 10}, "note": "从严"}}),
    ("get", "/api/v1/rules/versions"): Row("/api/v1/rules/versions", everyone(200)),
    ("get", "/api/v1/tasks/{code}/history"): Row("/api/v1/tasks/T-001/history", unit_read(200)),
    ("post", "/api/v1/tasks/{code}/extensions"): Row(
        "/api/v1/tasks/T-001/extensions", admin_only(200), {
            "json": {"new_due_date": "2027-03-31", "reason": "用地审批延后"}}),
    # Only the lead unit asks for time (T-001 is U01's), only the office decides.
    ("post", "/api/v1/tasks/{code}/extension-requests"): Row(
        "/api/v1/tasks/T-001/extension-requests", unit_write(201), {
            "json": {"asked_due_date": "2026-09-30", "reason": "征地延误"}}),
    ("get", "/api/v1/extension-requests"): Row("/api/v1/extension-requests", everyone(200)),
    ("post", "/api/v1/extension-requests/{request_id}/decision"): Row(
        "/api/v1/extension-requests/8/decision", admin_only(200), {
            "json": {"outcome": "refused", "reason": "理由不充分"}}),
    # Signals of gamed numbers are the office's alone: no unit sees one.
    ("get", "/api/v1/signals"): Row("/api/v1/signals", admin_only(200)),
    ("post", "/api/v1/signals/{signal_id}/review"): Row(
        "/api/v1/signals/5/review", admin_only(200), {
            "json": {"verdict": "confirmed", "note": "现场核查属实"}}),
    ("get", "/api/v1/evidence-rules"): Row("/api/v1/evidence-rules", everyone(200)),
    ("put", "/api/v1/evidence-rules"): Row("/api/v1/evidence-rules", admin_only(200), {
        "json": {"rules": {"at_full": True}}}),
    ("get", "/api/v1/evidence-rules/versions"): Row("/api/v1/evidence-rules/versions",
                                                    everyone(200)),
    ("post", "/api/v1/progress/with-evidence"): Row("/api/v1/progress/with-evidence",
                                                    writers(200), {
        "data": {"task": "T-001", "unit": "U01", "percent": "50"}}),
    ("get", "/api/v1/today"): Row("/api/v1/today", everyone(200)),
    ("get", "/api/v1/calendar"): Row("/api/v1/calendar", everyone(200)),
    ("get", "/api/v1/calendar/{year}"): Row("/api/v1/calendar/2027", everyone(200)),
    ("put", "/api/v1/calendar/{year}"): Row("/api/v1/calendar/2027", admin_only(200), {
        "json": {"holidays": [{"date": "2027-01-01", "name": "元旦"}], "workdays": [],
                 "note": "据通知录入"}}),
    ("post", "/api/v1/calendar/{year}/parse"): Row("/api/v1/calendar/2027/parse",
                                                   admin_only(200), {
        "json": {"text": "一、元旦：1月1日（周五）放假，共1天。"}}),
    ("post", "/api/v1/calendar/{year}/spreadsheet"): Row(
        "/api/v1/calendar/2027/spreadsheet", admin_only(200), {"files": {"file": (
            "2027.xlsx", _calendar_sheet())}}),
    ("get", "/api/v1/calendar/{year}/history"): Row("/api/v1/calendar/2027/history",
                                                    everyone(200)),
    ("get", "/api/v1/warnings/unjudged"): Row("/api/v1/warnings/unjudged", admin_only(200)),
    # Leaders' instructions: the office records one for a leader, a leader its own.
    ("post", "/api/v1/instructions"): Row("/api/v1/instructions", office_or_leader(201), {
        "json": {"leader": "m-leader-city", "leader_name": "王市长", "given_on": "2026-04-01",
                 "text": "抓紧推进", "task": "T-001"}}),
    ("get", "/api/v1/instructions"): Row("/api/v1/instructions?mine=true", everyone(200)),
    # The leaders to choose from: for those who record an instruction, no one else.
    ("get", "/api/v1/leaders"): Row("/api/v1/leaders", office_or_leader(200)),
    ("get", "/api/v1/instructions/{instruction_id}"): Row("/api/v1/instructions/3",
                                                          unit_read(200)),
    # The office corrects any instruction, a leader its own: the fake's is the mayor's.
    ("patch", "/api/v1/instructions/{instruction_id}"): Row(
        "/api/v1/instructions/3", {**office_or_leader(200), "leader": 403}, {
            "json": {"text": "抓紧推进，月底前见效", "reason": "录入笔误"}}),
    ("post", "/api/v1/tasks/{code}/clock/{stage}/feedback"): Row(
        "/api/v1/tasks/T-001/clock/deployed/feedback", unit_write(201),
        {"data": {"text": "已召开部署会"}}),
    # A leader writes only where it gave an instruction (the fake's tasks have none).
    ("get", "/api/v1/tasks/{code}/messages"): Row("/api/v1/tasks/T-001/messages",
                                                  unit_read(200)),
    ("post", "/api/v1/tasks/{code}/messages"): Row(
        "/api/v1/tasks/T-001/messages", unit_write(201), {"data": {"text": "请补充材料"}}),
    ("get", "/api/v1/accountability"): Row("/api/v1/accountability?unit=U01", unit_read(200)),
    ("post", "/api/v1/accountability"): Row("/api/v1/accountability", admin_only(201), {
        "json": {"unit": "U01", "ground": "black_list", "questions": ["accountability"],
                 "summary": "列入黑榜"}}),
    ("get", "/api/v1/accountability/{record_id}"): Row("/api/v1/accountability/6",
                                                       unit_read(200)),
    ("post", "/api/v1/accountability/{record_id}/measures"): Row(
        "/api/v1/accountability/6/measures", admin_only(200), {
            "json": {"kind": "interview", "taken_on": "2026-04-02", "result": "约谈"}}),
    # As the warnings service judges it: the office, or an operator of the unit.
    ("post", "/api/v1/accountability/{record_id}/plan"): Row(
        "/api/v1/accountability/6/plan", notice_answerers(200), {"json": {"plan": "限期整改"}}),
    ("post", "/api/v1/accountability/{record_id}/close"): Row(
        "/api/v1/accountability/6/close", admin_only(200), {"json": {}}),
    ("get", "/api/v1/accountability/{record_id}/export.docx"): Row(
        "/api/v1/accountability/6/export.docx", unit_read(200)),
}


def test_every_operation_has_a_row(app):
    operations = {(method, path) for path, item in app.openapi()["paths"].items()
                  for method in item}
    assert operations - set(MATRIX) == set(), "add a row to MATRIX for each new operation"
    assert set(MATRIX) - operations == set(), "a row for an operation that is gone"


@pytest.fixture
def callers(client, admin, key_for):
    """Headers of each kind of caller, and a spare key id for the key operations."""
    def user(role, unit=None):
        username = f"m-{role}-{unit or 'city'}".lower()
        body = {"username": username, "password": PASSWORD, "role": role}
        if unit:
            body["unit"] = unit
        assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
        token = client.post("/api/v1/auth/token",
                            data={"username": username, "password": PASSWORD})
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    headers = {
        # A second admin, so the bootstrap admin's password stays the test default.
        "admin": user("admin"),
        "leader": user("leader"),
        "operator_own": user("operator", "U01"),
        "operator_other": user("operator", "C01"),
        "evaluator": user("evaluator", "U01"),
        "key_own": key_for("U01"),
        "key_other": key_for("C01"),
        "anonymous": {},
    }
    spare = client.post("/api/v1/api-keys", json={"name": "spare", "units": ["U01"]},
                        headers=admin).json()["id"]
    return headers, spare


def _request_kwargs(row: Row) -> dict:
    if row.kwargs == "pdf":
        return _pdf()
    if row.kwargs == "xlsx":
        return {"files": {"file": ("tasks.xlsx", io.BytesIO(_library()), XLSX_MEDIA_TYPE)}}
    return dict(row.kwargs)


class _NoBroker:
    """Stands in for the readiness probe's cluster proxy: the broker refuses at once."""

    def __init__(self, *args, **kwargs):
        pass

    def start(self):
        raise ConnectionRefusedError("no broker in the gateway tier")

    __enter__ = start

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda op: f"{op[0]} {op[1]}")
def test_who_may_do_what(client, callers, operation, monkeypatch):
    monkeypatch.setattr(health, "ClusterRpcProxy", _NoBroker)
    headers, spare = callers
    method, _ = operation
    row = MATRIX[operation]
    path = row.path.format(spare_key=spare)
    got = {}
    for role in ROLES:
        response = client.request(method, path, headers=headers[role], **_request_kwargs(row))
        got[role] = response.status_code
    assert got == row.expected


# A task's units are not all equal. T-001 is led by U01; U02 cooperates on it
# and owns its second target. U02 reads the task and adds evidence, but does
# not speak for the task as a whole: neither its operator nor a county key
# covering it closes, explains or records a 13710 stage (the tasks service
# refuses the same, and a percentage of a cooperating unit's, per item).
LEAD_ONLY = [
    ("post", "/api/v1/tasks/T-001/close", {}),
    ("post", "/api/v1/tasks/T-001/explain", {"json": {"reason": "调整"}}),
    ("post", "/api/v1/tasks/T-001/clock", {"json": {"stage": "deployed"}}),
]
SHARED = [
    ("get", "/api/v1/tasks/T-001", {}, 200),
    ("get", "/api/v1/tasks/T-001/evidence/5", {}, 200),
    ("post", "/api/v1/tasks/T-001/evidence", "pdf", 201),
]


@pytest.fixture
def cooperating(headers_for, key_for):
    return {"operator": headers_for("operator", "U02"), "key": key_for("U02")}


@pytest.mark.parametrize("method, path, kwargs", LEAD_ONLY, ids=lambda v: str(v))
def test_a_cooperating_unit_does_not_act_for_the_task(client, cooperating, fake_rpc, method,
                                                     path, kwargs):
    for headers in cooperating.values():
        response = client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == 403, response.text
        assert response.json()["detail"]["code"] == "lead_unit_only"
    # Only the task and the unit tree were read; nothing reached the service.
    assert set(fake_rpc.names()) <= {"tasks.get_task", "tasks.list_units"}


@pytest.mark.parametrize("method, path, kwargs, expected", SHARED, ids=lambda v: str(v))
def test_a_cooperating_unit_reads_the_task_and_adds_evidence(client, cooperating, method, path,
                                                            kwargs, expected):
    for headers in cooperating.values():
        extra = _pdf() if kwargs == "pdf" else kwargs
        assert client.request(method, path, headers=headers, **extra).status_code == expected


@pytest.mark.parametrize("action, kwargs", [("ack", {}),
                                            ("answer", {"json": {"answer": "本周内完成整改"}})])
def test_a_notice_is_answered_by_its_own_unit_not_one_above_it(client, headers_for, key_for,
                                                              fake_rpc, action, kwargs):
    # The warnings service knows no unit tree: it refuses C01's operator a
    # notice addressed to C01-1, and so does the gateway, before calling it.
    fake_rpc.answer("warnings.get_notice", lambda notice_id: {
        "id": notice_id, "number": "督办〔2026〕4号", "task": "T-003", "unit": "C01-1",
        "item_kind": "task", "item_key": "T-003", "reason": "严重延期", "status": "open"})
    for headers in (headers_for("operator", "C01"), key_for("C01"),
                    headers_for("evaluator", "C01-1")):
        response = client.post(f"/api/v1/notices/3/{action}", headers=headers, **kwargs)
        assert response.status_code == 403
        assert response.json()["detail"]["code"] == "notice_unit_only"
    assert not [name for name in fake_rpc.names() if name.endswith("_notice")
                and name != "warnings.get_notice"]
    own = client.post(f"/api/v1/notices/3/{action}", headers=headers_for("operator", "C01-1"),
                      **kwargs)
    assert own.status_code == 200
