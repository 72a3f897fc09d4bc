"""How the warnings service colours targets, 13710 clock stages, commitments and
tasks, as pure functions: every rule at its boundaries, on working days (with the
2026 National Day week) and on calendar days."""
import dataclasses
import datetime as dt
import random

import pytest

from services.common.dates import chinese_date
from services.common.errors import CalendarNotCovered, InvalidInput
from services.common.workdays import WorkingCalendar, entered_years
from services.warnings import logic
from services.warnings.holiday_notice import year_from_input
from services.warnings.logic import (
    GREEN,
    RED,
    YELLOW,
    Colour,
    Commitment,
    Rules,
    Target,
    Task,
    changes,
    evaluate_task,
    evaluate_tasks,
    planned_by,
    reporting_day,
    unchanged_between,
    words,
)
from tests.support.holiday_notices import BODY_2027

D = dt.date
RULES = Rules()
CALENDAR_DAYS = Rules(calendar_mode="calendar")
WITH_2027 = WorkingCalendar("working", entered_years(
    [year_from_input(2027, BODY_2027["holidays"], BODY_2027["workdays"])]))


def make(percent=0, targets=((D(2026, 3, 31), 30), (D(2026, 12, 31), 100)), **fields):
    """A task started on 2026-01-01, with targets given as (due date, planned %)."""
    values = {
        "code": "T1", "lead_unit": "lead", "status": "active", "start_date": D(2026, 1, 1),
        "due_date": D(2026, 12, 31), "percent": percent,
        "targets": tuple(Target(seq, due, planned, f"u{seq}")
                         for seq, (due, planned) in enumerate(targets, 1)),
    }
    values.update(fields)
    return Task(**values)


def quiet(task, as_of):
    """The task with a report and progress on the day, so the task-level rules of
    reporting and of stalling stay out of the way."""
    return dataclasses.replace(task, last_reported_on=as_of, last_progress_on=as_of)


def judge(task, as_of, rules=RULES, previous=None):
    """{item_key: Colour}, the reasons in words."""
    return {colour.item_key: colour
            for colour in in_words(task, evaluate_task(task, as_of, rules, previous))}


def judge_with(task, as_of, calendar):
    """judge, counting by `calendar`."""
    return {colour.item_key: colour
            for colour in in_words(task, evaluate_task(task, as_of, RULES, None, calendar))}


def in_words(task, colours):
    """The colours with their reasons as people read them: the task's percentage
    filled in."""
    return [colour._replace(reason=words(colour.reason, task.percent)) for colour in colours]


def on_plan(percent=99, **fields):
    """A task without targets, far enough ahead of its plan for percentage rules to
    stay quiet until the end of 2026."""
    return make(percent, (), **fields)


# The plan ---------------------------------------------------------------------------

def test_the_plan_is_interpolated_between_targets():
    task = make(0, ((D(2026, 3, 31), 30), (D(2026, 6, 30), 100)))
    assert planned_by(task, D(2026, 1, 1)) == 0
    assert planned_by(task, D(2026, 3, 31)) == 30
    assert planned_by(task, D(2026, 2, 14)) == pytest.approx(30 * 44 / 89)
    assert planned_by(task, D(2026, 12, 1)) == 100
    extended = dataclasses.replace(task, extensions={1: D(2026, 4, 30)})
    assert planned_by(extended, D(2026, 3, 31)) == pytest.approx(30 * 89 / 119)
    assert planned_by(extended, D(2026, 4, 30)) == 30


# A target after its due date --------------------------------------------------------

@pytest.mark.parametrize("as_of, colour, words", [
    # On the due date the plan-to-date rule still applies: 5 behind is on plan.
    (D(2026, 3, 31), GREEN, "如期推进"),
    (D(2026, 4, 1), YELLOW, "延期推进：逾期1个工作日未完成目标（计划30%，实际25%）"),
    (D(2026, 4, 6), YELLOW, "逾期3个工作日"),   # 4–6 April is the Qingming holiday
    (D(2026, 4, 21), YELLOW, "逾期14个工作日"),
    (D(2026, 4, 22), YELLOW, "逾期15个工作日"),
    (D(2026, 4, 23), RED, "严重延期：逾期16个工作日未完成目标（计划30%，实际25%）"),
])
def test_a_missed_target_turns_red_after_fifteen_working_days(as_of, colour, words):
    target = judge(make(25), as_of)["T1#1"]
    assert (target.colour, target.unit) == (colour, "u1")
    assert words in target.reason


@pytest.mark.parametrize("as_of, colour, words", [
    (D(2026, 9, 30), GREEN, "如期推进"),
    (D(2026, 10, 7), YELLOW, "已过截止日期2026年9月30日，未完成目标（计划50%，实际45%）"),
    (D(2026, 10, 8), YELLOW, "逾期1个工作日"),
    (D(2026, 10, 10), YELLOW, "逾期3个工作日"),  # the make-up Saturday is worked
    (D(2026, 10, 27), YELLOW, "逾期15个工作日"),
    (D(2026, 10, 28), RED, "逾期16个工作日"),
])
def test_lateness_skips_the_national_day_week(as_of, colour, words):
    task = make(45, ((D(2026, 9, 30), 50), (D(2026, 12, 31), 100)))
    target = judge(task, as_of)["T1#1"]
    assert target.colour == colour and words in target.reason


@pytest.mark.parametrize("as_of, colour, words", [
    (D(2026, 10, 1), YELLOW, "逾期1天"),
    (D(2026, 10, 15), YELLOW, "逾期15天"),
    (D(2026, 10, 16), RED, "逾期16天"),
])
def test_in_calendar_mode_every_day_is_late(as_of, colour, words):
    task = make(45, ((D(2026, 9, 30), 50), (D(2026, 12, 31), 100)))
    target = judge(task, as_of, CALENDAR_DAYS)["T1#1"]
    assert target.colour == colour and words in target.reason


@pytest.mark.parametrize("percent, colour", [(50, GREEN), (20, YELLOW), (19.5, RED)])
def test_far_short_of_a_missed_target_is_red_at_once(percent, colour):
    task = make(percent, ((D(2026, 3, 31), 50), (D(2026, 12, 31), 100)))
    assert judge(task, D(2026, 4, 1))["T1#1"].colour == colour


def test_a_met_target_is_green_whenever_it_is_judged():
    for as_of in (D(2026, 2, 1), D(2026, 3, 31), D(2026, 9, 1)):
        assert judge(make(30), as_of)["T1#1"].reason == "已完成目标（30%）"


# A target before its due date -------------------------------------------------------

@pytest.mark.parametrize("percent, colour", [
    (30, GREEN),      # 10 behind: not more than 10
    (29.5, YELLOW),
    (10, YELLOW),     # 30 behind: not more than 30
    (9.5, RED),
])
def test_behind_plan_before_the_due_date(percent, colour):
    # One target of 40% due 2026-03-01, judged on its due date.
    target = judge(make(percent, ((D(2026, 3, 1), 40),)), D(2026, 3, 1))["T1#1"]
    assert target.colour == colour


def test_only_the_next_target_due_is_judged_against_the_plan():
    task = make(10, ((D(2026, 3, 31), 30), (D(2026, 6, 30), 60), (D(2026, 9, 30), 100)))
    colours = judge(task, D(2026, 4, 15))
    assert colours["T1#1"].colour == YELLOW          # missed, 10 working days late
    assert colours["T1#2"].colour == YELLOW          # the plan expects 34.9% today
    assert "落后计划24.9个百分点（按计划应达34.9%，实际10%）" in colours["T1#2"].reason
    assert (colours["T1#3"].colour, colours["T1#3"].reason) == (
        GREEN, "未到期（截止2026年9月30日）")


def test_a_report_that_changes_only_the_percentage_keeps_the_stored_words():
    # Late on target 1, behind plan on target 2, red and not caught up: the same
    # findings at 10% and 12%, so what is stored is the same and only the words
    # read from it differ.
    targets = ((D(2026, 3, 31), 30), (D(2026, 6, 30), 60), (D(2026, 9, 30), 100))
    as_of, previous = D(2026, 4, 15), {("target", "T1#2"): RED}
    before = evaluate_task(quiet(make(10, targets), as_of), as_of, RULES, previous)
    after = evaluate_task(quiet(make(12, targets), as_of), as_of, RULES, previous)
    assert before == after
    late, behind, task = before[0], before[1], before[-1]
    assert words(late.reason, 12) == "延期推进：逾期10个工作日未完成目标（计划30%，实际12%）"
    assert words(behind.reason, 12) == "严重延期：未补齐欠账（按计划应达34.9%，实际12%）"
    assert words(task.reason, 12.5) == (
        "严重延期：【目标2】未补齐欠账（按计划应达34.9%，实际12.5%）")


@pytest.mark.parametrize("percent, said", [(10, "24.9"), (34.9, "0"), (0.05, "34.9")])
def test_the_points_behind_are_counted_from_the_percentage_filled_in(percent, said):
    task = make(10, ((D(2026, 3, 31), 30), (D(2026, 6, 30), 60), (D(2026, 9, 30), 100)))
    behind = evaluate_task(task, D(2026, 4, 15), RULES)[1]
    assert words(behind.reason, percent).startswith(f"延期推进：落后计划{said}个百分点")
    assert words("如期推进", percent) == "如期推进"


# The catch-up rule ------------------------------------------------------------------

# Targets: 30% by 31 March (21 working days late on 30 April), 100% by 31 December
# (the plan expects 37.6% on 30 April).
@pytest.mark.parametrize("key, previous, percent, colour, words", [
    ("T1#1", None, 20, RED, "逾期21个工作日"),
    ("T1#1", RED, 29, RED, "逾期21个工作日"),
    ("T1#1", RED, 30, GREEN, "已完成目标（30%）"),
    ("T1#2", None, 20, YELLOW, "落后计划17.6个百分点"),
    ("T1#2", YELLOW, 20, YELLOW, "落后计划17.6个百分点"),
    ("T1#2", RED, 20, RED, "严重延期：未补齐欠账（按计划应达37.6%，实际20%）"),
    ("T1#2", RED, 37.6, RED, "未补齐欠账"),   # a report close to the plan is not enough
    ("T1#2", RED, 38, GREEN, "如期推进"),
])
def test_a_red_target_turns_only_when_the_backlog_is_made_up(key, previous, percent,
                                                              colour, words):
    previous = {("target", key): previous} if previous else {}
    target = judge(make(percent), D(2026, 4, 30), previous=previous)[key]
    assert target.colour == colour and words in target.reason


@pytest.mark.parametrize("percent, colour", [(20, RED), (30, GREEN)])
def test_a_red_target_within_its_grace_stays_red_until_made_up(percent, colour):
    # 7 working days late and 10 short is yellow by itself; it was red before.
    colours = judge(make(percent), D(2026, 4, 10), previous={("target", "T1#1"): RED})
    assert colours["T1#1"].colour == colour


@pytest.mark.parametrize("percent, colour", [(60, RED), (72, GREEN)])
def test_a_task_without_targets_catches_up_on_its_own_plan(percent, colour):
    # The plan expects 71.7% on 15 July of a task due on 30 September.
    task = quiet(make(percent, (), due_date=D(2026, 9, 30)), D(2026, 7, 15))
    assert judge(task, D(2026, 7, 15), previous={("task", "T1"): RED})["T1"].colour == colour


# Monthly reports --------------------------------------------------------------------

# September's report is due by 13 October (the 5th working day after the National
# Day week), August's by 7 September, October's by 6 November.
@pytest.mark.parametrize("start, last_report, as_of, colour, words", [
    (D(2026, 7, 1), D(2026, 9, 5), D(2026, 10, 13), GREEN, "如期推进"),
    (D(2026, 7, 1), D(2026, 9, 5), D(2026, 10, 14), YELLOW,
     "延期推进：9月进展未按时报送（应于2026年10月13日前报送）"),
    (D(2026, 7, 1), D(2026, 9, 5), D(2026, 11, 6), YELLOW, "9月进展未按时报送"),
    (D(2026, 7, 1), D(2026, 9, 5), D(2026, 11, 7), RED, "严重延期：9月、10月进展连续未报送"),
    (D(2026, 7, 1), D(2026, 9, 7), D(2026, 10, 14), YELLOW, "9月"),  # on August's day
    (D(2026, 7, 1), D(2026, 9, 8), D(2026, 10, 14), GREEN, "如期推进"),
    (D(2026, 7, 1), D(2026, 10, 20), D(2026, 10, 21), GREEN, "如期推进"),  # late, but sent
    (D(2026, 10, 15), None, D(2026, 11, 6), GREEN, "如期推进"),
    (D(2026, 10, 15), None, D(2026, 11, 9), YELLOW, "10月进展未按时报送"),  # not red:
    # September was before the task began.
    (D(2025, 11, 1), None, D(2026, 1, 9), RED, "2025年11月、2025年12月进展连续未报送"),
])
def test_a_missing_monthly_report(start, last_report, as_of, colour, words):
    task = on_plan(start_date=start, last_reported_on=last_report, last_progress_on=as_of)
    (only,) = evaluate_task(task, as_of, RULES)
    assert only.colour == colour and words in only.reason


@pytest.mark.parametrize("as_of, colour", [(D(2026, 10, 5), GREEN), (D(2026, 10, 6), YELLOW)])
def test_in_calendar_mode_the_report_is_due_on_the_fifth(as_of, colour):
    task = on_plan(start_date=D(2026, 7, 1), last_reported_on=D(2026, 9, 5),
                   last_progress_on=as_of)
    assert judge(task, as_of, CALENDAR_DAYS)["T1"].colour == colour
    assert reporting_day(2026, 9, CALENDAR_DAYS) == D(2026, 10, 5)
    assert reporting_day(2026, 9, RULES) == D(2026, 10, 13)


@pytest.mark.parametrize("fields", [{"status": "completed"}, {"percent": 100}])
def test_only_an_active_unfinished_task_must_report(fields):
    task = on_plan(start_date=D(2026, 7, 1), last_progress_on=D(2026, 11, 9), **fields)
    assert judge(task, D(2026, 11, 9))["T1"].colour == GREEN


# No progress ------------------------------------------------------------------------

@pytest.mark.parametrize("last_progress, as_of, colour, words", [
    (D(2026, 7, 1), D(2026, 9, 28), GREEN, "如期推进"),
    (D(2026, 7, 1), D(2026, 9, 29), RED,
     "严重延期：三个月无进展（最近进展于2026年7月1日，已90天）"),
    (None, D(2026, 3, 31), GREEN, "如期推进"),
    (None, D(2026, 4, 1), RED, "三个月无进展（自2026年1月1日开始，90天未有进展）"),
])
def test_three_months_without_progress_is_red(last_progress, as_of, colour, words):
    task = on_plan(last_reported_on=as_of, last_progress_on=last_progress)
    task_colour = judge(task, as_of)["T1"]
    assert task_colour.colour == colour and words in task_colour.reason


def test_the_stall_period_is_a_rule():
    task = on_plan(last_reported_on=D(2026, 3, 2), last_progress_on=None)
    assert "两个月无进展" in judge(task, D(2026, 3, 2), Rules(stalled_days_red=60))["T1"].reason
    assert judge(dataclasses.replace(task, percent=100), D(2026, 9, 1))["T1"].colour == GREEN


# The 13710 clock --------------------------------------------------------------------

# Assigned on Tuesday 29 September 2026: deployed by 30 September (red after 8
# October), first feedback by 9 October (red after 13 October), closed by 14 October
# (red after 23 October), a complex matter closed by 29 October (red after 28 November,
# a Saturday, so after Monday 30 November).
@pytest.mark.parametrize("clock_class, stage, as_of, colour", [
    ("general", "deployed", D(2026, 9, 30), GREEN),
    ("general", "deployed", D(2026, 10, 1), YELLOW),
    ("general", "deployed", D(2026, 10, 8), YELLOW),
    ("general", "deployed", D(2026, 10, 9), RED),
    ("general", "first_feedback", D(2026, 10, 9), GREEN),
    ("general", "first_feedback", D(2026, 10, 10), YELLOW),
    ("general", "first_feedback", D(2026, 10, 13), YELLOW),
    ("general", "first_feedback", D(2026, 10, 14), RED),
    ("important", "closed", D(2026, 10, 14), GREEN),
    ("important", "closed", D(2026, 10, 15), YELLOW),
    ("important", "closed", D(2026, 10, 23), YELLOW),
    ("important", "closed", D(2026, 10, 24), RED),
    ("complex", "closed", D(2026, 10, 29), GREEN),
    ("complex", "closed", D(2026, 10, 30), YELLOW),
    ("complex", "closed", D(2026, 11, 30), YELLOW),
    ("complex", "closed", D(2026, 12, 1), RED),
])
def test_a_clock_stage_not_recorded_in_time(clock_class, stage, as_of, colour):
    task = quiet(on_plan(start_date=D(2026, 9, 29), clock_class=clock_class), as_of)
    stage_colour = judge(task, as_of)[f"T1@{stage}"]
    assert (stage_colour.item_kind, stage_colour.unit, stage_colour.colour) == (
        "clock", "lead", colour)


def test_a_late_stage_says_by_when():
    task = quiet(on_plan(start_date=D(2026, 9, 29), clock_class="general"), D(2026, 10, 14))
    colours = judge(task, D(2026, 10, 14))
    assert colours["T1@first_feedback"].reason == (
        "严重延期：“首次反馈”超时（应于2026年10月9日前完成）")
    assert colours["T1"].colour == RED
    assert colours["T1"].reason.startswith(
        "严重延期：【13710】“部署”超时（应于2026年9月30日前完成）")


@pytest.mark.parametrize("start, stage, clock_class, deadline", [
    (D(2026, 6, 11), "closed", "complex", D(2026, 7, 13)),   # 30 days on is a Saturday
    (D(2026, 4, 1), "closed", "complex", D(2026, 5, 6)),     # 30 days on is Labour Day
    (D(2026, 6, 12), "deployed", "general", D(2026, 6, 15)),  # assigned on a Friday
])
def test_a_deadline_on_a_day_off_moves_to_the_next_working_day(start, stage, clock_class,
                                                               deadline):
    task = on_plan(start_date=start, clock_class=clock_class)
    key = f"T1@{stage}"
    on_time = judge(quiet(task, deadline), deadline)[key]
    assert on_time.colour == GREEN and f"应于{chinese_date(deadline)}前完成" in on_time.reason
    for day_off in range(1, (deadline - start).days):
        day = start + dt.timedelta(days=day_off)
        assert judge(quiet(task, day), day)[key].colour == GREEN
    after = deadline + dt.timedelta(days=1)
    assert judge(quiet(task, after), after)[key].colour == YELLOW


@pytest.mark.parametrize("recorded, colour, words", [
    (D(2026, 10, 9), GREEN, "“首次反馈”已按时完成（2026年10月9日）"),
    (D(2026, 10, 12), GREEN,
     "“首次反馈”已完成，但超时（应于2026年10月9日前完成，实际2026年10月12日）"),
    (D(2026, 10, 21), RED, "超时"),  # recorded after the day judged
])
def test_a_recorded_stage_is_done(recorded, colour, words):
    task = quiet(on_plan(start_date=D(2026, 9, 29), clock_class="general",
                         clock_stages={"first_feedback": recorded}), D(2026, 10, 20))
    stage = judge(task, D(2026, 10, 20))["T1@first_feedback"]
    assert stage.colour == colour and words in stage.reason


@pytest.mark.parametrize("as_of, colour", [
    (D(2026, 10, 2), GREEN), (D(2026, 10, 3), YELLOW), (D(2026, 10, 5), YELLOW),
    (D(2026, 10, 6), RED)])
def test_in_calendar_mode_the_clock_runs_through_holidays(as_of, colour):
    task = quiet(on_plan(start_date=D(2026, 9, 29), clock_class="general"), as_of)
    assert judge(task, as_of, CALENDAR_DAYS)["T1@first_feedback"].colour == colour


def test_a_deadline_beyond_the_calendar_is_still_ahead():
    task = quiet(on_plan(start_date=D(2026, 12, 28), clock_class="general"), D(2026, 12, 31))
    colours = judge(task, D(2026, 12, 31))
    assert colours["T1@deployed"].colour == RED
    assert colours["T1@first_feedback"].colour == GREEN
    assert (colours["T1@closed"].colour, colours["T1@closed"].reason) == (
        GREEN, "如期推进（“办结”应于2027年1月6日前完成（2027年放假安排未录入，暂按周一至周五计））")


def test_a_task_off_the_clock_has_no_stages():
    assert [key for key in judge(make(50), D(2026, 2, 1)) if "@" in key] == []


# Commitments ------------------------------------------------------------------------

@pytest.mark.parametrize("status, as_of, colour, words", [
    ("open", D(2026, 10, 9), GREEN, "如期推进（承诺于2026年10月9日前完成）"),
    ("open", D(2026, 10, 10), RED, "严重延期：书面承诺逾期未兑现（承诺于2026年10月9日前完成）"),
    ("fulfilled", D(2026, 10, 10), GREEN, "已兑现承诺"),
])
def test_a_commitment_past_its_date_and_not_kept_is_red(status, as_of, colour, words):
    task = quiet(on_plan(commitments=(Commitment(7, "u9", D(2026, 10, 9), status),)), as_of)
    colours = judge(task, as_of)
    assert (colours["T1!7"].item_kind, colours["T1!7"].unit) == ("commitment", "u9")
    assert (colours["T1!7"].colour, colours["T1!7"].reason) == (colour, words)
    assert colours["T1"].colour == colour


def test_a_commitment_is_named_by_its_place_among_the_tasks_not_its_id():
    as_of = D(2026, 10, 10)
    task = quiet(on_plan(commitments=(Commitment(7, "u9", D(2026, 12, 9), "open"),
                                      Commitment(12, "u9", D(2026, 10, 9), "open"))), as_of)
    assert judge(task, as_of)["T1"].reason.startswith("严重延期：【承诺2】书面承诺逾期未兑现")


# Extensions -------------------------------------------------------------------------

@pytest.mark.parametrize("extension, as_of, colour, words", [
    (D(2026, 4, 30), D(2026, 4, 20), GREEN, "如期推进（已延期1次，现截止2026年4月30日）"),
    ([D(2026, 4, 15), D(2026, 4, 30)], D(2026, 4, 20), GREEN, "已延期2次，现截止2026年4月30日"),
    (D(2026, 4, 30), D(2026, 5, 6), YELLOW,  # 1–5 May is the Labour Day holiday
     "延期推进：逾期1个工作日未完成目标（计划30%，实际25%；已延期1次，现截止2026年4月30日）"),
])
def test_an_extension_moves_a_target_and_is_counted(extension, as_of, colour, words):
    target = judge(make(25, extensions={1: extension}), as_of)["T1#1"]
    assert target.colour == colour and words in target.reason
    assert judge(make(25), as_of)["T1#1"].colour != GREEN  # late without it


def test_extending_the_task_moves_its_final_targets():
    task = make(65, ((D(2026, 3, 31), 30), (D(2026, 6, 30), 100)), due_date=D(2026, 6, 30),
                extensions={"task": D(2026, 9, 30)})
    colours = judge(quiet(task, D(2026, 7, 15)), D(2026, 7, 15))
    assert colours["T1#2"].reason == "如期推进（已延期1次，现截止2026年9月30日）"
    assert colours["T1"].reason == "如期推进（已延期1次，现截止2026年9月30日）"
    assert colours["T1#1"].colour == GREEN


def test_an_extended_task_without_targets_says_so_in_its_reason():
    task = quiet(make(50, (), due_date=D(2026, 6, 30), extensions={"task": D(2026, 9, 30)}),
                 D(2026, 7, 15))
    (only,) = in_words(task, evaluate_task(task, D(2026, 7, 15), RULES))
    assert only.reason == ("延期推进：落后计划21.7个百分点（按计划应达71.7%，实际50%）；"
                           "已延期1次，现截止2026年9月30日")


# The task ---------------------------------------------------------------------------

def test_a_task_takes_the_worst_colour_of_its_parts_and_says_which():
    task = make(0, commitments=(Commitment(3, "u9", D(2026, 4, 1), "open"),))
    colours = in_words(task, evaluate_task(quiet(task, D(2026, 4, 23)), D(2026, 4, 23), RULES))
    assert [(c.item_key, c.colour) for c in colours[:-1]] == [
        ("T1#1", RED), ("T1#2", RED), ("T1!3", RED)]
    assert colours[-1] == Colour(
        "task", "T1", "T1", "lead", RED,
        "严重延期：【目标1】逾期16个工作日未完成目标（计划30%，实际0%）；另有2项严重延期")


def test_a_task_without_targets_is_judged_on_its_own_plan():
    task = quiet(make(50, (), due_date=D(2026, 6, 30)), D(2026, 7, 22))
    (only,) = in_words(task, evaluate_task(task, D(2026, 7, 22), RULES))
    assert (only.item_kind, only.colour) == ("task", RED)
    assert only.reason == "严重延期：逾期16个工作日未完成目标（计划100%，实际50%）"


@pytest.mark.parametrize("status, words", [
    ("closed", "已销号"), ("explained", "已说明情况"), ("cancelled", "已撤销")])
def test_finished_tasks_are_green_and_their_parts_are_not_coloured(status, words):
    task = make(10, status=status, clock_class="general",
                commitments=(Commitment(1, "u9", D(2026, 2, 1), "open"),))
    (only,) = evaluate_task(task, D(2026, 9, 1), RULES)
    assert (only.item_kind, only.colour, only.reason) == ("task", GREEN, words)


# Whole evaluations ------------------------------------------------------------------

def sample_tasks():
    """Tasks that between them meet every rule in autumn 2026."""
    return [
        make(25, code="A"),
        make(45, ((D(2026, 9, 30), 50), (D(2026, 12, 31), 100)), code="B",
             last_reported_on=D(2026, 9, 5), last_progress_on=D(2026, 7, 1)),
        on_plan(code="C", start_date=D(2026, 9, 29), clock_class="complex",
                clock_stages={"deployed": D(2026, 10, 8)}, last_reported_on=D(2026, 10, 20),
                commitments=(Commitment(4, "u9", D(2026, 10, 9), "open"),)),
        make(10, (), code="D", due_date=D(2026, 10, 30), extensions={"task": D(2026, 11, 30)}),
        make(0, code="E", status="closed"),
    ]


@pytest.mark.parametrize("as_of", [D(2026, 10, 7), D(2026, 10, 14), D(2026, 11, 9)])
def test_evaluating_again_with_the_colours_just_stored_changes_nothing(as_of):
    first = evaluate_tasks(sample_tasks(), as_of, RULES)
    stored = {(c.item_kind, c.item_key): c.colour for c in first}
    assert {RED, YELLOW, GREEN} <= set(stored.values())
    again = evaluate_tasks(sample_tasks(), as_of, RULES, stored)
    assert changes(stored, again) == [] and again == first


def test_day_after_day_the_stored_colours_are_stable():
    stored = {}
    day = D(2026, 9, 25)
    while day <= D(2026, 11, 10):
        # F reports 60% from 12 October: yellow by itself, but it was red and is
        # still short of the plan.
        f = quiet(make(40 if day < D(2026, 10, 12) else 60, (), code="F"), day)
        current = evaluate_tasks(sample_tasks() + [f], day, RULES, stored)
        stored = {(c.item_kind, c.item_key): c.colour for c in current}
        day += dt.timedelta(days=1)
    last = evaluate_tasks(sample_tasks() + [f], D(2026, 11, 10), RULES, stored)
    assert changes(stored, last) == []
    assert words(last[-1].reason, f.percent) == "严重延期：未补齐欠账（按计划应达86%，实际60%）"
    assert evaluate_tasks([f], D(2026, 11, 10), RULES)[-1].colour == YELLOW


def test_only_changed_colours_are_reported():
    current = evaluate_task(make(0), D(2026, 4, 20), RULES)
    stored = {(c.item_kind, c.item_key): c.colour for c in current}
    assert changes(stored, current) == []
    stored[("task", "T1")] = GREEN
    assert [(c.item_key, before) for c, before in changes(stored, current)] == [("T1", GREEN)]


def test_a_year_not_entered_is_judged_monday_to_friday_and_says_so():
    task = quiet(make(20, [(D(2027, 1, 29), 50), (D(2027, 6, 30), 100)],
                      start_date=D(2026, 12, 1), due_date=D(2027, 6, 30)), D(2027, 3, 5))
    colours = judge(task, D(2027, 3, 5))
    # 29 January to 5 March, Monday to Friday: 25 working days late.
    assert colours["T1#1"].colour == RED
    assert colours["T1#1"].reason == ("严重延期：逾期25个工作日未完成目标（计划50%，实际20%）"
                                      "（2027年放假安排未录入，暂按周一至周五计）")
    assert "2027年放假安排未录入" in colours["T1"].reason
    entered = judge_with(task, D(2027, 3, 5), WITH_2027)
    # The Spring Festival week (8–12 February) is off, the 20th worked: 21 days.
    assert entered["T1#1"].reason == "严重延期：逾期21个工作日未完成目标（计划50%，实际20%）"
    assert judge(task, D(2027, 3, 5), CALENDAR_DAYS)["T1#1"].reason.startswith(
        "严重延期：逾期35天未完成目标")


def test_a_task_not_yet_due_relies_on_no_provisional_day():
    task = quiet(make(10, [(D(2027, 6, 30), 100)], start_date=D(2027, 1, 4),
                      due_date=D(2027, 6, 30)), D(2027, 1, 20))
    assert judge(task, D(2027, 1, 20))["T1#1"].reason == "如期推进"


@pytest.mark.parametrize("calendar, first_feedback, closed, note", [
    (None, D(2027, 1, 4), D(2027, 1, 8), "（2027年放假安排未录入，暂按周一至周五计）"),
    ("entered", D(2027, 1, 5), D(2027, 1, 11), ""),
])
def test_13710_stages_across_new_year(calendar, first_feedback, closed, note):
    from services.warnings.logic import clock_deadlines
    calendar = WITH_2027 if calendar else WorkingCalendar("working")
    matter = make(0, (), clock_class="general", start_date=D(2026, 12, 30),
                  due_date=D(2027, 3, 31))
    deadlines = {stage: due for stage, due, _ in clock_deadlines(matter, RULES, calendar)}
    assert deadlines == {"deployed": D(2026, 12, 31), "first_feedback": first_feedback,
                         "closed": closed}
    colours = judge_with(quiet(matter, first_feedback), first_feedback + dt.timedelta(days=1),
                         calendar)
    assert colours["T1@first_feedback"].reason == (
        f"延期推进：“首次反馈”超时（应于{chinese_date(first_feedback)}前完成{note}）")


def test_13710_stages_across_the_spring_festival_week_and_its_make_up_saturday():
    from services.warnings.logic import clock_deadlines
    matter = make(0, (), clock_class="general", start_date=D(2027, 2, 4),
                  due_date=D(2027, 3, 31))
    assert [(stage, due, red) for stage, due, red in clock_deadlines(
        matter, RULES, WITH_2027)] == [
        ("deployed", D(2027, 2, 5), D(2027, 2, 15)),
        ("first_feedback", D(2027, 2, 16), D(2027, 2, 19)),
        ("closed", D(2027, 2, 20), D(2027, 3, 2)),   # the 20th is the make-up Saturday
    ]
    on_time = dataclasses.replace(matter, clock_stages={"closed": D(2027, 2, 20)})
    assert judge_with(quiet(on_time, D(2027, 2, 22)), D(2027, 2, 22),
                      WITH_2027)["T1@closed"].colour == GREEN


def test_a_date_no_calendar_counts_from_is_refused():
    with pytest.raises(CalendarNotCovered) as raised:
        evaluate_task(make(0, [(D(1026, 3, 31), 30)]), D(2026, 4, 1), RULES)
    assert "1026年3月31日" in str(raised.value)
    with pytest.raises(CalendarNotCovered):
        evaluate_tasks([], D(2227, 1, 4), RULES)


def test_the_calendar_must_count_the_days_the_rules_name():
    with pytest.raises(ValueError):
        evaluate_task(make(0), D(2026, 4, 1), RULES, calendar=WorkingCalendar("calendar"))
    colours = evaluate_task(make(0), D(2026, 4, 1), CALENDAR_DAYS,
                            calendar=WorkingCalendar("calendar"))
    assert colours[-1].item_kind == "task"


# What a report cannot change --------------------------------------------------------

def test_a_task_is_judged_the_same_for_any_percentage_in_its_range():
    """unchanged_between's promise, over many plans, days, percentages and colours
    before (red ones among them, for the catch-up rule): inside the range every
    colour and stored word is the same; for an all-green task, at its top
    something changes."""
    rng = random.Random(2026)
    checked = {GREEN: 0, YELLOW: 0, RED: 0}
    for _ in range(1500):
        count = rng.randint(1, 6)
        dues = sorted({D(2026, 1, 1) + dt.timedelta(days=rng.randint(20, 364))
                       for _ in range(count)})
        targets = [(due, round(100 * seq / len(dues), 1)) for seq, due in enumerate(dues, 1)]
        as_of = D(2026, 1, 1) + dt.timedelta(days=rng.randint(1, 330))
        task = quiet(make(round(rng.uniform(0, 100), 1), targets), as_of)
        keys = [("target", f"T1#{seq}") for seq in range(1, len(targets) + 1)] + [("task", "T1")]
        before = {key: RED for key in keys if rng.random() < 0.3}
        colours = evaluate_task(task, as_of, RULES, before)
        span = unchanged_between(task, as_of, RULES, colours)
        if span is None:
            continue
        low, high = span
        assert low <= task.percent < high
        stored = {(colour.item_kind, colour.item_key): colour.colour for colour in colours}
        top = min(high, 100)
        inside = {low, task.percent, top - 0.01, *(rng.uniform(low, top) for _ in range(4))}
        for percent in inside:
            if low <= percent < high:
                again = dataclasses.replace(task, percent=percent)
                assert evaluate_task(again, as_of, RULES, stored) == colours, percent
        worst = colours[-1].colour
        if worst == GREEN and high <= 100:
            past = dataclasses.replace(task, percent=high)
            assert evaluate_task(past, as_of, RULES, stored) != colours
        checked[worst] += 1
    # Enough tasks of each colour were drawn to mean something.
    assert min(checked.values()) > 50, checked


@pytest.mark.parametrize("task, as_of", [
    (make(100, status="closed"), D(2026, 3, 1)),  # finished: not judged by percentage
    # A monthly report missing, or no progress for three months: a report makes
    # them up.
    (make(10, last_reported_on=None, last_progress_on=D(2026, 3, 1)), D(2026, 3, 1)),
    (make(10, last_reported_on=D(2026, 5, 1), last_progress_on=D(2026, 1, 5)), D(2026, 5, 1)),
])
def test_a_task_a_report_could_change_otherwise_has_no_range(task, as_of):
    assert unchanged_between(task, as_of, RULES, evaluate_task(task, as_of, RULES)) is None


def test_a_red_task_holds_while_its_percentage_stays_between_its_thresholds():
    # 21 working days late on target 1 (30%): red whatever the gap; target 2 is
    # worked towards (the plan expects 37.6% on 30 April).
    task = quiet(make(20), D(2026, 4, 30))
    colours = evaluate_task(task, D(2026, 4, 30), RULES)
    assert colours[-1].colour == RED
    expected = planned_by(task, D(2026, 4, 30))
    # Yellow on target 2 from 30 points behind the plan to 10.
    assert unchanged_between(task, D(2026, 4, 30), RULES, colours) == (
        pytest.approx(expected - 30, abs=0.01), pytest.approx(expected - 10, abs=0.01))


# A new task starts fair ----------------------------------------------------------------

# Imported on 10 March with its plan's first points in the past: 25% by January's
# end, 50% by February's, 75% by 6 March.
IMPORTED = make(targets=((D(2026, 1, 31), 25), (D(2026, 2, 28), 50), (D(2026, 3, 6), 75),
                         (D(2026, 12, 31), 100)),
                created_on=D(2026, 3, 10))


def test_a_new_task_waits_for_its_first_report_and_is_neither_yellow_nor_red():
    # March's report is due by the fifth working day of April (Qingming: 8 April).
    for day in (D(2026, 3, 10), D(2026, 3, 31), D(2026, 4, 8)):
        colours = judge(IMPORTED, day)
        assert {c.colour for c in colours.values()} == {GREEN}, day
        task = colours["T1"]
        assert task.reason == "待首报（新建任务，应于2026年4月8日前首次报送，首报前不预警）"
        assert logic.state(task.colour, task.reason) == logic.PENDING_FIRST_REPORT
    assert logic.first_report_due(IMPORTED, RULES) == D(2026, 4, 8)
    assert unchanged_between(IMPORTED, D(2026, 3, 12), RULES,
                             evaluate_task(IMPORTED, D(2026, 3, 12), RULES)) is None


def test_an_imported_tasks_first_report_is_judged_on_its_own_merits():
    # Plan 75%, first report 60%: 15 points short of a step due before the task was
    # given, late only from the day it was: yellow, not red and not "未补齐欠账",
    # though it was red-worthy at 0% the day it came.
    day = D(2026, 3, 12)
    waiting = {(c.item_kind, c.item_key): c.colour
               for c in evaluate_task(IMPORTED, D(2026, 3, 10), RULES)}
    first = dataclasses.replace(quiet(IMPORTED, day), percent=60)
    colours = judge(first, day, previous=waiting)
    assert colours["T1#3"].colour == YELLOW
    assert colours["T1"].colour == YELLOW
    assert "未补齐欠账" not in colours["T1"].reason
    assert logic.state(colours["T1"].colour, colours["T1"].reason) == YELLOW


def test_without_a_report_by_its_day_a_new_task_is_judged_and_earns_its_red():
    colours = judge(IMPORTED, D(2026, 4, 9))
    assert colours["T1"].colour == RED
    assert "待首报" not in colours["T1"].reason
    # Only the months since it was given owe a report: March, not January.
    assert "1月" not in colours["T1"].reason


def test_waiting_for_the_first_report_is_a_rule_the_office_can_turn_off():
    rules = Rules(first_report_grace=False)
    assert judge(IMPORTED, D(2026, 3, 10), rules)["T1"].colour == RED
    assert Rules.from_dict({"first_report_grace": False}).first_report_grace is False
    with pytest.raises(InvalidInput):
        Rules.from_dict({"first_report_grace": "no"})


def test_a_task_known_before_its_creation_day_was_kept_is_judged_as_before():
    old = dataclasses.replace(IMPORTED, created_on=None)
    assert judge(old, D(2026, 3, 10))["T1"].colour == RED


# A re-planned task starts fair again --------------------------------------------------

# Reported on in March at 20% (red: 75% due on 6 March), re-planned on 15 April.
REPLANNED = dataclasses.replace(
    IMPORTED, percent=20, last_reported_on=D(2026, 3, 20), replanned_on=D(2026, 4, 15),
    targets=(
        logic.Target(1, D(2026, 1, 31), 25, "yz"), logic.Target(2, D(2026, 2, 28), 50, "yz"),
        logic.Target(5, D(2026, 6, 30), 60, "yz"), logic.Target(6, D(2026, 12, 31), 100, "yz")))


def test_a_replanned_task_waits_for_its_first_report_under_the_new_plan():
    assert logic.fresh_start(REPLANNED) == D(2026, 4, 15)
    # April's report is due by the fifth working day of May (after the May Day week).
    due = logic.first_report_due(REPLANNED, RULES)
    assert due.month == 5
    colours = judge(REPLANNED, D(2026, 4, 20))
    assert {c.colour for c in colours.values()} == {GREEN}
    assert colours["T1"].reason.startswith("待首报（计划已调整")
    assert logic.state(colours["T1"].colour, colours["T1"].reason) == logic.PENDING_FIRST_REPORT


def test_the_first_report_after_a_replan_ends_the_wait_and_is_judged_on_its_merits():
    reported = dataclasses.replace(REPLANNED, percent=55, last_reported_on=D(2026, 4, 22))
    assert logic.fresh_start(reported) is None
    colours = judge(reported, D(2026, 4, 22))
    assert "待首报" not in colours["T1"].reason
    # Its new step is judged on its merits: no red carried over from before the plan.
    assert colours["T1#5"].colour == GREEN
    assert "未补齐欠账" not in colours["T1"].reason


def test_without_the_rule_a_replanned_task_is_judged_at_once():
    colours = judge(REPLANNED, D(2026, 4, 20), Rules(first_report_grace=False))
    assert colours["T1"].colour == RED


def test_items_that_leave_the_colours_turn_green_with_why():
    gone = logic.leaving([("target", "T1#3", "T1", "yz"), ("task", "T1", "T1", "yz")],
                         logic.CANCELLED_WORDS)
    assert [(c.item_key, c.colour, c.reason) for c in gone] == [
        ("T1#3", GREEN, logic.CANCELLED_WORDS), ("T1", GREEN, logic.CANCELLED_WORDS)]


def test_batches_are_counted_by_colour():
    assert logic.batch_colours([("一", RED, 2), ("一", GREEN, 1), (None, YELLOW, 1)]) == {
        "一": {GREEN: 1, YELLOW: 0, RED: 2}, None: {GREEN: 0, YELLOW: 1, RED: 0}}


# When a new task is first due to be reported on -----------------------------------------
# Sent with a task's first judgement: the notify service tells nobody of a colour the
# task earned before that day.

def test_a_new_task_is_first_due_on_its_first_target_or_first_report_whichever_is_first():
    # Created on 10 March, first target due at June's end: March's report (by 8 April)
    # comes first; without the waiting rule only the target counts.
    fresh = make(targets=((D(2026, 6, 30), 30), (D(2026, 12, 31), 100)),
                 created_on=D(2026, 3, 10))
    assert logic.first_due(fresh, RULES) == D(2026, 4, 8)
    assert logic.first_due(fresh, Rules(first_report_grace=False)) == D(2026, 6, 30)
    # Imported with its plan's first points in the past: it is due already.
    assert logic.first_due(IMPORTED, RULES) == D(2026, 1, 31)
    # No targets: the task's own due date; an approved extension moves it.
    bare = make(targets=(), created_on=None, due_date=D(2026, 5, 31))
    assert logic.first_due(bare, RULES) == D(2026, 5, 31)
    moved = dataclasses.replace(bare, extensions={"task": D(2026, 7, 31)})
    assert logic.first_due(moved, RULES) == D(2026, 7, 31)


def test_a_matter_on_the_13710_clock_is_first_due_at_its_first_stage():
    matter = make(start_date=D(2026, 9, 29), clock_class="general",
                  targets=((D(2026, 12, 31), 100),), created_on=D(2026, 9, 29))
    assert logic.first_due(matter, RULES) == D(2026, 9, 30)  # deployed within a day
    assert logic.first_due(dataclasses.replace(matter, status="closed"), RULES) is None
