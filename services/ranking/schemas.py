"""What the ranking service reads of other services' events: only the fields it
needs, ignoring the rest, so producers may add fields freely."""
from marshmallow import fields

from services.common.calendar_copy import CalendarChangedIn
from services.common.events import ConsumedEventSchema, Moment, Tolerant


class UnitIn(Tolerant):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class UnitCreatedIn(ConsumedEventSchema):
    unit = fields.Nested(UnitIn, required=True)


class TargetIn(Tolerant):
    seq = fields.Integer(required=True)
    due_date = fields.Date(required=True)
    planned_percent = fields.Float(required=True)
    unit = fields.String(required=True)


class TaskIn(Tolerant):
    code = fields.String(required=True)
    title = fields.String(load_default=None)
    lead_unit = fields.String(required=True)
    cooperating_units = fields.List(fields.String(), required=True)
    clock_class = fields.String(allow_none=True, load_default=None)
    status = fields.String(required=True)
    start_date = fields.Date(required=True)
    # When the task was given: its targets due before then are not the unit's to
    # have met on time.
    created_at = Moment(load_default=None)
    targets = fields.List(fields.Nested(TargetIn), required=True)


class TaskCreatedIn(ConsumedEventSchema):
    task = fields.Nested(TaskIn, required=True)


class TasksImportedIn(ConsumedEventSchema):
    tasks = fields.Nested(TaskIn, many=True, required=True)


class ReportIn(Tolerant):
    id = fields.Integer(load_default=None)
    task = fields.String(required=True)
    percent = fields.Float(required=True)
    reported_at = Moment(required=True)
    # When the platform received it, which timeliness is judged by; absent from
    # events emitted before it was sent, whose reported_at then stands for it.
    received_at = Moment(load_default=None)


class ProgressReportedIn(ConsumedEventSchema):
    reports = fields.Nested(ReportIn, many=True, required=True)


class TaskStatusChangedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    status = fields.String(required=True)
    # The city's day of the change (absent from events sent before it was added).
    effective_on = fields.Date(load_default=None)


class ClockStageRecordedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    stage = fields.String(required=True)
    recorded_at = Moment(required=True)
    received_at = Moment(load_default=None)


class ProgressReceiptCorrectedIn(ConsumedEventSchema):
    report = fields.Nested(ReportIn, required=True)
    previous_received_at = Moment(required=True)


class CommitmentIn(Tolerant):
    id = fields.Integer(required=True)
    unit = fields.String(required=True)
    promised_date = fields.Date(required=True)
    status = fields.String(required=True)
    # The moment the unit kept it; null (or absent, from an older producer): the
    # event's own moment.
    fulfilled_at = fields.String(allow_none=True, load_default=None)
    task = fields.String(load_default=None)
    step = fields.String(load_default=None)


class CommitmentChangedIn(ConsumedEventSchema):
    commitment = fields.Nested(CommitmentIn, required=True)


class TaskExtendedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    seq = fields.Integer(allow_none=True, required=True)
    previous_due_date = fields.Date(required=True)
    new_due_date = fields.Date(required=True)


class ExtensionDecidedIn(ConsumedEventSchema):
    request_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    outcome = fields.String(required=True)
    effective_on = fields.Date(required=True)


class ColourChangeIn(Tolerant):
    item_kind = fields.String(required=True)
    item_key = fields.String(required=True)
    unit = fields.String(required=True)
    colour = fields.String(required=True)


class ColourChangedIn(ConsumedEventSchema):
    # Read as a moment: it orders two evaluations of one day.
    occurred_at = Moment(required=True)
    as_of = fields.Date(required=True)
    changes = fields.Nested(ColourChangeIn, many=True, required=True)


class NoticeIn(Tolerant):
    id = fields.Integer(required=True)
    number = fields.String(load_default=None)
    unit = fields.String(required=True)
    issued_at = Moment(required=True)
    ack_due = fields.Date(required=True)
    answer_due = fields.Date(required=True)


class NoticeIssuedIn(ConsumedEventSchema):
    notice = fields.Nested(NoticeIn, required=True)


class NoticeAcknowledgedIn(ConsumedEventSchema):
    notice_id = fields.Integer(required=True)
    acknowledged_at = Moment(required=True)


class NoticeAnsweredIn(ConsumedEventSchema):
    notice_id = fields.Integer(required=True)
    answered_at = Moment(required=True)


class NoticeClosedIn(ConsumedEventSchema):
    notice_id = fields.Integer(required=True)
    closed_at = Moment(required=True)


class TaskUpdatedIn(ConsumedEventSchema):
    task = fields.Nested(TaskIn, required=True)
    effective_on = fields.Date(required=True)


class TaskReplannedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    effective_on = fields.Date(required=True)
    replaced = fields.List(fields.Integer(), required=True)
    added = fields.List(fields.Integer(), required=True)
    targets = fields.Nested(TargetIn, many=True, required=True)


class UnitUpdatedIn(ConsumedEventSchema):
    unit = fields.Nested(UnitIn, required=True)


class UnitRetiredIn(ConsumedEventSchema):
    unit = fields.String(required=True)
    effective_on = fields.Date(required=True)


class MovedTaskIn(Tolerant):
    code = fields.String(required=True)
    lead_unit = fields.String(required=True)
    cooperating_units = fields.List(fields.String(), required=True)
    targets = fields.List(fields.Integer(), required=True)


class UnitsMergedIn(ConsumedEventSchema):
    into = fields.String(required=True)
    effective_on = fields.Date(required=True)
    tasks = fields.Nested(MovedTaskIn, many=True, required=True)


class VerificationIn(Tolerant):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)


class VerificationReturnedIn(ConsumedEventSchema):
    verification = fields.Nested(VerificationIn, required=True)
    effective_on = fields.Date(required=True)


# What each handler reads, by (producer, event): checked against the producers' own
# schemas by tests/contracts.
CONSUMES = {
    ("tasks", "unit_created"): UnitCreatedIn,
    ("tasks", "task_created"): TaskCreatedIn,
    ("tasks", "tasks_imported"): TasksImportedIn,
    ("tasks", "progress_reported"): ProgressReportedIn,
    ("tasks", "progress_receipt_corrected"): ProgressReceiptCorrectedIn,
    ("tasks", "task_closed"): TaskStatusChangedIn,
    ("tasks", "task_explained"): TaskStatusChangedIn,
    ("tasks", "clock_stage_recorded"): ClockStageRecordedIn,
    ("tasks", "commitment_made"): CommitmentChangedIn,
    ("tasks", "commitment_fulfilled"): CommitmentChangedIn,
    ("tasks", "task_extended"): TaskExtendedIn,
    ("tasks", "extension_decided"): ExtensionDecidedIn,
    ("tasks", "task_updated"): TaskUpdatedIn,
    ("tasks", "task_replanned"): TaskReplannedIn,
    ("tasks", "task_cancelled"): TaskStatusChangedIn,
    ("tasks", "unit_updated"): UnitUpdatedIn,
    ("tasks", "unit_retired"): UnitRetiredIn,
    ("tasks", "units_merged"): UnitsMergedIn,
    ("tasks", "verification_returned"): VerificationReturnedIn,
    ("warnings", "colour_changed"): ColourChangedIn,
    ("warnings", "notice_issued"): NoticeIssuedIn,
    ("warnings", "notice_acknowledged"): NoticeAcknowledgedIn,
    ("warnings", "notice_answered"): NoticeAnsweredIn,
    ("warnings", "notice_closed"): NoticeClosedIn,
    ("warnings", "calendar_changed"): CalendarChangedIn,
}
