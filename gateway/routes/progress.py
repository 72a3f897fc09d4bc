"""Progress reports: a unit's or a county system's batch of cumulative percentages."""
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, status
from fastapi.responses import JSONResponse

from ..auth import Admin, Writer
from ..errors import explain_rejection
from ..idempotency import IdempotencyKey, answer_once
from ..messages import refusal
from ..rpc import Rpc
from ..schemas import MAX_PROGRESS_ITEMS, ProgressItem, ReceiptCorrectionIn
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/progress", tags=["progress"])


@router.post("", openapi_extra={"requestBody": {"required": True, "content": {
    "application/json": {"schema": {
        "type": "array", "minItems": 1, "maxItems": MAX_PROGRESS_ITEMS,
        "items": ProgressItem.model_json_schema()}}}}})
def report_progress(
    request: Request,
    # Each item is judged by the tasks service on its own, so that one bad item
    # never costs the good ones: here only "a list of objects" is checked.
    items: Annotated[list[dict[str, Any]], Body(min_length=1)],
    caller: Writer,
    rpc: Rpc,
    idempotency_key: IdempotencyKey = None,
):
    """Report 1 to 1,000 items; the answer says of each whether it was accepted.

    Good items are kept even when others are rejected. A request repeated
    with the same Idempotency-Key and body gets the first answer again.
    """
    if len(items) > MAX_PROGRESS_ITEMS:
        raise refusal(status.HTTP_413_CONTENT_TOO_LARGE, "too_many_items",
                      limit=MAX_PROGRESS_ITEMS, count=len(items))

    # The key also travels to the tasks service, which stores it with the batch:
    # a request redelivered to it after a crash is then stored once. Without a
    # client key, one per HTTP request still covers that redelivery.
    service_key = idempotency_key or f"request:{uuid.uuid4().hex}"

    def report():
        answer = rpc.tasks.report_progress(items=items, caller=caller.as_rpc(),
                                           source=caller.api_key or "portal",
                                           idempotency_key=service_key)
        # Each refused item with its code and Chinese words beside its reason.
        return {**answer, "results": [explain_rejection(result)
                                      for result in answer.get("results", [])]}

    # JSON as it came from the service: FastAPI's own encoding walks every value
    # of a thousand results again (a tenth of the gateway's time in a flood).
    return JSONResponse(answer_once(request, caller, idempotency_key, items, report))


@router.post("/{report_id}/received-at")
def correct_report_receipt(report_id: int, body: ReceiptCorrectionIn, caller: Admin, rpc: Rpc):
    """The office corrects when the platform received a report (one that reached
    it on time by other means), with a reason. Timeliness is judged by receipt;
    the correction is kept beside the report and in the audit log. Answers the
    report with its corrections."""
    return rpc.tasks.correct_report_receipt(
        report_id=report_id, received_at=body.received_at.isoformat(), reason=body.reason,
        caller=caller.as_rpc())
