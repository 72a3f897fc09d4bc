"""Tasks: the key-task library, with each task's warning colour, its evidence,
closing, explaining and the 13710 clock."""
import base64
import hashlib
from typing import Annotated

from fastapi import (
    APIRouter,
    Body,
    Depends,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from fastapi.responses import JSONResponse

from ..auth import Admin, CurrentCaller, Writer
from ..db import DbSession
from ..downloads import attachment
from ..errors import worded_row_error
from ..idempotency import IdempotencyKey, answer_once
from ..ledger_sheet import write_ledger
from ..messages import refusal
from ..people import with_names
from ..rpc import MAX_PAGE, Rpc, all_items, present
from ..schemas import (
    ClockIn,
    Code,
    Colour,
    ExplainIn,
    ExtensionIn,
    Limit,
    Offset,
    ReasonIn,
    ReplanIn,
    TaskIn,
    TaskPatchIn,
    TaskSource,
    TaskStatus,
)
from ..scope import Scope
from ..spreadsheet import XLSX_MEDIA_TYPE, write_tasks
from ..text import MESSAGES, text_problem
from .notices import named_notices
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/tasks", tags=["tasks"])


def task_filters(scope: Scope, unit: Code | None = None,
                 lead_unit: Annotated[Code | None, Query(description=(
                     "only the tasks this unit leads, as the one screen counts a unit's "
                     "tasks (`unit` also finds those it cooperates on)"))] = None,
                 colour: Colour | None = None,
                 status: TaskStatus | None = None,
                 category: Annotated[str | None, Query(max_length=64)] = None,
                 source: TaskSource | None = None,
                 batch: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
                 q: Annotated[str | None, Query(max_length=100, description=(
                     "words of the title, each found anywhere in it (任务名称中包含的字词，"
                     "以空格分隔)"))] = None,
                 # Text, not an integer: the tasks service judges the year, and a
                 # wrong one is refused with its own code (year_invalid), whatever
                 # was written.
                 year: Annotated[str | None, Query(
                     max_length=20, examples=["2026"], description=(
                     "only the tasks of this year (2000–2100): begun by its last day and "
                     "not finished before its first, that is whose period (start..due) "
                     "overlaps it or which were still in hand on 1 January (本年度任务，"
                     "含往年结转在办的任务); absent, every year's. A wrong year answers 422 "
                     "with code `year_invalid`"))] = None,
                 due_month: Annotated[str | None, Query(
                     max_length=20, examples=["2026-12"], description=(
                     "only the tasks due, or with a target of their plan due, in this month "
                     "(YYYY-MM; 本月到期); a wrong month answers 422 with code "
                     "`month_invalid`"))] = None) -> dict:
    """The list filters that were given; 403 for a unit outside the caller's."""
    scope.require(unit)
    scope.require(lead_unit)
    q = " ".join(q.split()) if q else None
    return present(unit=unit, lead_unit=lead_unit, colour=colour, status=status,
                   category=category, source=source, batch=batch, q=q or None,
                   # Left empty by a form, as absent.
                   year=year or None, due_month=due_month or None)


Filters = Annotated[dict, Depends(task_filters)]
# Database ids are signed 64-bit integers.
EvidenceId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def task_in_scope(code: str, scope: Scope) -> str:
    """FastAPI dependency for routes on one task: its code, after a 403 for a
    caller none of whose units takes part in it."""
    scope.require_task_code(code)
    return code


def _led_in_scope(action: str):
    """As task_in_scope, for `action` on the task's whole, which the authorisation
    table gives its lead unit (or one above it) and the office."""
    def dependency(code: str, scope: Scope) -> str:
        scope.require_task_code(code, action)
        return code
    return dependency


# Routes take their caller (and its role check) before this, so a caller the
# role refuses hears 403 without a look-up at the tasks service.
TaskInScope = Annotated[str, Depends(task_in_scope)]
TaskToClose = Annotated[str, Depends(_led_in_scope("task.close"))]
TaskToExplain = Annotated[str, Depends(_led_in_scope("task.explain"))]
TaskToClock = Annotated[str, Depends(_led_in_scope("task.record_clock_stage"))]


def _colours_of(rpc, codes: list[str]) -> dict:
    """The warnings service's colour state of each of `codes` it has judged,
    asked 1,000 codes at a time."""
    colours = {}
    for start in range(0, len(codes), MAX_PAGE):
        colours.update(rpc.warnings.get_task_colours(codes=codes[start:start + MAX_PAGE]))
    return colours


def _with_colours(rpc, tasks: list[dict], colours: dict | None = None) -> list[dict]:
    """`tasks` with the warnings service's colour and reason on each task and
    target (from `colours`, {code: state}, when the caller has them already);
    null where it has judged nothing yet."""
    if colours is None:
        colours = _colours_of(rpc, [task["code"] for task in tasks])
    for task in tasks:
        state = colours.get(task["code"]) or {}
        task["colour"], task["colour_reason"] = state.get("colour"), state.get("reason")
        # Whole days in that colour by the warnings service's today (亮红灯天数 of
        # a red task, as the one screen's red items count them).
        task["colour_days"] = state.get("days")
        # Beside the colour, for machines: "pending_first_report" for a new task
        # waiting for its first report, else the colour.
        task["colour_state"] = state.get("state")
        # Targets are keyed by seq, a string once the answer has been through JSON.
        by_seq = state.get("targets") or {}
        for target in task.get("targets") or []:
            target_state = by_seq.get(str(target.get("seq"))) or {}
            target["colour"], target["colour_reason"], target["colour_state"] = (
                target_state.get("colour"), target_state.get("reason"),
                target_state.get("state"))
    return tasks


def _task_codes(rpc, caller, filters: dict, codes: list[str] | None = None) -> list[str]:
    """The codes of the tasks the filters keep (without colour), among `codes`
    when given: those sent 1,000 at a time, each once."""
    def codes_page(**page):
        return rpc.tasks.list_task_codes(caller=caller.as_rpc(), **filters, **page)

    if codes is None:
        return all_items(codes_page)
    kept = []
    for start in range(0, len(codes), MAX_PAGE):
        kept += codes_page(codes=codes[start:start + MAX_PAGE], limit=MAX_PAGE)["items"]
    return kept


def _of_colour(rpc, caller, filters: dict) -> list[tuple[str, dict]]:
    """(code, colour state) of the tasks of the colour asked for that the other
    filters keep, those in it the longest first (a red list by 亮红灯天数), then
    by code."""
    filters = dict(filters)
    colour = filters.pop("colour")
    if "year" in filters:
        # The year's tasks are asked their colours, never all years' tasks of
        # the colour: a green list would otherwise read every task finished
        # since the office began.
        colours = _colours_of(rpc, _task_codes(rpc, caller, filters))
    else:
        # Not narrowed by unit: a task's colour state names only its lead unit,
        # while the unit filter of list_tasks also finds cooperating units.
        states = all_items(rpc.warnings.list_warnings, colour=colour, item_kind="task")
        codes = sorted({state["task"] for state in states})
        colours = _colours_of(rpc, _task_codes(rpc, caller, filters, codes)) if codes else {}
    found = [(code, state) for code, state in colours.items() if state.get("colour") == colour]
    return sorted(found, key=lambda item: (-(item[1].get("days") or 0), item[0]))


def _tasks_in_order(rpc, caller, found: list[tuple[str, dict]]) -> list[dict]:
    """The tasks of `found` ((code, colour state), in order) with their parts and
    colours, asked of the tasks service 1,000 codes at a time."""
    by_code = {}
    for start in range(0, len(found), MAX_PAGE):
        codes = [code for code, _ in found[start:start + MAX_PAGE]]
        by_code.update((task["code"], task) for task in rpc.tasks.list_tasks(
            caller=caller.as_rpc(), codes=codes, limit=MAX_PAGE)["items"])
    tasks = [by_code[code] for code, _ in found if code in by_code]
    return _with_colours(rpc, tasks, dict(found))


def _all_tasks(rpc, caller, filters: dict) -> list[dict]:
    """Every task the filters keep with its colours, for an export: by code, or
    of one colour the longest in it first."""
    if "colour" in filters:
        return _tasks_in_order(rpc, caller, _of_colour(rpc, caller, filters))
    return _with_colours(rpc, all_items(rpc.tasks.list_tasks, caller=caller.as_rpc(),
                                        **filters))


@router.post("", status_code=status.HTTP_201_CREATED)
def create_task(request: Request, body: TaskIn, caller: Admin, rpc: Rpc,
                idempotency_key: IdempotencyKey = None):
    """Add a task to the library: the supervision office's (admin's) work."""
    data = body.to_rpc()
    return answer_once(request, caller, idempotency_key, data,
                       lambda: rpc.tasks.create_task(data=data, caller=caller.as_rpc()))


# Tasks one JSON request may create: a county or city system sends its library in
# chunks of this size, each all or none, as /imports/tasks takes a spreadsheet.
MAX_TASKS_PER_REQUEST = 1000


@router.post("/batch", status_code=status.HTTP_201_CREATED,
             responses={422: {"description": "errors by index in the list; nothing saved"},
                        413: {"description": "more than 1,000 tasks"}})
def create_tasks(request: Request, tasks: Annotated[list[TaskIn], Body(min_length=1)],
                 caller: Admin, rpc: Rpc, idempotency_key: IdempotencyKey = None,
                 dry_run: bool = False):
    """Create 1 to 1,000 tasks at once, all or none: a county or city system
    sending its library in chunks. Any error answers 422 with
    `{"created": 0, "errors": [{"index", "field", "reason"}]}` (index in the
    list, from 0) and saves nothing; `dry_run=true` checks without saving. The
    tasks are announced to the other services together, as an import's are."""
    if len(tasks) > MAX_TASKS_PER_REQUEST:
        raise refusal(status.HTTP_413_CONTENT_TOO_LARGE, "too_many_tasks",
                      limit=MAX_TASKS_PER_REQUEST, count=len(tasks))
    rows = [task.to_rpc() for task in tasks]
    answer = answer_once(request, caller, idempotency_key, {"tasks": rows, "dry_run": dry_run},
                         lambda: rpc.tasks.import_tasks(rows=rows, caller=caller.as_rpc(),
                                                        dry_run=dry_run))
    if answer.get("errors"):
        errors = []
        for error in answer["errors"]:
            found = {key: value for key, value in error.items() if key != "row"}
            # The service counts rows from 1, as a sheet does below its header.
            row = error.get("row")
            errors.append({"index": row - 1, **worded_row_error(found)}
                          if isinstance(row, int) else worded_row_error(found))
        return JSONResponse({"detail": {"created": 0, "errors": errors}},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return JSONResponse(answer, status_code=status.HTTP_200_OK if dry_run
                        else status.HTTP_201_CREATED)


@router.get("")
def list_tasks(caller: CurrentCaller, rpc: Rpc, filters: Filters,
               limit: Limit = 100, offset: Offset = 0):
    """A page of tasks, each with its colour and `colour_days` (whole days in it);
    by code, or with `colour` only the tasks of that colour, the longest in it
    first (the red list by days red, 亮红灯天数). With `year`, the tasks of that
    year and those still in hand from earlier ones (docs/integration.md §7)."""
    if "colour" in filters:
        # The order is the colours' and the page is cut after it: only the
        # page's tasks are read whole.
        found = _of_colour(rpc, caller, filters)
        return {"items": _tasks_in_order(rpc, caller, found[offset:offset + limit]),
                "total": len(found)}
    page = rpc.tasks.list_tasks(caller=caller.as_rpc(), **filters, limit=limit, offset=offset)
    return {**page, "items": _with_colours(rpc, page["items"])}


# Declared before /{code}, which would otherwise take "export.xlsx" for a code.
@router.get("/export.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def export_tasks(caller: CurrentCaller, rpc: Rpc, filters: Filters):
    """Every task matching the filters (`year` for one year's) as an .xlsx
    workbook that imports back."""
    return Response(write_tasks(_all_tasks(rpc, caller, filters)), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="tasks.xlsx"'})


@router.get("/ledger.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def export_ledger(caller: CurrentCaller, rpc: Rpc, filters: Filters):
    """Every task matching the filters (`year` for one year's) as the office's
    ledger (重点任务清单): Chinese headers, one row per task, unit names, the
    monthly plan as columns, and the status and colour in Chinese; corrected in
    Excel, it imports back through POST /imports/ledger."""
    tasks = _all_tasks(rpc, caller, filters)
    names = {unit["code"]: unit["name"]
             for unit in all_items(rpc.tasks.list_units, caller=caller.as_rpc())}
    return Response(write_ledger(tasks, names), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": attachment("重点任务清单.xlsx", "ledger.xlsx")})


@router.get("/{code}")
def get_task(code: str, caller: CurrentCaller, scope: Scope, rpc: Rpc, db: DbSession):
    """The task with its colour, targets (each with its colour), progress,
    clocks, evidence, commitments and supervision notices (who issued and
    acknowledged each by name)."""
    task = rpc.tasks.get_task(code=code, caller=caller.as_rpc())
    scope.require_task(task)
    task = _with_colours(rpc, [task])[0]
    task["notices"] = named_notices(
        db, rpc.warnings.list_notices(task=code, limit=MAX_PAGE)["items"])
    return task


@router.post("/{code}/evidence", status_code=status.HTTP_201_CREATED)
def add_evidence(request: Request, caller: Writer, code: TaskInScope, file: UploadFile,
                 rpc: Rpc, idempotency_key: IdempotencyKey = None):
    """Attach a file (multipart field `file`) to the task as evidence.

    The file's name and declared type are passed on as the client gave them and
    decide nothing: the tasks service judges the file by its bytes and refuses
    what is not a document or an image. Here only the size is checked.
    """
    limit = request.app.state.settings.evidence_max_bytes
    content = file.file.read(limit + 1)
    if not content:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the file is empty")
    if len(content) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"evidence files are at most {limit} bytes")
    filename = file.filename or "evidence"
    content_type = file.content_type or "application/octet-stream"
    for field, value in (("filename", filename), ("content_type", content_type)):
        # Multipart parts are no schema: their name and type are checked here (a
        # long name is the service's to shorten).
        problem = text_problem(value)
        if problem:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [{
                "loc": ["body", "file", field], "msg": MESSAGES[problem], "type": problem}])
    content_b64 = base64.b64encode(content).decode("ascii")
    fingerprint = {"filename": filename, "content_type": content_type,
                   "sha256": hashlib.sha256(content).hexdigest()}
    return answer_once(request, caller, idempotency_key, fingerprint,
                       lambda: rpc.tasks.add_evidence(
                           task=code, filename=filename, content_type=content_type,
                           content_b64=content_b64, caller=caller.as_rpc()))


@router.get("/{code}/evidence/{evidence_id}", response_class=Response,
            responses={200: {"description": "the file, as the type the tasks service "
                                            "found by its content (a PDF, an image, an "
                                            "Office document or text)",
                             "content": {"*/*": {"schema": {"type": "string",
                                                            "format": "binary"}}}}})
def download_evidence(caller: CurrentCaller, code: TaskInScope, evidence_id: EvidenceId,
                      rpc: Rpc):
    evidence = rpc.tasks.get_evidence(task=code, evidence_id=evidence_id, caller=caller.as_rpc())
    return Response(
        base64.b64decode(evidence["content_b64"]),
        media_type=evidence.get("content_type") or "application/octet-stream",
        headers={
            # Always a download: an uploaded HTML file must not run as a page of ours.
            # Names stored before uploads were cleaned may hold control characters.
            "Content-Disposition": attachment(evidence.get("filename"), "evidence"),
            "X-Content-Type-Options": "nosniff",
        })


@router.post("/{code}/close")
def close_task(caller: Writer, code: TaskToClose, rpc: Rpc):
    """Close the task (销号)."""
    return rpc.tasks.close_task(code=code, caller=caller.as_rpc())


@router.post("/{code}/explain")
def explain_task(caller: Writer, code: TaskToExplain, body: ExplainIn, rpc: Rpc):
    """End the task with a stated reason (给个说法) instead of closing it."""
    return rpc.tasks.explain_task(code=code, reason=body.reason, caller=caller.as_rpc())


@router.post("/{code}/clock")
def record_clock_stage(caller: Writer, code: TaskToClock, body: ClockIn, rpc: Rpc):
    """Record a stage of the 13710 clock as done, now or at `recorded_at`."""
    return rpc.tasks.record_clock_stage(code=code, caller=caller.as_rpc(), **body.to_rpc())


@router.get("/{code}/history")
def get_task_history(caller: CurrentCaller, code: TaskInScope, rpc: Rpc, db: DbSession,
                     limit: Limit = MAX_PAGE, offset: Offset = 0):
    """The task's history: every colour change of the task and its parts, oldest
    first (`items`, `total`: a page of them), its versions (who changed what, by
    login and `changed_by_name`, when and why; version 1 is its creation) and its
    plans (each with its targets; those a later plan replaced name it in
    `replaced_in`), and the unit's requests to the office with their
    confirmation or send-back (`verifications`, 复核)."""
    colours = rpc.warnings.get_task_history(code=code, limit=limit, offset=offset)
    records = rpc.tasks.get_task_history(code=code, caller=caller.as_rpc())
    return {**colours, "versions": with_names(db, records["versions"], "changed_by"),
            "plans": records["plans"],
            # The units' requests for time and the office's decisions; the reports
            # that carried files, with them; the office's checks (复核) of its steps.
            "extension_requests": records.get("extension_requests", []),
            "reports": records.get("reports", []),
            "verifications": records.get("verifications", [])}


@router.patch("/{code}")
def update_task(caller: Admin, code: str, body: TaskPatchIn, rpc: Rpc):
    """Edit the task's descriptive fields, with a reason (the office's work). A new
    lead unit answers for the task from today: its notices, colours and ranking
    follow from the day of the change; the past is not rewritten."""
    return rpc.tasks.update_task(code=code, changes=body.changes(), reason=body.reason,
                                 caller=caller.as_rpc())


@router.post("/{code}/replan")
def replan_task(caller: Admin, code: str, body: ReplanIn, rpc: Rpc):
    """Replace the targets not yet due with a new plan the office approved; the
    old plan is kept and shown in the history."""
    data = body.to_rpc()
    return rpc.tasks.replan_task(code=code, targets=data["targets"], reason=data["reason"],
                                 caller=caller.as_rpc())


@router.post("/{code}/cancel")
def cancel_task(caller: Admin, code: str, body: ReasonIn, rpc: Rpc):
    """Cancel the task (撤销) with a reason: it leaves the colours, the counts and
    the ranking's future from today."""
    return rpc.tasks.cancel_task(code=code, reason=body.reason, caller=caller.as_rpc())


@router.post("/{code}/extensions")
def extend_task(caller: Admin, code: str, body: ExtensionIn, rpc: Rpc):
    """An extension approved by the office: moves the task's due date (or one
    target's, with `seq`); every extension is kept and counted."""
    return rpc.tasks.extend_task(code=code, new_due_date=body.new_due_date.isoformat(),
                                 caller=caller.as_rpc(), reason=body.reason,
                                 **present(seq=body.seq))
