"""Text no database can store, sent over HTTP to the platform with every service
and the gateway on PostgreSQL (production's database), where a NUL used to fail
a whole batch with a 502: refused per item, or per request, with 422 and its
code, and the good items of the same batch kept."""
import json

import pytest

from tests.support.platform import running_platform
from tests.support.postgres import private_database

SERVICES = ("tasks", "warnings", "ranking", "notify", "gateway")


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with private_database(prefix="hostile_") as tasks_db, \
            private_database(prefix="hostile_") as warnings_db, \
            private_database(prefix="hostile_") as ranking_db, \
            private_database(prefix="hostile_") as notify_db, \
            private_database(prefix="hostile_") as gateway_db:
        urls = dict(zip(SERVICES, (tasks_db, warnings_db, ranking_db, notify_db, gateway_db),
                        strict=True))
        environment = {f"LUOSHI_{name.upper()}_DB_URL": url for name, url in urls.items()}
        with running_platform(tmp_path_factory.mktemp("luoshi"), environment) as platform:
            yield platform


def post_json(platform, path, body, headers):
    # json.dumps writes a lone surrogate as JSON's own escape, as a client may.
    return platform.http.post(path, content=json.dumps(body), headers={
        **headers, "content-type": "application/json"})


def test_a_batch_keeps_its_good_items_and_refuses_the_unstorable_ones(platform):
    admin = platform.login()
    assert platform.http.post("/api/v1/units", headers=admin, json={
        "code": "pg-yz", "name": "袁州区", "kind": "county"}).status_code == 201
    created = platform.http.post("/api/v1/tasks", headers=admin, json={
        "code": "PG-1", "title": "标准厂房建设", "lead_unit": "pg-yz",
        "start_date": "2026-01-01", "due_date": "2027-06-30",
        "targets": [{"due_date": "2027-06-30", "planned_percent": 100}]})
    assert created.status_code == 201, created.text

    answer = post_json(platform, "/api/v1/progress", [
        {"task": "PG-1", "unit": "pg-yz", "percent": 20, "note": "路基完成"},
        {"task": "PG-1", "unit": "pg-yz", "percent": 30, "note": "坏\u0000备注"},
        {"task": "PG-1", "unit": "pg-yz", "percent": 40, "note": "半个\ud800代理"},
    ], {**admin, "Idempotency-Key": "pg-hostile-1"})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [item["status"] for item in results] == ["accepted", "rejected", "rejected"]
    assert "text_control_character" in str(results[1]["reason"]["note"])
    assert "text_unpaired_surrogate" in str(results[2]["reason"]["note"])
    detail = platform.http.get("/api/v1/tasks/PG-1", headers=admin).json()
    assert [(p["percent"], p["note"]) for p in detail["progress"]] == [(20, "路基完成")]


@pytest.mark.parametrize("name, code", [("坏\u0000单位", "text_control_character"),
                                        ("单位\udc00", "text_unpaired_surrogate")])
def test_a_unit_named_with_unstorable_text_is_422_and_the_refusal_is_audited(
        platform, name, code):
    admin = platform.login()
    answer = post_json(platform, "/api/v1/units",
                       {"code": "pg-bad", "name": name, "kind": "county"}, admin)
    assert answer.status_code == 422, answer.text
    assert [error["type"] for error in answer.json()["detail"]] == [code]
    assert platform.http.get("/api/v1/units/pg-bad", headers=admin).status_code == 404
    audited = platform.http.get("/api/v1/audit", headers=admin,
                                params={"path": "/api/v1/units"}).json()
    assert any(entry["status"] == 422 for entry in audited["items"])


def test_lookups_with_a_nul_are_422(platform):
    admin = platform.login()
    for path in ("/api/v1/units/a%00b", "/api/v1/tasks/a%00b", "/api/v1/tasks?unit=a%00b",
                 "/api/v1/warnings?task=a%00b", "/api/v1/notifications?unit=a%00b"):
        answer = platform.http.get(path, headers=admin)
        assert answer.status_code == 422, (path, answer.text)
