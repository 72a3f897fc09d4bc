"""The tasks service in a container: signals of gamed numbers found after reports,
uploads and 13710 stages, kept once, seen and reviewed by the office alone; a
confirmed one announced as gaming_signal_confirmed."""
import base64
import datetime as dt

import pytest
from sqlalchemy.orm import Session

from services.common.errors import Conflict, Forbidden, InvalidInput
from services.common.events import new_event
from services.tasks import repository as repo
from services.tasks import repository_signals as signals_repo
from services.tasks import signals
from tests.service import test_tasks_service
from tests.service.test_tasks_service import ADMIN, PDF, seed
from tests.support.holiday_notices import BODY_2027

clock = test_tasks_service.clock
tasks = test_tasks_service.tasks

YZ = {"user": "yz-op", "role": "operator", "units": ["yz"]}
ZS = {"user": "zs-op", "role": "operator", "units": ["zs"]}


def upload(tasks, task, caller, content=PDF):
    return tasks("add_evidence", task, "验收报告.pdf", "application/pdf",
                 base64.b64encode(content).decode(), caller)["id"]


def plain_task(tasks, code, unit, start, due, **more):
    tasks("create_task", {"code": code, "title": f"{code}任务", "lead_unit": unit,
                          "start_date": start.isoformat(), "due_date": due.isoformat(),
                          "targets": [{"due_date": due.isoformat(), "planned_percent": 100}],
                          **more}, ADMIN)


def test_one_file_for_two_units_is_a_signal_only_the_office_sees(tasks):
    seed(tasks)
    plain_task(tasks, "T2", "zs", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    first = upload(tasks, "T1", YZ)
    tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 20,
                               "evidence": [first]}], YZ)
    assert tasks("list_signals", ADMIN)["total"] == 0
    second = upload(tasks, "T2", ZS)
    # Uploaded, not yet named by a report: no use of it yet.
    assert tasks("list_signals", ADMIN)["total"] == 0
    tasks("report_progress", [{"task": "T2", "unit": "zs", "percent": 20,
                               "evidence": [second]}], ZS)
    listed = tasks("list_signals", ADMIN)
    (signal,) = listed["items"]
    assert listed["counts"] == {"open": 1, "reviewed": 0, "confirmed": 0}
    assert (signal["kind"], signal["task"], signal["unit"], signal["unit_name"]) == (
        "reused_evidence", "T2", "zs", "樟树市")
    assert signal["detail"].endswith("同时用于T1（袁州区）与T2（樟树市）的报送")
    assert signal["evidence_ids"] == [first, second] and signal["title"] == "T2任务"
    # Found again after the next report: the same finding is not kept twice.
    tasks("report_progress", [{"task": "T2", "unit": "zs", "percent": 30}], ZS)
    assert tasks("list_signals", ADMIN)["total"] == 1
    # Units and leaders never see signals.
    for caller in (YZ, ZS, test_tasks_service.LEADER):
        with pytest.raises(Forbidden):
            tasks("list_signals", caller)
        with pytest.raises(Forbidden):
            tasks("review_signal", signal["id"], "reviewed", caller)


def test_a_jump_on_the_due_date_is_confirmed_with_a_note_and_announced(tasks, clock):
    seed(tasks)
    due = dt.date(2026, 3, 4)  # a Wednesday
    plain_task(tasks, "T3", "yz", dt.date(2026, 1, 1), due)
    tasks("report_progress", [{"task": "T3", "unit": "yz", "percent": 40}], YZ)
    clock.set(due, hour=10)
    file_id = upload(tasks, "T3", YZ, PDF + b"%T3")
    tasks("report_progress", [{"task": "T3", "unit": "yz", "percent": 100,
                               "evidence": [file_id]}], YZ)
    (signal,) = tasks("list_signals", ADMIN, kind="late_jump")["items"]
    assert signal["unit"] == "yz" and "进度停在40%已60天" in signal["detail"]

    with pytest.raises(InvalidInput):
        tasks("review_signal", signal["id"], "confirmed", ADMIN)
    with pytest.raises(InvalidInput):
        tasks("review_signal", signal["id"], "maybe", ADMIN, note="?")
    answer = tasks("review_signal", signal["id"], "confirmed", ADMIN, note="现场核查未完工")
    assert (answer["status"], answer["status_name"], answer["reviewed_by"]) == (
        "confirmed", "属实", "admin")
    _, event = tasks.tap.until(lambda kind, _: kind == "gaming_signal_confirmed")
    assert (event["signal_id"], event["unit"], event["task"], event["note"]) == (
        signal["id"], "yz", "T3", "现场核查未完工")
    assert event["kind_name"] == "临近期限突击完成" and event["effective_on"] == due.isoformat()
    with pytest.raises(Conflict):
        tasks("review_signal", signal["id"], "reviewed", ADMIN)
    assert tasks("list_signals", ADMIN, status="confirmed")["total"] == 1
    assert tasks("list_signals", ADMIN, status="open")["total"] == 0


def test_an_honest_unit_with_files_rising_steadily_is_not_flagged(tasks, clock):
    seed(tasks)
    due = dt.date(2026, 3, 4)
    plain_task(tasks, "T4", "yz", dt.date(2026, 1, 1), due)
    for n, (day, percent) in enumerate([(dt.date(2026, 1, 12), 25), (dt.date(2026, 1, 26), 50),
                                        (dt.date(2026, 2, 9), 75), (dt.date(2026, 3, 2), 100)]):
        clock.set(day, hour=10)
        file_id = upload(tasks, "T4", YZ, PDF + f"%{n}".encode())
        tasks("report_progress", [{"task": "T4", "unit": "yz", "percent": percent,
                                   "evidence": [file_id]}], YZ)
    assert tasks("list_signals", ADMIN) == {
        "items": [], "total": 0, "counts": {"open": 0, "reviewed": 0, "confirmed": 0}}


def test_rises_without_files_and_stages_at_the_last_moment_are_signals(tasks, clock):
    seed(tasks)  # T1: an important matter on the 13710 clock from 2026-01-01
    for day, percent in [(dt.date(2026, 1, 5), 10), (dt.date(2026, 1, 12), 20),
                         (dt.date(2026, 1, 19), 30)]:
        clock.set(day, hour=10)
        tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": percent}], YZ)
    (signal,) = tasks("list_signals", ADMIN, kind="no_evidence")["items"]
    assert signal["detail"] == "任务T1进度已上升3次（至30%），从未上传任何佐证资料"
    # Kept once: a fourth rise neither adds a signal nor rewords it.
    tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 40}], YZ)
    assert tasks("list_signals", ADMIN, kind="no_evidence")["items"] == [signal]
    # Given on Monday 5 January: deployed by Tuesday the 6th, first feedback by
    # Thursday the 8th.
    plain_task(tasks, "J1", "yz", dt.date(2026, 1, 5), dt.date(2026, 2, 27),
               source="assignment", clock_class="general")
    clock.set(dt.date(2026, 1, 6), hour=18)  # 18:00 UTC+8 on its deadline
    tasks("record_clock_stage", "J1", "deployed", YZ)
    clock.set(dt.date(2026, 1, 8), hour=17)
    tasks("record_clock_stage", "J1", "first_feedback", YZ)
    (signal,) = tasks("list_signals", ADMIN, kind="last_moment_stages")["items"]
    assert "“部署”于期限当日18:00" in signal["detail"]
    reviewed = tasks("review_signal", signal["id"], "reviewed", ADMIN)
    assert (reviewed["status"], reviewed["note"]) == ("reviewed", None)


def test_a_unit_always_at_the_last_hour_is_a_signal_and_one_in_the_day_is_not(tasks, clock):
    seed(tasks)
    fridays = [dt.date(2026, 1, 9), dt.date(2026, 1, 16), dt.date(2026, 1, 23)]
    for code, unit in (("T5", "yz"), ("T6", "zs")):
        tasks("create_task", {
            "code": code, "title": f"{code}任务", "lead_unit": unit, "start_date": "2026-01-01",
            "due_date": fridays[-1].isoformat(),
            "targets": [{"due_date": day.isoformat(), "planned_percent": 30 * (n + 1) + 10}
                        for n, day in enumerate(fridays)]}, ADMIN)
    for n, day in enumerate(fridays):
        file_id = upload(tasks, "T5", YZ, PDF + f"%T5-{n}".encode())
        clock.set(day, hour=23)  # 23:00 in the city: its last hour
        tasks("report_progress", [{"task": "T5", "unit": "yz", "percent": 30 * (n + 1),
                                   "evidence": [file_id]}], YZ)
        clock.set(day, hour=11)
        file_id = upload(tasks, "T6", ZS, PDF + f"%T6-{n}".encode())
        tasks("report_progress", [{"task": "T6", "unit": "zs", "percent": 30 * (n + 1),
                                   "evidence": [file_id]}], ZS)
    (signal,) = tasks("list_signals", ADMIN)["items"]
    assert (signal["kind"], signal["unit"]) == ("last_hour", "yz")
    assert signal["detail"].startswith(
        "袁州区最近3次报送均在截止日最后一小时内提交：2026-01-09 23:00")


def test_a_batch_gives_the_detectors_its_tasks_as_reading_them_again_would(tasks, clock):
    """A batch of reports hands the detectors the tasks it was checked against
    (logic.TaskState, where the batch left them) instead of reading them again:
    the same fields and values as repository_signals.tasks_of reads, dates and
    the 13710 clock included."""
    seed(tasks)  # T1: on the 13710 clock
    plain_task(tasks, "T7", "zs", dt.date(2026, 2, 1), dt.date(2026, 11, 30))
    tasks("report_progress", [{"task": "T1", "unit": "yz", "percent": 35},
                              {"task": "T7", "unit": "zs", "percent": 100},
                              {"task": "T1", "unit": "yz", "percent": 45}], ADMIN)
    with Session(tasks.engine) as session:
        read = signals_repo.tasks_of(session, {"T1", "T7"})
        handed = {code: signals.task_of(code, state)
                  for code, state in repo.task_states(session, {"T1", "T7"}).items()}
    assert handed == read
    assert (read["T1"]["percent"], read["T1"]["clock_class"]) == (45.0, "important")
    assert (read["T7"]["start_date"], read["T7"]["due_date"], read["T7"]["clock_class"]) == (
        dt.date(2026, 2, 1), dt.date(2026, 11, 30), None)


def test_the_signals_count_working_days_by_the_year_the_office_entered(tasks, clock):
    """2027 is beyond the holiday package: until the office's calendar reaches the
    service it is Monday to Friday, with the National Day and Spring Festival
    weeks worked and the make-up Saturdays off."""
    seed(tasks)
    entered = new_event(year=2027, version=2, holidays=BODY_2027["holidays"],
                        workdays=BODY_2027["workdays"], note="录入", changed_by="admin",
                        changed_at="2026-12-01T02:00:00+00:00")
    tasks.deliver("warnings", "calendar_changed", entered)
    # The same event again, and an older version delivered late, change nothing.
    tasks.deliver("warnings", "calendar_changed", entered)
    tasks.deliver("warnings", "calendar_changed", {
        **entered, "event_id": new_event()["event_id"], "version": 1, "holidays": [],
        "workdays": []})

    # Given on Thursday 30 September, before the National Day week (1–7 October
    # off, Saturday the 9th worked): deployed by Friday the 8th, first feedback by
    # Monday the 11th; Monday to Friday would say the 1st and the 5th.
    clock.set(dt.date(2027, 9, 30), hour=10)
    plain_task(tasks, "J2", "yz", dt.date(2027, 9, 30), dt.date(2027, 12, 31),
               source="assignment", clock_class="general")
    clock.set(dt.date(2027, 10, 8), hour=18)
    tasks("record_clock_stage", "J2", "deployed", YZ)
    clock.set(dt.date(2027, 10, 11), hour=17)
    tasks("record_clock_stage", "J2", "first_feedback", YZ)
    (signal,) = tasks("list_signals", ADMIN, kind="last_moment_stages")["items"]
    assert signal["task"] == "J2" and "“首次反馈”于期限当日17:00" in signal["detail"]

    # 100% on Friday 5 February, the last working day before the Spring Festival
    # (6–14 February off): one working day before Monday the 15th, not six.
    plain_task(tasks, "L2", "yz", dt.date(2027, 1, 4), dt.date(2027, 2, 15))
    clock.set(dt.date(2027, 1, 5), hour=10)
    tasks("report_progress", [{"task": "L2", "unit": "yz", "percent": 40}], YZ)
    clock.set(dt.date(2027, 2, 5), hour=10)
    file_id = upload(tasks, "L2", YZ, PDF + b"%L2")
    tasks("report_progress", [{"task": "L2", "unit": "yz", "percent": 100,
                               "evidence": [file_id]}], YZ)
    (signal,) = tasks("list_signals", ADMIN, kind="late_jump")["items"]
    assert "在期限2027-02-15前1个工作日内（2027-02-05）一次报至100%" in signal["detail"]
