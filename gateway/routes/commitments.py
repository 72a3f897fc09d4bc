"""Written commitments (书面承诺): a unit promises a step, a date and a result."""
from fastapi import APIRouter, status

from ..auth import Writer
from ..rpc import Rpc
from ..schemas import CommitmentIn
from ..scope import Scope

router = APIRouter(prefix="/api/v1/commitments", tags=["commitments"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_commitment(body: CommitmentIn, caller: Writer, scope: Scope, rpc: Rpc):
    scope.require(body.unit)
    return rpc.tasks.create_commitment(data=body.to_rpc(), caller=caller.as_rpc())


@router.post("/{commitment_id}/fulfil")
def fulfil_commitment(commitment_id: int, caller: Writer, rpc: Rpc):
    return rpc.tasks.fulfil_commitment(commitment_id=commitment_id, caller=caller.as_rpc())
