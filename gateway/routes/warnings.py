"""Warning colours, their evaluation, and the one-screen dashboard (一屏统揽)."""
import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ..auth import Admin, CurrentCaller
from ..rpc import Rpc, present, with_titles
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


@router.get("/forecasts")
def list_forecasts(scope: Scope, rpc: Rpc, colour: Colour | None = None,
                   unit: Code | None = None, task: Code | None = None,
                   soon_red: bool | None = None,
                   batch: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
                   limit: Limit = 100, offset: Offset = 0):
    """The tasks' forecasts (预测预警): where each will stand on its coming due
    dates at the pace of its own reports, the colour that would give it, and
    the day it would turn red; shown beside the colour, never instead of it.
    `soon_red=true`: the tasks not red forecast red within the rules'
    forecast_red_days (预测将亮红灯). `colour` is the forecast's. A caller of
    some units sees theirs, as with the warnings."""
    answer = rpc.warnings.list_forecasts(
        limit=limit, offset=offset,
        **present(colour=colour, unit=scope.unit_filter(unit), task=task,
                  soon_red=soon_red, batch=batch))
    with_titles(rpc, scope.caller.as_rpc(), answer["items"])
    return answer


@router.get("/forecasts/accuracy")
def forecast_accuracy(scope: Scope, rpc: Rpc, unit: Code | None = None,
                      days: Annotated[int, Query(ge=1, le=366)] = 90,
                      as_of: dt.date | None = None):
    """How the forecasts red of the last `days` days came out on their day: how
    many were forecast red, how many of them were really red then, and the
    accuracy, with the line the office reads (近90天预测红灯N项，其中M项到期确实亮红灯).
    A caller of some units sees their own unit's record."""
    return rpc.warnings.get_forecast_accuracy(
        days=days, **present(unit=scope.unit_filter(unit), as_of=as_of and as_of.isoformat()))


@router.post("/evaluations")
def evaluate(caller: Admin, rpc: Rpc, as_of: dt.date | None = None):
    """Re-evaluate every colour as of a date (default: the office's today, by the
    platform's clock, which the warnings service keeps)."""
    return rpc.warnings.evaluate(**present(as_of=as_of and as_of.isoformat()))


@router.get("/dashboard")
async def dashboard(request: Request, caller: CurrentCaller, rpc: Rpc,
                    batch: Annotated[str | None, Query(min_length=1, max_length=100)] = None):
    """The one-screen figures: counts by colour and each unit's, with its name. At
    most `LUOSHI_DASHBOARD_SECONDS` old. With `batch` (批次), the tasks of that
    batch only (asked each time; the notices stay the city's)."""
    state = request.app.state
    if batch is not None:
        def ask_batch():
            board = rpc.warnings.get_dashboard(batch=batch)
            rows = board.get("units") or []
            names = state.unit_names.for_codes([row["unit"] for row in rows], rpc, caller)
            for row in rows:
                row["name"] = names.get(row["unit"])
            return board
        return await run_in_threadpool(ask_batch)
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


@router.get("/batches")
def list_batches(caller: CurrentCaller, rpc: Rpc):
    """The batches (批次) of the tasks, each with its counts: `items`, `active`,
    `closed`, `explained`, `cancelled` (the caller's tasks) and, for a caller of
    every unit, `green`, `yellow` and `red` (the colours are the city's, so they
    are null for a caller limited to some units)."""
    batches = rpc.tasks.list_batches(caller=caller.as_rpc())["items"]
    colours = {}
    if caller.units is None:
        colours = {entry["batch"]: entry
                   for entry in rpc.warnings.get_batch_colours()["items"]}
    for entry in batches:
        found = colours.get(entry["batch"]) or {}
        for colour in ("green", "yellow", "red"):
            entry[colour] = found.get(colour, 0) if caller.units is None else None
    return {"items": batches, "total": len(batches)}
