"""The events the tasks service emits: their names and the schemas it owns.

Consumers read them with their own tolerant schemas; tests/contracts checks that
a sample of each schema here loads with every consumer's.
"""
from marshmallow import Schema, fields

from services.common.events import EventSchema

UNIT_CREATED = "unit_created"
TASK_CREATED = "task_created"
TASKS_IMPORTED = "tasks_imported"
PROGRESS_REPORTED = "progress_reported"
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


class TasksImported(EventSchema):
    """Tasks created together by an import, each as task_created carries its task;
    a large import speaks in several of these, each in its own order."""

    tasks = fields.Nested(TaskPayload, many=True, required=True)


class ReportPayload(Schema):
    id = fields.Integer(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    percent = fields.Float(required=True)
    correction = fields.Boolean(required=True)
    reported_at = fields.String(required=True)


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


class ClockStageRecorded(EventSchema):
    task = fields.String(required=True)
    stage = fields.String(required=True)
    recorded_at = fields.String(required=True)


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
    TASKS_IMPORTED: TasksImported,
    PROGRESS_REPORTED: ProgressReported,
    EVIDENCE_ADDED: EvidenceAdded,
    TASK_CLOSED: TaskStatusChanged,
    TASK_EXPLAINED: TaskStatusChanged,
    CLOCK_STAGE_RECORDED: ClockStageRecorded,
    COMMITMENT_MADE: CommitmentChanged,
    COMMITMENT_FULFILLED: CommitmentChanged,
    TASK_EXTENDED: TaskExtended,
}


# Leaders' instructions, stage feedback and task threads ------------------------

INSTRUCTION_GIVEN = "instruction_given"
STAGE_FEEDBACK_GIVEN = "stage_feedback_given"
TASK_MESSAGE_POSTED = "task_message_posted"


class InstructionGiven(EventSchema):
    """A leader's instruction was recorded: on an existing task (kind on_task), as
    a new matter (new_matter, whose task_created comes in the same transaction) or
    as a follow-up (follow_up, of `parent`)."""

    instruction_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    parent = fields.Integer(allow_none=True, required=True)
    task = fields.String(required=True)
    title = fields.String(required=True)
    lead_unit = fields.String(required=True)
    leader = fields.String(required=True)
    leader_name = fields.String(required=True)
    given_on = fields.String(required=True)
    text = fields.String(required=True)


class StageFeedbackGiven(EventSchema):
    """The lead unit's feedback (words and files) at a 13710 stage of a task."""

    feedback_id = fields.Integer(required=True)
    task = fields.String(required=True)
    title = fields.String(required=True)
    lead_unit = fields.String(required=True)
    stage = fields.String(required=True)
    text = fields.String(required=True)
    files = fields.Integer(required=True)
    given_by = fields.String(allow_none=True)
    given_at = fields.String(required=True)


class TaskMessagePosted(EventSchema):
    """A message on a task's thread. `side` is who wrote (office, unit, leader);
    `to_units` the units that should hear of it and `to_office` whether the
    office should (services/tasks/threads.py, recipients)."""

    message_id = fields.Integer(required=True)
    task = fields.String(required=True)
    title = fields.String(required=True)
    author = fields.String(required=True)
    side = fields.String(required=True)
    author_unit = fields.String(allow_none=True, required=True)
    excerpt = fields.String(required=True)
    to_units = fields.List(fields.String(), required=True)
    to_office = fields.Boolean(required=True)
    posted_at = fields.String(required=True)


SCHEMAS.update({
    INSTRUCTION_GIVEN: InstructionGiven,
    STAGE_FEEDBACK_GIVEN: StageFeedbackGiven,
    TASK_MESSAGE_POSTED: TaskMessagePosted,
})
