"""The warnings service in a container, fed real events through the broker:
colours on events and on demand by the rules in force, supervision notices,
idempotent handling, retries and parking.

The service's "today" is pinned (default 2026-01-05) so that what the handlers
colour does not depend on the day the tests run."""
import datetime as dt
import sys
import time

import chinese_calendar
import eventlet.event
import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from prometheus_client import REGISTRY
from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from services.common.broker import list_parked
from services.common.clock import LocalClock
from services.common.errors import CalendarNotCovered, Conflict, Forbidden, InvalidInput
from services.common.events import new_event
from services.common.sessions import writers_lock
from services.warnings import repository as repo
from services.warnings import service as service_module
from services.warnings.models import watched_targets, watched_tasks
from services.warnings.service import Service
from tests.support.events import EventTap
from tests.support.holiday_notices import BODY_2027, NOTICE_2027, WORKDAYS_2027
from tests.support.publish import publish_event
from tests.support.services import TASK as SHARED_TASK
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

# The shared task, with a first target due in March that the rules can find late.
TASK = {**SHARED_TASK,
        "targets": [{"seq": 1, "due_date": "2026-03-31", "planned_percent": 30, "unit": "yz",
                     "description": None},
                    {"seq": 2, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz",
                     "description": None}]}


ADMIN = {"user": "admin", "role": "admin", "units": None}
YZ_OPERATOR = {"user": "yz-op", "role": "operator", "units": ["yz"]}
ZS_OPERATOR = {"user": "zs-op", "role": "operator", "units": ["zs"]}
LEADER = {"user": "leader", "role": "leader", "units": None}


@pytest.fixture
def warnings(container_factory, amqp_uri, tmp_path, db_backend, monkeypatch):
    config = service_config(amqp_uri, tmp_path,
                            {"warnings": db_backend} if db_backend else None)
    prepare(config, "warnings")
    today = {"day": dt.date(2026, 1, 5)}
    monkeypatch.setattr(LocalClock, "now", lambda self: dt.datetime.combine(
        today["day"], dt.time(9), self.zone))
    container = container_factory(Service, config)
    container.start()
    tap = EventTap(amqp_uri, "warnings")
    engine = next(dep for dep in container.dependencies if dep.attr_name == "db").engine

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    def deliver(event_type, payload, handler):
        with entrypoint_waiter(container, handler):
            publish_event(amqp_uri, "tasks", event_type, payload)

    def set_today(day):
        today["day"] = day

    call.deliver, call.tap, call.container, call.uri = deliver, tap, container, amqp_uri
    call.engine, call.set_today = engine, set_today
    yield call
    tap.close()
    container.stop()  # before its database is dropped


def progress(percent, reported_at="2026-04-01T00:00:00", task="T1"):
    return new_event(batch_id="b", source="portal", reports=[
        {"id": 1, "task": task, "unit": "yz", "percent": percent, "correction": False,
         "reported_at": reported_at}])


def colour_of(call, key, kind="task"):
    """The stored colour state of one item, or None."""
    found = [item for item in call("list_warnings", item_kind=kind, limit=1000)["items"]
             if item["item_key"] == key]
    return found[0] if found else None


def statements_during(warnings, action):
    """The SQL the service ran while `action` ran, save the forecasts that follow
    an earlier batch of reports (on_tasks_judged, in a worker of its own, may run
    meanwhile)."""
    statements = []

    def keep(_connection, _cursor, statement, *_):
        frame = sys._getframe()
        while frame is not None:
            if frame.f_code.co_name == "on_tasks_judged":
                return
            frame = frame.f_back
        statements.append(statement)

    event.listen(warnings.engine, "before_cursor_execute", keep)
    try:
        action()
    finally:
        event.remove(warnings.engine, "before_cursor_execute", keep)
    return statements


def test_colours_follow_reports_and_dates(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    # 16 working days after the target was due (the Qingming holiday falls between).
    first = warnings("evaluate", "2026-04-23")
    assert first["evaluated"] == 3  # two targets and the task
    colours = warnings("get_task_colours", ["T1"])["T1"]
    assert colours["colour"] == "red" and colours["targets"]["1"]["colour"] == "red"
    assert "严重延期" in colours["reason"]
    assert warnings("get_dashboard")["counts"]["red"] == 1

    warnings.deliver("progress_reported", progress(35), "on_progress_reported")
    warnings("evaluate", "2026-04-23")
    assert warnings("get_task_colours", ["T1"])["T1"]["targets"]["1"]["colour"] == "green"

    kind, payload = warnings.tap.until(lambda kind, payload: kind == "colour_changed" and any(
        (c["item_key"], c["previous"], c["colour"]) == ("T1#1", "red", "green")
        for c in payload["changes"]))


def test_an_import_is_kept_and_coloured_set_based_whatever_its_size(warnings):
    def imported(first, count):
        tasks = [{**TASK, "code": f"I{n:04d}"} for n in range(first, first + count)]
        return lambda: warnings.deliver("tasks_imported", new_event(tasks=tasks),
                                        "on_tasks_imported")

    warnings.set_today(dt.date(2026, 4, 23))
    imported(0, 1)()  # the calendar and the rules are read once, and kept

    def handled(action):  # what the handler ran, not the outbox relay beside it
        return [s.split()[0:3] for s in statements_during(warnings, action)
                if "outbox" not in s and "leases" not in s and not s.startswith("BEGIN")]

    small, large = handled(imported(1, 5)), handled(imported(6, 200))
    # The same statements for 200 tasks as for 5: none is run per task or target.
    assert large == small
    assert warnings("list_warnings", item_kind="task", limit=1)["total"] == 206


def test_the_warnings_list_pages_through_one_colour_oldest_first(warnings):
    for code, unit in (("T2", "yz"), ("T1", "zs")):
        task = {**TASK, "code": code, "lead_unit": unit}
        warnings.deliver("task_created", new_event(task=task), "on_task_created")
    warnings("evaluate", "2026-04-23")
    warnings.deliver("task_created", new_event(task={**TASK, "code": "T3"}), "on_task_created")
    warnings("evaluate", "2026-04-30")  # T3 turns red a week after the others

    def page(**filters):
        answer = warnings("list_warnings", colour="red", item_kind="task", **filters)
        return answer["total"], [(item["item_key"], item["since"], item["unit"])
                                 for item in answer["items"]]

    assert page(limit=2) == (3, [("T1", "2026-04-23", "zs"), ("T2", "2026-04-23", "yz")])
    assert page(limit=2, offset=2) == (3, [("T3", "2026-04-30", "yz")])
    assert page(unit="yz") == (2, [("T2", "2026-04-23", "yz"), ("T3", "2026-04-30", "yz")])
    first = warnings("list_warnings", colour="red", item_kind="task", limit=1)["items"][0]
    assert first["reason"].startswith("严重延期") and first["rule_version"] == 1
    assert warnings("list_warnings", colour="green", item_kind="task") == {
        "items": [], "total": 0}

    # Without a kind: every item of the colour, chosen through an index.
    executed = []

    def keep(_connection, _cursor, statement, parameters, *_):
        executed.append((statement, parameters))

    event.listen(warnings.engine, "before_cursor_execute", keep)
    try:
        red = warnings("list_warnings", colour="red", limit=1000)
    finally:
        event.remove(warnings.engine, "before_cursor_execute", keep)
    assert red["total"] == len(red["items"]) == 9
    assert {(item["item_kind"], item["item_key"]) for item in red["items"]} == {
        (kind, f"{code}{part}") for code in ("T1", "T2", "T3")
        for kind, part in (("task", ""), ("target", "#1"), ("target", "#2"))}
    if warnings.engine.dialect.name == "sqlite":
        with warnings.engine.connect() as connection:
            plans = [" ".join(row[-1] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters))
                for statement, parameters in executed if "FROM colours" in statement]
        assert plans and not any("SCAN colours" in plan for plan in plans), plans


def test_evaluating_twice_changes_and_emits_nothing(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    # Green on creation (the pinned today); late in April it is red: the colours
    # move once, and the same evaluation again changes and emits nothing.
    assert warnings("evaluate", "2026-04-23")["changed"] > 0
    warnings.tap.until(lambda kind, payload: kind == "colour_changed"
                       and payload["as_of"] == "2026-04-23")
    again = warnings("evaluate", "2026-04-23")
    assert again["changed"] == 0 and again["notices_issued"] == 0
    with pytest.raises(AssertionError):  # but the tasks judged, whose forecasts follow
        warnings.tap.until(lambda kind, _: kind != "tasks_judged", timeout=1)
    with pytest.raises(InvalidInput):
        warnings("evaluate", "2026-02-30")


def test_an_evaluation_of_every_task_goes_a_chunk_of_tasks_at_a_time(warnings, monkeypatch):
    codes = ["T1", "T2", "T3", "T4", "T5"]
    for code in codes:
        warnings.deliver("task_created", new_event(task={**TASK, "code": code}),
                         "on_task_created")
    monkeypatch.setattr(service_module, "EVALUATION_CHUNK", 2)
    answer = warnings("evaluate", "2026-04-23")
    # Everything judged and answered as one evaluation, its changes in one event a chunk.
    assert answer["evaluated"] == answer["changed"] == 15  # two targets and the task each
    changes = [warnings.tap.until(lambda kind, payload: kind == "colour_changed"
                                  and payload["as_of"] == "2026-04-23")[1]["changes"]
               for _ in range(3)]
    assert [sorted({change["task"] for change in chunk}) for chunk in changes] == [
        ["T1", "T2"], ["T3", "T4"], ["T5"]]
    assert {code: warnings("get_task_colours", codes)[code]["colour"] for code in codes} == \
        dict.fromkeys(codes, "red")
    again = warnings("evaluate", "2026-04-23")
    assert (again["evaluated"], again["changed"]) == (15, 0)
    with pytest.raises(AssertionError):  # a fourth chunk, or an event for nothing
        warnings.tap.until(lambda kind, _: kind == "colour_changed", timeout=1)


def test_a_redelivered_event_is_applied_once(warnings):
    created = new_event(task=TASK)
    warnings.deliver("task_created", created, "on_task_created")
    # The same event again (as after a crash before the ack) must change nothing;
    # a second insert of the task would fail and park it.
    warnings.deliver("task_created", created, "on_task_created")
    report = progress(50)
    warnings.deliver("progress_reported", report, "on_progress_reported")
    warnings.deliver("progress_reported", report, "on_progress_reported")
    assert warnings("list_warnings", task="T1", item_kind="task")["total"] == 1
    assert list_parked("warnings", warnings.uri) == []


def test_a_poison_message_is_parked_while_others_flow(warnings):
    poison = new_event(task={"code": "T2"})  # a task without its fields
    with entrypoint_waiter(warnings.container, "on_task_created"):
        publish_event(warnings.uri, "tasks", "task_created", poison)
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    parked = eventually(lambda: list_parked("warnings", warnings.uri))
    (message,) = parked
    assert message["event_id"] == poison["event_id"]
    assert "ValidationError" in message["error"]
    assert message["queue"] == "evt-tasks-task_created--warnings.on_task_created"
    assert warnings("get_task_colours", ["T1"])["T1"]["colour"] is not None


def test_a_failing_handler_is_retried_with_a_delay(warnings, monkeypatch):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    failures = []
    original = Service._evaluate

    def flaky(self, *args, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Service, "_evaluate", flaky)
    started = time.monotonic()
    with entrypoint_waiter(warnings.container, "on_progress_reported",
                           callback=lambda ctx, result, exc_info: exc_info is None):
        publish_event(warnings.uri, "tasks", "progress_reported", progress(80))
    assert failures == [1]
    assert time.monotonic() - started >= 0.2  # came back through the delay queue
    assert list_parked("warnings", warnings.uri) == []


def test_each_report_counts_once_however_often_it_is_delivered(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    report = progress(20)
    for _ in range(3):
        warnings.deliver("progress_reported", report, "on_progress_reported")
    warnings.deliver("progress_reported", progress(25), "on_progress_reported")
    figures = warnings("get_evaluation_figures")
    assert figures["tasks"] == 1 and figures["reports_applied"] == 2
    activity = warnings("activity")
    assert activity["last_applied_at"] is not None
    assert activity["outbox"]["last_id"] > 0  # the task's first colour


def test_activity_counts_an_event_in_hand_until_it_is_settled(warnings, monkeypatch):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    entered, release = [], eventlet.event.Event()
    original = Service._evaluate

    def held(self, *args, **kwargs):
        entered.append(1)
        release.wait()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Service, "_evaluate", held)
    assert warnings("activity")["in_hand"] == 0
    # The evaluation's tasks_judged comes back to this service, an event in hand
    # of its own: the last count waits until that one too is settled.
    with entrypoint_waiter(warnings.container, "on_tasks_judged"), \
            entrypoint_waiter(warnings.container, "on_progress_reported",
                              callback=lambda ctx, result, exc_info: exc_info is None):
        publish_event(warnings.uri, "tasks", "progress_reported", progress(80))
        eventually(lambda: entered)
        # Begun and not yet applied: the event is in hand, whatever its last moment says.
        assert warnings("activity")["in_hand"] == 1
        release.send()
    assert warnings("activity")["in_hand"] == 0


def test_operators_see_health_and_replay_parked_messages(warnings):
    last = max(chinese_calendar.holidays).replace(month=12, day=31)
    assert warnings("health") == {
        "service": "warnings", "status": "ok",
        "calendar": {"mode": "working", "covers_until": last.isoformat(),
                     "days_left": (last - dt.date(2026, 1, 5)).days,
                     "provisional_from": f"{last.year + 1}-01-01", "warn": False}}
    assert warnings("activity") == {"outbox": {"pending": 0, "last_id": 0},
                                    "last_applied_at": None, "in_hand": 0}
    poison = new_event(task={"code": "T2"})
    with entrypoint_waiter(warnings.container, "on_task_created"):
        publish_event(warnings.uri, "tasks", "task_created", poison)

    def parked():
        found = warnings("list_parked")
        assert len(found) == 1, found
        return found

    assert eventually(parked)[0]["event_id"] == poison["event_id"]
    # Replayed, it fails again (the payload is still wrong) and is parked again.
    with entrypoint_waiter(warnings.container, "on_task_created"):
        assert warnings("replay_parked", [poison["event_id"]]) == {"replayed": 1}
    assert eventually(parked)[0]["attempts"] == 1


# The task's parts, from the tasks service's events ----------------------------------

def test_clock_stages_commitments_and_extensions_are_coloured(warnings):
    warnings.deliver("task_created", new_event(task={
        **TASK, "clock_class": "important", "start_date": "2026-01-05"}), "on_task_created")
    commitment = {"id": 7, "task": "T1", "unit": "zs", "step": "完成用地报批",
                  "promised_date": "2026-01-06", "result": "取得批复", "status": "open"}
    warnings.deliver("commitment_made", new_event(commitment=commitment),
                     "on_commitment_made")
    # Deployment is due one working day after assignment, red after two.
    warnings("evaluate", "2026-01-08")
    assert colour_of(warnings, "T1@deployed", "clock")["colour"] == "red"
    assert colour_of(warnings, "T1!7", "commitment")["colour"] == "red"
    assert colour_of(warnings, "T1!7", "commitment")["unit"] == "zs"

    warnings.deliver("clock_stage_recorded", new_event(
        task="T1", stage="deployed", recorded_at="2026-01-05T17:00:00"),  # 01:00 on the 6th
        "on_clock_stage_recorded")
    warnings.deliver("commitment_fulfilled", new_event(
        commitment={**commitment, "status": "fulfilled"}), "on_commitment_fulfilled")
    warnings("evaluate", "2026-01-08")
    deployed = colour_of(warnings, "T1@deployed", "clock")
    assert deployed["colour"] == "green" and "2026年1月6日" in deployed["reason"]
    assert colour_of(warnings, "T1!7", "commitment")["colour"] == "green"

    # A late "made" (a retried message) does not reopen a kept promise.
    warnings.deliver("commitment_made", new_event(commitment=commitment),
                     "on_commitment_made")
    warnings("evaluate", "2026-01-09")
    assert colour_of(warnings, "T1!7", "commitment")["colour"] == "green"

    warnings.set_today(dt.date(2026, 4, 23))  # the handler colours as of this day
    warnings("evaluate", "2026-04-23")
    assert colour_of(warnings, "T1#1", "target")["colour"] == "red"
    warnings.deliver("task_extended", new_event(
        task="T1", seq=1, previous_due_date="2026-03-31", new_due_date="2026-06-30",
        reason="征地延误", count=1), "on_task_extended")
    target = colour_of(warnings, "T1#1", "target")
    # Still red: the backlog against the plan is not made up (catch-up rule).
    assert target["colour"] == "red" and "已延期1次，现截止2026年6月30日" in target["reason"]


def _verification(kind, subject, claim):
    return {"id": 9, "kind": kind, "task": "T1", "title": "产业园区建设", "unit": "zs",
            "subject": subject, "claim": claim, "requested_at": "2026-01-05T17:00:00",
            "requested_by": "zs-operator"}


def test_a_step_waiting_for_the_offices_check_is_not_the_units_lateness(warnings):
    warnings.deliver("task_created", new_event(task={
        **TASK, "clock_class": "important", "start_date": "2026-01-05"}), "on_task_created")
    commitment = {"id": 7, "task": "T1", "unit": "zs", "step": "完成用地报批",
                  "promised_date": "2026-01-06", "result": "取得批复", "status": "open"}
    warnings.deliver("commitment_made", new_event(commitment=commitment),
                     "on_commitment_made")
    # The unit claims both in time; the office has not checked them by the 8th.
    stage = _verification("clock_stage", "deployed", {
        "stage": "deployed", "recorded_at": "2026-01-05T17:00:00",
        "received_at": "2026-01-05T17:00:00"})
    kept = _verification("commitment", "7", {"fulfilled_at": "2026-01-05T17:00:00",
                                             "step": "完成用地报批"})
    for item in (stage, kept):
        warnings.deliver("verification_requested", new_event(verification=item, pending=True),
                         "on_verification_requested")
    warnings("evaluate", "2026-01-08")
    assert colour_of(warnings, "T1@deployed", "clock")["colour"] == "green"
    assert colour_of(warnings, "T1!7", "commitment")["colour"] == "green"

    # Sent back: the claims are withdrawn and the items are judged as they stand.
    for item in (stage, kept):
        warnings.deliver("verification_returned", new_event(
            verification=item, reason="佐证不足", returned_by="office",
            returned_at="2026-01-08T02:00:00", effective_on="2026-01-08"),
            "on_verification_returned")
    warnings("evaluate", "2026-01-08")
    assert colour_of(warnings, "T1@deployed", "clock")["colour"] == "red"
    assert colour_of(warnings, "T1!7", "commitment")["colour"] == "red"


def test_a_stage_counts_from_when_the_platform_received_it(warnings):
    warnings.deliver("task_created", new_event(task={
        **TASK, "clock_class": "important", "start_date": "2026-01-05"}), "on_task_created")
    # Said to be done on the 6th (in time), received on the 8th: done late.
    warnings.deliver("clock_stage_recorded", new_event(
        task="T1", stage="deployed", recorded_at="2026-01-05T17:00:00",
        received_at="2026-01-08T01:00:00"), "on_clock_stage_recorded")
    warnings("evaluate", "2026-01-08")
    deployed = colour_of(warnings, "T1@deployed", "clock")
    assert "超时" in deployed["reason"] and "实际2026年1月8日" in deployed["reason"], deployed


def test_reports_count_by_receipt_and_the_offices_correction_moves_them(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.deliver("progress_reported", new_event(batch_id="b", source="portal", reports=[
        {"id": 1, "task": "T1", "unit": "yz", "percent": 20, "correction": False,
         "reported_at": "2026-03-01T01:00:00+00:00",
         "received_at": "2026-03-03T01:00:00+00:00"}]), "on_progress_reported")
    with warnings.engine.connect() as connection:
        row = connection.execute(select(watched_tasks)).one()
    assert (row.last_reported_on, row.last_progress_on) == (dt.date(2026, 3, 3),
                                                            dt.date(2026, 3, 3))
    warnings.deliver("progress_receipt_corrected", new_event(
        report={"id": 1, "task": "T1", "unit": "yz", "percent": 20, "correction": False,
                "reported_at": "2026-03-01T01:00:00", "received_at": "2026-02-27T01:00:00"},
        previous_received_at="2026-03-03T01:00:00", reason="纸质材料已于2月27日送达",
        corrected_by="admin", last_received_at="2026-02-27T01:00:00",
        last_rise_received_at="2026-02-27T01:00:00"), "on_progress_receipt_corrected")
    with warnings.engine.connect() as connection:
        row = connection.execute(select(watched_tasks)).one()
    assert (row.last_reported_on, row.last_progress_on, row.reports_applied) == (
        dt.date(2026, 2, 27), dt.date(2026, 2, 27), 1)
    assert row.last_reported_at == dt.datetime(2026, 2, 27, 1, 0)


def test_reports_keep_the_local_day_and_progress_only_when_it_rises(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings("evaluate", "2026-03-10")
    assert "进展连续未报送" in colour_of(warnings, "T1")["reason"]
    warnings.deliver("progress_reported", new_event(batch_id="b", source="portal", reports=[
        {"id": 1, "task": "T1", "unit": "yz", "percent": 20, "correction": False,
         "reported_at": "2026-03-01T17:00:00+00:00"},  # 2 March in Yichun
        {"id": 2, "task": "T1", "unit": "yz", "percent": 20, "correction": False,
         "reported_at": "2026-03-02T17:00:00+00:00"}]), "on_progress_reported")
    with warnings.engine.connect() as connection:
        row = connection.execute(select(watched_tasks)).one()
    assert (row.percent, row.reports_applied) == (20, 2)
    assert row.last_reported_on == dt.date(2026, 3, 3)
    assert row.last_progress_on == dt.date(2026, 3, 2)  # the second report did not rise
    warnings("evaluate", "2026-03-10")
    assert "未报送" not in colour_of(warnings, "T1")["reason"]


def test_a_red_item_stays_red_until_the_backlog_is_made_up(warnings):
    # Given in January and reported on at once; then left behind: red earned.
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.deliver("progress_reported", progress(5, "2026-01-05T01:00:00"),
                     "on_progress_reported")
    warnings.set_today(dt.date(2026, 7, 1))
    warnings("evaluate", "2026-07-01")
    # By 1 July the plan expects about 53%.
    assert colour_of(warnings, "T1#2", "target")["colour"] == "red"
    warnings.deliver("progress_reported", progress(50, "2026-07-01T01:00:00"),
                     "on_progress_reported")
    target = colour_of(warnings, "T1#2", "target")
    assert target["colour"] == "red" and "未补齐欠账" in target["reason"]
    warnings.deliver("progress_reported", progress(60, "2026-07-01T02:00:00"),
                     "on_progress_reported")
    assert colour_of(warnings, "T1#2", "target")["colour"] == "green"
    history = warnings("get_task_history", "T1")["items"]
    target_history = [(h["previous"], h["colour"]) for h in history
                      if h["item_key"] == "T1#2"]
    assert target_history == [(None, "green"), ("green", "red"), ("red", "green")]
    assert history == sorted(history, key=lambda h: h["changed_at"])


def test_a_new_task_waits_for_its_first_report_then_is_judged_on_its_merits(warnings):
    # Given on 1 April, its first target (30% by 31 March) already past.
    warnings.set_today(dt.date(2026, 4, 1))
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    colours = warnings("get_task_colours", ["T1"])["T1"]
    assert colours["colour"] == "green" and colours["state"] == "pending_first_report"
    assert colours["reason"].startswith("待首报")
    assert warnings("get_dashboard")["pending_first_report"] == 1
    # The first report: 20% against 30% due the day before, judged as it is.
    warnings.deliver("progress_reported", progress(20, "2026-04-01T02:00:00"),
                     "on_progress_reported")
    target = colour_of(warnings, "T1#1", "target")
    assert (target["colour"], target["state"]) == ("yellow", "yellow"), target
    assert "未补齐欠账" not in target["reason"]
    assert warnings("get_dashboard")["pending_first_report"] == 0


def test_a_new_tasks_first_judgement_says_when_it_is_first_due(warnings):
    # Given on 5 January: January's report (by the rules' working day of February)
    # is due before its first target (31 March).
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    _, payload = warnings.tap.until(lambda kind, payload: kind == "colour_changed" and any(
        c["item_key"] == "T1" for c in payload["changes"]))
    first = {c["item_key"]: c for c in payload["changes"]}
    assert first["T1"]["previous"] is None
    assert first["T1"]["first_due"] == "2026-02-06"
    assert first["T1#1"]["first_due"] is None  # the task's own change says it

    warnings("evaluate", "2026-04-23")  # red by now: no first judgement any more
    _, payload = warnings.tap.until(lambda kind, payload: kind == "colour_changed" and any(
        (c["item_key"], c["colour"]) == ("T1", "red") for c in payload["changes"]))
    later = next(c for c in payload["changes"] if c["item_key"] == "T1")
    assert later["previous"] == "green" and later["first_due"] is None


def test_a_red_task_is_not_judged_again_for_a_report_that_changes_only_its_words(warnings):
    # A task red the day it is given is what this is about: judged at once.
    warnings("update_rules", {"first_report_grace": False}, ADMIN)
    warnings.set_today(dt.date(2026, 4, 23))
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.deliver("progress_reported", progress(20, "2026-04-23T01:00:00"),
                     "on_progress_reported")
    # Still red, still 16 working days late, still short of the plan to date:
    # applied without judging the task again.
    held = statements_during(warnings, lambda: warnings.deliver(
        "progress_reported", progress(25, "2026-04-23T02:00:00"), "on_progress_reported"))
    assert not any("FROM colours" in statement for statement in held)
    # Judged again all the same, nothing stored changes: the words are read with
    # the task's latest percentage.
    judged = statements_during(warnings, lambda: warnings("evaluate", "2026-04-23"))
    assert any("FROM colours" in statement for statement in judged)
    assert not any(statement.startswith("UPDATE colours") for statement in judged)
    words = "严重延期：逾期16个工作日未完成目标（计划30%，实际25%）"
    assert colour_of(warnings, "T1#1", "target")["reason"] == words
    assert warnings("get_task_colours", ["T1"])["T1"]["targets"]["1"]["reason"] == words
    assert warnings("get_task_colours", ["T1"])["T1"]["reason"] == (
        "严重延期：【目标1】逾期16个工作日未完成目标（计划30%，实际25%）；另有1项严重延期")
    # The history and the events keep the words the item changed colour with.
    (red,) = [h for h in warnings("get_task_history", "T1")["items"] if h["item_key"] == "T1#1"]
    assert red["reason"] == words.replace("实际25%", "实际0%")
    _, payload = warnings.tap.until(lambda kind, payload: kind == "colour_changed" and any(
        change["item_key"] == "T1#1" for change in payload["changes"]))
    assert [change["reason"] for change in payload["changes"]
            if change["item_key"] == "T1#1"] == [red["reason"]]
    # Past a threshold (target 2 no longer far behind the plan): judged.
    moved = statements_during(warnings, lambda: warnings.deliver(
        "progress_reported", progress(29, "2026-04-23T03:00:00"), "on_progress_reported"))
    assert any("FROM colours" in statement for statement in moved)


def test_a_report_that_changes_nothing_leaves_the_task_unjudged(warnings):
    warnings.set_today(dt.date(2026, 2, 10))
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    # By 10 February the plan expects about 13.5%: 10% is on plan, all green, and
    # stays so from 3.5% (10 points behind) to just below target 1's 30%.
    warnings.deliver("progress_reported", progress(10, "2026-02-10T01:00:00"),
                     "on_progress_reported")
    assert colour_of(warnings, "T1")["colour"] == "green"
    with warnings.engine.connect() as connection:
        row = connection.execute(select(watched_tasks)).one()
    assert (row.holds_on, row.holds_rules, row.holds_below) == (dt.date(2026, 2, 10), 1, 30)
    assert row.holds_from == pytest.approx(13.48 - 10, abs=0.01)
    def stored():
        # The colours as stored: the task's percentage beside them moves with it.
        return [{key: value for key, value in item.items() if key != "percent"}
                for item in warnings("list_warnings", task="T1")["items"]]

    before = stored()

    def judged(percent, at):
        return any("FROM colours" in statement for statement in statements_during(
            warnings, lambda: warnings.deliver("progress_reported", progress(percent, at),
                                               "on_progress_reported")))

    assert not judged(20, "2026-02-10T02:00:00")
    assert stored() == before
    # Past the range: target 1 is met.
    assert judged(30, "2026-02-10T03:00:00")
    assert colour_of(warnings, "T1#1", "target")["reason"] == "已完成目标（30%）"
    # Back within the first range, but on another day or under other rules: judged.
    assert judged(29, "2026-02-10T04:00:00")
    warnings.set_today(dt.date(2026, 2, 11))
    assert judged(28, "2026-02-11T01:00:00")
    warnings("update_rules", {"behind_points_yellow": 1}, ADMIN)
    assert judged(12, "2026-02-11T02:00:00")
    assert colour_of(warnings, "T1#1", "target")["colour"] == "yellow"


# The working-day calendar the office keeps ------------------------------------------

PROVISIONAL_2027 = "（2027年放假安排未录入，暂按周一至周五计）"
MATTER = {**TASK, "code": "M1", "source": "assignment", "clock_class": "general",
          "start_date": "2027-02-04", "due_date": "2027-12-31", "targets": []}


def test_a_year_not_entered_is_judged_monday_to_friday_and_says_so(warnings):
    # Given in December, so that its last target is late in the new year.
    warnings.set_today(dt.date(2026, 12, 1))
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.set_today(dt.date(2027, 1, 11))  # past the holiday package's last year
    warnings.deliver("progress_reported", progress(40, "2027-01-08T02:00:00"),
                     "on_progress_reported")
    colours = warnings("get_task_colours", ["T1"])["T1"]
    assert colours["colour"] == "red" and PROVISIONAL_2027 in colours["targets"]["2"]["reason"]
    # 90 days ahead through the same entrypoint the public API calls.
    assert warnings("evaluate", "2027-04-11")["evaluated"] == 3
    assert "逾期" in warnings("get_task_colours", ["T1"])["T1"]["reason"]
    assert list_parked("warnings", warnings.uri) == []
    health = warnings("health")["calendar"]
    assert (health["covers_until"], health["provisional_from"], health["warn"]) == (
        "2026-12-31", "2027-01-01", True)
    assert REGISTRY.get_sample_value("luoshi_calendar_days_left") == -11
    with pytest.raises(CalendarNotCovered):
        warnings("evaluate", "2227-01-11")


def test_a_notice_issued_on_28_december_is_answered_in_the_new_year(warnings):
    warnings.set_today(dt.date(2026, 12, 28))
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    notice = warnings("issue_notice", "T1", ADMIN, "年底督办")
    assert (notice["ack_due"], notice["answer_due"]) == ("2026-12-30", "2027-01-04")
    assert notice["calendar_note"] == PROVISIONAL_2027


def test_entering_a_year_recolours_what_depends_on_it_and_nothing_else(warnings):
    warnings.set_today(dt.date(2026, 12, 28))
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    notice = warnings("issue_notice", "T1", ADMIN, "年底督办")
    warnings.set_today(dt.date(2027, 2, 10))
    warnings.deliver("task_created", new_event(task=MATTER), "on_task_created")
    warnings.deliver("clock_stage_recorded", new_event(
        task="M1", stage="deployed", recorded_at="2027-02-05T02:00:00"),
        "on_clock_stage_recorded")
    warnings.deliver("progress_reported", progress(5, "2027-02-10T01:00:00", task="M1"),
                     "on_progress_reported")
    warnings("evaluate", "2027-02-10")
    # Monday to Friday, first feedback was due on 9 February: late.
    matter = warnings("get_task_colours", ["M1"])["M1"]
    assert matter["colour"] == "yellow" and PROVISIONAL_2027 in matter["reason"], matter
    assert warnings("get_calendar", 2027)["source"] == "provisional"
    t1_history = warnings("get_task_history", "T1")["total"]

    with pytest.raises(Forbidden):
        warnings("update_calendar", 2027, BODY_2027["holidays"], BODY_2027["workdays"],
                 "录入", YZ_OPERATOR)
    understood = warnings("parse_calendar_notice", 2027, NOTICE_2027)
    assert "2027-02-08" in understood["changes"]["to_holiday"]
    assert understood["changes"]["to_workday"] == WORKDAYS_2027
    with pytest.raises(InvalidInput):
        warnings("parse_calendar_notice", 2027, NOTICE_2027.replace("共9天", "共8天"))
    assert warnings("get_calendar", 2027)["source"] == "provisional"  # nothing was saved
    assert warnings("list_office_years") == {"years": []}

    entered = warnings("update_calendar", 2027, understood["holidays"],
                       understood["workdays"], BODY_2027["note"], ADMIN)
    assert (entered["source"], entered["version"], entered["changed_by"]) == (
        "office", 1, "admin")
    assert entered["effect"]["deadlines_moved"] == 1 and entered["effect"]["colours_changed"] >= 1
    # The Spring Festival week is off: first feedback is due on the 16th.
    matter = warnings("get_task_colours", ["M1"])["M1"]
    assert matter["colour"] == "green" and PROVISIONAL_2027 not in matter["reason"]
    # T1 was red before and is red now: reworded, not recoloured.
    t1 = warnings("get_task_colours", ["T1"])["T1"]
    assert t1["colour"] == "red" and PROVISIONAL_2027 not in t1["targets"]["2"]["reason"]
    assert warnings("get_task_history", "T1")["total"] == t1_history
    moved = warnings("get_notice", notice["id"])
    assert (moved["answer_due"], moved["calendar_note"]) == ("2027-01-05", None)
    assert [(m["deadline"], m["before"], m["after"]) for m in moved["deadline_moves"]] == [
        ("answer_due", "2027-01-04", "2027-01-05")]
    kind, payload = warnings.tap.until(lambda kind, payload: kind == "calendar_changed")
    assert (payload["year"], payload["version"], len(payload["holidays"])) == (2027, 1, 29)
    # A copy that missed the event catches up with the same days.
    assert warnings("list_office_years") == {"years": [
        {key: payload[key] for key in ("year", "version", "holidays", "workdays")}]}
    years = warnings("list_calendar_years")
    assert years["coverage"]["covers_until"] == "2027-12-31"
    assert {"year": 2027, "source": "office", "version": 1, "holidays": 29, "workdays": 4} \
        .items() <= next(y for y in years["years"] if y["year"] == 2027).items()
    history = warnings("get_calendar_history", 2027)["items"]
    assert history[0]["note"] == BODY_2027["note"] and history[0]["effect"]["deadlines_moved"] == 1


def test_the_citys_day_is_the_platforms_in_the_citys_zone(warnings):
    # The portal takes its "today" from here, not from the browser's clock.
    warnings.set_today(dt.date(2027, 1, 1))
    assert warnings("get_today") == {"today": "2027-01-01",
                                     "now": "2027-01-01T09:00:00+08:00",
                                     "timezone": "Asia/Shanghai"}


def test_a_task_with_an_impossible_date_does_not_stop_the_evaluation(warnings):
    # Judged from its dates alone: a new task's fair start would count it late
    # only from the day it was given, and its typo would go unseen.
    warnings("update_rules", {"first_report_grace": False}, ADMIN)
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    typo = {**TASK, "code": "T9", "targets": [
        {"seq": 1, "due_date": "1026-03-31", "planned_percent": 30, "unit": "yz",
         "description": None}]}
    warnings.deliver("task_created", new_event(task=typo), "on_task_created")
    figures = warnings("evaluate", "2026-04-23")
    assert figures["evaluated"] == 3  # T1's targets and T1
    assert [item["task"] for item in warnings("list_unjudged_tasks")["items"]] == ["T9"]
    assert "1026年3月31日" in warnings("list_unjudged_tasks")["items"][0]["problem"]


def test_a_batch_of_a_thousand_reports_is_evaluated_in_one_go(warnings):
    codes = [f"T{n:04d}" for n in range(1000)]
    with warnings.engine.begin() as connection:
        connection.execute(insert(watched_tasks), [
            {"code": code, "lead_unit": "yz", "status": "active", "percent": 0,
             "start_date": dt.date(2026, 1, 1), "due_date": dt.date(2026, 12, 31)}
            for code in codes])
        connection.execute(insert(watched_targets), [
            {"task_code": code, "seq": 1, "due_date": dt.date(2026, 12, 31),
             "planned_percent": 100, "unit": "yz"} for code in codes])
    batch = new_event(batch_id="big", source="county-yz", reports=[
        {"id": n, "task": code, "unit": "yz", "percent": 1 + n % 90, "correction": False,
         "reported_at": "2026-01-05T01:00:00"} for n, code in enumerate(codes)])
    statements = statements_during(warnings, lambda: warnings.deliver(
        "progress_reported", batch, "on_progress_reported"))
    figures = warnings("get_evaluation_figures")
    assert figures["reports_applied"] == 1000
    assert sum(figures["colours"].values()) == 2000  # a target and a task each
    # Set-based: a handful of statements for the whole batch, not one per task.
    writes = [sql for sql in statements if "colour_history" in sql or "watched" in sql]
    assert len(writes) < 30, len(writes)


def test_a_tasks_targets_are_read_once_and_its_extensions_every_time(warnings):
    def statements_of(action):
        return statements_during(warnings, action)

    def reads_targets(statements):
        return any("FROM watched_targets" in statement for statement in statements)

    # A task red the day it is given, judged at once (not waiting for its first report).
    warnings("update_rules", {"first_report_grace": False}, ADMIN)
    warnings.set_today(dt.date(2026, 4, 23))
    assert reads_targets(statements_of(lambda: warnings.deliver(
        "task_created", new_event(task=TASK), "on_task_created")))
    assert colour_of(warnings, "T1#1", "target")["colour"] == "red"
    # Judged again on a report and on demand, from the targets read at creation.
    judged = statements_of(lambda: warnings.deliver(
        "progress_reported", progress(25, "2026-04-23T01:00:00"), "on_progress_reported"))
    assert any("FROM colours" in statement for statement in judged)
    assert not reads_targets(judged)
    assert "实际25%" in colour_of(warnings, "T1#1", "target")["reason"]
    assert not reads_targets(statements_of(lambda: warnings("evaluate", "2026-04-24")))
    # An extension approved later is read with every evaluation.
    warnings.deliver("task_extended", new_event(
        task="T1", seq=1, previous_due_date="2026-03-31", new_due_date="2026-06-30",
        reason="征地延误", count=1), "on_task_extended")
    assert "现截止2026年6月30日" in colour_of(warnings, "T1#1", "target")["reason"]
    # A task created later has its own targets read, not another's.
    assert reads_targets(statements_of(lambda: warnings.deliver(
        "task_created", new_event(task={**TASK, "code": "T2", "targets": [
            {"seq": 1, "due_date": "2026-12-31", "planned_percent": 100, "unit": "zs",
             "description": None}]}), "on_task_created")))
    assert colour_of(warnings, "T2#1", "target")["unit"] == "zs"
    assert colour_of(warnings, "T2#2", "target") is None


# Rules as data ------------------------------------------------------------------------

def test_rules_are_versioned_data_only_an_admin_changes(warnings):
    assert warnings("get_rules")["version"] == 1
    assert warnings("get_rules")["rules"]["late_days_red"] == 15
    with pytest.raises(Forbidden):
        warnings("update_rules", {"late_days_red": 5}, YZ_OPERATOR)
    with pytest.raises(InvalidInput) as bad:
        warnings("update_rules", {"late_days_red": -1, "colour_blind": True}, ADMIN)
    assert set(bad.value.detail) == {"late_days_red", "colour_blind"}
    with pytest.raises(InvalidInput):
        warnings("update_rules", {"late_days_red": 15}, ADMIN)  # nothing changes

    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    # Five working days late: yellow by the defaults, red once the office says 3.
    warnings("evaluate", "2026-04-08")
    assert colour_of(warnings, "T1#1", "target")["colour"] == "yellow"
    updated = warnings("update_rules", {"late_days_red": 3}, ADMIN, note="从严")
    assert updated["version"] == 2 and updated["created_by"] == "admin"
    assert updated["rules"]["late_days_red"] == 3 and updated["rules"]["stalled_days_red"] == 90
    kind, changed = warnings.tap.until(lambda kind, _: kind == "rules_changed")
    assert changed["changes"] == {"late_days_red": [15, 3]} and changed["version"] == 2
    warnings("update_rules", {"version": 99, "stalled_days_red": 60}, ADMIN)
    assert warnings("get_rules")["version"] == 3
    assert warnings("get_rules")["rules"]["late_days_red"] == 3  # kept

    warnings("evaluate", "2026-04-08")
    target = colour_of(warnings, "T1#1", "target")
    assert (target["colour"], target["rule_version"]) == ("red", 3)
    versions = warnings("list_rule_versions")
    assert [v["version"] for v in versions["items"]] == [3, 2] and versions["total"] == 2
    assert versions["items"][1]["note"] == "从严"


# Supervision notices ------------------------------------------------------------------

def notices_issued(call, count):
    return [payload for _, payload in call.tap.take(count)
            if "notice" in payload]


def test_a_task_red_for_five_working_days_gets_a_numbered_notice(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.deliver("task_created", new_event(task={**TASK, "code": "T2", "lead_unit": "zs"}),
                     "on_task_created")
    warnings("evaluate", "2026-04-23")  # both turn red
    assert warnings("evaluate", "2026-04-29")["notices_issued"] == 0  # four working days
    assert warnings("evaluate", "2026-04-30")["notices_issued"] == 2  # five
    assert warnings("evaluate", "2026-04-30")["notices_issued"] == 0  # once
    found = warnings("list_notices")["items"]
    assert sorted(n["number"] for n in found) == ["督办〔2026〕1号", "督办〔2026〕2号"]
    notice = warnings("list_notices", unit="yz")["items"][0]
    assert (notice["task"], notice["status"], notice["issued_by"]) == ("T1", "open", "auto")
    # Acknowledge within two working days, answer within five (after Labour Day).
    assert (notice["ack_due"], notice["answer_due"]) == ("2026-05-07", "2026-05-11")
    assert "红色预警已5个工作日" in notice["reason"]
    _, issued = warnings.tap.until(lambda kind, payload: kind == "notice_issued"
                                   and payload["notice"]["task"] == "T1")
    assert issued["notice"]["number"] == notice["number"]
    assert issued["notice"]["unit"] == "yz"
    assert warnings("get_dashboard")["notices"]["open"] == 2


def test_a_report_that_leaves_a_task_red_long_enough_issues_its_notice(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.deliver("task_created", new_event(task={**TASK, "code": "T2"}), "on_task_created")
    warnings("evaluate", "2026-04-23")  # both red since this day
    warnings.set_today(dt.date(2026, 4, 29))  # four working days
    warnings.deliver("progress_reported", progress(10, "2026-04-29T01:00:00"),
                     "on_progress_reported")
    assert warnings("list_notices")["total"] == 0
    # Five: each report's evaluation judges its own task. T2 catches up and is
    # green, so only T1, still red, gets a notice.
    warnings.set_today(dt.date(2026, 4, 30))
    warnings.deliver("progress_reported", progress(60, "2026-04-30T01:00:00", task="T2"),
                     "on_progress_reported")
    assert warnings("list_notices")["total"] == 0
    warnings.deliver("progress_reported", progress(12, "2026-04-30T02:00:00"),
                     "on_progress_reported")
    [notice] = warnings("list_notices")["items"]
    assert (notice["task"], notice["issued_on"]) == ("T1", "2026-04-30")
    assert notice["reason"].startswith("自2026年4月23日起红色预警已5个工作日：")
    assert "实际12%" in notice["reason"]  # the words of this evaluation, not the last


def test_notices_by_hand_are_numbered_per_year(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.deliver("task_created", new_event(task={**TASK, "code": "T2"}), "on_task_created")
    with pytest.raises(Forbidden):
        warnings("issue_notice", "T1", YZ_OPERATOR, "进度滞后")
    with pytest.raises(InvalidInput):
        warnings("issue_notice", "T1", ADMIN, "  ")
    first = warnings("issue_notice", "T1", ADMIN, "市领导批示督办")
    assert first["number"] == "督办〔2026〕1号" and first["issued_by"] == "admin"
    with pytest.raises(Conflict):
        warnings("issue_notice", "T1", ADMIN, "再次督办")
    warnings.set_today(dt.date(2025, 12, 30))
    other = warnings("issue_notice", "T2", ADMIN, "年底督办")
    assert other["number"] == "督办〔2025〕1号"
    assert warnings("get_notice", first["id"])["reason"] == "市领导批示督办"


def test_a_notice_is_acknowledged_answered_and_closed_by_whom_may(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings("evaluate", "2026-04-23")  # T1 red
    notice = warnings("issue_notice", "T1", ADMIN, "严重滞后")
    number = notice["number"]
    for caller in (ZS_OPERATOR, LEADER):
        with pytest.raises(Forbidden):
            warnings("acknowledge_notice", notice["id"], caller)
    with pytest.raises(Conflict):
        warnings("answer_notice", notice["id"], "整改方案", YZ_OPERATOR)
    acknowledged = warnings("acknowledge_notice", notice["id"], YZ_OPERATOR)
    assert acknowledged["status"] == "acknowledged"
    assert acknowledged["acknowledged_by"] == "yz-op"
    with pytest.raises(Conflict):
        warnings("acknowledge_notice", notice["id"], YZ_OPERATOR)
    with pytest.raises(InvalidInput):
        warnings("answer_notice", notice["id"], "", YZ_OPERATOR)
    answered = warnings("answer_notice", notice["id"], "五月底前完成主体工程", YZ_OPERATOR)
    assert answered["status"] == "answered" and answered["answer"] == "五月底前完成主体工程"
    with pytest.raises(Forbidden):
        warnings("close_notice", notice["id"], YZ_OPERATOR)
    with pytest.raises(Conflict):  # still red, and no decision given
        warnings("close_notice", notice["id"], ADMIN)
    closed = warnings("close_notice", notice["id"], ADMIN, "经市抓落实办研究，同意销号")
    assert closed["status"] == "closed" and closed["close_reason"].startswith("经市")
    with pytest.raises(Conflict):
        warnings("close_notice", notice["id"], ADMIN, "again")
    kinds = []
    warnings.tap.until(lambda kind, payload: kinds.append(kind) or kind == "notice_closed")
    assert [k for k in kinds if k.startswith("notice_")] == [
        "notice_issued", "notice_acknowledged", "notice_answered", "notice_closed"]
    assert warnings("list_notices", status="closed")["items"][0]["number"] == number


def test_a_recovered_item_closes_without_a_decision(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings("evaluate", "2026-04-23")
    notice = warnings("issue_notice", "T1", ADMIN, "严重滞后")
    warnings.set_today(dt.date(2026, 4, 24))
    warnings.deliver("progress_reported", progress(60, "2026-04-24T01:00:00"),
                     "on_progress_reported")
    assert colour_of(warnings, "T1")["colour"] != "red"
    assert warnings("close_notice", notice["id"], ADMIN)["status"] == "closed"
    warnings("issue_notice", "T1", ADMIN, "再次督办")
    board = warnings("get_dashboard")["notices"]
    # This year's closure rate for the big screen: one of the two issued is closed.
    assert (board["issued_this_year"], board["closed_this_year"]) == (2, 1)


def test_an_unanswered_notice_turns_yellow_then_red(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings("evaluate", "2026-04-23")
    warnings("evaluate", "2026-04-30")  # issued: ack by 05-07, answer by 05-11
    (notice,) = warnings("list_notices")["items"]
    assert warnings("evaluate", "2026-05-07")["notices_overdue"] == 0
    assert warnings("evaluate", "2026-05-08")["notices_overdue"] == 1
    assert warnings("get_notice", notice["id"])["colour"] == "yellow"
    _, overdue = warnings.tap.until(lambda kind, _: kind == "notice_overdue")
    assert (overdue["stage"], overdue["colour"], overdue["number"]) == (
        "ack", "yellow", notice["number"])
    warnings("acknowledge_notice", notice["id"], YZ_OPERATOR)
    assert warnings("evaluate", "2026-05-11")["notices_overdue"] == 0
    assert warnings("evaluate", "2026-05-12")["notices_overdue"] == 1
    assert warnings("get_notice", notice["id"])["colour"] == "red"
    _, overdue = warnings.tap.until(lambda kind, _: kind == "notice_overdue")
    assert (overdue["stage"], overdue["colour"]) == ("answer", "red")
    assert warnings("evaluate", "2026-05-13")["notices_overdue"] == 0  # said once
    assert warnings("get_dashboard")["notices"]["overdue"] == 1


def test_the_trend_counts_each_week_from_the_colour_history(warnings):
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.deliver("task_created", new_event(task={**TASK, "code": "T2"}), "on_task_created")
    warnings("evaluate", "2026-04-23")  # a Thursday: both far behind their plan
    trend = warnings("get_colour_trend", weeks=17, as_of="2026-04-23")
    weeks = {week["week_end"]: (week["green"], week["yellow"], week["red"])
             for week in trend["weeks"]}
    assert list(weeks)[0] == "2026-01-04" and list(weeks)[-1] == "2026-04-23"
    assert weeks["2026-01-04"] == (0, 0, 0)        # before the tasks were coloured
    assert weeks["2026-04-19"] == (2, 0, 0)        # green since 5 January
    assert weeks["2026-04-23"] == (0, 0, 2)
    assert warnings("get_dashboard")["counts"] == {"green": 0, "yellow": 0, "red": 2}
    with pytest.raises(InvalidInput):
        warnings("get_colour_trend", weeks=0)


def test_red_items_come_red_the_longest_first_then_furthest_behind(warnings):
    early = {"seq": 0, "due_date": "2026-02-27", "planned_percent": 10, "unit": "yz",
             "description": None}
    warnings.deliver("task_created", new_event(task=TASK), "on_task_created")
    warnings.deliver("task_created", new_event(task={
        **TASK, "code": "T2", "targets": [early, *TASK["targets"]]}), "on_task_created")
    warnings("evaluate", "2026-04-23")
    warnings.deliver("task_created", new_event(task={**TASK, "code": "T3"}), "on_task_created")
    warnings("evaluate", "2026-04-30")
    warnings.set_today(dt.date(2026, 5, 4))
    answer = warnings("list_red_items")
    assert [(item["task"], item["since"], item["days_red"], item["overdue_days"])
            for item in answer["items"]] == [("T2", "2026-04-23", 11, 66),
                                             ("T1", "2026-04-23", 11, 34),
                                             ("T3", "2026-04-30", 4, 34)]
    assert answer["as_of"] == "2026-05-04" and answer["items"][0]["reason"]
    assert [item["task"] for item in warnings("list_red_items", limit=2)["items"]] == [
        "T2", "T1"]


def test_clock_deadlines_about_to_run_out_come_soonest_first(warnings):
    warnings.deliver("task_created", new_event(task={
        **TASK, "clock_class": "important", "start_date": "2026-01-05"}), "on_task_created")
    warnings.deliver("task_created", new_event(task={**TASK, "code": "T2"}), "on_task_created")
    soon = warnings("list_clock_deadlines", within_days=3, as_of="2026-01-05")
    assert [(item["task"], item["stage"], item["due"], item["days_left"])
            for item in soon["items"]] == [("T1", "deployed", "2026-01-06", 1),
                                           ("T1", "first_feedback", "2026-01-08", 3)]
    assert soon["items"][0]["stage_name"] == "部署" and soon["items"][0]["colour"] == "green"

    warnings.deliver("clock_stage_recorded", new_event(
        task="T1", stage="deployed", recorded_at="2026-01-05T03:00:00"),
        "on_clock_stage_recorded")
    late = warnings("list_clock_deadlines", within_days=0, as_of="2026-01-12")
    assert [(item["stage"], item["days_left"]) for item in late["items"]] == [
        ("first_feedback", -4)]
    assert warnings("list_clock_deadlines", unit="zs", within_days=30)["total"] == 0



def test_writers_take_turns_on_postgresql_as_on_sqlite(warnings):
    """Two replicas must not evaluate the same task at once: each would record
    the same change. On PostgreSQL every write transaction holds the service's
    advisory lock until it ends; SQLite lets one writer in at a time by itself."""
    if warnings.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers itself")
    (db,) = [dep for dep in warnings.container.dependencies if dep.attr_name == "db"]
    store = db.get_dependency(None)  # what each worker of the service gets
    held = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND objid::bigint = CAST(:key AS bigint)")
    key = {"key": writers_lock("warnings")}
    with store.session() as session:
        assert session.execute(held, key).scalar() == 1
    with store.session(readonly=True) as session:
        assert session.execute(held, key).scalar() == 0  # readers never wait
    with store.session() as session:  # released when the last one ended
        assert session.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid != pg_backend_pid()")).scalar() == 0


def test_the_evaluation_that_first_meets_many_tasks_ends_with_a_collection(warnings, monkeypatch):
    for code in ["T1", "T2", "T3"]:
        warnings.deliver("task_created", new_event(task={**TASK, "code": code}),
                         "on_task_created")
    collections = []
    monkeypatch.setattr(service_module, "gc", type("Collector", (), {
        "collect": staticmethod(lambda: collections.append(True))}))
    monkeypatch.setattr(service_module, "FIRST_MET", 3)
    # The evaluation's tasks_judged comes back to this service, whose forecasts
    # read the tasks (and keep their targets): it must be done before they are
    # forgotten below, or it would bring them back behind the test's back.
    with entrypoint_waiter(warnings.container, "on_tasks_judged"):
        warnings("evaluate", "2026-04-23")
    assert collections == []  # each task's targets were read when it was created
    # A replica that starts meets them all at its first evaluation.
    known = next(dependency for dependency in warnings.container.dependencies
                 if dependency.attr_name == "known_targets")
    known.targets.clear()
    warnings("evaluate", "2026-04-24")
    assert collections == [True]
    warnings("evaluate", "2026-04-25")
    assert collections == [True]


def test_a_finished_task_leaves_the_targets_a_replica_keeps(warnings):
    """A replica keeps the targets of the tasks in hand only: a task closed,
    explained or cancelled leaves its cache, so that one running for years does
    not keep every task it ever met."""
    warnings.set_today(dt.date(2026, 4, 23))
    for code in ["T1", "T2", "T3", "T4"]:
        warnings.deliver("task_created", new_event(task={**TASK, "code": code}),
                         "on_task_created")
    known = next(dependency for dependency in warnings.container.dependencies
                 if dependency.attr_name == "known_targets").targets
    assert set(known) == {"T1", "T2", "T3", "T4"}
    met = dict(known)

    for code, status, event_type in [("T1", "closed", "task_closed"),
                                      ("T2", "explained", "task_explained"),
                                      ("T3", "cancelled", "task_cancelled")]:
        warnings.deliver(event_type, new_event(task=code, lead_unit="yz", status=status,
                                               reason=None), f"on_{event_type}")
    assert set(known) == {"T4"}
    # The part left red turned green with the closed task, by its targets.
    assert warnings("get_task_colours", ["T1"])["T1"]["targets"]["1"]["colour"] == "green"

    # Another replica met T1 while it was in hand and the event went elsewhere: it
    # lets T1 go the next time it reads it, and reads its targets all the same.
    known["T1"] = met["T1"]
    with Session(warnings.engine) as session:
        tasks = {task.code: task for task in repo.load_tasks(session, ["T1", "T4"], known)}
    assert [target.seq for target in tasks["T1"].targets] == [1, 2]
    assert set(known) == {"T4"}
    warnings("evaluate", "2026-04-24")
    assert set(known) == {"T4"}
    # ... or at its daily sweep, should it never read T1 again.
    known["T1"] = met["T1"]
    warnings("forget_finished_targets")
    assert set(known) == {"T4"}
    known["T1"] = met["T1"]
    warnings("forget_finished_targets")  # once a day
    assert set(known) == {"T1", "T4"}
    warnings.set_today(dt.date(2026, 4, 24))
    warnings("forget_finished_targets")
    assert set(known) == {"T4"}
