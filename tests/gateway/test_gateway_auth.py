"""Sign-in, tokens, API keys, users and who may do what."""
import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from gateway.app import create_app
from gateway.models import ApiKey, Token, User
from tests.support.waiting import eventually

PROGRESS = [{"task": "T-001", "unit": "U01", "percent": 50}]


def test_the_bootstrap_admin_signs_in_with_the_configured_password(client, sign_in):
    headers = sign_in("admin", "admin-test-password")
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me == {"user": "admin", "role": "admin", "units": None, "api_key": None,
                  "must_change_password": False, "read_only": False,
                  "name": "系统管理员"}


def test_without_a_configured_password_one_is_generated_and_printed_once(
        settings, fake_rpc, capsys):
    settings = settings.model_copy(update={"admin_password": None})
    with TestClient(create_app(settings)) as client:
        printed = capsys.readouterr().out
        assert printed.startswith("admin password: ")
        password = printed.split(": ", 1)[1].strip()
        token = client.post("/api/v1/auth/token", data={"username": "admin", "password": password})
        assert token.status_code == 200
    with TestClient(create_app(settings)):
        assert "admin password" not in capsys.readouterr().out


def test_token_answer(client):
    response = client.post("/api/v1/auth/token",
                           data={"username": "admin", "password": "admin-test-password"})
    body = response.json()
    assert body["token_type"] == "bearer"
    assert len(body["access_token"]) >= 40
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    remaining = expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=715) < remaining <= dt.timedelta(minutes=720)


def test_tokens_are_stored_only_as_digests(client, app):
    token = client.post("/api/v1/auth/token",
                        data={"username": "admin", "password": "admin-test-password"}
                        ).json()["access_token"]
    with app.state.db.session() as db:
        digests = db.scalars(select(Token.digest)).all()
    assert digests and token not in digests


@pytest.mark.parametrize("username, password", [("admin", "wrong"), ("nobody", "wrong")])
def test_a_wrong_password_is_401(client, username, password):
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_the_token_endpoint_wants_a_form(client):
    response = client.post("/api/v1/auth/token",
                           json={"username": "admin", "password": "admin-test-password"})
    assert response.status_code == 422


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-a-token"},
    {"X-API-Key": "not-a-key"},
])
@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/progress"), ("post", "/api/v1/tasks/T-001/close"),
    ("get", "/api/v1/tasks"), ("post", "/api/v1/users"),
])
def test_anonymous_callers_get_401(client, fake_rpc, headers, method, path):
    response = client.request(method, path, headers=headers, json=PROGRESS)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert fake_rpc.calls == []


def test_an_expired_token_is_401(client, app, admin):
    with app.state.db.session() as db:
        db.execute(update(Token).values(expires_at=dt.datetime(2000, 1, 1)))
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 401


def test_a_sign_in_forgets_the_tokens_expired_over_a_day_ago(app, sign_in):
    def tokens(expired=None):
        with app.state.db.session() as db:
            if expired is not None:
                db.execute(update(Token).values(expires_at=dt.datetime.now(dt.UTC).replace(
                    tzinfo=None) - expired))
            return db.scalar(select(func.count()).select_from(Token))

    sign_in("admin", "admin-test-password")
    assert tokens(expired=dt.timedelta(hours=25)) >= 1
    sign_in("admin", "admin-test-password")
    assert tokens() == 1  # the new one alone
    tokens(expired=dt.timedelta(hours=23))
    sign_in("admin", "admin-test-password")
    assert tokens() == 2  # expired within the day: kept a while yet


def test_logout_revokes_the_token(client, admin):
    assert client.post("/api/v1/auth/logout", headers=admin).status_code == 204
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 401


def test_admin_creates_users(client, admin, app):
    body = {"username": "wang", "password": "long-enough-1", "role": "operator", "unit": "U02"}
    response = client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 201
    answer = response.json()
    assert {key: answer[key] for key in ("username", "role", "unit", "status")} == {
        "username": "wang", "role": "operator", "unit": "U02", "status": "active"}
    with app.state.db.session() as db:
        stored = db.scalar(select(User.password_hash).where(User.username == "wang"))
    assert stored.startswith("$argon2") and "long-enough-1" not in stored
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 409


@pytest.mark.parametrize("body", [
    {"username": "a", "password": "long-enough-1", "role": "operator"},
    {"username": "a", "password": "long-enough-1", "role": "evaluator"},
    {"username": "a", "password": "short", "role": "leader"},
    {"username": "a", "password": "long-enough-1", "role": "root"},
    {"username": "a b", "password": "long-enough-1", "role": "leader"},
    {"username": "a", "password": "long-enough-1", "role": "leader", "is_admin": True},
])
def test_user_bodies_are_checked(client, admin, body):
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 422


@pytest.mark.parametrize("role, unit", [("leader", None), ("operator", "U01"),
                                        ("evaluator", "U01")])
def test_only_admins_create_users_and_keys(client, headers_for, role, unit):
    headers = headers_for(role, unit)
    user = {"username": "x", "password": "long-enough-1", "role": "admin"}
    assert client.post("/api/v1/users", json=user, headers=headers).status_code == 403
    key = {"name": "x", "units": ["U01"]}
    assert client.post("/api/v1/api-keys", json=key, headers=headers).status_code == 403


def test_an_api_key_is_answered_once_and_stored_as_a_digest(client, admin, app):
    response = client.post("/api/v1/api-keys", json={"name": "yuanzhou", "units": ["C01"]},
                           headers=admin)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "units", "key", "expires_at", "access"}
    assert body["access"] == "write" and body["expires_at"] is None
    assert body["units"] == ["C01"]
    with app.state.db.session() as db:
        assert body["key"] not in db.scalars(select(ApiKey.digest)).all()
    me = client.get("/api/v1/auth/me", headers={"X-API-Key": body["key"]}).json()
    assert me == {"user": "api-key:yuanzhou", "role": "operator", "units": ["C01"],
                  "api_key": "yuanzhou", "must_change_password": False, "read_only": False,
                  "name": None}
    again = client.post("/api/v1/api-keys", json={"name": "yuanzhou", "units": ["C01"]},
                        headers=admin)
    assert again.status_code == 409


def test_a_revoked_api_key_is_401(client, admin):
    created = client.post("/api/v1/api-keys", json={"name": "k", "units": ["C01"]},
                          headers=admin).json()
    assert client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin).status_code == 204
    response = client.get("/api/v1/auth/me", headers={"X-API-Key": created["key"]})
    assert response.status_code == 401
    assert client.delete("/api/v1/api-keys/999", headers=admin).status_code == 404


def test_an_api_key_needs_units(client, admin):
    response = client.post("/api/v1/api-keys", json={"name": "k", "units": []}, headers=admin)
    assert response.status_code == 422


@pytest.mark.parametrize("method, path, body", [
    ("post", "/api/v1/progress", PROGRESS),
    ("post", "/api/v1/tasks/T-001/close", None),
    ("post", "/api/v1/tasks/T-001/explain", {"reason": "政策调整"}),
    ("post", "/api/v1/tasks/T-001/clock", {"stage": "deployed"}),
    ("post", "/api/v1/commitments/7/fulfil", None),
    ("post", "/api/v1/units", {"code": "U9", "name": "新单位", "kind": "office"}),
    ("post", "/api/v1/evaluations", None),
])
def test_a_leader_cannot_write(client, leader, fake_rpc, method, path, body):
    response = client.request(method, path, json=body, headers=leader)
    assert response.status_code == 403
    assert fake_rpc.calls == []


def test_an_evaluator_writes_for_its_unit_only(client, headers_for, fake_rpc):
    evaluator = headers_for("evaluator", "U01")
    assert client.post("/api/v1/progress", json=PROGRESS, headers=evaluator).status_code == 200
    assert fake_rpc.called("tasks.report_progress")[0]["caller"] == {
        "user": "evaluator1", "role": "evaluator", "units": ["U01"]}
    assert client.post("/api/v1/commitments", json={
        "task": "T-003", "unit": "C01", "step": "开工", "promised_date": "2026-05-01",
        "result": "开工建设"}, headers=evaluator).status_code == 403


def test_validation_errors_do_not_echo_the_input(client, admin):
    body = {"username": "a", "password": "secret-but-short", "role": "root"}
    response = client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "role"]
    assert "secret-but-short" not in response.text


def test_a_leader_reads_everything(client, leader, fake_rpc):
    assert client.get("/api/v1/tasks/T-003", headers=leader).status_code == 200
    assert fake_rpc.called("tasks.get_task")[0]["caller"] == {
        "user": "leader1", "role": "leader", "units": None}


def test_callers_reach_the_services_with_their_scope(client, operator, key_for, fake_rpc):
    client.get("/api/v1/tasks", headers=operator)
    client.get("/api/v1/tasks", headers=key_for("C01", "U02", name="county"))
    callers = [call["caller"] for call in fake_rpc.called("tasks.list_tasks")]
    assert callers == [
        {"user": "operator1", "role": "operator", "units": ["U01"]},
        {"user": "api-key:county", "role": "operator", "units": ["C01", "U02"]},
    ]


def test_an_operator_reading_another_units_task_is_403(client, operator):
    assert client.get("/api/v1/tasks/T-001", headers=operator).status_code == 200
    response = client.get("/api/v1/tasks/T-003", headers=operator)
    assert response.status_code == 403


def test_a_cooperating_unit_reads_the_task(client, headers_for):
    cooperating = headers_for("operator", "U02")
    assert client.get("/api/v1/tasks/T-001", headers=cooperating).status_code == 200


@pytest.mark.parametrize("method, path, body", [
    ("post", "/api/v1/commitments", {"task": "T-003", "unit": "C01", "step": "开工",
                                     "promised_date": "2026-05-01", "result": "开工建设"}),
    ("get", "/api/v1/tasks?unit=C01", None),
    ("get", "/api/v1/warnings?unit=C01", None),
    ("get", "/api/v1/notifications?unit=C01", None),
])
def test_operators_and_keys_stay_in_their_units(client, operator, key_for, fake_rpc,
                                                method, path, body):
    for headers in (operator, key_for("U01", "U02")):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, response.text
        assert "C01" in response.json()["detail"]
    # Only the unit tree was read, to see whether C01 lies below one of theirs.
    assert set(fake_rpc.names()) == {"tasks.list_units"}


def test_a_batch_for_other_units_is_judged_per_item_with_the_callers_scope(
        client, operator, key_for, fake_rpc):
    # The tasks service rejects the foreign items and keeps the rest; the
    # gateway must not turn one foreign item into a 403 for the whole batch.
    mixed = [{"task": "T-001", "unit": "U01", "percent": 5},
             {"task": "T-003", "unit": "C01", "percent": 5}]
    for headers in (operator, key_for("U01")):
        assert client.post("/api/v1/progress", json=mixed, headers=headers).status_code == 200
    callers = [call["caller"]["units"] for call in fake_rpc.called("tasks.report_progress")]
    assert callers == [["U01"], ["U01"]]


def test_a_unit_acts_for_the_units_below_it(client, headers_for, key_for, fake_rpc):
    task = {"task": "T-003", "step": "开工", "promised_date": "2026-05-01", "result": "开工建设"}
    for headers in (headers_for("operator", "C01"), key_for("C01")):
        response = client.post("/api/v1/commitments", json={**task, "unit": "C01-1"},
                               headers=headers)
        assert response.status_code != 403, response.text
    below = headers_for("operator", "C01-1")
    response = client.post("/api/v1/commitments", json={**task, "unit": "C01"}, headers=below)
    assert response.status_code == 403


def test_the_unit_tree_is_read_only_when_needed(client, operator, fake_rpc):
    client.post("/api/v1/progress", json=PROGRESS, headers=operator)
    assert fake_rpc.names() == ["tasks.report_progress"]


def test_an_operator_writes_for_its_own_unit(client, operator, fake_rpc):
    response = client.post("/api/v1/progress", json=PROGRESS, headers=operator)
    assert response.status_code == 200
    assert fake_rpc.called("tasks.report_progress")[0]["source"] == "portal"


def test_a_token_left_idle_is_refused_before_it_expires(client, app, admin):
    assert app.state.settings.token_idle_minutes == 120
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200
    with app.state.db.session() as db:
        assert db.scalar(select(Token.last_used_at)) is not None  # its use was noted
        long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=121)
        db.execute(update(Token).values(created_at=long_ago, last_used_at=long_ago))
    app.state.known_callers.forget()  # two hours on, the gateway has long asked again
    response = client.get("/api/v1/auth/me", headers=admin)
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "token_invalid"


def test_a_token_in_use_stays_valid(client, app, admin):
    with app.state.db.session() as db:
        recently = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=100)
        db.execute(update(Token).values(created_at=recently - dt.timedelta(hours=5),
                                        last_used_at=recently))
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200


# The credential cache (caches.KnownCallers): a reader polling the one screen costs
# no database query; what changes a caller is seen at once through this gateway and
# within auth_cache_seconds through another.

def _revoke_behind_the_gateway(app):
    """As another gateway replica would: straight in the shared database."""
    with app.state.db.session() as db:
        db.execute(update(Token).values(revoked_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))


def test_a_known_token_is_answered_without_asking_the_database(client, app, admin):
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200
    _revoke_behind_the_gateway(app)
    # Within the window the gateway trusts what it found a moment ago ...
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200
    # ... and once its seconds have passed (forget stands for them) it asks again.
    app.state.known_callers.forget()
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 401


def test_a_revocation_from_another_replica_takes_effect_within_the_window(
        settings, fake_rpc):
    settings = settings.model_copy(update={"auth_cache_seconds": 0.2})
    app = create_app(settings)
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={
            "username": "admin", "password": "admin-test-password"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
        _revoke_behind_the_gateway(app)
        eventually(lambda: _assert_status(client.get("/api/v1/auth/me", headers=headers), 401),
                   timeout=5)


def _assert_status(response, expected):
    assert response.status_code == expected
    return True


def test_sign_out_and_disabling_through_this_gateway_take_effect_at_once(
        client, app, admin, headers_for):
    operator = headers_for("operator", "U01")
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=admin).status_code == 204
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 401

    admin = client.post("/api/v1/auth/token", data={
        "username": "admin", "password": "admin-test-password"}).json()["access_token"]
    admin = {"Authorization": f"Bearer {admin}"}
    me = client.get("/api/v1/auth/me", headers=operator).json()
    assert client.patch(f"/api/v1/users/{me['user']}", json={"disabled": True},
                        headers=admin).status_code == 200
    assert client.get("/api/v1/auth/me", headers=operator).status_code == 401


def test_a_role_changed_through_this_gateway_ends_its_sessions_at_once(
        client, app, admin, headers_for):
    operator = headers_for("operator", "U01")
    me = client.get("/api/v1/auth/me", headers=operator).json()
    assert me["role"] == "operator"
    assert client.patch(f"/api/v1/users/{me['user']}", json={"role": "leader"},
                        headers=admin).status_code == 200
    # A change of access signs the user out everywhere; the cache must not outlive it.
    assert client.get("/api/v1/auth/me", headers=operator).status_code == 401
