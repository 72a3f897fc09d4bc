"""The ranking rules: periods, scores of a small city computed by hand, the order
and its tie-break, the red and black lists, the score rules as data."""
import datetime as dt

import pytest

from services.common.errors import InvalidInput
from services.ranking import logic

D = dt.date
Q4 = logic.parse_period("2026-Q4")


# Periods -----------------------------------------------------------------------

@pytest.mark.parametrize("key, kind, start, end, label", [
    ("2026-Q4", "quarter", D(2026, 10, 1), D(2026, 12, 31), "2026年第四季度"),
    ("2026-Q1", "quarter", D(2026, 1, 1), D(2026, 3, 31), "2026年第一季度"),
    ("2026-02", "month", D(2026, 2, 1), D(2026, 2, 28), "2026年2月"),
    ("2028-02", "month", D(2028, 2, 1), D(2028, 2, 29), "2028年2月"),
    ("2026-H1", "half", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年"),
    ("2026-H2", "half", D(2026, 7, 1), D(2026, 12, 31), "2026年下半年"),
    ("2026", "year", D(2026, 1, 1), D(2026, 12, 31), "2026年度"),
])
def test_periods_are_parsed_with_their_days(key, kind, start, end, label):
    period = logic.parse_period(key)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)


@pytest.mark.parametrize("key, previous", [
    ("2026-Q1", "2025-Q4"), ("2026-Q3", "2026-Q2"), ("2026-01", "2025-12"),
    ("2026-H1", "2025-H2"), ("2026-H2", "2026-H1"), ("2026", "2025"),
])
def test_the_previous_period_is_of_the_same_kind(key, previous):
    assert logic.parse_period(key).previous().key == previous


@pytest.mark.parametrize("key", ["2026-Q5", "2026-Q0", "2026Q4", "26-Q4", "2026-q4", "",
                                 "2026-13", "2026-H3", "1999", 2026, None])
def test_a_malformed_period_is_invalid_input(key):
    with pytest.raises(InvalidInput) as raised:
        logic.parse_period(key)
    assert "period" in raised.value.detail


def test_a_period_is_judged_as_of_today_while_it_runs_and_its_end_after():
    assert Q4.as_of(D(2026, 11, 23)) == D(2026, 11, 23)
    assert Q4.as_of(D(2027, 2, 1)) == D(2026, 12, 31)
    with pytest.raises(InvalidInput):
        Q4.as_of(D(2026, 9, 30))


@pytest.mark.parametrize("day, kind, key", [
    (D(2026, 11, 23), "quarter", "2026-Q4"), (D(2026, 11, 23), "month", "2026-11"),
    (D(2026, 6, 30), "half", "2026-H1"), (D(2026, 7, 1), "half", "2026-H2"),
    (D(2026, 11, 23), "year", "2026"),
])
def test_the_period_of_a_day(day, kind, key):
    assert logic.period_of(day, kind).key == key


# A small city, scored by hand -----------------------------------------------------

def small_city():
    """Three counties, one department and the office, in 2026-Q4 (92 days)."""
    return logic.Facts(
        units=[{"code": "C1", "name": "一县", "kind": "county"},
               {"code": "C2", "name": "二县", "kind": "county"},
               {"code": "C3", "name": "三县", "kind": "county"},
               {"code": "D1", "name": "发改委", "kind": "department"}],
        targets=[
            # C1: met and reported; missed by two days; never met; met on its day.
            ("C1", D(2026, 10, 31), D(2026, 10, 30), D(2026, 10, 30)),
            ("C1", D(2026, 11, 30), D(2026, 12, 2), D(2026, 11, 28)),
            ("C1", D(2026, 12, 31), None, D(2026, 12, 20)),
            ("C1", D(2026, 12, 31), D(2026, 12, 31), D(2026, 12, 31)),
            # C2: both met and reported.
            ("C2", D(2026, 10, 31), D(2026, 10, 20), D(2026, 10, 20)),
            ("C2", D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 1)),
            # C3: none met; one reported, the other reported 8 days late.
            ("C3", D(2026, 10, 31), None, D(2026, 10, 25)),
            ("C3", D(2026, 11, 30), None, D(2026, 12, 8)),
            ("D1", D(2026, 11, 30), D(2026, 11, 30), D(2026, 11, 30)),
        ],
        changes=sorted([
            # C1: one target yellow for one day.
            ("C1", "target", "T1:2", D(2026, 12, 1), "yellow"),
            ("C1", "target", "T1:2", D(2026, 12, 2), "green"),
            # C2: red since September, green again on 11 October: 10 red days here.
            ("C2", "target", "T5:1", D(2026, 9, 20), "red"),
            ("C2", "target", "T5:1", D(2026, 10, 11), "green"),
            # C3: three targets red to the end: 78 + 47 + 31 = 156 red days.
            ("C3", "target", "T7:1", D(2026, 10, 15), "red"),
            ("C3", "target", "T7:2", D(2026, 11, 15), "red"),
            ("C3", "target", "T8:1", D(2026, 12, 1), "red"),
        ], key=lambda row: (row[1], row[2], row[3])),
        clocks=[
            # C3: closed in 6 days (deadline 19 October); one left open past 20 December.
            ("C3", "important", D(2026, 10, 9), D(2026, 10, 15)),
            ("C3", "general", D(2026, 12, 10), None),
        ],
        commitments=[("C2", D(2026, 11, 10), D(2026, 11, 9)),
                     ("C2", D(2026, 12, 10), D(2026, 12, 12))],
        notices=[("C3", D(2026, 11, 2), D(2026, 11, 4), D(2026, 11, 3), D(2026, 11, 9),
                  None, None)],
        evaluations=[("C2", "D1", 85.0)],
    )


def scored(entries):
    return {entry["unit"]: entry for entry in entries}


def indicator(entry, key):
    return next(i for i in entry["breakdown"]["indicators"] if i["key"] == key)["score"]


def test_the_small_city_is_scored_as_by_hand():
    entries = scored(logic.score_units(Q4, Q4.end, logic.ScoreRules(), small_city()))

    c1 = entries["C1"]
    assert [indicator(c1, key) for key in logic.INDICATORS] == [
        50.0, 99.89, None, None, None, 100.0, None]
    # (30 × 50 + 20 × 99.89 + 10 × 100) / 60
    assert c1["score"] == 74.96 and c1["red_items"] == 0

    c2 = entries["C2"]
    # warnings: 100 − 10 × (3 × 10 / 92) = 96.74
    assert [indicator(c2, key) for key in logic.INDICATORS] == [
        100.0, 96.74, None, 50.0, None, 100.0, 85.0]
    # (3000 + 20 × 96.74 + 500 + 1000 + 850) / 80
    assert c2["score"] == 91.06 and c2["red_items"] == 1

    c3 = entries["C3"]
    # warnings: 100 − 10 × (3 × 156 / 92) = 49.13
    assert [indicator(c3, key) for key in logic.INDICATORS] == [
        0.0, 49.13, 50.0, None, 50.0, 50.0, None]
    # (30 × 0 + 20 × 49.13 + 10 × 50 × 3) / 80: no commitment, so no weight for it
    assert c3["score"] == 31.03
    assert (c3["red_items"], c3["unanswered_notices"]) == (3, 1)

    assert entries["D1"]["score"] == 100.0


def test_the_breakdown_says_why_in_words():
    c3 = scored(logic.score_units(Q4, Q4.end, logic.ScoreRules(), small_city()))["C3"]
    details = {i["key"]: i["detail"] for i in c3["breakdown"]["indicators"]}
    assert details["on_time"] == "本期到期目标2个，按期完成0个"
    assert details["warnings"] == "红色预警3项累计156天，黄色预警0项累计0天，折合扣50.87分"
    assert details["notices"] == "督办单应签收答复2次，按时1次，逾期未答复1件"
    assert {i["label"] for i in c3["breakdown"]["indicators"]} == set(logic.LABELS.values())


def test_a_live_view_counts_only_what_happened_by_its_day():
    as_of = D(2026, 11, 10)
    entries = scored(logic.score_units(Q4, as_of, logic.ScoreRules(), small_city()))
    c3 = entries["C3"]
    # One target due by then; the red spell of T7:1 runs 15 Oct – 10 Nov (27 days).
    assert indicator(c3, "on_time") == 0.0
    assert c3["red_items"] == 1
    assert indicator(c3, "warnings") == round(100 - 10 * 3 * 27 / 92, 2)
    # The notice's answer was due 9 November: unanswered by the 10th.
    assert c3["unanswered_notices"] == 1
    # C2's second commitment is not due yet.
    assert indicator(entries["C2"], "commitments") == 100.0


def test_a_unit_with_no_data_has_no_score_and_no_rank():
    facts = logic.Facts(units=[{"code": "C9", "name": "九县", "kind": "county"},
                               {"code": "C1", "name": "一县", "kind": "county"}],
                        targets=[("C1", D(2026, 10, 31), None, None)])
    ranked = logic.rank_groups(logic.score_units(Q4, Q4.end, logic.ScoreRules(), facts),
                               logic.ScoreRules())["county"]
    last = ranked["entries"][-1]
    assert (last["unit"], last["score"], last["rank"]) == ("C9", None, None)
    assert last["breakdown"]["note"] == logic.NO_DATA
    assert [e["unit"] for e in ranked["red_list"]] == ["C1"]


def test_an_all_green_unit_ranks_above_one_with_red_before_anything_falls_due():
    # Early in the quarter: BC01's one task is on plan and its targets fall due
    # later; BC02 has a red and a yellow item. The clean unit leads the race.
    units = [{"code": "BC01", "name": "一县", "kind": "county"},
             {"code": "BC02", "name": "二县", "kind": "county"}]
    facts = logic.Facts(
        units=units,
        changes=[("BC02", "target", "T2#1", D(2026, 10, 5), "red"),
                 ("BC02", "target", "T3#1", D(2026, 10, 8), "yellow")],
        working={"BC01", "BC02"})
    rules = logic.ScoreRules()
    ranked = logic.rank_groups(logic.score_units(Q4, D(2026, 10, 20), rules, facts),
                               rules)["county"]
    first, second = ranked["entries"]
    assert (first["unit"], first["rank"], first["score"]) == ("BC01", 1, 100.0)
    assert (second["unit"], second["rank"]) == ("BC02", 2)
    assert second["score"] < 100
    assert indicator(first, "warnings") == 100.0
    assert first["breakdown"]["note"] is None
    assert "预警扣分项得满分" in first["breakdown"]["rules"]


def test_the_groups_rank_and_draw_their_lists():
    rules = logic.ScoreRules()
    ranked = logic.rank_groups(logic.score_units(Q4, Q4.end, rules, small_city()), rules,
                               previous={"C1": 1, "C2": 3, "C3": 2})
    county = ranked["county"]
    assert [(e["unit"], e["rank"], e["previous_rank"], e["rank_change"])
            for e in county["entries"]] == [
        ("C2", 1, 3, 2), ("C1", 2, 1, -1), ("C3", 3, 2, -1)]
    # C2 ranks first but had a red item: no red list for it.
    assert county["red_list"] == [
        {"unit": "C1", "name": "一县", "reasons": ["第2名，74.96分，本期无红色预警"]}]
    assert county["black_list"] == [
        {"unit": "C3", "name": "三县",
         "reasons": ["组内倒数第1名（第3名，共3名）", "本期红色预警3项", "督办单逾期未答复1件"]},
        {"unit": "C2", "name": "二县", "reasons": ["组内倒数第3名（第1名，共3名）"]},
    ]
    assert [e["unit"] for e in ranked["department"]["entries"]] == ["D1"]
    assert ranked["department"]["black_list"] == []


def test_three_red_items_or_an_unanswered_notice_blacklist_whatever_the_rank():
    rules = logic.ScoreRules.from_dict({"black_list_size": 0})
    ranked = logic.rank_groups(logic.score_units(Q4, Q4.end, rules, small_city()), rules)
    assert [e["unit"] for e in ranked["county"]["black_list"]] == ["C3"]
    lenient = logic.ScoreRules.from_dict({"black_list_size": 0, "black_list_red_items": 4,
                                          "black_list_unanswered_notice": False})
    ranked = logic.rank_groups(logic.score_units(Q4, Q4.end, lenient, small_city()), lenient)
    assert ranked["county"]["black_list"] == []


def entry(unit, score, red=0, on_time=50.0):
    return {"unit": unit, "name": unit, "group": "county", "score": score, "red_items": red,
            "unanswered_notices": 0, "on_time": on_time, "breakdown": {}}


def test_ties_are_broken_by_red_items_then_on_time_rate_then_code():
    entries = [entry("C4", 80.0, red=1, on_time=90.0), entry("C3", 80.0, red=0, on_time=40.0),
               entry("C2", 80.0, red=0, on_time=60.0), entry("C1", 80.0, red=0, on_time=60.0),
               entry("C0", 80.5, red=2)]
    ranked = logic.rank_groups(entries, logic.ScoreRules())["county"]["entries"]
    assert [e["unit"] for e in ranked] == ["C0", "C1", "C2", "C3", "C4"]
    assert [e["rank"] for e in ranked] == [1, 2, 3, 4, 5]
    assert "红色预警少者在前" in logic.TIE_BREAK


def test_configured_groups_take_named_units_before_kinds():
    rules = logic.ScoreRules.from_dict({"groups": [
        {"key": "zones", "label": "开发区", "kinds": [], "units": ["C3"]},
        {"key": "county", "label": "县（市、区）", "kinds": ["county"], "units": []}]})
    assert rules.group_of({"code": "C3", "kind": "county"}) == "zones"
    assert rules.group_of({"code": "C1", "kind": "county"}) == "county"
    assert rules.group_of({"code": "D1", "kind": "department"}) is None


# The score rules as data -------------------------------------------------------------

def test_the_default_rules_round_trip():
    rules = logic.ScoreRules()
    assert logic.ScoreRules.from_dict(rules.to_dict()) == rules


@pytest.mark.parametrize("field, value", [
    ("weights", {"on_time": 30}), ("weights", {key: 0 for key in logic.INDICATORS}),
    ("weights", {**logic.DEFAULT_WEIGHTS, "on_time": -1}), ("red_weight", "3"),
    ("red_weight", float("nan")), ("report_grace_days", 1.5), ("period_kind", "week"),
    ("red_list_size", True), ("clock_closing_days", {"important": 0, "general": 1, "complex": 1}),
    ("groups", []), ("groups", [{"key": "A B", "label": "x", "kinds": [], "units": []}]),
    ("groups", [{"key": "a", "label": "x", "kinds": [], "units": []},
                {"key": "a", "label": "y", "kinds": [], "units": []}]),
    ("black_list_unanswered_notice", "yes"), ("colour", "red"),
])
def test_a_wrong_rule_is_named(field, value):
    with pytest.raises(InvalidInput) as raised:
        logic.ScoreRules.from_dict({field: value})
    assert set(raised.value.detail) == {field}


def test_movers_within_a_group_biggest_first():
    now = {"C1": ("county", 1, "一县"), "C2": ("county", 2, "二县"), "C3": ("county", 3, "三县"),
           "D1": ("department", 1, "发改委")}
    then = {"C1": ("county", 3, "一县"), "C2": ("county", 1, "二县"), "C3": ("county", 3, "三县"),
            "D1": ("zones", 2, "发改委")}
    assert logic.movers(now, then) == [
        {"unit": "C1", "name": "一县", "group": "county", "rank": 1, "previous_rank": 3,
         "rank_change": 2},
        {"unit": "C2", "name": "二县", "group": "county", "rank": 2, "previous_rank": 1,
         "rank_change": -1},
    ]


RANKED = {"entries": [{"unit": "C1", "rank": 1}, {"unit": "C2", "rank": 2}],
          "red_list": [{"unit": "C1"}], "black_list": [{"unit": "C2"}]}


@pytest.mark.parametrize("caller, units, lists", [
    ({"role": "admin", "units": None}, ["C1", "C2"], True),
    ({"role": "leader", "units": None}, ["C1", "C2"], True),
    ({"role": "operator", "units": ["C1"]}, ["C1"], False),
    ({"role": "evaluator", "units": ["D1"]}, [], False),
    (None, [], False),
])
def test_an_unpublished_ranking_is_whole_for_the_office_and_leaders_only(caller, units, lists):
    for status in ("live", "draft", "approved"):
        shown = logic.visible_ranking(RANKED, status, caller)
        assert [entry["unit"] for entry in shown["entries"]] == units
        assert (shown["red_list"] is not None) is lists
    assert logic.visible_ranking(RANKED, "published", caller) == RANKED


def test_evaluations_are_read_by_the_office_and_their_evaluator():
    assert logic.visible_evaluations_filter({"role": "admin", "units": None}) is None
    assert logic.visible_evaluations_filter({"role": "evaluator", "units": ["D1"]}) == {"D1"}
    for caller in ({"role": "leader", "units": None}, {"role": "operator", "units": ["C1"]},
                   None):
        assert logic.visible_evaluations_filter(caller) == set()


def test_an_ended_period_is_drafted_on_the_first_working_day_after_it():
    from services.common.workdays import WorkingCalendar, entered_years
    from services.warnings.holiday_notice import year_from_input
    from tests.support.holiday_notices import BODY_2027

    working = WorkingCalendar("working")
    with_2027 = WorkingCalendar("working", entered_years(
        [year_from_input(2027, BODY_2027["holidays"], BODY_2027["workdays"])]))
    q3, q4 = logic.parse_period("2026-Q3"), logic.parse_period("2026-Q4")
    assert logic.drafting_day(q3, working) == dt.date(2026, 10, 8)  # after the National Day
    assert logic.drafting_day(q4, working) == dt.date(2027, 1, 1)   # Monday to Friday
    assert logic.drafting_day(q4, with_2027) == dt.date(2027, 1, 4)
    assert logic.drafting_day(q4, WorkingCalendar("calendar")) == dt.date(2027, 1, 1)


def test_stale_standings_wait_out_the_gap_only_while_events_keep_coming():
    now, gap, quiet = dt.datetime(2026, 10, 20, 2), dt.timedelta(seconds=5), \
        dt.timedelta(seconds=1)
    assert logic.scoring_gap(now - dt.timedelta(milliseconds=300), now, gap, quiet) == gap
    assert logic.scoring_gap(now - quiet, now, gap, quiet) == dt.timedelta(0)
    assert logic.scoring_gap(None, now, gap, quiet) == dt.timedelta(0)  # nothing applied yet


def test_a_flood_is_events_applied_within_the_quiet():
    now, quiet = dt.datetime(2026, 10, 20, 2), dt.timedelta(seconds=1)
    assert logic.flooding(now - dt.timedelta(milliseconds=300), now, quiet)
    assert not logic.flooding(now - quiet, now, quiet)
    assert not logic.flooding(None, now, quiet)


def test_a_flood_is_over_after_a_quiet_as_long_as_a_scoring():
    half = dt.timedelta(seconds=0.5)
    assert logic.quiet_after(half, dt.timedelta(0)) == half  # none yet
    assert logic.quiet_after(half, dt.timedelta(milliseconds=200)) == half
    assert logic.quiet_after(half, dt.timedelta(seconds=1.4)) == dt.timedelta(seconds=1.4)


def test_under_a_flood_scoring_takes_at_most_its_share_of_the_time():
    five = dt.timedelta(seconds=5)
    assert logic.busy_gap(five, dt.timedelta(0), 10) == five  # none yet
    assert logic.busy_gap(five, dt.timedelta(milliseconds=300), 10) == five
    assert logic.busy_gap(five, dt.timedelta(seconds=1.5), 10) == dt.timedelta(seconds=15)
