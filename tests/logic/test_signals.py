"""The signals of gamed numbers (services/tasks/signals.py): each detector finds
its pattern, says it in words, keeps one key for the same finding, and leaves an
honest unit alone."""
import datetime as dt

from services.common.workdays import package_calendar
from services.tasks import signals

CAL = package_calendar()
NAMES = {"yz": "袁州区", "fc": "丰城市"}
# Monday 16 November 2026, a working week without holidays around it.
MONDAY = dt.date(2026, 11, 16)


def at(day, hour=10, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute))


def days(n):
    return MONDAY + dt.timedelta(days=n)


# Reused evidence ------------------------------------------------------------

def upload(file_id, sha, task, unit, n=0):
    return {"id": file_id, "sha256": sha, "task": task, "unit": unit, "uploaded_at": at(days(n))}


def test_one_file_for_two_units_tasks_is_a_signal_with_both_named():
    sha = "ab12cd34" + "0" * 56
    (found,) = signals.reused_evidence(
        [upload(1, sha, "T2026-0003", "yz"), upload(7, sha, "T2026-0017", "fc", 2)], NAMES)
    assert found.kind == signals.REUSED_EVIDENCE
    assert found.detail == ("佐证资料（sha256前8位 ab12cd34）同时用于T2026-0003（袁州区）"
                            "与T2026-0017（丰城市）的报送")
    assert (found.task, found.unit, found.evidence_ids) == ("T2026-0017", "fc", (1, 7))
    # Found again with a third, unrelated file: the same key, nothing new.
    again = signals.reused_evidence([upload(1, sha, "T2026-0003", "yz"),
                                     upload(7, sha, "T2026-0017", "fc", 2),
                                     upload(9, "f" * 64, "T2026-0017", "fc", 3)], NAMES)
    assert [s.key for s in again] == [found.key]


def test_a_unit_uploading_its_file_twice_to_its_own_task_is_not_a_signal():
    sha = "c" * 64
    assert signals.reused_evidence([upload(1, sha, "T1", "yz"), upload(2, sha, "T1", "yz", 1),
                                    upload(3, "d" * 64, "T2", "yz")], NAMES) == []


# A late jump ------------------------------------------------------------------

TASK = {"code": "T1", "lead_unit": "yz", "start_date": days(-90), "due_date": days(30)}


def report(report_id, percent, when, unit="yz", task="T1", batch=None):
    return {"id": report_id, "unit": unit, "task": task, "percent": percent,
            "received_at": when, "batch": batch or f"b{report_id}"}


def test_a_jump_to_100_on_the_due_date_after_weeks_flat_is_a_signal():
    due = TASK["due_date"]
    reports = [report(1, 20, at(days(-60))), report(2, 30, at(days(-10))),
               report(3, 30, at(days(5))), report(4, 100, at(due, 16))]
    (found,) = signals.late_jump(TASK, reports, CAL)
    assert found.key == "late_jump:T1:4" and found.unit == "yz"
    assert "进度停在30%已40天" in found.detail and "一次报至100%" in found.detail


def test_an_honest_task_rising_steadily_to_100_is_not_a_signal():
    due = TASK["due_date"]
    reports = [report(i, 20 * i, at(days(-60 + 15 * i))) for i in range(1, 5)]
    reports.append(report(5, 100, at(due - dt.timedelta(days=1))))
    assert signals.late_jump(TASK, reports, CAL) == []


def test_a_jump_long_before_the_due_date_or_a_small_last_step_is_not_a_signal():
    early = [report(1, 10, at(days(-60))), report(2, 100, at(days(10)))]
    assert signals.late_jump(TASK, early, CAL) == []
    small = [report(1, 80, at(days(-10))), report(2, 100, at(TASK["due_date"]))]
    assert signals.late_jump(TASK, small, CAL) == []


# The last hour ----------------------------------------------------------------

DEADLINES = {"T1": {days(4), days(11), days(18)}, "T2": {days(25)}}


def test_a_unit_always_filing_in_the_last_hour_of_the_deadline_is_a_signal_once():
    reports = [report(1, 10, at(days(1), 9)),
               report(2, 20, at(days(4), 23, 10)), report(3, 30, at(days(11), 23, 40)),
               report(4, 40, at(days(18), 23, 59))]
    (found,) = signals.last_hour("yz", reports, DEADLINES, NAMES)
    assert found.key == "last_hour:yz:2"
    assert found.detail.startswith("袁州区最近3次报送均在截止日最后一小时内提交")
    # A fourth in the same run keeps the key: the same thing, not flagged twice.
    reports.append(report(5, 60, at(days(25), 23, 30), task="T2"))
    assert [s.key for s in signals.last_hour("yz", reports, DEADLINES, NAMES)] == [found.key]


def test_a_unit_filing_in_the_day_or_once_at_the_last_hour_is_not_a_signal():
    reports = [report(1, 10, at(days(4), 10)), report(2, 20, at(days(11), 22, 30)),
               report(3, 30, at(days(18), 23, 30))]
    assert signals.last_hour("yz", reports, DEADLINES, NAMES) == []
    # Late at night on a day that is no deadline is not the last hour of one.
    night = [report(i, 10 * i, at(days(i), 23, 30)) for i in (5, 6, 7)]
    assert signals.last_hour("yz", night, DEADLINES, NAMES) == []


def test_one_batch_of_many_reports_counts_once():
    reports = [report(i, 10, at(days(18), 23, 30), task="T1", batch="same") for i in (1, 2, 3)]
    assert signals.last_hour("yz", reports, DEADLINES, NAMES) == []


# Rising without evidence -------------------------------------------------------

def test_three_rises_without_any_file_is_a_signal_and_with_one_file_not():
    reports = [report(1, 10, at(days(1))), report(2, 30, at(days(8))),
               report(3, 30, at(days(12))), report(4, 50, at(days(15)))]
    (found,) = signals.no_evidence(TASK, reports, evidence_count=0)
    assert found.key == "no_evidence:T1"
    assert found.detail == "任务T1进度已上升3次（至50%），从未上传任何佐证资料"
    assert signals.no_evidence(TASK, reports, evidence_count=1) == []
    assert signals.no_evidence(TASK, reports[:3], evidence_count=0) == []


# 13710 stages at the last moment -------------------------------------------------

MATTER = {"code": "J1", "lead_unit": "yz", "start_date": MONDAY, "clock_class": "general"}


def test_every_stage_at_the_end_of_its_deadline_day_is_a_signal():
    # Deployed by Tuesday, first feedback by Thursday, closed by the next Wednesday.
    stages = {"deployed": at(days(1), 17, 30), "first_feedback": at(days(3), 16, 0),
              "closed": at(days(9), 17, 50)}
    assert signals.stage_deadline(MATTER, "closed", CAL) == days(9)
    (found,) = signals.last_moment_stages(MATTER, stages, CAL)
    assert found.key == "last_moment_stages:J1"
    assert "“部署”于期限当日17:30" in found.detail


def test_stages_recorded_in_good_time_or_only_one_at_the_end_are_not_a_signal():
    honest = {"deployed": at(MONDAY, 11), "first_feedback": at(days(2), 10)}
    assert signals.last_moment_stages(MATTER, honest, CAL) == []
    one_late = {"deployed": at(days(1), 17, 30), "first_feedback": at(days(2), 10)}
    assert signals.last_moment_stages(MATTER, one_late, CAL) == []
    only_one = {"deployed": at(days(1), 17, 30)}
    assert signals.last_moment_stages(MATTER, only_one, CAL) == []


def test_a_review_takes_a_known_verdict_once():
    assert signals.review_problem("open", "confirmed") is None
    assert signals.review_problem("open", "maybe") == "verdict"
    assert signals.review_problem("reviewed", "confirmed") == "reviewed"


def test_days_no_calendar_counts_give_no_signal_and_no_error():
    far = {**TASK, "due_date": dt.date(2230, 1, 1)}
    assert signals.late_jump(far, [report(1, 100, at(days(0)))], CAL) == []
    matter = {**MATTER, "start_date": dt.date(2199, 12, 31)}
    last = dt.date(2199, 12, 31)
    late = {"deployed": at(last, 18), "first_feedback": at(last, 19)}
    assert signals.last_moment_stages(matter, late, CAL) == []


def test_the_last_hour_of_a_day_is_its_last_sixty_minutes_whatever_the_day():
    day = dt.date(2026, 3, 14)  # no deadline: the hour alone
    assert signals.in_last_hour(dt.datetime.combine(day, dt.time(23)))
    assert signals.in_last_hour(dt.datetime.combine(day, dt.time(23, 59, 59)))
    assert not signals.in_last_hour(dt.datetime.combine(day, dt.time(22, 59)))
    assert not signals.in_last_hour(dt.datetime.combine(day, dt.time(0, 0)))
