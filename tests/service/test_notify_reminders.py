"""Reminders before deadlines in the notify service: fed the tasks' and
warnings' events through the broker, swept by its timer at the injected clock.
The fixtures are those of test_notify_service.py (the service at 10:00 on
Tuesday 3 November 2026, the protocol peers)."""
import datetime as dt

from sqlalchemy import event

from services.common.events import new_event
from tests.service import test_notify_service as base

# The notify service and its peers, as test_notify_service.py starts them.
notify, smtp, http_peer, robot_peer = base.notify, base.smtp, base.http_peer, base.robot_peer
log = base.log

TASK = {"code": "T1", "title": "产业园区建设", "category": None, "source": "plan",
        "clock_class": None, "lead_unit": "yz", "cooperating_units": [],
        "responsible_person": None, "start_date": "2026-09-01", "due_date": "2026-12-31",
        "status": "active", "created_at": "2026-09-01T00:00:00", "batch": None,
        "targets": [
            # Friday 6 November: three working days after Tuesday 3 November.
            {"seq": 1, "due_date": "2026-11-06", "planned_percent": 60, "unit": "yz",
             "description": None},
            {"seq": 2, "due_date": "2026-11-05", "planned_percent": 40, "unit": "yz",
             "description": None},
            {"seq": 3, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
             "description": None}]}


def created(notify, task=TASK):
    notify.deliver("tasks", "task_created", new_event(task=task), "on_task_created")


def reported(notify, percent, task="T1"):
    notify.deliver("tasks", "progress_reported", new_event(batch_id="b1", source="web", reports=[
        {"id": 1, "task": task, "unit": "yz", "percent": percent, "correction": False,
         "reported_at": "2026-11-02T02:00:00+00:00",
         "received_at": "2026-11-02T02:00:00+00:00"}]), "on_progress_reported")


def reminders(notify, kind="reminder_target"):
    return log(notify, event_type=kind)


def test_a_target_is_reminded_of_once_three_working_days_before_and_a_met_one_never(notify):
    created(notify)
    reported(notify, 50)  # meets the second target (40%), not the first (60%)
    notify("tick")
    rows = reminders(notify)
    assert {(row["channel"], row["item"]) for row in rows} == {
        ("inbox", "target:T1:1"), ("sms", "target:T1:1")}
    inbox = next(row for row in rows if row["channel"] == "inbox")
    assert inbox["body"] == ("【落实提醒】袁州区：你单位牵头的「产业园区建设」第1个目标将于"
                             "2026年11月6日到期（还有3个工作日），请按时报送进展。")
    assert inbox["status"] == "delivered" and inbox["task"] == "T1"
    # A later sweep the same day, and the next day: nothing new.
    notify.clock.moment += dt.timedelta(hours=2)
    notify("tick")
    notify.clock.moment += dt.timedelta(days=1)
    notify("tick")
    assert len(reminders(notify)) == 2


def test_a_target_met_before_its_reminder_goes_out_is_not_reminded_of(notify):
    created(notify)
    reported(notify, 60)
    notify("tick")
    assert reminders(notify) == []
    # A correction below the first target's plan makes it due again.
    reported(notify, 55)
    notify.clock.moment += dt.timedelta(hours=1)
    notify("tick")
    assert {row["item"] for row in reminders(notify)} == {"target:T1:1"}


def test_a_batch_marks_its_own_tasks_targets_without_reading_every_target(notify):
    created(notify)
    created(notify, {**TASK, "code": "T2"})
    engine = next(dep for dep in notify.container.dependencies if dep.attr_name == "db").engine
    executed = []

    def keep(_connection, _cursor, statement, parameters, *_):
        executed.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        # Two tasks or more: with one, its IN is an equality and the plan was right.
        notify.deliver("tasks", "progress_reported", new_event(
            batch_id="b1", source="web", reports=[
                {"id": number, "task": code, "unit": "yz", "percent": 50,
                 "correction": False, "reported_at": "2026-11-02T02:00:00+00:00",
                 "received_at": "2026-11-02T02:00:00+00:00"}
                for number, code in enumerate(("T1", "T2"), 1)]), "on_progress_reported")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    # Each task's second target (40%) is met, its first (60%) is not.
    notify("tick")
    assert {row["item"] for row in reminders(notify)} == {"target:T1:1", "target:T2:1"}
    marking = [(statement, parameters) for statement, parameters in executed
               if statement.lstrip().startswith("UPDATE reminder_deadlines")]
    assert marking
    if engine.dialect.name == "sqlite":
        # Through the index of the batch's tasks: without statistics SQLite took
        # the (kind, item) key and read every target of the city for each batch.
        with engine.connect() as connection:
            plans = [" ".join(row[-1] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters))
                for statement, parameters in marking]
        assert all("ix_reminder_deadlines_task" in plan for plan in plans), plans


def test_a_closed_task_is_not_reminded_of(notify):
    created(notify)
    notify.deliver("tasks", "task_closed", new_event(
        task="T1", lead_unit="yz", status="closed", reason="已完成", effective_on="2026-11-03"),
        "on_task_closed")
    notify("tick")
    assert reminders(notify) == []


def test_nothing_goes_out_in_the_quiet_hours_and_it_goes_in_the_morning(notify):
    created(notify)
    notify.clock.moment = notify.clock.moment.replace(hour=7)
    notify("tick")
    assert reminders(notify) == []
    notify.clock.moment = notify.clock.moment.replace(hour=8, minute=30)
    notify("tick")
    assert {row["item"] for row in reminders(notify)} == {"target:T1:1", "target:T1:2"}


def test_a_notice_is_reminded_of_its_answer_but_not_of_an_acknowledgement_made(notify):
    created(notify)
    notice = {"id": 5, "number": "督办〔2026〕5号", "task": "T1", "unit": "yz",
              "item_kind": "task", "item_key": "T1", "reason": "连续两月严重延期",
              "issued_at": "2026-11-02T02:00:00", "ack_due": "2026-11-04",
              "answer_due": "2026-11-05", "status": "issued"}
    notify.deliver("warnings", "notice_issued", new_event(notice=notice), "on_notice_issued")
    notify.deliver("warnings", "notice_acknowledged", new_event(
        notice_id=5, number="督办〔2026〕5号", task="T1", unit="yz",
        acknowledged_at="2026-11-03T01:00:00"), "on_notice_acknowledged")
    notify.clock.moment += dt.timedelta(days=1)  # Wednesday: ack due today, answer tomorrow
    notify("tick")
    assert reminders(notify, "reminder_notice_ack") == []
    rows = reminders(notify, "reminder_notice_answer")
    # The head hears of a notice: SMS and inbox by default.
    assert {(row["channel"], row["recipient"]) for row in rows} == {
        ("inbox", "yz"), ("sms", "13800000001")}
    inbox = next(row for row in rows if row["channel"] == "inbox")
    assert inbox["body"] == ("【落实提醒】袁州区：督办单督办〔2026〕5号（「产业园区建设」）应于"
                             "2026年11月5日前报送整改方案（还有1个工作日），请按时报送。")


def test_the_routing_rules_set_n_and_the_channels_of_each_kind(notify):
    notify("set_routing_rules", [
        {"event_type": "reminder_target", "role": "operator", "channels": ["email"],
         "days_before": 1, "quiet_hours": None}], {"user": "admin", "role": "admin",
                                                   "units": None})
    (rule,) = notify("list_routing_rules")["items"]
    assert (rule["days_before"], rule["channels"]) == (1, ["email"])
    created(notify)
    notify("tick")  # Tuesday: both targets are two or more working days away
    assert reminders(notify) == []
    notify.clock.moment += dt.timedelta(days=1)  # Wednesday: Thursday's target
    notify("tick")
    assert {(row["channel"], row["item"]) for row in reminders(notify)} == {
        ("email", "target:T1:2")}


def test_a_13710_stage_recorded_is_not_reminded_of(notify):
    created(notify, {**TASK, "code": "T9", "clock_class": "general",
                     "start_date": "2026-11-02", "targets": []})
    notify.deliver("tasks", "clock_stage_recorded", new_event(
        task="T9", stage="deployed", recorded_at="2026-11-02T08:00:00+08:00",
        received_at="2026-11-02T08:00:00+08:00"), "on_clock_stage_recorded")
    notify("tick")  # Tuesday: deployed (due today) is recorded, nothing else is close
    assert reminders(notify, "reminder_stage") == []
    notify.clock.moment += dt.timedelta(days=1)
    notify("tick")  # Wednesday: first feedback is due on Thursday 5th
    rows = reminders(notify, "reminder_stage")
    assert {row["item"] for row in rows} == {"stage:T9:first_feedback"}
    assert "“首次反馈”应于2026年11月5日前完成（还有1个工作日）" in rows[0]["body"]


def test_the_monthly_reporting_day_follows_the_offices_rules(notify):
    notify.deliver("warnings", "rules_changed", new_event(
        version=2, previous_version=1, rules={"report_working_day": 3, "version": 2},
        changes={"report_working_day": [5, 3]}, changed_by="admin", note=None),
        "on_rules_changed")
    created(notify, {**TASK, "targets": []})
    created(notify, {**TASK, "code": "T2", "title": "老旧小区改造", "targets": []})
    reported(notify, 10, task="T2")  # received 2 November: October's report is in
    notify("tick")  # Tuesday 3 November; the 3rd working day is Wednesday 4th
    (row,) = [row for row in reminders(notify, "reminder_report") if row["channel"] == "inbox"]
    assert row["item"] == "report:yz:2026-11"
    assert row["body"] == ("【落实提醒】袁州区：2026年10月工作进展应于2026年11月4日"
                           "（本月第3个工作日）前报送（还有1个工作日），你单位牵头的1项任务尚未报送，请按时报送。")


def test_a_merged_units_targets_are_reminded_to_the_unit_they_moved_to(notify):
    created(notify)
    notify.deliver("tasks", "units_merged", new_event(
        unit="yz", into="dcb", effective_on="2026-11-02", reason="机构改革",
        tasks=[{"code": "T1", "lead_unit": "dcb", "previous_lead_unit": "yz",
                "cooperating_units": [], "targets": [1, 2, 3]}], changed_by="admin"),
        "on_units_merged")
    notify("tick")
    assert {(row["unit"], row["item"]) for row in reminders(notify)
            if row["channel"] == "inbox"} == {("dcb", "target:T1:1"), ("dcb", "target:T1:2")}


def test_a_receipt_moved_before_last_months_reporting_day_counts_as_not_reported(notify):
    created(notify, {**TASK, "targets": []})
    reported(notify, 10)
    notify.deliver("tasks", "progress_receipt_corrected", new_event(
        report={"id": 1, "task": "T1", "unit": "yz", "percent": 10, "correction": False,
                "reported_at": "2026-10-09T02:00:00+00:00",
                "received_at": "2026-10-09T02:00:00+00:00"},
        previous_received_at="2026-11-02T02:00:00+00:00", reason="系统故障补录",
        corrected_by="admin", last_received_at="2026-10-09T02:00:00+00:00",
        last_rise_received_at="2026-10-09T02:00:00+00:00"), "on_progress_receipt_corrected")
    notify.clock.moment += dt.timedelta(days=2)  # Thursday 5 November; the 5th is Friday 6th
    notify("tick")
    (row,) = [row for row in reminders(notify, "reminder_report") if row["channel"] == "inbox"]
    assert "你单位牵头的1项任务尚未报送" in row["body"] and "2026年11月6日" in row["body"]
