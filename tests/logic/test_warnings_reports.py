"""What a batch of progress reports does to the warnings service's copy of a task,
and when the last evaluation still holds, as plain functions. Nothing is faked:
no database, no container."""
import datetime as dt
from types import SimpleNamespace

from services.warnings.logic import (
    GREEN,
    RED,
    YELLOW,
    Reported,
    Rules,
    Target,
    Task,
    after_reports,
    colour_counts,
    colour_leniently,
    still_holds,
)

D = dt.date
CST = dt.timezone(dt.timedelta(hours=8))


def watched(**fields):
    values = {"code": "T1", "percent": 10.0, "last_reported_at": None,
              "last_reported_on": None, "last_progress_on": None, "holds_on": None,
              "holds_rules": None, "holds_from": None, "holds_below": None}
    return SimpleNamespace(**{**values, **fields})


def local_day(moment):
    return moment.astimezone(CST).date()


def test_the_last_report_of_a_batch_wins_and_progress_is_a_rise():
    reports = [
        {"percent": 40.0, "reported_at": dt.datetime(2026, 5, 3, 23, 30, tzinfo=dt.UTC)},
        {"percent": 30.0, "reported_at": dt.datetime(2026, 5, 2, 9, 0, tzinfo=CST)},
    ]
    assert after_reports(watched(), reports, local_day) == Reported(
        "T1", 30.0, dt.datetime(2026, 5, 3, 23, 30), D(2026, 5, 4), D(2026, 5, 4), 2)


def test_a_report_that_does_not_rise_is_no_progress():
    task = watched(percent=50.0, last_progress_on=D(2026, 4, 1))
    report = {"percent": 50.0, "reported_at": dt.datetime(2026, 5, 2, 9, 0, tzinfo=CST)}
    answer = after_reports(task, [report], local_day)
    assert (answer.progress_on, answer.reported_on) == (D(2026, 4, 1), D(2026, 5, 2))


def test_a_report_counts_from_when_the_platform_received_it():
    # Sent on the 12th naming the 2nd: the 12th counts, for reporting and progress.
    report = {"percent": 60.0, "reported_at": dt.datetime(2026, 5, 2, 9, 0, tzinfo=CST),
              "received_at": dt.datetime(2026, 5, 12, 9, 0, tzinfo=CST)}
    answer = after_reports(watched(), [report], local_day)
    assert (answer.reported_on, answer.progress_on) == (D(2026, 5, 12), D(2026, 5, 12))
    assert answer.reported_at == dt.datetime(2026, 5, 12, 1, 0)
    # An event from before receipts were sent: its own time stands for it.
    old = after_reports(watched(), [{**report, "received_at": None}], local_day)
    assert old.reported_on == D(2026, 5, 2)


def test_the_last_evaluation_holds_only_the_same_day_by_the_same_rules_in_its_span():
    task = watched(holds_on=D(2026, 5, 4), holds_rules=3, holds_from=20.0, holds_below=30.0)
    assert still_holds(task, 25.0, D(2026, 5, 4), 3)
    assert not still_holds(task, 30.0, D(2026, 5, 4), 3)
    assert not still_holds(task, 25.0, D(2026, 5, 5), 3)
    assert not still_holds(task, 25.0, D(2026, 5, 4), 4)


def test_one_task_no_calendar_can_judge_does_not_stop_the_others():
    good = Task("T1", "lead", "active", D(2026, 1, 1), D(2026, 12, 31), 0,
                targets=(Target(1, D(2026, 3, 31), 30, "u1"),))
    bad = Task("T2", "lead", "active", D(1026, 1, 1), D(2026, 12, 31), 0,
               clock_class="general")
    colours, skipped = colour_leniently([good, bad], D(2026, 4, 1), Rules(), {}, None)
    assert {colour.task for colour in colours} == {"T1"}
    assert list(skipped) == ["T2"] and "1026年1月1日" in skipped["T2"]
    assert colour_leniently([bad], D(2026, 4, 1), Rules(), {}, None)[0] == []


def test_the_one_screen_counts_tasks_by_colour_and_unit_with_each_unit_s_worst():
    counts, units = colour_counts([("b", GREEN, 3), ("a", RED, 1), ("a", YELLOW, 2)])
    assert counts == {GREEN: 3, YELLOW: 2, RED: 1}
    assert units == [{"unit": "a", GREEN: 0, YELLOW: 2, RED: 1, "worst": RED},
                     {"unit": "b", GREEN: 3, YELLOW: 0, RED: 0, "worst": GREEN}]
