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
    batch = fields.String(allow_none=True, load_default=None)
    targets = fields.List(fields.Nested(TargetIn), required=True)


class TaskCreatedIn(ConsumedEventSchema):
    task = fields.Nested(TaskIn, required=True)


class TasksImportedIn(ConsumedEventSchema):
    tasks = fields.Nested(TaskIn, many=True, required=True)


class ReportIn(Tolerant):
    task = fields.String(required=True)
    percent = fields.Float(required=True)
    reported_at = Moment(required=True)


class ProgressReportedIn(ConsumedEventSchema):
    # Long lists are read as one nested load (many=True), as in every consumer: a
    # thousand reports load a quarter faster than through List(Nested), with the
    # same errors.
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


class TaskUpdatedIn(ConsumedEventSchema):
    task = fields.Nested(TaskIn, required=True)
    changes = fields.Dict(required=True)
    previous_lead_unit = fields.String(allow_none=True, load_default=None)


class TaskReplannedIn(ConsumedEventSchema):
    task = fields.String(required=True)
    effective_on = fields.Date(required=True)
    replaced = fields.List(fields.Integer(), required=True)
    added = fields.List(fields.Integer(), required=True)
    targets = fields.Nested(TargetIn, many=True, required=True)


class MovedTaskIn(Tolerant):
    code = fields.String(required=True)
    lead_unit = fields.String(required=True)
    previous_lead_unit = fields.String(required=True)
    targets = fields.List(fields.Integer(), required=True)


class UnitsMergedIn(ConsumedEventSchema):
    into = fields.String(required=True)
    tasks = fields.Nested(MovedTaskIn, many=True, required=True)


# What each handler reads, by (producer, event): checked against the producers' own
# schemas by tests/contracts.
CONSUMES = {
    ("tasks", "task_created"): TaskCreatedIn,
    ("tasks", "tasks_imported"): TasksImportedIn,
    ("tasks", "progress_reported"): ProgressReportedIn,
    ("tasks", "task_closed"): TaskStatusChangedIn,
    ("tasks", "task_explained"): TaskStatusChangedIn,
    ("tasks", "clock_stage_recorded"): ClockStageRecordedIn,
    ("tasks", "commitment_made"): CommitmentChangedIn,
    ("tasks", "commitment_fulfilled"): CommitmentChangedIn,
    ("tasks", "task_extended"): TaskExtendedIn,
    ("tasks", "task_updated"): TaskUpdatedIn,
    ("tasks", "task_replanned"): TaskReplannedIn,
    ("tasks", "task_cancelled"): TaskStatusChangedIn,
    ("tasks", "units_merged"): UnitsMergedIn,
}
