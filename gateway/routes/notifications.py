"""The notification delivery log and inbox."""
from fastapi import APIRouter

from ..rpc import Rpc, present
from ..schemas import Code, Limit, Offset
from ..scope import Scope

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("")
def list_notifications(scope: Scope, rpc: Rpc, task: Code | None = None,
                       unit: Code | None = None, limit: Limit = 100, offset: Offset = 0):
    """Notifications sent or queued; the notify service does not scope by caller,
    so a caller limited to several units names one with `unit`."""
    return rpc.notify.list_notifications(
        limit=limit, offset=offset, **present(task=task, unit=scope.unit_filter(unit)))
