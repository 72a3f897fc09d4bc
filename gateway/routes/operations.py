"""Operators' endpoints: the messages each service parked after failing every
retry (inspect, then replay once the cause is fixed). Health and readiness are
in gateway/health.py."""
from typing import Annotated, Literal

from fastapi import APIRouter, Body
from pydantic import AfterValidator

from ..auth import Admin
from ..rpc import Rpc
from ..text import check_storable
from .version import PREFIX

Service = Literal["tasks", "warnings", "ranking", "notify"]

router = APIRouter(prefix=f"{PREFIX}/admin", tags=["operations"])


@router.get("/parked/{service}")
def list_parked(service: Service, caller: Admin, rpc: Rpc):
    """The service's parked messages: event_id, queue, attempts, error, body."""
    return {"items": getattr(rpc, service).list_parked()}


@router.post("/parked/{service}/replay")
def replay_parked(service: Service, caller: Admin, rpc: Rpc,
                  event_ids: Annotated[list[Annotated[str, AfterValidator(check_storable)]] | None,
                                      Body(embed=True)] = None):
    """Send parked messages back to their queues: those listed, or all."""
    return getattr(rpc, service).replay_parked(event_ids=event_ids)
