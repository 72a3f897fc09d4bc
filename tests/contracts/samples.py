"""One realistic payload of every event each producer emits, written as the
producer would dump it."""
from services.common.events import new_event

UNIT = {"code": "yz", "name": "袁州区", "kind": "county", "parent": "city",
        "head": {"name": "张三", "phone": "13800000000", "email": "zs@example.cn"},
        "operator": None}
TASK = {
    "code": "T1", "title": "产业园区建设", "category": "产业项目", "source": "assignment",
    "clock_class": "important", "lead_unit": "yz", "cooperating_units": ["fgw"],
    "responsible_person": "李四", "start_date": "2026-01-01", "due_date": "2026-12-31",
    "status": "active", "created_at": "2026-01-01T08:00:00", "batch": "2026年第一批",
    "targets": [{"seq": 1, "due_date": "2026-06-30", "planned_percent": 50.0, "unit": "yz",
                 "description": "完成主体工程"}],
}
COMMITMENT = {"id": 1, "task": "T1", "unit": "yz", "step": "完成用地报批",
              "promised_date": "2026-03-31", "result": "取得批复", "status": "open"}
NOTICE_NUMBER = "督办〔2026〕12号"
NOTICE = {"notice_id": 12, "number": NOTICE_NUMBER, "task": "T1", "unit": "yz"}

SAMPLES = {
    "tasks": {
        "unit_created": new_event(unit=UNIT),
        "task_created": new_event(task=TASK),
        "tasks_imported": new_event(tasks=[TASK, {**TASK, "code": "T2"}]),
        "progress_reported": new_event(batch_id="b1", source="county-yz", reports=[
            {"id": 7, "task": "T1", "unit": "yz", "percent": 45.0, "correction": False,
             "reported_at": "2026-05-01T08:00:00"}]),
        "evidence_added": new_event(task="T1", evidence_id=3, sha256="ab" * 32),
        "task_closed": new_event(task="T1", lead_unit="yz", status="closed", reason=None),
        "task_explained": new_event(task="T1", lead_unit="yz", status="explained",
                                    reason="政策调整"),
        "clock_stage_recorded": new_event(task="T1", stage="deployed",
                                          recorded_at="2026-01-02T01:00:00"),
        "commitment_made": new_event(commitment=COMMITMENT),
        "commitment_fulfilled": new_event(commitment={**COMMITMENT, "status": "fulfilled"}),
        "task_extended": new_event(task="T1", seq=None, previous_due_date="2026-12-31",
                                   new_due_date="2027-03-31", reason="征地延误，经市抓落实办批准",
                                   count=1),
        "task_updated": new_event(
            task={**TASK, "lead_unit": "fgw", "cooperating_units": ["yz"]},
            changes={"lead_unit": ["yz", "fgw"], "cooperating_units": [["fgw"], ["yz"]]},
            previous_lead_unit="yz", effective_on="2026-07-01", reason="机构职能调整",
            version=2, changed_by="admin"),
        "task_replanned": new_event(
            task="T1", lead_unit="yz", plan_version=2, effective_on="2026-07-01",
            replaced=[2], added=[3],
            targets=[TASK["targets"][0],
                     {"seq": 3, "due_date": "2026-12-31", "planned_percent": 100.0,
                      "unit": "yz", "description": "竣工验收"}],
            reason="年中调整计划", approved_by="admin"),
        "task_cancelled": new_event(task="T1", lead_unit="yz", status="cancelled",
                                    reason="上级决定不再实施", effective_on="2026-07-01"),
        "unit_updated": new_event(
            unit={**UNIT, "head": {"name": "王五", "phone": "13900000000",
                                   "email": "ww@example.cn"}, "status": "active"},
            changes={"head": [UNIT["head"], {"name": "王五", "phone": "13900000000",
                                              "email": "ww@example.cn"}]},
            reason="主要负责人调整", changed_by="admin"),
        "unit_retired": new_event(unit="yz", merged_into="fgw", effective_on="2026-07-01",
                                  reason="机构改革", changed_by="admin"),
        "units_merged": new_event(
            unit="yz", into="fgw", effective_on="2026-07-01", reason="机构改革",
            tasks=[{"code": "T1", "lead_unit": "fgw", "previous_lead_unit": "yz",
                    "cooperating_units": [], "targets": [1]}], changed_by="admin"),
    },
    "warnings": {
        "colour_changed": new_event(as_of="2026-05-01", changes=[
            {"item_kind": "task", "item_key": "T1", "task": "T1", "unit": "yz",
             "colour": "red", "previous": "yellow", "reason": "严重延期", "rule_version": 1}]),
        "rules_changed": new_event(
            version=2, previous_version=1, rules={"version": 2, "late_days_red": 10},
            changes={"late_days_red": [15, 10]}, changed_by="admin", note="从严考核"),
        "notice_issued": new_event(notice={
            "id": 12, "number": NOTICE_NUMBER, "task": "T1", "unit": "yz",
            "item_kind": "task", "item_key": "T1", "reason": "红色预警已5个工作日",
            "issued_at": "2026-05-13T01:00:00",
            "ack_due": "2026-05-15", "answer_due": "2026-05-20", "status": "open"}),
        "notice_acknowledged": new_event(**NOTICE, acknowledged_at="2026-05-14T02:00:00"),
        "notice_answered": new_event(**NOTICE, answered_at="2026-05-18T02:00:00"),
        "notice_closed": new_event(**NOTICE, closed_at="2026-06-01T02:00:00",
                                   reason=None),
        "notice_overdue": new_event(**NOTICE, stage="ack", colour="yellow"),
        "calendar_changed": new_event(
            year=2027, version=1, holidays=[{"date": "2027-01-01", "name": "元旦"}],
            workdays=["2027-02-20"], note="据国办发明电录入", changed_by="admin",
            changed_at="2026-12-01T02:00:00+00:00"),
    },
    "ranking": {
        "score_rules_changed": new_event(
            version=2, previous_version=1, changes={"red_list_size": [3, 5]},
            changed_by="admin", note="红榜扩至5名"),
        "ranking_approved": new_event(period="2026-Q3", approved_by="admin"),
        "ranking_published": new_event(
            period="2026-Q3", label="2026年第三季度", as_of="2026-09-30", rules_version=1,
            published_by="admin", groups=[{
                "group": "county", "label": "县（市、区）",
                "entries": [{"unit": "yz", "name": "袁州区", "rank": 1, "previous_rank": 3,
                             "rank_change": 2, "score": 92.5, "red_items": 0}],
                "red_list": [{"unit": "yz", "name": "袁州区",
                              "reasons": ["第1名，92.5分，本期无红色预警"]}],
                "black_list": []}]),
    },
}
