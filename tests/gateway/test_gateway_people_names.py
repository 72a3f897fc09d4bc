"""People read who acted by name: the services keep logins, the gateway adds the
names of its users (as they are now) beside them, and 系统 for the platform."""
import pytest


@pytest.fixture
def named(client, admin):
    """op_yz (王小明), an operator of U01, and the admin renamed 李督查; office9
    has no name recorded."""
    for username in ("op_yz", "office9"):
        assert client.post("/api/v1/users", headers=admin, json={
            "username": username, "password": "password-123", "role": "operator",
            "unit": "U01"}).status_code == 201
    for username, name in (("op_yz", "王小明"), ("admin", "李督查")):
        assert client.patch(f"/api/v1/users/{username}", headers=admin,
                            json={"name": name}).status_code == 200


def test_a_threads_messages_name_their_author_and_unit(client, admin, fake_rpc, named):
    message = {"id": 1, "task": "T-001", "author": "op_yz", "side": "unit", "unit": "U01",
               "text": "已补充材料", "files": [], "posted_at": "2026-04-01T08:00:00"}
    office = {**message, "id": 2, "author": "admin", "side": "office", "unit": None}
    fake_rpc.answer("tasks.list_task_messages", {"items": [message, office], "total": 2})
    items = client.get("/api/v1/tasks/T-001/messages", headers=admin).json()["items"]
    assert [(item["author"], item["author_name"], item["unit"], item["unit_name"])
            for item in items] == [("op_yz", "王小明", "U01", "市发改委"),
                                   ("admin", "李督查", None, None)]
    # A renamed person reads under the new name in what was written before.
    client.patch("/api/v1/users/op_yz", headers=admin, json={"name": "王晓明"})
    items = client.get("/api/v1/tasks/T-001/messages", headers=admin).json()["items"]
    assert items[0]["author_name"] == "王晓明"


def test_a_message_just_posted_names_its_author(client, admin, named):
    posted = client.post("/api/v1/tasks/T-001/messages", headers=admin, data={"text": "请尽快"})
    assert posted.status_code == 201, posted.text
    assert (posted.json()["author"], posted.json()["author_name"]) == ("admin", "李督查")


def test_a_message_is_passed_on_with_its_authors_name_for_notify_to_say(
        client, admin, fake_rpc, named, sign_in, key_for):
    """The tasks service keeps logins; the gateway gives it the author's name as
    people read it now, so the inbox, SMS and e-mail say who wrote."""
    op_yz, office9 = sign_in("op_yz", "password-123"), sign_in("office9", "password-123")
    for who in (admin, op_yz, office9, key_for("U01", name="袁州区系统")):
        assert client.post("/api/v1/tasks/T-001/messages", headers=who,
                           data={"text": "已补充"}).status_code == 201
    assert [call["data"]["author_name"] for call in fake_rpc.called(
        "tasks.post_task_message")] == ["李督查", "王小明", "office9", "接口密钥“袁州区系统”"]
    # Renamed, the person is named anew in what they write next.
    client.patch("/api/v1/users/op_yz", headers=admin, json={"name": "王晓明"})
    client.post("/api/v1/tasks/T-001/messages", headers=op_yz, data={"text": "再补充"})
    assert fake_rpc.called("tasks.post_task_message")[-1]["data"]["author_name"] == "王晓明"


def test_notices_name_who_issued_and_acknowledged_them_and_the_system(
        client, admin, fake_rpc, named):
    notices = [{"id": 3, "number": "督办〔2026〕3号", "task": "T-001", "unit": "U01",
                "status": "acknowledged", "issued_by": "auto", "acknowledged_by": "op_yz"},
               {"id": 4, "number": "督办〔2026〕4号", "task": "T-001", "unit": "U01",
                "status": "open", "issued_by": "office9", "acknowledged_by": None}]
    fake_rpc.answer("warnings.list_notices", {"items": notices, "total": 2})
    for items in (client.get("/api/v1/notices", headers=admin).json()["items"],
                  client.get("/api/v1/tasks/T-001", headers=admin).json()["notices"]):
        assert [(item["issued_by_name"], item["acknowledged_by_name"]) for item in items] == [
            ("系统", "王小明"), ("office9", None)]  # no name recorded: the login is all there is
        assert items[0]["issued_by"] == "auto"


def test_histories_and_settings_name_who_changed_them(client, admin, fake_rpc, named):
    change = {"version": 2, "kind": "update", "changes": {}, "reason": "调整",
              "changed_by": "admin", "changed_at": "2026-04-02T00:00:00"}
    fake_rpc.answer("tasks.get_task_history", {"task": "T-001", "versions": [change],
                                               "plans": []})
    fake_rpc.answer("tasks.get_unit_history", {"unit": "U01", "items": [change]})
    fake_rpc.answer("warnings.get_calendar_history", {"year": 2027, "items": [change]})
    fake_rpc.answer("warnings.get_calendar", {"year": 2027, "source": "office",
                                              "holidays": [], "workdays": [], "version": 2,
                                              "note": None, **change})
    fake_rpc.answer("notify.list_escalations", {"items": [
        {"id": 4, "unit": "U01", "status": "stopped", "stopped_reason": "acknowledged",
         "stopped_by": "op_yz"}], "total": 1})
    answers = {
        "/api/v1/tasks/T-001/history": lambda body: body["versions"],
        "/api/v1/units/U01/history": lambda body: body["items"],
        "/api/v1/calendar/2027/history": lambda body: body["items"],
        "/api/v1/calendar/2027": lambda body: [body],
        "/api/v1/robots": lambda body: body["items"],
    }
    for path, rows in answers.items():
        body = client.get(path, headers=admin).json()
        field = "updated_by" if path == "/api/v1/robots" else "changed_by"
        assert [(row[field], row[f"{field}_name"]) for row in rows(body)] == [
            ("admin", "李督查")], path
    templates = client.get("/api/v1/templates", headers=admin).json()["items"]
    assert templates[0]["updated_by_name"] is None  # a default nobody changed
    escalations = client.get("/api/v1/escalations", headers=admin).json()["items"]
    assert escalations[0]["stopped_by_name"] == "王小明"


def test_a_county_systems_key_reads_as_its_name(client, admin, fake_rpc):
    fake_rpc.answer("tasks.get_unit_history", {"unit": "U01", "items": [
        {"kind": "update", "changes": {}, "reason": None, "changed_by": "api-key:yz-system",
         "changed_at": "2026-04-02T00:00:00"}]})
    items = client.get("/api/v1/units/U01/history", headers=admin).json()["items"]
    assert items[0]["changed_by_name"] == "接口密钥“yz-system”"
