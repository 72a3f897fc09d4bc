"""The pure figures behind the one screen (一屏统揽): the weeks of the colour trend
and the 13710 deadlines still open."""
import dataclasses
import datetime as dt

import pytest

from services.warnings.logic import Rules, Target, Task, clock_deadlines, week_ends

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
