"""The consumers' compiled loaders (services.common.loading) against marshmallow:
every consumed event's sample, and the sample with each of its values replaced or
removed, is loaded the same, or refused with the same messages."""
import copy
import datetime as dt

import pytest
from marshmallow import Schema, ValidationError, fields, pre_load

from services.common.config import SERVICES
from services.common.loading import loader
from tests.contracts.samples import SAMPLES
from tests.contracts.test_event_contracts import consumed, producer_schemas

# What a producer's bug or another version could put where a value belongs.
ODD_VALUES = (None, 12, 0, -3, 1.5, float("nan"), True, False, "x", "", "12", "1.5",
              "2026-12-06", "2026-1-6", "2026-12-06T08:00:00", "2026-12-06T08:00:00+08:00",
              [], ["x"], [None], {}, {"x": 1})


def outcome(load, payload):
    """What loading answers, every value with its type, or the refusal's messages."""
    try:
        return "loaded", typed(load(copy.deepcopy(payload)))
    except ValidationError as refusal:
        return "refused", refusal.messages


def typed(value):
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat())
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


def paths(value, prefix=()):
    """Every key and list place in a payload, the first two items of a list only."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for place, item in enumerate(value[:2]):
            yield (*prefix, place)
            yield from paths(item, (*prefix, place))


def variants(payload):
    for path in paths(payload):
        *to, last = path
        for odd in (*ODD_VALUES, "removed"):
            if odd == "removed" and isinstance(last, int):
                continue
            changed = copy.deepcopy(payload)
            holder = changed
            for step in to:
                holder = holder[step]
            if odd == "removed":
                del holder[last]
            else:
                holder[last] = odd
            yield path, odd, changed


CASES = [(consumer, source, event_type, schema)
         for consumer in SERVICES
         for (source, event_type), schema in consumed(consumer).items()]


@pytest.mark.parametrize("consumer, source, event_type, schema", CASES,
                         ids=[f"{c}-{s}-{e}" for c, s, e, _ in CASES])
def test_a_compiled_loader_loads_and_refuses_as_marshmallow(consumer, source, event_type,
                                                            schema):
    sample = producer_schemas(source)[event_type]().dump(SAMPLES[source][event_type])
    by_marshmallow, compiled = schema().load, loader(schema)
    assert outcome(compiled, sample) == outcome(by_marshmallow, sample)
    # A well-formed event is the fast path's to load, not marshmallow's.
    assert outcome(compiled.fast, sample) == outcome(by_marshmallow, sample)
    assert outcome(compiled, {**sample, "added_later": 1}) == outcome(by_marshmallow, sample)
    for path, odd, changed in variants(sample):
        assert outcome(compiled, changed) == outcome(by_marshmallow, changed), (path, odd)
    for refused in (None, [], "x", [sample]):
        assert outcome(compiled, refused) == outcome(by_marshmallow, refused)


class Strict(Schema):
    code = fields.String(required=True)
    tags = fields.List(fields.String(), load_default=list)
    at = fields.Date(data_key="on", allow_none=True)


class Hooked(Schema):
    code = fields.String(required=True)

    @pre_load
    def upper(self, data, **kwargs):
        return {**data, "code": data["code"].upper()}


def test_a_schema_that_refuses_unknown_fields_data_keys_and_hooks():
    load = loader(Strict)
    assert load({"code": "A", "on": "2026-12-06"}) == {
        "code": "A", "tags": [], "at": dt.date(2026, 12, 6)}
    assert load({"code": "A", "on": None, "tags": ["x"]}) == {
        "code": "A", "at": None, "tags": ["x"]}
    with pytest.raises(ValidationError) as refused:
        load({"code": "A", "at": "2026-12-06"})
    assert refused.value.messages == {"at": ["Unknown field."]}
    # A hook is marshmallow's to run: the fast path leaves such a schema alone.
    assert loader(Hooked)({"code": "a"}) == {"code": "A"}


def test_a_batch_item_is_loaded_and_refused_as_marshmallow_does_with_its_hook():
    """The tasks service's report item: strict, with validators and a pre_load
    hook that refuses unstorable text."""
    from services.tasks.schemas import ProgressItemIn
    item = {"task": "T1", "unit": "yz", "percent": 30, "note": "月度进展",
            "reported_at": "2026-12-01T10:00:00+08:00", "received_at": None,
            "correction": False, "evidence": [3, 4], "target_met": 2}
    by_marshmallow, compiled = ProgressItemIn().load, loader(ProgressItemIn)
    assert outcome(compiled.fast, item) == outcome(by_marshmallow, item)
    for path, odd, changed in variants(item):
        assert outcome(compiled, changed) == outcome(by_marshmallow, changed), (path, odd)
    for unstorable in ("T\x00", "\ud800", "x" * 40, "100"):
        changed = {**item, "task": unstorable, "note": unstorable}
        assert outcome(compiled, changed) == outcome(by_marshmallow, changed)
    assert outcome(compiled, {**item, "added": 1})[0] == "refused"


def test_a_task_is_loaded_and_refused_as_marshmallow_does_with_its_schema_check():
    """The tasks service's task: nested targets, validators, a pre_load hook and
    a validates_schema check of its dates and trajectory."""
    from services.tasks.schemas import TaskIn
    task = {"code": "T1", "title": "重点任务", "lead_unit": "yz", "start_date": "2026-01-01",
            "due_date": "2026-12-31", "category": None, "source": "plan",
            "clock_class": "general", "cooperating_units": ["zs"],
            "targets": [{"due_date": "2026-06-30", "planned_percent": 50, "unit": "yz"},
                        {"due_date": "2026-12-31", "planned_percent": 100}]}
    by_marshmallow, compiled = TaskIn().load, loader(TaskIn)
    assert outcome(compiled.fast, task) == outcome(by_marshmallow, task)
    for path, odd, changed in variants(task):
        assert outcome(compiled, changed) == outcome(by_marshmallow, changed), (path, odd)
    for changes in ({"due_date": "2025-12-31"}, {"cooperating_units": ["yz"]},
                    {"targets": list(reversed(task["targets"]))}):
        changed = {**task, **changes}
        assert outcome(compiled, changed)[0] == "refused"
        assert outcome(compiled, changed) == outcome(by_marshmallow, changed)
