"""Shapes of what the tasks service takes in over RPC, named `...In` as every
service names what it takes in, consumed events and RPC input alike. Loading
RPC input raises the service's InvalidInput with per-field messages; anything
unknown is refused. The events it consumes (CONSUMES) are read tolerantly, only
the fields it needs."""
import datetime as dt

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from services.common.calendar_copy import CalendarChangedIn
from services.common.events import Moment
from services.common.text import unstorable

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$",
                       error="1–32 letters, digits, '.', '_' or '-'")
KINDS = ("county", "department", "office")
SOURCES = ("plan", "assignment", "instruction")
CLOCK_CLASSES = ("important", "general", "complex")
STAGES = ("deployed", "first_feedback", "closed")
PERCENT = validate.Range(min=0, max=100)
# A date outside these years is a typo (1026 for 2026), and no calendar counts
# working days from it: refused here rather than skipped by every evaluation.
PLAN_DATE = validate.Range(min=dt.date(2000, 1, 1), max=dt.date(2100, 12, 31),
                           error="日期应在2000年至2100年之间")


class Strict(Schema):
    class Meta:
        unknown = RAISE

    @pre_load
    def storable_text(self, data, **_):
        # Before any field: a NUL or a lone surrogate fails the whole transaction on
        # PostgreSQL, so it is refused here, for its own field (and, in a batch, its
        # own item), whoever called the service.
        if isinstance(data, dict):
            errors = unstorable(data)
            if errors:
                raise ValidationError(errors)
        return data


class ContactIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    phone = fields.String(validate=validate.Regexp(r"^\+?[0-9\- ]{5,20}$"), allow_none=True)
    email = fields.Email(allow_none=True)


class UnitIn(Strict):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(1, 100))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    parent = fields.String(validate=CODE, allow_none=True)
    head = fields.Nested(ContactIn, allow_none=True)
    operator = fields.Nested(ContactIn, allow_none=True)


class TargetIn(Strict):
    due_date = fields.Date(required=True, validate=PLAN_DATE)
    planned_percent = fields.Float(required=True, validate=PERCENT, allow_nan=False)
    description = fields.String(validate=validate.Length(max=500), allow_none=True)
    unit = fields.String(validate=CODE, allow_none=True)


class TaskIn(Strict):
    code = fields.String(required=True, validate=CODE)
    title = fields.String(required=True, validate=validate.Length(1, 300))
    lead_unit = fields.String(required=True, validate=CODE)
    start_date = fields.Date(required=True, validate=PLAN_DATE)
    due_date = fields.Date(required=True, validate=PLAN_DATE)
    category = fields.String(validate=validate.Length(max=50), allow_none=True)
    source = fields.String(load_default="plan", validate=validate.OneOf(SOURCES))
    clock_class = fields.String(validate=validate.OneOf(CLOCK_CLASSES), allow_none=True)
    cooperating_units = fields.List(fields.String(validate=CODE), load_default=list)
    responsible_person = fields.String(validate=validate.Length(max=50), allow_none=True)
    batch = fields.String(validate=validate.Length(max=100), allow_none=True)
    targets = fields.List(fields.Nested(TargetIn), load_default=list)

    @validates_schema
    def dates_in_order(self, data, **_):
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and start > due:
            raise ValidationError("must not be before start_date", "due_date")
        errors = {}
        previous = None
        for index, target in enumerate(data.get("targets") or ()):
            if due and target["due_date"] > due:
                errors[index] = {"due_date": ["target due after its task's due_date"]}
            elif start and target["due_date"] < start:
                errors[index] = {"due_date": ["target due before its task's start_date"]}
            elif previous and (target["due_date"] < previous[0]
                               or target["planned_percent"] < previous[1]):
                errors[index] = {"planned_percent": [
                    "targets are a cumulative trajectory: dates and percentages must not go back"
                ]}
            previous = (target["due_date"], target["planned_percent"])
        if errors:
            raise ValidationError(errors, "targets")
        if data.get("lead_unit") in (data.get("cooperating_units") or ()):
            raise ValidationError("the lead unit cannot also cooperate", "cooperating_units")


class ProgressItemIn(Strict):
    task = fields.String(required=True, validate=CODE)
    unit = fields.String(required=True, validate=CODE)
    percent = fields.Float(required=True, validate=PERCENT, allow_nan=False)
    note = fields.String(validate=validate.Length(max=2000), allow_none=True)
    reported_at = Moment(allow_none=True)
    # The office only: when a report that reached it by other means was received.
    received_at = Moment(allow_none=True)
    correction = fields.Boolean(load_default=False)
    # The ids of files uploaded for this report (add_evidence), kept as its evidence.
    evidence = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)),
                           load_default=list)
    # The seq of the target the report says is met (the evidence rules may ask
    # for a file with it).
    target_met = fields.Integer(allow_none=True, strict=True,
                                validate=validate.Range(min=1))


class CommitmentIn(Strict):
    task = fields.String(required=True, validate=CODE)
    unit = fields.String(required=True, validate=CODE)
    step = fields.String(required=True, validate=validate.Length(1, 300))
    promised_date = fields.Date(required=True, validate=PLAN_DATE)
    result = fields.String(required=True, validate=validate.Length(1, 500))


class ClockStageIn(Strict):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    recorded_at = Moment(allow_none=True)


class ReceiptCorrectionIn(Strict):
    received_at = Moment(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class ExtensionRequestIn(Strict):
    asked_due_date = fields.Date(required=True, validate=PLAN_DATE)
    seq = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class ExtensionDecisionIn(Strict):
    outcome = fields.String(required=True, validate=validate.OneOf(
        ("approved", "shortened", "refused")))
    granted_due_date = fields.Date(allow_none=True, validate=PLAN_DATE)
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class ExtensionIn(Strict):
    new_due_date = fields.Date(required=True, validate=PLAN_DATE)
    seq = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


REASON = validate.Length(1, 2000)


class TaskChangesIn(Strict):
    """The descriptive fields of a task the office may edit; those left out keep
    their values. The dates' and units' consistency with the task is checked
    against the task as it stands (logic.task_changes)."""

    title = fields.String(validate=validate.Length(1, 300))
    category = fields.String(validate=validate.Length(max=50), allow_none=True)
    source = fields.String(validate=validate.OneOf(SOURCES))
    clock_class = fields.String(validate=validate.OneOf(CLOCK_CLASSES), allow_none=True)
    responsible_person = fields.String(validate=validate.Length(max=50), allow_none=True)
    start_date = fields.Date(validate=PLAN_DATE)
    due_date = fields.Date(validate=PLAN_DATE)
    cooperating_units = fields.List(fields.String(validate=CODE))
    lead_unit = fields.String(validate=CODE)
    batch = fields.String(validate=validate.Length(max=100), allow_none=True)


class ReplanIn(Strict):
    """A new plan for what is not yet due: its targets in order, and why."""

    targets = fields.List(fields.Nested(TargetIn), required=True,
                          validate=validate.Length(min=1, max=120))
    reason = fields.String(required=True, validate=REASON)

    @validates_schema
    def cumulative(self, data, **_):
        previous, errors = None, {}
        for index, target in enumerate(data.get("targets") or ()):
            if previous and (target["due_date"] < previous[0]
                             or target["planned_percent"] < previous[1]):
                errors[index] = {"planned_percent": [
                    "targets are a cumulative trajectory: dates and percentages must not go back"
                ]}
            previous = (target["due_date"], target["planned_percent"])
        if errors:
            raise ValidationError(errors, "targets")


class ReasonIn(Strict):
    reason = fields.String(required=True, validate=REASON)


class UnitChangesIn(Strict):
    """What of a unit the office may edit; those left out keep their values."""

    name = fields.String(validate=validate.Length(1, 100))
    head = fields.Nested(ContactIn, allow_none=True)
    operator = fields.Nested(ContactIn, allow_none=True)
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)


class MergeIn(Strict):
    into = fields.String(required=True, validate=CODE)
    reason = fields.String(required=True, validate=REASON)


class FileIn(Strict):
    """A file carried inline in an RPC: its name and its bytes in base64."""

    filename = fields.String(required=True, validate=validate.Length(1, 300))
    content_b64 = fields.String(required=True)


class MatterIn(Strict):
    """A new matter an instruction gives (批示交办)."""

    code = fields.String(validate=CODE, allow_none=True)
    title = fields.String(required=True, validate=validate.Length(1, 300))
    lead_unit = fields.String(required=True, validate=CODE)
    cooperating_units = fields.List(fields.String(validate=CODE), load_default=list)
    clock_class = fields.String(validate=validate.OneOf(CLOCK_CLASSES), allow_none=True)
    category = fields.String(validate=validate.Length(max=50), allow_none=True)
    due_date = fields.Date(validate=PLAN_DATE, allow_none=True)
    responsible_person = fields.String(validate=validate.Length(max=50), allow_none=True)


class InstructionIn(Strict):
    """A leader's instruction (批示): on an existing `task`, as a new `matter`, or
    as a follow-up of the instruction `parent` (再批示); exactly one of them."""

    leader = fields.String(required=True, validate=validate.Length(1, 64))
    leader_name = fields.String(required=True, validate=validate.Length(1, 50))
    given_on = fields.Date(required=True, validate=PLAN_DATE)
    text = fields.String(required=True, validate=validate.Length(1, 5000))
    task = fields.String(validate=CODE, allow_none=True)
    matter = fields.Nested(MatterIn, allow_none=True)
    parent = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1), allow_none=True)
    clock_class = fields.String(validate=validate.OneOf(CLOCK_CLASSES), allow_none=True)
    due_date = fields.Date(validate=PLAN_DATE, allow_none=True)


class InstructionCorrectionIn(Strict):
    """A correction of a recorded instruction: any of its words, the leader's
    name shown under it and its date (as InstructionIn limits them), and why."""

    text = fields.String(validate=validate.Length(1, 5000))
    leader_name = fields.String(validate=validate.Length(1, 50))
    given_on = fields.Date(validate=PLAN_DATE)
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class StageFeedbackIn(Strict):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    text = fields.String(required=True, validate=validate.Length(1, 5000))
    files = fields.List(fields.Nested(FileIn), load_default=list,
                        validate=validate.Length(max=5))
    recorded_at = Moment(allow_none=True)


class MessageIn(Strict):
    text = fields.String(required=True, validate=validate.Length(1, 5000))
    # The author as people read it, which the gateway holds (the service keeps
    # logins); without it the login stands for the name.
    author_name = fields.String(load_default=None, validate=validate.Length(1, 100))
    files = fields.List(fields.Nested(FileIn), load_default=list,
                        validate=validate.Length(max=5))


CONSUMES = {
    ("warnings", "calendar_changed"): CalendarChangedIn,
}
