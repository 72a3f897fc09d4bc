"""The working-day calendar the office keeps: each year's holidays and make-up
working days, entered from the State Council's notice (pasted or as a sheet)."""
from typing import Annotated

from fastapi import APIRouter, Path, UploadFile
from fastapi.responses import JSONResponse

from ..auth import Admin, CurrentCaller
from ..db import DbSession
from ..people import with_names
from ..rpc import Rpc
from ..schemas import CalendarIn, CalendarNoticeIn
from ..spreadsheet import SheetError, read_calendar

router = APIRouter(prefix="/api/v1", tags=["calendar"])
Year = Annotated[int, Path(ge=2000, le=2100, description="the calendar year, 2000–2100")]


@router.get("/today")
def get_today(caller: CurrentCaller, rpc: Rpc):
    """{"today", "now", "timezone"}: the city's day and moment on the platform's
    clock, in the zone the city keeps (Asia/Shanghai by default). The portal
    shows its days and times by it, whatever the reader's own clock says."""
    return rpc.warnings.get_today()


@router.get("/calendar")
def list_calendar_years(caller: CurrentCaller, rpc: Rpc):
    """Every year with where its days come from (package, office or provisional:
    Monday to Friday), and how long the entered years last."""
    return rpc.warnings.list_calendar_years()


@router.get("/calendar/{year}")
def get_calendar(caller: CurrentCaller, year: Year, rpc: Rpc, db: DbSession):
    """{year, source: package|office|provisional, holidays: [{date, name}],
    workdays: [dates], version, note, changed_by, changed_by_name, changed_at}."""
    return with_names(db, [rpc.warnings.get_calendar(year=year)], "changed_by")[0]


@router.put("/calendar/{year}")
def update_calendar(caller: Admin, year: Year, body: CalendarIn, rpc: Rpc):
    """Enter a year (the office only): its holidays and make-up working days, with
    a note saying where they come from. Everything that depended on the year is
    judged again as of today; the answer says what changed (`effect`)."""
    if body.year is not None and body.year != year:
        return JSONResponse({"detail": {"year": f"正文的年份{body.year}与地址中的{year}不一致"}},
                            status_code=422)
    return rpc.warnings.update_calendar(
        year=year, holidays=[item.model_dump(mode="json") for item in body.holidays],
        workdays=[day.isoformat() for day in body.workdays], note=body.note,
        caller=caller.as_rpc())


@router.post("/calendar/{year}/parse")
def parse_calendar_notice(caller: Admin, year: Year, body: CalendarNoticeIn, rpc: Rpc):
    """The days the State Council's notice (its text as published) says of the
    year, line by line, with what they would change. Saves nothing."""
    return rpc.warnings.parse_calendar_notice(year=year, text=body.text)


@router.post("/calendar/{year}/spreadsheet",
             responses={422: {"description": "errors by sheet row; nothing read"}})
def read_calendar_sheet(caller: Admin, year: Year, file: UploadFile, rpc: Rpc):
    """The days an .xlsx sheet (columns 日期, 类型: 放假 or 上班, 名称) gives the
    year, row by row, with what they would change. Saves nothing."""
    try:
        sheet = read_calendar(file.file.read())
    except SheetError as exc:
        return JSONResponse({"detail": {"errors": exc.errors}}, status_code=422)
    preview = rpc.warnings.preview_calendar(year=year, holidays=sheet["holidays"],
                                            workdays=sheet["workdays"])
    return {**preview, "lines": sheet["lines"]}


@router.get("/calendar/{year}/history")
def get_calendar_history(caller: CurrentCaller, year: Year, rpc: Rpc, db: DbSession):
    """Every version of the year the office entered, newest first: who (by login
    and `changed_by_name`), when, why, and what it changed."""
    history = rpc.warnings.get_calendar_history(year=year)
    with_names(db, history["items"], "changed_by")
    return history


@router.get("/warnings/unjudged")
def list_unjudged_tasks(caller: Admin, rpc: Rpc):
    """The tasks the last evaluation skipped because no calendar counts from their
    dates (a mistyped year), for the office to correct."""
    return rpc.warnings.list_unjudged_tasks()
