"""Task libraries as .xlsx workbooks.

The first sheet has a header row of field names and one row per target: the
task's columns, then `target_due_date`, `target_planned_percent`,
`target_description` and `target_unit`. Rows with the same `code` are one task,
whose fields come from its first row; a task without targets has one row with
the target columns empty. `cooperating_units` holds codes separated by commas.
Exports add read-only columns (status, percent, colour) that imports skip, so an
export can be edited and imported again.
"""
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import ValidationError

from .errors import field_error_message
from .messages import message
from .schemas import TaskIn

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TASK_COLUMNS = (
    "code", "title", "lead_unit", "start_date", "due_date", "category", "source",
    "clock_class", "cooperating_units", "responsible_person",
)
TARGET_FIELDS = ("due_date", "planned_percent", "description", "unit")
TARGET_COLUMNS = tuple(f"target_{name}" for name in TARGET_FIELDS)
EXPORT_ONLY_COLUMNS = ("status", "percent", "colour", "colour_reason")
COLUMNS = TASK_COLUMNS + TARGET_COLUMNS + EXPORT_ONLY_COLUMNS
DATE_COLUMNS = frozenset({"start_date", "due_date", "target_due_date"})
NUMBER_COLUMNS = frozenset({"target_planned_percent", "percent"})
# What openpyxl raises for a file that is not a readable workbook.
UNREADABLE = (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, ParseError, OSError)
# What a workbook may unpack to. An .xlsx is a zip: a few MiB upload can hold
# gigabytes of repeated XML. A city's year (20k tasks, 135k targets) unpacks
# to well under a tenth of this.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# Characters Excel refuses in a sheet's title.
SHEET_TITLE_REFUSED = re.compile(r"[\\/?*\[\]:]")
# People type lists with Chinese punctuation as often as with commas.
LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")


class SheetError(Exception):
    """The workbook cannot be read as a task library; `errors` says where."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} errors in the workbook")
        self.errors = errors


@dataclass
class SheetTask:
    """A task read from the sheet: its body and the sheet rows it came from."""

    row: int
    body: dict
    target_rows: list[int] = field(default_factory=list)


def _error(row: int, column: str | None, code: str, reason: str, **params) -> dict:
    """One problem of the sheet: its row and column as typed, a stable `code`
    and the English `reason` for machines, and the Chinese `message` of
    messages.py for the office."""
    return {"row": row, "field": column, "code": code, "reason": reason,
            "message": message(code, column=column, **params)["message"]}


def _cell(column: str, value):
    """A cell's value as the task body wants it: dates as dates, codes as text."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime):
        return value.date() if column in DATE_COLUMNS else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and column not in NUMBER_COLUMNS and column not in DATE_COLUMNS:
        return str(value)  # a code typed as a number, such as 1001
    return value


def _codes(text) -> list[str]:
    return [code for code in LIST_SEPARATORS.split(str(text)) if code]


def _header(cells) -> list[str | None]:
    names = [str(cell).strip() if cell is not None else None for cell in cells]
    unknown = [name for name in names if name and name not in COLUMNS]
    errors = [_error(1, name, "sheet_unknown_column", "unknown column") for name in unknown]
    if "code" not in names:
        errors.append(_error(1, "code", "sheet_missing_column", "missing column"))
    if errors:
        raise SheetError(errors)
    return [name if name not in EXPORT_ONLY_COLUMNS else None for name in names]


def _unpacked_size(content: bytes) -> int:
    """What the zip's members declare they unpack to (zipfile reads no more
    than a member declares)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(member.file_size for member in archive.infolist())


def _sheet_rows(content: bytes) -> list[tuple]:
    """Every row of the workbook's first sheet; SheetError when it is no
    workbook or unpacks to more than MAX_UNPACKED_BYTES."""
    max_unpacked = MAX_UNPACKED_BYTES
    try:
        if _unpacked_size(content) > max_unpacked:
            limit = max_unpacked // 2**20
            raise SheetError([_error(0, None, "sheet_too_large",
                                     f"the workbook unpacks to more than {limit} MiB",
                                     limit=limit)])
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return list(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    except UNREADABLE:
        raise SheetError([_error(0, None, "sheet_unreadable",
                                 "not an .xlsx workbook")]) from None


def _parse(content: bytes) -> tuple[list[SheetTask], list[dict]]:
    """The tasks of the sheet, and the errors of rows that name no task."""
    rows = _sheet_rows(content)
    if not rows:
        raise SheetError([_error(1, None, "sheet_empty", "the sheet is empty")])
    names = _header(rows[0])
    tasks: dict[str, SheetTask] = {}
    errors = []
    for number, values in enumerate(rows[1:], start=2):
        # A row may stop short of the header: its missing cells are empty.
        cells = zip(names, values, strict=False)
        record = {name: _cell(name, value) for name, value in cells if name}
        if all(value is None for value in record.values()):
            continue
        code = record.get("code")
        if code is None:
            errors.append(_error(number, "code", "sheet_code_missing", "missing"))
            continue
        task = tasks.get(code)
        if task is None:
            body = {name: record[name] for name in TASK_COLUMNS if record.get(name) is not None}
            if "cooperating_units" in body:
                body["cooperating_units"] = _codes(body["cooperating_units"])
            task = tasks[code] = SheetTask(row=number, body={**body, "targets": []})
        target = {name: record.get(f"target_{name}") for name in TARGET_FIELDS}
        if any(value is not None for value in target.values()):
            task.body["targets"].append(
                {name: value for name, value in target.items() if value is not None})
            task.target_rows.append(number)
    if not tasks and not errors:
        raise SheetError([_error(2, None, "sheet_no_tasks", "no tasks in the sheet")])
    return list(tasks.values()), errors


def _validation_errors(task: SheetTask, exc: ValidationError) -> list[dict]:
    """Pydantic's errors placed on the sheet row and column they came from,
    worded as the API words them (the error's type is the code)."""
    errors = []
    for error in exc.errors():
        loc = error["loc"]
        row, column = task.row, str(loc[0]) if loc else None
        if len(loc) >= 3 and loc[0] == "targets" and isinstance(loc[1], int):
            row, column = task.target_rows[loc[1]], f"target_{loc[2]}"
        where = (column,) if column else ()
        errors.append({"row": row, "field": column, "code": error["type"],
                       "reason": error["msg"],
                       "message": field_error_message({**error, "loc": where})})
    return errors


def read_tasks(content: bytes) -> list[SheetTask]:
    """The tasks of an .xlsx task library, each body checked against the v1 task shape.

    Raises SheetError listing every problem with its sheet row (1 is the
    header) and column.
    """
    tasks, errors = _parse(content)
    for task in tasks:
        try:
            task.body = TaskIn.model_validate(task.body).to_rpc()
        except ValidationError as exc:
            errors.extend(_validation_errors(task, exc))
    if errors:
        raise SheetError(errors)
    return tasks


def _date_or_text(value):
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _text_cell(sheet, value):
    """A cell that holds `value` as text even when it starts with "=": a title
    typed by a unit must not become a formula in the office's spreadsheet."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _row(sheet, task: dict, target: dict | None) -> list:
    values = {name: task.get(name) for name in TASK_COLUMNS + EXPORT_ONLY_COLUMNS}
    values["cooperating_units"] = ", ".join(task.get("cooperating_units") or []) or None
    for name in TARGET_FIELDS:
        values[f"target_{name}"] = (target or {}).get(name)
    for name in DATE_COLUMNS:
        values[name] = _date_or_text(values[name])
    return [_text_cell(sheet, values[name]) for name in COLUMNS]


def write_tasks(tasks: list[dict]) -> bytes:
    """An .xlsx workbook of `tasks` (as the tasks service answers them) that
    `read_tasks` reads back."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("tasks")
    sheet.append(list(COLUMNS))
    for task in tasks:
        for target in task.get("targets") or [None]:
            sheet.append(_row(sheet, task, target))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


RANKING_COLUMNS = ("排名", "单位代码", "单位", "得分", "上期排名", "名次变化", "红色预警（项）")
STATUS_LABELS = {"live": "实时", "draft": "草稿", "approved": "已审定", "published": "已发布"}


def sheet_title(label: str | None, fallback: str) -> str:
    """`label` as a sheet's title: without the characters Excel refuses, no
    quote at either end, at most 31 characters; `fallback` when nothing is left."""
    title = SHEET_TITLE_REFUSED.sub("_", label or "").strip().strip("'")[:31]
    return title or fallback[:31] or "Sheet"


def write_ranking(rankings: list[dict]) -> bytes:
    """An .xlsx workbook of one period's rankings (as the ranking service answers
    them, a group each): a sheet per group with every indicator's score, then the
    red and black lists where the caller may see them."""
    workbook = Workbook(write_only=True)
    for ranking in rankings:
        sheet = workbook.create_sheet(sheet_title(ranking["group_label"], ranking["group"]))
        status = STATUS_LABELS.get(ranking["status"], ranking["status"])
        sheet.append([f"{ranking['label']} {ranking['group_label']} 评价排队（{status}，"
                      f"截至{ranking['as_of']}）"])
        indicators = [i["label"] for i in (ranking["entries"][0]["breakdown"]["indicators"]
                                           if ranking["entries"] else [])]
        sheet.append([*RANKING_COLUMNS, *indicators])
        for entry in ranking["entries"]:
            scores = [i["score"] for i in entry["breakdown"]["indicators"]]
            sheet.append([entry["rank"], _text_cell(sheet, entry["unit"]),
                          _text_cell(sheet, entry["name"]), entry["score"],
                          entry["previous_rank"], entry["rank_change"], entry["red_items"],
                          *scores])
        for title, listed in (("红榜", ranking["red_list"]), ("黑榜", ranking["black_list"])):
            if listed is None:
                continue
            sheet.append([])
            sheet.append([title])
            for item in listed:
                sheet.append([_text_cell(sheet, item["unit"]), _text_cell(sheet, item["name"]),
                              "；".join(item["reasons"])])
        sheet.append([])
        sheet.append([ranking["tie_break"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The working-day calendar as a sheet: one row a day ---------------------------------

CALENDAR_HEADERS = {"日期": "date", "date": "date", "类型": "kind", "kind": "kind",
                    "名称": "name", "节日": "name", "name": "name"}
CALENDAR_KINDS = {"放假": "holiday", "休息": "holiday", "holiday": "holiday",
                  "上班": "workday", "调休上班": "workday", "workday": "workday"}


def read_calendar(content: bytes) -> dict:
    """{"holidays": [{date, name}], "workdays": [date], "lines": [{row, date, kind,
    name}]} from a workbook whose first sheet has the columns 日期, 类型 (放假 or
    上班) and 名称 (the festival, for a day off). SheetError naming each row it
    could not read: nothing is half-read."""
    rows = _sheet_rows(content)
    if not rows:
        raise SheetError([_error(1, None, "sheet_empty", "the sheet is empty")])
    header = [CALENDAR_HEADERS.get(str(cell).strip().lower() if cell is not None else "")
              for cell in rows[0]]
    if "date" not in header or "kind" not in header:
        raise SheetError([_error(1, None, "calendar_header", "no header of 日期 and 类型")])
    errors, holidays, workdays, lines = [], [], [], []
    for number, cells in enumerate(rows[1:], start=2):
        values = {name: value for name, value in zip(header, cells, strict=False) if name}
        if all(value in (None, "") for value in values.values()):
            continue
        day = values.get("date")
        if isinstance(day, dt.datetime):
            day = day.date()
        elif isinstance(day, str):
            try:
                day = dt.date.fromisoformat(day.strip())
            except ValueError:
                day = None
        if not isinstance(day, dt.date):
            errors.append(_error(number, "日期", "calendar_bad_date", "a date as YYYY-MM-DD"))
            continue
        kind = CALENDAR_KINDS.get(str(values.get("kind") or "").strip().lower())
        if kind is None:
            errors.append(_error(number, "类型", "calendar_bad_kind", "放假 or 上班"))
            continue
        name = str(values.get("name") or "").strip()
        if kind == "holiday":
            if not name:
                errors.append(_error(number, "名称", "calendar_holiday_unnamed",
                                     "a day off needs its festival"))
                continue
            holidays.append({"date": day.isoformat(), "name": name})
        else:
            workdays.append(day.isoformat())
        lines.append({"row": number, "date": day.isoformat(), "kind": kind, "name": name})
    if errors:
        raise SheetError(errors)
    if not lines:
        raise SheetError([_error(2, None, "calendar_no_days", "no dates in the sheet")])
    return {"holidays": holidays, "workdays": workdays, "lines": lines}
