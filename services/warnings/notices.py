"""Supervision notices (督办单) as plain functions over plain data: when one is due
on a red task, its number and deadlines, the steps of its life, and its colour as
of a day. Their storage is in the repository; the entrypoints dispatch their events.

A notice is issued (open) to the lead unit of a task red for
`notice_after_red_days` days, automatically at an evaluation or by hand; the unit
acknowledges it by `notice_ack_days` and answers it with its plan by
`notice_answer_days` (in the rules' days); the office closes it. A pending notice
(open or acknowledged) turns yellow past its acknowledgement deadline
unacknowledged, and red past its answer deadline unanswered.
"""
from services.common.dates import chinese_date

from .exceptions import CalendarNotCovered, Conflict
from .logic import FINISHED, GREEN, RED, YELLOW, calendar_for, days_word, words

NOTICE_OPEN, NOTICE_ACKNOWLEDGED, NOTICE_ANSWERED, NOTICE_CLOSED = (
    "open", "acknowledged", "answered", "closed")
NOTICE_STATUSES = (NOTICE_OPEN, NOTICE_ACKNOWLEDGED, NOTICE_ANSWERED, NOTICE_CLOSED)
# Waiting on the unit: judged by their deadlines, and moved when the calendar changes.
PENDING = (NOTICE_OPEN, NOTICE_ACKNOWLEDGED)


def notice_number(year, sequence):
    """The printed number of a notice: 督办〔2026〕12号."""
    return f"督办〔{year}〕{sequence}号"


def notice_deadlines(issued_on, rules, calendar=None):
    """(acknowledge by, answer by, note) of a notice issued on a day, in the rules'
    days; the note says when they were counted through a year whose holidays are
    not entered ("" when not). Raises CalendarNotCovered for a day no calendar
    can count from."""
    calendar = calendar_for(rules, calendar)
    ack_due = calendar.add_working_days(issued_on, rules.notice_ack_days)
    answer_due = calendar.add_working_days(issued_on, rules.notice_answer_days)
    return ack_due, answer_due, calendar.note(issued_on, ack_due, answer_due)


def notice_due(red_since, as_of, rules, calendar=None):
    """Whether an item red since `red_since` has been red long enough, as of a day,
    for a notice to be issued automatically."""
    calendar = calendar_for(rules, calendar)
    return calendar.working_days_between(red_since, as_of) >= rules.notice_after_red_days


def notice_colour(status, ack_due, answer_due, as_of):
    """(colour, stage) of a notice as of a day: yellow ("ack") once it is past its
    acknowledgement deadline unacknowledged, red ("answer") once past its answer
    deadline unanswered, else (GREEN, None). An answered or closed notice is no
    longer judged: the caller keeps the colour it had."""
    if status in (NOTICE_ANSWERED, NOTICE_CLOSED):
        return None, None
    if as_of > answer_due:
        return RED, "answer"
    if status == NOTICE_OPEN and as_of > ack_due:
        return YELLOW, "ack"
    return GREEN, None


# Issuing ----------------------------------------------------------------------------

def red_tasks(current, stored, as_of, percents):
    """[(Colour, red since)] of the tasks `current` colours red, their reasons in
    words (`percents`: {task: the percentage judged}): since the stored day if they
    were red before, else since `as_of`. `stored` is {(kind, key): a stored colour
    with .colour and .since}."""
    red = []
    for colour in current:
        if colour.item_kind == "task" and colour.colour == RED:
            before = stored.get(("task", colour.item_key))
            red.append((colour._replace(reason=words(colour.reason, percents[colour.task])),
                        before.since if before is not None
                        and before.colour == RED else as_of))
    return red


def due_on(red, as_of, rules, calendar):
    """Those of `red` ([(Colour, red since)]) red long enough, as of a day, for a
    notice to be issued automatically."""
    due = []
    for colour, since in red:
        try:
            if notice_due(since, as_of, rules, calendar):
                due.append((colour, since))
        except CalendarNotCovered:
            continue  # judged again once the calendar covers the day
    return due


def noticed_already(earlier, since):
    """Whether a task red since `since` has had its notice: one of its `earlier`
    notices (each with .status and .issued_on) is not closed, or was issued since
    it turned red."""
    return any(notice.status != NOTICE_CLOSED or notice.issued_on >= since
               for notice in earlier)


def automatic_reason(colour, since, as_of, calendar):
    """Why a notice is issued automatically on a task red since `since`, in words."""
    days = calendar.working_days_between(since, as_of)
    return (f"自{chinese_date(since)}起红色预警已{days}{days_word(calendar)}"
            f"{calendar.note(since, as_of)}：{colour.reason}")


def check_task_unfinished(task, status):
    """Conflict when a notice may not be issued on a task whose status is
    `status`: it is finished."""
    if status in FINISHED:
        raise Conflict(f"task {task} is {status}")


def check_none_pending(task, pending):
    """Conflict when another notice on the task is not closed yet: `pending` is
    its (year, sequence), or None."""
    if pending is not None:
        raise Conflict(f"notice {notice_number(*pending)} on task {task} "
                       "is not closed yet")


# Its life ---------------------------------------------------------------------------

def acknowledge(notice_id, status):
    """The status a notice takes when its unit acknowledges it. Conflict unless
    it is open."""
    if status != NOTICE_OPEN:
        raise Conflict(f"notice {notice_id} is {status}")
    return NOTICE_ACKNOWLEDGED


def answer(notice_id, status):
    """The status a notice takes when its unit answers it. Conflict unless it is
    acknowledged."""
    if status == NOTICE_OPEN:
        raise Conflict(f"notice {notice_id} must be acknowledged first")
    if status != NOTICE_ACKNOWLEDGED:
        raise Conflict(f"notice {notice_id} is {status}")
    return NOTICE_ANSWERED


def check_not_closed(notice_id, status):
    """Conflict when the notice is closed already."""
    if status == NOTICE_CLOSED:
        raise Conflict(f"notice {notice_id} is closed already")


def close(item_key, colour, reason):
    """The status a notice takes when the office closes it: once its item (now
    `colour`) is no longer red, or while it is red with the office's decision as
    `reason`; Conflict otherwise."""
    if colour == RED and reason is None:
        raise Conflict(f"{item_key} is still red: closing the notice needs "
                       "the office's decision as the reason")
    return NOTICE_CLOSED


# Judging ----------------------------------------------------------------------------

def judged(pending, as_of):
    """[(notice, colour, stage)] of the `pending` notices (each with .status,
    .ack_due, .answer_due and .colour) whose colour as of a day is not the one they
    hold (notice_colour)."""
    moved = []
    for row in pending:
        colour, stage = notice_colour(row.status, row.ack_due, row.answer_due, as_of)
        if colour is not None and colour != row.colour:
            moved.append((row, colour, stage))
    return moved


def overdue(moved):
    """Those of `moved` (judged) that are facts to announce: yellow or red."""
    # Turning green again means re-judged as of an earlier day.
    return [(row, colour, stage) for row, colour, stage in moved if colour != GREEN]


def moved_deadlines(pending, rules, calendar):
    """[(notice, ack_due, answer_due, note)] of the `pending` notices (each with
    .issued_on, .ack_due, .answer_due and .calendar_note) whose deadlines, counted
    again by `calendar`, differ from what they hold; a notice issued on a day the
    calendar cannot count from keeps its own."""
    changed = []
    for row in pending:
        try:
            ack, answer_due, note = notice_deadlines(row.issued_on, rules, calendar)
        except CalendarNotCovered:
            continue
        if (ack, answer_due, note or None) != (row.ack_due, row.answer_due, row.calendar_note):
            changed.append((row, ack, answer_due, note))
    return changed


def pending_counts(rows):
    """{open, acknowledged, answered, overdue} from rows of (status, colour,
    notices) of the notices not closed: overdue counts those still waiting on the
    unit past a deadline."""
    pending = {NOTICE_OPEN: 0, NOTICE_ACKNOWLEDGED: 0, NOTICE_ANSWERED: 0, "overdue": 0}
    for status, colour, number in rows:
        pending[status] += number
        if colour != GREEN and status != NOTICE_ANSWERED:
            pending["overdue"] += number
    return pending
