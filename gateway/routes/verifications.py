"""复核: the office's queue of the units' requests (closing a task, a 13710 stage,
a kept commitment), its confirmation or send-back, and its verification policy
(per kind: none, all, or a random share). Units read their own requests as
待复核 / 已计入 / 被退回; never whether a request was drawn."""
from typing import Annotated, Literal

from fastapi import APIRouter, Path

from ..auth import Admin, CurrentCaller
from ..rpc import Rpc, present
from ..schemas import Code, Limit, Offset, ReasonIn, RulesIn
from .version import PREFIX

router = APIRouter(prefix=PREFIX, tags=["verifications"])

VerificationId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Literal["pending", "confirmed", "returned", "counted", "all"]
Kind = Literal["closure", "clock_stage", "commitment"]


@router.get("/verifications")
def list_verifications(caller: CurrentCaller, rpc: Rpc, status: Status = "pending",
                       kind: Kind | None = None, task: Code | None = None,
                       limit: Limit = 100, offset: Offset = 0):
    """Requests, oldest first (default: those waiting for the office), each with
    its task's title, its unit's name, its kind, when it was asked and what it
    claims; `counts` the waiting ones by kind. A unit reads its own."""
    return rpc.tasks.list_verifications(
        caller=caller.as_rpc(), status=None if status == "all" else status, limit=limit,
        offset=offset, **present(kind=kind, task=task))


@router.post("/verifications/{verification_id}/confirm")
def confirm_verification(verification_id: VerificationId, caller: Admin, rpc: Rpc):
    """The office confirms a request: it counts, as of the unit's own day."""
    return rpc.tasks.confirm_verification(verification_id=verification_id,
                                          caller=caller.as_rpc())


@router.post("/verifications/{verification_id}/return")
def return_verification(verification_id: VerificationId, body: ReasonIn, caller: Admin,
                        rpc: Rpc):
    """The office sends a request back (退回) with its reason; it counts against
    the unit in the ranking."""
    return rpc.tasks.return_verification(verification_id=verification_id, reason=body.reason,
                                         caller=caller.as_rpc())


@router.get("/verification-policy")
def get_verification_policy(caller: Admin, rpc: Rpc):
    """The policy in force: per kind {mode: none | all | share, percent}."""
    return rpc.tasks.get_verification_policy(caller=caller.as_rpc())


@router.put("/verification-policy")
def update_verification_policy(body: RulesIn, caller: Admin, rpc: Rpc):
    """A new version of the policy; kinds left out keep theirs."""
    return rpc.tasks.update_verification_policy(data=body.rules, caller=caller.as_rpc(),
                                                **present(note=body.note))


@router.get("/verification-policy/versions")
def list_verification_policy_versions(caller: Admin, rpc: Rpc, limit: Limit = 20,
                                      offset: Offset = 0):
    return rpc.tasks.list_verification_policy_versions(caller=caller.as_rpc(), limit=limit,
                                                       offset=offset)
