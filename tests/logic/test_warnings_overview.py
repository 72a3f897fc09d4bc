"""The pure figures behind the one screen (一屏统揽): the weeks of the colour trend,
the 13710 deadlines still open and the order of the red items."""
import dataclasses
import datetime as dt

import pytest

from services.warnings.logic import (
    Rules,
    Target,
    Task,
    clock_deadlines,
    counts_at,
    overdue_days,
    red_order,
    week_ends,
)

D = dt.date


def matter(**fields):
    values = {"code": "T1", "lead_unit": "lead", "status": "active",
              "start_date": D(2026, 9, 29), "due_date": D(2026, 12, 31), "percent": 0,
              "targets": (Target(1, D(2026, 12, 31), 100, "lead"),),
              "clock_class": "general"}
    values.update(fields)
    return Task(**values)


def test_weeks_end_on_sundays_and_the_current_week_on_the_day():
    # Wednesday 25 November 2026.
    assert week_ends(D(2026, 11, 25), 3) == [D(2026, 11, 15), D(2026, 11, 22), D(2026, 11, 25)]
    # A Sunday is the end of its own week.
    assert week_ends(D(2026, 11, 22), 2) == [D(2026, 11, 15), D(2026, 11, 22)]
    assert week_ends(D(2026, 11, 25), 1) == [D(2026, 11, 25)]
    with pytest.raises(ValueError):
        week_ends(D(2026, 11, 25), 0)


def test_the_trend_counts_each_day_from_one_pass_over_the_history():
    ends = [D(2026, 11, 15), D(2026, 11, 22), D(2026, 11, 25)]
    changes = [
        ("A", D(2026, 11, 2), "green"), ("A", D(2026, 11, 20), "red"),
        # Stored later though judged as of an earlier day (an evaluation as of a
        # past day): the latest stored wins for every day from the one it speaks of.
        ("A", D(2026, 11, 10), "yellow"),
        ("B", D(2026, 11, 16), "red"),          # not yet judged on the 15th
        ("C", D(2026, 11, 1), "yellow"),        # left the counts on the 22nd
        ("D", D(2026, 11, 25), "green"),
    ]
    assert counts_at(ends, changes, {"C": D(2026, 11, 22)}) == [
        {"green": 0, "yellow": 2, "red": 0},
        {"green": 0, "yellow": 1, "red": 1},
        {"green": 1, "yellow": 1, "red": 1},
    ]


def test_the_open_stages_of_a_matter_with_their_deadlines():
    # Assigned on Tuesday 29 September 2026, before the National Day week.
    assert clock_deadlines(matter(), Rules()) == [
        ("deployed", D(2026, 9, 30), D(2026, 10, 9) - dt.timedelta(days=1)),
        ("first_feedback", D(2026, 10, 9), D(2026, 10, 13)),
        ("closed", D(2026, 10, 14), D(2026, 10, 23)),
    ]
    recorded = matter(clock_stages={"deployed": D(2026, 9, 30)})
    assert [stage for stage, *_ in clock_deadlines(recorded, Rules())] == [
        "first_feedback", "closed"]


def test_no_deadlines_for_a_plain_task_or_a_finished_matter():
    assert clock_deadlines(matter(clock_class=None), Rules()) == []
    assert clock_deadlines(dataclasses.replace(matter(), status="closed"), Rules()) == []


def test_deadlines_count_calendar_days_when_the_rules_say_so():
    stages = clock_deadlines(matter(), Rules(calendar_mode="calendar"))
    assert stages[0] == ("deployed", D(2026, 9, 30), D(2026, 10, 1))


def test_a_task_is_overdue_from_the_first_date_its_plan_missed():
    planned = matter(targets=(Target(1, D(2026, 10, 31), 30, "lead"),
                              Target(2, D(2026, 11, 30), 60, "lead"),
                              Target(3, D(2026, 12, 31), 100, "lead")))
    assert overdue_days(planned, D(2026, 12, 5)) == 35  # 30% was due on 31 October
    assert overdue_days(dataclasses.replace(planned, percent=40), D(2026, 12, 5)) == 5
    assert overdue_days(dataclasses.replace(planned, percent=60), D(2026, 12, 5)) == 0
    # An approved extension moves the missed date.
    extended = dataclasses.replace(planned, extensions={1: D(2026, 11, 20)})
    assert overdue_days(extended, D(2026, 12, 5)) == 15
    # Without targets the task's own due date counts, until it is done.
    alone = matter(targets=(), due_date=D(2026, 12, 1))
    assert overdue_days(alone, D(2026, 12, 5)) == 4
    assert overdue_days(dataclasses.replace(alone, percent=100), D(2026, 12, 5)) == 0


def test_red_items_are_ordered_by_days_red_then_days_overdue_then_code():
    items = [{"task": "T3", "days_red": 2, "overdue_days": 9},
             {"task": "T2", "days_red": 5, "overdue_days": 1},
             {"task": "T1", "days_red": 5, "overdue_days": 1},
             {"task": "T4", "days_red": 5, "overdue_days": 7}]
    assert [item["task"] for item in sorted(items, key=red_order)] == ["T4", "T1", "T2", "T3"]
