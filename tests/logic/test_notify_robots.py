"""The DingTalk (钉钉) and WeCom (企业微信) group robots: the signature, the markdown
bodies, the addresses checked, and who in which work group the routing reaches."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.parse

import pytest

from services.common.errors import InvalidInput
from services.notify import channels, logic

DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=0123abcd"
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
MESSAGE = {"id": 7, "subject": "红色预警：任务 T1", "task": "T1", "item": "task:T1",
           "body": "袁州区：任务 T1 已亮红灯（严重延期）。\n原因：计划进度60%，实际20%。"}


def test_the_dingtalk_signature_matches_a_vector_worked_out_apart():
    # printf '1700000000000\nSECxyz' | openssl dgst -sha256 -hmac SECxyz -binary | base64
    assert logic.dingtalk_sign("SECxyz", 1700000000000) == \
        "0PUR1j8g85Xg3vlFV/UrEcxXfF5HpCAGzcjrNfyJoyg="
    secret, timestamp = "SEC3f8e2b1a9c", 1733400000123
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    assert logic.dingtalk_sign(secret, timestamp) == base64.b64encode(mac.digest()).decode()


def test_a_signed_dingtalk_address_carries_the_timestamp_and_the_url_encoded_sign():
    url = logic.dingtalk_url(DINGTALK, "SECxyz", 1700000000000)
    assert url == (DINGTALK + "&timestamp=1700000000000"
                   "&sign=0PUR1j8g85Xg3vlFV%2FUrEcxXfF5HpCAGzcjrNfyJoyg%3D")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["sign"] == ["0PUR1j8g85Xg3vlFV/UrEcxXfF5HpCAGzcjrNfyJoyg="]
    assert logic.dingtalk_url(DINGTALK, None, 1700000000000) == DINGTALK  # no 加签


def test_the_dingtalk_body_is_markdown_with_the_subject_the_body_and_a_link():
    document = json.loads(logic.dingtalk_body(MESSAGE, "https://luoshi.example.gov.cn"))
    assert document["msgtype"] == "markdown"
    assert document["markdown"]["title"] == "红色预警：任务 T1"
    assert document["markdown"]["text"] == (
        "### 红色预警：任务 T1\n\n袁州区：任务 T1 已亮红灯（严重延期）。\n\n"
        "原因：计划进度60%，实际20%。\n\n"
        "[在落实平台查看](https://luoshi.example.gov.cn/#/task/T1)")


def test_the_wecom_body_is_markdown_content_and_without_a_portal_has_no_link():
    document = json.loads(logic.wecom_body(MESSAGE))
    assert document == {"msgtype": "markdown", "markdown": {"content": (
        "### 红色预警：任务 T1\n\n袁州区：任务 T1 已亮红灯（严重延期）。\n\n"
        "原因：计划进度60%，实际20%。")}}


@pytest.mark.parametrize("message, link", [
    ({"task": "T 1/2", "item": "task:T 1/2"}, "https://p.example/#/task/T%201%2F2"),
    ({"task": None, "item": "ranking:2026-Q3"}, "https://p.example/#/ranking?period=2026-Q3"),
    ({"task": None, "item": "bulletin:2026-11-02", "bulletin_id": 3},
     "https://p.example/#/bulletins"),
    ({"task": None, "item": None}, "https://p.example/"),
])
def test_the_link_opens_the_item_in_the_portal(message, link):
    assert logic.portal_link("https://p.example/", message) == link


def test_a_long_message_is_cut_to_what_wecom_takes_and_says_so():
    long = {**MESSAGE, "body": "\n".join(["第一项：" + "进度滞后" * 200] * 10)}
    content = json.loads(logic.wecom_body(long, "https://p.example"))["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert content.startswith("### 红色预警：任务 T1")
    assert "全文请登录落实平台查看" in content and content.endswith("(https://p.example/#/task/T1)")


@pytest.mark.parametrize("answer, outcome", [
    ('{"errcode":0,"errmsg":"ok"}', (True, False)),
    ('{"errcode":310000,"errmsg":"sign not match"}', (False, False)),
    ('{"errcode":93000,"errmsg":"invalid webhook url"}', (False, False)),
    ('{"errcode":130101,"errmsg":"send too fast"}', (False, True)),
    ('{"errcode":45009,"errmsg":"api freq out of limit"}', (False, True)),
    ("<html>proxy error</html>", (False, False)),
])
def test_the_robots_answer_decides_delivered_retried_or_failed(answer, outcome):
    assert logic.robot_outcome(answer) == outcome


@pytest.mark.parametrize("channel, url, any_host, problem", [
    ("dingtalk", DINGTALK, False, None),
    ("wecom", WECOM, False, None),
    ("dingtalk", DINGTALK.replace("https", "http"), False, "https://"),
    ("dingtalk", "https://evil.example/robot/send?access_token=x", False, "oapi.dingtalk.com"),
    ("wecom", DINGTALK, False, "qyapi.weixin.qq.com"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send", False, "access_token"),
    ("dingtalk", DINGTALK + "&timestamp=1&sign=x", False, "加签密钥"),
    ("dingtalk", "http://127.0.0.1:8080/ding?access_token=x", True, None),
    ("wecom", "http://127.0.0.1:8080/wx", True, "key"),
    ("wecom", "ftp://127.0.0.1/wx?key=k", True, "https://"),
    ("dingtalk", "", False, "请填写"),
])
def test_robot_addresses_are_the_vendors_unless_any_host_is_allowed(channel, url, any_host,
                                                                     problem):
    found = logic.check_robot_url(channel, url, any_host)
    if problem is None:
        assert found is None
    else:
        assert problem in found
        assert "0123abcd" not in found  # the token is never quoted back


def test_only_a_dingtalk_robot_has_a_secret_and_it_is_one_word():
    assert logic.check_robot_secret("dingtalk", "SEC" + "a1" * 32) is None
    assert logic.check_robot_secret("dingtalk", None) is None
    assert "空格" in logic.check_robot_secret("dingtalk", "SEC abc")
    assert "key" in logic.check_robot_secret("wecom", "SECabc")


def test_people_see_a_robots_address_by_the_last_four_characters_of_its_token():
    assert logic.mask_robot_url(DINGTALK) == \
        "https://oapi.dingtalk.com/robot/send?access_token=****abcd"
    assert "693a91f6" not in logic.mask_robot_url(WECOM)


def test_an_error_quoting_the_address_keeps_no_key():
    sign = logic.dingtalk_sign("SECxyz", 1)
    text = (f"ConnectionError: Max retries exceeded with url: /robot/send?access_token=0123abcd"
            f"&timestamp=1&sign={urllib.parse.quote_plus(sign)} SECxyz")
    cleared = logic.redact(text, ["0123abcd", "SECxyz", sign])
    assert "0123abcd" not in cleared and "SECxyz" not in cleared
    assert urllib.parse.quote_plus(sign) not in cleared and "***" in cleared


def directory(robots, office_robots=()):
    return {"contacts": {"yz": {"name": "袁州区", "kind": "county"},
                         "dcb": {"name": "市督查办", "kind": "office"}},
            "office": "dcb", "leaders": [{"name": "市长", "email": "m@x"}], "webhooks": [],
            "robots": robots, "office_robots": set(office_robots)}


def test_a_units_operator_and_head_are_reached_in_its_work_group():
    found = directory({"dingtalk": {"yz"}})
    for role in (logic.OPERATOR, logic.HEAD):
        assert logic.addresses(role, "dingtalk", "yz", found) == [("unit:yz", "袁州区")]
    assert logic.addresses(logic.OPERATOR, "wecom", "yz", found) == []  # none on WeCom
    assert logic.addresses(logic.LEADERS, "dingtalk", "yz", found) == []


def test_the_office_hears_in_the_office_wide_robot_else_in_its_units_group():
    assert logic.addresses(logic.OFFICE, "wecom", "yz",
                           directory({"wecom": {"dcb"}}, ["wecom"])) == [("office", "督查办")]
    assert logic.addresses(logic.OFFICE, "wecom", "yz",
                           directory({"wecom": {"dcb"}})) == [("unit:dcb", "市督查办")]
    assert logic.addresses(logic.OFFICE, "wecom", "yz", directory({})) == []


def test_one_group_hears_an_occurrence_once_and_waits_out_the_quiet_hours():
    rules = logic.validate_rules([
        {"event_type": "colour_changed", "role": "operator", "channels": ["dingtalk"]},
        {"event_type": "colour_changed", "role": "head", "channels": ["dingtalk", "email"]},
    ])
    occurrence = {"event_type": "colour_changed", "item": "task:T1", "unit": "yz",
                  "task": "T1", "colour": "red", "as_of": None,
                  "context": logic.colour_context("T1", "袁州区", "滞后", dt.date(2026, 11, 3))}
    rows = logic.plan_messages([occurrence], rules, logic.DEFAULT_TEMPLATES,
                               directory({"dingtalk": {"yz"}}), "e1",
                               dt.datetime(2026, 11, 3, 2))
    (row,) = [row for row in rows if row["channel"] == "dingtalk"]
    assert (row["recipient"], row["status"], row["quiet_hours"]) == (
        "unit:yz", "pending", logic.DEFAULT_QUIET_HOURS)
    assert row["subject"] == "红色预警：「T1」" and "袁州区" in row["body"]


def test_routing_rules_name_the_robots_and_refuse_what_they_cannot_reach():
    (rule,) = logic.validate_rules([{"event_type": "notice_issued", "role": "head",
                                     "channels": ["wecom", "dingtalk", "inbox"]}])
    assert rule["channels"] == ["wecom", "dingtalk", "inbox"]
    with pytest.raises(InvalidInput) as error:
        logic.validate_rules([{"event_type": "notice_issued", "role": "head",
                               "channels": ["dingding"]}])
    assert "unknown channel 'dingding'" in str(error.value.detail)
    assert "dingtalk, wecom" in str(error.value.detail)
    with pytest.raises(InvalidInput) as error:
        logic.validate_rules([{"event_type": "bulletin_published", "role": "leaders",
                               "channels": ["email", "wecom"]}])
    assert "leaders have no group robot" in str(error.value.detail)


def test_robot_templates_render_and_need_a_heading():
    template = logic.validate_template("colour_changed", "dingtalk", "红灯：{{ task }}",
                                       "{{ unit_name }}：{{ reason }}")
    assert template["channel"] == "dingtalk"
    with pytest.raises(InvalidInput) as error:
        logic.validate_template("colour_changed", "wecom", "", "{{ unit_name }}")
    assert "subject" in error.value.detail
    assert logic.DEFAULT_TEMPLATES[("notice_issued", "wecom")]["subject"].startswith("督办单")


def test_urllib3s_debug_line_of_a_robots_request_keeps_no_token():
    logger = logging.getLogger("tests.robots.urllib3")
    channels.hide_robot_tokens(logger)
    channels.hide_robot_tokens(logger)  # once only
    assert len(logger.filters) == 1
    record = logger.makeRecord(logger.name, logging.DEBUG, __file__, 1,
                               '%s://%s:%s "%s %s %s" %s %s',
                               ("https", "oapi.dingtalk.com", 443, "POST",
                                "/robot/send?access_token=0123abcd&timestamp=1&sign=a%2Bb",
                                "HTTP/1.1", 200, None), None)
    assert logger.filters[0].filter(record)
    assert "0123abcd" not in record.getMessage() and "a%2Bb" not in record.getMessage()
    assert "access_token=***&timestamp=1&sign=***" in record.getMessage()
