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
VERIFICATION = {"id": 5, "kind": "closure", "task": "T1", "title": "产业园区建设",
                "unit": "yz", "subject": None, "claim": {"percent": 100.0, "evidence": 2},
                "requested_at": "2026-12-04T02:00:00", "requested_by": "yz-operator"}
NOTICE_NUMBER = "督办〔2026〕12号"
NOTICE = {"notice_id": 12, "number": NOTICE_NUMBER, "task": "T1", "unit": "yz"}
ACCOUNTABILITY = {"record_id": 3, "unit": "yz", "task": None, "ground": "black_list",
                  "ground_detail": "2026年第三季度列入黑榜：组内倒数第1名"}

SAMPLES = {
    "tasks": {
        "unit_created": new_event(unit=UNIT),
        "task_created": new_event(task=TASK),
        "tasks_imported": new_event(tasks=[TASK, {**TASK, "code": "T2"}]),
        "progress_reported": new_event(batch_id="b1", source="county-yz", reports=[
            {"id": 7, "task": "T1", "unit": "yz", "percent": 45.0, "correction": False,
             "reported_at": "2026-05-01T08:00:00", "received_at": "2026-05-01T08:00:05"}]),
        "progress_receipt_corrected": new_event(
            report={"id": 7, "task": "T1", "unit": "yz", "percent": 45.0, "correction": False,
                    "reported_at": "2026-05-01T08:00:00", "received_at": "2026-04-30T09:00:00"},
            previous_received_at="2026-05-06T08:00:05", reason="纸质材料已于4月30日送达",
            corrected_by="admin", last_received_at="2026-05-06T08:00:05",
            last_rise_received_at="2026-04-30T09:00:00"),
        "evidence_added": new_event(task="T1", evidence_id=3, sha256="ab" * 32),
        "task_closed": new_event(task="T1", lead_unit="yz", status="closed", reason=None),
        "task_explained": new_event(task="T1", lead_unit="yz", status="explained",
                                    reason="政策调整"),
        "clock_stage_recorded": new_event(task="T1", stage="deployed",
                                          recorded_at="2026-01-02T01:00:00",
                                          received_at="2026-01-02T01:00:03"),
        "commitment_made": new_event(commitment=COMMITMENT),
        "commitment_fulfilled": new_event(commitment={**COMMITMENT, "status": "fulfilled",
                                                       "fulfilled_at": "2026-03-30T02:00:00"}),
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
        "instruction_given": new_event(
            instruction_id=4, kind="new_matter", parent=None, task="PS20261201-01",
            title="推进老旧小区改造", lead_unit="yz", leader="mayor", leader_name="王市长",
            given_on="2026-12-01", text="请袁州区牵头，一周内拿出方案。"),
        "instruction_corrected": new_event(
            instruction_id=4, task="PS20261201-01", lead_unit="yz", kind="new_matter",
            leader="mayor", leader_name="王市长", given_on="2026-11-30",
            text="请袁州区牵头，十日内拿出方案。", reason="录入时日期和时限有误",
            corrected_by="office1"),
        "stage_feedback_given": new_event(
            feedback_id=9, task="PS20261201-01", title="推进老旧小区改造", lead_unit="yz",
            stage="first_feedback", text="已完成摸底，方案正在征求意见。", files=1,
            given_by="yz-operator", given_at="2026-12-03T02:00:00"),
        "task_message_posted": new_event(
            message_id=15, task="T1", title="产业园区建设", author="office1",
            author_name="李督查", side="office", author_unit=None, excerpt="请补充11月佐证材料",
            to_units=["fgw", "yz"], to_office=False, posted_at="2026-12-04T02:30:00"),
        "extension_requested": new_event(
            request_id=4, task="T1", seq=None, unit="yz", previous_due_date="2026-12-31",
            asked_due_date="2027-03-31", reason="征地延误，需延期三个月",
            requested_by="yz-operator", requested_at="2026-12-01T02:00:00"),
        "extension_decided": new_event(
            request_id=4, task="T1", seq=None, unit="yz", outcome="shortened",
            previous_due_date="2026-12-31", asked_due_date="2027-03-31",
            granted_due_date="2027-02-28", reason="同意延期至2月底", decided_by="admin",
            effective_on="2026-12-03"),
        "verification_requested": new_event(verification=VERIFICATION, pending=True),
        "verification_confirmed": new_event(verification=VERIFICATION, confirmed_by="office1",
                                            confirmed_at="2026-12-07T03:00:00"),
        "verification_returned": new_event(
            verification=VERIFICATION, reason="佐证材料与销号条件不符，请补充验收报告",
            returned_by="office1", returned_at="2026-12-07T03:00:00",
            effective_on="2026-12-07"),
        "gaming_signal_confirmed": new_event(
            signal_id=3, kind="late_jump", kind_name="临近期限突击完成", task="T1",
            title="农贸市场改造", unit="yz",
            detail="任务T1进度停在30%已40天，在期限2026-12-31前0个工作日内（2026-12-31）一次报至100%",
            note="现场核查尚未完工", confirmed_by="admin", effective_on="2027-01-04"),
    },
    "warnings": {
        "tasks_judged": new_event(as_of="2027-03-01", tasks=["T1", "T2"]),
        "forecast_turned_red": new_event(as_of="2027-03-01", forecasts=[
            {"task": "T1", "unit": "yz", "colour": "yellow", "red_on": "2027-03-12",
             "due": "2027-03-31", "planned": 100.0, "projected": 62.0,
             "words": "按当前进度，预计2027年3月31日仅达62%（计划100%），将亮红灯；"
                      "预计2027年3月12日起亮红灯"}]),
        "colour_changed": new_event(as_of="2026-05-01", changes=[
            {"item_kind": "task", "item_key": "T1", "task": "T1", "unit": "yz",
             "colour": "red", "previous": "yellow", "reason": "严重延期", "rule_version": 1},
            {"item_kind": "task", "item_key": "T2", "task": "T2", "unit": "yz",
             "colour": "yellow", "previous": None, "reason": "延期推进", "rule_version": 1,
             "first_due": "2026-05-31"}]),
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
        "accountability_opened": new_event(
            **ACCOUNTABILITY, questions=["accountability", "plans"], opened_on="2026-10-09",
            plan_deadline="2026-10-31"),
        "accountability_measure_taken": new_event(
            **ACCOUNTABILITY, kind="interview", taken_on="2026-10-12",
            result="约谈区长，明确整改责任人"),
        "rectification_planned": new_event(**ACCOUNTABILITY, deadline="2026-10-31"),
        "rectification_overdue": new_event(**ACCOUNTABILITY, deadline="2026-10-31",
                                           as_of="2026-11-02"),
        "accountability_closed": new_event(**ACCOUNTABILITY, status="rectified", note=None),
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
