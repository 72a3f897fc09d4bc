"""Supervision notices (督办单) and the warning rules the office sets."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from policy import policy

from ..auth import Admin, Caller, CurrentCaller, Writer, permitted
from ..db import DbSession
from ..messages import refusal
from ..people import with_names
from ..rpc import Rpc, present
from ..schemas import Code, Limit, NoticeAnswerIn, NoticeCloseIn, NoticeIn, Offset, RulesIn
from ..scope import Scope
from .overview import readable_tasks
from .version import PREFIX

router = APIRouter(prefix=PREFIX, tags=["notices"])
NoticeId = Annotated[int, Path(ge=1, le=2**63 - 1)]



def named_notices(db, notices: list[dict]) -> list[dict]:
    """The notices with who issued and who acknowledged each by name
    (`issued_by_name`: 系统 for those issued automatically; `acknowledged_by_name`)."""
    return with_names(db, notices, "issued_by", "acknowledged_by")


def _notice_in_scope(rpc, scope, notice_id: int) -> dict:
    """The notice, after a 403 for a caller outside the unit it is addressed to
    (the warnings service does not know the unit tree)."""
    notice = rpc.warnings.get_notice(notice_id=notice_id)
    scope.require(notice["unit"])
    return notice


def _notice_to_answer(rpc, scope, caller, notice_id: int, action: str) -> dict:
    """The notice, after a 403 for a caller the authorisation table does not let
    do `action` on it (policy/authorisation.json, which the warnings service
    follows too: the office, or an operator of the very unit it is addressed
    to; neither an evaluator nor a unit above it speaks for that unit)."""
    if not policy().role_may(action, caller.role):
        raise refusal(status.HTTP_403_FORBIDDEN, "notice_unit_only")
    notice = rpc.warnings.get_notice(notice_id=notice_id)
    if not scope.allows(action, notice["unit"]):
        raise refusal(status.HTTP_403_FORBIDDEN, "notice_unit_only")
    return notice


@router.get("/notices")
def list_notices(scope: Scope, rpc: Rpc, db: DbSession, unit: Code | None = None,
                 task: Code | None = None, status: str | None = None, limit: Limit = 100,
                 offset: Offset = 0):
    """Notices, newest first, each with its task's `title` (people read a task by
    its title) and who issued and acknowledged it by name; a caller limited to
    several units names one."""
    page = rpc.warnings.list_notices(
        limit=limit, offset=offset,
        **present(unit=scope.unit_filter(unit), task=task, status=status))
    tasks = readable_tasks(rpc, scope, [notice["task"] for notice in page["items"]])
    return {**page, "items": named_notices(db, [
        {**notice, "title": (tasks.get(notice["task"]) or {}).get("title")}
        for notice in page["items"]])}


@router.post("/notices", status_code=status.HTTP_201_CREATED)
def issue_notice(caller: Annotated[Caller, Depends(permitted("notice.issue"))], body: NoticeIn,
                 rpc: Rpc):
    """Issue a notice on a task by hand, addressed to its lead unit."""
    return rpc.warnings.issue_notice(task=body.task, reason=body.reason, caller=caller.as_rpc())


@router.get("/notices/{notice_id}")
def get_notice(caller: CurrentCaller, notice_id: NoticeId, scope: Scope, rpc: Rpc,
               db: DbSession):
    return named_notices(db, [_notice_in_scope(rpc, scope, notice_id)])[0]


@router.post("/notices/{notice_id}/ack")
def acknowledge_notice(caller: Writer, notice_id: NoticeId, scope: Scope, rpc: Rpc):
    """The addressed unit's operator (or the office) acknowledges receipt."""
    _notice_to_answer(rpc, scope, caller, notice_id, "notice.acknowledge")
    return rpc.warnings.acknowledge_notice(notice_id=notice_id, caller=caller.as_rpc())


@router.post("/notices/{notice_id}/answer")
def answer_notice(caller: Writer, notice_id: NoticeId, body: NoticeAnswerIn, scope: Scope,
                  rpc: Rpc):
    """The addressed unit's operator (or the office) answers with its plan,
    after acknowledging."""
    _notice_to_answer(rpc, scope, caller, notice_id, "notice.answer")
    return rpc.warnings.answer_notice(notice_id=notice_id, answer=body.answer,
                                      caller=caller.as_rpc())


@router.post("/notices/{notice_id}/close")
def close_notice(caller: Annotated[Caller, Depends(permitted("notice.close"))],
                 notice_id: NoticeId, body: NoticeCloseIn, rpc: Rpc):
    """Close a notice: its item has recovered, or the office decides (`reason`)."""
    return rpc.warnings.close_notice(notice_id=notice_id, caller=caller.as_rpc(),
                                     **present(reason=body.reason))


@router.get("/rules")
def get_rules(caller: CurrentCaller, rpc: Rpc):
    """The warning rules in force, with their version."""
    return rpc.warnings.get_rules()


@router.put("/rules")
def update_rules(caller: Admin, body: RulesIn, rpc: Rpc):
    """Store a new version of the rules; fields left out keep their values."""
    return rpc.warnings.update_rules(data=body.rules, caller=caller.as_rpc(),
                                     **present(note=body.note))


@router.get("/rules/versions")
def list_rule_versions(caller: CurrentCaller, rpc: Rpc, limit: Limit = 100, offset: Offset = 0):
    return rpc.warnings.list_rule_versions(limit=limit, offset=offset)
