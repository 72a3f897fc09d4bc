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
PROGRESS_RECEIPT_CORRECTED = "progress_receipt_corrected"
EVIDENCE_ADDED = "evidence_added"
TASK_CLOSED = "task_closed"
TASK_EXPLAINED = "task_explained"
CLOCK_STAGE_RECORDED = "clock_stage_recorded"
COMMITMENT_MADE = "commitment_made"
COMMITMENT_FULFILLED = "commitment_fulfilled"
TASK_EXTENDED = "task_extended"
TASK_UPDATED = "task_updated"
TASK_REPLANNED = "task_replanned"
TASK_CANCELLED = "task_cancelled"
UNIT_UPDATED = "unit_updated"
UNIT_RETIRED = "unit_retired"
UNITS_MERGED = "units_merged"


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
    status = fields.String()


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
    batch = fields.String(allow_none=True)
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
    """task_closed, task_explained and task_cancelled; `effective_on` the city's
    day of the change."""

    task = fields.String(required=True)
    lead_unit = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(allow_none=True)
    effective_on = fields.String()


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
    # When the unit kept it (commitment_fulfilled): with 复核 the office may
    # confirm days later, and the commitment keeps the unit's day.
    fulfilled_at = fields.String(allow_none=True)


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


class TaskUpdated(EventSchema):
    """The office edited a task's descriptive fields. `task` is the task as it
    now stands (its targets: the plan in force); `changes` {field: [old, new]};
    `previous_lead_unit` the lead unit before, only when it changed: from
    `effective_on` (the local day of the change) the new lead unit answers for
    the task, before it the old one did."""

    task = fields.Nested(TaskPayload, required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    previous_lead_unit = fields.String(allow_none=True, required=True)
    effective_on = fields.String(required=True)
    reason = fields.String(required=True)
    version = fields.Integer(required=True)
    changed_by = fields.String(allow_none=True)


class TaskReplanned(EventSchema):
    """The office approved a new plan: from `effective_on` the targets `replaced`
    (seqs of the earlier plan, not yet due) give way to `added` (seqs of plan
    `plan_version`); `targets` is the whole plan in force now, the targets
    already due before it included."""

    task = fields.String(required=True)
    lead_unit = fields.String(required=True)
    plan_version = fields.Integer(required=True)
    effective_on = fields.String(required=True)
    replaced = fields.List(fields.Integer(), required=True)
    added = fields.List(fields.Integer(), required=True)
    targets = fields.List(fields.Nested(TargetPayload), required=True)
    reason = fields.String(required=True)
    approved_by = fields.String(allow_none=True)


class UnitUpdated(EventSchema):
    """A unit renamed or given a new head or operator: `unit` as it now stands,
    `changes` {field: [old, new]}."""

    unit = fields.Nested(UnitPayload, required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    reason = fields.String(allow_none=True)
    changed_by = fields.String(allow_none=True)


class UnitRetired(EventSchema):
    """A unit retired, on `effective_on`; `merged_into` the unit that took over
    its open tasks, when it was merged."""

    unit = fields.String(required=True)
    merged_into = fields.String(allow_none=True, required=True)
    effective_on = fields.String(required=True)
    reason = fields.String(required=True)
    changed_by = fields.String(allow_none=True)


class MovedTask(Schema):
    code = fields.String(required=True)
    lead_unit = fields.String(required=True)
    previous_lead_unit = fields.String(required=True)
    cooperating_units = fields.List(fields.String(), required=True)
    targets = fields.List(fields.Integer(), required=True)  # seqs now owned by `into`


class UnitsMerged(EventSchema):
    """`unit` merged into `into` on `effective_on`: its open tasks' lead,
    cooperation and targets moved to `into`, each task as it now stands."""

    unit = fields.String(required=True)
    into = fields.String(required=True)
    effective_on = fields.String(required=True)
    reason = fields.String(required=True)
    tasks = fields.List(fields.Nested(MovedTask), required=True)
    changed_by = fields.String(allow_none=True)


SCHEMAS = {
    UNIT_CREATED: UnitCreated,
    TASK_CREATED: TaskCreated,
    TASKS_IMPORTED: TasksImported,
    PROGRESS_REPORTED: ProgressReported,
    PROGRESS_RECEIPT_CORRECTED: ProgressReceiptCorrected,
    EVIDENCE_ADDED: EvidenceAdded,
    TASK_CLOSED: TaskStatusChanged,
    TASK_EXPLAINED: TaskStatusChanged,
    CLOCK_STAGE_RECORDED: ClockStageRecorded,
    COMMITMENT_MADE: CommitmentChanged,
    COMMITMENT_FULFILLED: CommitmentChanged,
    TASK_EXTENDED: TaskExtended,
    TASK_UPDATED: TaskUpdated,
    TASK_REPLANNED: TaskReplanned,
    TASK_CANCELLED: TaskStatusChanged,
    UNIT_UPDATED: UnitUpdated,
    UNIT_RETIRED: UnitRetired,
    UNITS_MERGED: UnitsMerged,
}


# Leaders' instructions, stage feedback and task threads ------------------------

INSTRUCTION_GIVEN = "instruction_given"
INSTRUCTION_CORRECTED = "instruction_corrected"
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


class InstructionCorrected(EventSchema):
    """A recorded instruction was corrected (its words, the leader's name shown
    under it or its date): the instruction as it now reads, why, and who
    corrected it."""

    instruction_id = fields.Integer(required=True)
    task = fields.String(required=True)
    lead_unit = fields.String(required=True)
    kind = fields.String(required=True)
    leader = fields.String(required=True)
    leader_name = fields.String(required=True)
    given_on = fields.String(required=True)
    text = fields.String(required=True)
    reason = fields.String(required=True)
    corrected_by = fields.String(allow_none=True, required=True)


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
    office should (services/tasks/threads.py, recipients). `author` is the
    login, `author_name` the person as people read them when they wrote."""

    message_id = fields.Integer(required=True)
    task = fields.String(required=True)
    title = fields.String(required=True)
    author = fields.String(required=True)
    author_name = fields.String(required=True)
    side = fields.String(required=True)
    author_unit = fields.String(allow_none=True, required=True)
    excerpt = fields.String(required=True)
    to_units = fields.List(fields.String(), required=True)
    to_office = fields.Boolean(required=True)
    posted_at = fields.String(required=True)


SCHEMAS.update({
    INSTRUCTION_GIVEN: InstructionGiven,
    INSTRUCTION_CORRECTED: InstructionCorrected,
    STAGE_FEEDBACK_GIVEN: StageFeedbackGiven,
    TASK_MESSAGE_POSTED: TaskMessagePosted,
})


# Extensions asked for by units, decided by the office ---------------------------

EXTENSION_REQUESTED = "extension_requested"
EXTENSION_DECIDED = "extension_decided"


class ExtensionRequested(EventSchema):
    """The lead unit `unit` asked for a later due date of the task (seq None) or
    of one of its targets, for a reason."""

    request_id = fields.Integer(required=True)
    task = fields.String(required=True)
    seq = fields.Integer(allow_none=True, required=True)
    unit = fields.String(required=True)
    previous_due_date = fields.String(required=True)
    asked_due_date = fields.String(required=True)
    reason = fields.String(required=True)
    requested_by = fields.String(allow_none=True)
    requested_at = fields.String(required=True)


class ExtensionDecided(EventSchema):
    """The office decided a unit's request: `outcome` approved (to the asked
    date), shortened (to `granted_due_date`, between the old and the asked
    one) or refused (`granted_due_date` null). An approval comes with the
    task_extended that moved the date, in the same transaction; `effective_on`
    is the city's day of the decision."""

    request_id = fields.Integer(required=True)
    task = fields.String(required=True)
    seq = fields.Integer(allow_none=True, required=True)
    unit = fields.String(required=True)
    outcome = fields.String(required=True)
    previous_due_date = fields.String(required=True)
    asked_due_date = fields.String(required=True)
    granted_due_date = fields.String(allow_none=True, required=True)
    reason = fields.String(required=True)
    decided_by = fields.String(allow_none=True)
    effective_on = fields.String(required=True)


SCHEMAS.update({
    EXTENSION_REQUESTED: ExtensionRequested,
    EXTENSION_DECIDED: ExtensionDecided,
})


# 复核: the office verifies what a unit claims (services/tasks/verification.py) --

VERIFICATION_REQUESTED = "verification_requested"
VERIFICATION_CONFIRMED = "verification_confirmed"
VERIFICATION_RETURNED = "verification_returned"


class VerificationPayload(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)  # closure, clock_stage, commitment
    task = fields.String(required=True)
    title = fields.String(required=True)
    unit = fields.String(required=True)  # the lead unit that asked
    subject = fields.String(allow_none=True, required=True)  # stage or commitment id
    claim = fields.Dict(required=True)
    requested_at = fields.String(required=True)
    requested_by = fields.String(allow_none=True)


class VerificationRequested(EventSchema):
    """A unit asked to close a task, record a 13710 stage or keep a commitment.
    `pending` true: it waits for the office (待复核); false: it counted at once
    and its fact event (task_closed, clock_stage_recorded,
    commitment_fulfilled) comes in the same transaction."""

    verification = fields.Nested(VerificationPayload, required=True)
    pending = fields.Boolean(required=True)


class VerificationConfirmed(EventSchema):
    """The office confirmed a request; its fact event comes in the same
    transaction."""

    verification = fields.Nested(VerificationPayload, required=True)
    confirmed_by = fields.String(allow_none=True)
    confirmed_at = fields.String(required=True)


class VerificationReturned(EventSchema):
    """The office sent a request back (退回) for `reason`: the item is as it was
    before the request, and the send-back counts against the unit."""

    verification = fields.Nested(VerificationPayload, required=True)
    reason = fields.String(required=True)
    returned_by = fields.String(allow_none=True)
    returned_at = fields.String(required=True)
    effective_on = fields.String(required=True)  # the city's day of the send-back


SCHEMAS.update({
    VERIFICATION_REQUESTED: VerificationRequested,
    VERIFICATION_CONFIRMED: VerificationConfirmed,
    VERIFICATION_RETURNED: VerificationReturned,
})
# Signals of gamed numbers, confirmed by the office ----------------------------

GAMING_SIGNAL_CONFIRMED = "gaming_signal_confirmed"


class GamingSignalConfirmed(EventSchema):
    """The office found a signal of gamed numbers true (属实) on checking it:
    `detail` says the finding, `note` what the office found. The warnings service
    opens an accountability record for the unit on it."""

    signal_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_name = fields.String(required=True)
    task = fields.String(required=True)
    title = fields.String(required=True)
    unit = fields.String(required=True)
    detail = fields.String(required=True)
    note = fields.String(required=True)
    confirmed_by = fields.String(allow_none=True)
    effective_on = fields.String(required=True)


SCHEMAS[GAMING_SIGNAL_CONFIRMED] = GamingSignalConfirmed
