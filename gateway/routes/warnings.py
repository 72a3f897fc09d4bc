"""Warning colours, their evaluation, and the one-screen dashboard (一屏统揽)."""
import datetime as dt
import json

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ..auth import Admin, CurrentCaller
from ..rpc import Rpc, present
from ..schemas import Code, Colour, Limit, Offset
from ..scope import Scope
from .version import PREFIX

router = APIRouter(prefix=PREFIX, tags=["warnings"])


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
def evaluate(caller: Admin, rpc: Rpc, as_of: dt.date | None = None):
    """Re-evaluate every colour as of a date (default: the office's today, by the
    platform's clock, which the warnings service keeps)."""
    return rpc.warnings.evaluate(**present(as_of=as_of and as_of.isoformat()))


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
