"""Extensions the office granted or refused, counted against a unit's score."""
import dataclasses
import datetime as dt

import pytest

from services.common.errors import InvalidInput
from services.ranking import logic
from tests.logic.test_ranking_logic import Q4, scored, small_city

D = dt.date


def with_extensions(*rows):
    return dataclasses.replace(small_city(), extensions=list(rows))


def test_each_approved_extension_in_the_period_takes_points_off():
    facts = with_extensions(("C2", D(2026, 11, 2), "approved"),
                            ("C2", D(2026, 12, 2), "shortened"),
                            ("C2", D(2026, 12, 3), "refused"),
                            ("C2", D(2026, 9, 30), "approved"))  # the period before
    c2 = scored(logic.score_units(Q4, Q4.end, logic.ScoreRules(), facts))["C2"]
    # 91.06 as scored by hand without them, less 2 × 2 points; refusals cost nothing
    # by default.
    assert c2["score"] == 87.06
    (deduction,) = c2["breakdown"]["deductions"]
    assert deduction == {"key": "extensions_approved", "label": "批准延期", "count": 2,
                         "points": 4.0, "detail": "本期批准延期2次，每次扣2分，共扣4分"}


def test_the_rules_may_count_refusals_too_and_a_live_view_counts_what_was_decided():
    facts = with_extensions(("C2", D(2026, 11, 2), "approved"),
                            ("C2", D(2026, 12, 3), "refused"))
    rules = logic.ScoreRules(extension_approved_deduction=5, extension_refused_deduction=1.5)
    c2 = scored(logic.score_units(Q4, Q4.end, rules, facts))["C2"]
    assert c2["score"] == 91.06 - 6.5
    assert [d["key"] for d in c2["breakdown"]["deductions"]] == ["extensions_approved",
                                                                   "extensions_refused"]
    live = scored(logic.score_units(Q4, D(2026, 11, 10), rules, facts))["C2"]
    assert [d["count"] for d in live["breakdown"]["deductions"]] == [1]


def test_no_extension_no_deduction_and_a_score_stays_at_or_above_zero():
    entries = scored(logic.score_units(Q4, Q4.end, logic.ScoreRules(), small_city()))
    assert entries["C1"]["breakdown"]["deductions"] == []
    facts = with_extensions(*[("C3", D(2026, 11, day), "approved") for day in range(1, 30)])
    assert scored(logic.score_units(Q4, Q4.end, logic.ScoreRules(), facts))["C3"]["score"] == 0


def test_the_deductions_are_rules_the_office_sets():
    assert logic.ScoreRules.from_dict({"extension_refused_deduction": 3}) \
        .extension_refused_deduction == 3
    for wrong in (-1, 101, "2", True):
        with pytest.raises(InvalidInput) as caught:
            logic.ScoreRules.from_dict({"extension_approved_deduction": wrong})
        assert set(caught.value.detail) == {"extension_approved_deduction"}
