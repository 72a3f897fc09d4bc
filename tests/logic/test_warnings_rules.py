"""The warning rules as data: defaults, round trips and validation."""
import pytest

from services.common.errors import InvalidInput
from services.warnings.rules import Rules

DEFAULTS = {
    "version": 1, "calendar_mode": "working", "late_days_red": 15,
    "behind_points_yellow": 10.0, "behind_points_red": 30.0, "report_working_day": 5,
    "missing_reports_red": 2, "stalled_days_red": 90, "clock_deployed_days": 1,
    "clock_first_feedback_days": 3, "clock_closed_days": 7,
    "clock_complex_closed_days": 30, "clock_red_multiple": 2,
    "notice_after_red_days": 5, "notice_ack_days": 2, "notice_answer_days": 5,
    "first_report_grace": True, "accountability_red_days": 10,
    "forecast_red_days": 10, "forecast_min_reports": 3,
}


def test_the_defaults_are_the_offices_rules():
    assert Rules().to_dict() == DEFAULTS


def test_rules_round_trip_and_missing_fields_keep_their_defaults():
    rules = Rules.from_dict({"version": 3, "calendar_mode": "calendar",
                             "behind_points_yellow": 5})
    assert (rules.version, rules.calendar_mode, rules.late_days_red) == (3, "calendar", 15)
    assert rules.behind_points_yellow == 5.0 and isinstance(rules.behind_points_yellow, float)
    assert Rules.from_dict(rules.to_dict()) == rules


@pytest.mark.parametrize("data, field", [
    ({"colour_blind": True}, "colour_blind"),
    ({"version": 0}, "version"),
    ({"version": "2"}, "version"),
    ({"calendar_mode": "lunar"}, "calendar_mode"),
    ({"late_days_red": -1}, "late_days_red"),
    ({"late_days_red": 1.5}, "late_days_red"),
    ({"late_days_red": True}, "late_days_red"),
    ({"late_days_red": None}, "late_days_red"),
    ({"behind_points_red": 101}, "behind_points_red"),
    ({"behind_points_red": float("nan")}, "behind_points_red"),
    ({"behind_points_red": "30"}, "behind_points_red"),
    ({"behind_points_yellow": 40}, "behind_points_yellow"),  # above red
    ({"report_working_day": 0}, "report_working_day"),
    ({"report_working_day": 11}, "report_working_day"),
    ({"missing_reports_red": 0}, "missing_reports_red"),
    ({"stalled_days_red": 0}, "stalled_days_red"),
    ({"clock_deployed_days": 0}, "clock_deployed_days"),
    ({"clock_complex_closed_days": 400}, "clock_complex_closed_days"),
    ({"clock_red_multiple": 1}, "clock_red_multiple"),
    ({"notice_after_red_days": 0}, "notice_after_red_days"),
    ({"notice_after_red_days": 61}, "notice_after_red_days"),
    ({"notice_ack_days": 0}, "notice_ack_days"),
    ({"notice_answer_days": "5"}, "notice_answer_days"),
    ({"notice_ack_days": 6}, "notice_ack_days"),  # later than the answer is due
])
def test_a_bad_field_is_named(data, field):
    with pytest.raises(InvalidInput) as raised:
        Rules.from_dict(data)
    assert list(raised.value.detail) == [field]


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidInput) as raised:
        Rules.from_dict({"late_days_red": -1, "calendar_mode": "x", "extra": 1})
    assert set(raised.value.detail) == {"late_days_red", "calendar_mode", "extra"}
    assert raised.value.detail["late_days_red"] == "a whole number from 0 to 366"


@pytest.mark.parametrize("data", [None, [], "rules"])
def test_rules_are_an_object(data):
    with pytest.raises(InvalidInput) as raised:
        Rules.from_dict(data)
    assert "rules" in raised.value.detail


def test_rules_built_directly_are_checked_too():
    with pytest.raises(InvalidInput) as raised:
        Rules(behind_points_yellow=50)
    assert "behind_points_yellow" in raised.value.detail
    assert Rules(behind_points_yellow=30, behind_points_red=30).behind_points_red == 30
