"""The office's signals of gamed numbers: listed and reviewed by the office
alone, the verdict and its note passed on as given."""

ADMIN_CALLER = {"user": "admin", "role": "admin", "units": None}


def test_the_office_lists_signals_with_their_words_and_counts(client, admin, fake_rpc):
    response = client.get("/api/v1/signals?kind=late_jump&status=open&unit=U01&limit=10",
                          headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"] == {"open": 1, "reviewed": 0, "confirmed": 0}
    (item,) = body["items"]
    assert item["unit_name"] == "袁州区" and "一次报至100%" in item["detail"]
    (call,) = fake_rpc.called("tasks.list_signals")
    assert call == {"caller": ADMIN_CALLER, "limit": 10, "offset": 0, "kind": "late_jump",
                    "status": "open", "unit": "U01"}
    for wrong in ("kind=guess", "status=closed"):
        assert client.get(f"/api/v1/signals?{wrong}", headers=admin).status_code == 422


def test_units_and_leaders_never_see_a_signal(client, operator, headers_for, fake_rpc):
    for headers in (operator, headers_for("leader")):
        assert client.get("/api/v1/signals", headers=headers).status_code == 403
        assert client.post("/api/v1/signals/5/review", headers=headers,
                           json={"verdict": "reviewed"}).status_code == 403
    assert fake_rpc.called("tasks.list_signals") == []
    assert fake_rpc.called("tasks.review_signal") == []


def test_the_office_confirms_with_a_note_or_marks_reviewed(client, admin, fake_rpc):
    response = client.post("/api/v1/signals/5/review", headers=admin,
                           json={"verdict": "confirmed", "note": " 现场核查未完工 "})
    assert response.status_code == 200, response.text
    assert response.json()["status_name"] == "属实"
    reviewed = client.post("/api/v1/signals/5/review", headers=admin,
                           json={"verdict": "reviewed"})
    assert reviewed.status_code == 200
    assert fake_rpc.called("tasks.review_signal") == [
        {"signal_id": 5, "verdict": "confirmed", "note": "现场核查未完工",
         "caller": ADMIN_CALLER},
        {"signal_id": 5, "verdict": "reviewed", "caller": ADMIN_CALLER}]


def test_a_wrong_verdict_or_an_unknown_signal_is_told_in_chinese(client, admin):
    wrong = client.post("/api/v1/signals/5/review", headers=admin,
                        json={"verdict": "maybe"})
    assert wrong.status_code == 422 and "核查结论" in wrong.json()["message"]
    missing = client.post("/api/v1/signals/6/review", headers=admin,
                          json={"verdict": "reviewed"})
    assert missing.status_code == 404
    assert missing.json()["message"] == "数据真实性线索 6 不存在。"
