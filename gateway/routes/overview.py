"""The one screen's figures (一屏统揽) beyond the counts of /dashboard: the trend of
the colours over the weeks, the tasks red the longest, and the 13710 deadlines
about to run out. Each is a service's answer with the tasks' titles and the
units' names added; a caller acting for units sees the tasks it may read."""
from typing import Annotated

from fastapi import APIRouter, Query, Request

from ..auth import Caller, CurrentCaller
from ..rpc import MAX_PAGE, Rpc, all_items, present
from ..schemas import Code
from ..scope import Scope, UnitScope
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/dashboard", tags=["warnings"])


def readable_tasks(rpc, scope: UnitScope, codes) -> dict[str, dict]:
    """{code: task} of the tasks among `codes` the caller may read (the tasks
    service scopes the list; the gateway checks again, as for one task)."""
    codes = sorted(set(codes))
    found = {}
    for start in range(0, len(codes), MAX_PAGE):
        page = rpc.tasks.list_tasks(caller=scope.caller.as_rpc(),
                                    codes=codes[start:start + MAX_PAGE], limit=MAX_PAGE)
        found.update({task["code"]: task for task in page["items"]})
    if scope.caller.units is None:
        return found
    return {code: task for code, task in found.items() if any(
        scope.covers(unit) for unit in (task.get("lead_unit"), *(task.get("cooperating_units")
                                                                 or [])) if unit)}


def _unit_names(rpc, caller: Caller) -> dict[str, str]:
    return {unit["code"]: unit["name"]
            for unit in all_items(rpc.tasks.list_units, caller=caller.as_rpc())}


@router.get("/trend")
def colour_trend(caller: CurrentCaller, rpc: Rpc,
                 weeks: Annotated[int, Query(ge=1, le=104)] = 12):
    """Tasks green, yellow and red at the end of each of the last `weeks` weeks
    (the current week up to today): `{"weeks": [{"week_end", "green", "yellow",
    "red"}], "as_of"}`."""
    return rpc.warnings.get_colour_trend(weeks=weeks)


@router.get("/red-items")
def red_items(caller: CurrentCaller, scope: Scope, rpc: Rpc,
              limit: Annotated[int, Query(ge=1, le=100)] = 10):
    """The red tasks most overdue: red the longest first, then furthest past the
    first date they missed (the warnings service's order): `{"items": [{task,
    title, unit, unit_name, since, days_red, overdue_days, reason, percent,
    due_date}]}`."""
    reds = rpc.warnings.list_red_items(limit=MAX_PAGE)["items"]
    tasks = readable_tasks(rpc, scope, [red["task"] for red in reds]) if reds else {}
    names = _unit_names(rpc, caller) if tasks else {}
    items = [{
        "task": red["task"], "title": tasks[red["task"]].get("title"), "unit": red["unit"],
        "unit_name": names.get(red["unit"]), "since": red["since"],
        "days_red": red["days_red"], "overdue_days": red["overdue_days"],
        "reason": red["reason"], "percent": tasks[red["task"]].get("percent"),
        "due_date": tasks[red["task"]].get("due_date")}
        for red in reds if red["task"] in tasks]
    return {"items": items[:limit], "total": len(items)}


@router.get("/clocks")
def clock_deadlines(caller: CurrentCaller, scope: Scope, rpc: Rpc,
                    within_days: Annotated[int, Query(ge=0, le=366)] = 3,
                    unit: Code | None = None,
                    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20):
    """The 13710 stages not yet recorded whose deadline is within `within_days`
    days or already past, soonest first, with the task's title and the unit's
    name: `{"items": [{task, title, unit, unit_name, stage, stage_name, due,
    days_left, colour, reason}], "as_of"}`."""
    answer = rpc.warnings.list_clock_deadlines(within_days=within_days, limit=MAX_PAGE,
                                               **present(unit=unit))
    stages = answer["items"]
    tasks = readable_tasks(rpc, scope, [stage["task"] for stage in stages]) if stages else {}
    names = _unit_names(rpc, caller) if tasks else {}
    items = [{**stage, "title": tasks[stage["task"]].get("title"),
              "unit_name": names.get(stage["unit"])}
             for stage in stages if stage["task"] in tasks][:limit]
    return {"items": items, "total": len(items), "as_of": answer.get("as_of")}


@router.get("/rates")
def key_rates(caller: CurrentCaller, rpc: Rpc):
    """The two rates the big screen shows as rings: the live period's targets met by
    their due dates (按期完成率, as the ranking counts them) and this year's
    supervision notices closed (督办办结率): `{"on_time": {period, label, as_of,
    targets_due, targets_met, on_time_rate}, "notices": {issued_this_year,
    closed_this_year, closure_rate}}`. City-wide figures, the same for everyone."""
    board = rpc.warnings.get_dashboard()["notices"]
    issued, closed = board.get("issued_this_year", 0), board.get("closed_this_year", 0)
    return {"on_time": rpc.ranking.get_city_rates(),
            "notices": {"issued_this_year": issued, "closed_this_year": closed,
                        "closure_rate": round(100 * closed / issued, 1) if issued else None}}


@router.get("/title")
def screen_title(request: Request, caller: CurrentCaller, rpc: Rpc):
    """Who the one screen speaks for: `{"city", "office"}`, the city from
    LUOSHI_CITY_NAME (may be empty) and the supervision office's unit name."""
    offices = rpc.tasks.list_units(caller=caller.as_rpc(), kind="office", limit=1)["items"]
    return {"city": request.app.state.settings.city_name,
            "office": offices[0]["name"] if offices else None}
