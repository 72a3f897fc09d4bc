"""The units' extension requests (延期申请) and the office's decisions; the
evidence rules (what a progress report must carry); a progress report sent with
its files in one multipart request."""
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile, status

from ..auth import Admin, CurrentCaller, Writer
from ..errors import explain_rejection
from ..rpc import Rpc, present, with_titles
from ..schemas import (
    Code,
    EvidenceRulesIn,
    ExtensionDecisionIn,
    ExtensionRequestIn,
    Limit,
    Offset,
)
from ..scope import Scope
from .files import inline_files
from .version import PREFIX

tasks_router = APIRouter(prefix=f"{PREFIX}/tasks", tags=["extension requests"])
router = APIRouter(prefix=f"{PREFIX}/extension-requests", tags=["extension requests"])
rules_router = APIRouter(prefix=f"{PREFIX}/evidence-rules", tags=["evidence"])
progress_router = APIRouter(prefix=f"{PREFIX}/progress", tags=["progress"])

RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _led_for_extension(code: str, scope: Scope) -> str:
    """The task's code, after a 403 for a caller whose units do not lead it:
    only the lead unit asks for time (the office extends directly)."""
    scope.require_task_code(code, "task.request_extension")
    return code


TaskToExtend = Annotated[str, Depends(_led_for_extension)]


@tasks_router.post("/{code}/extension-requests", status_code=status.HTTP_201_CREATED)
def request_extension(caller: Writer, code: TaskToExtend, body: ExtensionRequestIn, rpc: Rpc):
    """The lead unit asks for a later due date of the task (or of a target, with
    `seq`), with a reason; the office decides. Answers the request."""
    return rpc.tasks.request_extension(code=code, asked_due_date=body.asked_due_date.isoformat(),
                                       reason=body.reason, caller=caller.as_rpc(),
                                       **present(seq=body.seq))


@router.get("")
def list_extension_requests(caller: CurrentCaller, rpc: Rpc,
                            status: Annotated[str | None, Query(
                                pattern="^(pending|approved|shortened|refused)$")] = None,
                            unit: Code | None = None, task: Code | None = None,
                            limit: Limit = 100, offset: Offset = 0):
    """Extension requests within the caller's units (the office: all; its queue
    is `status=pending`, oldest first), with `counts` by status; each with its
    task's `title`."""
    answer = rpc.tasks.list_extension_requests(caller=caller.as_rpc(), limit=limit,
                                               offset=offset,
                                               **present(status=status, unit=unit, task=task))
    with_titles(rpc, caller.as_rpc(), answer["items"])
    return answer


@router.post("/{request_id}/decision")
def decide_extension(caller: Admin, request_id: RequestId, body: ExtensionDecisionIn,
                     rpc: Rpc):
    """The office approves (the asked date), shortens (`granted_due_date`,
    between the old and the asked date) or refuses a request, with a reason. An
    approval moves the due date as an extension does: the colour follows it."""
    return rpc.tasks.decide_extension(
        request_id=request_id, outcome=body.outcome, reason=body.reason,
        caller=caller.as_rpc(),
        **present(granted_due_date=body.granted_due_date
                  and body.granted_due_date.isoformat()))


@rules_router.get("")
def get_evidence_rules(caller: CurrentCaller, rpc: Rpc):
    """The evidence rules in force: whether a report at 100% (`at_full`) or one
    claiming a target met (`at_target_met`) must carry a file."""
    return rpc.tasks.get_evidence_rules()


@rules_router.put("")
def update_evidence_rules(caller: Admin, body: EvidenceRulesIn, rpc: Rpc):
    """A new version of the evidence rules (the office's); it applies to the
    reports received from then on."""
    return rpc.tasks.update_evidence_rules(data=body.rules.model_dump(exclude_none=True),
                                           caller=caller.as_rpc(), **present(note=body.note))


@rules_router.get("/versions")
def list_evidence_rule_versions(caller: CurrentCaller, rpc: Rpc, limit: Limit = 100,
                                offset: Offset = 0):
    """The stored versions of the evidence rules, newest first."""
    return rpc.tasks.list_evidence_rule_versions(limit=limit, offset=offset)


@progress_router.post("/with-evidence")
def report_with_evidence(
    request: Request, caller: Writer, rpc: Rpc,
    task: Annotated[str, Form(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")],
    unit: Annotated[str, Form(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")],
    percent: Annotated[float, Form(ge=0, le=100, allow_inf_nan=False)],
    note: Annotated[str | None, Form(max_length=2000)] = None,
    target_met: Annotated[int | None, Form(ge=1, le=10_000)] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
):
    """One progress report with its files (multipart: `task`, `unit`, `percent`,
    optional `note` and `target_met`, up to five `files`). The files are kept
    as the task's evidence first, then the report names them; a refused report
    leaves them uploaded, and `evidence` answers their ids for another try
    (a JSON report's `evidence`)."""
    kept = [rpc.tasks.add_evidence(task=task, filename=item["filename"],
                                   content_type="application/octet-stream",
                                   content_b64=item["content_b64"],
                                   caller=caller.as_rpc())["id"]
            for item in inline_files(request, files)]
    item = {"task": task, "unit": unit, "percent": percent, "evidence": kept,
            **present(note=note and note.strip() or None, target_met=target_met)}
    answer = rpc.tasks.report_progress(items=[item], caller=caller.as_rpc(),
                                       source=caller.api_key or "portal",
                                       idempotency_key=f"request:{uuid.uuid4().hex}")
    return {**answer, "evidence": kept,
            "results": [explain_rejection(result) for result in answer.get("results", [])]}
