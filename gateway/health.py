"""Health and metrics of the gateway: /healthz (alive), /readyz (the broker and
every service answer) and /metrics (Prometheus).

/healthz is on the API port too (a load balancer's check of the process that
serves it); /readyz and /metrics are only on the operations port
(LUOSHI_OPS_PORT, gateway/ops.py), which the ingress does not route: who may
see the platform's figures and probe the broker through it is decided by the
network, not by a token. None of them takes credentials, counts against a
rate limit or writes to the audit log.
"""
import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from nameko.standalone.rpc import ClusterRpcProxy

SERVICES = ("tasks", "warnings", "ranking", "notify")
# Readiness answers within about this long even when every service is down: the
# health calls go out at once and share one deadline.
READY_TIMEOUT_SECONDS = 3

router = APIRouter(tags=["health"])
# What the operations port serves beside /healthz.
ops_router = APIRouter(tags=["health"])


@router.get("/healthz")
@ops_router.get("/healthz")
def healthz():
    """{"status": "ok"} while the process serves requests; touches nothing else."""
    return {"status": "ok"}


def check_services(amqp_uri: str, timeout: float = READY_TIMEOUT_SECONDS) -> dict:
    """{"broker": ..., "tasks": ..., ...}: "ok" for each part that answered its
    health RPC within `timeout`, else the name of what went wrong."""
    checks = {}
    try:
        standalone = ClusterRpcProxy({"AMQP_URI": amqp_uri, "serializer": "json"},
                                     timeout=timeout)
        cluster = standalone.start()
    except Exception as exc:  # any failure means: not ready
        return {"broker": type(exc).__name__}
    try:
        checks["broker"] = "ok"
        deadline = time.monotonic() + timeout
        replies = {}
        for service in SERVICES:
            try:
                replies[service] = getattr(cluster, service).health.call_async()
            except Exception as exc:
                checks[service] = type(exc).__name__
        # The proxy waits `timeout` for each reply it is asked for; shrinking it to
        # what is left of the deadline bounds the whole check, however many are down.
        consumer = getattr(getattr(standalone, "_reply_listener", None), "queue_consumer", None)
        for service, reply in replies.items():
            if consumer is not None:
                consumer.timeout = max(0.05, deadline - time.monotonic())
            try:
                checks[service] = reply.result()["status"]
            except Exception as exc:
                checks[service] = type(exc).__name__
    finally:
        try:
            standalone.stop()
        except Exception:  # a broken connection may fail to close; it is dropped anyway
            pass
    return {name: checks[name] for name in ("broker", *SERVICES) if name in checks}


class Readiness:
    """The last readiness check, kept `seconds`: the probes and callers within
    that share one check (one broker connection), however many arrive, so that
    /readyz costs the broker nothing when hammered."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._checked_at = None
        self._checks = None

    def checks(self, amqp_uri: str) -> dict:
        # Held through the check: callers arriving meanwhile wait for its answer
        # rather than each opening a connection of their own.
        with self._lock:
            fresh = (self._checked_at is not None
                     and time.monotonic() - self._checked_at < self.seconds)
            if not fresh:
                self._checks = check_services(amqp_uri)
                self._checked_at = time.monotonic()
            return self._checks


@ops_router.get("/readyz", responses={503: {"description": "A part does not answer"}})
def readyz(request: Request):
    """200 when the broker and every service answer their health RPC within
    3 s, else 503. Body: {"ready", "checks": {part: "ok" or what failed},
    "down": [parts]}. An answer is reused for LUOSHI_READY_CACHE_SECONDS."""
    checks = request.app.state.readiness.checks(request.app.state.settings.amqp_uri)
    down = [part for part in ("broker", *SERVICES) if checks.get(part) != "ok"]
    return JSONResponse({"ready": not down, "checks": checks, "down": down},
                        status_code=503 if down else 200)


class PrometheusText(Response):
    media_type = "text/plain"


@ops_router.get("/metrics", response_class=PrometheusText,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics(request: Request):
    """The gateway process's metrics in Prometheus' text format: requests by
    route template and status, their latency, RPC calls by service and method."""
    body, content_type = request.app.state.metrics.exposition()
    return Response(body, media_type=content_type)
