"""Operators' endpoints: readiness, and the messages each service parked after
failing every retry (inspect, then replay once the cause is fixed)."""
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from nameko.standalone.rpc import ClusterRpcProxy

from ..auth import Admin
from ..rpc import Rpc

SERVICES = ("tasks", "warnings", "ranking", "notify")
Service = Literal["tasks", "warnings", "ranking", "notify"]
# Readiness must answer quickly even when a service is down.
READY_TIMEOUT_SECONDS = 3

router = APIRouter(tags=["operations"])


@router.get("/readyz")
def readyz(request: Request):
    """200 when the broker and every service answer, else 503 naming what does not."""
    checks = {}
    try:
        with ClusterRpcProxy({"AMQP_URI": request.app.state.settings.amqp_uri},
                             timeout=READY_TIMEOUT_SECONDS) as cluster:
            checks["broker"] = "ok"
            for service in SERVICES:
                try:
                    checks[service] = getattr(cluster, service).health()["status"]
                except Exception as exc:  # any failure means: not ready
                    checks[service] = type(exc).__name__
    except Exception as exc:
        checks["broker"] = type(exc).__name__
    ready = all(value == "ok" for value in checks.values()) and len(checks) > 1
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/api/v1/admin/parked/{service}")
def list_parked(service: Service, caller: Admin, rpc: Rpc):
    """The service's parked messages: event_id, queue, attempts, error, body."""
    return {"items": getattr(rpc, service).list_parked()}


@router.post("/api/v1/admin/parked/{service}/replay")
def replay_parked(service: Service, caller: Admin, rpc: Rpc,
                  event_ids: Annotated[list[str] | None, Body(embed=True)] = None):
    """Send parked messages back to their queues: those listed, or all."""
    return getattr(rpc, service).replay_parked(event_ids=event_ids)
