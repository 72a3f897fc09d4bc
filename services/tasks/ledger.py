"""The office's own spreadsheets, as rules over plain data: the task ledger
(重点任务清单, one row per task, monthly targets as columns) and the list of
units with their heads.

The gateway reads a workbook's cells into rows ({"row": sheet row number,
"cells": [values]}, dates as ISO text, percentage-formatted numbers as "30%");
everything that gives those cells a meaning is here: which row is the header,
which column is which field, unit names turned into codes, monthly cells into
targets, and the comparison with the library that shows what an import would
change. Every problem is reported with its sheet row, its column letter and
header, a stable code and the Chinese words people read (texts.py).

The month cell: the planned cumulative percentage and, optionally, a
description after a separator: "30%", "30", "30%；完成立项", "30%
完成立项". A month's target is due on the last day of that month (or on the
task's due date when it falls earlier in that month). The library is compared
with a ledger month by month: two targets of one month are one (the later).
"""
import calendar
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

from marshmallow import ValidationError

from services.common.loading import loader
from services.common.text import text_problem

from .schemas import CODE, TaskIn
from .texts import sheet_text

MAX_ROWS = 50_000
TASK_SCHEMA = TaskIn()
MAX_COLUMNS = 200
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)

# Each field and the headers offices give it; the first is the one exports write.
TASK_HEADERS = {
    "seq": ("序号",),
    "code": ("任务编号", "编号", "任务代码"),
    "title": ("任务名称", "任务内容", "工作任务", "工作事项", "事项名称"),
    "category": ("类别", "重点领域", "任务类别", "领域", "类型"),
    "source": ("来源", "任务来源"),
    "batch": ("批次",),
    "lead_unit": ("牵头单位", "牵头部门", "牵头责任单位"),
    "cooperating_units": ("责任单位", "配合单位", "协办单位", "责任部门", "配合部门"),
    "responsible_person": ("责任人", "具体责任人"),
    "start_date": ("开始时间", "开始日期", "起始时间"),
    "due_date": ("完成时限", "完成时间", "截止时间", "办结时限", "截止日期"),
}
# The read-only columns an export adds after the months: skipped on import.
EXPORT_ONLY_HEADERS = ("当前进度", "状态", "预警", "预警颜色", "预警原因")
TITLE_HEADERS = TASK_HEADERS["title"]
REQUIRED = ("title", "lead_unit", "due_date")
# The fields compared with the library, in the order a preview lists them.
COMPARED = ("title", "category", "source", "batch", "lead_unit", "cooperating_units",
            "responsible_person", "start_date", "due_date")
LABELS = {"code": "任务编号", "title": "任务名称", "category": "类别", "source": "来源",
          "batch": "批次", "lead_unit": "牵头单位", "cooperating_units": "责任单位",
          "responsible_person": "责任人", "start_date": "开始时间", "due_date": "完成时限",
          "plan": "月度计划"}
LIMITS = {"title": 300, "category": 50, "batch": 50, "responsible_person": 50}
SOURCES = {"计划任务": "plan", "计划": "plan", "年度计划": "plan", "plan": "plan",
           "领导交办": "assignment", "交办": "assignment", "assignment": "assignment",
           "领导批示": "instruction", "批示": "instruction", "instruction": "instruction"}
SOURCE_LABELS = {"plan": "计划任务", "assignment": "领导交办", "instruction": "领导批示"}
STATUS_LABELS = {"closed": "销号", "explained": "说明情况", "cancelled": "撤销",
                 "completed": "完成"}

UNIT_HEADERS = {
    "name": ("单位名称", "单位"),
    "code": ("单位编码", "单位代码", "编码"),
    "kind": ("类型", "单位类型"),
    "parent": ("上级单位",),
    "head": ("负责人", "单位负责人"),
    "phone": ("电话", "联系电话", "手机"),
    "email": ("邮箱", "电子邮箱", "电子邮件"),
}
UNIT_KINDS = {"县区": "county", "县（市、区）": "county", "县(市、区)": "county",
              "县市区": "county", "county": "county",
              "部门": "department", "市直部门": "department", "department": "department",
              "办公室": "office", "督查办": "office", "office": "office"}
UNIT_KIND_LABELS = {"county": "县区", "department": "部门", "office": "办公室"}
PHONE = re.compile(r"^\+?[0-9\- ]{5,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_MONTH_ONLY = re.compile(r"^(\d{1,2})\s*月份?$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:月份?)?(?:[-/.]01)?$")
_TITLE_YEAR = re.compile(r"(20\d{2}|21\d{2})\s*年")
_TARGET = re.compile(r"^(\d+(?:\.\d+)?)\s*[%％]?\s*(?:[；;，,、:：|/\s]\s*(.*))?$", re.S)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_LIST = re.compile(r"[,，、;；\n\r]+")
_SPACES = re.compile(r"\s+")


def in_sheet_order(errors) -> list[dict]:
    """Errors as people go through a sheet: by row, then column."""
    return sorted(errors, key=lambda found: (found.get("row") or 0,
                                             len(found.get("column") or ""),
                                             found.get("column") or ""))


def column_letter(index: int) -> str:
    """The spreadsheet's name of the column at `index` (0 is A)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def error(row, column, header, field_name, problem, /, **params) -> dict:
    """A problem where people find it: the sheet row, the column's letter and
    header, the stable field and code, and the words."""
    return {"row": row, "column": None if column is None else column_letter(column),
            "header": header, "field": field_name, "code": problem,
            "reason": sheet_text(problem, header=header, **params)}


class SheetShapeError(ValueError):
    """The rows are not shaped as the gateway sends them."""


def check_shape(sheet) -> tuple[list[dict], int | None]:
    """(rows, year) of an RPC's sheet argument; SheetShapeError when it is not
    {"rows": [{"row": int, "cells": [JSON scalars]}], "year": int or null}."""
    if not isinstance(sheet, dict) or not isinstance(sheet.get("rows"), list):
        raise SheetShapeError("sheet: {rows: [{row, cells}], year}")
    year = sheet.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)
                             or not FIRST_DAY.year <= year <= LAST_DAY.year):
        raise SheetShapeError("year: 2000–2100 or null")
    for row in sheet["rows"]:
        if (not isinstance(row, dict) or not isinstance(row.get("row"), int)
                or not isinstance(row.get("cells"), list) or len(row["cells"]) > MAX_COLUMNS
                or not all(cell is None or isinstance(cell, (str, int, float, bool))
                           for cell in row["cells"])):
            raise SheetShapeError("each row: {row: int, cells: [at most 200 scalars]}")
    return sheet["rows"], year


def _text(value) -> str | None:
    """A cell as text: stripped, None when empty; whole numbers without ".0"."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _blank(cells) -> bool:
    return all(_text(cell) is None for cell in cells)


def _lookup(headers: dict) -> dict:
    return {name: key for key, names in headers.items() for name in names}


def _normal(header) -> str:
    return _SPACES.sub("", _text(header) or "")


def find_header(rows, markers) -> tuple[int, list[str]] | None:
    """The index of the header row among `rows` (the first holding one of
    `markers`) and the texts of the rows above it (titles); None without one."""
    for index, row in enumerate(rows):
        names = {_normal(cell) for cell in row["cells"]}
        if names & set(markers):
            titles = [text for above in rows[:index] for cell in above["cells"]
                      if (text := _text(cell))]
            return index, titles
    return None


def month_of(header, year) -> tuple[int, int] | None | str:
    """(year, month) a monthly column stands for; "no_year" for "3月" when no
    year is known; None when the header is no month."""
    text = _normal(header)
    if match := _YEAR_MONTH.match(text):
        found, month = int(match.group(1)), int(match.group(2))
    elif match := _MONTH_ONLY.match(text):
        found, month = year, int(match.group(1))
        if found is None:
            return "no_year" if 1 <= month <= 12 else None
    else:
        return None
    return (found, month) if 1 <= month <= 12 else None


def ledger_year(titles, given) -> int | None:
    """The year "1月".."12月" belong to: the one given with the import, else the
    first "2026年" in the sheet's title rows."""
    if given is not None:
        return given
    for text in titles:
        if match := _TITLE_YEAR.search(text):
            return int(match.group(1))
    return None


def parse_date(value) -> dt.date | None | str:
    """A date cell: ISO text from the gateway, 2026/12/31, 2026.12.31,
    2026年12月31日, or an Excel serial number. "bad" when it is none of them,
    "range" outside 2000–2100, None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date Excel kept as a bare number (its format lost): days since 1899-12-30.
        if 20_000 <= value <= 80_000:
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        return "bad"
    text = _normal(value)
    text = text.split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", text) else text
    match = _DATE.match(text)
    if not match:
        return "bad"
    try:
        day = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return "bad"
    return day if FIRST_DAY <= day <= LAST_DAY else "range"


def parse_target(value) -> tuple[float, str | None] | None | str:
    """(percent, description) of a month cell; None when empty; "bad" when it
    holds no leading percentage."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), None
    text = _text(value)
    if text is None:
        return None
    match = _TARGET.match(text)
    if not match:
        return "bad"
    description = (match.group(2) or "").strip() or None
    return float(match.group(1)), description


def month_end(year, month) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


class Units:
    """Units found by code or by name (names compared without spaces)."""

    def __init__(self, units):
        self.by_code = {unit["code"]: unit for unit in units}
        self.by_name = {}
        for unit in units:
            # A retired unit's name may live on in the unit that took over its work.
            if unit.get("status", "active") == "active":
                self.by_name.setdefault(_normal(unit["name"]), []).append(unit["code"])

    def find(self, text) -> tuple[str | None, str | None]:
        """(code, None) or (None, the problem's code)."""
        if text in self.by_code:
            if self.by_code[text].get("status", "active") != "active":
                return None, "retired_unit"
            return text, None
        codes = self.by_name.get(_normal(text), [])
        if len(codes) == 1:
            return codes[0], None
        return None, "ambiguous_unit" if codes else "unknown_unit"

    def name(self, code) -> str | None:
        unit = self.by_code.get(code)
        return unit["name"] if unit else code


@dataclass
class Column:
    index: int
    header: str
    field: str | None = None
    month: tuple[int, int] | None = None


@dataclass
class LedgerTask:
    """A task read from its row: the body to create it with, and where each
    field came from."""

    row: int
    code: str
    body: dict
    generated_code: bool = False
    columns: dict = field(default_factory=dict)  # field -> Column
    month_columns: list = field(default_factory=list)  # Column per target, in order


@dataclass
class Ledger:
    tasks: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    fields: set = field(default_factory=set)  # the fields the sheet has columns for
    has_plan: bool = False
    year: int | None = None
    checked: int = 0


def _columns(header_row, year, ledger) -> list[Column]:
    names = _lookup(TASK_HEADERS)
    columns, seen_fields, seen_months = [], {}, {}
    number = header_row["row"]
    for index, cell in enumerate(header_row["cells"]):
        header = _normal(cell)
        if not header:
            continue
        column = Column(index, header)
        key = names.get(header)
        month = None if key else month_of(header, year)
        if key:
            # 责任单位 and 配合单位 both list the units that share the task.
            if key in seen_fields and key != "cooperating_units":
                ledger.errors.append(error(number, index, header, key, "header_twice"))
                continue
            seen_fields[key] = column
            column.field = key
        elif month == "no_year":
            ledger.errors.append(error(number, index, header, "plan", "month_year_unknown"))
            continue
        elif month:
            if month in seen_months:
                ledger.errors.append(error(number, index, header, "plan", "month_twice"))
                continue
            seen_months[month] = column
            column.month = month
        else:
            if header not in EXPORT_ONLY_HEADERS:
                ledger.ignored_columns.append({"column": column_letter(index), "header": header})
            continue
        columns.append(column)
    for key in REQUIRED:
        if key not in seen_fields:
            ledger.errors.append(error(number, None, TASK_HEADERS[key][0], key, "header_missing"))
    ledger.fields = set(seen_fields) - {"seq"}
    ledger.has_plan = bool(seen_months)
    return sorted(columns, key=lambda column: (column.month or (0, 0), column.index))


def _generated_code(title, lead_unit) -> str:
    """A stable code for a row without one: the same title and lead unit give
    the same code, so importing the same ledger twice finds its tasks again."""
    digest = hashlib.sha256(f"{_normal(title)}|{lead_unit}".encode()).hexdigest()
    return f"L{digest[:10].upper()}"


def _read_task(row, columns, units, ledger) -> LedgerTask | None:
    number, cells = row["row"], row["cells"]
    problems = []
    body, placed, targets = {}, {}, []

    def cell(column):
        return cells[column.index] if column.index < len(cells) else None

    def problem(column, key, code, **params):
        problems.append(error(number, column.index, column.header, key, code, **params))

    for column in columns:
        if column.field is None:
            continue
        key, value = column.field, cell(column)
        placed.setdefault(key, column)
        if key == "seq":
            continue
        if key in ("start_date", "due_date"):
            day = parse_date(value)
            if day == "bad":
                problem(column, key, "bad_date")
            elif day == "range":
                problem(column, key, "date_out_of_range")
            else:
                body[key] = day
            continue
        text = _text(value)
        if key == "lead_unit":
            if text is None:
                problem(column, key, "lead_unit_required")
                continue
            code, bad = units.find(text)
            if bad:
                problem(column, key, bad, value=text)
            body[key] = code
        elif key == "cooperating_units":
            found = body.setdefault(key, [])
            for name in _LIST.split(text or ""):
                if not (name := name.strip()):
                    continue
                code, bad = units.find(name)
                if bad:
                    problem(column, key, bad, value=name)
                elif code not in found:
                    found.append(code)
        elif key == "source":
            source = SOURCES.get(_normal(text) if text else "plan")
            if source is None:
                problem(column, key, "unknown_source")
            body[key] = source
        elif key == "code":
            if text is not None and not CODE.regex.match(text):
                problem(column, key, "bad_code")
            body[key] = text
        else:  # title, category, batch, responsible_person
            if text is not None and len(text) > LIMITS[key]:
                problem(column, key, "too_long", limit=LIMITS[key])
            body[key] = text
    if all(body.get(key) is None for key in ("title", "lead_unit", "code")) and not any(
            cell(column) is not None for column in columns if column.month):
        return None  # a row of notes beside the ledger, not a task
    for key in ("title", "due_date"):
        if key in placed and body.get(key) is None and not any(
                p["field"] == key for p in problems):
            problem(placed[key], key, "required")
    # The lead unit leads; a ledger often lists it again among the 责任单位.
    if body.get("lead_unit") and body.get("cooperating_units"):
        body["cooperating_units"] = [unit for unit in body["cooperating_units"]
                                     if unit != body["lead_unit"]]
    if body.get("start_date") is None and body.get("due_date") is not None:
        # A ledger without start dates: its tasks run from the first day of its
        # year, or of their plan's first month when that is earlier.
        firsts = [dt.date(*column.month, 1) for column in columns
                  if column.month and _text(cell(column)) is not None]
        body["start_date"] = min([dt.date(ledger.year or body["due_date"].year, 1, 1),
                                  *firsts])
    start, due = body.get("start_date"), body.get("due_date")
    if start and due and start > due:
        # A first-of-year start for a task due earlier: the task starts with its plan.
        if "start_date" not in placed or cell(placed["start_date"]) in (None, ""):
            body["start_date"] = start = dt.date(due.year, 1, 1)
        if start > due:
            problem(placed["due_date"], "due_date", "due_before_start")
    previous, month_columns = None, []
    for column in columns:
        if not column.month or (start and due and start > due):
            continue
        parsed = parse_target(cell(column))
        if parsed is None:
            continue
        if parsed == "bad":
            problem(column, "plan", "bad_target")
            continue
        percent, description = parsed
        if not 0 <= percent <= 100:
            problem(column, "plan", "percent_range")
            continue
        if description and len(description) > 500:
            problem(column, "plan", "description_too_long")
            continue
        if description and text_problem(description):
            problem(column, "plan", "unstorable")
            continue
        year, month = column.month
        first, last = dt.date(year, month, 1), month_end(year, month)
        if start and last < start:
            problem(column, "plan", "target_before_start")
            continue
        if due and first > due:
            problem(column, "plan", "target_after_due")
            continue
        if previous is not None and percent < previous:
            problem(column, "plan", "target_goes_back", previous=previous)
            continue
        previous = percent
        targets.append({"due_date": min(last, due) if due else last,
                        "planned_percent": percent, "description": description})
        month_columns.append(column)
    body["targets"] = targets
    ledger.errors.extend(problems)
    if problems:
        return None
    generated = not body.get("code")
    if generated:
        body["code"] = _generated_code(body["title"], body["lead_unit"])
    return LedgerTask(number, body["code"], body, generated, placed, month_columns)


def _schema_errors(task: LedgerTask, messages) -> list[dict]:
    """What the task schema still refuses, placed on the row (the ledger's own
    checks find the common mistakes first and in Chinese)."""
    found = []
    for key, detail in messages.items():
        column = task.columns.get(key)
        if key == "targets" and isinstance(detail, dict):
            for index, inner in detail.items():
                target_column = (task.month_columns[index]
                                 if isinstance(index, int) and index < len(task.month_columns)
                                 else None)
                found.append(error(task.row, target_column and target_column.index,
                                   target_column and target_column.header, "plan", "invalid",
                                   detail=json.dumps(inner, ensure_ascii=False)))
            continue
        found.append(error(task.row, column and column.index,
                           column.header if column else LABELS.get(key, key), key, "invalid",
                           detail=json.dumps(detail, ensure_ascii=False)))
    return found


def read_ledger(rows, units, year=None) -> Ledger:
    """The tasks of a ledger's rows, each body loaded as create_task takes it,
    and every problem found. `units`: every unit ({code, name, status}); `year`:
    the year of "1月".."12月" columns when the import names one."""
    ledger = Ledger()
    if len(rows) > MAX_ROWS:
        ledger.errors.append(error(rows[0]["row"] if rows else 1, None, None, None,
                                   "sheet_too_many_rows", limit=f"{MAX_ROWS:,}"))
        return ledger
    rows = [row for row in rows if not _blank(row["cells"])]
    if not rows:
        ledger.errors.append(error(1, None, None, None, "sheet_empty"))
        return ledger
    found = find_header(rows, TITLE_HEADERS)
    if found is None:
        ledger.errors.append(error(rows[0]["row"], None, None, None, "header_not_found",
                                   required="“任务名称”“牵头单位”“完成时限”"))
        return ledger
    index, titles = found
    ledger.year = ledger_year(titles, year)
    columns = _columns(rows[index], ledger.year, ledger)
    if ledger.errors:
        return ledger
    lookup = Units(units)
    seen = {}
    for row in rows[index + 1:]:
        task = _read_task(row, columns, lookup, ledger)
        ledger.checked += 1
        if task is None:
            continue
        if task.code in seen:
            other = seen[task.code]
            column = task.columns.get("code") or task.columns["title"]
            code = "code_generated_twice" if task.generated_code else "code_twice"
            ledger.errors.append(error(task.row, column.index, column.header, "code", code,
                                       code=task.code, other=other.row))
            continue
        seen[task.code] = task
        # The task's own fields through the schema create_task loads; its targets
        # were checked above, month by month, against the same rules (a nested
        # schema for every month of 20,000 rows would cost minutes).
        body = {key: value for key, value in task.body.items()
                if key in TASK_SCHEMA.fields and key != "targets"}
        try:
            loaded = loader(TaskIn)(_serialisable(body))
        except ValidationError as err:
            ledger.errors.extend(_schema_errors(task, err.messages))
            continue
        loaded["targets"] = task.body["targets"]
        task.body = loaded
        ledger.tasks.append(task)
    if not ledger.tasks and not ledger.errors:
        ledger.errors.append(error(rows[index]["row"] + 1, None, None, None, "no_rows"))
    ledger.errors = in_sheet_order(ledger.errors)
    return ledger


def _serialisable(body: dict) -> dict:
    """A body as a client sends it (dates as ISO text), for the schema to load."""
    def plain(value):
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value
    return {key: plain(value) for key, value in body.items()
            if value is not None or key in ("category", "responsible_person")}


# Comparing with the library -------------------------------------------------------

def plan_by_month(targets) -> list[dict]:
    """A plan as a ledger shows it: one entry per month, the later target of a
    month standing for it."""
    months = {}
    for target in targets:
        due = target["due_date"]
        due = dt.date.fromisoformat(due) if isinstance(due, str) else due
        months[(due.year, due.month)] = {
            "month": f"{due.year:04d}-{due.month:02d}",
            "planned_percent": float(target["planned_percent"]),
            "description": target.get("description") or None}
    return [months[key] for key in sorted(months)]


def _value(key, value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if key == "cooperating_units":
        return sorted(value or [])
    return value


def _shown(key, value, units: Units):
    """A value as people read it in a preview: names, Chinese labels, dates."""
    if value is None or value == []:
        return "（空）"
    if key == "lead_unit":
        return units.name(value)
    if key == "cooperating_units":
        return "、".join(units.name(code) for code in value)
    if key == "source":
        return SOURCE_LABELS.get(value, value)
    if key in ("start_date", "due_date"):
        day = dt.date.fromisoformat(value)
        return f"{day.year}年{day.month}月{day.day}日"
    return str(value)


def task_changes(task: LedgerTask, existing: dict, fields, has_plan, units) -> dict | None:
    """What importing `task` would change in the library's `existing` task, or
    None: its descriptive fields (only those the sheet has a column for: a
    ledger without 责任人 leaves every responsible person alone) and its plan
    (only when the sheet has monthly columns)."""
    changed = []
    for key in COMPARED:
        if key not in fields or key not in existing:
            continue
        new, old = _value(key, task.body.get(key)), _value(key, existing.get(key))
        if new != old:
            changed.append({"field": key, "label": LABELS[key], "from": old, "to": new,
                            "from_text": _shown(key, old, units),
                            "to_text": _shown(key, new, units)})
    plan = None
    if has_plan:
        old_plan, new_plan = plan_by_month(existing.get("targets") or []), plan_by_month(
            task.body["targets"])
        if old_plan != new_plan:
            plan = {"from": old_plan, "to": new_plan}
    if not changed and plan is None:
        return None
    return {"row": task.row, "code": task.code, "title": task.body["title"],
            "status": existing.get("status"), "fields": changed, "plan": plan}


def finished_problem(task: LedgerTask, existing: dict) -> dict | None:
    """A change to a task no longer under way is refused: its record is closed."""
    if existing.get("status") in (None, "active"):
        return None
    column = task.columns.get("code") or task.columns["title"]
    return error(task.row, column.index, column.header, "code", "task_finished",
                 code=task.code, status=STATUS_LABELS.get(existing["status"],
                                                          existing["status"]))


def new_task_summary(task: LedgerTask, units: Units) -> dict:
    body = task.body
    return {"row": task.row, "code": task.code, "generated_code": task.generated_code,
            "title": body["title"], "lead_unit": body["lead_unit"],
            "lead_unit_name": units.name(body["lead_unit"]),
            "due_date": body["due_date"].isoformat(), "batch": body.get("batch"),
            "plan": plan_by_month(body["targets"])}


def preview_token(new, changed) -> str:
    """A fingerprint of what an import would do: applying with it refuses when
    the sheet or the library has changed since the preview. The sha256 of
    {"changed": [...], "new": [...]} as canonical JSON, fed item by item: the
    text of a city's twenty thousand new tasks is never built whole."""
    digest = hashlib.sha256()

    def feed(text):
        digest.update(text.encode("utf-8", "surrogatepass"))

    def canonical(value):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str,
                          separators=(",", ":"))
    for opening, items in (('{"changed":[', changed), ('],"new":[', new)):
        feed(opening)
        for at, item in enumerate(items):
            feed(("," if at else "") + canonical(item))
    feed("]}")
    return digest.hexdigest()


def replanned_targets(task: LedgerTask, existing: dict) -> list[dict]:
    """The new plan of an existing task: the ledger's monthly targets, each kept
    with the unit that owned the library's target of its month (the lead unit
    for a month that had none)."""
    owners = {}
    for target in existing.get("targets") or []:
        due = dt.date.fromisoformat(target["due_date"])
        owners[(due.year, due.month)] = target.get("unit")
    lead = task.body.get("lead_unit") or existing["lead_unit"]
    return [{"due_date": target["due_date"].isoformat(),
             "planned_percent": target["planned_percent"],
             "description": target.get("description"),
             "unit": owners.get((target["due_date"].year, target["due_date"].month)) or lead}
            for target in task.body["targets"]]


def split_plan(task: LedgerTask, existing: dict, today) -> tuple[list, list]:
    """(the problems, the new targets not yet due) of re-planning `existing` as
    the ledger has it. The targets due before `today` are history: they stay as
    they are, so a ledger that changes one of those months is refused there."""
    kept = [target for target in existing.get("targets") or []
            if dt.date.fromisoformat(target["due_date"]) < today]
    kept_months = {item["month"]: item for item in plan_by_month(kept)}
    problems, future, columns = [], [], []
    targets = replanned_targets(task, existing)
    for target, column in zip(targets, task.month_columns, strict=True):
        due = dt.date.fromisoformat(target["due_date"])
        month = f"{due.year:04d}-{due.month:02d}"
        (mine,) = plan_by_month([target])
        if due >= today and month not in kept_months:
            future.append(target)
            columns.append(column)
            continue
        if kept_months.pop(month, None) != mine:
            problems.append(error(task.row, column.index, column.header, "plan",
                                  "plan_past_changed"))
    for month in kept_months:  # a past month the ledger left empty
        column = next((c for c in task.month_columns if f"{c.month[0]:04d}-{c.month[1]:02d}"
                       == month), None)
        problems.append(error(task.row, column and column.index,
                              column.header if column else f"{int(month[5:])}月", "plan",
                              "plan_past_changed"))
    if not future and not problems:
        first = task.month_columns[0] if task.month_columns else task.columns["title"]
        problems.append(error(task.row, first.index, first.header, "plan", "plan_needs_future"))
    return problems, list(zip(future, columns, strict=True))


def edits_of(change: dict) -> dict:
    """The fields a change sets, as the task edit takes them."""
    return {item["field"]: item["to"] for item in change["fields"]}


def refusal_at(task: LedgerTask, field_name: str, detail, column=None) -> dict:
    """A refusal of the task rules ({"code", "message"}) placed on the row and
    the field's column."""
    column = column or task.columns.get(field_name) or task.columns["title"]
    if not isinstance(detail, dict) or "message" not in detail:
        detail = {"code": "invalid", "message": sheet_text(
            "invalid", header=column.header, detail=json.dumps(detail, ensure_ascii=False))}
    return {"row": task.row, "column": column_letter(column.index), "header": column.header,
            "field": field_name, "code": detail["code"], "reason": detail["message"]}


# Units and their heads -------------------------------------------------------------

@dataclass
class SheetUnit:
    row: int
    body: dict
    columns: dict
    parent_text: str | None = None


@dataclass
class UnitSheet:
    units: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    fields: set = field(default_factory=set)
    checked: int = 0


def _unit_columns(header_row, sheet) -> dict:
    names = _lookup(UNIT_HEADERS)
    columns = {}
    for index, cell in enumerate(header_row["cells"]):
        header = _normal(cell)
        if not header:
            continue
        key = names.get(header)
        if key is None:
            sheet.ignored_columns.append({"column": column_letter(index), "header": header})
        elif key in columns:
            sheet.errors.append(error(header_row["row"], index, header, key, "header_twice"))
        else:
            columns[key] = Column(index, header, key)
    for key in ("name", "code", "kind"):
        if key not in columns:
            sheet.errors.append(error(header_row["row"], None, UNIT_HEADERS[key][0], key,
                                      "header_missing"))
    sheet.fields = set(columns)
    return columns


def _read_unit(row, columns, sheet) -> SheetUnit | None:
    number, cells = row["row"], row["cells"]
    values = {key: _text(cells[column.index]) if column.index < len(cells) else None
              for key, column in columns.items()}
    if all(value is None for value in values.values()):
        return None
    problems = []

    def problem(key, code, **params):
        column = columns[key]
        problems.append(error(number, column.index, column.header, key, code, **params))

    for key in ("name", "code", "kind"):
        if values.get(key) is None:
            problem(key, "required")
    if values.get("name") and len(values["name"]) > 100:
        problem("name", "too_long", limit=100)
    if values.get("code") and not CODE.regex.match(values["code"]):
        problem("code", "bad_unit_code")
    kind = UNIT_KINDS.get(_normal(values.get("kind"))) if values.get("kind") else None
    if values.get("kind") and kind is None:
        problem("kind", "unit_kind")
    head = None
    if values.get("head"):
        if len(values["head"]) > 50:
            problem("head", "too_long", limit=50)
        head = {"name": values["head"], "phone": values.get("phone"),
                "email": values.get("email")}
    elif values.get("phone") or values.get("email"):
        problem("head", "head_needed") if "head" in columns else problem(
            "phone" if values.get("phone") else "email", "head_needed")
    if values.get("phone") and not PHONE.match(values["phone"]):
        problem("phone", "bad_phone")
    if values.get("email") and not EMAIL.match(values["email"]):
        problem("email", "bad_email")
    sheet.errors.extend(problems)
    if problems:
        return None
    return SheetUnit(number, {"code": values["code"], "name": values["name"], "kind": kind,
                              "parent": None, "head": head},
                     columns, values.get("parent"))


def read_units(rows, existing_units) -> UnitSheet:
    """The units of a sheet of units (单位名称, 单位编码, 类型, 上级单位, 负责人,
    电话, 邮箱), parents named by name or code among the library's units and
    the sheet's own, in an order that creates each parent before its units."""
    sheet = UnitSheet()
    rows = [row for row in rows if not _blank(row["cells"])]
    if len(rows) > MAX_ROWS:
        sheet.errors.append(error(rows[0]["row"], None, None, None, "sheet_too_many_rows",
                                  limit=f"{MAX_ROWS:,}"))
        return sheet
    if not rows:
        sheet.errors.append(error(1, None, None, None, "sheet_empty"))
        return sheet
    found = find_header(rows, UNIT_HEADERS["name"][:1])
    if found is None:
        sheet.errors.append(error(rows[0]["row"], None, None, None, "header_not_found",
                                  required="“单位名称”“单位编码”“类型”"))
        return sheet
    index, _titles = found
    columns = _unit_columns(rows[index], sheet)
    if sheet.errors:
        return sheet
    read, by_code, by_name = [], {}, {}
    for row in rows[index + 1:]:
        unit = _read_unit(row, columns, sheet)
        sheet.checked += 1
        if unit is None:
            continue
        for key, seen, code in (("code", by_code, "unit_code_twice"),
                                ("name", by_name, "unit_name_twice")):
            value = unit.body[key] if key == "code" else _normal(unit.body[key])
            if value in seen:
                column = columns[key]
                sheet.errors.append(error(unit.row, column.index, column.header, key, code,
                                          value=unit.body[key], other=seen[value].row))
                unit = None
                break
            seen[value] = unit
        if unit is not None:
            read.append(unit)
    known = Units([*existing_units, *(unit.body for unit in read)])
    refused = set()
    for unit in read:
        if unit.parent_text is None:
            continue
        code, bad = known.find(unit.parent_text)
        column = columns["parent"]
        if bad:
            sheet.errors.append(error(unit.row, column.index, column.header, "parent",
                                      "unknown_parent", value=unit.parent_text))
            refused.add(unit.row)
        elif code == unit.body["code"]:
            sheet.errors.append(error(unit.row, column.index, column.header, "parent",
                                      "parent_is_self"))
            refused.add(unit.row)
        else:
            unit.body["parent"] = code
    sheet.units = _parents_first([unit for unit in read if unit.row not in refused], sheet)
    sheet.errors = in_sheet_order(sheet.errors)
    return sheet


def _parents_first(units, sheet) -> list:
    """`units` ordered so a parent in the sheet comes before its units; a cycle
    is an error on each of its rows."""
    by_code = {unit.body["code"]: unit for unit in units}
    ordered, state = [], {}

    def visit(unit, path):
        code = unit.body["code"]
        if state.get(code) == "done":
            return True
        if code in path:
            return False
        parent = by_code.get(unit.body["parent"])
        if parent is not None and not visit(parent, path | {code}):
            return False
        state[code] = "done"
        ordered.append(unit)
        return True

    for unit in units:
        if not visit(unit, frozenset()):
            column = unit.columns["parent"]
            sheet.errors.append(error(unit.row, column.index, column.header, "parent",
                                      "parent_cycle"))
    return ordered


def unit_changes(unit: SheetUnit, existing: dict, fields) -> tuple[dict | None, list]:
    """(what importing `unit` changes in the library's `existing` unit — its
    name and its head — or None, the problems): a unit's kind and parent are
    its place in the structure, changed by the office on the unit itself."""
    problems, changed = [], []
    body = unit.body
    if body["kind"] != existing["kind"]:
        column = unit.columns["kind"]
        problems.append(error(unit.row, column.index, column.header, "kind",
                              "unit_kind_changed", code=body["code"],
                              old=UNIT_KIND_LABELS.get(existing["kind"], existing["kind"])))
    if "parent" in fields and body["parent"] != existing.get("parent"):
        column = unit.columns["parent"]
        problems.append(error(unit.row, column.index, column.header, "parent",
                              "unit_parent_changed", code=body["code"],
                              old=existing.get("parent") or "（无）"))
    if body["name"] != existing["name"]:
        changed.append({"field": "name", "label": "单位名称", "from": existing["name"],
                        "to": body["name"]})
    if "head" in fields:
        old = existing.get("head") or None
        new = body["head"]
        if old is not None:
            old = {key: old.get(key) or None for key in ("name", "phone", "email")}
            # A sheet without the phone or e-mail column keeps what the unit has.
            for key, column in (("phone", "phone"), ("email", "email")):
                if column not in fields and new is not None:
                    new = {**new, key: old.get(key)}
        if new != old:
            changed.append({"field": "head", "label": "负责人", "from": old, "to": new})
    if not changed:
        return None, problems
    return {"row": unit.row, "code": body["code"], "name": body["name"],
            "fields": changed}, problems


def name_taken(unit: SheetUnit, existing_units) -> dict | None:
    """A unit's name is its address in a ledger: two units of one name make
    every ledger naming it ambiguous."""
    for other in existing_units:
        if other["code"] != unit.body["code"] and _normal(other["name"]) == _normal(
                unit.body["name"]):
            column = unit.columns["name"]
            return error(unit.row, column.index, column.header, "name", "unit_name_taken",
                         value=unit.body["name"], code=other["code"])
    return None
