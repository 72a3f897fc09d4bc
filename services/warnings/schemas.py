"""What the warnings service reads of other services' events: only the fields it
needs, ignoring the rest, so producers may add fields freely."""
from marshmallow import RAISE, Schema, fields, validate

from services.common.events import ConsumedEventSchema, Moment, Tolerant

from .accountability import GROUNDS, MEASURES, QUESTIONS


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
    # When the platform received it, which timeliness is judged by; absent from
    # events emitted before it was sent, whose reported_at then stands for it.
    received_at = Moment(load_default=None)


class ProgressReportedIn(ConsumedEventSchema):
    # Long lists are read as one nested load (many=True), as in every consumer: a
    # thousand reports load a quarter faster than through List(Nested), with the
    # same errors.
    reports = fields.Nested(ReportIn, many=True, required=True)


class TasksJudgedIn(ConsumedEventSchema):
    """This service's own tasks_judged, read back for the forecasts that follow."""

    as_of = fields.String(required=True)
    tasks = fields.List(fields.String(), required=True)


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


class VerificationClaimIn(Tolerant):
    received_at = Moment(load_default=None)
    recorded_at = Moment(load_default=None)


class VerificationItemIn(Tolerant):
    kind = fields.String(required=True)  # closure, clock_stage, commitment
    task = fields.String(required=True)
    subject = fields.String(allow_none=True, required=True)  # the stage, or commitment id
    claim = fields.Nested(VerificationClaimIn, required=True)


class VerificationRequestedIn(ConsumedEventSchema):
    verification = fields.Nested(VerificationItemIn, required=True)
    pending = fields.Boolean(required=True)


class VerificationReturnedIn(ConsumedEventSchema):
    verification = fields.Nested(VerificationItemIn, required=True)


# What each handler reads, by (producer, event): checked against the producers' own
# schemas by tests/contracts.
CONSUMES = {
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
    ("tasks", "task_updated"): TaskUpdatedIn,
    ("tasks", "task_replanned"): TaskReplannedIn,
    ("tasks", "task_cancelled"): TaskStatusChangedIn,
    ("tasks", "units_merged"): UnitsMergedIn,
    ("tasks", "verification_requested"): VerificationRequestedIn,
    ("tasks", "verification_returned"): VerificationReturnedIn,
    ("warnings", "tasks_judged"): TasksJudgedIn,
}


# Accountability records: the ranking's published lists, and the RPC input -------

class ListedUnitIn(Tolerant):
    unit = fields.String(required=True)
    reasons = fields.List(fields.String(), load_default=list)


class PublishedGroupIn(Tolerant):
    black_list = fields.Nested(ListedUnitIn, many=True, load_default=list)


class RankingPublishedIn(ConsumedEventSchema):
    period = fields.String(required=True)
    label = fields.String(load_default="")
    groups = fields.Nested(PublishedGroupIn, many=True, required=True)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class AccountabilityIn(_Strict):
    """A record the office opens: the unit, its ground and what the ground names
    (a period for black_list, else a task code or a notice id), the questions
    asked, a summary, and optionally the rectification deadline it sets."""

    unit = fields.String(required=True, validate=validate.Length(1, 32))
    ground = fields.String(required=True, validate=validate.OneOf(GROUNDS))
    ground_ref = fields.String(validate=validate.Length(1, 64), allow_none=True)
    questions = fields.List(fields.String(validate=validate.OneOf(QUESTIONS)),
                            required=True, validate=validate.Length(min=1, max=3))
    summary = fields.String(required=True, validate=validate.Length(1, 5000))
    plan_deadline = fields.Date(allow_none=True)


class MeasureIn(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(MEASURES))
    taken_on = fields.Date(required=True)
    result = fields.String(required=True, validate=validate.Length(1, 5000))


class PlanIn(_Strict):
    plan = fields.String(required=True, validate=validate.Length(1, 10000))
    deadline = fields.Date(allow_none=True)


CONSUMES[("ranking", "ranking_published")] = RankingPublishedIn


class GamingSignalConfirmedIn(ConsumedEventSchema):
    signal_id = fields.Integer(required=True)
    kind_name = fields.String(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    detail = fields.String(required=True)
    note = fields.String(required=True)
    confirmed_by = fields.String(allow_none=True, load_default=None)
    effective_on = fields.Date(required=True)


CONSUMES[("tasks", "gaming_signal_confirmed")] = GamingSignalConfirmedIn
