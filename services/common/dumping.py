"""A marshmallow schema's `dump`, compiled for the objects services emit.

A producer dumps each event it emits with its own schema, and the events of an
import or a batch carry a thousand tasks, reports or colours: marshmallow's
getter and serialize call per field, per item, were a sixth of the tasks
service's import and of the warnings service's colouring of it. `dumper(Schema)`
answers the same dict as `Schema().dump` for an object made of dicts whose values
already have the types the fields write (str, int, float, bool, datetimes for
moments, lists, dicts); for anything else it hands the object to marshmallow, so
what an event carries stays marshmallow's answer. A schema with dump hooks, a
dotted attribute, a nested `only` or `exclude`, a number as a string or a field
of another kind is dumped by marshmallow alone.
"""
import datetime as dt
import functools

from marshmallow import fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP

from .compiling import Undecided, Unsupported, with_fallback
from .events import Moment


@functools.cache
def dumper(schema_class):
    """A function obj -> dict equal to `schema_class().dump(obj)`."""
    return with_fallback(lambda: _one(schema_class()),
                         lambda obj: schema_class().dump(obj))


def _one(schema):
    if schema.many:
        raise Unsupported
    return _object(schema)


def _object(schema):
    # A nested schema of many items is made with `many`; the field dumps each.
    if schema.dict_class is not dict or schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        raise Unsupported
    plan = []
    for name, field in schema.dump_fields.items():
        attribute = field.attribute or name
        if "." in attribute:
            raise Unsupported
        key = field.data_key if field.data_key is not None else name
        plan.append((attribute, key, field.dump_default, _value(field)))

    def dump(obj):
        if type(obj) is not dict:
            raise Undecided
        out = {}
        for attribute, key, default, value_of in plan:
            value = obj.get(attribute, missing)
            if value is missing:
                if hasattr(obj, attribute):
                    raise Undecided  # marshmallow would read the dict's attribute
                if default is missing:
                    continue
                value = default() if callable(default) else default
            out[key] = None if value is None else value_of(value)
        return out

    return dump


def _value(field):
    """value -> the field's value dumped, for a value that is not None."""
    kind = type(field)
    if kind is fields.String:
        return _string
    if kind in (fields.Integer, fields.Float) and field.as_string:
        raise Unsupported
    if kind is fields.Integer:
        return _integer
    if kind is fields.Float:
        return _float
    if kind is fields.Boolean:
        return _boolean
    if kind is Moment:
        return _moment
    if kind in (fields.Field, fields.Raw):
        return _as_it_is
    if kind is fields.Dict and field.key_field is None and field.value_field is None:
        return _dict
    if kind is fields.List:
        return _list(_value(field.inner))
    if kind is fields.Nested:
        if not isinstance(field.nested, type) or field.only or field.exclude:
            raise Unsupported
        return _nested(_object(field.schema), field.many)
    raise Unsupported


def _string(value):
    if type(value) is str:
        return value
    raise Undecided


def _integer(value):
    if type(value) is int:
        return value
    raise Undecided


def _float(value):
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise Undecided


def _boolean(value):
    if value is True or value is False:
        return value
    raise Undecided


def _moment(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise Undecided


def _as_it_is(value):
    return value


def _dict(value):
    if type(value) is dict:
        return dict(value)
    raise Undecided


def _list(each):
    def dump(value):
        if type(value) is not list and type(value) is not tuple:
            raise Undecided
        # An item that is None is None in every kind of field dumped here.
        return [None if item is None else each(item) for item in value]
    return dump


def _nested(dump_object, many):
    if not many:
        return dump_object

    def dump(value):
        if type(value) is not list and type(value) is not tuple:
            raise Undecided
        return [dump_object(item) for item in value]
    return dump
