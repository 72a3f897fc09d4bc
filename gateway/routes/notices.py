"""Supervision notices (督办单) and the warning rules the office sets."""
from typing import Annotated

from fastapi import APIRouter, Path, status

from ..auth import Admin, CurrentCaller, Writer
from ..messages import refusal
from ..rpc import Rpc, present
from ..schemas import Code, Limit, NoticeAnswerIn, NoticeCloseIn, NoticeIn, Offset, RulesIn
from ..scope import Scope
from .version import PREFIX

router = APIRouter(prefix=PREFIX, tags=["notices"])
NoticeId = Annotated[int, Path(ge=1, le=2**63 - 1)]



def _notice_in_scope(rpc, scope, notice_id: int) -> dict:
    """The notice, after a 403 for a caller outside the unit it is addressed to
    (the warnings service does not know the unit tree)."""
    notice = rpc.warnings.get_notice(notice_id=notice_id)
    scope.require(notice["unit"])
    return notice


# Who acknowledges and answers a notice, as the warnings service judges it
# (_notice_for): the office, or an operator (a person or a county key) of the
# very unit it is addressed to. Neither an evaluator nor a unit above the
# addressed one speaks for it: the notice goes to that unit's head.
NOTICE_ANSWERING_ROLES = ("admin", "operator")


def _notice_to_answer(rpc, caller, notice_id: int) -> dict:
    """The notice, after a 403 for a caller who may not acknowledge or answer it."""
    if caller.role not in NOTICE_ANSWERING_ROLES:
        raise refusal(status.HTTP_403_FORBIDDEN, "notice_unit_only")
    notice = rpc.warnings.get_notice(notice_id=notice_id)
    if not caller.covers(notice["unit"]):
        raise refusal(status.HTTP_403_FORBIDDEN, "notice_unit_only")
    return notice


@router.get("/notices")
def list_notices(scope: Scope, rpc: Rpc, unit: Code | None = None, task: Code | None = None,
                 status: str | None = None, limit: Limit = 100, offset: Offset = 0):
    """Notices, newest first; a caller limited to several units names one."""
    return rpc.warnings.list_notices(
        limit=limit, offset=offset,
        **present(unit=scope.unit_filter(unit), task=task, status=status))


@router.post("/notices", status_code=status.HTTP_201_CREATED)
def issue_notice(caller: Admin, body: NoticeIn, rpc: Rpc):
    """Issue a notice on a task by hand, addressed to its lead unit."""
    return rpc.warnings.issue_notice(task=body.task, reason=body.reason, caller=caller.as_rpc())


@router.get("/notices/{notice_id}")
def get_notice(caller: CurrentCaller, notice_id: NoticeId, scope: Scope, rpc: Rpc):
    return _notice_in_scope(rpc, scope, notice_id)


@router.post("/notices/{notice_id}/ack")
def acknowledge_notice(caller: Writer, notice_id: NoticeId, rpc: Rpc):
    """The addressed unit's operator (or the office) acknowledges receipt."""
    _notice_to_answer(rpc, caller, notice_id)
    return rpc.warnings.acknowledge_notice(notice_id=notice_id, caller=caller.as_rpc())


@router.post("/notices/{notice_id}/answer")
def answer_notice(caller: Writer, notice_id: NoticeId, body: NoticeAnswerIn, rpc: Rpc):
    """The addressed unit's operator (or the office) answers with its plan,
    after acknowledging."""
    _notice_to_answer(rpc, caller, notice_id)
    return rpc.warnings.answer_notice(notice_id=notice_id, answer=body.answer,
                                      caller=caller.as_rpc())


@router.post("/notices/{notice_id}/close")
def close_notice(caller: Admin, notice_id: NoticeId, body: NoticeCloseIn, rpc: Rpc):
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
