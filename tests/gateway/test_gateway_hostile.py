"""Hostile input: injection strings in every text field, oversized and
mis-typed bodies, invalid UTF-8, impossible dates, absurd numbers and a
program dressed as a PDF. Every one is answered 4xx or passed on verbatim for
the services to judge; never a 5xx. Text no database can store (NUL, other
control characters, unpaired surrogates) is refused at the door with 422 and
its code, except in a progress batch, whose items the tasks service judges one
by one (tests/e2e holds it to that on PostgreSQL)."""
import base64
import io
import json
import re
from urllib.parse import quote

import pytest

INJECTIONS = ["'; DROP TABLE units;--", "{{7*7}}", "${7*7}", "<script>alert(1)</script>",
              "../../etc/passwd", "\u0000nul", "%00", "1 OR 1=1"]
# Text no database can store, each with the code it is refused with.
UNSTORABLE = {"a\u0000b": "text_control_character", "bell\u0007": "text_control_character",
              "c1\u0085": "text_control_character", "half \ud800 pair": "text_unpaired_surrogate"}

UNIT = {"code": "U9", "name": "新单位", "kind": "office",
        "head": {"name": "张三", "phone": "13800000000", "email": "a@b.cn"}}
TASK = {"code": "T-9", "title": "新任务", "lead_unit": "U01", "start_date": "2026-01-01",
        "due_date": "2026-12-31", "category": "economy", "responsible_person": "李四",
        "targets": [{"due_date": "2026-06-30", "planned_percent": 50, "description": "一半",
                     "unit": "U01"}]}
COMMITMENT = {"task": "T-001", "unit": "U01", "step": "开工", "promised_date": "2026-05-01",
              "result": "开工建设"}
PROGRESS_ITEM = {"task": "T-001", "unit": "U01", "percent": 50, "note": "主体完工"}
USER = {"username": "li", "password": "password-123", "role": "leader"}
KEY = {"name": "k", "units": ["U01"]}

BODIES = [
    ("/api/v1/units", UNIT),
    ("/api/v1/tasks", TASK),
    ("/api/v1/commitments", COMMITMENT),
    ("/api/v1/tasks/T-001/explain", {"reason": "调整"}),
    ("/api/v1/users", USER),
    ("/api/v1/api-keys", KEY),
    ("/api/v1/auth/password", {"current": "admin-test-password", "new": "password-456"}),
]


def text_fields(body, prefix=()):
    """Paths to every string in `body`."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield from text_fields(value, (*prefix, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from text_fields(value, (*prefix, index))
    elif isinstance(body, str):
        yield prefix


def replaced(body, path, value):
    if not path:
        return value
    copy = list(body) if isinstance(body, list) else dict(body)
    copy[path[0]] = replaced(body[path[0]], path[1:], value)
    return copy


def without_random_key(response):
    """The answer's text without the API key a new key's answer carries and the
    moments it stamps: both are made at the time (a random key, the clock's
    microseconds), and so now and then hold "49" themselves."""
    answer = response.json() if response.content else None
    text = response.text
    if isinstance(answer, dict) and isinstance(answer.get("key"), str):
        text = text.replace(answer["key"], "")
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?", "", text)


CASES = [(url, field) for url, body in BODIES for field in text_fields(body)]


@pytest.mark.parametrize("url, field", CASES,
                         ids=[f"{url}:{'.'.join(map(str, field))}" for url, field in CASES])
def test_injections_in_text_fields_are_refused_or_passed_on_verbatim(
        client, admin, fake_rpc, url, field):
    for injection in INJECTIONS:
        fake_rpc.calls.clear()
        body = replaced(dict(BODIES)[url], field, injection)
        response = client.post(url, json=body, headers=admin)
        assert response.status_code < 500, response.text
        assert "49" not in without_random_key(response)  # no template was evaluated
        if "\u0000" in injection:
            assert response.status_code == 422, response.text
            assert fake_rpc.calls == []
        for _, kwargs in fake_rpc.calls:
            if "data" in kwargs:
                # What reached the service is what the client sent, stripped at most.
                sent = kwargs["data"]
                for key in field[:-1]:
                    sent = sent[key]
                assert sent[field[-1]] in (injection, injection.strip())


@pytest.mark.parametrize("injection", INJECTIONS)
def test_injections_in_progress_notes_and_queries(client, admin, fake_rpc, injection):
    item = {**PROGRESS_ITEM, "note": injection}
    assert client.post("/api/v1/progress", json=[item], headers=admin).status_code == 200
    assert fake_rpc.called("tasks.report_progress")[0]["items"][0]["note"] == injection
    for path in ("/api/v1/tasks", "/api/v1/warnings", "/api/v1/notifications",
                 "/api/v1/audit", "/api/v1/rankings"):
        for name in ("unit", "category", "task", "user", "path", "period"):
            response = client.get(path, params={name: injection}, headers=admin)
            assert response.status_code < 500, (path, name, response.text)
    segment = quote(injection, safe="")
    for path in (f"/api/v1/tasks/{segment}", f"/api/v1/units/{segment}"):
        assert client.get(path, headers=admin).status_code < 500


def test_sign_in_with_injections(client):
    for injection in INJECTIONS:
        response = client.post("/api/v1/auth/token",
                               data={"username": injection, "password": injection})
        assert response.status_code == (422 if "\u0000" in injection else 401)


@pytest.mark.parametrize("url, field", CASES,
                         ids=[f"{url}:{'.'.join(map(str, field))}" for url, field in CASES])
def test_unstorable_text_in_any_body_field_is_422_with_its_code(
        client, admin, fake_rpc, url, field):
    for text, code in UNSTORABLE.items():
        fake_rpc.calls.clear()
        body = replaced(dict(BODIES)[url], field, text)
        # A lone surrogate cannot be encoded as UTF-8: sent as JSON's own escape.
        response = client.post(url, content=json.dumps(body), headers={
            **admin, "content-type": "application/json"})
        assert response.status_code == 422, (text, response.text)
        assert code in [error["type"] for error in response.json()["detail"]], response.text
        assert [name for name in fake_rpc.names() if name != "tasks.list_units"] == []


@pytest.mark.parametrize("text, code", UNSTORABLE.items())
def test_unstorable_text_in_paths_queries_forms_and_file_names_is_422(
        client, admin, fake_rpc, text, code):
    segment = quote(text.encode("utf-8", "surrogatepass"), safe="")
    for path in (f"/api/v1/tasks/{segment}", f"/api/v1/units/{segment}",
                 f"/api/v1/tasks?unit={segment}", f"/api/v1/warnings?task={segment}"):
        response = client.get(path, headers=admin)
        if "\ud800" in text:
            # Not UTF-8 in a URL: read as U+FFFD, which any database stores.
            assert response.status_code < 500, (path, response.text)
            continue
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"][0]["type"] == code
    if "\ud800" not in text:
        signed_in = client.post("/api/v1/auth/token", data={"username": text, "password": "x"})
        assert signed_in.status_code == 422 and signed_in.json()["detail"][0]["type"] == code
        # Written by hand: an HTTP client escapes control characters in a part's name.
        multipart = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="'
                     + f"{text}.pdf".encode() + b'"\r\nContent-Type: application/pdf\r\n\r\n'
                     + b"%PDF-1.4\r\n--x--\r\n")
        named = client.post("/api/v1/tasks/T-001/evidence", content=multipart, headers={
            **admin, "content-type": "multipart/form-data; boundary=x"})
        assert named.status_code == 422 and named.json()["detail"][0]["type"] == code
    assert "tasks.add_evidence" not in fake_rpc.names()


def test_a_refused_write_is_audited_with_its_text_escaped(client, admin, fake_rpc):
    response = client.post("/api/v1/units", json={**UNIT, "name": "坏\u0000名"}, headers=admin)
    assert response.status_code == 422
    entries = client.get("/api/v1/audit", params={"path": "/api/v1/units"},
                         headers=admin).json()["items"]
    assert [entry["request"]["name"] for entry in entries if entry["status"] == 422] \
        == ["坏\\u0000名"]


@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/progress", "/api/v1/tasks"])
def test_oversized_bodies_are_413(client, admin, fake_rpc, path):
    huge = b"[" + b" " * (13 * 1024 * 1024) + b"]"
    response = client.post(path, content=huge, headers={**admin,
                                                        "content-type": "application/json"})
    assert response.status_code == 413
    assert fake_rpc.calls == []


def test_oversized_evidence_is_413_before_the_service(settings, fake_rpc):
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.rpc import get_rpc
    app = create_app(settings.model_copy(update={"evidence_max_bytes": 1000}))
    app.dependency_overrides[get_rpc] = lambda: fake_rpc
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={
            "username": "admin", "password": "admin-test-password"}).json()["access_token"]
        response = client.post("/api/v1/tasks/T-001/evidence",
                               headers={"Authorization": f"Bearer {token}"},
                               files={"file": ("a.pdf", b"%PDF" + b"0" * 1000, "application/pdf")})
    assert response.status_code == 413
    assert "tasks.add_evidence" not in fake_rpc.names()


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/xml", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/json; charset=latin-1", "",
])
@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/progress",
                                  "/api/v1/tasks/T-001/explain", "/api/v1/users"])
def test_wrong_content_types_are_4xx(client, admin, fake_rpc, content_type, path):
    response = client.post(path, content=b'{"x": 1}',
                           headers={**admin, "content-type": content_type})
    assert 400 <= response.status_code < 500
    assert not [name for name in fake_rpc.names() if name != "tasks.list_units"]


@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/progress", "/api/v1/users",
                                  "/api/v1/tasks/T-001/explain", "/api/v1/auth/token"])
def test_invalid_utf8_is_4xx(client, admin, fake_rpc, path):
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        response = client.post(path, content=b'{"name": "\xff\xfe\xfa"}',
                               headers={**admin, "content-type": content_type})
        assert 400 <= response.status_code < 500, response.text


def test_a_program_renamed_pdf_is_passed_on_for_the_service_to_judge(client, admin, fake_rpc):
    # The tasks service sniffs the bytes (services/tasks/logic.py sniff_evidence) and
    # refuses a program; the gateway must hand it the real bytes, not a verdict
    # drawn from the name or the declared type.
    program = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64 + b"This program cannot be run"
    fake_rpc.fail("tasks.add_evidence", "InvalidInput",
                  '{"file": "evidence must be a PDF, PNG, JPEG, GIF, Word, Excel, '
                  'PowerPoint or UTF-8 text file"}')
    response = client.post("/api/v1/tasks/T-001/evidence", headers=admin,
                           files={"file": ("report.pdf", io.BytesIO(program), "application/pdf")})
    assert response.status_code == 422
    (call,) = fake_rpc.called("tasks.add_evidence")
    assert base64.b64decode(call["content_b64"]) == program
    # The name and declared type travel as claims; the service decides.
    assert call["filename"] == "report.pdf" and call["content_type"] == "application/pdf"


@pytest.mark.parametrize("filename", ["../../etc/passwd", "a\r\nX-Injected: 1.pdf",
                                      "名字.pdf", "x" * 1000])
def test_evidence_names_are_passed_on_as_data(client, admin, fake_rpc, filename):
    response = client.post("/api/v1/tasks/T-001/evidence", headers=admin,
                           files={"file": (filename, io.BytesIO(b"%PDF-1.4"), "application/pdf")})
    assert response.status_code < 500


@pytest.mark.parametrize("change", [
    {"start_date": "2026-02-30"}, {"due_date": "2026-13-01"}, {"start_date": "0000-01-01"},
    {"due_date": "2026-02-29"}, {"start_date": "20260101"}, {"start_date": "2026-1-1"},
    {"targets": [{"due_date": "2025-04-31", "planned_percent": 10}]},
])
def test_dates_that_do_not_exist_are_422(client, admin, fake_rpc, change):
    response = client.post("/api/v1/tasks", json={**TASK, **change}, headers=admin)
    assert response.status_code == 422
    assert fake_rpc.calls == []


@pytest.mark.parametrize("query", [
    "as_of=2026-02-30", "as_of=2026-00-10", "as_of=-1", "as_of=99999-01-01",
])
def test_impossible_evaluation_dates_are_422(client, admin, fake_rpc, query):
    assert client.post(f"/api/v1/evaluations?{query}", headers=admin).status_code == 422


@pytest.mark.parametrize("percent", [-1, 100.0001, 1e308, -1e308, "NaN", "Infinity", 10**400])
def test_absurd_percentages_are_refused(client, admin, fake_rpc, percent):
    body = {**TASK, "targets": [{"due_date": "2026-06-30", "planned_percent": percent}]}
    assert client.post("/api/v1/tasks", json=body, headers=admin).status_code == 422


@pytest.mark.parametrize("path", [
    "/api/v1/commitments/-1/fulfil", "/api/v1/commitments/0/fulfil",
    "/api/v1/commitments/99999999999999999999999/fulfil",
    "/api/v1/api-keys/-5/rotate", "/api/v1/api-keys/99999999999999999999999/rotate",
])
def test_absurd_ids_are_422(client, admin, fake_rpc, path):
    assert client.post(path, headers=admin).status_code == 422
    assert fake_rpc.calls == []


@pytest.mark.parametrize("query", ["limit=-1", "limit=0", "limit=1001", "offset=-1",
                                   "limit=99999999999999999999999", "offset=1e9",
                                   "limit=abc"])
def test_absurd_paging_is_422(client, admin, fake_rpc, query):
    for path in ("/api/v1/tasks", "/api/v1/warnings", "/api/v1/audit"):
        assert client.get(f"{path}?{query}", headers=admin).status_code == 422


def test_huge_offsets_are_passed_on(client, admin, fake_rpc):
    response = client.get("/api/v1/audit?offset=9223372036854775807", headers=admin)
    assert response.status_code < 500


def test_nested_json_bombs_are_4xx(client, admin, fake_rpc):
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/progress", content=deep,
                           headers={**admin, "content-type": "application/json"})
    assert 400 <= response.status_code < 500
