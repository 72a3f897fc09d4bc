"""Units: the city's departments, counties and offices."""
from fastapi import APIRouter, Request, status

from ..auth import Admin, CurrentCaller
from ..db import DbSession
from ..idempotency import IdempotencyKey, answer_once
from ..people import with_names
from ..rpc import Rpc, all_items, present
from ..schemas import Code, MergeIn, ReasonIn, UnitIn, UnitKind, UnitPatchIn
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


@router.patch("/{code}")
def update_unit(request: Request, code: str, body: UnitPatchIn, caller: Admin, rpc: Rpc):
    """Rename the unit or give it a new head or operator (with an optional
    `reason`): messages from the next one on reach the new contacts."""
    unit = rpc.tasks.update_unit(code=code, changes=body.changes(), caller=caller.as_rpc())
    request.app.state.unit_names.forget()
    return unit


@router.post("/{code}/retire")
def retire_unit(code: str, body: ReasonIn, caller: Admin, rpc: Rpc):
    """Retire the unit, for a reason; refused (409) while it leads open tasks:
    merge it into another instead."""
    return rpc.tasks.retire_unit(code=code, reason=body.reason, caller=caller.as_rpc())


@router.post("/{code}/merge")
def merge_unit(request: Request, code: str, body: MergeIn, caller: Admin, rpc: Rpc):
    """Merge the unit into another: its open tasks' lead, cooperation and targets
    not yet due move to it, each move kept in the task's history; then the unit
    is retired."""
    answer = rpc.tasks.merge_units(code=code, into=body.into, reason=body.reason,
                                   caller=caller.as_rpc())
    request.app.state.unit_names.forget()
    return answer


@router.get("/{code}/history")
def get_unit_history(code: str, caller: CurrentCaller, rpc: Rpc, db: DbSession):
    """Every change of the unit after its creation, oldest first, each with who
    made it by name (`changed_by_name`)."""
    history = rpc.tasks.get_unit_history(code=code, caller=caller.as_rpc())
    with_names(db, history["items"], "changed_by")
    return history
