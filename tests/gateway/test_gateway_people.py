"""People who leave or change: an admin disables, re-roles and resets users;
API keys expire and may only read; a stranger cannot lock out `admin`."""
import datetime as dt

import pytest
from sqlalchemy import update

from gateway.models import ApiKey

PROGRESS = [{"task": "T-001", "unit": "U01", "percent": 50}]


def _new_user(client, admin, username="wang", role="operator", unit="U01"):
    body = {"username": username, "password": "password-123", "role": role, "unit": unit}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201


def _code(response):
    return response.json()["detail"]["code"]


def test_a_disabled_users_next_request_is_401_and_it_cannot_sign_in(client, admin, sign_in):
    _new_user(client, admin)
    headers = sign_in("wang", "password-123")
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200

    changed = client.patch("/api/v1/users/wang", json={"disabled": True}, headers=admin)
    assert changed.status_code == 200
    assert changed.json()["status"] == "disabled"
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
    refused = client.post("/api/v1/auth/token",
                          data={"username": "wang", "password": "password-123"})
    assert refused.status_code == 401
    assert refused.json()["detail"] == {"code": "user_disabled",
                                        "message": "该账号已停用，请联系督查办。"}

    assert client.patch("/api/v1/users/wang", json={"disabled": False},
                        headers=admin).json()["status"] == "active"
    assert client.get("/api/v1/tasks", headers=sign_in("wang", "password-123")).status_code == 200


def test_a_change_of_role_or_unit_revokes_the_tokens_and_applies_at_next_sign_in(
        client, admin, sign_in):
    _new_user(client, admin)
    headers = sign_in("wang", "password-123")
    changed = client.patch("/api/v1/users/wang", json={"unit": "U02"}, headers=admin)
    assert changed.status_code == 200 and changed.json()["unit"] == "U02"
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    me = client.get("/api/v1/auth/me", headers=sign_in("wang", "password-123")).json()
    assert me["units"] == ["U02"]

    assert client.patch("/api/v1/users/wang", json={"role": "leader", "unit": None},
                        headers=admin).status_code == 200
    me = client.get("/api/v1/auth/me", headers=sign_in("wang", "password-123")).json()
    assert (me["role"], me["units"]) == ("leader", None)


def test_a_user_carries_the_persons_name_and_phone(client, admin, sign_in):
    body = {"username": "wang", "password": "password-123", "role": "operator", "unit": "U01",
            "name": " 王小明 ", "phone": "0795-3201234"}
    created = client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert (created.json()["name"], created.json()["phone"]) == ("王小明", "0795-3201234")
    headers = sign_in("wang", "password-123")
    assert client.get("/api/v1/auth/me", headers=headers).json()["name"] == "王小明"

    # A new name or phone changes nothing the user may do: its tokens stay good.
    changed = client.patch("/api/v1/users/wang", json={"name": "王晓明", "phone": "13907950001"},
                           headers=admin)
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["phone"]) == ("王晓明", "13907950001")
    assert client.get("/api/v1/auth/me", headers=headers).json()["name"] == "王晓明"
    listed = {user["username"]: user for user in
              client.get("/api/v1/users", headers=admin).json()}
    assert listed["wang"]["name"] == "王晓明"
    # null clears; a field left out stays.
    cleared = client.patch("/api/v1/users/wang", json={"phone": None}, headers=admin).json()
    assert (cleared["name"], cleared["phone"]) == ("王晓明", None)


@pytest.mark.parametrize("field, value", [
    ("phone", "call me"), ("phone", "12"), ("phone", "1390795000100001234567"),
    ("name", ""), ("name", "   "), ("name", "张" * 33),
])
def test_a_bad_name_or_phone_is_refused_and_nothing_is_stored(client, admin, field, value):
    body = {"username": "wang", "password": "password-123", "role": "leader", field: value}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 422
    assert "wang" not in {user["username"] for user in
                          client.get("/api/v1/users", headers=admin).json()}


@pytest.mark.parametrize("body, status, code", [
    ({"unit": "NOPE"}, 422, "unknown_units"),
    ({"unit": None}, 422, "unit_needed"),
    ({"role": "root"}, 422, None),
    ({"password": "x"}, 422, None),
])
def test_bad_changes_are_refused_and_change_nothing(client, admin, sign_in, body, status, code):
    _new_user(client, admin)
    headers = sign_in("wang", "password-123")
    response = client.patch("/api/v1/users/wang", json=body, headers=admin)
    assert response.status_code == status
    if code:
        assert _code(response) == code
        assert response.json()["detail"]["message"]
    assert client.get("/api/v1/auth/me", headers=headers).json()["units"] == ["U01"]


def test_the_last_admin_can_be_neither_disabled_nor_demoted(client, admin):
    for body in ({"disabled": True}, {"role": "leader"}):
        response = client.patch("/api/v1/users/admin", json=body, headers=admin)
        assert response.status_code == 409 and _code(response) == "last_admin"
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200
    _new_user(client, admin, "second", role="admin", unit=None)
    assert client.patch("/api/v1/users/admin", json={"disabled": True},
                        headers=admin).status_code == 200


def test_a_password_reset_forces_a_change_at_next_sign_in(client, admin, sign_in):
    _new_user(client, admin)
    old = sign_in("wang", "password-123")
    reset = client.post("/api/v1/users/wang/password-reset", headers=admin)
    assert reset.status_code == 200
    temporary = reset.json()["password"]
    assert reset.json()["must_change_password"] is True
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401

    signed_in = client.post("/api/v1/auth/token",
                            data={"username": "wang", "password": temporary}).json()
    assert signed_in["must_change_password"] is True
    headers = {"Authorization": f"Bearer {signed_in['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["must_change_password"]
    blocked = client.get("/api/v1/tasks", headers=headers)
    assert blocked.status_code == 403 and _code(blocked) == "password_change_required"
    listed = {row["username"]: row for row in client.get("/api/v1/users", headers=admin).json()}
    assert listed["wang"]["status"] == "password_reset"

    assert client.post("/api/v1/auth/password", json={"current": temporary, "new": "mine-12345"},
                       headers=headers).status_code == 204
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200


def test_a_reset_to_a_chosen_password_is_never_logged(client, admin, sign_in):
    _new_user(client, admin)
    reset = client.post("/api/v1/users/wang/password-reset", json={"password": "chosen-4321"},
                        headers=admin)
    assert reset.json()["password"] == "chosen-4321"
    log = client.get("/api/v1/audit", headers=admin).text
    assert "chosen-4321" not in log
    assert client.post("/api/v1/users/ghost/password-reset", headers=admin).status_code == 404


@pytest.mark.parametrize("method, path, body", [
    ("patch", "/api/v1/users/admin", {"disabled": True}),
    ("post", "/api/v1/users/admin/password-reset", None),
    ("get", "/api/v1/users", None),
])
def test_only_admins_manage_people(client, headers_for, method, path, body):
    for headers in (headers_for("operator", "U01"), headers_for("leader")):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403
        assert _code(response) == "admin_only"


def test_the_user_list_shows_the_last_sign_in_and_status(client, admin, sign_in):
    _new_user(client, admin)
    listed = {row["username"]: row for row in client.get("/api/v1/users", headers=admin).json()}
    assert listed["wang"]["last_sign_in_at"] is None and listed["wang"]["status"] == "active"
    sign_in("wang", "password-123")
    listed = {row["username"]: row for row in client.get("/api/v1/users", headers=admin).json()}
    assert listed["wang"]["last_sign_in_at"] is not None
    assert listed["wang"]["last_sign_in_from"] == "testclient"


def test_new_users_and_keys_name_units_that_exist(client, admin):
    user = {"username": "x", "password": "password-123", "role": "operator", "unit": "NOPE"}
    response = client.post("/api/v1/users", json=user, headers=admin)
    assert response.status_code == 422 and "NOPE" in response.json()["detail"]["message"]
    response = client.post("/api/v1/api-keys", json={"name": "k", "units": ["U01", "NOPE"]},
                           headers=admin)
    assert response.status_code == 422 and _code(response) == "unknown_units"
    assert client.get("/api/v1/api-keys", headers=admin).json() == []


def test_a_read_only_key_reads_and_cannot_write(client, admin, fake_rpc):
    created = client.post("/api/v1/api-keys", json={"name": "r", "units": ["U01"],
                                                    "access": "read"}, headers=admin).json()
    headers = {"X-API-Key": created["key"]}
    assert created["access"] == "read"
    assert client.get("/api/v1/tasks/T-001", headers=headers).status_code == 200
    refused = client.post("/api/v1/progress", json=PROGRESS, headers=headers)
    assert refused.status_code == 403 and _code(refused) == "api_key_read_only"
    assert fake_rpc.called("tasks.report_progress") == []


def test_an_expired_key_is_401(client, admin, app):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    created = client.post("/api/v1/api-keys", json={"name": "e", "units": ["U01"],
                                                    "expires_at": future}, headers=admin)
    assert created.status_code == 201 and created.json()["expires_at"]
    headers = {"X-API-Key": created.json()["key"]}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with app.state.db.session() as db:
        db.execute(update(ApiKey).values(expires_at=dt.datetime(2000, 1, 1)))
    app.state.known_callers.forget()  # the gateway's few seconds of trust have passed
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401 and _code(response) == "api_key_invalid"
    past = client.post("/api/v1/api-keys", json={"name": "p", "units": ["U01"],
                                                 "expires_at": "2000-01-01T00:00:00Z"},
                       headers=admin)
    assert past.status_code == 422 and _code(past) == "expiry_in_past"


def test_a_stranger_cannot_lock_out_admin(app, client):
    from fastapi.testclient import TestClient
    settings = app.state.settings
    # Another address: Starlette's test client takes the client's address as given.
    with TestClient(app, client=("203.0.113.9", 5000)) as stranger:
        for _ in range(settings.login_max_failures + 1):
            stranger.post("/api/v1/auth/token", data={"username": "admin", "password": "guess"})
        locked = stranger.post("/api/v1/auth/token",
                               data={"username": "admin", "password": "admin-test-password"})
        assert locked.status_code == 429 and _code(locked) == "sign_in_locked"
    ok = client.post("/api/v1/auth/token",
                     data={"username": "admin", "password": "admin-test-password"})
    assert ok.status_code == 200
