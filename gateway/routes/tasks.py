"""Tasks: the key-task library, with each task's warning colour, its evidence,
closing, explaining and the 13710 clock."""
import base64
from typing import Annotated
from urllib.parse import quote

from fastapi import (
    APIRouter,
    Depends,
    HTTPException,
    Query,
    Response,
    UploadFile,
    status,
)

from ..auth import CurrentCaller, Writer
from ..rpc import MAX_PAGE, Rpc, all_items, present
from ..schemas import (
    ClockIn,
    Code,
    Colour,
    ExplainIn,
    Limit,
    Offset,
    TaskIn,
    TaskSource,
    TaskStatus,
)
from ..scope import Scope
from ..spreadsheet import XLSX_MEDIA_TYPE, write_tasks

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])


def task_filters(scope: Scope, unit: Code | None = None, colour: Colour | None = None,
                 status: TaskStatus | None = None,
                 category: Annotated[str | None, Query(max_length=64)] = None,
                 source: TaskSource | None = None) -> dict:
    """The list filters that were given; 403 for a unit outside the caller's."""
    scope.require(unit)
    return present(unit=unit, colour=colour, status=status, category=category, source=source)


Filters = Annotated[dict, Depends(task_filters)]


def _with_colours(rpc, tasks: list[dict]) -> list[dict]:
    """`tasks` with the warnings service's colour and reason on each task and
    target; null where it has judged nothing yet."""
    colours = {}
    for start in range(0, len(tasks), MAX_PAGE):
        codes = [task["code"] for task in tasks[start:start + MAX_PAGE]]
        colours.update(rpc.warnings.get_task_colours(codes=codes))
    for task in tasks:
        state = colours.get(task["code"]) or {}
        task["colour"], task["colour_reason"] = state.get("colour"), state.get("reason")
        # Targets are keyed by seq, a string once the answer has been through JSON.
        by_seq = state.get("targets") or {}
        for target in task.get("targets") or []:
            target_state = by_seq.get(str(target.get("seq"))) or {}
            target["colour"], target["colour_reason"] = (
                target_state.get("colour"), target_state.get("reason"))
    return tasks


def _list_query(rpc, caller, filters: dict):
    """The tasks service's list_tasks bound to `filters`, a colour turned into codes.

    None when no task has the colour asked for.
    """
    filters = dict(filters)
    colour = filters.pop("colour", None)
    if colour is not None:
        # Not narrowed by unit: a task's colour state names only its lead unit,
        # while the unit filter of list_tasks also finds cooperating units.
        states = all_items(rpc.warnings.list_warnings, colour=colour, item_kind="task")
        if not states:
            return None
        filters["codes"] = sorted({state["task"] for state in states})

    def list_tasks(**page):
        return rpc.tasks.list_tasks(caller=caller.as_rpc(), **filters, **page)

    return list_tasks


@router.post("", status_code=status.HTTP_201_CREATED)
def create_task(body: TaskIn, caller: Writer, scope: Scope, rpc: Rpc):
    scope.require(body.lead_unit)
    return rpc.tasks.create_task(data=body.to_rpc(), caller=caller.as_rpc())


@router.get("")
def list_tasks(caller: CurrentCaller, rpc: Rpc, filters: Filters,
               limit: Limit = 100, offset: Offset = 0):
    """A page of tasks, each with its colour; `colour` keeps only tasks of that colour."""
    query = _list_query(rpc, caller, filters)
    if query is None:
        return {"items": [], "total": 0}
    page = query(limit=limit, offset=offset)
    return {**page, "items": _with_colours(rpc, page["items"])}


# Declared before /{code}, which would otherwise take "export.xlsx" for a code.
@router.get("/export.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def export_tasks(caller: CurrentCaller, rpc: Rpc, filters: Filters):
    """Every task matching the filters as an .xlsx workbook that imports back."""
    query = _list_query(rpc, caller, filters)
    tasks = _with_colours(rpc, all_items(query)) if query else []
    return Response(write_tasks(tasks), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="tasks.xlsx"'})


@router.get("/{code}")
def get_task(code: str, caller: CurrentCaller, scope: Scope, rpc: Rpc):
    """The task with its colour, targets (each with its colour), progress,
    clocks, evidence and commitments."""
    task = rpc.tasks.get_task(code=code, caller=caller.as_rpc())
    scope.require_any([task.get("lead_unit"), *(task.get("cooperating_units") or []),
                       *(target.get("unit") for target in task.get("targets") or [])],
                      f"task {code}")
    return _with_colours(rpc, [task])[0]


@router.post("/{code}/evidence", status_code=status.HTTP_201_CREATED)
def add_evidence(code: str, file: UploadFile, caller: Writer, rpc: Rpc):
    """Attach a file (multipart field `file`) to the task as evidence."""
    content = file.file.read()
    if not content:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the file is empty")
    return rpc.tasks.add_evidence(
        task=code, filename=file.filename or "evidence",
        content_type=file.content_type or "application/octet-stream",
        content_b64=base64.b64encode(content).decode("ascii"), caller=caller.as_rpc())


@router.get("/{code}/evidence/{evidence_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download_evidence(code: str, evidence_id: int, caller: CurrentCaller, rpc: Rpc):
    evidence = rpc.tasks.get_evidence(task=code, evidence_id=evidence_id, caller=caller.as_rpc())
    filename = evidence.get("filename") or "evidence"
    fallback = filename.encode("ascii", "replace").decode().replace('"', "_")
    return Response(
        base64.b64decode(evidence["content_b64"]),
        media_type=evidence.get("content_type") or "application/octet-stream",
        headers={
            # Always a download: an uploaded HTML file must not run as a page of ours.
            "Content-Disposition":
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
        })


@router.post("/{code}/close")
def close_task(code: str, caller: Writer, rpc: Rpc):
    """Close the task (销号)."""
    return rpc.tasks.close_task(code=code, caller=caller.as_rpc())


@router.post("/{code}/explain")
def explain_task(code: str, body: ExplainIn, caller: Writer, rpc: Rpc):
    """End the task with a stated reason (给个说法) instead of closing it."""
    return rpc.tasks.explain_task(code=code, reason=body.reason, caller=caller.as_rpc())


@router.post("/{code}/clock")
def record_clock_stage(code: str, body: ClockIn, caller: Writer, rpc: Rpc):
    """Record a stage of the 13710 clock as done, now or at `recorded_at`."""
    return rpc.tasks.record_clock_stage(code=code, caller=caller.as_rpc(), **body.to_rpc())
