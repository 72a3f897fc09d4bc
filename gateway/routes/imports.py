"""Imports of a task library from a spreadsheet."""
from fastapi import APIRouter, Response, UploadFile, status
from fastapi.responses import JSONResponse

from ..auth import Admin
from ..rpc import Rpc
from ..spreadsheet import XLSX_MEDIA_TYPE, SheetError, read_tasks, write_tasks
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/imports", tags=["imports"])


def _unprocessable(errors: list[dict]) -> JSONResponse:
    return JSONResponse({"detail": {"created": 0, "errors": errors}},
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _on_sheet_row(error: dict, tasks) -> dict:
    """A service error with its row on the sheet: the service numbers the
    rows it was given from 0, people read sheet rows."""
    index = error.get("row")
    if isinstance(index, int) and 0 <= index < len(tasks):
        return {**error, "row": tasks[index].row}
    return error


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
    with `{"created": 0, "errors": [{"row", "field", "reason"}]}` where `row` is
    the sheet row. `dry_run=true` checks without saving.
    """
    try:
        tasks = read_tasks(file.file.read())
    except SheetError as exc:
        return _unprocessable(exc.errors)
    answer = rpc.tasks.import_tasks(rows=[task.body for task in tasks], caller=caller.as_rpc(),
                                    dry_run=dry_run)
    if answer.get("errors"):
        return _unprocessable([_on_sheet_row(error, tasks) for error in answer["errors"]])
    created = status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED
    return JSONResponse(answer, status_code=created)
