"""How every item of a task is coloured, as plain functions over plain data.

In: a `Task` with its targets, 13710 clock stages, commitments and approved
extensions; the day to judge as of; the `Rules`; the colours stored by the previous
evaluation; a `WorkingCalendar` (by default the one the rules name).
Out: one `Colour` per target (`T1#1`), clock stage (`T1@deployed`), commitment
(`T1!7`) and the task itself (`T1`), each with its reason in plain Chinese, where
the task's own percentage is a mark that `words` fills in.

- A target is judged against the task's planned trajectory: 0% on the start date,
  then each target's planned cumulative percentage by its due date, linear in
  between. Before its due date only the target being worked towards (the next one
  due) is judged by how far the task is behind the plan to date; later ones wait
  their turn, so one lagging task does not colour all its future months. After its
  due date a target below its percentage is late.
- A 13710 stage is late when it is not recorded by its deadline; a commitment when
  it is not fulfilled by its promised date.
- The task takes the worst colour of its parts and of its own rules: a monthly
  report not sent, no progress for months. A task without targets is judged as one
  target of 100% by its due date.
- Catch-up: an item judged by percentage that was red stays red until the task's
  percentage reaches what the plan expects of it today, whatever reports arrive.
  A clock stage, a commitment or a missing report is made up by recording it.
- An extension approved by the office moves a due date; the reason says how many
  times it was moved.
- A new task starts fair (the rules' `first_report_grace`): until its first
  report, or the reporting day of the month it was created in, whichever comes
  first, it waits for its first report (待首报, `PENDING_FIRST_REPORT`): its plan
  and its reports are not judged, and its first report is judged on its own
  merits (the catch-up rule only holds red earned since). Days before it was
  created never count as late or as months without a report or progress.
- A re-planned task starts fair again from the day of its re-plan: it waits for
  its first report under the new plan the same way.
"""
import bisect
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from services.common import progress
from services.common.dates import chinese_date
from services.common.errors import CalendarNotCovered, InvalidInput
from services.common.workdays import WORKING, package_calendar

from .rules import Rules  # noqa: F401 — re-exported: callers build Rules through logic

GREEN, YELLOW, RED = "green", "yellow", "red"
SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}
LABELS = {YELLOW: "延期推进", RED: "严重延期"}
# A finished task is green whatever its parts say, and its parts are not coloured.
FINISHED = {"closed": "已销号", "explained": "已说明情况", "cancelled": "已撤销"}
STAGES = ("deployed", "first_feedback", "closed")
STAGE_NAMES = {"deployed": "部署", "first_feedback": "首次反馈", "closed": "办结"}
FULFILLED = "fulfilled"
# Interpolated percentages carry float noise; a hair's breadth must not flip a colour.
PRECISION = 4
PERIOD_WORDS = {30: "一个月", 60: "两个月", 90: "三个月", 180: "半年", 365: "一年"}
# Reasons are kept with the task's own percentage left as marks, filled in when
# read (`words`): a report then rewrites only the words it really changes, not
# every late target's "实际…%" (thousands of rows for a batch of lagging tasks).
PERCENT = "{percent}"
# A task waiting for its first report is green with these words first: its state,
# beside its colour, is PENDING_FIRST_REPORT (see `state`).
PENDING_WORDS = "待首报"
PENDING_FIRST_REPORT = "pending_first_report"
_MARKS = re.compile(r"\{(percent|behind:[^}]+)\}")


# Input ------------------------------------------------------------------------------

# Slots: a full evaluation holds some 135,000 targets and 20,000 tasks at once.
@dataclass(frozen=True, slots=True)
class Target:
    """A step of a task: the cumulative percentage planned by a due date, owned by a
    unit."""

    seq: int
    due_date: dt.date
    planned_percent: float
    unit: str


@dataclass(frozen=True, slots=True)
class Commitment:
    """A unit's written promise; status is "open" or "fulfilled"."""

    id: int
    unit: str
    promised_date: dt.date
    status: str


@dataclass(frozen=True, slots=True)
class Task:
    """A task as the evaluator needs it.

    - percent: the latest cumulative percentage reported.
    - targets: `Target`s, in any order.
    - clock_class: "important", "general" or "complex" for a matter on the 13710
      clock, None otherwise.
    - clock_stages: {stage: day recorded} for the stages recorded so far.
    - commitments: `Commitment`s.
    - last_reported_on: the day of the latest accepted progress report, or None.
    - last_progress_on: the day the cumulative percentage last rose, or None if it
      never did.
    - extensions: {target seq, or "task": the new due date}, or, to count several
      approvals, {key: [each new due date, in the order approved]}. Extending the
      task also moves the targets that were due on its old due date.
    - created_on: the day the task was given to its unit (created or imported),
      or None when not known (a task known before the day was kept).
    - replanned_on: the day the office last approved a new plan, or None: the
      task then starts fair again, as a new one (first_report_grace).
    """

    code: str
    lead_unit: str
    status: str
    start_date: dt.date
    due_date: dt.date
    percent: float
    targets: tuple = ()
    clock_class: str | None = None
    clock_stages: dict = field(default_factory=dict)
    commitments: tuple = ()
    last_reported_on: dt.date | None = None
    last_progress_on: dt.date | None = None
    extensions: dict = field(default_factory=dict)
    created_on: dt.date | None = None
    replanned_on: dt.date | None = None


# Output -----------------------------------------------------------------------------

ITEM_KINDS = ("target", "clock", "commitment", "task")  # what a Colour's item_kind names


class Colour(NamedTuple):
    """The colour of one item. A tuple, because a full evaluation makes one for
    each of some 150,000 items."""

    item_kind: str   # target, clock, commitment or task
    item_key: str    # T1#1, T1@deployed, T1!7 or T1
    task: str
    unit: str
    colour: str
    reason: str      # with the task's percentage as marks: words(reason, percent)


# Evaluation -------------------------------------------------------------------------

def evaluate_tasks(tasks, as_of, rules, previous=None, calendar=None):
    """Colours of many tasks as of a day, in one list (see evaluate_task)."""
    calendar = calendar_for(rules, calendar)
    calendar.require(as_of)
    previous = previous or {}
    colours = []
    for task in tasks:
        colours.extend(evaluate_task(task, as_of, rules, previous, calendar))
    return colours


def evaluate_task(task, as_of, rules, previous=None, calendar=None):
    """The colours of a task's parts and of the task itself (last), as of a day.

    previous is {(item_kind, item_key): colour} from the last evaluation (used by the
    catch-up rule); calendar defaults to the one `rules.calendar_mode` names. Raises
    CalendarNotCovered when a day to judge is outside the working-day calendar.
    """
    if task.status in FINISHED:
        return [Colour("task", task.code, task.code, task.lead_unit, GREEN,
                       FINISHED[task.status])]
    calendar = calendar_for(rules, calendar)
    calendar.require(as_of)
    previous = previous or {}
    unit_of_days = days_word(calendar)
    steps, planned_today, next_due, task_due, task_times = _schedule(task, as_of)
    pending = _pending_words(task, as_of, rules, calendar)

    colours = []
    findings = []  # (colour, subject, text) of every part, for the task's reason
    for target, due, planned, times in steps:
        key = f"{task.code}#{target.seq}" if target else task.code
        if pending is not None:
            colour, text = GREEN, pending
        else:
            colour, text = _target_colour(task.percent, due, planned, as_of, next_due,
                                          planned_today, rules, calendar, unit_of_days,
                                          _given_on(task, rules))
            expected = planned if as_of > due else min(planned, planned_today)
            colour, text = _catch_up(previous.get(("target" if target else "task", key)),
                                     colour, text, task.percent, expected)
        if target is None:  # the task's own plan: its finding is the task's
            findings.append((colour, "", text))
            continue
        if times:
            text = _with_note(text, f"已延期{times}次，现截止{chinese_date(due)}")
        colours.append(Colour("target", key, task.code, target.unit, colour,
                              _reason(colour, text)))
        findings.append((colour, f"【目标{target.seq}】", text))

    if task.clock_class:
        for stage, colour, text in _clock_colours(task, as_of, rules, calendar):
            colours.append(Colour("clock", f"{task.code}@{stage}", task.code,
                                  task.lead_unit, colour, _reason(colour, text)))
            findings.append((colour, "【13710】", text))

    # A commitment is named in words by its place among the task's, in the order
    # they were made, as the task's page numbers them: its id means nothing to people.
    for number, commitment in enumerate(task.commitments, 1):
        colour, text = _commitment_colour(commitment, as_of)
        colours.append(Colour("commitment", f"{task.code}!{commitment.id}", task.code,
                              commitment.unit, colour, _reason(colour, text)))
        findings.append((colour, f"【承诺{number}】", text))

    if task.status == "active" and task.percent < 100 and pending is None:
        findings.extend((colour, "", text) for colour, text in (
            _report_finding(task, as_of, rules, calendar),
            _stalled_finding(task, as_of, rules)) if colour != GREEN)

    colour, reason = _task_reason(findings)
    if colour == GREEN and pending is not None:
        reason = pending
    if task_times:
        note = f"已延期{task_times}次，现截止{chinese_date(task_due)}"
        reason = _with_note(reason, note) if colour == GREEN else f"{reason}；{note}"
    colours.append(Colour("task", task.code, task.code, task.lead_unit, colour, reason))
    return colours


def unchanged_between(task, as_of, rules, colours, calendar=None):
    """(low, high): the percentages p, low <= p < high, for which the task, judged
    as of the same day by the same rules with `colours` (its evaluation as of
    `as_of`) as the colours before, gets exactly `colours` again; None when a
    report could change more than that: a task not active, or one late with a
    monthly report or stalled.

    No reason names the percentage (it is a mark: `words`), a 13710 stage or a
    commitment does not depend on it, and a later report can only make up a
    missing report or a stall, never cause one. So only the findings of the
    plan's steps can change, and each stays the same while the percentage stays
    on the same side of every threshold that decides it: the step's planned
    percentage; when late, the red gap; for the step being worked towards, the
    yellow and red gaps to the plan; for a red one, the plan to date it must
    catch up with. The thresholds the rules compare after rounding are kept a
    hair away, so that rounding cannot decide.
    """
    if task.status != "active":
        return None
    calendar = calendar_for(rules, calendar)
    if _pending_words(task, as_of, rules, calendar) is not None:
        return None  # the first report ends the wait, whatever its percentage
    low, high, percent = 0.0, float("inf"), task.percent
    hair = 10 ** -(PRECISION - 1)
    if any(colour != GREEN for colour, _ in (_report_finding(task, as_of, rules, calendar),
                                             _stalled_finding(task, as_of, rules))):
        if percent < 100:
            return None
        low = 100.0  # judged at 100% without the task's own rules; below, with them
    was = {(colour.item_kind, colour.item_key): colour.colour for colour in colours}
    steps, planned_today, next_due, _, _ = _schedule(task, as_of)
    for target, due, planned, _ in steps:
        if percent >= planned:
            low = max(low, planned)  # "已完成目标" while the percentage stays at it
            continue
        high = min(high, planned)  # reaching it completes the target
        expected = planned if as_of > due else min(planned, planned_today)
        if as_of > due:
            thresholds = [planned - rules.behind_points_red]
        elif due == next_due:
            thresholds = [expected - rules.behind_points_red,
                          expected - rules.behind_points_yellow]
        else:
            thresholds = []
        key = ("target", f"{task.code}#{target.seq}") if target else ("task", task.code)
        if was.get(key) == RED:
            thresholds.append(expected)  # the catch-up rule
        for threshold in thresholds:
            if percent >= threshold:
                low = max(low, threshold + hair)
            else:
                high = min(high, threshold - hair)
    return (low, high) if low <= percent < high else None


def planned_by(task, day):
    """The cumulative percentage the task's plan expects by `day`, with approved
    extensions applied."""
    return _schedule(task, day)[1]


def first_report_due(task, rules, calendar=None):
    """The day by which a new task's first report is due (the reporting day of the
    month it was created in, or re-planned in), or None when it does not wait for
    one: the rule is off, its creation day is not known, it has been reported on
    (since its re-plan), or it is not active. Raises CalendarNotCovered when the
    day lies beyond the calendar."""
    if not rules.first_report_grace or task.status != "active":
        return None
    fresh = fresh_start(task)
    if fresh is None:
        return None
    return reporting_day(fresh.year, fresh.month, rules, calendar)


def first_due(task, rules, calendar=None):
    """The first day the task is due to be reported on: the earliest of its first
    target's due date (its own due date when it has no targets; extensions
    applied), the reporting day its first report is due by (first_report_due)
    and the deadline of its first 13710 stage. Sent with a task's first
    judgement, so that a colour the task earned before anyone had to report on it
    messages nobody (the notify service holds it until this day). None for a
    finished task."""
    if task.status in FINISHED:
        return None
    task_due, task_times = _extension(task.extensions.get("task"), task.due_date)
    days = [due for _, due, _, _ in _steps(task, task_due, task_times)]
    try:
        days.append(first_report_due(task, rules, calendar))
        days += [due for _, due, _ in clock_deadlines(task, rules, calendar)]
    except CalendarNotCovered:
        pass  # a day beyond the calendar is later than the others
    return min((day for day in days if day is not None), default=None)


def fresh_start(task):
    """The day from which the task waits for a first report, or None: the day of
    its re-plan when nothing was reported since, else the day it was given when
    nothing was reported yet. A re-planned task's first report under its new
    plan is judged on its own merits, as a new task's is."""
    if task.replanned_on is not None and (task.last_reported_on is None
                                          or task.last_reported_on < task.replanned_on):
        return task.replanned_on
    if task.created_on is not None and task.last_reported_on is None:
        return task.created_on
    return None


def state(colour, reason):
    """An item's state as machines read it beside its colour: PENDING_FIRST_REPORT
    for a task (or its target) waiting for its first report, else the colour."""
    return PENDING_FIRST_REPORT if reason.startswith(PENDING_WORDS) else colour


def _given_on(task, rules):
    """The day the task was given, when the rules start a new task fair; else None
    (judged from its dates alone, as before the rule)."""
    return task.created_on if rules.first_report_grace else None


def _pending_words(task, as_of, rules, calendar):
    """The words of a task waiting for its first report as of a day, or None."""
    try:
        due = first_report_due(task, rules, calendar)
    except CalendarNotCovered:
        # The reporting day lies beyond the calendar: later than any day it judges.
        return f"{PENDING_WORDS}（新建任务，首次报送前不预警）"
    if due is None or as_of > due:
        return None
    if task.replanned_on is not None and fresh_start(task) == task.replanned_on:
        return (f"{PENDING_WORDS}（计划已调整，应于{chinese_date(due)}前按新计划首次报送，"
                "首报前不预警）")
    return f"{PENDING_WORDS}（新建任务，应于{chinese_date(due)}前首次报送，首报前不预警）"


def reporting_day(year, month, rules, calendar=None):
    """The last day to report a month's progress: the rules' working day of the
    month after it."""
    calendar = calendar_for(rules, calendar)
    year, month = _month_after(year, month)
    return calendar.nth_working_day_of_month(year, month, rules.report_working_day)


def changes(previous, current):
    """The colours that differ from what was stored: previous is {(kind, key): colour};
    answers [(Colour, previous colour or None)]."""
    return [
        (colour, previous.get((colour.item_kind, colour.item_key)))
        for colour in current
        if previous.get((colour.item_kind, colour.item_key)) != colour.colour
    ]


# Targets and the plan ---------------------------------------------------------------

def _schedule(task, as_of):
    """(steps, the plan's percentage on `as_of`, the next due date on or after it or
    None, the task's due date, how many times it was extended), after the
    extensions approved."""
    task_due, task_times = _extension(task.extensions.get("task"), task.due_date)
    steps = _steps(task, task_due, task_times)
    xs, ys = _plan(task.start_date, steps)
    upcoming = [due for _, due, _, _ in steps if due >= as_of]
    return (steps, _planned(xs, ys, as_of.toordinal()), min(upcoming) if upcoming else None,
            task_due, task_times)


def _steps(task, task_due, task_times):
    """[(target or None, due date, planned percent, times extended)] after the
    extensions; a task without targets is one step of 100% by its due date."""
    if not task.targets:
        return [(None, task_due, 100.0, 0)]
    steps = []
    for target in task.targets:
        due, times = _extension(task.extensions.get(target.seq), target.due_date)
        if not times and task_times and target.due_date == task.due_date:
            due, times = task_due, task_times  # the task's final steps move with it
        steps.append((target, due, target.planned_percent, times))
    return steps


def _plan(start, steps):
    """The planned trajectory as (day ordinals, percentages), from 0% on the start
    date. The percentage never falls: a target extended past a later one does not
    lower what the later one expects."""
    xs, ys = [start.toordinal()], [0.0]
    for due, planned in sorted((due, planned) for _, due, planned, _ in steps):
        xs.append(due.toordinal())
        ys.append(max(planned, ys[-1]))
    return xs, ys


def _planned(xs, ys, day):
    """The plan's percentage on a day (an ordinal), linear between its points."""
    if day <= xs[0]:
        return 0.0
    for i in range(1, len(xs)):
        if day <= xs[i]:
            span = xs[i] - xs[i - 1]
            if span <= 0:
                return ys[i]
            return ys[i - 1] + (ys[i] - ys[i - 1]) * (day - xs[i - 1]) / span
    return ys[-1]


def _target_colour(percent, due, planned, as_of, next_due, planned_today, rules, calendar,
                   days_word, created_on=None):
    """(colour, text) of one step of the plan."""
    if percent >= planned:
        return GREEN, f"已完成目标（{planned:g}%）"
    if as_of > due:
        # A step due before the task was given is late from that day, not before.
        late = calendar.working_days_between(max(due, created_on or due), as_of)
        short = round(planned - percent, PRECISION)
        figures = f"（计划{planned:g}%，实际{PERCENT}%）"
        text = (f"逾期{late}{days_word}未完成目标{figures}{calendar.note(due, as_of)}"
                if late > 0 else f"已过截止日期{chinese_date(due)}，未完成目标{figures}")
        if late > rules.late_days_red or short > rules.behind_points_red:
            return RED, text
        return YELLOW, text
    if due != next_due:
        return GREEN, f"未到期（截止{chinese_date(due)}）"
    expected = min(planned, planned_today)
    behind = round(expected - percent, PRECISION)
    text = (f"落后计划{{behind:{expected!r}}}个百分点（按计划应达{_points(expected)}%，"
            f"实际{PERCENT}%）")
    if behind > rules.behind_points_red:
        return RED, text
    if behind > rules.behind_points_yellow:
        return YELLOW, text
    return GREEN, "如期推进"


def _catch_up(previous, colour, text, percent, expected):
    """A red item stays red until the percentage reaches what the plan expects."""
    if previous == RED and colour != RED and round(expected - percent, PRECISION) > 0:
        return RED, f"未补齐欠账（按计划应达{_points(expected)}%，实际{PERCENT}%）"
    return colour, text


# 13710 clock, commitments -----------------------------------------------------------

def _clock_colours(task, as_of, rules, calendar):
    """[(stage, colour, text)] for the three stages of a matter on the 13710 clock,
    counted from its assignment day (the start date)."""
    calendar.require(task.start_date)
    answers = []
    for stage in STAGES:
        due, red_after = _stage_deadlines(task, stage, rules, calendar)
        name = STAGE_NAMES[stage]
        recorded = task.clock_stages.get(stage)
        if recorded is not None and recorded > as_of:
            recorded = None  # judged as of a day before it was recorded
        # A deadline past the end of the calendar is later than as_of, which is inside.
        by = (f"应于{chinese_date(due)}前完成{calendar.note(task.start_date, red_after or due)}"
              if due else "未到时限")
        if recorded is not None:
            if due is None or recorded <= due:
                answers.append((stage, GREEN, f"“{name}”已按时完成（{chinese_date(recorded)}）"))
            else:
                answers.append((stage, GREEN, f"“{name}”已完成，但超时（{by}，"
                                              f"实际{chinese_date(recorded)}）"))
        elif red_after is not None and as_of > red_after:
            answers.append((stage, RED, f"“{name}”超时（{by}）"))
        elif due is not None and as_of > due:
            answers.append((stage, YELLOW, f"“{name}”超时（{by}）"))
        else:
            answers.append((stage, GREEN, f"如期推进（“{name}”{by}）"))
    return answers


def overdue_days(task, today):
    """Days since the earliest due date, after the extensions approved, whose
    planned percentage the task has not reached (a target's, or the task's own
    100%): how far behind it is. 0 when nothing it missed is past."""
    task_due, task_times = _extension(task.extensions.get("task"), task.due_date)
    missed = [due for _, due, planned, _ in _steps(task, task_due, task_times)
              if planned > task.percent]
    if task.percent < 100:
        missed.append(task_due)
    late = [day for day in missed if day < today]
    return (today - min(late)).days if late else 0


def days_in_colour(since, today):
    """Whole days an item has had its colour by `today`: from the evaluation day it
    turned that colour (`since`, a date or its ISO text; None: not judged). The
    day it turns red counts 0, as the office counts days red (亮红灯天数)."""
    if since is None:
        return None
    if isinstance(since, str):
        since = dt.date.fromisoformat(since)
    return max(0, (today - since).days)


def red_order(item):
    """The order of the red items on the one screen: red the longest first, then
    furthest past the first date missed, then by code."""
    return (-item["days_red"], -item["overdue_days"], item["task"])


def clock_deadlines(task, rules, calendar=None):
    """[(stage, due, red_after)] of the 13710 stages of `task` not recorded yet, in
    order: the day after which the stage is late (yellow) and the day after which
    it is red, each None when it lies beyond the calendar. [] for a task not on the
    clock or finished."""
    if not task.clock_class or task.status in FINISHED:
        return []
    calendar = calendar_for(rules, calendar)
    calendar.require(task.start_date)
    return [(stage, *_stage_deadlines(task, stage, rules, calendar))
            for stage in STAGES if stage not in task.clock_stages]


def counts_at(ends, changes, left):
    """[{colour: tasks}] at the end of each day of `ends` (ascending), from
    `changes`, (task, as_of, colour) by task in the order stored: each task's
    latest change judged as of that day or before, the tasks `left` ({task: day})
    by then not counted, as the one screen counts the tasks in hand. One pass
    over the history for every day asked: a day at a time, the history of
    years would be read once a week shown."""
    counts = [dict.fromkeys(SEVERITY, 0) for _ in ends]

    def count(task, colours):
        gone = left.get(task)
        for index, colour in enumerate(colours):
            if colour is not None and (gone is None or ends[index] < gone):
                counts[index][colour] += 1

    task, colours = None, []
    for code, as_of, colour in changes:
        if code != task:
            if task is not None:
                count(task, colours)
            task, colours = code, [None] * len(ends)
        # Stored later, it is the latest for every day on or after the one it
        # was judged as of.
        for index in range(bisect.bisect_left(ends, as_of), len(ends)):
            colours[index] = colour
    if task is not None:
        count(task, colours)
    return counts


def week_ends(as_of, weeks):
    """The last day of each of the `weeks` weeks (Monday to Sunday) up to `as_of`,
    oldest first; the current week ends on `as_of` itself."""
    if weeks < 1:
        raise ValueError("at least one week")
    last_sunday = as_of - dt.timedelta(days=as_of.isoweekday() % 7)
    days = [last_sunday - dt.timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    if last_sunday != as_of:
        days = days[1:] + [as_of]
    return days


def _stage_deadlines(task, stage, rules, calendar):
    """(yellow after, red after) of a stage; None where it lies beyond the calendar."""
    start = task.start_date
    multiple = rules.clock_red_multiple
    if stage == "closed" and task.clock_class == "complex":
        days = rules.clock_complex_closed_days
        return (_or_none(calendar.working_day_on_or_after, start + dt.timedelta(days=days)),
                _or_none(calendar.working_day_on_or_after,
                         start + dt.timedelta(days=days * multiple)))
    days = {"deployed": rules.clock_deployed_days,
            "first_feedback": rules.clock_first_feedback_days,
            "closed": rules.clock_closed_days}[stage]
    return (_or_none(calendar.add_working_days, start, days),
            _or_none(calendar.add_working_days, start, days * multiple))


def _or_none(count, *args):
    # Only called for days after a covered start date, so an answer beyond the
    # calendar means "later than any day it can judge".
    try:
        return count(*args)
    except CalendarNotCovered:
        return None


def _commitment_colour(commitment, as_of):
    promised = chinese_date(commitment.promised_date)
    if commitment.status == FULFILLED:
        return GREEN, "已兑现承诺"
    if as_of > commitment.promised_date:
        return RED, f"书面承诺逾期未兑现（承诺于{promised}前完成）"
    return GREEN, f"如期推进（承诺于{promised}前完成）"


# The task's own rules ---------------------------------------------------------------

def _report_finding(task, as_of, rules, calendar):
    """(colour, text) of the monthly progress reports. A month's report is whatever
    arrives after the previous month's reporting day; the months still without one
    are the latest months, back to the last report."""
    # The months before the task was given owe no report.
    first = max(task.start_date, _given_on(task, rules) or task.start_date)
    return _reports_missing(as_of, (first.year, first.month),
                            task.last_reported_on, rules.report_working_day,
                            rules.missing_reports_red, calendar)


# The finding depends on the task only through its first month and its last report,
# which thousands of tasks share: a full re-evaluation computes each answer once.
@functools.lru_cache(maxsize=16_384)
def _reports_missing(as_of, first, last, working_day, red_after, calendar):
    def due(year, month):
        return calendar.nth_working_day_of_month(*_month_after(year, month), working_day)

    year, month = _month_before(as_of.year, as_of.month)
    if as_of <= due(year, month):
        year, month = _month_before(year, month)
    missing = []
    while (year, month) >= first and len(missing) < red_after:
        if last is not None and last > due(*_month_before(year, month)):
            break
        missing.append((year, month))
        year, month = _month_before(year, month)
    if not missing:
        return GREEN, ""
    missing.reverse()
    months = "、".join(f"{m}月" if y == as_of.year else f"{y}年{m}月" for y, m in missing)
    note = calendar.note(due(*missing[0]), as_of)
    if len(missing) >= red_after:
        if len(missing) == 1:
            return RED, f"{months}进展未按时报送{note}"
        return RED, f"{months}进展连续未报送{note}"
    return YELLOW, f"{months}进展未按时报送（应于{chinese_date(due(*missing[-1]))}前报送）{note}"


def _stalled_finding(task, as_of, rules):
    """(colour, text): red when the percentage has not risen for too long."""
    since = max(task.start_date, _given_on(task, rules) or task.start_date,
                task.last_progress_on or task.start_date)
    days = (as_of - since).days
    if days < rules.stalled_days_red:
        return GREEN, ""
    period = PERIOD_WORDS.get(rules.stalled_days_red, f"{rules.stalled_days_red}天")
    if task.last_progress_on is None:
        return RED, f"{period}无进展（自{chinese_date(since)}开始，{days}天未有进展）"
    return RED, f"{period}无进展（最近进展于{chinese_date(since)}，已{days}天）"


def _task_reason(findings):
    """(colour, reason) of the task: its worst finding, named, and how many more."""
    worst = max((SEVERITY[colour] for colour, _, _ in findings), default=0)
    if worst == 0:
        return GREEN, "如期推进"
    worst_colour = (GREEN, YELLOW, RED)[worst]
    first, *others = [(subject, text) for colour, subject, text in findings
                      if colour == worst_colour]
    reason = f"{LABELS[worst_colour]}：{first[0]}{first[1]}"
    if others:
        reason += f"；另有{len(others)}项{LABELS[worst_colour]}"
    return worst_colour, reason


# Small helpers ----------------------------------------------------------------------

def calendar_for(rules, calendar):
    """The calendar to count by: the one given, which must count the days the
    rules name, or by default the package's of the rules' mode."""
    if calendar is None:
        return package_calendar(rules.calendar_mode)
    if calendar.mode != rules.calendar_mode:
        raise ValueError(f"the rules count {rules.calendar_mode} days, the calendar "
                         f"{calendar.mode} days")
    return calendar


def _extension(value, due):
    """(due date, times extended) from an extension entry: a date, or the dates of
    successive extensions in order."""
    if value is None:
        return due, 0
    if isinstance(value, dt.date):
        return value, 1
    value = list(value)
    return (value[-1], len(value)) if value else (due, 0)


def days_word(calendar):
    """How the calendar's days are named in a reason: working days or days."""
    return "个工作日" if calendar.mode == WORKING else "天"


def _reason(colour, text):
    return text if colour == GREEN else f"{LABELS[colour]}：{text}"


def _with_note(text, note):
    """The text with a note added inside its closing bracket, or in new ones."""
    if text.endswith("）"):
        return f"{text[:-1]}；{note}）"
    return f"{text}（{note}）"


def words(reason, percent):
    """A reason as people read it: its marks filled in from the task's percentage
    (the one it was judged with; the task's latest, for a stored reason)."""
    if "{" not in reason:
        return reason

    def fill(match):
        mark = match.group(1)
        if mark == "percent":
            return f"{percent:g}"
        # Never below 0: a report the calendar could not judge may have passed
        # the plan since the words were stored.
        return _points(max(round(float(mark[len("behind:"):]) - percent, PRECISION), 0))

    return _MARKS.sub(fill, reason)


def _points(value):
    return f"{round(value, 1):g}"


def _month_before(year, month):
    return (year, month - 1) if month > 1 else (year - 1, 12)


def _month_after(year, month):
    return (year, month + 1) if month < 12 else (year + 1, 1)


# What a batch of reports does to a task ---------------------------------------------

class Reported(NamedTuple):
    """A task after its reports of a batch: what its watched copy keeps."""

    code: str
    percent: float
    reported_at: dt.datetime     # the latest report's moment, naive UTC
    reported_on: dt.date | None  # the latest report's local day
    progress_on: dt.date | None  # the last local day the percentage rose
    count: int                   # how many reports of the batch it had


def after_reports(task, reports, day_of):
    """The task (its watched copy: .code, .percent, .last_reported_at,
    .last_reported_on, .last_progress_on) after its reports of a batch, in order:
    the last percentage counts, as in the tasks service (common.progress);
    progress is a rise over the one before. A report counts from when the
    platform received it (received_of), never from the time its sender gave it.
    `day_of` gives a moment's local day."""
    percent, reported_at = progress.after_reports(
        task.percent, task.last_reported_at,
        [(report["percent"], naive_utc(received_of(report))) for report in reports])
    before, progress_on, reported_on = task.percent, task.last_progress_on, task.last_reported_on
    for report in reports:
        day = day_of(received_of(report))
        if report["percent"] > before:
            progress_on = day if progress_on is None else max(progress_on, day)
        before = report["percent"]
        reported_on = day if reported_on is None else max(reported_on, day)
    return Reported(task.code, percent, reported_at, reported_on, progress_on, len(reports))


def received_of(record):
    """When the platform received a report or a 13710 stage: what timeliness is
    judged by. An event from before receipt was sent has only its own time."""
    return record.get("received_at") or record.get("reported_at") or record["recorded_at"]


@functools.lru_cache(maxsize=256)
def naive_utc(moment):
    """A moment as the watched copy keeps it: UTC without its zone. Kept for the
    last moments converted: a batch's reports mostly share one receipt."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.replace(tzinfo=None)


def still_holds(task, percent, today, version):
    """Whether the task's last evaluation (its watched copy: .holds_on,
    .holds_rules, .holds_from, .holds_below) holds for a new percentage today under
    the rules of `version`: then a report need not colour it again."""
    return (task.holds_on == today and task.holds_rules == version
            and task.holds_from <= percent < task.holds_below)


def held_spans(tasks, as_of, rules, current, calendar):
    """({code: (low, high)}, [code]): for each task just judged, the percentages over
    which what it was found to be holds (unchanged_between), and the tasks for which
    nothing holds, those the calendar could not judge among them. `current` are
    the colours just found."""
    by_task = {}
    for colour in current:
        by_task.setdefault(colour.task, []).append(colour)
    held, unheld = {}, []
    for task in tasks:
        found = by_task.get(task.code)
        span = found and unchanged_between(task, as_of, rules, found, calendar)
        if span:
            held[task.code] = span
        else:
            unheld.append(task.code)
    return held, unheld


def colour_leniently(tasks, as_of, rules, previous, calendar):
    """(colours, {code: problem}): the colours, as of a day the calendar covers, of
    every task but those whose own dates no calendar can count from, which are
    skipped and answered with why, for the office to fix: one bad task never
    stops the city's evaluation."""
    try:
        return evaluate_tasks(tasks, as_of, rules, previous, calendar), {}
    except CalendarNotCovered:
        current, skipped = [], {}
        for task in tasks:
            try:
                current.extend(evaluate_task(task, as_of, rules, previous, calendar))
            except CalendarNotCovered as exc:
                skipped[task.code] = str(exc)
        return current, skipped


# Items that leave the colours -------------------------------------------------------

CANCELLED_WORDS = "已撤销，不再预警"
REPLACED_WORDS = "计划已调整，本目标由新计划替代"


def finished_parts(tasks, amiss):
    """Green `Colour`s, in the words of their task's end (FINISHED), for the parts
    ([(kind, key, task, unit)], as stored yellow or red) of the `tasks` closed or
    explained: such a task is judged no more, and neither is any of its parts, so
    each spell of yellow or red that counts them ends on that day instead of
    running on in the ranking and the escalations for as long as the office runs."""
    ended = {task.code: FINISHED[task.status] for task in tasks if task.status in FINISHED}
    return [Colour(kind, key, task, unit, GREEN, ended[task])
            for kind, key, task, unit in amiss if kind != "task" and task in ended]


def leaving(items, words):
    """Green `Colour`s with `words` for stored items ([(kind, key, task, unit)])
    that leave the colours (a cancelled task's, a re-plan's replaced targets):
    stored as the last change of each, so every spell of yellow or red that
    counts them (the ranking's, the escalation ladder's) ends on that day."""
    return [Colour(kind, key, task, unit, GREEN, words) for kind, key, task, unit in items]


# The one screen's counts ------------------------------------------------------------

def batch_colours(rows):
    """{batch: {green, yellow, red}} from rows of (batch, colour, tasks)."""
    answer = {}
    for batch, colour, number in rows:
        answer.setdefault(batch, {GREEN: 0, YELLOW: 0, RED: 0})[colour] += number
    return answer


def colour_counts(rows):
    """({colour: tasks}, [{unit, green, yellow, red, worst}] by unit) from rows of
    (unit, colour, tasks)."""
    counts = {GREEN: 0, YELLOW: 0, RED: 0}
    units = {}
    for unit, colour, number in rows:
        counts[colour] += number
        units.setdefault(unit, {"unit": unit, **dict.fromkeys(counts, 0)})[colour] = number
    for entry in units.values():
        entry["worst"] = next((colour for colour in (RED, YELLOW, GREEN) if entry[colour]),
                              GREEN)
    return counts, sorted(units.values(), key=lambda u: u["unit"])


# The office's calendar --------------------------------------------------------------

def changed_days(calendar, entry):
    """{"to_holiday": [date], "to_workday": [date]}: the days of `entry`'s year
    whose working status `entry` changes against `calendar`."""
    to_holiday, to_workday = [], []
    day = dt.date(entry.year, 1, 1)
    while day.year == entry.year:
        works = day in entry.workdays or (day.weekday() < 5 and day not in entry.holidays)
        if works != calendar.is_working_day(day):
            (to_workday if works else to_holiday).append(day.isoformat())
        day += dt.timedelta(days=1)
    return {"to_holiday": to_holiday, "to_workday": to_workday}


# An entrypoint's free text (a reason, an answer, a note) is at most this long.
MAX_TEXT = 5000


def given_text(value, field, required=True):
    """A stripped text argument, or None when it may be left out; InvalidInput
    for an empty or over-long one."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput({field: "must not be empty"})
    if len(value) > MAX_TEXT:
        raise InvalidInput({field: f"at most {MAX_TEXT:,} characters"})
    return value.strip()
