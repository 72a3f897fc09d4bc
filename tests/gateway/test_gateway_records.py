"""Keeping the records true over HTTP: a task edited, re-planned and cancelled,
its history, batches, the one screen by batch, and units edited, retired and
merged. Each route calls the right RPC with the real signature's arguments and
passes the services' refusals on with their Chinese words."""

ADMIN = {"user": "admin", "role": "admin", "units": None}


def test_an_edit_sends_only_the_fields_given_and_its_reason(client, admin, fake_rpc):
    response = client.patch("/api/v1/tasks/T-001", json={
        "title": "建成城市快速路", "lead_unit": "U02", "category": None,
        "batch": "2026年第二批", "reason": "机构职能调整"}, headers=admin)
    assert response.status_code == 200
    assert response.json()["lead_unit"] == "U02"
    assert fake_rpc.called("tasks.update_task") == [{
        "code": "T-001", "changes": {"title": "建成城市快速路", "lead_unit": "U02",
                                     "category": None, "batch": "2026年第二批"},
        "reason": "机构职能调整", "caller": ADMIN}]


def test_an_edit_needs_a_reason_and_refuses_nulls_and_unknown_fields(client, admin, fake_rpc):
    for body in ({"title": "x"}, {"title": None, "reason": "r"},
                 {"status": "closed", "reason": "r"}, {"lead_unit": None, "reason": "r"},
                 {"title": "x", "reason": " "}):
        assert client.patch("/api/v1/tasks/T-001", json=body,
                            headers=admin).status_code == 422, body
    assert fake_rpc.called("tasks.update_task") == []


def test_the_services_refusal_reaches_people_in_chinese(client, admin):
    response = client.patch("/api/v1/tasks/T-001", json={"lead_unit": "NOPE",
                                                          "reason": "改派"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"]["lead_unit"] == {"code": "unit_unknown",
                                                      "message": "单位 NOPE 不存在。"}


def test_only_the_office_edits_replans_and_cancels(client, operator, leader, fake_rpc):
    for headers in (operator, leader):
        assert client.patch("/api/v1/tasks/T-001", json={"title": "x", "reason": "r"},
                            headers=headers).status_code == 403
        assert client.post("/api/v1/tasks/T-001/replan", json={
            "targets": [{"due_date": "2026-06-30", "planned_percent": 100}], "reason": "r"},
            headers=headers).status_code == 403
        refused = client.post("/api/v1/tasks/T-001/cancel", json={"reason": "r"},
                              headers=headers)
        assert refused.status_code == 403
        assert refused.json()["detail"]["code"] == "admin_only"
    assert not [name for name in fake_rpc.names() if name.startswith("tasks.")
                and name.split(".")[1] in ("update_task", "replan_task", "cancel_task")]


def test_a_replan_and_a_cancellation(client, admin, fake_rpc):
    response = client.post("/api/v1/tasks/T-001/replan", json={
        "targets": [{"due_date": "2026-05-31", "planned_percent": 60},
                    {"due_date": "2026-06-30", "planned_percent": 100, "unit": "U02"}],
        "reason": "年中调整计划"}, headers=admin)
    assert response.status_code == 200
    assert fake_rpc.called("tasks.replan_task") == [{
        "code": "T-001", "reason": "年中调整计划", "caller": ADMIN, "targets": [
            {"due_date": "2026-05-31", "planned_percent": 60.0},
            {"due_date": "2026-06-30", "planned_percent": 100.0, "unit": "U02"}]}]
    assert client.post("/api/v1/tasks/T-001/replan", json={"targets": [], "reason": "r"},
                       headers=admin).status_code == 422
    cancelled = client.post("/api/v1/tasks/T-001/cancel", json={"reason": "不再实施"},
                            headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post("/api/v1/tasks/T-001/cancel", json={}, headers=admin).status_code == 422


def test_a_task_not_active_cannot_be_cancelled(client, admin, fake_rpc):
    fake_rpc.fail("tasks.cancel_task", "Conflict",
                  '{"code": "task_not_active", "message": "任务已销号"}')
    response = client.post("/api/v1/tasks/T-001/cancel", json={"reason": "r"}, headers=admin)
    assert response.status_code == 409
    assert response.json()["detail"]["code"] == "task_not_active"


def test_the_history_has_colours_versions_and_plans(client, admin, operator, fake_rpc):
    history = client.get("/api/v1/tasks/T-001/history", headers=admin).json()
    assert {"items", "total", "versions", "plans"} <= set(history)
    assert history["versions"][0]["kind"] == "create"
    assert history["plans"][0]["targets"][0]["replaced_in"] is None
    assert client.get("/api/v1/tasks/T-001/history", headers=operator).status_code == 200


def test_tasks_listed_and_exported_by_batch(client, admin, fake_rpc):
    client.get("/api/v1/tasks?batch=2026年第一批", headers=admin)
    assert fake_rpc.called("tasks.list_tasks")[0]["batch"] == "2026年第一批"
    response = client.get("/api/v1/tasks/export.xlsx?batch=2026年第一批", headers=admin)
    assert response.status_code == 200
    assert fake_rpc.called("tasks.list_tasks")[1]["batch"] == "2026年第一批"


def test_batches_with_their_counts(client, admin, operator, fake_rpc):
    answer = client.get("/api/v1/batches", headers=admin).json()
    first = answer["items"][0]
    assert first == {"batch": "2026年第一批", "items": 2, "active": 1, "closed": 1,
                     "explained": 0, "cancelled": 0, "green": 1, "yellow": 0, "red": 1}
    assert answer["items"][1]["batch"] is None and answer["total"] == 2
    # The colours are the city's: a caller of some units does not see them.
    scoped = client.get("/api/v1/batches", headers=operator).json()
    assert scoped["items"][0]["red"] is None
    assert fake_rpc.names().count("warnings.get_batch_colours") == 1


def test_the_one_screen_by_batch_is_asked_each_time(client, admin, fake_rpc):
    for _ in range(2):
        board = client.get("/api/v1/dashboard?batch=2026年第一批", headers=admin).json()
        assert board["units"][0]["name"] == "市发改委"
    assert [kwargs for name, kwargs in fake_rpc.calls
            if name == "warnings.get_dashboard"] == [{"batch": "2026年第一批"}] * 2


def test_a_unit_gets_a_new_head_and_the_names_are_asked_again(client, admin, fake_rpc):
    client.get("/api/v1/dashboard", headers=admin)
    response = client.patch("/api/v1/units/U01", json={
        "name": "市发展改革委", "head": {"name": "王五", "phone": "13900000000"},
        "reason": "负责人调整"}, headers=admin)
    assert response.status_code == 200
    assert fake_rpc.called("tasks.update_unit") == [{
        "code": "U01", "caller": ADMIN, "changes": {
            "name": "市发展改革委", "head": {"name": "王五", "phone": "13900000000"},
            "reason": "负责人调整"}}]
    before = fake_rpc.names().count("tasks.list_units")
    client.get("/api/v1/dashboard?batch=2026年第一批", headers=admin)
    assert fake_rpc.names().count("tasks.list_units") == before + 1
    assert client.patch("/api/v1/units/U01", json={"kind": "county"},
                        headers=admin).status_code == 422


def test_a_unit_retired_or_merged(client, admin, operator, fake_rpc):
    refused = client.post("/api/v1/units/U01/retire", json={"reason": "撤并"}, headers=admin)
    assert refused.status_code == 409
    assert refused.json()["detail"]["code"] == "unit_leads_open_tasks"
    merged = client.post("/api/v1/units/U01/merge", json={"into": "U02", "reason": "机构改革"},
                         headers=admin)
    assert merged.status_code == 200 and merged.json()["tasks"] == ["T-001"]
    assert fake_rpc.called("tasks.merge_units") == [
        {"code": "U01", "into": "U02", "reason": "机构改革", "caller": ADMIN}]
    assert client.post("/api/v1/units/U01/merge", json={"into": "U02", "reason": "x"},
                       headers=operator).status_code == 403
    assert client.get("/api/v1/units/U01/history", headers=operator).status_code == 200


def test_every_change_is_in_the_audit_log(client, admin, fake_rpc):
    client.patch("/api/v1/tasks/T-001", json={"title": "新名称", "reason": "规范"},
                 headers=admin)
    client.post("/api/v1/units/U01/merge", json={"into": "U02", "reason": "机构改革"},
                headers=admin)
    rows = client.get("/api/v1/audit", headers=admin).json()["items"]
    paths = [(row["method"], row["path"]) for row in rows]
    assert ("PATCH", "/api/v1/tasks/T-001") in paths
    merge = next(row for row in rows if row["path"] == "/api/v1/units/U01/merge")
    assert merge["units"] == ["U02"] and merge["status"] == 200
