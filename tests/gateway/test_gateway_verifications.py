"""复核 over HTTP: the office's queue, its confirmation and send-back (with a
reason it must give), and its verification policy; units read their own
requests and decide nothing."""


def test_the_office_reads_its_queue_oldest_first_with_counts(client, admin, fake_rpc):
    response = client.get("/api/v1/verifications", headers=admin)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["counts"]["total"] == 1
    (item,) = answer["items"]
    assert (item["task_title"], item["unit_name"], item["kind_name"]) == (
        "重点项目开工", "一号单位", "销号")
    (call,) = fake_rpc.called("tasks.list_verifications")
    assert call["status"] == "pending" and call["limit"] == 100 and call["offset"] == 0


def test_every_state_and_a_kind_are_asked_for(client, admin, fake_rpc):
    client.get("/api/v1/verifications?status=all&kind=clock_stage&task=T-001", headers=admin)
    (call,) = fake_rpc.called("tasks.list_verifications")
    assert call["status"] is None and call["kind"] == "clock_stage" and call["task"] == "T-001"
    assert client.get("/api/v1/verifications?status=drawn",
                      headers=admin).status_code == 422


def test_a_unit_reads_its_own_and_decides_nothing(client, operator, fake_rpc):
    assert client.get("/api/v1/verifications", headers=operator).status_code == 200
    assert client.post("/api/v1/verifications/3/confirm", headers=operator).status_code == 403
    assert client.post("/api/v1/verifications/3/return", headers=operator,
                       json={"reason": "x"}).status_code == 403
    assert client.put("/api/v1/verification-policy", headers=operator,
                      json={"rules": {"closure": {"mode": "none"}}}).status_code == 403
    assert not fake_rpc.called("tasks.confirm_verification")


def test_the_office_confirms(client, admin, fake_rpc):
    response = client.post("/api/v1/verifications/3/confirm", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "confirmed"
    assert fake_rpc.called("tasks.confirm_verification")[0]["verification_id"] == 3
    missing = client.post("/api/v1/verifications/9/confirm", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["detail"]["code"] == "verification_not_found"


def test_a_send_back_needs_its_reason_in_chinese(client, admin, fake_rpc):
    refused = client.post("/api/v1/verifications/3/return", headers=admin, json={})
    assert refused.status_code == 422
    assert "原因" in refused.text
    assert not fake_rpc.called("tasks.return_verification")
    response = client.post("/api/v1/verifications/3/return", headers=admin,
                           json={"reason": "验收报告未盖章"})
    assert response.status_code == 200
    assert response.json()["reason"] == "验收报告未盖章"
    (call,) = fake_rpc.called("tasks.return_verification")
    assert call["reason"] == "验收报告未盖章" and call["caller"]["role"] == "admin"


def test_the_office_reads_and_changes_its_policy(client, admin, fake_rpc):
    policy = client.get("/api/v1/verification-policy", headers=admin).json()
    assert policy["rules"]["closure"] == {"mode": "none", "percent": 0}
    response = client.put("/api/v1/verification-policy", headers=admin, json={
        "rules": {"clock_stage": {"mode": "share", "percent": 20}}, "note": "节点抽查两成"})
    assert response.status_code == 200, response.text
    (call,) = fake_rpc.called("tasks.update_verification_policy")
    assert call["data"] == {"clock_stage": {"mode": "share", "percent": 20}}
    assert call["note"] == "节点抽查两成"
    assert client.get("/api/v1/verification-policy/versions",
                      headers=admin).status_code == 200


def test_the_audit_says_what_the_office_did(client, admin):
    client.post("/api/v1/verifications/3/return", headers=admin, json={"reason": "佐证不足"})
    entries = client.get("/api/v1/audit", headers=admin).json()["items"]
    assert any(entry.get("action") == "复核退回了事项 3" for entry in entries), entries[:3]
