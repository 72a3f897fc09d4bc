"""Forecast colour (预测预警): where a task's percentage will stand on each of its
coming due dates if it keeps the pace of its own recent reports, and the colour
the rules in force would then give it. Pure: no database, no clock.

The model, in plain words (docs/forecast.md):

- The pace is the least-squares slope of the percentage over working days
  across the task's last WINDOW reports (one point per reporting day, the last
  percentage of the day). A falling percentage counts as no pace: a forecast
  never predicts that work is undone.
- Its uncertainty is the spread (standard deviation) of the paces between
  consecutive reports: a task reporting 5, 5, 5 points a month is sure of its
  pace; one reporting 0, 15, 0 is not. The forecast gives a range, the
  percentage at the pace minus and plus the spread.
- The projection on a day is the last reported percentage plus the pace times
  the working days from the last report to that day, never above 100.
- Each coming step of the plan (the targets, after extensions; a task without
  targets is one step of 100% by its due date) is judged as the rules judge
  it: short of its planned percentage on its due date by more than
  behind_points_red points is red that day; short at all (by more than
  ON_PLAN_POINTS, the model's own precision) is yellow from the next day and
  red once it is more than late_days_red days late.
- The day it would turn red (red_on) is the first day the percentage it will
  have reported falls more than behind_points_red points below the plan to
  date (the plan is linear between its due dates, as the rules read it), or
  the day a step left unfinished would be late for more than late_days_red
  days. The rules judge the percentage last reported, which stands still
  between reports: over the coming forecast_red_days days the task is taken
  to report at its usual interval, at its pace; further ahead, as a smooth line.

A forecast is shown beside the colour, never instead of it: it says what will
happen if nothing changes, which is the point of warning early.
"""
import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from services.common.dates import chinese_date

from . import logic
from .logic import GREEN, RED, YELLOW

# A projection within this many points of the plan is on plan: the pace is read
# in working days and the plan runs in calendar days, so a task exactly on plan
# projects a few tenths off around the holidays; no unit is warned of that.
ON_PLAN_POINTS = 1.0
# The reports the pace is read from: the last few, so that a task that changed
# its pace is judged by what it does now.
WINDOW = 6


class Point(NamedTuple):
    """A reporting day and the task's cumulative percentage at its end."""

    day: dt.date
    percent: float


class Pace(NamedTuple):
    """Points per working day: the least-squares slope (never below 0) and the
    spread of the paces between consecutive reports; `reports` how many points
    it was read from."""

    pace: float
    spread: float
    reports: int


@dataclass(frozen=True, slots=True)
class DueForecast:
    """The projection on one coming due date of the plan."""

    due: dt.date
    planned: float
    projected: float
    low: float
    high: float
    colour: str


@dataclass(frozen=True, slots=True)
class Forecast:
    """A task's forecast as of a day: its pace, each coming due date's
    projection, the date the words speak of (the first one forecast yellow or
    red, else the next one), the day it would turn red (or None) and the words."""

    task: str
    unit: str
    as_of: dt.date
    pace: Pace
    last_day: dt.date
    last_percent: float
    dates: tuple
    headline: DueForecast
    red_on: dt.date | None
    words: str

    @property
    def colour(self):
        return self.headline.colour


def pace_of(points, calendar, window=WINDOW):
    """The Pace of the last `window` points (any order), or None when they do
    not span two working days (no slope can be read)."""
    points = sorted(points)[-window:]
    if len(points) < 2:
        return None
    first = points[0].day
    xs = [calendar.working_days_between(first, point.day) for point in points]
    ys = [point.percent for point in points]
    n = len(points)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    steps = [(ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1])
             for i in range(1, n) if xs[i] > xs[i - 1]]
    mean_step = sum(steps) / len(steps)
    spread = (sum((step - mean_step) ** 2 for step in steps) / len(steps)) ** 0.5
    return Pace(max(slope, 0.0), spread, n)


def project(last, pace, day, calendar):
    """(projected, low, high): the percentage on `day` from the last Point at
    the pace, and at the pace less and more its spread; within [last, 100]."""
    days = max(calendar.working_days_between(last.day, day), 0)

    def at(rate):
        return min(100.0, last.percent + max(rate, 0.0) * days)

    return at(pace.pace), at(pace.pace - pace.spread), at(pace.pace + pace.spread)


def _at_pace(last, pace, day, calendar):
    """project's first figure alone: the red day asks it of many days."""
    days = max(calendar.working_days_between(last.day, day), 0)
    return min(100.0, last.percent + pace.pace * days)


def forecast_task(task, points, as_of, rules, calendar):
    """The task's Forecast as of a day, or None: a task not active or done,
    fewer than rules.forecast_min_reports reporting days, no pace to read, or
    no due date left to forecast. Raises CalendarNotCovered for a date the
    calendar cannot count."""
    if task.status != "active" or task.percent >= 100:
        return None
    points = sorted(points)
    if len(points) < rules.forecast_min_reports:
        return None
    pace = pace_of(points, calendar)
    if pace is None:
        return None
    last = points[-1]
    # The watched copy holds the latest percentage: it counts over the points'.
    last = Point(last.day, task.percent) if task.percent != last.percent else last
    steps = sorted((due, planned) for _, due, planned, _ in _steps(task))
    dates = []
    for due, planned in steps:
        if due < as_of:
            continue
        projected, low, high = project(last, pace, due, calendar)
        short = round(planned - projected, logic.PRECISION)
        colour = (RED if short > rules.behind_points_red
                  else YELLOW if short > ON_PLAN_POINTS else GREEN)
        dates.append(DueForecast(due, planned, projected, low, high, colour))
    if not dates:
        return None
    headline = next((date for date in dates if date.colour != GREEN), dates[0])
    red_on = red_day(task, points[:-1] + [last], pace, as_of, rules, calendar, steps)
    return Forecast(task.code, task.lead_unit, as_of, pace, last.day, last.percent,
                    tuple(dates), headline, red_on, words(headline, red_on, pace, rules))


def red_day(task, points, pace, as_of, rules, calendar, steps=None):
    """The first day on or after `as_of` the task would be red at its pace, or
    None. The rules judge the percentage last reported, which stands still
    between reports; so, first, over the next forecast_red_days days, the task
    is taken to report at its usual interval (the mean of its last reports') at
    its pace, and the first day its reported percentage is more than
    behind_points_red below the plan to date is the day. Beyond that the reports
    are taken as a smooth line (the plan and the projection are both near
    straight lines between due dates): the first due date found red, then the
    day the line is crossed before it, by halving. A step left short at its due
    date is red once more than late_days_red days late. `steps`: the plan's
    (due, planned) sorted by due date.

    The days are not tried one by one: between two usual reporting days the
    percentage reported stands still while the plan to date never falls, so
    within each such span the days behind are its last ones, and the first of
    them is found by halving (the same day as trying each day in turn, at a few
    tries a span; tests/logic/test_forecast_model.py holds them equal)."""
    points = sorted(points)
    last = points[-1]
    steps = steps if steps is not None else sorted(
        (due, planned) for _, due, planned, _ in _steps(task))
    xs, ys = logic._plan(task.start_date, [(None, due, planned, 0) for due, planned in steps])
    interval = max(1, round((points[-1].day - points[0].day).days / (len(points) - 1)))
    threshold, precision = rules.behind_points_red, logic.PRECISION
    planned_on = logic._planned

    def behind(day, percent):
        return round(planned_on(xs, ys, day.toordinal()) - percent, precision) > threshold

    known = {}

    def at_pace(day):
        if day not in known:
            known[day] = _at_pace(last, pace, day, calendar)
        return known[day]

    def reported_by(day):
        """The percentage reported by `day`: the last report's, raised at each
        usual reporting day since at the pace."""
        return at_pace(last.day + dt.timedelta(
            days=interval * ((day - last.day).days // interval)))

    def red_at(day):
        return behind(day, at_pace(day))

    def first_behind(low, high, percent):
        """The first day of [low, high] behind at `percent`; high is behind."""
        if behind(low, percent):
            return low
        while (high - low).days > 1:  # behind(low) is False, behind(high) True
            middle = low + (high - low) / 2
            low, high = (low, middle) if behind(middle, percent) else (middle, high)
        return high

    found = None
    horizon = calendar.add_working_days(as_of, rules.forecast_red_days)
    day = as_of
    while day <= horizon:
        span = (day - last.day).days // interval
        reported_on = last.day + dt.timedelta(days=interval * span)
        percent = at_pace(reported_on)
        end = min(horizon, reported_on + dt.timedelta(days=interval - 1))
        if behind(end, percent):
            found = first_behind(day, end, percent)
            break
        day = end + dt.timedelta(days=1)
    knots = [horizon] + [due for due, _ in steps if due > horizon]
    for before, knot in zip(knots, knots[1:], strict=False) if found is None else ():
        if red_at(knot):
            if red_at(before):
                found = before
                break
            low, high = before, knot  # red_at(low) is False, red_at(high) True
            while (high - low).days > 1:
                middle = low + (high - low) / 2
                low, high = (low, middle) if red_at(middle) else (middle, high)
            found = high
            break
    # Steps by due date: their days late follow in the same order, so the first
    # one short is the soonest, and none due after the day found can come sooner.
    for due, planned in steps:
        late_red = calendar.add_working_days(due, rules.late_days_red + 1)
        if found is not None and late_red >= found:
            break
        if late_red >= as_of and reported_by(late_red) < planned - ON_PLAN_POINTS:
            found = late_red
            break
    return found


def soon_red(forecast, current_colour, rules, calendar):
    """Whether a forecast is an early warning: the task is not red now and would
    be within rules.forecast_red_days days (of the calendar in force)."""
    if forecast is None or forecast.red_on is None or current_colour == RED:
        return False
    return calendar.working_days_between(forecast.as_of, forecast.red_on) \
        <= rules.forecast_red_days


def words(headline, red_on, pace, rules):
    """The forecast in the words people read beside the colour."""
    figures = f"计划{_p(headline.planned)}%"
    if round(headline.high - headline.low, 1) > 0:
        figures += f"，可能在{_p(headline.low)}%至{_p(headline.high)}%之间"
    due = chinese_date(headline.due)
    if headline.colour == GREEN:
        return (f"按当前进度，预计{due}可达{_p(headline.projected)}%（{figures}），"
                "可如期完成")
    text = f"按当前进度，预计{due}仅达{_p(headline.projected)}%（{figures}），"
    if headline.colour == RED:
        text += "将亮红灯"
    else:
        text += f"将亮黄灯，逾期超过{rules.late_days_red}天未完成将亮红灯"
    if red_on is not None and red_on < headline.due:
        text += f"；预计{chinese_date(red_on)}起亮红灯"
    return text


def _steps(task):
    task_due, task_times = logic._extension(task.extensions.get("task"), task.due_date)
    return logic._steps(task, task_due, task_times)


def _p(value):
    return f"{round(value, 1):g}"


def outcome(current_colour):
    """What a forecast red came to on its day: "red" when the task is red then,
    "not_red" otherwise (it caught up, or the forecast was wrong)."""
    return "red" if current_colour == RED else "not_red"


def accuracy(turned_red, not_red, pending, days):
    """The forecasts' record as the office reads it: {"forecast_red" (judged),
    "turned_red", "not_red", "pending", "accuracy" (a fraction, None when none
    was judged), "words"}."""
    judged = turned_red + not_red
    rate = turned_red / judged if judged else None
    if judged:
        said = (f"近{days}天预测红灯{judged}项，其中{turned_red}项到期确实亮红灯"
                f"（准确率{round(100 * rate):d}%）")
    else:
        said = f"近{days}天尚无到期的预测红灯"
    if pending:
        said += f"；另有{pending}项待核对"
    return {"forecast_red": judged, "turned_red": turned_red, "not_red": not_red,
            "pending": pending, "accuracy": rate, "words": said}
