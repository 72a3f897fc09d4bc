"""/readyz and /metrics: readiness names what is down, metrics count requests by
route template and status; neither needs credentials nor counts against the
rate limit, and both are served on the operations port only, never on the
API's. The cluster proxy of /readyz is a stand-in (no broker in this tier)."""
import socket

import httpx
import pytest
from fastapi.testclient import TestClient
from nameko.exceptions import RpcTimeout
from prometheus_client.parser import text_string_to_metric_families

from gateway import health
from gateway.app import create_app
from gateway.ops import ops_app
from gateway.rpc import get_rpc
from tests.support.serving import serve


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Reply:
    def __init__(self, answer):
        self.answer = answer

    def result(self):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class StandInCluster:
    """ClusterRpcProxy whose services answer health() from `answers`."""

    answers = {}
    stopped = []

    def __init__(self, config, timeout=None):
        self.timeout = timeout

    def start(self):
        return self

    def stop(self):
        StandInCluster.stopped.append(self)

    def __getattr__(self, service):
        answer = StandInCluster.answers.get(service, {"service": service, "status": "ok"})
        health_method = type("Method", (), {"call_async": lambda _self: _Reply(answer)})()
        return type("Service", (), {"health": health_method})()


def samples(ops):
    response = ops.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples}


def test_ready_when_the_broker_and_every_service_answer(ops, monkeypatch):
    monkeypatch.setattr(health, "ClusterRpcProxy", StandInCluster)
    monkeypatch.setattr(StandInCluster, "answers", {})
    monkeypatch.setattr(StandInCluster, "stopped", [])
    response = ops.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "down": [], "checks": {
        "broker": "ok", "tasks": "ok", "warnings": "ok", "ranking": "ok", "notify": "ok"}}
    assert len(StandInCluster.stopped) == 1  # the connection is closed after each check


def test_not_ready_names_the_services_that_do_not_answer(ops, monkeypatch):
    monkeypatch.setattr(health, "ClusterRpcProxy", StandInCluster)
    monkeypatch.setattr(StandInCluster, "answers", {"ranking": RpcTimeout(3),
                                                    "notify": {"status": "degraded"}})
    response = ops.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["down"] == ["ranking", "notify"]
    assert body["checks"]["ranking"] == "RpcTimeout"
    assert body["checks"]["tasks"] == "ok"


def test_not_ready_without_a_broker(ops):
    # The tier's settings point at a port where nothing listens.
    response = ops.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"] != "ok"
    assert body["down"][0] == "broker"


def test_metrics_count_requests_by_route_template_and_status(client, ops, admin):
    before = samples(ops)
    client.get("/api/v1/tasks/T-001", headers=admin)
    client.get("/api/v1/tasks/T-002", headers=admin)
    client.get("/api/v1/tasks/NOPE", headers=admin)
    client.get("/no/such/path/12345")
    after = samples(ops)

    def grew(name, **labels):
        key = (name, frozenset(labels.items()))
        return after.get(key, 0) - before.get(key, 0)

    route = "/api/v1/tasks/{code}"
    assert grew("luoshi_gateway_requests_total", method="GET", route=route, status="200") == 2
    assert grew("luoshi_gateway_requests_total", method="GET", route=route, status="404") == 1
    assert grew("luoshi_gateway_request_duration_seconds_count", method="GET", route=route) == 3
    assert grew("luoshi_gateway_requests_total", method="GET", route="<unmatched>",
                status="404") == 1
    # No concrete path becomes a label.
    assert not any("T-001" in value or "12345" in value
                   for _, labels in after for _, value in labels)
    # The scrape is on the operations port, not among the API's requests.
    assert after[("luoshi_gateway_requests_in_progress", frozenset())] == 0
    assert after[("process_cpu_seconds_total", frozenset())] > 0


def test_health_and_metrics_skip_credentials_and_the_rate_limit(settings, fake_rpc, monkeypatch):
    monkeypatch.setattr(health, "ClusterRpcProxy", StandInCluster)
    monkeypatch.setattr(StandInCluster, "answers", {})
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 1}))
    app.dependency_overrides[get_rpc] = lambda: fake_rpc
    with TestClient(app) as client, TestClient(ops_app(app)) as ops:
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
            assert ops.get("/healthz").status_code == 200
            assert ops.get("/readyz").status_code == 200
            assert ops.get("/metrics").status_code == 200
        # The limit itself is in force for the API.
        statuses = {client.get("/api/v1/units").status_code for _ in range(3)}
        assert 429 in statuses


def test_readiness_and_metrics_are_not_on_the_api_port(client, admin):
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/healthz"]["get"]["tags"] == ["health"]
    assert "/readyz" not in paths and "/metrics" not in paths
    for path in ("/readyz", "/metrics"):
        assert client.get(path).status_code == 404
        assert client.get(path, headers=admin).status_code == 404


def test_the_operations_port_serves_health_readiness_and_metrics(settings, fake_rpc,
                                                                 monkeypatch):
    """Through real servers: the API port answers /healthz and not /metrics or
    /readyz; the operations port, started and stopped with the app, answers all three."""
    monkeypatch.setattr(health, "ClusterRpcProxy", StandInCluster)
    monkeypatch.setattr(StandInCluster, "answers", {})
    ops_port = free_port()
    app = create_app(settings.model_copy(update={"ops_port": ops_port}))
    app.dependency_overrides[get_rpc] = lambda: fake_rpc
    with serve(app) as url:
        api = httpx.Client(base_url=url, timeout=10)
        operations = httpx.Client(base_url=f"http://127.0.0.1:{ops_port}", timeout=10)
        assert api.get("/healthz").json() == {"status": "ok"}
        assert api.get("/metrics").status_code == 404
        assert api.get("/readyz").status_code == 404
        assert operations.get("/healthz").json() == {"status": "ok"}
        assert operations.get("/readyz").json()["ready"] is True
        metrics = operations.get("/metrics")
        assert metrics.status_code == 200 and "luoshi_gateway_requests_total" in metrics.text
        assert operations.get("/api/v1/units").status_code == 404  # no API here
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{ops_port}/healthz", timeout=5)


def test_a_taken_operations_port_stops_the_start(settings):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        app = create_app(settings.model_copy(update={"ops_port": taken.getsockname()[1]}))
        with pytest.raises(RuntimeError, match="LUOSHI_OPS_PORT"), TestClient(app):
            pass


def test_readiness_is_checked_once_for_many_callers(ops, monkeypatch):
    monkeypatch.setattr(health, "ClusterRpcProxy", StandInCluster)
    monkeypatch.setattr(StandInCluster, "answers", {})
    monkeypatch.setattr(StandInCluster, "stopped", [])
    for _ in range(20):
        assert ops.get("/readyz").status_code == 200
    assert len(StandInCluster.stopped) == 1  # one broker connection for all twenty
