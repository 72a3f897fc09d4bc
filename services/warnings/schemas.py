"""What the warnings service reads of other services' events: only the fields it
needs, ignoring the rest, so producers may add fields freely."""
from marshmallow import fields

from services.common.events import ConsumedEventSchema, Moment, Tolerant


class TargetIn(Tolerant):
    seq = fields.Integer(required=True)
    due_date = fields.Date(required=True)
    planned_percent = fields.Float(required=True)
    unit = fields.String(required=True)


class TaskIn(Tolerant):
    code = fields.String(required=True)
    lead_unit = fields.String(required=True)
    clock_class = fields.String(allow_none=True, load_default=None)
    status = fields.String(required=True)
    start_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    targets = fields.List(fields.Nested(TargetIn), required=True)


class TaskCreatedIn(ConsumedEventSchema):
    task = fields.Nested(TaskIn, required=True)


class ReportIn(Tolerant):
    task = fields.String(required=True)
    percent = fields.Float(required=True)
    reported_at = Moment(required=True)
    # When the platform received it, which timeliness is judged by; absent from
    # events emitted before it was sent, whose reported_at then stands for it.
    received_at = Moment(load_default=None)


class ProgressReportedIn(ConsumedEventSchema):
    # Long lists are read as one nested load (many=True), as in every consumer: a
    # thousand reports load a quarter faster than through List(Nested), with the
    # same errors.
    reports = fields.Nested(ReportIn, many=True, required=True)


class TaskStatusChangedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    status = fields.String(required=True)


class ClockStageRecordedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    stage = fields.String(required=True)
    recorded_at = Moment(required=True)
    received_at = Moment(load_default=None)


class ProgressReceiptCorrectedIn(ConsumedEventSchema):
    report = fields.Nested(ReportIn, required=True)
    last_received_at = Moment(required=True)
    last_rise_received_at = Moment(load_default=None)


class CommitmentIn(Tolerant):
    id = fields.Integer(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    promised_date = fields.Date(required=True)
    status = fields.String(required=True)


class CommitmentChangedIn(ConsumedEventSchema):
    commitment = fields.Nested(CommitmentIn, required=True)


class TaskExtendedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    seq = fields.Integer(allow_none=True, required=True)
    new_due_date = fields.Date(required=True)


# What each handler reads, by (producer, event): checked against the producers' own
# schemas by tests/contracts.
CONSUMES = {
    ("tasks", "task_created"): TaskCreatedIn,
    ("tasks", "progress_reported"): ProgressReportedIn,
    ("tasks", "progress_receipt_corrected"): ProgressReceiptCorrectedIn,
    ("tasks", "task_closed"): TaskStatusChangedIn,
    ("tasks", "task_explained"): TaskStatusChangedIn,
    ("tasks", "clock_stage_recorded"): ClockStageRecordedIn,
    ("tasks", "commitment_made"): CommitmentChangedIn,
    ("tasks", "commitment_fulfilled"): CommitmentChangedIn,
    ("tasks", "task_extended"): TaskExtendedIn,
}
