"""Written commitments (书面承诺): a unit promises a step, a date and a result."""
from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from ..auth import Writer
from ..idempotency import IdempotencyKey, answer_once
from ..rpc import Rpc
from ..schemas import CommitmentIn
from ..scope import Scope

router = APIRouter(prefix="/api/v1/commitments", tags=["commitments"])


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
