"""A marshmallow schema's `load`, compiled for the payloads it accepts.

Every service loads each event it reads with the consumer's schema, and a batch's
event carries a thousand reports or colours: marshmallow's machinery (an error
store, a getter and hooks per field, per item) was a seventh of the services'
time under a flood. `loader(Schema)` answers the same dicts as `Schema().load`
for a payload whose values already have the types the schema reads (strings,
ints, floats, ISO dates and moments, lists, nested objects); for anything else
(a value to coerce, a missing required field, a wrong type) it hands the payload
to marshmallow, which answers or refuses it in its own words. So what is
accepted, and how a refusal reads, stays marshmallow's.

A schema's `pre_load` hooks run first and its `validates_schema` hooks last, as
marshmallow runs them; a schema with other hooks (`post_load`, `validates`, ...),
dotted attributes or an `unknown` other than EXCLUDE or RAISE is loaded by
marshmallow alone."""
import datetime as dt
import functools
import math

from marshmallow import EXCLUDE, RAISE, ValidationError, fields, missing
from marshmallow.decorators import PRE_LOAD, VALIDATES_SCHEMA

from .compiling import Undecided, Unsupported, with_fallback
from .events import Moment


@functools.cache
def loader(schema_class):
    """A function payload -> dict equal to `schema_class().load(payload)`, raising
    the same ValidationError."""
    return with_fallback(lambda: _object(schema_class()),
                         lambda payload: schema_class().load(payload))


def _object(schema):
    if schema.dict_class is not dict or any(
            hooks for tag, hooks in schema._hooks.items()
            if tag not in (PRE_LOAD, VALIDATES_SCHEMA)):
        raise Unsupported
    prepare, validators = _hooks(schema, PRE_LOAD), _hooks(schema, VALIDATES_SCHEMA)
    unknown = schema.unknown
    if unknown not in (EXCLUDE, RAISE):
        raise Unsupported
    plan = []
    for name, field in schema.load_fields.items():
        attribute = field.attribute or name
        if "." in attribute:
            raise Unsupported
        key = field.data_key if field.data_key is not None else name
        plan.append((key, attribute, field.required, field.load_default, field.allow_none,
                     _value(field, key)))
    keys = frozenset(key for key, *_ in plan)
    raise_unknown = unknown == RAISE

    def load(data):
        for hook in prepare:
            data = _checked(hook, data)
        if type(data) is not dict or (raise_unknown and not keys.issuperset(data)):
            raise Undecided
        out = {}
        for key, attribute, required, default, allow_none, value_of in plan:
            value = data.get(key, missing)
            if value is missing:
                if required:
                    raise Undecided
                if default is not missing:
                    out[attribute] = default() if callable(default) else default
            elif value is None:
                if not allow_none:
                    raise Undecided
                out[attribute] = None
            else:
                out[attribute] = value_of(value, data)
        for validator in validators:
            _checked(validator, out)
        return out

    return load


def _hooks(schema, tag):
    """The schema's hooks of `tag` as marshmallow calls them on one item."""
    hooks = []
    for name, many, options in schema._hooks[tag]:
        if many or options.get("pass_original"):
            raise Unsupported
        hooks.append(getattr(schema, name))
    return hooks


def _checked(hook, data):
    """What a hook answers of one item; a refusal is marshmallow's to word."""
    try:
        return hook(data, many=False, partial=None)
    except ValidationError:
        raise Undecided from None


def _value(field, key):
    """value, data -> the field's value loaded, for a value that is not None."""
    typed = _typed(field)
    if typed is None:
        return _by_the_field(field, key)  # which also runs its validators
    if not field.validators:
        return typed
    validators = tuple(field.validators)

    def validated(value, data):
        # As marshmallow's Field._validate asks them: a validator refuses by
        # raising ValidationError or answering False.
        loaded = typed(value, data)
        for validator in validators:
            try:
                if validator(loaded) is False:
                    raise Undecided
            except ValidationError:
                raise Undecided from None
        return loaded

    return validated


def _typed(field):
    """The field's value loaded by its kind, its validators aside; None for a
    kind the fast path does not know."""
    kind = type(field)
    if kind is fields.String:
        return _string
    if kind is fields.Integer:
        return _integer
    if kind is fields.Float:
        return _float_allowing_nan if field.allow_nan else _float
    if kind is fields.Boolean:
        return _boolean
    if kind is fields.Date and field.format in (None, "iso", "iso8601"):
        return _date
    if kind is Moment:
        return _moment
    if kind is fields.List:
        return _list(field.inner)
    if kind is fields.Nested:
        if not isinstance(field.nested, type) or field.unknown is not None:
            raise Unsupported
        return _nested(_object(field.schema), field.many)
    return None


def _by_the_field(field, key):
    # A field of its own kind: its own deserialize, which also runs its
    # validators, without the schema's machinery around it.
    def load(value, data):
        try:
            return field.deserialize(value, key, data)
        except ValidationError:
            raise Undecided from None
    return load


def _string(value, data):
    if type(value) is str:
        return value
    raise Undecided


def _integer(value, data):
    if type(value) is int:
        return value
    raise Undecided


def _float(value, data):
    if type(value) is float or type(value) is int:
        value = float(value)
        if math.isfinite(value):
            return value
    raise Undecided


def _float_allowing_nan(value, data):
    if type(value) is float or type(value) is int:
        return float(value)
    raise Undecided


def _boolean(value, data):
    if value is True or value is False:
        return value
    raise Undecided


def _date(value, data):
    # marshmallow reads YYYY-M-D with one or two digits; the fast path only the
    # ten characters every producer writes.
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-" \
            and value[:4].isdigit():
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise Undecided


def _moment(value, data):
    if type(value) is str:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise Undecided from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    raise Undecided


def _list(inner):
    each = _value(inner, None)
    allow_none = inner.allow_none

    def load(value, data):
        if type(value) is not list:
            raise Undecided
        out = []
        for item in value:
            if item is None:
                if not allow_none:
                    raise Undecided
                out.append(None)
            else:
                out.append(each(item, None))
        return out

    return load


def _nested(load_object, many):
    if not many:
        return lambda value, data: load_object(value)

    def load(value, data):
        if type(value) is not list:
            raise Undecided
        return [load_object(item) for item in value]

    return load
