"""Imports of a task library from a spreadsheet."""
from fastapi import APIRouter, UploadFile, status
from fastapi.responses import JSONResponse

from ..auth import Admin
from ..rpc import Rpc
from ..spreadsheet import SheetError, read_tasks

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


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
