"""Written commitments (书面承诺): a unit promises a step, a date and a result."""
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, status

from ..auth import CurrentCaller, Writer
from ..idempotency import IdempotencyKey, answer_once
from ..rpc import Rpc, present, with_titles
from ..schemas import Code, CommitmentIn, Limit, Offset
from ..scope import Scope
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/commitments", tags=["commitments"])


@router.get("")
def list_commitments(caller: CurrentCaller, scope: Scope, rpc: Rpc, unit: Code | None = None,
                     task: Code | None = None,
                     status: Literal["open", "fulfilled"] | None = None,
                     limit: Limit = 100, offset: Offset = 0):
    """Written commitments within the caller's units, soonest promised first,
    each with its task's `title`."""
    scope.require(unit)
    answer = rpc.tasks.list_commitments(caller=caller.as_rpc(), limit=limit, offset=offset,
                                        **present(unit=unit, task=task, status=status))
    with_titles(rpc, caller.as_rpc(), answer["items"])
    return answer


@router.post("", status_code=status.HTTP_201_CREATED)
def create_commitment(request: Request, body: CommitmentIn, caller: Writer, scope: Scope,
                      rpc: Rpc, idempotency_key: IdempotencyKey = None):
    scope.require(body.unit)
    data = body.to_rpc()
    return answer_once(request, caller, idempotency_key, data,
                       lambda: rpc.tasks.create_commitment(data=data, caller=caller.as_rpc()))


@router.post("/{commitment_id}/fulfil")
def fulfil_commitment(commitment_id: Annotated[int, Path(ge=1, le=2**63 - 1)], caller: Writer,
                      rpc: Rpc):
    """Mark a commitment kept. The gateway cannot see whose it is without
    asking: the tasks service refuses (403) a caller outside its unit."""
    return rpc.tasks.fulfil_commitment(commitment_id=commitment_id, caller=caller.as_rpc())
