"""The moment field every consumer and the tasks service read timestamps with."""
import datetime as dt

import pytest
from marshmallow import Schema, ValidationError

from services.common.events import Moment


class Report(Schema):
    at = Moment(required=True)
    maybe = Moment(allow_none=True)


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize("text, moment", [
    ("2026-11-20T03:04:05Z", dt.datetime(2026, 11, 20, 3, 4, 5, tzinfo=dt.UTC)),
    ("2026-11-20T03:04:05.123456+00:00",
     dt.datetime(2026, 11, 20, 3, 4, 5, 123456, tzinfo=dt.UTC)),
    ("2026-11-20T11:04:05+08:00", dt.datetime(2026, 11, 20, 11, 4, 5, tzinfo=SHANGHAI)),
    # Without an offset a moment is UTC, as everywhere in the platform.
    ("2026-11-20T03:04:05", dt.datetime(2026, 11, 20, 3, 4, 5, tzinfo=dt.UTC)),
    ("2026-11-20 03:04", dt.datetime(2026, 11, 20, 3, 4, tzinfo=dt.UTC)),
])
def test_iso_moments_are_read_aware(text, moment):
    loaded = Report().load({"at": text})["at"]
    assert loaded == moment and loaded.utcoffset() == moment.utcoffset()


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00", "", 1700000000, [],
                                   "2026-11-20T25:00:00"])
def test_anything_else_is_a_clear_error(value):
    with pytest.raises(ValidationError) as caught:
        Report().load({"at": value})
    assert caught.value.messages == {"at": ["Not a valid ISO 8601 datetime."]}


def test_none_only_where_allowed_and_the_moment_dumps_back():
    assert Report().load({"at": "2026-11-20T03:04:05Z", "maybe": None})["maybe"] is None
    with pytest.raises(ValidationError):
        Report().load({"at": None})
    moment = dt.datetime(2026, 11, 20, 3, 4, 5, tzinfo=dt.UTC)
    assert Report().dump({"at": moment, "maybe": None}) == {
        "at": "2026-11-20T03:04:05+00:00", "maybe": None}
