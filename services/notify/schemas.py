"""What the notify service reads of other services' events: only the fields it
needs, ignoring the rest, so producers may add fields freely."""
from marshmallow import fields

from services.common.calendar_copy import CalendarChangedIn
from services.common.events import ConsumedEventSchema, Tolerant


class ContactIn(Tolerant):
    name = fields.String(required=True)
    phone = fields.String(allow_none=True, load_default=None)
    email = fields.String(allow_none=True, load_default=None)


class UnitIn(Tolerant):
    code = fields.String(required=True)
    name = fields.String(required=True)
    head = fields.Nested(ContactIn, allow_none=True, load_default=None)
    operator = fields.Nested(ContactIn, allow_none=True, load_default=None)
    kind = fields.String(allow_none=True, load_default=None)


class UnitCreatedIn(ConsumedEventSchema):
    unit = fields.Nested(UnitIn, required=True)


class UnitUpdatedIn(ConsumedEventSchema):
    unit = fields.Nested(UnitIn, required=True)


class ColourChangeIn(Tolerant):
    item_kind = fields.String(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    colour = fields.String(required=True)
    previous = fields.String(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)
    # A task's first judgement: the day it is first due to be reported on.
    first_due = fields.Date(allow_none=True, load_default=None)


class ColourChangedIn(ConsumedEventSchema):
    as_of = fields.Date(required=True)
    changes = fields.Nested(ColourChangeIn, many=True, required=True)


class NoticeIn(Tolerant):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True, load_default=None)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    ack_due = fields.String(allow_none=True, load_default=None)
    answer_due = fields.String(allow_none=True, load_default=None)
    issued_at = fields.String(allow_none=True, load_default=None)


class NoticeIssuedIn(ConsumedEventSchema):
    notice = fields.Nested(NoticeIn, required=True)


class NoticeStepIn(ConsumedEventSchema):
    """notice_acknowledged, notice_answered and notice_closed: the notice they
    speak of is all the ladder needs."""

    notice_id = fields.Integer(required=True)
    number = fields.String(allow_none=True, load_default=None)
    task = fields.String(allow_none=True, load_default=None)
    unit = fields.String(allow_none=True, load_default=None)


class NoticeOverdueIn(ConsumedEventSchema):
    notice_id = fields.Integer(required=True)
    number = fields.String(allow_none=True, load_default=None)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    stage = fields.String(required=True)
    colour = fields.String(allow_none=True, load_default=None)


class ExtensionRequestedIn(ConsumedEventSchema):
    request_id = fields.Integer(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    seq = fields.Integer(allow_none=True, load_default=None)
    asked_due_date = fields.Date(required=True)
    reason = fields.String(load_default="")


class ExtensionDecidedIn(ConsumedEventSchema):
    request_id = fields.Integer(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    seq = fields.Integer(allow_none=True, load_default=None)
    outcome = fields.String(required=True)
    granted_due_date = fields.Date(allow_none=True, load_default=None)
    effective_on = fields.Date(required=True)


class TaskStatusChangedIn(ConsumedEventSchema):
    """task_closed and task_explained."""

    task = fields.String(required=True)
    lead_unit = fields.String(allow_none=True, load_default=None)
    status = fields.String(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


# What each handler reads, by (producer, event): checked against the producers' own
# schemas by tests/contracts.
class ListedUnitIn(Tolerant):
    name = fields.String(required=True)


class GroupRankingIn(Tolerant):
    label = fields.String(required=True)
    red_list = fields.List(fields.Nested(ListedUnitIn), required=True)
    black_list = fields.List(fields.Nested(ListedUnitIn), required=True)


class RankingPublishedIn(ConsumedEventSchema):
    period = fields.String(required=True)
    label = fields.String(required=True)
    groups = fields.List(fields.Nested(GroupRankingIn), required=True)


CONSUMES = {
    ("tasks", "unit_created"): UnitCreatedIn,
    ("tasks", "task_closed"): TaskStatusChangedIn,
    ("tasks", "extension_requested"): ExtensionRequestedIn,
    ("tasks", "extension_decided"): ExtensionDecidedIn,
    ("tasks", "task_explained"): TaskStatusChangedIn,
    ("tasks", "task_cancelled"): TaskStatusChangedIn,
    ("tasks", "unit_updated"): UnitUpdatedIn,
    ("warnings", "colour_changed"): ColourChangedIn,
    ("warnings", "notice_issued"): NoticeIssuedIn,
    ("warnings", "notice_acknowledged"): NoticeStepIn,
    ("warnings", "notice_answered"): NoticeStepIn,
    ("warnings", "notice_closed"): NoticeStepIn,
    ("warnings", "notice_overdue"): NoticeOverdueIn,
    ("warnings", "calendar_changed"): CalendarChangedIn,
    ("ranking", "ranking_published"): RankingPublishedIn,
}


# Leaders' instructions, stage feedback, task threads and accountability ----------

class InstructionGivenIn(ConsumedEventSchema):
    instruction_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    task = fields.String(required=True)
    title = fields.String(load_default="")
    lead_unit = fields.String(required=True)
    leader_name = fields.String(required=True)
    given_on = fields.String(required=True)
    text = fields.String(required=True)


class InstructionCorrectedIn(ConsumedEventSchema):
    instruction_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    task = fields.String(required=True)
    lead_unit = fields.String(required=True)
    leader_name = fields.String(required=True)
    given_on = fields.String(required=True)
    text = fields.String(required=True)


class StageFeedbackGivenIn(ConsumedEventSchema):
    feedback_id = fields.Integer(required=True)
    task = fields.String(required=True)
    lead_unit = fields.String(required=True)
    stage = fields.String(required=True)
    text = fields.String(required=True)
    files = fields.Integer(load_default=0)


class VerificationIn(Tolerant):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    subject = fields.String(allow_none=True, load_default=None)
    claim = fields.Dict(load_default=dict)


class VerificationRequestedIn(ConsumedEventSchema):
    verification = fields.Nested(VerificationIn, required=True)
    pending = fields.Boolean(required=True)


class VerificationConfirmedIn(ConsumedEventSchema):
    verification = fields.Nested(VerificationIn, required=True)


class VerificationReturnedIn(ConsumedEventSchema):
    verification = fields.Nested(VerificationIn, required=True)
    reason = fields.String(required=True)
    effective_on = fields.Date(required=True)


class TaskMessagePostedIn(ConsumedEventSchema):
    message_id = fields.Integer(required=True)
    task = fields.String(required=True)
    title = fields.String(load_default="")
    author = fields.String(required=True)
    # Events queued before the tasks service named the author have only the login.
    author_name = fields.String(allow_none=True, load_default=None)
    side = fields.String(required=True)
    author_unit = fields.String(allow_none=True, load_default=None)
    excerpt = fields.String(required=True)
    to_units = fields.List(fields.String(), required=True)
    to_office = fields.Boolean(required=True)
    posted_at = fields.String(required=True)


class AccountabilityOpenedIn(ConsumedEventSchema):
    record_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    task = fields.String(allow_none=True, load_default=None)
    ground_detail = fields.String(required=True)
    questions = fields.List(fields.String(), load_default=list)


class RectificationOverdueIn(ConsumedEventSchema):
    record_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    task = fields.String(allow_none=True, load_default=None)
    deadline = fields.String(required=True)
    as_of = fields.Date(required=True)


CONSUMES.update({
    ("tasks", "instruction_given"): InstructionGivenIn,
    ("tasks", "instruction_corrected"): InstructionCorrectedIn,
    ("tasks", "stage_feedback_given"): StageFeedbackGivenIn,
    ("tasks", "task_message_posted"): TaskMessagePostedIn,
    ("warnings", "accountability_opened"): AccountabilityOpenedIn,
    ("warnings", "rectification_overdue"): RectificationOverdueIn,
    ("tasks", "verification_requested"): VerificationRequestedIn,
    ("tasks", "verification_confirmed"): VerificationConfirmedIn,
    ("tasks", "verification_returned"): VerificationReturnedIn,
})


# Reminders before deadlines: the tasks with their targets, reports and 13710
# stages, and the warnings service's rules (reporting day, clock days).

class TargetIn(Tolerant):
    seq = fields.Integer(required=True)
    due_date = fields.Date(required=True)
    planned_percent = fields.Float(required=True)
    unit = fields.String(allow_none=True, load_default=None)


class TaskIn(Tolerant):
    code = fields.String(required=True)
    title = fields.String(required=True)
    lead_unit = fields.String(required=True)
    status = fields.String(required=True)
    start_date = fields.Date(allow_none=True, load_default=None)
    clock_class = fields.String(allow_none=True, load_default=None)
    targets = fields.List(fields.Nested(TargetIn), load_default=list)


class TaskCreatedIn(ConsumedEventSchema):
    task = fields.Nested(TaskIn, required=True)


class TasksImportedIn(ConsumedEventSchema):
    tasks = fields.Nested(TaskIn, many=True, required=True)


class ReportIn(Tolerant):
    task = fields.String(required=True)
    percent = fields.Float(required=True)
    received_at = fields.String(required=True)


class ProgressReportedIn(ConsumedEventSchema):
    reports = fields.List(fields.Nested(ReportIn), required=True)


class CorrectedReportIn(Tolerant):
    task = fields.String(required=True)


class ProgressReceiptCorrectedIn(ConsumedEventSchema):
    report = fields.Nested(CorrectedReportIn, required=True)
    last_received_at = fields.String(required=True)


class ClockStageRecordedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    stage = fields.String(required=True)


class TaskExtendedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    seq = fields.Integer(allow_none=True, load_default=None)
    new_due_date = fields.Date(required=True)


class TaskReplannedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    targets = fields.List(fields.Nested(TargetIn), required=True)


class MovedTaskIn(Tolerant):
    code = fields.String(required=True)
    lead_unit = fields.String(required=True)
    targets = fields.List(fields.Integer(), load_default=list)


class UnitsMergedIn(ConsumedEventSchema):
    into = fields.String(required=True)
    tasks = fields.List(fields.Nested(MovedTaskIn), required=True)


class RulesChangedIn(ConsumedEventSchema):
    version = fields.Integer(required=True)
    rules = fields.Dict(required=True)


CONSUMES.update({
    ("tasks", "task_created"): TaskCreatedIn,
    ("tasks", "tasks_imported"): TasksImportedIn,
    ("tasks", "task_updated"): TaskCreatedIn,
    ("tasks", "progress_reported"): ProgressReportedIn,
    ("tasks", "progress_receipt_corrected"): ProgressReceiptCorrectedIn,
    ("tasks", "clock_stage_recorded"): ClockStageRecordedIn,
    ("tasks", "task_extended"): TaskExtendedIn,
    ("tasks", "task_replanned"): TaskReplannedIn,
    ("tasks", "units_merged"): UnitsMergedIn,
    ("warnings", "rules_changed"): RulesChangedIn,
})


class ForecastRedIn(Tolerant):
    task = fields.String(required=True)
    unit = fields.String(required=True)
    colour = fields.String(required=True)
    red_on = fields.Date(required=True)
    due = fields.Date(required=True)
    planned = fields.Float(required=True)
    projected = fields.Float(required=True)
    words = fields.String(required=True)


class ForecastTurnedRedIn(ConsumedEventSchema):
    as_of = fields.Date(required=True)
    forecasts = fields.Nested(ForecastRedIn, many=True, required=True)


CONSUMES[("warnings", "forecast_turned_red")] = ForecastTurnedRedIn
