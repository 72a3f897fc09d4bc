"""The producers' compiled dumpers (services.common.dumping) against marshmallow:
every event's sample, as its producer holds it, and with each of its values
replaced or removed, is dumped to the same payload, or fails the same way."""
import copy
import datetime as dt

import pytest
from marshmallow import Schema, fields, post_dump

from services.common.dumping import dumper
from tests.contracts.samples import SAMPLES
from tests.contracts.test_event_contracts import PRODUCERS, producer_schemas
from tests.contracts.test_event_loading import ODD_VALUES, typed, variants

MOMENT = dt.datetime(2026, 12, 6, 8, 30, tzinfo=dt.UTC)
# The events an import or a batch of reports emits: the ones dumped through
# services.common.dumping.
BY_THE_THOUSAND = {("tasks", "tasks_imported"), ("tasks", "progress_reported"),
                   ("warnings", "tasks_judged"), ("warnings", "colour_changed")}


def outcome(dump, obj):
    """What dumping answers, every value with its type, or the error it raises."""
    try:
        return "dumped", typed(dump(copy.deepcopy(obj)))
    except Exception as error:  # noqa: BLE001 — the same failure both ways is the point
        return "failed", type(error).__name__, str(error)


CASES = [(producer, event_type, schema) for producer in PRODUCERS
         for event_type, schema in producer_schemas(producer).items()]


@pytest.mark.parametrize("producer, event_type, schema", CASES,
                         ids=[f"{p}-{e}" for p, e, _ in CASES])
def test_a_compiled_dumper_dumps_as_marshmallow(producer, event_type, schema):
    # The event as its producer holds it before dumping: moments as datetimes.
    held = schema().load(SAMPLES[producer][event_type])
    by_marshmallow, compiled = schema().dump, dumper(schema)
    assert outcome(compiled, held) == outcome(by_marshmallow, held)
    # A well-formed event of those emitted by the thousand is the fast path's to
    # dump, not marshmallow's.
    if (producer, event_type) in BY_THE_THOUSAND:
        assert compiled.fast is not None, f"{event_type} is dumped by marshmallow alone"
    if compiled.fast is not None:
        assert outcome(compiled.fast, held) == outcome(by_marshmallow, held)
    assert outcome(compiled, {**held, "not_a_field": 1}) == outcome(by_marshmallow, held)
    for path, odd, changed in variants(held):
        assert outcome(compiled, changed) == outcome(by_marshmallow, changed), (path, odd)
    for odd in (None, [], "x", [held], (held,), MOMENT, *ODD_VALUES):
        assert outcome(compiled, odd) == outcome(by_marshmallow, odd), odd


class Keyed(Schema):
    code = fields.String(data_key="任务编号")
    kind = fields.String(dump_default="plan")
    made = fields.Raw(dump_default=list)
    seen = fields.String(attribute="seen_by")
    rows = fields.List(fields.Nested(lambda: Keyed()))  # a nested schema by function
    secret = fields.String(load_only=True)


class Hooked(Schema):
    code = fields.String()

    @post_dump
    def upper(self, data, **kwargs):
        return {**data, "code": data["code"].upper()}


def test_keys_defaults_attributes_and_hooks_are_as_marshmallow_has_them():
    obj = {"code": "T1", "seen_by": "张三", "secret": "x", "rows": [{"code": "T2"}]}
    assert dumper(Keyed)(obj) == Keyed().dump(obj) == {
        "任务编号": "T1", "kind": "plan", "made": [], "seen": "张三", "rows": [
            {"任务编号": "T2", "kind": "plan", "made": []}]}
    # What the fast path does not compile is marshmallow's alone.
    assert dumper(Keyed).fast is None  # the nested schema given by a function
    assert dumper(Hooked).fast is None and dumper(Hooked)({"code": "a"}) == {"code": "A"}
