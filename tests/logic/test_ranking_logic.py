"""The ranking rules: periods, scores, order, and the red and black lists."""
import datetime as dt

import pytest

from services.common.errors import InvalidInput
from services.ranking import logic


def tally(unit, green=0, yellow=0, red=0):
    return {"unit": unit, "name": f"{unit} 名称", "green": green, "yellow": yellow, "red": red}


def order(result):
    return [entry["unit"] for entry in result["entries"]]


@pytest.mark.parametrize("day, period", [
    (dt.date(2026, 1, 1), "2026-Q1"), (dt.date(2026, 3, 31), "2026-Q1"),
    (dt.date(2026, 4, 1), "2026-Q2"), (dt.date(2026, 9, 30), "2026-Q3"),
    (dt.date(2026, 12, 31), "2026-Q4"),
])
def test_the_default_period_is_the_quarter_of_today(day, period):
    assert logic.ranking_query(None, "county", day) == (period, "county")


def test_a_period_and_group_given_are_kept():
    assert logic.ranking_query("2025-Q3", "department", dt.date(2026, 5, 1)) == (
        "2025-Q3", "department")


@pytest.mark.parametrize("period", ["2026-Q5", "2026-Q0", "2026Q4", "26-Q4", "2026-q4", "", 2026])
def test_a_malformed_period_is_invalid_input(period):
    with pytest.raises(InvalidInput) as raised:
        logic.ranking_query(period, "county", dt.date(2026, 5, 1))
    assert "period" in raised.value.detail


def test_an_unknown_group_is_invalid_input():
    with pytest.raises(InvalidInput) as raised:
        logic.ranking_query(None, "province", dt.date(2026, 5, 1))
    assert set(raised.value.detail) == {"group"}


def test_only_task_items_count_and_the_last_change_of_a_task_wins():
    changes = [
        {"item_kind": "target", "task": "T1", "colour": "red"},
        {"item_kind": "task", "task": "T1", "colour": "yellow"},
        {"item_kind": "task", "task": "T2", "colour": "green"},
        {"item_kind": "task", "task": "T2", "colour": "red"},
        {"item_kind": "clock", "task": "T3", "colour": "red"},
    ]
    assert logic.task_colours(changes) == {"T1": "yellow", "T2": "red"}


def test_score_counts_green_fully_and_yellow_by_half():
    assert logic.score(green=2, yellow=1, red=1) == 62.5
    assert logic.score(green=1, yellow=1, red=1) == 50.0
    assert logic.score(green=0, yellow=0, red=4) == 0.0
    assert logic.score(green=2, yellow=0, red=1) == 66.67


def test_a_unit_without_coloured_tasks_scores_100_and_says_so():
    (entry,) = logic.rank_group([tally("A")])["entries"]
    assert entry["score"] == 100.0
    assert entry["breakdown"] == {"green": 0, "yellow": 0, "red": 0, "total": 0,
                                  "note": logic.NO_TASKS_NOTE}
    assert entry["rank"] == 1 and entry["rank_change"] is None


def test_entries_carry_the_breakdown():
    (entry,) = logic.rank_group([tally("A", green=3, yellow=1)])["entries"]
    assert entry == {
        "unit": "A", "name": "A 名称", "rank": 1, "score": 87.5, "rank_change": None,
        "breakdown": {"green": 3, "yellow": 1, "red": 0, "total": 4, "note": None},
    }


def test_units_rank_by_score_then_fewer_reds_then_code():
    result = logic.rank_group([
        tally("C", green=1, red=1),             # 50, one red
        tally("B", yellow=2),                    # 50, no red
        tally("D", green=1, yellow=0, red=1),    # 50, one red, after C by code
        tally("A", green=4),                     # 100
        tally("E", red=2),                       # 0
    ])
    assert order(result) == ["A", "B", "C", "D", "E"]
    assert [entry["rank"] for entry in result["entries"]] == [1, 2, 3, 4, 5]


def test_the_order_does_not_depend_on_the_input_order():
    tallies = [tally(code, green=1) for code in "DBAC"]
    assert order(logic.rank_group(tallies)) == order(logic.rank_group(tallies[::-1])) == [
        "A", "B", "C", "D"]


def test_the_red_list_is_the_best_three_without_a_red_task():
    result = logic.rank_group([
        tally("A", green=9, red=1),   # 90: best score, but one red
        tally("B", green=4, yellow=1),  # 90
        tally("C", green=8, yellow=2),  # 90
        tally("D", green=1, yellow=1),  # 75
        tally("E", yellow=1),           # 50
        tally("F", red=1),              # 0
    ])
    assert order(result)[:2] == ["B", "C"]
    assert result["red_list"] == ["B", "C", "D"]


def test_the_black_list_is_the_bottom_three_and_every_unit_with_three_reds():
    result = logic.rank_group([
        tally("A", green=20, red=3),  # 86.96 but three reds
        tally("B", green=10),
        tally("C", green=9, yellow=1),
        tally("D", green=8, yellow=2),
        tally("E", green=5, yellow=5),
        tally("F", green=2, red=3),   # 40: bottom three and three reds, listed once
        tally("G", red=1),
    ])
    assert result["red_list"] == ["B", "C", "D"]
    assert result["black_list"] == ["G", "F", "E", "A"]


def test_a_small_group_puts_no_unit_on_both_lists():
    result = logic.rank_group([tally("A", green=1), tally("B", yellow=1)])
    assert result["red_list"] == ["A", "B"]
    assert result["black_list"] == []


def test_an_empty_group_ranks_nobody():
    assert logic.rank_group([]) == {"entries": [], "red_list": [], "black_list": []}


def test_moments_are_kept_as_naive_utc():
    moment = dt.datetime(2026, 5, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert logic.naive_utc(moment) == dt.datetime(2026, 5, 1, 0, 30)
