"""The app as a whole: factory, settings, OpenAPI, middleware, bad requests."""
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from gateway.app import create_app
from gateway.rpc import get_rpc
from gateway.settings import Settings


def test_healthz_needs_no_broker_and_no_credentials(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_openapi_document_and_docs(client):
    schema = client.get("/openapi.json").json()
    assert schema["info"] == {"title": "Luoshi 落实 API", "version": "1"}
    assert "/api/v1/tasks/{code}" in schema["paths"]
    assert schema["openapi"].startswith("3.1")
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/swagger-ui/swagger-ui-bundle.js" in page.text
    # Swagger UI 5 (npm's swagger-ui-dist) is the first to read OpenAPI 3.1.
    bundle = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert client.get("/static/swagger-ui/package.json").json()["version"].startswith("5.")


def test_docs_without_swagger_ui_installed_says_what_to_do(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, swagger_ui_dir=tmp_path / "missing"))
    with TestClient(app) as client:
        page = client.get("/docs")
        assert page.status_code == 503
        assert page.json()["detail"]["code"] == "docs_not_installed"
        assert client.get("/openapi.json").status_code == 200


def test_building_the_app_reads_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LUOSHI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LUOSHI_RPC_POOL_SIZE", "3")
    monkeypatch.setenv("LUOSHI_CORS_ORIGINS", "https://a.example, https://b.example")
    app = create_app()
    assert app.state.settings.rpc_pool_size == 3
    assert app.state.settings.cors_origins == ["https://a.example", "https://b.example"]
    assert app.state.settings.db_url == f"sqlite:///{tmp_path.resolve() / 'gateway.db'}"


def test_defaults():
    settings = Settings(_env_file=None)
    assert settings.env == "local"
    assert settings.amqp_uri == "amqp://guest:guest@127.0.0.1:5672/"
    assert settings.token_ttl_minutes == 720
    assert (settings.rpc_pool_size, settings.rpc_timeout) == (8, 30)
    assert settings.cors_origins == []
    assert settings.max_body_bytes == 12 * 1024 * 1024


@pytest.mark.parametrize("overrides", [
    {},
    {"secret": "change-me", "admin_password": "a-real-password-42"},
    {"secret": "s3cr3t-from-the-vault-91", "admin_password": "changeme"},
    {"secret": "s3cr3t-from-the-vault-91"},
    {"secret": "s3cr3t-from-the-vault-91", "admin_password": "a-real-password-42"},
    {"secret": "s3cr3t-from-the-vault-91", "admin_password": "a-real-password-42",
     "caller_key": "local-dev-caller-key"},
])
def test_production_refuses_missing_or_placeholder_secrets(overrides):
    with pytest.raises(ValidationError):
        Settings(env="production", **overrides)


def test_production_starts_with_real_secrets(tmp_path):
    settings = Settings(env="production", data_dir=tmp_path, secret="s3cr3t-from-the-vault-91",
                        admin_password="a-real-password-42",
                        caller_key="caller-key-from-the-vault-17")
    assert create_app(settings).state.settings.env == "production"


def test_without_a_broker_the_app_starts_and_answers_503(settings):
    # No dependency override: the real pool, pointing at a port nothing listens on.
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        token = client.post("/api/v1/auth/token",
                            data={"username": "admin", "password": "admin-test-password"})
        response = client.get("/api/v1/units",
                              headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "detail" in response.json()


def test_without_a_broker_who_may_not_still_hears_401_and_403(settings):
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/v1/tasks/T-1/close").status_code == 401
        admin = client.post("/api/v1/auth/token",
                            data={"username": "admin", "password": "admin-test-password"})
        headers = {"Authorization": f"Bearer {admin.json()['access_token']}"}
        client.post("/api/v1/users", headers=headers, json={
            "username": "mayor", "password": "password-123", "role": "leader"})
        leader = client.post("/api/v1/auth/token",
                             data={"username": "mayor", "password": "password-123"})
        response = client.post("/api/v1/tasks/T-1/close", headers={
            "Authorization": f"Bearer {leader.json()['access_token']}"})
    assert response.status_code == 403


def test_cors_is_closed_unless_configured(client, tmp_path, fake_rpc):
    preflight = {"Origin": "https://portal.example", "Access-Control-Request-Method": "POST"}
    closed = client.options("/api/v1/tasks", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers

    app = create_app(Settings(data_dir=tmp_path / "open", cors_origins=["https://portal.example"]))
    with TestClient(app) as open_client:
        opened = open_client.options("/api/v1/tasks", headers=preflight)
        # An admin's change of a user is a PATCH.
        patch = open_client.options("/api/v1/users/wang", headers={
            **preflight, "Access-Control-Request-Method": "PATCH"})
    assert opened.headers["access-control-allow-origin"] == "https://portal.example"
    assert patch.status_code == 200 and "PATCH" in patch.headers["access-control-allow-methods"]


@pytest.fixture
def small_client(settings, fake_rpc, admin):
    """A client of an app that takes bodies of at most 2 KiB. It shares the
    database (and so the admin's token) of the `client` fixture's app."""
    small = create_app(settings.model_copy(update={"max_body_bytes": 2048}))
    small.dependency_overrides = {get_rpc: lambda: fake_rpc}
    with TestClient(small, headers={**admin, "Content-Type": "application/json"}) as client:
        yield client


def test_a_body_within_the_limit_passes(small_client, fake_rpc):
    response = small_client.post("/api/v1/progress",
                                 content=b'[{"task": "T-001", "unit": "U01", "percent": 5}]')
    assert response.status_code == 200


def test_a_declared_body_over_the_limit_is_413_json(small_client, fake_rpc):
    response = small_client.post("/api/v1/progress", content=b"[" + b" " * 4096 + b"]")
    assert response.status_code == 413
    assert response.json() == {"detail": {
        "code": "body_too_large",
        "message": "提交的内容过大（超过 2048 字节），请缩小文件或分批提交。"}}
    assert fake_rpc.calls == []


def test_a_streamed_body_over_the_limit_is_413_json(small_client, fake_rpc):
    def chunks():
        for _ in range(10):
            yield b" " * 1024

    response = small_client.post("/api/v1/progress", content=chunks())
    assert response.status_code == 413
    assert response.json() == {"detail": {
        "code": "body_too_large",
        "message": "提交的内容过大（超过 2048 字节），请缩小文件或分批提交。"}}
    assert fake_rpc.calls == []


def test_invalid_json_is_422(client, admin):
    response = client.post("/api/v1/progress", content=b'[{"task": ',
                           headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_invalid_utf8_is_400(client, admin):
    response = client.post("/api/v1/progress", content=b'[{"task": "\xff\xfe"}]',
                           headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml"])
def test_a_json_route_refuses_other_content_types_with_4xx(client, admin, fake_rpc, content_type):
    response = client.post("/api/v1/units", content=b'{"code": "U9"}',
                           headers={**admin, "Content-Type": content_type})
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()
    assert fake_rpc.calls == []


def test_a_multipart_route_refuses_a_broken_body_with_400(client, admin, fake_rpc):
    response = client.post("/api/v1/tasks/T-001/evidence", content=b"not multipart",
                           headers={**admin, "Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code == 400
    assert fake_rpc.calls == []


def test_unknown_fields_are_refused(client, admin, fake_rpc):
    body = {"code": "U9", "name": "新单位", "kind": "office", "status": "deleted"}
    response = client.post("/api/v1/units", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    assert fake_rpc.calls == []


def test_parked_messages_are_for_admins(client, admin, operator, fake_rpc):
    fake_rpc.answer("warnings.list_parked", [{"event_id": "e1", "queue": "q", "attempts": 6,
                                              "error": "RuntimeError: boom", "body": {}}])
    fake_rpc.answer("warnings.replay_parked", {"replayed": 1})
    assert client.get("/api/v1/admin/parked/warnings", headers=operator).status_code == 403
    listed = client.get("/api/v1/admin/parked/warnings", headers=admin)
    assert listed.status_code == 200 and listed.json()["items"][0]["event_id"] == "e1"
    replayed = client.post("/api/v1/admin/parked/warnings/replay", json={"event_ids": ["e1"]},
                           headers=admin)
    assert replayed.json() == {"replayed": 1}
    assert fake_rpc.called("warnings.replay_parked") == [{"event_ids": ["e1"]}]
    assert client.get("/api/v1/admin/parked/nowhere", headers=admin).status_code == 422
