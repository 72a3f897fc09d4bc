"""What the ranking service reads of other services' events: only the fields it
needs, ignoring the rest, so producers may add fields freely."""
import datetime as dt

from marshmallow import fields

from services.common.events import ConsumedEventSchema, Tolerant


class UnitIn(Tolerant):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class UnitCreatedIn(ConsumedEventSchema):
    unit = fields.Nested(UnitIn, required=True)


class TaskIn(Tolerant):
    code = fields.String(required=True)
    lead_unit = fields.String(required=True)


class TaskCreatedIn(ConsumedEventSchema):
    task = fields.Nested(TaskIn, required=True)


class ColourChangeIn(Tolerant):
    item_kind = fields.String(required=True)
    task = fields.String(required=True)
    colour = fields.String(required=True)


class ColourChangedIn(ConsumedEventSchema):
    # Read as a moment: it orders the colours of evaluations delivered out of turn.
    occurred_at = fields.AwareDateTime(required=True, default_timezone=dt.UTC)
    changes = fields.List(fields.Nested(ColourChangeIn), required=True)


# What each handler reads, by (producer, event): checked against the producers' own
# schemas by tests/contracts.
CONSUMES = {
    ("tasks", "unit_created"): UnitCreatedIn,
    ("tasks", "task_created"): TaskCreatedIn,
    ("warnings", "colour_changed"): ColourChangedIn,
}
