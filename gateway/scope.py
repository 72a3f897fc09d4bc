"""Which units a caller may read and write: the units it acts for and every unit
below them in the unit tree, as the services judge it.

The gateway checks the units named in a path, query or body before calling a
service (which checks again). The tree is fetched from the tasks service only
when a unit is not one of the caller's own.

A task's units are not all equal: any of them reads the task and adds
evidence, but only the lead unit (or the office) acts on the task's whole:
closes it, explains it, records its 13710 stages. Who may do which is the
authorisation table (policy/authorisation.json), which the services follow too
(services/common/scope.py).
"""
from typing import Annotated

from fastapi import Depends, HTTPException, status

from policy import policy, relation

from .auth import Caller, CurrentCaller
from .messages import refusal
from .rpc import Rpc, all_items


class UnitScope:
    """The scope of one caller for one request."""

    def __init__(self, caller: Caller, rpc):
        self.caller = caller
        self._rpc = rpc
        self._parents = None

    def _parent_of(self, unit: str) -> str | None:
        if self._parents is None:
            units = all_items(self._rpc.tasks.list_units, caller=self.caller.as_rpc())
            self._parents = {item["code"]: item.get("parent") for item in units}
        return self._parents.get(unit)

    def covers(self, unit: str) -> bool:
        """Whether `unit` is one of the caller's or lies below one of them."""
        seen = set()
        while unit is not None and unit not in seen:
            if self.caller.covers(unit):
                return True
            seen.add(unit)
            unit = self._parent_of(unit)
        return False

    def require(self, *units: str | None) -> None:
        """403 unless every given unit is within the scope."""
        outside = sorted({unit for unit in units if unit is not None and not self.covers(unit)})
        if outside:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"outside your units: {', '.join(outside)}")

    def require_any(self, units, what: str) -> None:
        """403 unless at least one of `units` is within the scope."""
        if not any(self.covers(unit) for unit in units if unit):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"{what} is outside your units")

    def relation(self, unit: str | None) -> str:
        """The caller's relation to `unit` in the authorisation table: own, below
        (under one of its units) or other."""
        return relation(self.caller.units, unit, covers_below=self.covers)

    def allows(self, action: str, unit: str | None) -> bool:
        """Whether the authorisation table lets the caller do `action` on `unit`."""
        return policy().allows(action, self.caller.role, self.relation(unit))

    def require_task(self, task: dict, action: str | None = None) -> None:
        """403 unless one of the task's units (lead, cooperating, a target's) is
        within the scope; with `action` (an act on the task's whole), unless the
        authorisation table lets the caller do it for the task's lead unit."""
        self.require_any([task.get("lead_unit"), *(task.get("cooperating_units") or []),
                          *(target.get("unit") for target in task.get("targets") or [])],
                         f"task {task.get('code')}")
        if action and not self.allows(action, task.get("lead_unit")):
            raise refusal(status.HTTP_403_FORBIDDEN, "lead_unit_only",
                          task=task.get("code"), lead=task.get("lead_unit"))

    def require_task_code(self, code: str, action: str | None = None) -> None:
        """As require_task, for a task known by its code. A caller of every unit
        needs no look-up; the service checks the caller again in any case."""
        if self.caller.units is None:
            if action and not self.allows(action, None):
                raise refusal(status.HTTP_403_FORBIDDEN, "lead_unit_only", task=code, lead="")
            return
        self.require_task(self._rpc.tasks.get_task(code=code, caller=self.caller.as_rpc()),
                          action)

    def unit_filter(self, unit: str | None) -> str | None:
        """The unit to filter a query by when the service cannot scope by caller.

        A caller limited to several units must name one unless it has only one.
        """
        self.require(unit)
        units = self.caller.units
        if unit is not None or units is None:
            return unit
        if len(units) == 1:
            return units[0]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "name one of your units with the unit parameter")


def get_unit_scope(caller: CurrentCaller, rpc: Rpc) -> UnitScope:
    """FastAPI dependency: the caller's unit scope."""
    return UnitScope(caller, rpc)


Scope = Annotated[UnitScope, Depends(get_unit_scope)]
