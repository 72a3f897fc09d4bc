"""三问 accountability records (问责、问效、问计), kept by the warnings service: the
office opens one on a black-listed unit, an item red too long or an overdue
notice, records the measures taken (约谈, 通报批评, 限期整改, 移交纪委) and closes
it; the unit writes its rectification plan (整改方案); a record exports as a
Word document for filing."""
import base64
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import Field

from ..auth import Admin, CurrentCaller, Writer
from ..downloads import attachment
from ..rpc import Rpc, all_items, present
from ..schemas import Code, Limit, Offset, PlanDate, WriteBody, _text
from ..scope import Scope
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/accountability", tags=["accountability"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class AccountabilityIn(WriteBody):
    """`ground_ref` names what the ground is about: the period of a black list
    (default the latest naming the unit), the red task, or the overdue notice's id."""

    unit: Code
    ground: Literal["black_list", "red_days", "notice_overdue"]
    ground_ref: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    questions: Annotated[list[Literal["accountability", "results", "plans"]],
                         Field(min_length=1, max_length=3)]
    summary: _text(5000)
    plan_deadline: PlanDate | None = None


class MeasureIn(WriteBody):
    kind: Literal["interview", "criticism", "deadline", "referral"]
    taken_on: PlanDate
    result: _text(5000)


class PlanIn(WriteBody):
    plan: _text(10000)
    deadline: PlanDate | None = None


class CloseIn(WriteBody):
    rectified: bool = True
    note: _text(5000) | None = None


def _named(rpc, caller, records):
    """`records` with their unit's name beside its code: people read names."""
    names = {unit["code"]: unit["name"] for unit in all_items(rpc.tasks.list_units,
                                                              caller=caller.as_rpc())}
    for record in records:
        record["unit_name"] = names.get(record["unit"], record["unit"])
    return records


@router.get("")
def list_accountability_records(caller: CurrentCaller, scope: Scope, rpc: Rpc,
                                unit: Code | None = None,
                                status: Literal["open", "rectified", "closed"] | None = None,
                                open_only: Annotated[bool, Query(alias="open")] = False,
                                limit: Limit = 100, offset: Offset = 0):
    """Records, newest first, within the caller's units (the office and leaders
    see all); `open=true` keeps those not closed, as a unit's workbench shows them."""
    scope.require(unit)
    page = rpc.warnings.list_accountability_records(
        caller=caller.as_rpc(), open_only=open_only, limit=limit, offset=offset,
        **present(unit=unit, status=status))
    return {**page, "items": _named(rpc, caller, page["items"])}


@router.post("", status_code=status.HTTP_201_CREATED)
def open_accountability_record(body: AccountabilityIn, caller: Admin, rpc: Rpc):
    """Open a record (the office); the warnings service checks its ground."""
    return rpc.warnings.open_accountability_record(data=body.to_rpc(), caller=caller.as_rpc())


@router.get("/{record_id}")
def get_accountability_record(record_id: RecordId, caller: CurrentCaller, rpc: Rpc):
    record = rpc.warnings.get_accountability_record(record_id=record_id,
                                                    caller=caller.as_rpc())
    return _named(rpc, caller, [record])[0]


@router.post("/{record_id}/measures")
def record_accountability_measure(record_id: RecordId, body: MeasureIn, caller: Admin,
                                  rpc: Rpc):
    """A measure taken, with its date and result."""
    return rpc.warnings.record_accountability_measure(record_id=record_id, data=body.to_rpc(),
                                                      caller=caller.as_rpc())


@router.post("/{record_id}/plan")
def submit_rectification_plan(record_id: RecordId, body: PlanIn, caller: Writer, rpc: Rpc):
    """The unit's rectification plan with its deadline: the unit's operator, or the
    office (the warnings service refuses anyone else)."""
    return rpc.warnings.submit_rectification_plan(record_id=record_id, data=body.to_rpc(),
                                                  caller=caller.as_rpc())


@router.post("/{record_id}/close")
def close_accountability_record(record_id: RecordId, body: CloseIn, caller: Admin, rpc: Rpc):
    """End a record: rectified (整改到位), or closed with the office's note."""
    return rpc.warnings.close_accountability_record(
        record_id=record_id, caller=caller.as_rpc(), rectified=body.rectified,
        **present(note=body.note))


@router.get("/{record_id}/export.docx", response_class=Response,
            responses={200: {"content": {DOCX: {}}}})
def export_accountability_record(record_id: RecordId, caller: CurrentCaller, rpc: Rpc):
    """The record as a Word document for the office's filing."""
    record = rpc.warnings.get_accountability_record(record_id=record_id,
                                                    caller=caller.as_rpc())
    unit = rpc.tasks.get_unit(code=record["unit"], caller=caller.as_rpc())
    exported = rpc.warnings.export_accountability_record(
        record_id=record_id, caller=caller.as_rpc(), unit_name=unit["name"])
    return Response(base64.b64decode(exported["content_b64"]), media_type=DOCX,
                    headers={"Content-Disposition": attachment(
                        f"问责记录-{unit['name']}-{record_id}.docx", exported["filename"])})
