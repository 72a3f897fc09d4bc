"""Progress batches: their limits, their scope and the Idempotency-Key."""
import datetime as dt

import pytest
from sqlalchemy import select

from gateway.idempotency import body_digest
from gateway.models import IdempotencyRecord, utcnow


def items(count, unit="U01"):
    return [{"task": f"T-{index:04d}", "unit": unit, "percent": index % 101}
            for index in range(count)]


def test_a_batch_goes_to_the_tasks_service_in_one_call(client, key_for, fake_rpc):
    body = [{"task": "T-001", "unit": "C01", "percent": 60, "note": "主体完工",
             "reported_at": "2026-04-01T10:00:00+08:00", "correction": True},
            {"task": "T-003", "unit": "C01", "percent": 10}]
    response = client.post("/api/v1/progress", json=body, headers=key_for("C01", name="yz"))
    assert response.status_code == 200
    assert response.json()["accepted"] == 2
    (call,) = fake_rpc.calls
    # Without a client key the request still carries one of its own, so a copy
    # redelivered to the service after a crash is stored once.
    assert call[1].pop("idempotency_key").startswith("request:")
    assert fake_rpc.calls == [("tasks.report_progress", {
        "items": body,
        "caller": {"user": "api-key:yz", "role": "operator", "units": ["C01"]},
        "source": "yz"})]


def test_rejected_items_come_back_with_their_reasons(client, admin, fake_rpc):
    answer = {"batch_id": "b-2", "accepted": 1, "rejected": 1, "results": [
        {"index": 0, "status": "accepted", "id": 11},
        {"index": 1, "status": "rejected", "reason": "报送的进度 1% 低于上次报送的 40%。",
         "code": "percent_lower"}]}
    fake_rpc.answer("tasks.report_progress", answer)
    response = client.post("/api/v1/progress", json=items(2), headers=admin)
    assert response.status_code == 200
    # The service's reason and code as they came, with the words people read beside.
    rejected = {**answer["results"][1], "message": "报送的进度 1% 低于上次报送的 40%。"}
    assert response.json() == {**answer, "results": [answer["results"][0], rejected]}


def test_a_rejection_by_field_is_told_in_chinese(client, admin, fake_rpc):
    fake_rpc.answer("tasks.report_progress", {
        "batch_id": "b-3", "accepted": 0, "rejected": 1, "results": [
            {"index": 0, "status": "rejected", "reason": {"percent": ["Not a valid number."]}}]})
    response = client.post("/api/v1/progress", json=items(1), headers=admin)
    (result,) = response.json()["results"]
    assert result["reason"] == {"percent": ["Not a valid number."]}
    assert result["code"] == "not_a_number"
    assert result["message"] == "“完成百分比”：应为数字。"


@pytest.mark.parametrize("count, status", [(0, 422), (1, 200), (1000, 200), (1001, 413)])
def test_batch_limits(client, admin, fake_rpc, count, status):
    response = client.post("/api/v1/progress", json=items(count), headers=admin)
    assert response.status_code == status, response.text
    assert len(fake_rpc.calls) == (1 if status == 200 else 0)
    if status == 200:
        assert len(fake_rpc.called("tasks.report_progress")[0]["items"]) == count


@pytest.mark.parametrize("item", [
    {"task": "T-001", "unit": "U01", "percent": 100.5},
    {"task": "T-001", "unit": "U01"},
    {"task": "T-001", "unit": "U01", "percent": 5, "reported_at": "yesterday"},
    {"task": "T-001", "unit": "U01", "percent": 5, "batch": "b-0"},
])
def test_items_are_judged_one_by_one_by_the_tasks_service(client, admin, fake_rpc, item):
    # A bad item must not cost the good ones of its batch: the gateway passes
    # every object through and the service answers for each.
    body = [{"task": "T-002", "unit": "U01", "percent": 5}, item]
    assert client.post("/api/v1/progress", json=body, headers=admin).status_code == 200
    assert fake_rpc.called("tasks.report_progress")[0]["items"] == body


@pytest.mark.parametrize("body", [["not an object"], [[1, 2]], [None]])
def test_items_that_are_not_objects_are_422(client, admin, fake_rpc, body):
    assert client.post("/api/v1/progress", json=body, headers=admin).status_code == 422
    assert fake_rpc.calls == []


def test_a_body_that_is_not_a_list_is_422(client, admin, fake_rpc):
    response = client.post("/api/v1/progress", json={"task": "T-001"}, headers=admin)
    assert response.status_code == 422
    assert fake_rpc.calls == []


def test_the_same_key_and_body_answers_once(client, key_for, fake_rpc):
    headers = {**key_for("U01"), "Idempotency-Key": "batch-2026-04-01"}
    first = client.post("/api/v1/progress", json=items(3), headers=headers)
    # The same items with other spacing and key order: compared by content, not bytes.
    again = client.post("/api/v1/progress", json=[dict(reversed(item.items()))
                                                  for item in items(3)], headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(fake_rpc.called("tasks.report_progress")) == 1


def test_the_same_key_with_another_body_is_409(client, admin, fake_rpc):
    headers = {**admin, "Idempotency-Key": "k-1"}
    assert client.post("/api/v1/progress", json=items(2), headers=headers).status_code == 200
    response = client.post("/api/v1/progress", json=items(3), headers=headers)
    assert response.status_code == 409
    assert "another body" in response.json()["detail"]
    assert len(fake_rpc.calls) == 1


def test_the_clients_key_reaches_the_tasks_service(client, admin, fake_rpc):
    client.post("/api/v1/progress", json=items(1),
                headers={**admin, "Idempotency-Key": "county-2026-11"})
    assert fake_rpc.called("tasks.report_progress")[0]["idempotency_key"] == "county-2026-11"


def test_keys_belong_to_their_caller(client, key_for, fake_rpc):
    body = items(1)
    for headers in (key_for("U01"), key_for("U01")):
        response = client.post("/api/v1/progress", json=body,
                               headers={**headers, "Idempotency-Key": "same"})
        assert response.status_code == 200
    assert len(fake_rpc.calls) == 2


def test_without_a_key_each_request_is_new(client, admin, fake_rpc):
    for _ in range(2):
        client.post("/api/v1/progress", json=items(1), headers=admin)
    assert len(fake_rpc.calls) == 2


def test_a_failed_request_frees_its_key(client, admin, fake_rpc, app):
    headers = {**admin, "Idempotency-Key": "k-2"}
    fake_rpc.fail("tasks.report_progress", "Forbidden", "task T-0000 is not yours")
    assert client.post("/api/v1/progress", json=items(1), headers=headers).status_code == 403
    with app.state.db.session() as db:
        assert db.scalars(select(IdempotencyRecord)).all() == []
    fake_rpc.answer("tasks.report_progress", {"batch_id": "b-3", "accepted": 1, "rejected": 0,
                                              "results": [{"index": 0, "status": "accepted"}]})
    retried = client.post("/api/v1/progress", json=items(1), headers=headers)
    assert retried.status_code == 200 and retried.json()["batch_id"] == "b-3"


def test_a_key_still_being_served_is_409(client, admin, fake_rpc, app):
    headers = {**admin, "Idempotency-Key": "k-3"}

    def meanwhile(**kwargs):
        # The same request arrives again while the first is with the service.
        response = client.post("/api/v1/progress", json=items(1), headers=headers)
        assert response.status_code == 409
        assert "still being served" in response.json()["detail"]
        return {"batch_id": "b-4", "accepted": 1, "rejected": 0, "results": []}

    fake_rpc.answer("tasks.report_progress", meanwhile)
    assert client.post("/api/v1/progress", json=items(1), headers=headers).status_code == 200
    assert len(fake_rpc.calls) == 1


def test_an_abandoned_claim_is_taken_over(client, admin, fake_rpc, app):
    payload = items(1)
    with app.state.db.session() as db:
        db.add(IdempotencyRecord(
            caller="admin", key="k-4",
            body_digest=body_digest({"endpoint": "POST /api/v1/progress", "body": payload}),
            created_at=utcnow() - dt.timedelta(minutes=20)))
    response = client.post("/api/v1/progress", json=items(1),
                           headers={**admin, "Idempotency-Key": "k-4"})
    assert response.status_code == 200
    assert len(fake_rpc.calls) == 1


def test_an_overlong_key_is_422(client, admin, fake_rpc):
    response = client.post("/api/v1/progress", json=items(1),
                           headers={**admin, "Idempotency-Key": "k" * 201})
    assert response.status_code == 422


def test_the_office_corrects_when_a_report_was_received_with_a_reason(
        client, admin, operator, fake_rpc):
    body = {"received_at": "2026-04-01T17:00:00+08:00", "reason": "纸质材料已于4月1日送达"}
    answer = client.post("/api/v1/progress/11/received-at", json=body, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["corrections"][0]["reason"] == "纸质材料已于4月1日送达"
    assert fake_rpc.called("tasks.correct_report_receipt") == [{
        "report_id": 11, "received_at": "2026-04-01T09:00:00+00:00",
        "reason": "纸质材料已于4月1日送达",
        "caller": {"user": "admin", "role": "admin", "units": None}}]
    # The correction is in the audit log, with its reason.
    logged = client.get("/api/v1/audit", headers=admin,
                        params={"path": "/api/v1/progress/11/received-at"}).json()["items"]
    assert logged and logged[0]["request"]["reason"] == "纸质材料已于4月1日送达", logged
    # Only the office; a reason and a moment with its offset are required.
    assert client.post("/api/v1/progress/11/received-at", json=body,
                       headers=operator).status_code == 403
    assert client.post("/api/v1/progress/11/received-at", headers=admin, json={
        "received_at": body["received_at"]}).status_code == 422
    assert client.post("/api/v1/progress/11/received-at", headers=admin, json={
        **body, "received_at": "2026-04-01T17:00:00"}).status_code == 422
    assert client.post("/api/v1/progress/12/received-at", json=body,
                       headers=admin).status_code == 404
    assert len(fake_rpc.called("tasks.correct_report_receipt")) == 2
