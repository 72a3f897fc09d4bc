"""The services' errors become HTTP statuses through one table, as JSON."""
import pytest
from fastapi.testclient import TestClient
from nameko.exceptions import RpcTimeout, UnknownService

from gateway.errors import REMOTE_ERROR_STATUS

CONTRACT_ERRORS = {
    "InvalidInput": 422, "NotFound": 404, "Conflict": 409, "Forbidden": 403, "TooLarge": 413,
    "CalendarNotCovered": 422, "CallerNotTrusted": 502,
}


def test_the_table_is_the_contracts():
    assert REMOTE_ERROR_STATUS == CONTRACT_ERRORS


@pytest.mark.parametrize("name, status", sorted(CONTRACT_ERRORS.items()))
def test_each_error_name_maps_to_its_status(client, admin, fake_rpc, name, status):
    fake_rpc.fail("tasks.get_task", name, "任务 T-404 不存在")
    response = client.get("/api/v1/tasks/T-404", headers=admin)
    assert response.status_code == status
    assert response.json() == {"detail": "任务 T-404 不存在"}


def test_a_json_object_message_becomes_the_detail(client, admin, fake_rpc):
    fake_rpc.fail("tasks.create_unit", "InvalidInput", '{"parent": "no such unit"}')
    body = {"code": "U9", "name": "新单位", "kind": "office", "parent": "X"}
    response = client.post("/api/v1/units", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json() == {"detail": {"parent": "no such unit"}}


def test_a_json_message_that_is_not_an_object_stays_text(client, admin, fake_rpc):
    fake_rpc.fail("tasks.get_unit", "NotFound", '"U9"')
    assert client.get("/api/v1/units/U9", headers=admin).json() == {"detail": '"U9"'}


def test_an_unknown_remote_error_is_502_without_its_message(client, admin, fake_rpc):
    fake_rpc.fail("tasks.get_unit", "OperationalError",
                  'Traceback: (sqlite3.OperationalError) database is locked [SQL: SELECT ...]')
    response = client.get("/api/v1/units/U01", headers=admin)
    assert response.status_code == 502
    assert response.json() == {"detail": "a service failed to answer"}


def test_an_rpc_timeout_is_504(client, admin, fake_rpc):
    fake_rpc.answer("tasks.get_unit", RpcTimeout(30))
    response = client.get("/api/v1/units/U01", headers=admin)
    assert response.status_code == 504
    assert "detail" in response.json()


def test_a_service_that_is_not_running_is_503(client, admin, fake_rpc):
    fake_rpc.answer("ranking.get_ranking", UnknownService("ranking"))
    response = client.get("/api/v1/rankings", headers=admin)
    assert response.status_code == 503
    assert response.json() == {"detail": "the ranking service is unavailable"}


def test_an_unexpected_failure_is_a_json_500_without_details(app, admin, fake_rpc):
    fake_rpc.answer("tasks.get_unit", KeyError("secret internals"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/units/U01", headers=admin)
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}


def test_http_errors_are_json_too(client, admin):
    response = client.get("/api/v1/nothing-here", headers=admin)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert client.delete("/api/v1/tasks", headers=admin).status_code == 405
