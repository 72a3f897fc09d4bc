"""Files handed out through a real HTTP server (uvicorn, h11), where a header
with a control character kills the answer, which Starlette's test client does
not show."""
import base64

import httpx
import pytest

from gateway.downloads import attachment, clean_filename
from tests.support.serving import serve

NASTY = "验收\n报告\x0b\"2026\".pdf"


@pytest.fixture
def served(app):
    with serve(app) as url:
        yield url


def test_an_evidence_file_with_control_characters_in_its_name_downloads(served, fake_rpc):
    fake_rpc.answer("tasks.get_evidence", lambda task, evidence_id, caller: {
        "id": evidence_id, "sha256": "0" * 64, "filename": NASTY, "size": 3,
        "content_type": "application/pdf", "uploaded_at": "2026-04-01T08:00:00Z",
        "content_b64": base64.b64encode(b"%PDF").decode()})
    with httpx.Client(base_url=served, timeout=30) as http:
        token = http.post("/api/v1/auth/token", data={
            "username": "admin", "password": "admin-test-password"}).json()["access_token"]
        response = http.get("/api/v1/tasks/T-001/evidence/5",
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.content == b"%PDF"
    disposition = response.headers["content-disposition"]
    assert disposition == ("attachment; filename=\"_______2026_.pdf\"; "
                           "filename*=UTF-8''%E9%AA%8C%E6%94%B6_%E6%8A%A5%E5%91%8A_%222026%22.pdf")


def test_names_are_cleaned_for_headers():
    assert clean_filename("a\r\nb") == "a__b"
    assert clean_filename("\n") == "_"
    assert clean_filename("") == "download"
    assert attachment("报告.pdf") == ("attachment; filename=\"__.pdf\"; "
                                    "filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf")
