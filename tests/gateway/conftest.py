"""Gateway tier.

Real: the FastAPI app built by `create_app` with its middleware, authentication,
authorisation and error handlers, and the gateway's own SQLite database in
`tmp_path`.

Passwords are hashed with real argon2 at its cheapest parameters, so that
signing users in does not dominate the run.

Faked: the nameko services. `FakeRpc` replaces the pooled cluster proxy through
`app.dependency_overrides[get_rpc]`; it records every call, answers in the
shapes of docs/contracts.md (through JSON, as the real proxy does), and raises
nameko's `RemoteError(exc_type, message)` where a service would. Its methods
take the contract's argument names as keywords, so a route passing a wrong or
missing argument fails the test.
"""
import base64
import copy
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from nameko.exceptions import RemoteError

from gateway import auth
from gateway.app import create_app
from gateway.ops import ops_app
from gateway.rpc import get_rpc
from gateway.settings import Settings

ADMIN_PASSWORD = "admin-test-password"

UNITS = [
    {"code": "U01", "name": "市发改委", "kind": "department", "parent": None,
     "head": {"name": "张三", "phone": "13800000001", "email": "zhang@example.org"}},
    {"code": "U02", "name": "市住建局", "kind": "department", "parent": None, "head": None},
    {"code": "C01", "name": "袁州区", "kind": "county", "parent": None, "head": None},
    {"code": "C01-1", "name": "袁州区农业农村局", "kind": "department", "parent": "C01",
     "head": None},
]

TASKS = [
    {"code": "T-001", "title": "建成城市快速路一期", "lead_unit": "U01",
     "cooperating_units": ["U02"], "category": "infrastructure", "source": "plan",
     "clock_class": None, "responsible_person": "李四", "start_date": "2026-01-01",
     "due_date": "2026-06-30", "status": "active", "percent": 40.0,
     "targets": [
         {"seq": 1, "due_date": "2026-03-31", "planned_percent": 30.0,
          "description": "完成征地", "unit": "U01"},
         {"seq": 2, "due_date": "2026-06-30", "planned_percent": 100.0,
          "description": "通车", "unit": "U02"},
     ]},
    {"code": "T-002", "title": "优化营商环境", "lead_unit": "U02", "cooperating_units": [],
     "category": "economy", "source": "assignment", "clock_class": "important",
     "responsible_person": None, "start_date": "2026-02-01", "due_date": "2026-12-31",
     "status": "active", "percent": 10.0, "targets": []},
    {"code": "T-003", "title": "县域污水处理", "lead_unit": "C01", "cooperating_units": [],
     "category": "ecology", "source": "instruction", "clock_class": "general",
     "responsible_person": None, "start_date": "2026-01-15", "due_date": "2026-09-30",
     "status": "active", "percent": 0.0,
     "targets": [{"seq": 1, "due_date": "2026-09-30", "planned_percent": 100.0,
                  "description": None, "unit": "C01"}]},
]

COLOURS = {
    "T-001": {"colour": "red", "reason": "进度落后计划 25 个百分点", "since": "2026-04-01",
              "targets": {1: {"colour": "red", "reason": "逾期未完成"},
                          2: {"colour": "green", "reason": "如期推进"}}},
    "T-003": {"colour": "yellow", "reason": "未按月报送", "since": "2026-04-05", "targets": {}},
}

NOTICES = [{"id": 3, "number": "督办〔2026〕3号", "task": "T-001", "unit": "U01",
            "item_kind": "task", "item_key": "T-001", "reason": "严重延期", "status": "open"}]
WARNINGS = [
    {"item_kind": "task", "item_key": "T-001", "task": "T-001", "unit": "U01",
     "colour": "red", "reason": "进度落后", "since": "2026-04-01", "rule_version": 3},
    {"item_kind": "target", "item_key": "T-001/1", "task": "T-001", "unit": "U01",
     "colour": "red", "reason": "逾期", "since": "2026-04-01", "rule_version": 3},
    {"item_kind": "task", "item_key": "T-003", "task": "T-003", "unit": "C01",
     "colour": "yellow", "reason": "未按月报送", "since": "2026-04-05", "rule_version": 3},
]
# T-003 (C01, yellow now) is forecast red within the rules' days; T-002 on plan.
FORECASTS = [
    {"task": "T-003", "unit": "C01", "as_of": "2026-04-10", "colour": "red",
     "due": "2026-09-30", "planned": 100.0, "projected": 52.0, "low": 45.0, "high": 60.0,
     "red_on": "2026-04-20", "pace": 0.2, "spread": 0.03, "reports": 4, "soon_red": True,
     "soon_red_since": "2026-04-10", "rule_version": 3, "dates": [],
     "words": "按当前进度，预计2026年9月30日仅达52%（计划100%），将亮红灯；"
              "预计2026年4月20日起亮红灯"},
    {"task": "T-002", "unit": "U02", "as_of": "2026-04-10", "colour": "green",
     "due": "2026-06-30", "planned": 100.0, "projected": 100.0, "low": 100.0, "high": 100.0,
     "red_on": None, "pace": 0.6, "spread": 0.0, "reports": 3, "soon_red": False,
     "soon_red_since": None, "rule_version": 3, "dates": [],
     "words": "按当前进度，预计2026年6月30日可达100%（计划100%），可如期完成"},
]
# Notification 1 is in U01's inbox (unread), 2 an SMS to U01's operator, 3 in the
# inbox of the leader named "mayor".
NOTIFICATIONS = [
    {"id": 1, "channel": "inbox", "recipient": "U01", "unit": "U01", "task": "T-001",
     "subject": "红色预警", "body": "请尽快推进", "status": "delivered",
     "created_at": "2026-04-01T08:00:00Z", "event_type": "colour_changed",
     "item": "task:T-001", "colour": "red", "role": "operator", "level": None, "items": None,
     "attempts": 0, "provider_answer": None, "next_attempt_at": None,
     "sent_at": "2026-04-01T08:00:00Z", "read_at": None},
    {"id": 2, "channel": "sms", "recipient": "13800000002", "unit": "U01", "task": "T-001",
     "subject": "", "body": "红色预警", "status": "sent",
     "created_at": "2026-04-01T08:00:00Z", "event_type": "colour_changed",
     "item": "task:T-001", "colour": "red", "role": "operator", "level": None, "items": None,
     "attempts": 1, "provider_answer": "ok", "next_attempt_at": None,
     "sent_at": "2026-04-01T08:00:05Z", "read_at": None},
    {"id": 3, "channel": "inbox", "recipient": "mayor", "unit": "leaders", "task": None,
     "subject": "每周专报", "body": "本周新增红色预警 1 项", "status": "delivered",
     "created_at": "2026-04-06T00:00:00Z", "event_type": "bulletin_published",
     "item": "bulletin:2026-03-30", "colour": None, "role": "leaders", "level": None,
     "items": None, "attempts": 0, "provider_answer": None, "next_attempt_at": None,
     "sent_at": "2026-04-06T00:00:00Z", "read_at": "2026-04-06T01:00:00Z"},
]
ESCALATIONS = [
    {"id": 4, "item": "task:T-001", "unit": "U01", "task": "T-001",
     "label": "任务 T-001 红色预警", "level": 1, "role": "head", "status": "open",
     "stopped_reason": None, "next_at": "2026-04-03T00:00:00",
     "history": [{"level": 0, "role": "operator", "at": "2026-04-01T00:00:00",
                  "what": "opened"}]},
]
BULLETIN = {"id": 2, "week_start": "2026-03-30", "generated_at": "2026-04-06T00:00:00",
            "status": "draft", "year": None, "number": None, "issue": None,
            "issued_at": None, "issued_by": None,
            "summary": {"week_start": "2026-03-30", "week_end": "2026-04-05",
                        "counts": {"red": 1, "overdue": 0, "closed": 2}}}
BULLETIN_FILES = {"pdf": b"%PDF-1.4 bulletin\n%%EOF",
                  "html": "<html><body><h1>每周专报</h1></body></html>".encode(),
                  "docx": b"PK\x03\x04 bulletin"}
INSTRUCTION = {"id": 3, "task": "T-001", "kind": "on_task", "parent": None,
               "leader": "mayor", "leader_name": "王市长", "given_on": "2026-04-01",
               "text": "抓紧推进", "stages": [], "follow_ups": [], "corrections": []}
ACCOUNTABILITY = {"id": 6, "unit": "U01", "ground": "black_list", "ground_ref": "2026-Q1",
                  "ground_detail": "2026年第一季度列入黑榜", "task": None,
                  "questions": ["accountability"], "status": "open", "colour": "green",
                  "measures": [], "plan": None, "plan_deadline": "2026-04-30"}


def _within(caller, *units):
    """As a service judges it: Forbidden unless the caller sees one of the units."""
    if caller["units"] is not None and not set(units) & set(caller["units"]):
        raise RemoteError("Forbidden", "outside the caller's units")


def _page(items, limit=100, offset=0):
    return {"items": items[offset:offset + limit], "total": len(items)}


def _not_found(what):
    raise RemoteError("NotFound", f"no such {what}")


def _task(code):
    for task in TASKS:
        if task["code"] == code:
            return task
    return _not_found(f"task {code}")


def _notification(notification_id):
    for row in NOTIFICATIONS:
        if row["id"] == notification_id:
            return row
    return _not_found(f"notification {notification_id}")


def _addressed_to(caller, row):
    """As the notify service judges it: the row's unit is one of the caller's
    (every unit when null), or the row is addressed to the caller by name."""
    units = caller["units"]
    return units is None or row["unit"] in units or row["recipient"] == caller["user"]


class Contract:
    """The services' answers, one method per RPC of docs/contracts.md."""

    # tasks
    def tasks_create_unit(self, *, data, caller):
        return {"parent": None, "head": None, **data}

    def tasks_list_units(self, *, caller, kind=None, parent=None, limit=1000, offset=0):
        found = [unit for unit in UNITS
                 if kind in (None, unit["kind"]) and parent in (None, unit["parent"])]
        return {"items": found[offset:offset + limit], "total": len(found)}

    def tasks_get_unit(self, *, code, caller):
        return next((unit for unit in UNITS if unit["code"] == code), None) or _not_found(code)

    def tasks_create_task(self, *, data, caller):
        targets = [{"seq": seq, "description": None, "unit": None, **target}
                   for seq, target in enumerate(data["targets"], start=1)]
        return {"status": "active", "percent": 0.0, **data, "targets": targets}

    def tasks_import_tasks(self, *, rows, caller, dry_run=False):
        return {"created": 0 if dry_run else len(rows), "errors": [], "checked": len(rows)}

    def tasks_import_ledger(self, *, sheet, caller, dry_run=False, reason=None, token=None):
        # The preview's shape, counting the rows below the first: the tasks
        # service's own reading of a ledger is tested in tests/logic and
        # tests/service.
        checked = max(len(sheet["rows"]) - 1, 0)
        preview = {"checked": checked, "year": sheet["year"], "errors": [],
                   "new": [], "new_total": 0, "changed": [], "changed_total": 0,
                   "unchanged": checked, "missing": [], "missing_total": 0,
                   "ignored_columns": [], "token": "0" * 64}
        return preview if dry_run else {**preview, "created": 0, "updated": 0}

    def tasks_import_units(self, *, sheet, caller, dry_run=False, token=None):
        checked = max(len(sheet["rows"]) - 1, 0)
        preview = {"checked": checked, "errors": [], "new": [], "changed": [],
                   "unchanged": checked, "ignored_columns": [], "token": "0" * 64}
        return preview if dry_run else {**preview, "created": 0, "updated": 0}

    def tasks_list_tasks(self, *, caller, unit=None, status=None, category=None, source=None,
                         codes=None, limit=100, offset=0, batch=None, q=None, lead_unit=None,
                         year=None, due_month=None):
        if year is not None and not (str(year).isdigit() and 2000 <= int(year) <= 2100):
            raise RemoteError("InvalidInput", json.dumps({"year": {
                "code": "year_invalid", "message": "年份应为 2000—2100 之间的四位数字，如 2026。"}},
                ensure_ascii=False))
        items = [task for task in TASKS
                 if all(word in task["title"] for word in (q or "").split())
                 and (codes is None or task["code"] in codes)
                 and unit in (None, task["lead_unit"]) and lead_unit in (None, task["lead_unit"])
                 and status in (None, task["status"])
                 and category in (None, task["category"]) and source in (None, task["source"])
                 and batch in (None, task.get("batch"))
                 # The year scope and due month as the service keeps them
                 # (tests/service/test_tasks_year_scope.py), closings left out.
                 and (year is None or (task["start_date"][:4] <= str(year) and (
                     task["due_date"][:4] >= str(year) or task["status"] == "active")))
                 and (due_month is None or any(
                     day.startswith(due_month) for day in [
                         task["due_date"], *(t["due_date"] for t in task["targets"])]))]
        return _page(items, limit, offset)

    def tasks_list_task_codes(self, *, caller, unit=None, status=None, category=None,
                              source=None, codes=None, limit=100, offset=0, batch=None, q=None,
                              lead_unit=None, year=None, due_month=None):
        found = self.tasks_list_tasks(
            caller=caller, unit=unit, status=status, category=category, source=source,
            codes=codes, limit=1000, offset=0, batch=batch, q=q, lead_unit=lead_unit,
            year=year, due_month=due_month)
        return _page([task["code"] for task in found["items"]], limit, offset)

    def tasks_list_batches(self, *, caller=None):
        return {"items": [
            {"batch": "2026年第一批", "items": 2, "active": 1, "closed": 1, "explained": 0,
             "cancelled": 0},
            {"batch": None, "items": 1, "active": 1, "closed": 0, "explained": 0,
             "cancelled": 0}]}

    def tasks_update_task(self, *, code, changes, reason, caller):
        if "lead_unit" in changes and changes["lead_unit"] not in {u["code"] for u in UNITS}:
            raise RemoteError("InvalidInput", json.dumps({"lead_unit": {
                "code": "unit_unknown", "message": f"单位 {changes['lead_unit']} 不存在。"}},
                ensure_ascii=False))
        return {**_task(code), **changes}

    def tasks_replan_task(self, *, code, targets, reason, caller):
        task = _task(code)
        return {**task, "targets": [
            {"seq": len(task["targets"]) + seq, "description": None, "unit": task["lead_unit"],
             "plan_version": 2, **target} for seq, target in enumerate(targets, start=1)]}

    def tasks_cancel_task(self, *, code, reason, caller):
        task = _task(code)
        if task["status"] != "active":
            raise RemoteError("Conflict", json.dumps({
                "code": "task_not_active", "message": f"任务 {code} 当前状态不能再撤销。"},
                ensure_ascii=False))
        return {**task, "status": "cancelled", "status_reason": reason}

    def tasks_get_task_history(self, *, code, caller):
        task = _task(code)
        return {"task": code, "versions": [
            {"version": 1, "kind": "create", "changes": {}, "reason": None,
             "changed_by": None, "changed_at": "2026-01-01T00:00:00"}],
            "plans": [{"version": 1, "effective_on": task["start_date"], "reason": None,
                       "approved_by": None, "approved_at": "2026-01-01T00:00:00",
                       "targets": [{**t, "replaced_in": None} for t in task["targets"]]}]}

    def tasks_update_unit(self, *, code, changes, caller):
        unit = self.tasks_get_unit(code=code, caller=caller)
        return {**unit, **{k: v for k, v in changes.items() if k != "reason"}}

    def tasks_retire_unit(self, *, code, reason, caller):
        if any(task["lead_unit"] == code and task["status"] == "active" for task in TASKS):
            raise RemoteError("Conflict", json.dumps({
                "code": "unit_leads_open_tasks", "message": f"单位 {code} 仍牵头未办结任务。"},
                ensure_ascii=False))
        return {**self.tasks_get_unit(code=code, caller=caller), "status": "retired"}

    def tasks_merge_units(self, *, code, into, reason, caller):
        self.tasks_get_unit(code=code, caller=caller)
        self.tasks_get_unit(code=into, caller=caller)
        return {"unit": code, "into": into,
                "tasks": [task["code"] for task in TASKS if task["lead_unit"] == code]}

    def tasks_get_unit_history(self, *, code, caller):
        self.tasks_get_unit(code=code, caller=caller)
        return {"unit": code, "items": []}

    def tasks_get_task(self, *, code, caller):
        return {**_task(code), "progress": [], "clocks": [], "evidence": [], "commitments": []}

    def tasks_extend_task(self, *, code, new_due_date, caller, seq=None, reason=None):
        return {"task": code, "seq": seq, "new_due_date": new_due_date, "count": 1}

    def tasks_request_extension(self, *, code, asked_due_date, reason, caller, seq=None):
        task = _task(code)
        _within(caller, task["lead_unit"])
        return {"id": 8, "task": code, "seq": seq, "unit": task["lead_unit"],
                "previous_due_date": task["due_date"], "asked_due_date": asked_due_date,
                "reason": reason, "status": "pending", "status_name": "待审批",
                "granted_due_date": None, "decision_reason": None}

    def tasks_decide_extension(self, *, request_id, outcome, reason, caller,
                               granted_due_date=None):
        if request_id != 8:
            raise RemoteError("NotFound", json.dumps({
                "code": "extension_request_not_found",
                "message": f"延期申请 {request_id} 不存在。"}, ensure_ascii=False))
        granted = {"approved": "2026-09-30", "shortened": granted_due_date}.get(outcome)
        return {"id": 8, "task": "T-001", "seq": None, "unit": "U01", "status": outcome,
                "previous_due_date": "2026-06-30", "asked_due_date": "2026-09-30",
                "granted_due_date": granted, "decision_reason": reason}

    def tasks_list_extension_requests(self, caller, status=None, unit=None, task=None,
                                      limit=100, offset=0):
        rows = [{"id": 8, "task": "T-001", "seq": None, "unit": "U01", "status": "pending",
                 "previous_due_date": "2026-06-30", "asked_due_date": "2026-09-30",
                 "reason": "征地延误", "requested_at": "2026-04-01T02:00:00"}]
        rows = [row for row in rows if (status is None or row["status"] == status)
                and (caller["units"] is None or row["unit"] in caller["units"])]
        return {**_page(rows, limit, offset),
                "counts": {"pending": 1, "approved": 0, "shortened": 0, "refused": 0}}

    def tasks_list_signals(self, caller, kind=None, status=None, unit=None, limit=100,
                           offset=0):
        if caller["role"] != "admin":
            raise RemoteError("Forbidden", "not allowed for this role")
        rows = [{"id": 5, "kind": "late_jump", "kind_name": "临近期限突击完成", "task": "T-001",
                 "title": "重点项目开工", "unit": "U01", "unit_name": "袁州区",
                 "detail": "任务T-001进度停在30%已40天，在期限2026-06-30前0个工作日内"
                           "（2026-06-30）一次报至100%",
                 "evidence_ids": [], "first_seen": "2026-06-30T08:00:00", "status": "open",
                 "status_name": "待核查", "reviewed_by": None, "reviewed_at": None,
                 "note": None}]
        rows = [row for row in rows if (kind is None or row["kind"] == kind)
                and (status is None or row["status"] == status)
                and (unit is None or row["unit"] == unit)]
        return {**_page(rows, limit, offset),
                "counts": {"open": 1, "reviewed": 0, "confirmed": 0}}

    def tasks_review_signal(self, *, signal_id, verdict, caller, note=None):
        if caller["role"] != "admin":
            raise RemoteError("Forbidden", "not allowed for this role")
        if signal_id != 5:
            raise RemoteError("NotFound", json.dumps({
                "code": "signal_not_found", "message": f"数据真实性线索 {signal_id} 不存在。"},
                ensure_ascii=False))
        (row,) = self.tasks_list_signals(caller)["items"]
        return {**row, "status": verdict, "note": note, "reviewed_by": caller["user"],
                "status_name": {"reviewed": "看过，无问题", "confirmed": "属实"}[verdict]}

    def tasks_get_evidence_rules(self):
        return {"version": 1, "rules": {"at_full": False, "at_target_met": False},
                "created_by": None, "created_at": None, "note": "默认规则"}

    def tasks_update_evidence_rules(self, data, caller, note=None):
        return {"version": 2, "rules": {"at_full": False, "at_target_met": False, **data},
                "created_by": caller["user"], "created_at": "2026-04-01T02:00:00Z",
                "note": note}

    def tasks_list_evidence_rule_versions(self, limit=100, offset=0):
        return {"items": [], "total": 0}

    def tasks_report_progress(self, *, items, caller, source="portal", idempotency_key=None):
        return {"batch_id": "b-1", "accepted": len(items), "rejected": 0,
                "results": [{"index": index, "status": "accepted", "id": index + 1}
                            for index in range(len(items))]}

    def tasks_add_evidence(self, *, task, filename, content_type, content_b64, caller):
        return {"id": 5, "sha256": "0" * 64, "filename": filename, "size": 3,
                "content_type": content_type, "uploaded_at": "2026-04-01T08:00:00Z"}

    def tasks_get_evidence(self, *, task, evidence_id, caller):
        return {"id": evidence_id, "sha256": "0" * 64, "filename": "照片.jpg", "size": 3,
                "content_type": "image/jpeg", "uploaded_at": "2026-04-01T08:00:00Z",
                "content_b64": "AQID"}

    def tasks_close_task(self, *, code, caller):
        return {**_task(code), "status": "closed"}

    def tasks_explain_task(self, *, code, reason, caller):
        return {**_task(code), "status": "explained", "reason": reason}

    def tasks_correct_report_receipt(self, *, report_id, received_at, reason, caller):
        if report_id != 11:
            raise RemoteError("NotFound", f"no progress report {report_id}")
        return {"id": 11, "task": "T-001", "unit": "U01", "percent": 40.0, "correction": False,
                "reported_at": "2026-04-03T01:00:00", "received_at": received_at[:19],
                "corrections": [{"previous_received_at": "2026-04-03T01:00:00",
                                 "received_at": received_at[:19], "reason": reason,
                                 "corrected_by": caller["user"],
                                 "corrected_at": "2026-04-03T02:00:00"}]}

    def tasks_record_clock_stage(self, *, code, stage, caller, recorded_at=None):
        return [{"stage": stage, "due": "2026-04-02",
                 "recorded_at": recorded_at or "2026-04-01T08:00:00Z"}]

    def tasks_create_commitment(self, *, data, caller):
        return {"id": 7, **data, "fulfilled_at": None}

    def tasks_fulfil_commitment(self, *, commitment_id, caller):
        # The gateway cannot see a commitment's unit; the service checks the
        # caller's scope, as this stand-in does for its one commitment (U01's).
        if caller["units"] is not None and "U01" not in caller["units"]:
            raise RemoteError("Forbidden", "commitment outside the caller's units")
        return {"id": commitment_id, "task": "T-001", "unit": "U01", "step": "完成征地",
                "promised_date": "2026-05-01", "result": "全部签约",
                "fulfilled_at": "2026-04-20T00:00:00Z"}

    # 复核: one closing of T-001 (U01's) waits for the office; only the office
    # decides, as the service refuses anyone else.
    def _verification(self, status="pending", reason=None):
        return {"id": 3, "kind": "closure", "kind_name": "销号", "task": "T-001",
                "task_title": "重点项目开工", "unit": "U01", "unit_name": "一号单位",
                "subject": None, "subject_name": None, "claim": {"percent": 100, "evidence": 2},
                "status": status, "status_name": {"pending": "待复核", "confirmed": "已复核",
                                                  "returned": "被退回"}[status],
                "requested_at": "2026-04-20T02:00:00", "requested_by": "u01-operator",
                "decided_at": None if status == "pending" else "2026-04-21T02:00:00",
                "reason": reason}

    def tasks_list_verifications(self, *, caller, status="pending", kind=None, task=None,
                                 limit=100, offset=0):
        units = caller["units"]
        items = [item for item in [self._verification()]
                 if (units is None or item["unit"] in units) and status in (None, item["status"])
                 and kind in (None, item["kind"]) and task in (None, item["task"])]
        return {**_page(items, limit, offset),
                "counts": {"closure": len(items), "clock_stage": 0, "commitment": 0,
                           "total": len(items)}}

    def _office_only(self, caller):
        if caller["role"] != "admin":
            raise RemoteError("Forbidden", "not allowed for this role")

    def tasks_confirm_verification(self, *, verification_id, caller):
        self._office_only(caller)
        if verification_id != 3:
            raise RemoteError("NotFound", json.dumps({
                "code": "verification_not_found",
                "message": f"复核事项 {verification_id} 不存在。"}, ensure_ascii=False))
        return self._verification("confirmed")

    def tasks_return_verification(self, *, verification_id, reason, caller):
        self._office_only(caller)
        return {**self._verification("returned", reason), "id": verification_id}

    def tasks_get_verification_policy(self, *, caller):
        self._office_only(caller)
        return {"version": 1, "rules": {kind: {"mode": "none", "percent": 0} for kind in (
            "closure", "clock_stage", "commitment")}, "created_by": None, "created_at": None,
            "note": "默认规则"}

    def tasks_update_verification_policy(self, *, data, caller, note=None):
        policy = self.tasks_get_verification_policy(caller=caller)
        # As the tasks service does: a kind it does not verify is refused, not kept.
        unknown = sorted(set(data) - set(policy["rules"]))
        if unknown:
            raise RemoteError("InvalidInput", json.dumps(
                {kind: "没有这类核验" for kind in unknown}, ensure_ascii=False))
        return {**policy, "version": 2, "rules": {**policy["rules"], **data}, "note": note,
                "changes": {kind: [policy["rules"][kind], value] for kind, value in data.items()}}

    def tasks_list_verification_policy_versions(self, *, caller, limit=20, offset=0):
        self._office_only(caller)
        return _page([], limit, offset)

    def tasks_list_commitments(self, *, caller, unit=None, task=None, status=None,
                               limit=100, offset=0):
        items = [{"id": 7, "task": "T-001", "unit": "U01", "step": "完成征地",
                  "promised_date": "2026-05-01", "result": "全部签约", "status": "open",
                  "created_at": "2026-04-01T00:00:00", "fulfilled_at": None}]
        units = caller["units"]
        items = [item for item in items if (units is None or item["unit"] in units)
                 and unit in (None, item["unit"]) and status in (None, item["status"])]
        return _page(items, limit, offset)

    # warnings
    def warnings_list_warnings(self, *, colour=None, unit=None, task=None, item_kind=None,
                               limit=100, offset=0):
        items = [state for state in WARNINGS
                 if colour in (None, state["colour"]) and unit in (None, state["unit"])
                 and task in (None, state["task"]) and item_kind in (None, state["item_kind"])]
        return _page(items, limit, offset)

    def warnings_get_task_colours(self, *, codes):
        return {code: COLOURS[code] for code in codes if code in COLOURS}

    def warnings_get_batch_colours(self):
        return {"items": [{"batch": "2026年第一批", "green": 1, "yellow": 0, "red": 1},
                          {"batch": None, "green": 1, "yellow": 0, "red": 0}]}

    def warnings_get_dashboard(self, *, batch=None):
        return {"counts": {"green": 5, "yellow": 1, "red": 1}, "as_of": "2026-04-10",
                "units": [{"unit": "U01", "green": 1, "yellow": 0, "red": 1, "worst": "red"},
                          {"unit": "C01", "green": 0, "yellow": 1, "red": 0, "worst": "yellow"}],
                "notices": {"open": 1, "acknowledged": 0, "answered": 0, "overdue": 1,
                            "issued_this_year": 4, "closed_this_year": 3},
                "forecast_red": 1}

    def warnings_list_forecasts(self, *, unit=None, colour=None, soon_red=None, task=None,
                                batch=None, limit=100, offset=0):
        items = [item for item in FORECASTS
                 if unit in (None, item["unit"]) and colour in (None, item["colour"])
                 and soon_red in (None, item["soon_red"]) and task in (None, item["task"])]
        return {**_page(items, limit, offset), "as_of": "2026-04-10", "forecast_red_days": 10}

    def warnings_get_forecast_accuracy(self, *, days=90, as_of=None, unit=None):
        turned, missed = (2, 1) if unit is None else (1, 0)
        judged = turned + missed
        return {"days": days, "since": "2026-01-11", "as_of": as_of or "2026-04-10",
                "forecast_red": judged, "turned_red": turned, "not_red": missed, "pending": 0,
                "accuracy": turned / judged,
                "words": f"近{days}天预测红灯{judged}项，其中{turned}项到期确实亮红灯"
                         f"（准确率{round(100 * turned / judged)}%）"}

    def warnings_list_red_items(self, *, limit=1000):
        items = [{"task": state["task"], "unit": state["unit"], "since": state["since"],
                  "days_red": 9, "overdue_days": 3, "reason": state["reason"]}
                 for state in WARNINGS if state["item_kind"] == "task"
                 and state["colour"] == "red"][:limit]
        return {"items": items, "as_of": "2026-04-10"}

    def warnings_get_colour_trend(self, *, weeks=12, as_of=None):
        return {"as_of": "2026-04-10", "weeks": [
            {"week_end": "2026-04-05", "green": 6, "yellow": 1, "red": 0},
            {"week_end": "2026-04-10", "green": 5, "yellow": 1, "red": 1}][-weeks:]}

    def warnings_list_clock_deadlines(self, *, within_days=3, as_of=None, unit=None,
                                      limit=100, offset=0):
        items = [{"task": "T-002", "unit": "U02", "stage": "first_feedback",
                  "stage_name": "首次反馈", "clock_class": "important", "due": "2026-04-11",
                  "red_after": "2026-04-15", "days_left": 1, "colour": "green",
                  "reason": "如期推进"},
                 {"task": "T-003", "unit": "C01", "stage": "closed", "stage_name": "办结",
                  "clock_class": "general", "due": "2026-04-12", "red_after": "2026-04-20",
                  "days_left": 2, "colour": "green", "reason": "如期推进"}]
        items = [item for item in items if unit in (None, item["unit"])]
        return {**_page(items, limit, offset), "as_of": "2026-04-10"}

    def warnings_evaluate(self, *, as_of=None):
        # Without a date, the service evaluates as of its own clock's today.
        return {"as_of": as_of or "2026-04-11", "evaluated": 12, "changed": 3}

    def warnings_get_task_history(self, *, code, limit=100, offset=0):
        return _page([{"item_kind": "task", "item_key": code, "colour": "red",
                       "previous": "yellow", "as_of": "2026-04-01"}], limit, offset)

    def warnings_list_notices(self, *, unit=None, status=None, task=None, limit=100, offset=0):
        items = [notice for notice in NOTICES
                 if unit in (None, notice["unit"]) and task in (None, notice["task"])
                 and status in (None, notice["status"])]
        return _page(items, limit, offset)

    def warnings_get_notice(self, *, notice_id):
        found = [notice for notice in NOTICES if notice["id"] == notice_id]
        return found[0] if found else _not_found(f"notice {notice_id}")

    def warnings_issue_notice(self, *, task, reason, caller):
        return {**NOTICES[0], "task": task, "reason": reason}

    def warnings_acknowledge_notice(self, *, notice_id, caller):
        return {**self.warnings_get_notice(notice_id=notice_id), "status": "acknowledged"}

    def warnings_answer_notice(self, *, notice_id, answer, caller):
        return {**self.warnings_get_notice(notice_id=notice_id), "status": "answered",
                "answer": answer}

    def warnings_close_notice(self, *, notice_id, caller, reason=None):
        return {**self.warnings_get_notice(notice_id=notice_id), "status": "closed"}

    def warnings_get_rules(self):
        return {"version": 1, "rules": {"late_days_red": 15}, "note": "默认规则"}

    def warnings_update_rules(self, *, data, caller, note=None):
        return {"version": 2, "rules": {"late_days_red": 15, **data}, "note": note}

    def warnings_list_rule_versions(self, *, limit=100, offset=0):
        return _page([self.warnings_get_rules()], limit, offset)

    def warnings_get_today(self):
        return {"today": "2026-12-05", "now": "2026-12-05T09:00:00+08:00",
                "timezone": "Asia/Shanghai"}

    def warnings_list_calendar_years(self):
        return {"years": [{"year": 2026, "source": "package", "version": 0, "holidays": 33,
                           "workdays": 5, "changed_at": None},
                          {"year": 2027, "source": "provisional", "version": None,
                           "holidays": 0, "workdays": 0, "changed_at": None}],
                "coverage": {"mode": "working", "covers_until": "2026-12-31",
                             "days_left": 26, "provisional_from": "2027-01-01", "warn": True},
                "unjudged": 0}

    def warnings_get_calendar(self, *, year):
        return {"year": year, "source": "provisional", "holidays": [], "workdays": [],
                "version": None, "note": None, "changed_by": None, "changed_at": None,
                "provisional_note": f"（{year}年放假安排未录入，暂按周一至周五计）"}

    def warnings_update_calendar(self, *, year, holidays, workdays, note, caller):
        return {"year": year, "source": "office", "holidays": holidays, "workdays": workdays,
                "version": 1, "note": note, "changed_by": caller["user"],
                "changed_at": "2026-12-05T01:00:00", "provisional_note": None,
                "effect": {"days": {"to_holiday": [], "to_workday": []},
                           "colours_changed": 0, "deadlines_moved": 0, "as_of": "2026-12-05"}}

    def warnings_preview_calendar(self, *, year, holidays, workdays):
        return {"year": year, "holidays": holidays, "workdays": workdays,
                "changes": {"to_holiday": [item["date"] for item in holidays],
                            "to_workday": list(workdays)}}

    def warnings_parse_calendar_notice(self, *, year, text):
        if "放假" not in text:
            raise RemoteError("InvalidInput", json.dumps(
                {"text": "没有读到任何放假或上班的日期"}, ensure_ascii=False))
        return {**self.warnings_preview_calendar(
            year=year, holidays=[{"date": f"{year}-01-01", "name": "元旦"}], workdays=[]),
            "lines": [], "other_years": []}

    def warnings_get_calendar_history(self, *, year):
        return {"year": year, "items": []}

    def warnings_list_unjudged_tasks(self):
        return {"items": []}

    # ranking
    def ranking_get_ranking(self, *, period=None, group=None, caller=None):
        public = (caller or {}).get("role") == "admin"
        listed = [{"unit": "C01", "name": "一县", "reasons": ["第1名，92.5分，本期无红色预警"]}]
        indicators = [{"key": "on_time", "label": "目标按期完成率", "weight": 30, "score": 90.0,
                       "detail": "本期到期目标10个，按期完成9个"}]
        return {"period": period or "2026-Q4", "label": "2026年第四季度",
                "group": group or "county", "group_label": "县（市、区）", "status": "draft",
                "as_of": "2026-11-23", "rules_version": 1, "tie_break": "…",
                "entries": [{"unit": "C01", "name": "一县", "rank": 1, "previous_rank": 2,
                             "rank_change": 1, "score": 92.5, "red_items": 0,
                             "unanswered_notices": 0,
                             "breakdown": {"indicators": indicators, "note": None}}],
                "red_list": listed if public else None, "black_list": [] if public else None}

    def ranking_get_way_off(self, *, unit, period=None, caller=None):
        _within(caller, unit)
        target = {"task": "T-001", "seq": 2, "title": "老旧小区改造", "due_date": "2026-12-10",
                  "planned_percent": 60.0,
                  "label": "T-001《老旧小区改造》第2个目标：2026年12月10日前进度达到60%"}
        return {"unit": unit, "unit_name": "一县", "period": period or "2026-Q4",
                "label": "2026年第四季度", "as_of": "2026-11-23", "group": "county",
                "on_black_list": True, "in_bottom_group": True,
                "reasons": ["组内倒数第1名（第3名，共3名）"], "score": 75.0,
                "line_score": 80.0, "projected_score": 83.34, "enough": True,
                "actions": [{"kind": "targets", "text": "按期完成以下1个目标",
                             "items": [target], "points": 8.34}],
                "note": "完成以上1项后预计得83.34分（现75分），超过黑榜线（80分），可脱离黑榜。",
                "basis": "分值按今天的得分计算"}

    def ranking_get_city_rates(self):
        return {"period": "2026-Q2", "label": "2026年第二季度", "as_of": "2026-04-10",
                "targets_due": 8, "targets_met": 6, "on_time_rate": 75.0}

    def ranking_list_groups(self):
        return {"items": [{"key": "county", "label": "县（市、区）", "kinds": ["county"],
                           "units": []}]}

    def ranking_list_periods(self, *, limit=100, offset=0):
        return {**_page([{"period": "2026-Q3", "status": "published"}], limit, offset),
                "current": {"period": "2026-Q4", "label": "2026年第四季度", "status": "live"}}

    def ranking_list_movers(self, *, since, until=None, limit=5):
        return {"items": [], "period": "2026-Q4"}

    def ranking_list_evaluations(self, *, period, caller=None, unit=None, lead_unit=None,
                                 limit=100, offset=0):
        return _page([{"period": period, "lead_unit": "D01", "unit": "C01", "score": 90.0,
                       "comment": "配合积极"}], limit, offset)

    def ranking_submit_evaluation(self, *, period, data, caller):
        return {"period": period, "lead_unit": data.get("lead_unit", "D01"), **data}

    def _ranking_state(self, period, status):
        return {"period": period, "status": status, "label": "2026年第三季度"}

    def ranking_draft_ranking(self, *, period, caller):
        return self._ranking_state(period, "draft")

    def ranking_approve_ranking(self, *, period, caller):
        return self._ranking_state(period, "approved")

    def ranking_reopen_ranking(self, *, period, caller):
        return self._ranking_state(period, "draft")

    def ranking_publish_ranking(self, *, period, caller):
        return self._ranking_state(period, "published")

    def ranking_get_score_rules(self):
        return {"version": 1, "rules": {"red_list_size": 3}, "note": "默认规则"}

    def ranking_update_score_rules(self, *, data, caller, note=None):
        return {"version": 2, "rules": {"red_list_size": 3, **data}, "note": note}

    def ranking_list_score_rule_versions(self, *, limit=100, offset=0):
        return _page([self.ranking_get_score_rules()], limit, offset)

    # every service (operations)
    def _list_parked(self, *, limit=100):
        return []

    def _replay_parked(self, *, event_ids=None):
        return {"replayed": len(event_ids or [])}

    # notify
    def notify_list_notifications(self, *, task=None, unit=None, channel=None, status=None,
                                  event_type=None, limit=100, offset=0):
        items = [row for row in NOTIFICATIONS
                 if task in (None, row["task"]) and unit in (None, row["unit"])
                 and channel in (None, row["channel"]) and status in (None, row["status"])
                 and event_type in (None, row["event_type"])]
        return _page(items, limit, offset)

    def notify_list_inbox(self, *, unit=None, user=None, unread=None, limit=100, offset=0):
        items = [row for row in NOTIFICATIONS
                 if row["channel"] == "inbox" and row["recipient"] in (unit, user)
                 and (unread is None or (row["read_at"] is None) == unread)]
        return _page(items, limit, offset)

    def notify_mark_read(self, *, ids, caller):
        # The gateway cannot see whose a message is; the service checks, as here.
        rows = [_notification(notification_id) for notification_id in ids]
        if not all(_addressed_to(caller, row) for row in rows):
            raise RemoteError("Forbidden", "a message is not addressed to you or your unit")
        return {"marked": sum(row["read_at"] is None for row in rows)}

    def notify_acknowledge(self, *, notification_id, caller):
        row = _notification(notification_id)
        if not _addressed_to(caller, row):
            raise RemoteError("Forbidden",
                              "the notification is not addressed to you or your unit")
        return {"notification_id": notification_id, "item": row["item"],
                "stopped": [row["item"]]}

    def notify_list_escalations(self, *, status=None, unit=None, item=None, limit=100,
                                offset=0):
        items = [row for row in ESCALATIONS
                 if status in (None, row["status"]) and unit in (None, row["unit"])
                 and item in (None, row["item"])]
        return _page(items, limit, offset)

    def notify_list_routing_rules(self):
        return {"items": [{"position": 0, "event_type": "colour_changed", "colour": "red",
                           "unit": None, "role": "operator",
                           "channels": ["sms", "email", "inbox"],
                           "quiet_hours": "22:00-08:00", "enabled": True,
                           "days_before": None},
                          {"position": 1, "event_type": "reminder_target", "colour": None,
                           "unit": None, "role": "operator", "channels": ["sms", "inbox"],
                           "quiet_hours": "22:00-08:00", "enabled": True,
                           "days_before": 3}]}

    def notify_set_routing_rules(self, *, rules, caller):
        return {"items": [{"position": position, "colour": None, "unit": None,
                           "quiet_hours": "22:00-08:00", "enabled": True,
                           "days_before": None, **rule}
                          for position, rule in enumerate(rules)]}

    def notify_list_templates(self, *, event_type=None, channel=None):
        items = [{"event_type": "colour_changed", "channel": "sms", "subject": "",
                  "body": "{{ unit_name }}：任务 {{ task }} 已亮红灯。", "updated_at": None,
                  "updated_by": None, "variables": ["task", "unit_name"],
                  "variable_names": {"task": "任务编号", "unit_name": "单位名称"},
                  "preview": {"subject": "", "body": "袁州区：任务 T2026-0001 已亮红灯。"}}]
        return {"items": [row for row in items if event_type in (None, row["event_type"])
                          and channel in (None, row["channel"])]}

    def notify_set_template(self, *, event_type, channel, subject, body, caller):
        return {"event_type": event_type, "channel": channel, "subject": subject,
                "body": body, "updated_at": "2026-04-01T08:00:00", "updated_by": caller["user"]}

    def notify_preview_template(self, *, event_type, channel, subject, body, caller):
        return {"subject": subject, "body": body.replace("{{ unit_name }}", "袁州区")}

    def notify_list_unit_robots(self, *, unit=None):
        items = [{"unit": "yz", "unit_name": "袁州区", "channel": "dingtalk",
                  "url": "https://oapi.dingtalk.com/robot/send?access_token=****9f3a",
                  "signed": True, "updated_at": "2026-04-01T08:00:00", "updated_by": "admin"}]
        return {"items": [row for row in items if unit in (None, row["unit"])], "office": []}

    def notify_set_unit_robot(self, *, unit, channel, url, caller, secret=None):
        if url is None:
            return {"unit": unit, "channel": channel, "removed": True}
        return {"unit": unit, "unit_name": unit, "channel": channel,
                "url": url.split("=")[0] + "=****" + url[-4:], "signed": secret is not None,
                "updated_at": "2026-04-01T08:00:00", "updated_by": caller["user"]}

    def notify_generate_bulletin(self, *, caller, week_start=None):
        return {**BULLETIN, "week_start": week_start or BULLETIN["week_start"]}

    def notify_issue_bulletin(self, *, bulletin_id, caller):
        return {**BULLETIN, "id": bulletin_id, "status": "issued", "year": 2026, "number": 14,
                "issue": "2026年第14期", "issued_at": "2026-04-06T02:00:00",
                "issued_by": caller["user"]}

    def notify_list_bulletins(self, *, limit=100, offset=0):
        return {**_page([BULLETIN], limit, offset), "drafts": 1}

    def notify_get_bulletin(self, *, bulletin_id, format="pdf"):
        content = BULLETIN_FILES[format]
        return {"id": bulletin_id, "week_start": BULLETIN["week_start"],
                "filename": f"luoshi-bulletin-{BULLETIN['week_start']}.{format}",
                "content_type": {"pdf": "application/pdf",
                                 "html": "text/html; charset=utf-8",
                                 "docx": "application/vnd.openxmlformats-officedocument"
                                         ".wordprocessingml.document"}[format],
                "content_b64": base64.b64encode(content).decode()}


    # leaders' instructions, stage feedback and task threads (tasks)
    def tasks_give_instruction(self, *, data, caller):
        return {**INSTRUCTION, "leader": data["leader"], "leader_name": data["leader_name"],
                "text": data["text"], "task": data.get("task") or "PS20260401-01"}

    def tasks_list_instructions(self, *, caller, leader=None, task=None, limit=100, offset=0):
        found = [INSTRUCTION] if leader in (None, INSTRUCTION["leader"]) else []
        return _page([dict(item) for item in found], limit, offset)

    def tasks_get_instruction(self, *, instruction_id, caller):
        _within(caller, "U01", "U02")
        return dict(INSTRUCTION, id=instruction_id)

    def tasks_correct_instruction(self, *, instruction_id, data, caller):
        # As the service refuses: an unknown instruction, another's, a date after
        # today, nothing changed.
        if instruction_id != INSTRUCTION["id"]:
            raise RemoteError("NotFound", f"no instruction {instruction_id}")
        if caller["role"] != "admin" and not (caller["role"] == "leader"
                                              and caller["user"] == INSTRUCTION["leader"]):
            raise RemoteError("Forbidden", json.dumps({
                "code": "instruction_giver",
                "message": "批示只能由督查办录入，或由领导本人录入自己的批示。"}))
        if data.get("given_on", "") > dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat():
            raise RemoteError("InvalidInput", json.dumps({"given_on": {
                "code": "instruction_date_in_future",
                "message": "批示日期不能晚于今天。"}}))
        fields = [{"field": name, "label": label, "from": INSTRUCTION[name], "to": data[name]}
                  for name, label in (("text", "批示内容"), ("leader_name", "领导姓名"),
                                      ("given_on", "批示日期"))
                  if name in data and data[name] != INSTRUCTION[name]]
        if not fields:
            raise RemoteError("InvalidInput", json.dumps({
                "code": "instruction_nothing_changed",
                "message": "更正后的批示内容、领导姓名和批示日期与原来相同，没有需要更正的内容。"}))
        corrected = {**INSTRUCTION, **{item["field"]: item["to"] for item in fields}}
        return {**corrected, "corrections": [
            {"at": "2026-04-02T01:00:00Z", "by": caller["user"], "reason": data["reason"],
             "fields": fields}]}

    def tasks_give_stage_feedback(self, *, code, data, caller):
        return [{"stage": data["stage"], "stage_name": "部署", "recorded_at": "2026-04-01T08:00:00",
                 "feedback": [{"id": 1, "stage": data["stage"], "text": data["text"],
                               "files": [{"id": 5, "filename": f["filename"]}
                                         for f in data["files"]]}]}]

    def tasks_post_task_message(self, *, code, data, caller):
        if caller["role"] == "leader":  # no instruction of the leader on the fakes' tasks
            raise RemoteError("Forbidden", "leaders write only where they gave an instruction")
        return {"id": 1, "task": code, "author": caller["user"], "side": "office",
                "unit": None, "text": data["text"], "files": [],
                "posted_at": "2026-04-01T08:00:00"}

    def tasks_list_task_messages(self, *, code, caller, limit=100, offset=0):
        return _page([], limit, offset)

    # accountability records (warnings)
    def warnings_list_accountability_records(self, *, caller, unit=None, status=None,
                                             open_only=False, limit=100, offset=0):
        return _page([ACCOUNTABILITY], limit, offset)

    def warnings_open_accountability_record(self, *, data, caller):
        return {**ACCOUNTABILITY, "unit": data["unit"], "ground": data["ground"]}

    def warnings_get_accountability_record(self, *, record_id, caller):
        _within(caller, ACCOUNTABILITY["unit"])
        return dict(ACCOUNTABILITY, id=record_id)

    def warnings_record_accountability_measure(self, *, record_id, data, caller):
        return dict(ACCOUNTABILITY, id=record_id)

    def warnings_submit_rectification_plan(self, *, record_id, data, caller):
        if caller["role"] not in ("admin", "operator"):
            raise RemoteError("Forbidden", "not allowed for this role")
        _within(caller, ACCOUNTABILITY["unit"])
        return dict(ACCOUNTABILITY, id=record_id, plan=data["plan"])

    def warnings_close_accountability_record(self, *, record_id, caller, rectified=True,
                                             note=None):
        return dict(ACCOUNTABILITY, id=record_id, status="rectified" if rectified else "closed")

    def warnings_export_accountability_record(self, *, record_id, caller, unit_name=None):
        _within(caller, ACCOUNTABILITY["unit"])
        return {"filename": f"accountability-{record_id}.docx",
                "content_type": "application/vnd.openxmlformats-officedocument"
                                ".wordprocessingml.document",
                "content_b64": base64.b64encode(b"PK\x03\x04docx").decode()}

for _service in ("tasks", "warnings", "ranking", "notify"):
    setattr(Contract, f"{_service}_list_parked", Contract._list_parked)
    setattr(Contract, f"{_service}_replay_parked", Contract._replay_parked)


class FakeRpc:
    """Stands in for the cluster proxy: `rpc.tasks.get_task(code=..., caller=...)`.

    `calls` lists `(name, kwargs)` in order; `answer(name, value)` replaces an
    answer (a value, a callable taking the call's keywords, or an exception to
    raise); `fail(name, exc_type, message)` makes a method raise a RemoteError.
    """

    def __init__(self):
        self.calls = []
        self._contract = Contract()
        self._answers = {}

    def __getattr__(self, service):
        return _FakeService(self, service)

    def answer(self, name, value):
        self._answers[name] = value

    def fail(self, name, exc_type, message=""):
        self.answer(name, RemoteError(exc_type, message))

    def called(self, name):
        """The keyword arguments of each call to `name`."""
        return [kwargs for called, kwargs in self.calls if called == name]

    def names(self):
        return [name for name, _ in self.calls]

    def call(self, name, kwargs):
        # The real proxy sends JSON both ways: what does not survive it must fail here too.
        kwargs = json.loads(json.dumps(kwargs))
        self.calls.append((name, copy.deepcopy(kwargs)))
        service, method = name.split(".")
        answer = self._answers.get(name, getattr(self._contract, f"{service}_{method}", None))
        if answer is None:
            raise AssertionError(f"{name} is not in docs/contracts.md")
        if isinstance(answer, Exception):
            raise answer
        result = answer(**kwargs) if callable(answer) else answer
        return json.loads(json.dumps(result))


class _FakeService:
    def __init__(self, rpc, name):
        self._rpc, self._name = rpc, name

    def __getattr__(self, method):
        def call(*args, **kwargs):
            assert not args, "RPC arguments go by name"
            return self._rpc.call(f"{self._name}.{method}", kwargs)
        return call


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    monkeypatch.setattr(auth, "hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                       parallelism=1))


@pytest.fixture(autouse=True)
def no_operations_port(monkeypatch):
    """Apps of this tier serve no operations port of their own (each would take
    the same one): tests read /readyz and /metrics through `ops`, or start one
    on a free port."""
    monkeypatch.setenv("LUOSHI_OPS_PORT", "0")


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, admin_password=ADMIN_PASSWORD, rpc_pool_size=1,
                    amqp_uri="amqp://guest:guest@127.0.0.1:1/", ops_port=0)


@pytest.fixture
def fake_rpc():
    return FakeRpc()


@pytest.fixture
def app(settings, fake_rpc):
    app = create_app(settings)
    app.dependency_overrides[get_rpc] = lambda: fake_rpc
    return app


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def ops(app, client):
    """A client of the operations app (/healthz, /readyz, /metrics) of `app`,
    which `client` has started."""
    with TestClient(ops_app(app)) as ops:
        yield ops


def _sign_in(client, username, password):
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def sign_in(client):
    """sign_in(username, password) -> the headers of a fresh bearer token."""
    return lambda username, password: _sign_in(client, username, password)


@pytest.fixture
def admin(sign_in):
    return sign_in("admin", ADMIN_PASSWORD)


def _forget_setup_calls(fake_rpc, before):
    """Drop the calls a fixture's set-up made (the unit look-up of a new user or
    key), so that tests count only their own."""
    del fake_rpc.calls[before:]


@pytest.fixture
def headers_for(client, admin, sign_in, fake_rpc):
    """headers_for(role, unit=None) -> headers of a new signed-in user of that role."""
    made = iter(range(1, 1000))

    def make(role, unit=None):
        username = f"{role}{next(made)}"
        body = {"username": username, "password": "password-123", "role": role}
        if unit:
            body["unit"] = unit
        before = len(fake_rpc.calls)
        response = client.post("/api/v1/users", json=body, headers=admin)
        assert response.status_code == 201, response.text
        _forget_setup_calls(fake_rpc, before)
        return sign_in(username, "password-123")

    return make


@pytest.fixture
def operator(headers_for):
    """An operator of unit U01."""
    return headers_for("operator", "U01")


@pytest.fixture
def leader(headers_for):
    return headers_for("leader")


@pytest.fixture
def key_for(client, admin, fake_rpc):
    """key_for(*units, name=None) -> X-API-Key headers of a new key for those units."""
    made = iter(range(1, 1000))

    def make(*units, name=None):
        body = {"name": name or f"county-system-{next(made)}", "units": list(units)}
        before = len(fake_rpc.calls)
        response = client.post("/api/v1/api-keys", json=body, headers=admin)
        assert response.status_code == 201, response.text
        _forget_setup_calls(fake_rpc, before)
        return {"X-API-Key": response.json()["key"]}

    return make
