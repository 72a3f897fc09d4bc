"""The forecast colour's model (services/warnings/forecast.py): the pace of a task's
own reports, its spread, and the colour the rules would give at each coming due
date if nothing changes."""
import datetime as dt

import pytest

from services.common.dates import chinese_date
from services.warnings import forecast, logic
from services.warnings.forecast import Point
from services.warnings.rules import Rules

RULES = Rules()
CALENDAR = logic.calendar_for(RULES, None)
START = dt.date(2026, 1, 5)  # a Monday
DUE = dt.date(2026, 12, 31)


def task(percent, targets=(), due=DUE, status="active"):
    return logic.Task(code="T1", lead_unit="yz", status=status, start_date=START,
                      due_date=due, percent=percent, targets=tuple(targets))


def monthly(percents, first=dt.date(2026, 2, 2)):
    """One report at the start of each month from `first`, as units report."""
    points, day = [], first
    for percent in percents:
        points.append(Point(CALENDAR.working_day_on_or_after(day), percent))
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=2)
    return points


def on_plan(day):
    """The plan of task(): 0% on START to 100% on DUE, by calendar days."""
    return 100 * (day - START).days / (DUE - START).days


def test_a_task_keeping_to_its_plan_is_never_forecast_red():
    # Reported exactly on plan month after month: every forecast along the way
    # says it finishes on time.
    points = [Point(day, round(on_plan(day), 1)) for day, _ in monthly([0] * 10)]
    for seen in range(3, len(points) + 1):
        history = points[:seen]
        as_of = history[-1].day
        found = forecast.forecast_task(task(history[-1].percent), history, as_of, RULES,
                                       CALENDAR)
        assert found is not None
        assert found.colour == logic.GREEN, found.words
        assert found.red_on is None
        assert not forecast.soon_red(found, logic.GREEN, RULES, CALENDAR)
        assert "可如期完成" in found.words


def test_a_steadily_slipping_task_is_forecast_red_with_its_day_and_words():
    # 4 points a month where the plan asks some 8.5: by its due date it would
    # reach about half, far more than 30 points short.
    points = monthly([4, 8, 12, 16])
    as_of = points[-1].day
    found = forecast.forecast_task(task(16), points, as_of, RULES, CALENDAR)
    assert found.colour == logic.RED
    assert found.headline.due == DUE and 45 < found.headline.projected < 60
    assert found.red_on is not None and as_of < found.red_on < DUE
    # The day it turns red is the day the projection falls 30 points behind
    # the plan to date, and not a day before.
    projected = forecast.project(Point(as_of, 16), found.pace, found.red_on, CALENDAR)[0]
    assert logic.planned_by(found_task := task(16), found.red_on) - projected > 30
    before = found.red_on - dt.timedelta(days=1)
    projected = forecast.project(Point(as_of, 16), found.pace, before, CALENDAR)[0]
    assert logic.planned_by(found_task, before) - projected <= 30
    assert found.words.startswith("按当前进度，预计2026年12月31日仅达")
    assert "将亮红灯" in found.words and f"预计{chinese_date(found.red_on)}起亮红灯" in found.words


def test_a_task_red_within_the_days_the_rules_give_is_an_early_warning():
    points = monthly([4, 8, 12, 16])
    as_of = points[-1].day
    found = forecast.forecast_task(task(16), points, as_of, RULES, CALENDAR)
    days = CALENDAR.working_days_between(as_of, found.red_on)
    assert forecast.soon_red(found, logic.YELLOW, Rules(forecast_red_days=days), CALENDAR)
    assert not forecast.soon_red(found, logic.YELLOW, Rules(forecast_red_days=days - 1),
                                 CALENDAR)
    # Already red: the colour says it, the forecast warns of nothing new.
    assert not forecast.soon_red(found, logic.RED, Rules(forecast_red_days=days), CALENDAR)


def test_too_few_reports_give_no_forecast():
    points = monthly([10, 20])
    assert forecast.forecast_task(task(20), points, points[-1].day, RULES, CALENDAR) is None
    three = monthly([10, 20, 30])
    assert forecast.forecast_task(task(30), three, three[-1].day, RULES, CALENDAR)
    # The office may ask for more history before any forecast.
    assert forecast.forecast_task(task(30), three, three[-1].day,
                                  Rules(forecast_min_reports=4), CALENDAR) is None


def test_no_forecast_for_a_task_done_or_not_active():
    points = monthly([40, 70, 100])
    assert forecast.forecast_task(task(100), points, points[-1].day, RULES, CALENDAR) is None
    assert forecast.forecast_task(task(70, status="closed"), points[:2] + [points[1]],
                                  points[-1].day, RULES, CALENDAR) is None


def test_the_pace_is_the_least_squares_slope_and_its_spread_the_steps_spread():
    days = [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)]  # Mondays

    def pace(percents):
        return forecast.pace_of([Point(*p) for p in zip(days, percents, strict=True)],
                                CALENDAR)

    steady = pace([10, 20, 30])
    assert steady.pace == pytest.approx(2.0) and steady.spread == pytest.approx(0.0)
    jumpy = pace([10, 10, 30])
    # Paces 0 and 4 points a day between reports: spread 2 around their mean.
    assert jumpy.pace == pytest.approx(2.0) and jumpy.spread == pytest.approx(2.0)
    # A falling percentage is no pace: the forecast never predicts work undone.
    falling = pace([30, 20, 10])
    assert falling.pace == 0.0


def test_the_range_widens_with_the_spread_of_past_paces():
    steady = monthly([10, 12, 14, 16])
    jumpy = monthly([10, 16, 16, 18])
    as_of = steady[-1].day
    calm = forecast.forecast_task(task(16), steady, as_of, RULES, CALENDAR).headline
    wild = forecast.forecast_task(task(18), jumpy, as_of, RULES, CALENDAR).headline
    assert wild.low < wild.projected < wild.high
    # Months of unequal working days spread even a steady pace a little.
    assert calm.high - calm.low < (wild.high - wild.low) / 3
    assert "可能在" in forecast.forecast_task(task(18), jumpy, as_of, RULES, CALENDAR).words


def test_every_coming_target_is_forecast_and_the_first_short_one_is_spoken_of():
    targets = [logic.Target(1, dt.date(2026, 6, 30), 25.0, "yz"),
               logic.Target(2, dt.date(2026, 9, 30), 70.0, "yz"),
               logic.Target(3, DUE, 100.0, "yz")]
    points = monthly([5, 10, 15])  # 5 points a month
    as_of = points[-1].day
    found = forecast.forecast_task(task(15, targets), points, as_of, RULES, CALENDAR)
    assert [date.due for date in found.dates] == [t.due_date for t in targets]
    # Some 30% by June: its first target met; 25 short in September, 40 in December.
    assert [date.colour for date in found.dates] == [logic.GREEN, logic.YELLOW, logic.RED]
    assert found.headline.due == targets[1].due_date and "将亮黄灯" in found.words
    # Short at its due date, it would be red once late for more than the rules allow.
    assert found.red_on == CALENDAR.add_working_days(targets[1].due_date,
                                                     RULES.late_days_red + 1)


def test_a_due_date_passed_is_not_forecast():
    points = monthly([10, 20, 30])
    assert forecast.forecast_task(task(30, due=dt.date(2026, 3, 1)), points,
                                  points[-1].day, RULES, CALENDAR) is None


def test_the_outcome_of_a_forecast_red_is_whether_the_task_is_red_on_its_day():
    assert forecast.outcome(logic.RED) == "red"
    assert forecast.outcome(logic.YELLOW) == forecast.outcome(logic.GREEN) == "not_red"


def test_the_accuracy_says_how_many_forecasts_red_came_true():
    record = forecast.accuracy(3, 1, 0, 90)
    assert record["forecast_red"] == 4 and record["accuracy"] == 0.75
    assert record["words"] == "近90天预测红灯4项，其中3项到期确实亮红灯（准确率75%）"
    nothing = forecast.accuracy(0, 0, 2, 90)
    assert nothing["accuracy"] is None
    assert nothing["words"] == "近90天尚无到期的预测红灯；另有2项待核对"


def test_the_days_ahead_are_judged_on_the_percentage_reported_which_stands_still():
    # Two points a month, reported monthly: until its next usual report the
    # rules judge the 10% it reported, so it is red the first day the plan is
    # more than 30 points ahead of that, sooner than a smooth line would say.
    points = monthly([2, 4, 6, 8, 10])
    as_of = points[-1].day
    stale = as_of
    while logic.planned_by(task(10), stale) - 10 <= 30:
        stale += dt.timedelta(days=1)
    assert CALENDAR.working_days_between(as_of, stale) <= RULES.forecast_red_days
    found = forecast.forecast_task(task(10), points, as_of, RULES, CALENDAR)
    assert found.red_on == stale
    assert forecast.soon_red(found, logic.YELLOW, RULES, CALENDAR)


def _red_day_day_by_day(task, points, pace, as_of, rules, calendar, steps):
    """The red day as the model states it, trying every day of the horizon in
    turn and every step's day late: the reference forecast.red_day must equal."""
    points = sorted(points)
    last = points[-1]
    xs, ys = logic._plan(task.start_date, [(None, due, planned, 0) for due, planned in steps])
    interval = max(1, round((points[-1].day - points[0].day).days / (len(points) - 1)))

    def behind(day, percent):
        return round(logic._planned(xs, ys, day.toordinal()) - percent, logic.PRECISION) \
            > rules.behind_points_red

    def at_pace(day):
        days = max(calendar.working_days_between(last.day, day), 0)
        return min(100.0, last.percent + pace.pace * days)

    def reported_by(day):
        return at_pace(last.day + dt.timedelta(days=interval * ((day - last.day).days // interval)))

    candidates = []
    horizon = calendar.add_working_days(as_of, rules.forecast_red_days)
    day = as_of
    while day <= horizon:
        if behind(day, reported_by(day)):
            candidates.append(day)
            break
        day += dt.timedelta(days=1)
    knots = [horizon] + [due for due, _ in steps if due > horizon]
    for before, knot in zip(knots, knots[1:], strict=False) if not candidates else ():
        if behind(knot, at_pace(knot)):
            if behind(before, at_pace(before)):
                candidates.append(before)
                break
            low, high = before, knot
            while (high - low).days > 1:
                middle = low + (high - low) / 2
                low, high = (low, middle) if behind(middle, at_pace(middle)) else (middle, high)
            candidates.append(high)
            break
    for due, planned in steps:
        late_red = calendar.add_working_days(due, rules.late_days_red + 1)
        if late_red >= as_of and reported_by(late_red) < planned - forecast.ON_PLAN_POINTS:
            candidates.append(late_red)
    return min(candidates, default=None)


def test_the_red_day_found_by_halving_is_the_day_found_day_by_day():
    # Many random plans, histories, rules and both calendars: the red day found
    # span by span equals the one found by trying every day, red or not.
    import random
    rng = random.Random(20261205)
    found_red = 0
    for _ in range(3000):
        rules = Rules(behind_points_red=rng.choice([10.0, 20.0, 30.0, 45.5]),
                      late_days_red=rng.choice([0, 5, 15, 40]),
                      forecast_red_days=rng.choice([1, 5, 10, 30]),
                      calendar_mode=rng.choice(["working", "calendar"]))
        calendar = logic.calendar_for(rules, None)
        start = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(400))
        due = start + dt.timedelta(days=rng.randrange(30, 700))
        count = rng.randrange(0, 8)
        dues = sorted(start + dt.timedelta(days=rng.randrange(-20, (due - start).days + 1))
                      for _ in range(count))
        targets = [logic.Target(seq, day, round(rng.uniform(0, 100), 1), "yz")
                   for seq, day in enumerate(dues, 1)]
        day, percent, points = start + dt.timedelta(days=rng.randrange(0, 60)), 0.0, []
        gap = rng.choice([1, 3, 7, 14, 30, 45])
        for _ in range(rng.randrange(2, 9)):
            percent = min(99.0, round(percent + rng.uniform(-3, 12), 1))
            points.append(Point(day, max(percent, 0.0)))
            day += dt.timedelta(days=max(1, gap + rng.randrange(-2, 3)))
        as_of = points[-1].day + dt.timedelta(days=rng.randrange(-3, 40))
        the_task = logic.Task(code="T1", lead_unit="yz", status="active", start_date=start,
                              due_date=due, percent=points[-1].percent, targets=tuple(targets))
        pace = forecast.pace_of(points, calendar)
        if pace is None:
            continue
        steps = sorted((due, planned) for _, due, planned, _ in forecast._steps(the_task))
        expected = _red_day_day_by_day(the_task, points, pace, as_of, rules, calendar, steps)
        assert forecast.red_day(the_task, points, pace, as_of, rules, calendar, steps) \
            == expected, (points, targets, as_of, rules)
        found_red += expected is not None
    assert found_red > 1000  # the histories do turn red, and often
