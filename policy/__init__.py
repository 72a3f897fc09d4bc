"""The one authorisation table (authorisation.json) that the gateway and the
services both follow: role × action × the caller's relation to the unit the
action concerns → allowed.

A neutral package: it imports neither the gateway nor any service, and both
may import it (.importlinter), so neither keeps a copy of the rules of the
other. Pure: no I/O but reading the table once.
"""
import functools
import json
from collections.abc import Callable, Iterable
from pathlib import Path

TABLE = Path(__file__).with_name("authorisation.json")
OWN, BELOW, OTHER = "own", "below", "other"


class Policy:
    """The table as read: `allows(action, role, relation)`."""

    def __init__(self, table: dict):
        self.roles = tuple(table["roles"])
        self.relations = tuple(table["relations"])
        self.actions = {name: {role: frozenset(relations)
                               for role, relations in action["allow"].items()}
                        for name, action in table["actions"].items()}
        for name, allow in self.actions.items():
            for role, relations in allow.items():
                if role not in self.roles or not relations <= set(self.relations):
                    raise ValueError(f"{TABLE.name}: {name} names an unknown role or relation")

    def allows(self, action: str, role: str | None, relation: str) -> bool:
        """Whether `role` may do `action` on a unit in `relation` to its own.
        KeyError for an action the table does not name: a typo must not allow."""
        return relation in self.actions[action].get(role, frozenset())

    def role_may(self, action: str, role: str | None) -> bool:
        """Whether `role` may do `action` on some unit (before the unit is known)."""
        return bool(self.actions[action].get(role))


@functools.cache
def policy() -> Policy:
    """The table, read once."""
    return Policy(json.loads(TABLE.read_text(encoding="utf-8")))


def relation(units: Iterable[str] | None, unit: str | None,
             covers_below: Callable[[str], bool] | None = None) -> str:
    """The relation of a caller acting for `units` (None: every unit) to `unit`:
    OWN when it is one of them (or the caller acts for every unit), BELOW when
    `covers_below(unit)` says it lies under one of them, else OTHER. A side that
    does not know the unit tree passes no `covers_below`, and sees BELOW as OTHER."""
    if units is None or unit in set(units):
        return OWN
    if unit is not None and covers_below is not None and covers_below(unit):
        return BELOW
    return OTHER
