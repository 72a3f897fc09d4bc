"""Extension requests, the evidence rules and a progress report sent with its files."""
import base64

PDF = b"%PDF-1.4\n%%EOF\n"


def test_the_lead_unit_asks_for_time(client, operator, fake_rpc):
    response = client.post("/api/v1/tasks/T-001/extension-requests", headers=operator,
                           json={"asked_due_date": "2026-09-30", "reason": "征地延误"})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    (call,) = fake_rpc.called("tasks.request_extension")
    assert call["code"] == "T-001" and call["asked_due_date"] == "2026-09-30"
    assert "seq" not in call


def test_a_unit_asks_only_for_tasks_it_leads(client, headers_for, fake_rpc):
    # U02 cooperates on T-001, led by U01.
    response = client.post("/api/v1/tasks/T-001/extension-requests",
                           headers=headers_for("operator", "U02"),
                           json={"asked_due_date": "2026-09-30", "reason": "征地延误"})
    assert response.status_code == 403
    assert fake_rpc.called("tasks.request_extension") == []


def test_a_request_needs_a_reason_told_in_chinese(client, operator):
    response = client.post("/api/v1/tasks/T-001/extension-requests", headers=operator,
                           json={"asked_due_date": "2026-09-30", "reason": "  "})
    assert response.status_code == 422
    assert "原因" in response.json()["message"]


def test_only_the_office_decides(client, admin, operator, fake_rpc):
    body = {"outcome": "shortened", "granted_due_date": "2026-08-31", "reason": "缩短至8月底"}
    assert client.post("/api/v1/extension-requests/8/decision", json=body,
                       headers=operator).status_code == 403
    response = client.post("/api/v1/extension-requests/8/decision", json=body, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["granted_due_date"] == "2026-08-31"
    (call,) = fake_rpc.called("tasks.decide_extension")
    assert call == {"request_id": 8, "outcome": "shortened", "reason": "缩短至8月底",
                    "granted_due_date": "2026-08-31",
                    "caller": {"user": "admin", "role": "admin", "units": None}}
    wrong = client.post("/api/v1/extension-requests/8/decision", headers=admin,
                        json={"outcome": "maybe", "reason": "x"})
    assert wrong.status_code == 422


def test_the_office_queue_is_paged_with_counts(client, admin):
    response = client.get("/api/v1/extension-requests?status=pending&limit=10", headers=admin)
    assert response.status_code == 200
    assert response.json()["counts"]["pending"] == 1
    # The office decides on tasks it knows by their titles.
    assert response.json()["items"][0]["title"] == "建成城市快速路一期"
    assert client.get("/api/v1/extension-requests?status=later",
                      headers=admin).status_code == 422


def test_the_office_changes_the_evidence_rules(client, admin, operator, fake_rpc):
    assert client.get("/api/v1/evidence-rules", headers=operator).json()["rules"] == {
        "at_full": False, "at_target_met": False}
    assert client.put("/api/v1/evidence-rules", json={"rules": {"at_full": True}},
                      headers=operator).status_code == 403
    response = client.put("/api/v1/evidence-rules",
                          json={"rules": {"at_full": True}, "note": "完成须佐证"}, headers=admin)
    assert response.status_code == 200 and response.json()["rules"]["at_full"] is True
    assert fake_rpc.called("tasks.update_evidence_rules")[0]["data"] == {"at_full": True}
    assert client.put("/api/v1/evidence-rules", json={"rules": {"at_all": True}},
                      headers=admin).status_code == 422


def test_a_json_report_names_its_uploads(client, operator, fake_rpc):
    body = [{"task": "T-001", "unit": "U01", "percent": 100, "evidence": [5, 6],
             "target_met": 2}]
    response = client.post("/api/v1/progress", json=body, headers=operator)
    assert response.status_code == 200
    assert fake_rpc.called("tasks.report_progress")[0]["items"] == body


def test_a_report_with_its_files_in_one_request(client, operator, fake_rpc):
    response = client.post(
        "/api/v1/progress/with-evidence", headers=operator,
        data={"task": "T-001", "unit": "U01", "percent": "100", "note": "竣工验收"},
        files=[("files", ("验收报告.pdf", PDF, "application/pdf")),
               ("files", ("现场照片.pdf", PDF, "application/pdf"))])
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1 and response.json()["evidence"] == [5, 5]
    uploads = fake_rpc.called("tasks.add_evidence")
    assert [u["filename"] for u in uploads] == ["验收报告.pdf", "现场照片.pdf"]
    assert base64.b64decode(uploads[0]["content_b64"]) == PDF
    (report,) = fake_rpc.called("tasks.report_progress")
    assert report["items"] == [{"task": "T-001", "unit": "U01", "percent": 100.0,
                                "evidence": [5, 5], "note": "竣工验收"}]


def test_a_refused_report_with_files_says_why(client, operator, fake_rpc):
    fake_rpc.answer("tasks.report_progress", {
        "batch_id": None, "accepted": 0, "rejected": 1, "results": [
            {"index": 0, "status": "rejected", "code": "evidence_required_full",
             "reason": "进度达到100%的报送须附佐证资料，请上传后再报送。"}]})
    response = client.post("/api/v1/progress/with-evidence", headers=operator,
                           data={"task": "T-001", "unit": "U01", "percent": "100"})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["code"] == "evidence_required_full" and "佐证资料" in result["message"]
    assert response.json()["evidence"] == []
    bad = client.post("/api/v1/progress/with-evidence", headers=operator,
                      data={"task": "T-001", "unit": "U01", "percent": "120"})
    assert bad.status_code == 422


def test_the_history_lists_requests_and_reports_with_files(client, admin, fake_rpc):
    fake_rpc.answer("tasks.get_task_history", {
        "task": "T-001", "versions": [], "plans": [],
        "extension_requests": [{"id": 8, "status": "approved"}],
        "reports": [{"id": 3, "evidence": [{"id": 5, "filename": "a.pdf"}]}]})
    answer = client.get("/api/v1/tasks/T-001/history", headers=admin).json()
    assert answer["extension_requests"][0]["status"] == "approved"
    assert answer["reports"][0]["evidence"][0]["id"] == 5


def test_a_units_commitments_name_their_tasks(client, operator):
    answer = client.get("/api/v1/commitments?unit=U01", headers=operator).json()
    assert [(item["task"], item["title"]) for item in answer["items"]] == [
        ("T-001", "建成城市快速路一期")]
