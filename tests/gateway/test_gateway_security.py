"""Lock-out, password changes, API key rotation and last use, rate limits,
the audit log and Idempotency-Keys on every creating POST."""
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

import gateway
from gateway.idempotency import prune
from gateway.models import ApiKey, AuditEntry, IdempotencyRecord, LoginFailure, utcnow
from gateway.ratelimit import RateLimited, RateLimiter

PROGRESS = [{"task": "T-001", "unit": "U01", "percent": 50}]
UNIT = {"code": "U9", "name": "新单位", "kind": "office"}
TASK = {"code": "T-9", "title": "新任务", "lead_unit": "U01", "start_date": "2026-01-01",
        "due_date": "2026-12-31", "targets": []}
COMMITMENT = {"task": "T-001", "unit": "U01", "step": "开工", "promised_date": "2026-05-01",
              "result": "开工建设"}


def sign_in(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


# Lock-out -------------------------------------------------------------------

def test_five_failures_lock_the_username_out_even_for_the_right_password(client, caplog):
    for _ in range(5):
        assert sign_in(client, "admin", "wrong").status_code == 401
    locked = sign_in(client, "admin", "admin-test-password")
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 15 * 60
    assert "locked-out username 'admin'" in caplog.text


def test_the_lock_opens_when_the_failures_leave_the_window(client, app):
    for _ in range(5):
        sign_in(client, "admin", "wrong")
    with app.state.db.session() as db:
        db.execute(update(LoginFailure).values(at=utcnow() - dt.timedelta(minutes=16)))
    assert sign_in(client, "admin", "admin-test-password").status_code == 200


def test_a_success_clears_the_failures(client, app):
    for _ in range(4):
        sign_in(client, "admin", "wrong")
    assert sign_in(client, "admin", "admin-test-password").status_code == 200
    for _ in range(4):
        sign_in(client, "admin", "wrong")
    assert sign_in(client, "admin", "admin-test-password").status_code == 200


def test_the_lock_out_is_per_username(client):
    for _ in range(5):
        sign_in(client, "nobody", "wrong")
    assert sign_in(client, "nobody", "wrong").status_code == 429
    assert sign_in(client, "admin", "admin-test-password").status_code == 200


def test_the_lock_out_is_configurable(settings, fake_rpc):
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    settings = settings.model_copy(update={"login_max_failures": 2})
    with TestClient(create_app(settings)) as client:
        sign_in(client, "admin", "wrong")
        sign_in(client, "admin", "wrong")
        assert sign_in(client, "admin", "admin-test-password").status_code == 429


# Password change ------------------------------------------------------------

def test_a_password_change_revokes_the_users_other_tokens(client, headers_for, sign_in):
    first = headers_for("operator", "U01")
    second = sign_in("operator1", "password-123")
    response = client.post("/api/v1/auth/password",
                           json={"current": "password-123", "new": "another-pass-456"},
                           headers=first)
    assert response.status_code == 204
    assert client.get("/api/v1/auth/me", headers=first).status_code == 200
    assert client.get("/api/v1/auth/me", headers=second).status_code == 401
    assert client.post("/api/v1/auth/token", data={
        "username": "operator1", "password": "password-123"}).status_code == 401
    assert client.post("/api/v1/auth/token", data={
        "username": "operator1", "password": "another-pass-456"}).status_code == 200


@pytest.mark.parametrize("body, status", [
    ({"current": "wrong-password", "new": "another-pass-456"}, 403),
    ({"current": "password-123", "new": "short"}, 422),
    ({"current": "password-123", "new": "password-123"}, 422),
    ({"current": "password-123", "new": "another-pass-456", "role": "admin"}, 422),
])
def test_password_change_bodies_are_checked(client, operator, body, status):
    response = client.post("/api/v1/auth/password", json=body, headers=operator)
    assert response.status_code == status
    assert "password-123" not in response.text


def test_wrong_current_passwords_count_towards_the_lock_out(client, operator):
    wrong = {"current": "wrong-password", "new": "another-pass-456"}
    for _ in range(5):
        assert client.post("/api/v1/auth/password", json=wrong, headers=operator).status_code == 403
    right = {"current": "password-123", "new": "another-pass-456"}
    assert client.post("/api/v1/auth/password", json=right, headers=operator).status_code == 429
    assert sign_in(client, "operator1", "password-123").status_code == 429


def test_an_api_key_has_no_password_to_change(client, key_for):
    response = client.post("/api/v1/auth/password",
                           json={"current": "whatever-1", "new": "another-pass-456"},
                           headers=key_for("U01"))
    assert response.status_code == 403


# API keys -------------------------------------------------------------------

def test_api_keys_are_listed_without_secrets_with_their_last_use(client, admin, app):
    created = client.post("/api/v1/api-keys", json={"name": "yz", "units": ["C01"]},
                          headers=admin).json()
    listed = client.get("/api/v1/api-keys", headers=admin).json()
    assert [key["name"] for key in listed] == ["yz"]
    assert listed[0]["last_used_at"] is None
    assert created["key"] not in str(listed)
    with app.state.db.session() as db:
        digest = db.scalar(select(ApiKey.digest))
    assert digest not in str(listed)
    assert set(listed[0]) == {"id", "name", "units", "created_at", "rotated_at", "revoked_at",
                              "last_used_at", "last_used_from", "expires_at", "access"}

    client.get("/api/v1/auth/me", headers={"X-API-Key": created["key"]})
    used = client.get("/api/v1/api-keys", headers=admin).json()[0]
    assert used["last_used_at"] is not None
    assert used["last_used_from"] == "testclient"


def test_last_use_is_written_at_most_once_a_minute(client, admin, app):
    key = client.post("/api/v1/api-keys", json={"name": "yz", "units": ["C01"]},
                      headers=admin).json()["key"]
    client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    with app.state.db.session() as db:
        db.execute(update(ApiKey).values(last_used_at=utcnow() - dt.timedelta(seconds=30)))
        before = db.scalar(select(ApiKey.last_used_at))
    client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    with app.state.db.session() as db:
        assert db.scalar(select(ApiKey.last_used_at)) == before


def test_a_rotated_key_answers_a_new_secret_once_and_the_old_stops(client, admin):
    created = client.post("/api/v1/api-keys", json={"name": "yz", "units": ["C01"]},
                          headers=admin).json()
    rotated = client.post(f"/api/v1/api-keys/{created['id']}/rotate", headers=admin)
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["id"] == created["id"] and new["units"] == ["C01"]
    assert new["key"] != created["key"]
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": created["key"]}).status_code == 401
    me = client.get("/api/v1/auth/me", headers={"X-API-Key": new["key"]}).json()
    assert me["api_key"] == "yz"
    assert client.get("/api/v1/api-keys", headers=admin).json()[0]["rotated_at"] is not None


def test_a_revoked_key_is_not_rotated_back(client, admin):
    created = client.post("/api/v1/api-keys", json={"name": "yz", "units": ["C01"]},
                          headers=admin).json()
    client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin)
    response = client.post(f"/api/v1/api-keys/{created['id']}/rotate", headers=admin)
    assert response.status_code == 409
    assert client.post("/api/v1/api-keys/999/rotate", headers=admin).status_code == 404
    listed = client.get("/api/v1/api-keys", headers=admin).json()
    assert listed[0]["revoked_at"] is not None


# Rate limits ----------------------------------------------------------------

def test_a_bucket_refills_with_time():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    for _ in range(60):
        limiter.take("user:a")
    with pytest.raises(RateLimited) as refused:
        limiter.take("user:a")
    assert refused.value.headers["Retry-After"] == "1"
    limiter.take("user:b")
    now[0] += 1.0
    limiter.take("user:a")
    with pytest.raises(RateLimited):
        limiter.take("user:a")


def test_zero_turns_the_limit_off():
    limiter = RateLimiter(0)
    for _ in range(10_000):
        limiter.take("user:a")


@pytest.fixture
def limited_client(settings, fake_rpc):
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.rpc import get_rpc
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}))
    app.dependency_overrides[get_rpc] = lambda: fake_rpc
    with TestClient(app) as client:
        yield client


def test_each_user_and_key_has_its_own_limit(limited_client):
    client = limited_client
    token = sign_in(client, "admin", "admin-test-password").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    key = client.post("/api/v1/api-keys", json={"name": "k", "units": ["U01"]},
                      headers=headers).json()["key"]
    for _ in range(2):
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    refused = client.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 429
    seconds = int(refused.headers["retry-after"])
    assert seconds >= 1
    # A stable code for machines, the wait in Chinese for people.
    assert refused.json() == {"detail": {"code": "rate_limited",
                                         "message": f"操作过于频繁，请 {seconds} 秒后再试。"}}
    for _ in range(3):
        assert client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 429


def test_guessing_credentials_is_limited_by_address(limited_client):
    statuses = [limited_client.get("/api/v1/auth/me", headers={"X-API-Key": f"guess-{n}"})
                .status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_the_default_limit_is_generous(settings):
    assert settings.rate_limit_per_minute == 600


# Audit log ------------------------------------------------------------------

def audit(client, admin, **params):
    response = client.get("/api/v1/audit", params=params, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_every_write_is_logged_with_who_what_and_how_it_ended(client, admin, key_for, fake_rpc):
    key = key_for("U01", name="yz-system")
    client.post("/api/v1/progress", json=PROGRESS, headers=key)
    entry = audit(client, admin, path="/api/v1/progress")["items"][0]
    assert entry["user"] == "api-key:yz-system"
    assert entry["role"] == "operator" and entry["api_key"] == "yz-system"
    assert entry["caller_units"] == ["U01"] and entry["units"] == ["U01"]
    assert entry["method"] == "POST" and entry["status"] == 200
    assert entry["request"] == PROGRESS
    assert entry["response"]["accepted"] == 1
    assert entry["address"] == "testclient"
    assert dt.datetime.fromisoformat(entry["at"]).tzinfo is not None


def test_path_ids_are_the_target(client, admin, fake_rpc):
    client.post("/api/v1/tasks/T-001/explain", json={"reason": "政策调整"}, headers=admin)
    entry = audit(client, admin, path="/api/v1/tasks/")["items"][0]
    assert entry["target"] == {"code": "T-001"}
    assert entry["route"] == "/api/v1/tasks/{code}/explain"


def test_passwords_and_keys_never_reach_the_log(client, admin, app):
    client.post("/api/v1/auth/token", data={"username": "admin", "password": "wrong-secret-1"})
    client.post("/api/v1/users", json={"username": "li", "password": "very-secret-2",
                                       "role": "leader"}, headers=admin)
    key = client.post("/api/v1/api-keys", json={"name": "k", "units": ["U01"]},
                      headers=admin).json()["key"]
    client.post("/api/v1/auth/password", json={"current": "admin-test-password",
                                               "new": "very-secret-3"}, headers=admin)
    with app.state.db.session() as db:
        logged = str([(row.request, row.response) for row in db.scalars(select(AuditEntry))])
    for secret in ("wrong-secret-1", "very-secret-2", key, "admin-test-password",
                   "very-secret-3", admin["Authorization"].split()[1]):
        assert secret not in logged
    assert "[redacted]" in logged


def test_a_group_robots_address_and_secret_never_reach_the_log(client, admin, app, fake_rpc):
    client.put("/api/v1/robots/U01/dingtalk", headers=admin, json={
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=tok-8c1e",
        "secret": "SECrobot-secret-7"})
    with app.state.db.session() as db:
        logged = str([(row.request, row.response) for row in db.scalars(
            select(AuditEntry).where(AuditEntry.path == "/api/v1/robots/U01/dingtalk"))])
    assert "tok-8c1e" not in logged and "SECrobot-secret-7" not in logged
    assert "[redacted]" in logged


def test_refused_and_anonymous_writes_are_logged_too(client, admin, leader, fake_rpc):
    client.post("/api/v1/progress", json=PROGRESS)
    client.post("/api/v1/progress", json=PROGRESS, headers=leader)
    client.post("/api/v1/auth/token", data={"username": "mallory", "password": "guess"})
    entries = audit(client, admin)["items"]
    by_path = [(entry["path"], entry["user"], entry["status"]) for entry in entries
               if entry["path"] != "/api/v1/users"]
    assert ("/api/v1/progress", None, 401) in by_path
    assert ("/api/v1/progress", "leader1", 403) in by_path
    sign_ins = [entry for entry in entries if entry["path"] == "/api/v1/auth/token"
                and entry["status"] == 401]
    assert sign_ins[0]["request"] == {"username": "mallory", "password": "[redacted]"}


def test_uploads_are_logged_by_size_not_content(client, admin, fake_rpc):
    client.post("/api/v1/tasks/T-001/evidence", headers=admin,
                files={"file": ("a.pdf", io.BytesIO(b"%PDF-1.4 secret"), "application/pdf")})
    entry = audit(client, admin, path="/api/v1/tasks/T-001/evidence")["items"][0]
    assert entry["request"]["bytes"] > 0 and "secret" not in str(entry["request"])
    assert entry["status"] == 201


def test_reads_are_not_logged(client, admin, fake_rpc):
    client.get("/api/v1/tasks", headers=admin)
    assert audit(client, admin, path="/api/v1/tasks")["total"] == 0


@pytest.mark.parametrize("path", [
    "/api/v1/tasks/export.xlsx", "/api/v1/tasks/T-001/evidence/5",
    "/api/v1/rankings/2026-Q3/export", "/api/v1/bulletins/2.pdf"])
def test_exports_and_downloads_are_logged_by_size(client, admin, fake_rpc, path):
    fake_rpc.answer("notify.get_bulletin", lambda bulletin_id, format: {
        "id": bulletin_id, "filename": "bulletin.pdf", "content_type": "application/pdf",
        "content_b64": "JVBERg=="})
    assert client.get(path, headers=admin).status_code == 200
    (entry,) = audit(client, admin, path=path)["items"]
    assert (entry["method"], entry["user"], entry["status"]) == ("GET", "admin", 200)
    assert entry["response"]["bytes"] > 0


def test_audit_filters(client, admin, operator, fake_rpc):
    client.post("/api/v1/progress", json=PROGRESS, headers=operator)
    client.post("/api/v1/tasks/T-001/close", headers=admin)
    assert [e["path"] for e in audit(client, admin, user="operator1")["items"]] == [
        "/api/v1/progress"]
    assert audit(client, admin, path="/api/v1/tasks")["total"] == 1
    assert audit(client, admin, path="/api/v1/t%")["total"] == 0
    page = audit(client, admin, limit=1, offset=1)
    assert len(page["items"]) == 1 and page["total"] >= 3
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert audit(client, admin, since=future)["total"] == 0
    assert audit(client, admin, until=future)["total"] == page["total"]
    assert client.get("/api/v1/audit", params={"since": "2026-13-01T00:00:00Z"},
                      headers=admin).status_code == 422


def test_the_audit_log_is_for_admins(client, operator, leader):
    assert client.get("/api/v1/audit", headers=operator).status_code == 403
    assert client.get("/api/v1/audit", headers=leader).status_code == 403


def test_the_audit_log_is_append_only(app):
    routes = [(path, sorted(operations)) for path, operations in app.openapi()["paths"].items()
              if path.startswith("/api/v1/audit")]
    assert routes == [("/api/v1/audit", ["get"])]
    source = "".join(path.read_text() for path in Path(gateway.__file__).parent.rglob("*.py"))
    assert not re.search(r"(update|delete)\(\s*AuditEntry", source)


# Idempotency-Key on every creating POST -------------------------------------

CREATING = [
    ("/api/v1/units", UNIT, {**UNIT, "name": "另一个"}, "tasks.create_unit"),
    ("/api/v1/tasks", TASK, {**TASK, "title": "另一个"}, "tasks.create_task"),
    ("/api/v1/commitments", COMMITMENT, {**COMMITMENT, "step": "另一个"},
     "tasks.create_commitment"),
    ("/api/v1/progress", PROGRESS, [{**PROGRESS[0], "percent": 60}], "tasks.report_progress"),
]


@pytest.mark.parametrize("path, body, other, method", CREATING)
def test_the_same_key_and_body_answers_the_first_answer(client, admin, fake_rpc, path, body,
                                                        other, method):
    headers = {**admin, "Idempotency-Key": "once-1"}
    first = client.post(path, json=body, headers=headers)
    again = client.post(path, json=body, headers=headers)
    assert first.status_code in (200, 201) and again.status_code == first.status_code
    assert again.json() == first.json()
    assert len(fake_rpc.called(method)) == 1
    conflict = client.post(path, json=other, headers=headers)
    assert conflict.status_code == 409
    assert len(fake_rpc.called(method)) == 1


def test_evidence_takes_an_idempotency_key_over_its_content(client, admin, fake_rpc):
    headers = {**admin, "Idempotency-Key": "upload-1"}

    def upload(content):
        return client.post("/api/v1/tasks/T-001/evidence", headers=headers,
                           files={"file": ("a.pdf", io.BytesIO(content), "application/pdf")})

    assert upload(b"%PDF-1.4 one").status_code == 201
    assert upload(b"%PDF-1.4 one").status_code == 201
    assert len(fake_rpc.called("tasks.add_evidence")) == 1
    assert upload(b"%PDF-1.4 two").status_code == 409


def test_one_key_on_two_endpoints_is_409(client, admin, fake_rpc):
    headers = {**admin, "Idempotency-Key": "shared"}
    assert client.post("/api/v1/units", json=UNIT, headers=headers).status_code == 201
    assert client.post("/api/v1/commitments", json=COMMITMENT,
                       headers=headers).status_code == 409


def test_keys_are_kept_a_day_and_pruned_after_the_retention(client, app, admin, fake_rpc):
    client.post("/api/v1/units", json=UNIT, headers={**admin, "Idempotency-Key": "old"})
    client.post("/api/v1/units", json=UNIT, headers={**admin, "Idempotency-Key": "new"})
    with app.state.db.session() as db:
        db.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "old")
                   .values(created_at=utcnow() - dt.timedelta(days=8)))
        db.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "new")
                   .values(created_at=utcnow() - dt.timedelta(days=2)))
    prune(app.state.db, dt.timedelta(days=app.state.settings.idempotency_retention_days),
          force=True)
    with app.state.db.session() as db:
        assert db.scalars(select(IdempotencyRecord.key)).all() == ["new"]


def test_the_retention_is_at_least_a_day(settings):
    with pytest.raises(ValueError):
        settings.model_validate({"idempotency_retention_days": 0})
