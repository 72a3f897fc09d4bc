"""The thresholds that colour an item, as data the office can change.

A `Rules` value travels with every evaluation, and its version is stored with
every colour, so a colour can always be explained by the rules that made it.
"""
import dataclasses
import math

from services.common.errors import InvalidInput
from services.common.workdays import MODES


@dataclasses.dataclass(frozen=True)
class Rules:
    """Every threshold of the warning colours. Days are counted in the calendar
    mode's days (working days by default) unless a field says otherwise; "more than"
    means strictly more.

    - version: stored with every colour; change it whenever a value changes.
    - calendar_mode: "working" (the official Chinese holiday calendar) or "calendar".
    - late_days_red: a target past its due date and below plan is yellow, and red
      when more than this many days late.
    - behind_points_yellow / behind_points_red: a target behind the plan to date (or
      a missed target short of its planned percentage) by more than this many
      percentage points is yellow / red.
    - report_working_day: a month's progress report is due by this working day of
      the next month; after it the task is yellow.
    - missing_reports_red: this many months in a row without a report turn it red.
    - stalled_days_red: an active task without any progress for this many calendar
      days is red.
    - clock_deployed_days / clock_first_feedback_days / clock_closed_days: the 13710
      stages, in days from the assignment day (the task's start date).
    - clock_complex_closed_days: a complex matter is closed within this many calendar
      days ("one month"), the deadline moved on to a working day when it falls on a
      day off. Calendar days, because a month is a calendar notion.
    - clock_red_multiple: an unrecorded stage is yellow after its deadline and red
      after this multiple of its time.
    - notice_after_red_days: a task red for this many days gets a supervision
      notice (督办单) issued automatically.
    - notice_ack_days / notice_answer_days: a notice must be acknowledged / answered
      with a plan within this many days of its issue; past the first it turns
      yellow, past the second red.
    - accountability_red_days: an item red for this many days is ground for a
      三问 accountability record (services/warnings/accountability.py); 0: any
      red item is.
    - first_report_grace: a new task starts fair. Until its first report, or until
      the first reporting day after it was created (the report of its first
      month), whichever comes first, it waits for its first report (待首报):
      its plan is not judged, so it is neither yellow nor red for it, and its
      first report is judged on its own merits. A unit is never counted late
      for the days before it was given the task. Off: a task is judged from its
      dates alone the day it is given.
    - forecast_red_days: a task not red whose forecast (services/warnings/
      forecast.py) says it will turn red within this many days is an early
      warning of its own (预测将亮红灯).
    - forecast_min_reports: no forecast is made from fewer reporting days than
      this: a pace needs a history.
    """

    version: int = 1
    calendar_mode: str = "working"
    late_days_red: int = 15
    behind_points_yellow: float = 10.0
    behind_points_red: float = 30.0
    report_working_day: int = 5
    missing_reports_red: int = 2
    stalled_days_red: int = 90
    clock_deployed_days: int = 1
    clock_first_feedback_days: int = 3
    clock_closed_days: int = 7
    clock_complex_closed_days: int = 30
    clock_red_multiple: int = 2
    notice_after_red_days: int = 5
    notice_ack_days: int = 2
    notice_answer_days: int = 5
    first_report_grace: bool = True
    accountability_red_days: int = 10
    forecast_red_days: int = 10
    forecast_min_reports: int = 3

    def __post_init__(self):
        problems = _problems(dataclasses.asdict(self))
        if problems:
            raise InvalidInput(problems)

    @classmethod
    def from_dict(cls, data):
        """Rules from a mapping of field names to values (missing fields keep their
        defaults). Raises InvalidInput with one message per bad or unknown field."""
        if not isinstance(data, dict):
            raise InvalidInput({"rules": "an object of rule fields"})
        problems = {key: "not a rule" for key in data if key not in _LIMITS}
        problems.update(_problems(data))
        if problems:
            raise InvalidInput(problems)
        values = {key: float(value) if _LIMITS[key][0] is float else value
                  for key, value in data.items()}
        return cls(**values)

    def to_dict(self):
        """Every field and its value, as from_dict takes them back."""
        return dataclasses.asdict(self)


# field: (type, lowest, highest); the ranges keep an office's settings sensible
# (a reporting day past the 10th working day would not exist in a holiday month).
_LIMITS = {
    "version": (int, 1, 1_000_000),
    "calendar_mode": (str, None, None),
    "late_days_red": (int, 0, 366),
    "behind_points_yellow": (float, 0, 100),
    "behind_points_red": (float, 0, 100),
    "report_working_day": (int, 1, 10),
    "missing_reports_red": (int, 1, 12),
    "stalled_days_red": (int, 1, 3660),
    "clock_deployed_days": (int, 1, 60),
    "clock_first_feedback_days": (int, 1, 60),
    "clock_closed_days": (int, 1, 120),
    "clock_complex_closed_days": (int, 1, 366),
    "clock_red_multiple": (int, 2, 10),
    "notice_after_red_days": (int, 1, 60),
    "notice_ack_days": (int, 1, 30),
    "notice_answer_days": (int, 1, 60),
    "first_report_grace": (bool, None, None),
    "accountability_red_days": (int, 0, 366),
    "forecast_red_days": (int, 1, 120),
    "forecast_min_reports": (int, 2, 12),
}


def _problems(values):
    """{field: message} for the known fields of `values` that are of the wrong type,
    out of range or inconsistent with each other."""
    problems = {}
    for key, value in values.items():
        if key not in _LIMITS:
            continue
        kind, low, high = _LIMITS[key]
        if kind is str:
            if value not in MODES:
                problems[key] = f"one of {', '.join(MODES)}"
        elif kind is bool:
            if not isinstance(value, bool):
                problems[key] = "true or false"
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems[key] = f"a whole number from {low} to {high}"
        elif (isinstance(value, bool) or not isinstance(value, int | float)
              or not math.isfinite(value) or not low <= value <= high):
            problems[key] = f"a number from {low} to {high}"
    yellow = values.get("behind_points_yellow", Rules.behind_points_yellow)
    red = values.get("behind_points_red", Rules.behind_points_red)
    if ("behind_points_yellow" not in problems and "behind_points_red" not in problems
            and yellow > red):
        problems["behind_points_yellow"] = "not more than behind_points_red"
    ack = values.get("notice_ack_days", Rules.notice_ack_days)
    answer = values.get("notice_answer_days", Rules.notice_answer_days)
    if ("notice_ack_days" not in problems and "notice_answer_days" not in problems
            and ack > answer):
        problems["notice_ack_days"] = "not more than notice_answer_days"
    return problems
