"""The gateway's Prometheus metrics, served at GET /metrics.

Requests are counted and timed by method, route template (`/api/v1/tasks/{code}`,
never the concrete path, so the number of series stays bounded) and status; RPC
calls to the services by service, method and outcome. Each app keeps its own
registry, so that several apps in one process (the tests) count apart; the
process collectors (CPU, memory, open files) are registered on it too.
"""
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A request that matched no route: one series for all of them, whatever the path.
UNMATCHED = "<unmatched>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class GatewayMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "luoshi_gateway_requests_total", "HTTP requests answered.",
            ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram(
            "luoshi_gateway_request_duration_seconds",
            "Time from a request's arrival to the end of its answer.",
            ["method", "route"], buckets=REQUEST_BUCKETS, registry=self.registry)
        self.in_progress = Gauge(
            "luoshi_gateway_requests_in_progress", "Requests being answered now.",
            registry=self.registry)
        self.rpc_latency = Histogram(
            "luoshi_gateway_rpc_duration_seconds",
            "RPC calls to the services: ok, remote_error (the service raised, an "
            "expected error included), timeout or error (the broker).",
            ["service", "method", "outcome"], buckets=REQUEST_BUCKETS,
            registry=self.registry)

    def observe_rpc(self, service, method, outcome, seconds):
        self.rpc_latency.labels(service, method, outcome).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


class RequestMetrics:
    """ASGI middleware counting and timing every HTTP request. Added last, so it
    wraps the other middleware (the audit log's time is in the figure) and sees
    the status they answer; an exception that escapes counts as a 500."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.metrics.in_progress.dec()
            route = route_template(scope)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
