"""The notify service over HTTP: each route calls the right RPC with the right
arguments, within the caller's scope and role, and bulletins download as files."""
import base64
from urllib.parse import quote, unquote

import pytest

ADMIN = {"user": "admin", "role": "admin", "units": None}
PAGE = {"limit": 100, "offset": 0}


@pytest.fixture
def mayor(client, admin, sign_in):
    """A leader whose username the notify service knows (LUOSHI_NOTIFY_LEADERS)."""
    body = {"username": "mayor", "password": "password-123", "role": "leader"}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    return sign_in("mayor", "password-123")


# The delivery log ----------------------------------------------------------------

def test_notifications_take_the_new_filters(client, admin, fake_rpc):
    response = client.get("/api/v1/notifications", headers=admin, params={
        "unit": "U01", "channel": "sms", "status": "sent", "event_type": "colour_changed"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["items"]] == [2]
    assert fake_rpc.calls == [("notify.list_notifications", {
        **PAGE, "unit": "U01", "channel": "sms", "status": "sent",
        "event_type": "colour_changed"})]


def test_the_log_can_show_the_warnings_dropped_because_their_task_recovered(
        client, admin, fake_rpc):
    response = client.get("/api/v1/notifications", headers=admin, params={"status": "dropped"})
    assert response.status_code == 200
    assert fake_rpc.calls == [("notify.list_notifications", {**PAGE, "status": "dropped"})]


@pytest.mark.parametrize("query", ["channel=fax", "status=lost", "event_type=rumour"])
def test_notification_filters_are_checked(client, admin, fake_rpc, query):
    assert client.get(f"/api/v1/notifications?{query}", headers=admin).status_code == 422
    assert fake_rpc.calls == []


# The inbox -----------------------------------------------------------------------

def test_an_operators_inbox_is_its_units_and_its_own(client, headers_for, fake_rpc):
    operator = headers_for("operator", "U01")
    response = client.get("/api/v1/inbox?unread=true", headers=operator)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["items"]] == [1]
    assert fake_rpc.called("notify.list_inbox") == [
        {**PAGE, "unit": "U01", "user": "operator1", "unread": True}]


def test_a_leaders_inbox_is_addressed_to_them_by_name(client, mayor, fake_rpc):
    response = client.get("/api/v1/inbox", headers=mayor)
    assert [row["id"] for row in response.json()["items"]] == [3]
    assert fake_rpc.calls == [("notify.list_inbox", {**PAGE, "user": "mayor"})]


def test_a_city_wide_caller_names_a_unit_to_see_its_inbox(client, admin, fake_rpc):
    response = client.get("/api/v1/inbox?unit=U01&unread=false&limit=5&offset=1",
                          headers=admin)
    assert response.status_code == 200
    assert fake_rpc.called("notify.list_inbox") == [
        {"limit": 5, "offset": 1, "unit": "U01", "user": "admin", "unread": False}]


def test_an_api_key_reads_its_units_inbox_under_no_name(client, key_for, fake_rpc):
    response = client.get("/api/v1/inbox", headers=key_for("U01"))
    assert response.status_code == 200
    assert fake_rpc.called("notify.list_inbox") == [{**PAGE, "unit": "U01"}]


def test_an_operator_may_not_read_another_units_inbox(client, headers_for, fake_rpc):
    other = headers_for("operator", "C01")
    response = client.get("/api/v1/inbox?unit=U01", headers=other)
    assert response.status_code == 403
    assert "notify.list_inbox" not in fake_rpc.names()


def test_an_operator_reads_the_inbox_of_a_unit_below_its_own(client, headers_for, fake_rpc):
    county = headers_for("operator", "C01")
    assert client.get("/api/v1/inbox?unit=C01-1", headers=county).status_code == 200
    assert fake_rpc.called("notify.list_inbox")[0]["unit"] == "C01-1"


def test_a_key_of_several_units_names_one(client, key_for, fake_rpc):
    key = key_for("U01", "C01")
    assert client.get("/api/v1/inbox", headers=key).status_code == 422
    assert client.get("/api/v1/inbox?unit=C01", headers=key).status_code == 200
    assert fake_rpc.called("notify.list_inbox") == [{**PAGE, "unit": "C01"}]


def test_mark_read(client, headers_for, fake_rpc):
    operator = headers_for("operator", "U01")
    response = client.post("/api/v1/inbox/read", json={"ids": [1, 2]}, headers=operator)
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert fake_rpc.calls == [("notify.mark_read", {
        "ids": [1, 2], "caller": {"user": "operator1", "role": "operator", "units": ["U01"]}})]


def test_leaders_do_not_change_read_state(client, mayor, fake_rpc):
    # One read flag per message: a leader marking it would hide it from its unit.
    response = client.post("/api/v1/inbox/read", json={"ids": [3]}, headers=mayor)
    assert response.status_code == 403
    assert fake_rpc.called("notify.mark_read") == []


def test_marking_another_units_messages_is_refused(client, headers_for, fake_rpc):
    other = headers_for("operator", "C01")
    response = client.post("/api/v1/inbox/read", json={"ids": [1]}, headers=other)
    assert response.status_code == 403


@pytest.mark.parametrize("body", [{"ids": []}, {"ids": [0]}, {"ids": ["one"]}, {},
                                  {"ids": [1], "all": True}, {"ids": list(range(1, 1002))}])
def test_mark_read_bodies_are_checked(client, admin, fake_rpc, body):
    assert client.post("/api/v1/inbox/read", json=body, headers=admin).status_code == 422
    assert fake_rpc.calls == []


# Acknowledging and escalations -------------------------------------------------------

def test_acknowledging_stops_the_escalation(client, headers_for, fake_rpc):
    operator = headers_for("operator", "U01")
    response = client.post("/api/v1/notifications/1/ack", headers=operator)
    assert response.status_code == 200
    assert response.json() == {"notification_id": 1, "item": "task:T-001",
                               "stopped": ["task:T-001"]}
    assert fake_rpc.calls == [("notify.acknowledge", {
        "notification_id": 1,
        "caller": {"user": "operator1", "role": "operator", "units": ["U01"]}})]


def test_acknowledging_is_refused_to_leaders_and_other_units(client, leader, headers_for,
                                                              fake_rpc):
    assert client.post("/api/v1/notifications/1/ack", headers=leader).status_code == 403
    assert fake_rpc.calls == []
    other = headers_for("operator", "C01")
    assert client.post("/api/v1/notifications/1/ack", headers=other).status_code == 403


def test_acknowledging_an_unknown_notification(client, admin, fake_rpc):
    assert client.post("/api/v1/notifications/99/ack", headers=admin).status_code == 404
    assert client.post("/api/v1/notifications/0/ack", headers=admin).status_code == 422


def test_escalations_for_admins_and_leaders(client, admin, leader, fake_rpc):
    response = client.get("/api/v1/escalations?status=open&unit=U01&item=task:T-001",
                          headers=leader)
    assert response.status_code == 200
    assert response.json()["items"][0]["history"][0]["role"] == "operator"
    assert client.get("/api/v1/escalations", headers=admin).status_code == 200
    assert fake_rpc.called("notify.list_escalations") == [
        {**PAGE, "status": "open", "unit": "U01", "item": "task:T-001"}, PAGE]


def test_escalations_are_not_for_units(client, operator, key_for, fake_rpc):
    assert client.get("/api/v1/escalations", headers=operator).status_code == 403
    assert client.get("/api/v1/escalations", headers=key_for("U01")).status_code == 403
    assert fake_rpc.calls == []


def test_escalation_status_is_checked(client, admin, fake_rpc):
    assert client.get("/api/v1/escalations?status=closed", headers=admin).status_code == 422


# Routing rules and templates ---------------------------------------------------------

def test_routing_rules(client, admin, fake_rpc):
    assert client.get("/api/v1/routing-rules", headers=admin).json()["items"][0]["role"] == \
        "operator"
    rules = [
        {"event_type": "colour_changed", "colour": "red", "role": "operator",
         "channels": ["sms", "inbox"], "quiet_hours": "21:00-07:30"},
        # No quiet hours at all, which is not the same as leaving them out.
        {"event_type": "notice_overdue", "colour": "overdue-ack", "unit": "C01",
         "role": "head", "channels": ["sms"], "quiet_hours": None, "enabled": False},
        {"event_type": "escalation", "role": "office", "channels": ["email"]},
        # A reminder five working days before a target is due, by e-mail.
        {"event_type": "reminder_target", "role": "operator", "channels": ["email"],
         "days_before": 5},
    ]
    response = client.put("/api/v1/routing-rules", json={"rules": rules}, headers=admin)
    assert response.status_code == 200
    assert [rule["position"] for rule in response.json()["items"]] == [0, 1, 2, 3]
    assert response.json()["items"][3]["days_before"] == 5
    assert fake_rpc.calls == [("notify.list_routing_rules", {}),
                              ("notify.set_routing_rules", {"rules": rules, "caller": ADMIN})]


def test_clearing_every_routing_rule(client, admin, fake_rpc):
    assert client.put("/api/v1/routing-rules", json={"rules": []}, headers=admin).json() == \
        {"items": []}
    assert fake_rpc.called("notify.set_routing_rules") == [{"rules": [], "caller": ADMIN}]


@pytest.mark.parametrize("change", [
    {"event_type": "digest"}, {"role": "mayor"}, {"channels": []}, {"channels": ["fax"]},
    {"quiet_hours": "late"}, {"priority": 1}, {"enabled": None},
    {"event_type": "reminder_target", "days_before": 31},
    {"event_type": "reminder_target", "days_before": -1},
])
def test_routing_rules_are_checked(client, admin, fake_rpc, change):
    rule = {"event_type": "colour_changed", "role": "operator", "channels": ["sms"], **change}
    response = client.put("/api/v1/routing-rules", json={"rules": [rule]}, headers=admin)
    assert response.status_code == 422
    assert fake_rpc.calls == []


def test_the_service_judges_what_the_shape_cannot(client, admin, fake_rpc):
    fake_rpc.fail("notify.set_routing_rules", "InvalidInput",
                  '{"rules[0].channels": "the webhook role hears on webhooks only"}')
    rule = {"event_type": "colour_changed", "role": "webhook", "channels": ["sms"]}
    response = client.put("/api/v1/routing-rules", json={"rules": [rule]}, headers=admin)
    assert response.status_code == 422
    assert response.json() == {
        "detail": {"rules[0].channels": "the webhook role hears on webhooks only"},
        "code": "invalid_input", "message": "规则第1项的“渠道”填写有误，请检查后重新填写。"}


def test_templates(client, admin, fake_rpc):
    listed = client.get("/api/v1/templates?event_type=colour_changed&channel=sms",
                        headers=admin)
    assert listed.json()["items"][0]["variables"] == ["task", "unit_name"]
    body = {"subject": "红色预警：{{ task }}", "body": "{{ unit_name }}：请整改。\n"}
    response = client.put("/api/v1/templates/notice_issued/email", json=body, headers=admin)
    assert response.status_code == 200
    assert response.json()["updated_by"] == "admin"
    assert fake_rpc.calls == [
        ("notify.list_templates", {"event_type": "colour_changed", "channel": "sms"}),
        ("notify.set_template", {"event_type": "notice_issued", "channel": "email",
                                 "subject": "红色预警：{{ task }}",
                                 "body": "{{ unit_name }}：请整改。\n", "caller": ADMIN})]


def test_an_sms_template_has_no_subject(client, admin, fake_rpc):
    response = client.put("/api/v1/templates/digest/sms", json={"body": "{{ count }} 条"},
                          headers=admin)
    assert response.status_code == 200
    assert fake_rpc.called("notify.set_template")[0]["subject"] == ""


@pytest.mark.parametrize("path, body", [
    ("/api/v1/templates/rumour/sms", {"body": "x"}),
    ("/api/v1/templates/colour_changed/fax", {"body": "x"}),
    ("/api/v1/templates/colour_changed/sms", {"body": ""}),
    ("/api/v1/templates/colour_changed/sms", {"subject": "x" * 201, "body": "x"}),
    ("/api/v1/templates/colour_changed/sms", {"body": "x", "channel": "email"}),
])
def test_templates_are_checked(client, admin, fake_rpc, path, body):
    assert client.put(path, json=body, headers=admin).status_code == 422
    assert fake_rpc.calls == []


def test_a_template_that_does_not_render(client, admin, fake_rpc):
    fake_rpc.fail("notify.set_template", "InvalidInput",
                  '{"body": "does not render: \'nobody\' is undefined"}')
    response = client.put("/api/v1/templates/colour_changed/sms",
                          json={"body": "{{ nobody }}"}, headers=admin)
    assert response.status_code == 422
    assert "nobody" in response.json()["detail"]["body"]


def test_routing_rules_name_the_group_robots(client, admin, fake_rpc):
    rules = [{"event_type": "colour_changed", "colour": "red", "role": "operator",
              "channels": ["inbox", "sms", "email", "webhook", "dingtalk", "wecom"]}]
    assert client.put("/api/v1/routing-rules", json={"rules": rules},
                      headers=admin).status_code == 200
    assert fake_rpc.called("notify.set_routing_rules")[0]["rules"][0]["channels"][-2:] == [
        "dingtalk", "wecom"]
    assert client.put("/api/v1/templates/notice_issued/wecom", headers=admin,
                      json={"subject": "督办单", "body": "{{ unit_name }}"}).status_code == 200


# Work-group robots -------------------------------------------------------------------

DING = "https://oapi.dingtalk.com/robot/send?access_token=ab12cd34ef56"


def test_a_units_robot_is_set_listed_and_removed(client, admin, fake_rpc):
    response = client.put("/api/v1/robots/U01/dingtalk", headers=admin,
                          json={"webhook_url": DING, "secret": "SECsecret-42"})
    assert response.status_code == 200
    assert "ab12cd34ef56" not in response.text and "SECsecret-42" not in response.text
    assert response.json()["signed"] is True
    listed = client.get("/api/v1/robots?unit=yz", headers=admin)
    assert [row["channel"] for row in listed.json()["items"]] == ["dingtalk"]
    assert client.delete("/api/v1/robots/U01/wecom", headers=admin).json()["removed"] is True
    assert fake_rpc.calls == [
        ("notify.set_unit_robot", {"unit": "U01", "channel": "dingtalk", "url": DING,
                                   "secret": "SECsecret-42", "caller": ADMIN}),
        ("notify.list_unit_robots", {"unit": "yz"}),
        ("notify.set_unit_robot", {"unit": "U01", "channel": "wecom", "url": None,
                                   "caller": ADMIN})]


@pytest.mark.parametrize("path, body", [
    ("/api/v1/robots/U01/telegram", {"webhook_url": DING}),
    ("/api/v1/robots/U01/dingtalk", {}),
    ("/api/v1/robots/U01/dingtalk", {"webhook_url": DING, "secret": ""}),
    ("/api/v1/robots/U01/dingtalk", {"webhook_url": "x" * 1001}),
    ("/api/v1/robots/U01/dingtalk", {"webhook_url": DING, "token": "t"}),
])
def test_robot_bodies_are_checked(client, admin, fake_rpc, path, body):
    assert client.put(path, json=body, headers=admin).status_code == 422
    assert fake_rpc.calls == []


def test_the_service_judges_a_robots_address(client, admin, fake_rpc):
    fake_rpc.fail("notify.set_unit_robot", "InvalidInput",
                  '{"url": "钉钉群机器人的 Webhook 地址应以 https:// 开头"}')
    response = client.put("/api/v1/robots/U01/dingtalk", headers=admin,
                          json={"webhook_url": DING.replace("https", "http")})
    assert response.status_code == 422
    assert response.json() == {
        "detail": {"url": "钉钉群机器人的 Webhook 地址应以 https:// 开头"},
        "code": "invalid_input",
        "message": "“Webhook 地址”：钉钉群机器人的 Webhook 地址应以 https:// 开头。"}


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/robots", None),
    ("put", "/api/v1/robots/U01/wecom", {"webhook_url": "https://qyapi.weixin.qq.com/x?key=k"}),
    ("delete", "/api/v1/robots/U01/wecom", None),
    ("get", "/api/v1/routing-rules", None),
    ("put", "/api/v1/routing-rules", {"rules": []}),
    ("get", "/api/v1/templates", None),
    ("put", "/api/v1/templates/colour_changed/sms", {"body": "x"}),
    ("post", "/api/v1/bulletins", {}),
    ("post", "/api/v1/bulletins/2/issue", None),
])
def test_only_admins_set_up_notify(client, operator, leader, key_for, fake_rpc, method,
                                   path, body):
    for headers in (operator, leader, key_for("U01")):
        assert client.request(method, path, json=body, headers=headers).status_code == 403
    assert fake_rpc.calls == []


# Bulletins ---------------------------------------------------------------------------

def test_leaders_and_the_office_list_bulletins_and_units_do_not(client, leader, operator,
                                                                 key_for, fake_rpc):
    response = client.get("/api/v1/bulletins?limit=10", headers=leader)
    assert response.status_code == 200
    assert response.json()["items"][0]["week_start"] == "2026-03-30"
    assert fake_rpc.calls == [("notify.list_bulletins", {"limit": 10, "offset": 0})]
    for headers in (operator, key_for("U01")):
        for path in ("/api/v1/bulletins", "/api/v1/bulletins/2.pdf", "/api/v1/bulletins/2.html",
                     "/api/v1/bulletins/2.docx"):
            response = client.get(path, headers=headers)
            assert response.status_code == 403
            assert response.json()["detail"]["code"] == "city_wide_only"
    assert len(fake_rpc.calls) == 1


def test_generating_a_bulletin(client, admin, fake_rpc):
    response = client.post("/api/v1/bulletins", json={"week_start": "2026-03-23"},
                           headers=admin)
    assert response.status_code == 200
    assert response.json()["week_start"] == "2026-03-23"
    # Without a week, the service picks the last full one.
    assert client.post("/api/v1/bulletins", json={}, headers=admin).status_code == 200
    assert client.post("/api/v1/bulletins", headers=admin).status_code == 200
    assert fake_rpc.called("notify.generate_bulletin") == [
        {"caller": ADMIN, "week_start": "2026-03-23"}, {"caller": ADMIN}, {"caller": ADMIN}]


@pytest.mark.parametrize("body", [{"week_start": "next week"}, {"week": "2026-03-30"}])
def test_bulletin_bodies_are_checked(client, admin, fake_rpc, body):
    assert client.post("/api/v1/bulletins", json=body, headers=admin).status_code == 422
    assert fake_rpc.calls == []


def test_a_week_that_does_not_start_on_monday(client, admin, fake_rpc):
    fake_rpc.fail("notify.generate_bulletin", "InvalidInput", '{"week_start": "a Monday"}')
    response = client.post("/api/v1/bulletins", json={"week_start": "2026-04-01"},
                           headers=admin)
    assert response.status_code == 422
    assert response.json() == {"detail": {"week_start": "a Monday"}, "code": "not_a_monday",
                               "message": "“周起始日”：周起始日须为星期一。"}


@pytest.mark.parametrize("format, media_type", [
    ("pdf", "application/pdf"), ("html", "text/html; charset=utf-8"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
def test_downloading_a_bulletin(client, leader, fake_rpc, format, media_type):
    content = "每周专报 %PDF \x00\xff".encode() + bytes(range(256))
    fake_rpc.answer("notify.get_bulletin", lambda bulletin_id, format: {
        "id": bulletin_id, "week_start": "2026-03-30",
        "filename": f"luoshi-bulletin-2026-03-30.{format}", "content_type": media_type,
        "content_b64": base64.b64encode(content).decode()})
    response = client.get(f"/api/v1/bulletins/2.{format}", headers=leader)
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == media_type
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"luoshi-bulletin-2026-03-30.{format}\"; "
        f"filename*=UTF-8''luoshi-bulletin-2026-03-30.{format}")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert fake_rpc.calls == [("notify.get_bulletin", {"bulletin_id": 2, "format": format})]


def test_a_bulletins_chinese_file_name_reaches_the_browser_intact(client, leader, fake_rpc):
    # The notify service names an unnumbered bulletin by its week in Chinese: the
    # header carries it percent-encoded in UTF-8 (RFC 5987 filename*), with an
    # ASCII stand-in for clients that read only filename.
    fake_rpc.answer("notify.get_bulletin", lambda bulletin_id, format: {
        "id": bulletin_id, "week_start": "2026-12-07",
        "filename": "落实事项专报-2026年12月7日.pdf", "content_type": "application/pdf",
        "content_b64": base64.b64encode(b"%PDF-1.4").decode()})
    response = client.get("/api/v1/bulletins/2.pdf", headers=leader)
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition == (
        'attachment; filename="______-2026_12_7_.pdf"; '
        "filename*=UTF-8''" + quote("落实事项专报-2026年12月7日.pdf", safe=""))
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded, encoding="utf-8") == "落实事项专报-2026年12月7日.pdf"
    disposition.encode("latin-1")  # a header's bytes: nothing outside ISO-8859-1


def test_the_office_signs_a_drafted_bulletin(client, admin, fake_rpc):
    response = client.post("/api/v1/bulletins/2/issue", headers=admin)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["issue"]) == ("issued", "2026年第14期")
    assert fake_rpc.calls == [("notify.issue_bulletin", {"bulletin_id": 2, "caller": ADMIN})]


def test_a_bulletin_signed_already_is_refused_in_chinese(client, admin, fake_rpc):
    fake_rpc.fail("notify.issue_bulletin", "Conflict",
                  "the bulletin of the week from 2026-03-30 is issued: it is not drawn up again")
    response = client.post("/api/v1/bulletins/2/issue", headers=admin)
    assert response.status_code == 409
    assert response.json()["code"] == "bulletin_issued"
    assert response.json()["message"] == (
        "2026年3月30日起一周的专报已签发，已签发的专报不再重新生成或签发。")


def test_downloading_an_unknown_bulletin(client, admin, fake_rpc):
    fake_rpc.fail("notify.get_bulletin", "NotFound", "no such bulletin")
    response = client.get("/api/v1/bulletins/9.pdf", headers=admin)
    assert response.status_code == 404
    assert response.json() == {"detail": "no such bulletin", "code": "bulletin_not_found",
                               "message": "没有这期专报。"}


@pytest.mark.parametrize("path, status", [
    ("/api/v1/bulletins/2.doc", 404), ("/api/v1/bulletins/two.pdf", 422),
    ("/api/v1/bulletins/0.html", 422)])
def test_bulletin_downloads_take_an_id_and_a_known_format(client, admin, fake_rpc, path,
                                                          status):
    assert client.get(path, headers=admin).status_code == status
    assert fake_rpc.calls == []


def test_downloads_need_a_caller(client, fake_rpc):
    assert client.get("/api/v1/bulletins/2.pdf").status_code == 401
    assert fake_rpc.calls == []
