"""The events the warnings service emits: their names and the schemas it owns."""
from marshmallow import Schema, fields

from services.common.events import EventSchema

COLOUR_CHANGED = "colour_changed"


class ColourChange(Schema):
    item_kind = fields.String(required=True)  # task, target, clock, commitment
    item_key = fields.String(required=True)
    task = fields.String(required=True)
    unit = fields.String(required=True)
    colour = fields.String(required=True)  # green, yellow, red
    previous = fields.String(allow_none=True)
    reason = fields.String(required=True)
    rule_version = fields.Integer(required=True)


class ColourChanged(EventSchema):
    """Every change of one evaluation, in one event; emitted only when something
    changed."""

    as_of = fields.String(required=True)
    changes = fields.List(fields.Nested(ColourChange), required=True)


SCHEMAS = {COLOUR_CHANGED: ColourChanged}
