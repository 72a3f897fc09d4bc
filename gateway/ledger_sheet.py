"""The office's own spreadsheets as cells: an uploaded ledger or list of units
read into rows for the tasks service, which gives them their meaning, and the
task list written back in the ledger's layout (重点任务清单), so that a ledger
can go out, be corrected in Excel and come back.

Reading streams the first sheet (workbook_cells.py) after checking what the
workbook unpacks to. Each row that holds anything is sent as
{"row": its number on the sheet, "cells": its values}: text as typed, numbers
as numbers, dates as ISO text, and a number shown as a percentage (0.3 shown
as 30%) as the text "30%", as people see it.
"""
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from . import spreadsheet, workbook_cells
from .messages import MESSAGES
from .spreadsheet import UNREADABLE, _text_cell, _unpacked_size

# A ledger of a city's year is 20,000 rows; the tasks service takes at most
# 50,000 (services/tasks/ledger.py), and a spreadsheet's columns beyond 200
# are no ledger's.
MAX_ROWS = 50_000
MAX_COLUMNS = 200

# The ledger's columns as exports write them; the tasks service reads these
# names (and others offices use) in services/tasks/ledger.py.
LEDGER_HEADERS = ("序号", "任务编号", "任务名称", "类别", "来源", "批次", "牵头单位", "责任单位",
                  "责任人", "开始时间", "完成时限")
EXPORT_ONLY_HEADERS = ("当前进度", "状态", "预警颜色", "预警原因")
SOURCE_LABELS = {"plan": "计划任务", "assignment": "领导交办", "instruction": "领导批示"}
STATUS_LABELS = {"active": "推进中", "completed": "已完成", "closed": "已销号",
                 "explained": "已说明情况", "cancelled": "已撤销"}
COLOUR_LABELS = {"green": "如期推进", "yellow": "延期推进", "red": "严重延期"}
COLOUR_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}


class SheetCellsError(Exception):
    """The upload is no workbook the gateway can read; `errors` as the tasks
    service words its own: [{row, column, header, field, code, reason}]."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.errors = [{"row": 0, "column": None, "header": None, "field": None,
                        "code": code, "reason": MESSAGES[code].format(**params)}]


def _value(value, number_format):
    """A cell's value as the tasks service reads it; `number_format()` gives the
    cell's format, asked only of numbers."""
    if value is None or type(value) is str:  # most cells: nothing to convert
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if (isinstance(value, (int, float)) and not isinstance(value, bool)
            and "%" in (number_format() or "")):
        return f"{round(value * 100, 6):g}%"
    if isinstance(value, float) and value != value:  # NaN is no value a person typed
        return None
    return value


def read_rows(content: bytes) -> list[dict]:
    """The rows of the workbook's first sheet that hold anything, as
    {"row", "cells"}; SheetCellsError for no workbook, one that unpacks too
    large, or more than MAX_ROWS rows."""
    try:
        # The task library's bound, read when used: one setting for every upload.
        limit = spreadsheet.MAX_UNPACKED_BYTES
        if _unpacked_size(content) > limit:
            raise SheetCellsError("sheet_too_large", limit=max(limit // 2**20, 1))
        workbook = workbook_cells.Workbook(content)
        try:
            rows = []
            for number, cells in workbook.rows(MAX_COLUMNS):
                values = [None] * (cells[-1][0] if cells else 0)
                for column, value, style in cells:
                    values[column - 1] = _value(
                        value, lambda style=style: workbook.number_format(style))
                while values and values[-1] in (None, ""):
                    values.pop()
                if not values:
                    continue
                if len(rows) >= MAX_ROWS:
                    raise SheetCellsError("sheet_too_many_rows", limit=f"{MAX_ROWS:,}")
                rows.append({"row": number, "cells": values})
            return rows
        finally:
            workbook.close()
    except (*UNREADABLE, *workbook_cells.UNREADABLE):
        raise SheetCellsError("sheet_unreadable") from None


def _month_key(target):
    due = dt.date.fromisoformat(target["due_date"])
    return due.year, due.month


def _plan_cell(target) -> str:
    text = f"{target['planned_percent']:g}%"
    return f"{text}；{target['description']}" if target.get("description") else text


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def write_ledger(tasks: list[dict], unit_names: dict) -> bytes:
    """The tasks (as the gateway's task list answers them, with colours) as a
    ledger: a title row, the header, one row per task with its monthly plan.
    All targets in one year: "1月".."12月" under a title naming the year;
    else a "2026-01" column per month they span."""
    months = sorted({_month_key(target) for task in tasks for target in task["targets"]})
    years = {year for year, _month in months}
    if len(years) == 1:
        (year,) = years
        title = f"{year}年重点任务清单"
        columns = [(year, month) for month in range(1, 13)]
        labels = [f"{month}月" for month in range(1, 13)]
    else:
        title = "重点任务清单"
        columns, (year, month) = [], (months[0] if months else (0, 0))
        while months and (year, month) <= months[-1]:
            columns.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        labels = [f"{year:04d}-{month:02d}" for year, month in columns]
    header = [*LEDGER_HEADERS, *labels, *EXPORT_ONLY_HEADERS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("重点任务清单")
    heading = WriteOnlyCell(sheet, value=title)
    heading.font = Font(bold=True, size=14)
    heading.alignment = Alignment(horizontal="center")
    sheet.append([heading])
    sheet.merged_cells.add(f"A1:{_letter(len(header))}1")
    sheet.append([_bold(sheet, name) for name in header])

    def name(code):
        return unit_names.get(code, code)

    for number, task in enumerate(tasks, start=1):
        plan = {}
        for target in task["targets"]:
            plan[_month_key(target)] = target  # the later target of a month stands for it
        colour = task.get("colour")
        colour_cell = WriteOnlyCell(sheet, value=COLOUR_LABELS.get(colour, "未评价"))
        if colour in COLOUR_FILLS:
            colour_cell.fill = PatternFill("solid", fgColor=COLOUR_FILLS[colour])
        values = [
            number, task["code"], task["title"], task.get("category"),
            SOURCE_LABELS.get(task.get("source"), task.get("source")), task.get("batch"),
            name(task["lead_unit"]),
            "、".join(name(code) for code in task.get("cooperating_units") or []) or None,
            task.get("responsible_person"), _date(task.get("start_date")),
            _date(task.get("due_date")),
            *(_plan_cell(plan[key]) if key in plan else None for key in columns),
            f"{task.get('percent') or 0:g}%", STATUS_LABELS.get(task.get("status"),
                                                                 task.get("status")),
        ]
        sheet.append([*(_text_cell(sheet, value) for value in values), colour_cell,
                      _text_cell(sheet, task.get("colour_reason"))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bold(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _letter(count: int) -> str:
    letters = ""
    while count:
        count, rest = divmod(count - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


UNIT_HEADERS = ("单位名称", "单位编码", "类型", "上级单位", "负责人", "电话", "邮箱")
UNIT_KIND_LABELS = {"county": "县区", "department": "部门", "office": "办公室"}


def write_units(units: list[dict]) -> bytes:
    """The units with their heads in the layout the unit import reads."""
    names = {unit["code"]: unit["name"] for unit in units}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("单位")
    sheet.append([_bold(sheet, name) for name in UNIT_HEADERS])
    for unit in units:
        head = unit.get("head") or {}
        sheet.append([_text_cell(sheet, value) for value in (
            unit["name"], unit["code"], UNIT_KIND_LABELS.get(unit["kind"], unit["kind"]),
            names.get(unit.get("parent"), unit.get("parent")), head.get("name"),
            head.get("phone"), head.get("email"))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
