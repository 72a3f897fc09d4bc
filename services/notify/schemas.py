"""What the notify service reads of other services' events: only the fields it
needs, ignoring the rest, so producers may add fields freely."""
from marshmallow import fields

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


class UnitCreatedIn(ConsumedEventSchema):
    unit = fields.Nested(UnitIn, required=True)


class ColourChangeIn(Tolerant):
    item_kind = fields.String(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    colour = fields.String(required=True)
    previous = fields.String(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


class ColourChangedIn(ConsumedEventSchema):
    as_of = fields.Date(required=True)
    changes = fields.List(fields.Nested(ColourChangeIn), required=True)


# What each handler reads, by (producer, event): checked against the producers' own
# schemas by tests/contracts.
CONSUMES = {
    ("tasks", "unit_created"): UnitCreatedIn,
    ("warnings", "colour_changed"): ColourChangedIn,
}
