"""What every event payload carries, whichever service emits it."""
import datetime as dt
import uuid

from marshmallow import EXCLUDE, Schema, fields


def new_event(**fields_):
    """A payload with a fresh `event_id` and `occurred_at`, plus the given fields."""
    return {
        "event_id": uuid.uuid4().hex,
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **fields_,
    }


class EventSchema(Schema):
    """Producer side: every field is declared, unknown ones are refused."""

    event_id = fields.String(required=True)
    occurred_at = fields.String(required=True)


class Tolerant(Schema):
    """Consumer side: only the fields a consumer needs; the rest is ignored so that
    producers may add fields freely."""

    class Meta:
        unknown = EXCLUDE


class ConsumedEventSchema(Tolerant):
    event_id = fields.String(required=True)
    occurred_at = fields.String(required=True)
