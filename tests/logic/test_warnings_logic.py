"""How the warnings service colours targets and tasks, as pure functions."""
import datetime as dt

import pytest

from services.warnings.logic import (
    GREEN,
    RED,
    YELLOW,
    Rules,
    Target,
    Task,
    changes,
    evaluate_task,
    planned_by,
    target_colour,
)

D = dt.date
RULES = Rules()


def task(percent, status="active", targets=None):
    targets = targets or (Target(1, D(2026, 3, 31), 30, "a"), Target(2, D(2026, 6, 30), 100, "b"))
    return Task("T1", "a", status, D(2026, 1, 1), D(2026, 6, 30), percent, tuple(targets))


def test_the_plan_is_interpolated_between_targets():
    t = task(0)
    assert planned_by(t, D(2026, 1, 1)) == 0
    assert planned_by(t, D(2026, 3, 31)) == 30
    assert planned_by(t, D(2026, 2, 14)) == pytest.approx(30 * 44 / 89)
    assert planned_by(t, D(2026, 12, 1)) == 100


@pytest.mark.parametrize("as_of, percent, colour", [
    # On the due date the plan-to-date rule still applies: 30 planned by then.
    (D(2026, 3, 31), 20, GREEN),     # 10 behind: not more than 10
    (D(2026, 3, 31), 19, YELLOW),    # 11 behind
    (D(2026, 3, 31), 0, YELLOW),     # 30 behind: not more than 30
    # After it, a missed target is late.
    (D(2026, 4, 1), 30, GREEN),      # met
    (D(2026, 4, 1), 29, YELLOW),     # a day late, a point short
    (D(2026, 4, 1), 0, YELLOW),      # 30 short is not more than 30
    (D(2026, 4, 15), 29, YELLOW),    # 15 days late
    (D(2026, 4, 16), 29, RED),       # 16 days late: more than 15
])
def test_a_target_around_its_due_date(as_of, percent, colour):
    t = task(percent)
    assert target_colour(t, t.targets[0], as_of, RULES)[0] == colour


@pytest.mark.parametrize("percent, colour", [(20, YELLOW), (19, RED)])
def test_far_behind_a_missed_target_is_red_at_once(percent, colour):
    t = task(percent, targets=(Target(1, D(2026, 3, 31), 50, "a"),
                               Target(2, D(2026, 6, 30), 100, "b")))
    assert target_colour(t, t.targets[0], D(2026, 4, 1), RULES)[0] == colour


@pytest.mark.parametrize("planned_today, percent, colour", [
    (40, 30, GREEN), (40, 29.5, YELLOW), (40, 10, YELLOW), (40, 9.5, RED)])
def test_behind_plan_before_the_due_date(planned_today, percent, colour):
    # A target due 2026-03-01 of `planned_today`, judged on its due date.
    t = task(percent, targets=(Target(1, D(2026, 3, 1), planned_today, "a"),))
    assert target_colour(t, t.targets[0], D(2026, 3, 1), RULES)[0] == colour


def test_a_task_takes_the_worst_colour_of_its_targets_and_says_which():
    colours = evaluate_task(task(0), D(2026, 4, 20), RULES)
    by_key = {c.item_key: c for c in colours}
    assert by_key["T1#1"].colour == RED
    assert by_key["T1"].colour == RED
    assert "T1#1" in by_key["T1"].reason
    assert by_key["T1#2"].unit == "b"


def test_finished_tasks_are_green():
    (only,) = evaluate_task(task(10, status="closed"), D(2026, 9, 1), RULES)
    assert (only.item_kind, only.colour, only.reason) == ("task", GREEN, "已销号")


def test_only_changed_colours_are_reported():
    current = evaluate_task(task(0), D(2026, 4, 20), RULES)
    stored = {(c.item_kind, c.item_key): c.colour for c in current}
    assert changes(stored, current) == []
    stored[("task", "T1")] = GREEN
    assert [(c.item_key, before) for c, before in changes(stored, current)] == [("T1", GREEN)]
