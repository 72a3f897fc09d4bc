"""Imports of a task library, an office's ledger and its units from spreadsheets."""
import re
from typing import Annotated

from fastapi import APIRouter, Form, Response, UploadFile, status
from fastapi.responses import JSONResponse

from ..auth import Admin
from ..downloads import attachment
from ..errors import worded_row_error
from ..ledger_sheet import SheetCellsError, read_rows, write_ledger, write_units
from ..rpc import Rpc, all_items, present
from ..spreadsheet import XLSX_MEDIA_TYPE, SheetError, read_tasks, write_tasks
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/imports", tags=["imports"])
# A service's error of one of a task's targets: "targets[1].unit".
TARGET_FIELD = re.compile(r"targets\[(\d+)\]\.(\w+)")


def _unprocessable(errors: list[dict]) -> JSONResponse:
    return JSONResponse({"detail": {"created": 0, "errors": errors}},
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _on_sheet_row(error: dict, tasks) -> dict:
    """A service error with its row on the sheet: the service numbers the tasks it
    was given from 1, people read sheet rows (a task may span several). An error
    of a target is placed on that target's row and column (target_unit), as the
    sheet's own errors are."""
    index = error.get("row")
    if not (isinstance(index, int) and 1 <= index <= len(tasks)):
        return error
    task = tasks[index - 1]
    target = TARGET_FIELD.fullmatch(error.get("field") or "")
    if target and int(target[1]) < len(task.target_rows):
        return {**error, "row": task.target_rows[int(target[1])],
                "field": f"target_{target[2]}"}
    return {**error, "row": task.row}


# One task of each kind people import: a plan task with monthly targets, and a
# leader's assignment on the 13710 clock.
TEMPLATE_TASKS = [
    {"code": "T2026-0001", "title": "（示例）产业园区标准厂房建设", "lead_unit": "单位编码",
     "start_date": "2026-01-01", "due_date": "2026-12-31", "category": "产业项目",
     "source": "plan", "cooperating_units": ["配合单位编码"], "responsible_person": "张三",
     "targets": [{"due_date": "2026-06-30", "planned_percent": 50,
                  "description": "主体封顶", "unit": "单位编码"},
                 {"due_date": "2026-12-31", "planned_percent": 100,
                  "description": "竣工验收", "unit": "单位编码"}]},
    {"code": "J2026-0001", "title": "（示例）市领导交办事项", "lead_unit": "单位编码",
     "start_date": "2026-03-02", "due_date": "2026-04-01", "source": "assignment",
     "clock_class": "general", "targets": []},
]


@router.get("/tasks/template.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def import_template(caller: Admin):
    """An .xlsx task library to fill in: the columns an import reads, with two
    example tasks to overwrite."""
    return Response(write_tasks(TEMPLATE_TASKS), media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": 'attachment; filename="task-library-template.xlsx"'})


@router.post("/tasks", responses={422: {"description": "errors by sheet row; nothing saved"}})
def import_tasks(file: UploadFile, caller: Admin, rpc: Rpc,
                 dry_run: bool = False):
    """Create the tasks of an .xlsx task library (see the export for its columns);
    building the library is the supervision office's (admin's) work.

    All or nothing: any error, found here or by the tasks service, answers 422
    with `{"created": 0, "errors": [{"row", "field", "code", "reason", "message"}]}`
    where `row` is the sheet row, `field` the column as headed, `code` and
    `reason` for machines and `message` in Chinese. `dry_run=true` checks
    without saving.
    """
    try:
        tasks = read_tasks(file.file.read())
    except SheetError as exc:
        return _unprocessable(exc.errors)
    answer = rpc.tasks.import_tasks(rows=[task.body for task in tasks], caller=caller.as_rpc(),
                                    dry_run=dry_run)
    if answer.get("errors"):
        return _unprocessable([worded_row_error(_on_sheet_row(error, tasks))
                               for error in answer["errors"]])
    created = status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED
    return JSONResponse(answer, status_code=created)


# The office's own spreadsheets -------------------------------------------------------

Year = Annotated[int | None, Form(ge=2000, le=2100, description=(
    'the year of "1月".."12月" columns when the sheet\'s title names none'))]
Reason = Annotated[str | None, Form(max_length=2000, description=(
    "why existing tasks change (修改原因), required when the ledger changes any"))]
Token = Annotated[str | None, Form(pattern=r"^[0-9a-f]{64}$", description=(
    "the preview's token: applying refuses (409) when the sheet or the library "
    "has changed since that preview"))]


def _sheet(file: UploadFile, year: int | None = None) -> dict:
    return {"rows": read_rows(file.file.read()), "year": year}


def _previewed(answer: dict) -> JSONResponse:
    """422 with the whole preview when any row has errors, else the preview
    (or, applied, what was done)."""
    if answer.get("errors"):
        return JSONResponse({"detail": {**answer, "created": 0}},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return JSONResponse(answer)


LEDGER_RESPONSES = {422: {"description": "errors by sheet row and column, in Chinese; "
                                         "nothing saved"},
                    409: {"description": "applied with a stale preview token"}}


@router.post("/ledger", responses=LEDGER_RESPONSES)
def import_ledger(file: UploadFile, caller: Admin, rpc: Rpc, dry_run: bool = False,
                  year: Year = None, reason: Reason = None, token: Token = None):
    """Import the office's ledger (重点任务清单, .xlsx): one row per task under a
    header of Chinese names, monthly plans in "1月".."12月" or "2026-01"
    columns (see docs/integration.md).

    `dry_run=true` answers the preview of changes: `new` tasks, `changed`
    tasks (each changed field and the plan before and after), `missing` tasks
    the ledger leaves out (never deleted), the first 1,000 of each with
    `new_total`, `changed_total` and `missing_total` counting them all, and a
    `token` covering every task. Applying (the same
    file, without `dry_run`, with `reason` when existing tasks change and the
    preview's `token`) creates the new tasks and changes only what changed.
    Any error answers 422 with the preview and its `errors` [{row, column,
    header, field, code, reason}], and saves nothing."""
    try:
        sheet = _sheet(file, year)
    except SheetCellsError as exc:
        return _unprocessable(exc.errors)
    answer = rpc.tasks.import_ledger(sheet=sheet, caller=caller.as_rpc(), dry_run=dry_run,
                                     **present(reason=reason, token=token))
    return _previewed(answer)


@router.post("/units", responses=LEDGER_RESPONSES)
def import_units(file: UploadFile, caller: Admin, rpc: Rpc, dry_run: bool = False,
                 token: Token = None):
    """Import units and their heads (.xlsx: 单位名称, 单位编码, 类型 县区/部门/办公室,
    上级单位, 负责人, 电话, 邮箱). As the ledger: `dry_run=true` previews the new
    units and the changed names and heads; errors answer 422 and save nothing."""
    try:
        sheet = _sheet(file)
    except SheetCellsError as exc:
        return _unprocessable(exc.errors)
    answer = rpc.tasks.import_units(sheet=sheet, caller=caller.as_rpc(), dry_run=dry_run,
                                    **present(token=token))
    return _previewed(answer)


LEDGER_TEMPLATE = [
    {"code": "2026-001", "title": "（示例）产业园区标准厂房建设", "category": "产业项目",
     "source": "plan", "batch": "2026年第一批", "lead_unit": "填写牵头单位名称",
     "cooperating_units": ["填写责任单位名称"], "responsible_person": "张三",
     "start_date": "2026-01-01", "due_date": "2026-12-31", "status": None, "percent": None,
     "targets": [{"due_date": "2026-03-31", "planned_percent": 20, "description": "完成立项"},
                 {"due_date": "2026-06-30", "planned_percent": 50, "description": "主体封顶"},
                 {"due_date": "2026-12-31", "planned_percent": 100,
                  "description": "竣工验收"}]},
]


@router.get("/ledger/template.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def ledger_template(caller: Admin):
    """A ledger to fill in: the title row naming the year, the header, one example row."""
    return Response(write_ledger(LEDGER_TEMPLATE, {}), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": attachment("重点任务清单模板.xlsx",
                                                               "ledger-template.xlsx")})


@router.get("/units/template.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def units_template(caller: Admin, rpc: Rpc):
    """The units as they are, in the layout the unit import reads: correct a
    head's phone, add a row for a new unit, and import it back."""
    units = all_items(rpc.tasks.list_units, caller=caller.as_rpc())
    return Response(write_units(units), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": attachment("单位与负责人.xlsx",
                                                               "units.xlsx")})
