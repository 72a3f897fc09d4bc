"""Units: the city's departments, counties and offices."""
from fastapi import APIRouter, Request, status

from ..auth import Admin, CurrentCaller
from ..idempotency import IdempotencyKey, answer_once
from ..rpc import Rpc, all_items, present
from ..schemas import Code, UnitIn, UnitKind
from .version import PREFIX

router = APIRouter(prefix=f"{PREFIX}/units", tags=["units"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_unit(request: Request, body: UnitIn, caller: Admin, rpc: Rpc,
                idempotency_key: IdempotencyKey = None):
    data = body.to_rpc()
    return answer_once(request, caller, idempotency_key, data,
                       lambda: rpc.tasks.create_unit(data=data, caller=caller.as_rpc()))


@router.get("")
def list_units(caller: CurrentCaller, rpc: Rpc, kind: UnitKind | None = None,
               parent: Code | None = None):
    """Every unit, or those of a kind or under a parent, as `{"items", "total"}`."""
    items = all_items(rpc.tasks.list_units, caller=caller.as_rpc(),
                      **present(kind=kind, parent=parent))
    return {"items": items, "total": len(items)}


@router.get("/{code}")
def get_unit(code: str, caller: CurrentCaller, rpc: Rpc):
    """A unit; units are public within the platform, as the tasks service has it."""
    return rpc.tasks.get_unit(code=code, caller=caller.as_rpc())
