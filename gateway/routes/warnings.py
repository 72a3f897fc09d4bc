"""Warning colours, their evaluation, and the one-screen dashboard (一屏统揽)."""
import datetime as dt
import json
import threading
import time

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

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


class SharedBoard:
    """The one screen's answer, shared by everyone who reads it within `seconds`:
    a wall of big screens and the leaders' phones polling it cost the services one
    RPC a window, not one a reader. The board is the same for every caller (city
    wide counts), so sharing it reveals nothing. 0 asks the services every time."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._kept = None  # (monotonic time it was asked, JSON body)

    def fresh(self) -> bytes | None:
        """The board if one younger than the window is at hand, else None."""
        kept = self._kept
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        return None

    def read(self, ask) -> bytes:
        if self.seconds <= 0:
            return ask()
        body = self.fresh()
        if body is None:
            with self._lock:  # one reader asks; those arriving meanwhile wait for it
                body = self.fresh()
                if body is None:
                    asked = time.monotonic()
                    body = ask()
                    self._kept = (asked, body)
        return body


@router.get("/dashboard")
async def dashboard(request: Request, caller: CurrentCaller, rpc: Rpc):
    """The one-screen figures: counts by colour and each unit's, with its name. At
    most `LUOSHI_DASHBOARD_SECONDS` old."""
    state = request.app.state
    # Most readers find the board at hand: answered in the event loop, with no
    # RPC slot and no hop to a worker thread. The one who asks blocks in a thread.
    body = state.dashboard.fresh()
    if body is not None:
        return Response(body, media_type="application/json")

    def ask():
        board = rpc.warnings.get_dashboard()
        rows = board.get("units") or []
        names = state.unit_names.for_codes([row["unit"] for row in rows], rpc, caller)
        for row in rows:
            row["name"] = names.get(row["unit"])
        return json.dumps(board, ensure_ascii=False, separators=(",", ":")).encode()

    return Response(await run_in_threadpool(state.dashboard.read, ask),
                    media_type="application/json")
