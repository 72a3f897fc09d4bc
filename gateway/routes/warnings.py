"""Warning colours, their evaluation, and the one-screen dashboard (一屏统揽)."""
import datetime as dt

from fastapi import APIRouter, Request

from ..auth import Admin, CurrentCaller
from ..rpc import Rpc, all_items, present
from ..schemas import Code, Colour, Limit, Offset
from ..scope import Scope

router = APIRouter(prefix="/api/v1", tags=["warnings"])


@router.get("/warnings")
def list_warnings(scope: Scope, rpc: Rpc, colour: Colour | None = None,
                  unit: Code | None = None, task: Code | None = None,
                  limit: Limit = 100, offset: Offset = 0):
    """Colour states of targets, clock stages, commitments and tasks.

    The warnings service does not scope by caller, so a caller limited to
    several units names one with `unit`.
    """
    return rpc.warnings.list_warnings(
        limit=limit, offset=offset,
        **present(colour=colour, unit=scope.unit_filter(unit), task=task))


@router.post("/evaluations")
def evaluate(request: Request, caller: Admin, rpc: Rpc, as_of: dt.date | None = None):
    """Re-evaluate every colour as of a date (default: the office's today)."""
    as_of = as_of or request.app.state.settings.today()
    return rpc.warnings.evaluate(as_of=as_of.isoformat())


class UnitNames:
    """Unit names by code, asked of the tasks service again only when a board names
    a unit not seen yet. Units are never renamed nor removed, so nothing here goes
    stale, and the one screen under many readers costs one RPC, not two."""

    def __init__(self):
        self._names: dict = {}

    def for_codes(self, codes, rpc, caller) -> dict:
        if not set(codes) <= self._names.keys():
            fetched = {unit["code"]: unit["name"]
                       for unit in all_items(rpc.tasks.list_units, caller=caller.as_rpc())}
            self._names = {**self._names, **fetched}  # swapped whole: readers never lock
        return self._names


@router.get("/dashboard")
def dashboard(request: Request, caller: CurrentCaller, rpc: Rpc):
    """The one-screen figures: counts by colour and each unit's, with its name."""
    board = rpc.warnings.get_dashboard()
    rows = board.get("units") or []
    cache = getattr(request.app.state, "unit_names", None)
    if cache is None:
        cache = request.app.state.unit_names = UnitNames()
    names = cache.for_codes([row["unit"] for row in rows], rpc, caller)
    for row in rows:
        row["name"] = names.get(row["unit"])
    return board
