"""The events the warnings service emits: their names and the schemas it owns."""
from marshmallow import Schema, fields

from services.common.events import EventSchema

COLOUR_CHANGED = "colour_changed"
RULES_CHANGED = "rules_changed"
NOTICE_ISSUED = "notice_issued"
NOTICE_ACKNOWLEDGED = "notice_acknowledged"
NOTICE_ANSWERED = "notice_answered"
NOTICE_CLOSED = "notice_closed"
NOTICE_OVERDUE = "notice_overdue"
CALENDAR_CHANGED = "calendar_changed"


class ColourChange(Schema):
    item_kind = fields.String(required=True)  # task, target, clock, commitment
    item_key = fields.String(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    colour = fields.String(required=True)  # green, yellow, red
    previous = fields.String(allow_none=True)
    reason = fields.String(required=True)
    rule_version = fields.Integer(required=True)
    # A task's first judgement (previous null): the day it is first due to be
    # reported on (its first target, first monthly report or first 13710 stage,
    # whichever is earliest). Null otherwise; absent from older events.
    first_due = fields.String(allow_none=True)


class ColourChanged(EventSchema):
    """The changes of one evaluation, in one event (an evaluation of every task:
    one event for each chunk of tasks, EVALUATION_CHUNK); emitted only when
    something changed."""

    as_of = fields.String(required=True)
    changes = fields.List(fields.Nested(ColourChange), required=True)


class RulesChanged(EventSchema):
    """A new version of the rules is in force from the next evaluation. `changes`
    is {field: [old value, new value]} of the fields that differ."""

    version = fields.Integer(required=True)
    previous_version = fields.Integer(required=True)
    rules = fields.Dict(required=True)
    changes = fields.Dict(required=True)
    changed_by = fields.String(required=True)
    note = fields.String(allow_none=True)


class NoticePayload(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)  # 督办〔2026〕12号
    task = fields.String(required=True)
    unit = fields.String(required=True)  # addressed to its head
    item_kind = fields.String(required=True)
    item_key = fields.String(required=True)
    reason = fields.String(required=True)
    issued_at = fields.String(required=True)
    ack_due = fields.String(required=True)
    answer_due = fields.String(required=True)
    status = fields.String(required=True)


class NoticeIssued(EventSchema):
    notice = fields.Nested(NoticePayload, required=True)


class NoticeEvent(EventSchema):
    """What every later step of a notice names."""

    notice_id = fields.Integer(required=True)
    number = fields.String(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)


class NoticeAcknowledged(NoticeEvent):
    acknowledged_at = fields.String(required=True)


class NoticeAnswered(NoticeEvent):
    answered_at = fields.String(required=True)


class NoticeClosed(NoticeEvent):
    closed_at = fields.String(required=True)
    reason = fields.String(allow_none=True)


class NoticeOverdue(NoticeEvent):
    """A notice past a deadline: "ack" (yellow) or "answer" (red)."""

    stage = fields.String(required=True)
    colour = fields.String(required=True)


class CalendarHoliday(Schema):
    date = fields.String(required=True)  # YYYY-MM-DD
    name = fields.String(required=True)  # the festival: 春节


class CalendarChanged(EventSchema):
    """The office entered a year of the working-day calendar (a new version of it):
    its holidays and make-up working days in full, so that every service counts
    working days the same way from its own copy. The years the holiday package
    covers and the office never entered are not sent: every service reads them
    from the package."""

    year = fields.Integer(required=True)
    version = fields.Integer(required=True)
    holidays = fields.List(fields.Nested(CalendarHoliday), required=True)
    workdays = fields.List(fields.String(), required=True)
    note = fields.String(required=True)
    changed_by = fields.String(required=True)
    changed_at = fields.String(required=True)


SCHEMAS = {
    COLOUR_CHANGED: ColourChanged,
    RULES_CHANGED: RulesChanged,
    NOTICE_ISSUED: NoticeIssued,
    NOTICE_ACKNOWLEDGED: NoticeAcknowledged,
    NOTICE_ANSWERED: NoticeAnswered,
    NOTICE_CLOSED: NoticeClosed,
    NOTICE_OVERDUE: NoticeOverdue,
    CALENDAR_CHANGED: CalendarChanged,
}



# Accountability records (三问) -----------------------------------------------------

ACCOUNTABILITY_OPENED = "accountability_opened"
ACCOUNTABILITY_MEASURE_TAKEN = "accountability_measure_taken"
RECTIFICATION_PLANNED = "rectification_planned"
RECTIFICATION_OVERDUE = "rectification_overdue"
ACCOUNTABILITY_CLOSED = "accountability_closed"


class AccountabilityEvent(EventSchema):
    """What every accountability event names: the record, its unit and its task
    (null when its ground names none), and the ground in words."""

    record_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    task = fields.String(allow_none=True, required=True)
    ground = fields.String(required=True)
    ground_detail = fields.String(required=True)


class AccountabilityOpened(AccountabilityEvent):
    questions = fields.List(fields.String(), required=True)
    opened_on = fields.String(required=True)
    plan_deadline = fields.String(allow_none=True, required=True)


class AccountabilityMeasureTaken(AccountabilityEvent):
    kind = fields.String(required=True)  # interview, criticism, deadline, referral
    taken_on = fields.String(required=True)
    result = fields.String(required=True)


class RectificationPlanned(AccountabilityEvent):
    deadline = fields.String(required=True)


class RectificationOverdue(AccountabilityEvent):
    deadline = fields.String(required=True)
    as_of = fields.String(required=True)


class AccountabilityClosed(AccountabilityEvent):
    status = fields.String(required=True)  # rectified or closed
    note = fields.String(allow_none=True, required=True)


SCHEMAS.update({
    ACCOUNTABILITY_OPENED: AccountabilityOpened,
    ACCOUNTABILITY_MEASURE_TAKEN: AccountabilityMeasureTaken,
    RECTIFICATION_PLANNED: RectificationPlanned,
    RECTIFICATION_OVERDUE: RectificationOverdue,
    ACCOUNTABILITY_CLOSED: AccountabilityClosed,
})


# Forecast colour (forecast.py) ------------------------------------------------------

FORECAST_TURNED_RED = "forecast_turned_red"


class ForecastRed(Schema):
    """A task not red whose forecast says it will be within forecast_red_days:
    `red_on` the day it would turn red at its pace, `due` the due date the words
    speak of, with its planned and projected percentage; `colour` its colour now."""

    task = fields.String(required=True)
    unit = fields.String(required=True)
    colour = fields.String(required=True)
    red_on = fields.String(required=True)
    due = fields.String(required=True)
    planned = fields.Float(required=True)
    projected = fields.Float(required=True)
    words = fields.String(required=True)


class ForecastTurnedRed(EventSchema):
    """The tasks an evaluation found forecast red for the first time (since they
    were last not): one event per evaluation (per chunk of an evaluation of
    every task), emitted only when there are some."""

    as_of = fields.String(required=True)
    forecasts = fields.List(fields.Nested(ForecastRed), required=True)


SCHEMAS[FORECAST_TURNED_RED] = ForecastTurnedRed


TASKS_JUDGED = "tasks_judged"


class TasksJudged(EventSchema):
    """The tasks a batch of reports, or an evaluation of the city, was judged
    on as of a day: their forecasts follow, in the warnings service's own
    handler, so that neither is held up by them (docs/forecast.md). One event
    per evaluation chunk."""

    as_of = fields.String(required=True)
    tasks = fields.List(fields.String(), required=True)


SCHEMAS[TASKS_JUDGED] = TasksJudged
