"""Leaders' instructions, stage feedback, task threads and accountability records
over HTTP: each route calls the right RPC with the right arguments, checks who
names which leader, carries files inline, and hands out the Word document."""
import base64

import pytest

PDF = b"%PDF-1.4 feedback"


@pytest.fixture
def mayor(client, admin, sign_in):
    body = {"username": "mayor", "password": "password-123", "role": "leader"}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    return sign_in("mayor", "password-123")


def test_a_leader_enters_its_own_instruction_under_its_name(client, mayor, fake_rpc):
    response = client.post("/api/v1/instructions", headers=mayor, json={
        "given_on": "2026-04-01", "text": "抓紧推进",
        "matter": {"title": "老旧小区改造", "lead_unit": "U01"}})
    assert response.status_code == 201, response.text
    (call,) = fake_rpc.called("tasks.give_instruction")
    assert call["data"]["leader"] == call["data"]["leader_name"] == "mayor"
    assert call["data"]["matter"] == {"title": "老旧小区改造", "lead_unit": "U01",
                                      "cooperating_units": []}
    assert call["caller"]["role"] == "leader"
    assert "colour" in response.json()


@pytest.mark.parametrize("office", [False, True])
def test_an_instruction_is_under_the_leaders_name_not_the_login(client, admin, sign_in,
                                                                fake_rpc, office):
    body = {"username": "deputy", "password": "password-123", "role": "leader",
            "name": "李副市长"}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    instruction = {"given_on": "2026-04-01", "text": "抓紧推进", "task": "T-001"}
    if office:
        instruction["leader"] = "deputy"
    response = client.post("/api/v1/instructions", json=instruction,
                           headers=admin if office else sign_in("deputy", "password-123"))
    assert response.status_code == 201, response.text
    (call,) = fake_rpc.called("tasks.give_instruction")
    assert (call["data"]["leader"], call["data"]["leader_name"]) == ("deputy", "李副市长")


def test_a_leader_enters_no_instruction_for_another(client, mayor, fake_rpc):
    response = client.post("/api/v1/instructions", headers=mayor, json={
        "leader": "deputy", "given_on": "2026-04-01", "text": "代批", "task": "T-001"})
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "leader_own_only"
    assert not fake_rpc.called("tasks.give_instruction")


@pytest.mark.parametrize("leader", [None, "admin", "nobody"])
def test_the_office_names_a_user_who_is_a_leader(client, admin, fake_rpc, leader):
    body = {"given_on": "2026-04-01", "text": "抓紧推进", "task": "T-001"}
    if leader:
        body["leader"] = leader
    response = client.post("/api/v1/instructions", headers=admin, json=body)
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "not_a_leader"
    assert not fake_rpc.called("tasks.give_instruction")


def test_the_office_records_an_instruction_with_the_leaders_name(client, admin, mayor,
                                                                 fake_rpc):
    response = client.post("/api/v1/instructions", headers=admin, json={
        "leader": "mayor", "leader_name": "王市长", "given_on": "2026-04-01",
        "text": "抓紧推进", "task": "T-001"})
    assert response.status_code == 201
    (call,) = fake_rpc.called("tasks.give_instruction")
    assert (call["data"]["leader"], call["data"]["leader_name"]) == ("mayor", "王市长")


def test_my_instructions_are_the_callers_with_their_colours(client, mayor, fake_rpc):
    response = client.get("/api/v1/instructions?mine=true", headers=mayor)
    assert response.status_code == 200
    assert fake_rpc.called("tasks.list_instructions")[0]["leader"] == "mayor"
    assert fake_rpc.called("warnings.get_task_colours") == [{"codes": ["T-001"]}]
    (item,) = response.json()["items"]
    assert item["leader"] == "mayor" and "colour" in item and "colour_reason" in item


def test_stage_feedback_carries_its_text_and_files_inline(client, operator, fake_rpc):
    response = client.post(
        "/api/v1/tasks/T-001/clock/first_feedback/feedback", headers=operator,
        data={"text": " 完成摸底 "},
        files=[("files", ("摸底.pdf", PDF, "application/pdf")),
               ("files", ("照片.pdf", PDF, "application/pdf"))])
    assert response.status_code == 201, response.text
    (call,) = fake_rpc.called("tasks.give_stage_feedback")
    assert call["code"] == "T-001" and call["data"]["stage"] == "first_feedback"
    assert call["data"]["text"] == "完成摸底"
    assert [(f["filename"], base64.b64decode(f["content_b64"])) for f in call["data"]["files"]] \
        == [("摸底.pdf", PDF), ("照片.pdf", PDF)]


def test_stage_feedback_refuses_six_files_and_a_blank_text(client, operator, fake_rpc):
    six = [("files", (f"{n}.pdf", PDF, "application/pdf")) for n in range(6)]
    response = client.post("/api/v1/tasks/T-001/clock/deployed/feedback", headers=operator,
                           data={"text": "部署"}, files=six)
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "files_too_many"
    blank = client.post("/api/v1/tasks/T-001/clock/deployed/feedback", headers=operator,
                        data={"text": "   "})
    assert blank.status_code == 422
    assert client.post("/api/v1/tasks/T-001/clock/lunch/feedback", headers=operator,
                       data={"text": "x"}).status_code == 422
    assert not fake_rpc.called("tasks.give_stage_feedback")


def test_a_message_on_a_thread_is_passed_on_and_audited(client, admin, operator, fake_rpc):
    response = client.post("/api/v1/tasks/T-001/messages", headers=operator,
                           data={"text": "已补充材料"},
                           files=[("files", ("材料.pdf", PDF, "application/pdf"))])
    assert response.status_code == 201, response.text
    (call,) = fake_rpc.called("tasks.post_task_message")
    assert call["data"]["text"] == "已补充材料" and len(call["data"]["files"]) == 1
    audit = client.get("/api/v1/audit", headers=admin,
                       params={"path": "/api/v1/tasks/T-001/messages"}).json()
    rows = [row for row in audit["items"] if row["path"] == "/api/v1/tasks/T-001/messages"]
    assert rows and rows[0]["status"] == 201


def test_a_unit_off_the_task_reads_no_thread(client, headers_for, fake_rpc):
    other = headers_for("operator", "C01")
    assert client.get("/api/v1/tasks/T-001/messages", headers=other).status_code == 403
    assert not fake_rpc.called("tasks.list_task_messages")


def test_an_accountability_record_is_opened_and_exported_as_word(client, admin, fake_rpc):
    response = client.post("/api/v1/accountability", headers=admin, json={
        "unit": "U01", "ground": "red_days", "ground_ref": "T-001",
        "questions": ["accountability", "plans"], "summary": "红色预警持续30天",
        "plan_deadline": "2026-04-30"})
    assert response.status_code == 201
    (call,) = fake_rpc.called("warnings.open_accountability_record")
    assert call["data"] == {"unit": "U01", "ground": "red_days", "ground_ref": "T-001",
                            "questions": ["accountability", "plans"],
                            "summary": "红色预警持续30天", "plan_deadline": "2026-04-30"}
    exported = client.get("/api/v1/accountability/6/export.docx", headers=admin)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.content.startswith(b"PK")
    assert fake_rpc.called("warnings.export_accountability_record")[0]["unit_name"]


def test_a_workbench_lists_its_units_open_records(client, operator, fake_rpc):
    response = client.get("/api/v1/accountability?unit=U01&open=true", headers=operator)
    assert response.status_code == 200
    (call,) = fake_rpc.called("warnings.list_accountability_records")
    assert (call["unit"], call["open_only"]) == ("U01", True)


@pytest.mark.parametrize("body", [
    {"unit": "U01", "ground": "rumour", "questions": ["accountability"], "summary": "x"},
    {"unit": "U01", "ground": "black_list", "questions": [], "summary": "x"},
    {"unit": "U01", "ground": "black_list", "questions": ["why"], "summary": "x"},
])
def test_a_record_with_a_wrong_ground_or_question_is_refused(client, admin, fake_rpc, body):
    assert client.post("/api/v1/accountability", headers=admin, json=body).status_code == 422
    assert not fake_rpc.called("warnings.open_accountability_record")


def test_the_leaders_to_choose_from_are_named_with_their_logins_and_nothing_more(
        client, admin, mayor, fake_rpc):
    people = [("deputy", "leader", "李副市长", None), ("gone", "leader", "张旧市长", None),
              ("clerk", "operator", "赵科员", "U01"), ("li", "admin", "李督查", None)]
    for username, role, name, unit in people:
        body = {"username": username, "password": "password-123", "role": role,
                "name": name, "phone": "13800000000"}
        if unit:
            body["unit"] = unit
        assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    # A leader who has left is no longer offered.
    assert client.patch("/api/v1/users/gone", json={"disabled": True},
                        headers=admin).status_code == 200
    response = client.get("/api/v1/leaders", headers=admin)
    assert response.status_code == 200
    # An account the office has not named reads as its login.
    assert response.json() == {"items": [{"username": "mayor", "name": "mayor"},
                                         {"username": "deputy", "name": "李副市长"}],
                               "total": 2}
    assert client.get("/api/v1/leaders", headers=mayor).json()["total"] == 2


@pytest.mark.parametrize("who, status", [
    ("operator", 403), ("evaluator", 403), ("key", 403), ("anonymous", 401)])
def test_only_those_who_record_an_instruction_list_the_leaders(client, headers_for, key_for,
                                                               who, status):
    headers = {"operator": lambda: headers_for("operator", "U01"),
               "evaluator": lambda: headers_for("evaluator", "U01"),
               "key": lambda: key_for("U01"), "anonymous": dict}[who]()
    response = client.get("/api/v1/leaders", headers=headers)
    assert response.status_code == status
    assert "items" not in response.json()


CORRECTION = {"text": "抓紧推进，月底前见效", "given_on": "2026-03-31", "reason": "录入笔误"}


def test_the_office_corrects_an_instruction_and_reads_its_corrections(client, admin, fake_rpc):
    response = client.patch("/api/v1/instructions/3", headers=admin, json=CORRECTION)
    assert response.status_code == 200, response.text
    (call,) = fake_rpc.called("tasks.correct_instruction")
    assert (call["instruction_id"], call["data"]) == (3, CORRECTION)
    (correction,) = response.json()["corrections"]
    assert [(f["label"], f["from"], f["to"]) for f in correction["fields"]] == [
        ("批示内容", "抓紧推进", "抓紧推进，月底前见效"), ("批示日期", "2026-04-01", "2026-03-31")]
    assert "colour" in response.json()


def test_the_leader_who_gave_it_corrects_its_own_instruction(client, mayor, fake_rpc):
    response = client.patch("/api/v1/instructions/3", headers=mayor,
                            json={"leader_name": "王市长（常务）", "reason": "称谓有误"})
    assert response.status_code == 200, response.text
    assert response.json()["leader_name"] == "王市长（常务）"


def test_another_leader_or_a_unit_corrects_no_instruction(client, headers_for, fake_rpc):
    response = client.patch("/api/v1/instructions/3", headers=headers_for("leader"),
                            json=CORRECTION)
    assert response.status_code == 403
    assert response.json()["code"] == "instruction_giver"
    assert "领导本人" in response.json()["message"]
    response = client.patch("/api/v1/instructions/3", headers=headers_for("operator", "U01"),
                            json=CORRECTION)
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "office_or_leader_only"
    assert len(fake_rpc.called("tasks.correct_instruction")) == 1


@pytest.mark.parametrize("body, words", [
    ({"text": "抓紧推进，月底前见效"}, "原因"),
    ({"text": "x", "reason": "  "}, "原因"),
    ({"text": "x" * 5001, "reason": "笔误"}, "内容"),
    ({"given_on": "2026-13-01", "reason": "笔误"}, "批示日期"),
    ({"text": "x", "reason": "笔误", "leader": "deputy"}, "领导"),
])
def test_a_wrong_correction_is_refused_in_chinese(client, admin, fake_rpc, body, words):
    response = client.patch("/api/v1/instructions/3", headers=admin, json=body)
    assert response.status_code == 422, response.text
    assert words in response.json()["message"]
    assert not fake_rpc.called("tasks.correct_instruction")


def test_the_services_refusals_of_a_correction_reach_people_in_chinese(client, admin):
    response = client.patch("/api/v1/instructions/3", headers=admin,
                            json={"text": "抓紧推进", "reason": "笔误"})
    assert (response.status_code, response.json()["code"]) == (
        422, "instruction_nothing_changed")
    assert "没有需要更正的内容" in response.json()["message"]
    response = client.patch("/api/v1/instructions/3", headers=admin,
                            json={"given_on": "2100-01-01", "reason": "笔误"})
    assert (response.status_code, response.json()["code"]) == (
        422, "instruction_date_in_future")
    response = client.patch("/api/v1/instructions/9", headers=admin, json=CORRECTION)
    assert response.status_code == 404
    assert "批示 9 不存在" in response.json()["message"]
