"""The events the tasks service emits: their names and the schemas it owns.

Consumers read them with their own tolerant schemas; tests/contracts checks that
a sample of each schema here loads with every consumer's.
"""
from marshmallow import Schema, fields

from services.common.events import EventSchema

UNIT_CREATED = "unit_created"
TASK_CREATED = "task_created"
PROGRESS_REPORTED = "progress_reported"
PROGRESS_RECEIPT_CORRECTED = "progress_receipt_corrected"
EVIDENCE_ADDED = "evidence_added"
TASK_CLOSED = "task_closed"
TASK_EXPLAINED = "task_explained"
CLOCK_STAGE_RECORDED = "clock_stage_recorded"
COMMITMENT_MADE = "commitment_made"
COMMITMENT_FULFILLED = "commitment_fulfilled"
TASK_EXTENDED = "task_extended"


class Contact(Schema):
    name = fields.String(required=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class UnitPayload(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent = fields.String(allow_none=True)
    head = fields.Nested(Contact, allow_none=True)
    operator = fields.Nested(Contact, allow_none=True)


class UnitCreated(EventSchema):
    unit = fields.Nested(UnitPayload, required=True)


class TargetPayload(Schema):
    seq = fields.Integer(required=True)
    due_date = fields.String(required=True)
    planned_percent = fields.Float(required=True)
    unit = fields.String(required=True)
    description = fields.String(allow_none=True)


class TaskPayload(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    category = fields.String(allow_none=True)
    source = fields.String(required=True)
    clock_class = fields.String(allow_none=True)
    lead_unit = fields.String(required=True)
    cooperating_units = fields.List(fields.String(), required=True)
    responsible_person = fields.String(allow_none=True)
    start_date = fields.String(required=True)
    due_date = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.String(required=True)
    targets = fields.List(fields.Nested(TargetPayload), required=True)


class TaskCreated(EventSchema):
    task = fields.Nested(TaskPayload, required=True)


class ReportPayload(Schema):
    id = fields.Integer(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    percent = fields.Float(required=True)
    correction = fields.Boolean(required=True)
    # The client's own time (information) and when the platform received the
    # report, which timeliness is judged by.
    reported_at = fields.String(required=True)
    received_at = fields.String(required=True)


class ProgressReported(EventSchema):
    batch_id = fields.String(required=True)
    source = fields.String(required=True)
    reports = fields.List(fields.Nested(ReportPayload), required=True)


class EvidenceAdded(EventSchema):
    task = fields.String(required=True)
    evidence_id = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class TaskStatusChanged(EventSchema):
    """task_closed and task_explained."""

    task = fields.String(required=True)
    lead_unit = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(allow_none=True)


class ProgressReceiptCorrected(EventSchema):
    """The office moved when a report was received. `last_received_at` and
    `last_rise_received_at` (null: no report raised the percentage) are where
    the task's receipts stand after it, for consumers that keep only those."""

    report = fields.Nested(ReportPayload, required=True)
    previous_received_at = fields.String(required=True)
    reason = fields.String(required=True)
    corrected_by = fields.String(allow_none=True)
    last_received_at = fields.String(required=True)
    last_rise_received_at = fields.String(allow_none=True)


class ClockStageRecorded(EventSchema):
    task = fields.String(required=True)
    stage = fields.String(required=True)
    # The unit's own time of the stage, and when the platform received it.
    recorded_at = fields.String(required=True)
    received_at = fields.String(required=True)


class CommitmentPayload(Schema):
    id = fields.Integer(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    step = fields.String(required=True)
    promised_date = fields.String(required=True)
    result = fields.String(required=True)
    status = fields.String(required=True)


class CommitmentChanged(EventSchema):
    """commitment_made and commitment_fulfilled."""

    commitment = fields.Nested(CommitmentPayload, required=True)


class TaskExtended(EventSchema):
    """The office moved a due date: the task's (seq None) or a target's. `count`
    is how many times that due date has been moved, this one included."""

    task = fields.String(required=True)
    seq = fields.Integer(allow_none=True, required=True)
    previous_due_date = fields.String(required=True)
    new_due_date = fields.String(required=True)
    reason = fields.String(required=True)
    count = fields.Integer(required=True)


SCHEMAS = {
    UNIT_CREATED: UnitCreated,
    TASK_CREATED: TaskCreated,
    PROGRESS_REPORTED: ProgressReported,
    PROGRESS_RECEIPT_CORRECTED: ProgressReceiptCorrected,
    EVIDENCE_ADDED: EvidenceAdded,
    TASK_CLOSED: TaskStatusChanged,
    TASK_EXPLAINED: TaskStatusChanged,
    CLOCK_STAGE_RECORDED: ClockStageRecorded,
    COMMITMENT_MADE: CommitmentChanged,
    COMMITMENT_FULFILLED: CommitmentChanged,
    TASK_EXTENDED: TaskExtended,
}
