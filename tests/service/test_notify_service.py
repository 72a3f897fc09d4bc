"""The notify service in a container, fed real events through the broker, sending
through real protocol peers started here: an SMTP server (aiosmtpd, in its own
process, writing a Maildir), an HTTP server recording the SMS gateway's and
webhooks' requests and failing on demand, and a DingTalk and WeCom robot peer that
checks each request's signature and body as the vendors do. The clock is injected."""
import base64
import dataclasses
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import io
import json
import mailbox
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pypdf
import pytest
from docx import Document
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import select

from services.common.clock import Clock, LocalClock
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.common.events import new_event
from services.notify.models import DEDUP_MARKS, bulletin_facts
from services.notify.service import Service
from tests.support.publish import publish_event
from tests.support.services import TASK, prepare, service_config
from tests.support.waiting import eventually

ZONE = ZoneInfo("Asia/Shanghai")
ADMIN = {"user": "admin", "role": "admin", "units": None}
SECRET = "webhook-secret"
UNIT = {"code": "yz", "name": "袁州区", "kind": "county", "parent": None,
        "head": {"name": "张三", "phone": "13800000001", "email": "head@yz.example"},
        "operator": {"name": "李四", "phone": "13800000002", "email": "op@yz.example"}}
OFFICE = {"code": "dcb", "name": "市督查办", "kind": "office", "parent": None,
          "head": {"name": "王主任", "phone": "13900000000", "email": "office@city.example"},
          "operator": None}
LEADERS = [{"name": "市长", "email": "mayor@city.example", "user": "mayor"}]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeClock(LocalClock):
    """The city's clock, stopped at `moment` until a test moves it."""

    def __init__(self, moment):
        super().__init__(ZONE)
        self.moment = moment

    def now(self):
        return self.moment


class HttpPeer:
    """An HTTP server recording every request; `fail_with` lists the statuses of
    the next answers (then 200)."""

    def __init__(self):
        self.requests, self.fail_with = [], []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                peer.requests.append({"path": self.path, "headers": dict(self.headers),
                                      "body": body})
                status = peer.fail_with.pop(0) if peer.fail_with else 200
                answer = json.dumps({"code": status, "msg": "ok" if status == 200 else "busy"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def on(self, path):
        return [request for request in self.requests if request["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


DING_TOKEN, DING_SECRET, WECOM_KEY = "ding-token-9f3a", "SECding-secret-0042", "wecom-key-77c1"
OFFICE_WECOM_KEY = "office-key-5b2e"
PORTAL = "https://luoshi.city.example"


class RobotPeer:
    """DingTalk's and WeCom's robot endpoints as the vendors behave: /ding checks
    the access token and, as a robot with 加签 does, that the timestamp is within
    an hour and `sign` is the base64 HMAC-SHA256 of "<timestamp>\n<secret>"; /wx
    checks the key; both check the markdown body. A request they refuse answers
    the vendor's errcode (310000, 93000, 40035), and `errcodes` lists the errcodes of
    the next accepted requests (then 0). `received` keeps the accepted ones."""

    def __init__(self):
        self.received, self.errcodes, self.refused = [], [], []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                errcode, problem = peer.check(parts.path, query, body)
                if errcode == 0:
                    peer.received.append({"path": parts.path, "query": query,
                                          "document": json.loads(body)})
                    errcode = peer.errcodes.pop(0) if peer.errcodes else 0
                else:
                    peer.refused.append(problem)
                answer = json.dumps({"errcode": errcode,
                                     "errmsg": "ok" if errcode == 0 else problem}).encode()
                self.send_response(200)  # both vendors answer 200 with an errcode
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def check(path, query, body):
        """(errcode, what was wrong) of a request."""
        try:
            document = json.loads(body)
        except ValueError:
            return 40035, "body is not JSON"
        if document.get("msgtype") != "markdown":
            return 40035, "msgtype is not markdown"
        if path == "/ding":
            if query.get("access_token") != [DING_TOKEN]:
                return 300001, "token is not exist"
            timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
                return 310000, "invalid timestamp"
            mac = hmac.new(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(),
                           hashlib.sha256)
            if not hmac.compare_digest(sign, base64.b64encode(mac.digest()).decode()):
                return 310000, "sign not match"
            markdown = document.get("markdown") or {}
            if not markdown.get("title") or not markdown.get("text"):
                return 40035, "markdown needs title and text"
            return 0, ""
        if path == "/wx":
            if query.get("key") not in ([WECOM_KEY], [OFFICE_WECOM_KEY]):
                return 93000, "invalid webhook url"
            if not (document.get("markdown") or {}).get("content"):
                return 40035, "markdown needs content"
            return 0, ""
        return 404, "no such robot"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp(tmp_path):
    """An aiosmtpd server in its own process storing what it receives in a Maildir."""
    port, maildir = free_port(), tmp_path / "maildir"
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                                f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox",
                                str(maildir)])

    def listening():
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    eventually(listening)

    def received():
        return [email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
                for message in mailbox.Maildir(maildir)]

    received.port = port
    yield received
    process.terminate()
    process.wait(10)


@pytest.fixture
def http_peer():
    peer = HttpPeer()
    yield peer
    peer.close()


@pytest.fixture
def robot_peer():
    peer = RobotPeer()
    yield peer
    peer.close()


@pytest.fixture
def notify(request, container_factory, amqp_uri, tmp_path, db_backend, smtp, http_peer,
           robot_peer):
    """The service at 10:00 on a Tuesday. Red warnings go at once (a settling time
    of 0) unless a test asks for minutes with indirect parametrisation."""
    config = service_config(
        amqp_uri, tmp_path, {"notify": db_backend} if db_backend else None,
        LUOSHI_NOTIFY_SETTLE_MINUTES=getattr(request, "param", "0"),
        LUOSHI_NOTIFY_TICK_SECONDS="3600",  # the test drives the timer itself
        LUOSHI_SMTP_HOST="127.0.0.1", LUOSHI_SMTP_PORT=str(smtp.port),
        LUOSHI_SMTP_FROM="luoshi@city.example",
        LUOSHI_SMS_URL=f"{http_peer.url}/sms", LUOSHI_SMS_TOKEN="sms-token",
        LUOSHI_WEBHOOK_SECRET=SECRET, LUOSHI_WEBHOOK_URLS=f"{http_peer.url}/hook",
        LUOSHI_NOTIFY_RETRY_DELAYS="60,600", LUOSHI_ESCALATION_DAYS="calendar",
        LUOSHI_ESCALATION_GRACE_DAYS="2,3", LUOSHI_NOTIFY_LEADERS=json.dumps(LEADERS),
        # The robots are the local peer: any host, and the office's WeCom group.
        LUOSHI_ROBOT_ANY_HOST="1", LUOSHI_PORTAL_URL=PORTAL,
        LUOSHI_WECOM_URL=f"{robot_peer.url}/wx?key={OFFICE_WECOM_KEY}")
    prepare(config, "notify")
    container = container_factory(Service, config)
    container.start()
    clock = FakeClock(dt.datetime(2026, 11, 3, 10, 0, tzinfo=ZONE))  # a Tuesday
    for extension in container.dependencies:
        if isinstance(extension, Clock):
            extension.clock = clock

    def call(method, *args, **kwargs):
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    def deliver(source, event_type, payload, handler):
        with entrypoint_waiter(container, handler):
            publish_event(amqp_uri, source, event_type, payload)
        return payload

    call.deliver, call.clock, call.container = deliver, clock, container
    call.deliver("tasks", "unit_created", new_event(unit=UNIT), "on_unit_created")
    call.deliver("tasks", "unit_created", new_event(unit=OFFICE), "on_unit_created")
    yield call
    container.stop()


def red(task="T1", as_of="2026-11-03", previous="yellow", colour="red"):
    return new_event(as_of=as_of, changes=[
        {"item_kind": "task", "item_key": task, "task": task, "unit": "yz", "colour": colour,
         "previous": previous, "reason": "计划进度60%，实际20%", "rule_version": 1}])


def turn_red(notify, task="T1", **kwargs):
    return notify.deliver("warnings", "colour_changed", red(task, **kwargs), "on_colour_changed")


def log(notify, **filters):
    return notify("list_notifications", limit=1000, **filters)["items"]


def test_a_red_task_reaches_the_operator_by_sms_email_and_inbox(notify, smtp, http_peer):
    turn_red(notify)
    assert {row["channel"]: row["status"] for row in log(notify, task="T1")} == {
        "inbox": "delivered", "sms": "pending", "email": "pending"}
    notify("tick")
    assert {row["channel"]: row["status"] for row in log(notify, task="T1")} == {
        "inbox": "delivered", "sms": "sent", "email": "sent"}

    (mail,) = smtp()
    assert mail["To"] == "op@yz.example" and "红色预警" in mail["Subject"]
    assert "计划进度60%" in mail.get_payload(decode=True).decode()
    (sms,) = http_peer.on("/sms")
    assert sms["headers"]["Authorization"] == "Bearer sms-token"
    assert json.loads(sms["body"])["to"] == "13800000002"
    assert "T1" in json.loads(sms["body"])["text"]

    (inbox,) = notify("list_inbox", unit="yz", unread=True)["items"]
    assert inbox["recipient"] == "yz" and inbox["subject"] == "红色预警：「T1」"
    assert log(notify, channel="sms", status="sent")[0]["provider_answer"].startswith("200")
    with pytest.raises(InvalidInput):
        notify("list_notifications", channel="pigeon")


def test_sms_waits_out_the_quiet_hours_and_email_does_not(notify, smtp, http_peer):
    notify.clock.moment = dt.datetime(2026, 11, 3, 23, 30, tzinfo=ZONE)
    turn_red(notify)
    notify("tick")
    (sms,) = log(notify, channel="sms")
    assert sms["status"] == "pending"
    # 08:00 the next morning in Shanghai is midnight UTC.
    assert sms["next_attempt_at"] == "2026-11-04T00:00:00"
    assert len(smtp()) == 1 and http_peer.on("/sms") == []

    notify.clock.moment = dt.datetime(2026, 11, 4, 8, 1, tzinfo=ZONE)
    notify("tick")
    assert log(notify, channel="sms")[0]["status"] == "sent"
    assert len(http_peer.on("/sms")) == 1


def test_the_same_item_and_colour_reach_a_recipient_once_a_day(notify, http_peer):
    turn_red(notify)
    # Another evaluation the same day (green, then red again) is not news to them.
    turn_red(notify, previous="green")
    notify("tick")
    assert len(log(notify, channel="sms")) == 1
    notify.clock.moment += dt.timedelta(hours=25)
    turn_red(notify, as_of="2026-11-04", previous="green")
    notify("tick")
    assert len(http_peer.on("/sms")) == 2


def test_a_de_duplication_mark_is_forgotten_only_long_after_its_window(notify, http_peer):
    turn_red(notify)
    notify("tick")
    heard = dt.datetime(2026, 11, 3, 2, 0)  # 10:00 in Shanghai, as the marks keep it
    retention = next(dep for dep in notify.container.dependencies
                     if dep.attr_name == "db").retention
    assert retention.forget(heard + DEDUP_MARKS.age - dt.timedelta(hours=1))["dedup_marks"] == 0
    # A mark kept is still read: the same warning again is not news.
    turn_red(notify, previous="green")
    notify("tick")
    assert len(http_peer.on("/sms")) == 1
    # Its channels' marks (SMS, e-mail, inbox) go once they are past their age.
    assert retention.forget(heard + DEDUP_MARKS.age + dt.timedelta(hours=1))["dedup_marks"] == 3
    assert retention.forget(heard + DEDUP_MARKS.age + dt.timedelta(hours=1))["dedup_marks"] == 0


def test_a_transient_failure_is_retried_later_and_then_succeeds(notify, http_peer):
    http_peer.fail_with = [503]
    turn_red(notify)
    notify("tick")
    (sms,) = log(notify, channel="sms")
    assert (sms["status"], sms["attempts"]) == ("pending", 1)
    assert sms["provider_answer"].startswith("503")
    assert sms["next_attempt_at"] == "2026-11-03T02:01:00"  # 60 s after 10:00 local

    notify("tick")  # not due yet
    assert len(http_peer.on("/sms")) == 1
    notify.clock.moment += dt.timedelta(minutes=2)
    notify("tick")
    (sms,) = log(notify, channel="sms")
    assert (sms["status"], sms["attempts"]) == ("sent", 2)


def test_failures_become_permanent_and_show_the_providers_answer(notify, http_peer):
    http_peer.fail_with = [400]  # refused: trying again cannot help
    turn_red(notify)
    notify("tick")
    (sms,) = log(notify, channel="sms")
    assert sms["status"] == "failed" and '"code": 400' in sms["provider_answer"]

    http_peer.fail_with = [503, 503, 503]  # busy every time: three attempts, then failed
    turn_red(notify, task="T2")
    for minutes in (0, 2, 12):
        notify.clock.moment += dt.timedelta(minutes=minutes)
        notify("tick")
    (sms,) = log(notify, channel="sms", task="T2")
    assert (sms["status"], sms["attempts"]) == ("failed", 3)
    assert len(log(notify, status="failed")) == 2


def test_webhooks_are_signed_json(notify, http_peer):
    notify("set_routing_rules", [
        {"event_type": "colour_changed", "colour": "red", "role": "webhook",
         "channels": ["webhook"]}], ADMIN)
    turn_red(notify)
    notify("tick")
    (hook,) = http_peer.on("/hook")
    timestamp = hook["headers"]["X-Luoshi-Timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + hook["body"],
                        hashlib.sha256).hexdigest()
    assert hook["headers"]["X-Luoshi-Signature"] == f"sha256={expected}"
    document = json.loads(hook["body"])
    assert (document["task"], document["colour"], document["event_type"]) == (
        "T1", "red", "colour_changed")
    assert http_peer.on("/sms") == []  # the rules replaced the defaults


def test_many_messages_to_one_recipient_come_as_one_digest(notify, smtp, http_peer):
    changes = [{"item_kind": "task", "item_key": f"T{n}", "task": f"T{n}", "unit": "yz",
                "colour": "red", "previous": "green", "reason": "逾期", "rule_version": 1}
               for n in range(8)]
    notify.deliver("warnings", "colour_changed", new_event(as_of="2026-11-03", changes=changes),
                   "on_colour_changed")
    notify("tick")
    assert len(log(notify, channel="inbox")) == 8
    (sms,) = log(notify, channel="sms")
    assert sms["event_type"] == "digest" and len(sms["items"]) == 8
    (mail,) = smtp()
    assert "共 8 条" in mail["Subject"]
    assert "红色预警：「T7」" in mail.get_payload(decode=True).decode()


def test_an_unacknowledged_red_task_climbs_to_the_head_then_the_office(notify, smtp):
    turn_red(notify)
    notify("tick")
    notify.clock.moment += dt.timedelta(days=2, minutes=1)
    notify("tick")
    (ladder,) = notify("list_escalations", item="task:T1")["items"]
    assert (ladder["level"], ladder["role"], ladder["status"]) == (1, "head", "open")
    head = log(notify, event_type="escalation")
    assert {(row["channel"], row["recipient"]) for row in head} == {
        ("sms", "13800000001"), ("email", "head@yz.example"), ("inbox", "yz")}
    assert all("自2026年11月3日起未获响应" in row["body"] for row in head)

    notify.clock.moment += dt.timedelta(days=3, minutes=1)
    notify("tick")
    (ladder,) = notify("list_escalations", item="task:T1")["items"]
    assert (ladder["level"], ladder["status"]) == (2, "top")
    assert [step["what"] for step in ladder["history"]] == ["opened", "escalated", "escalated"]
    office = [row for row in log(notify, event_type="escalation") if row["level"] == 2]
    assert {(row["channel"], row["recipient"]) for row in office} == {
        ("sms", "13900000000"), ("email", "office@city.example"), ("inbox", "dcb")}
    assert {mail["To"].split("<")[-1].rstrip(">") for mail in smtp()} == {
        "op@yz.example", "head@yz.example", "office@city.example"}


def test_one_evaluation_opens_stops_and_reopens_the_ladders_of_all_its_tasks(notify):
    def turns(colour, previous, tasks):
        return new_event(as_of="2026-11-03", changes=[
            {"item_kind": "task", "item_key": task, "task": task, "unit": "yz",
             "colour": colour, "previous": previous, "reason": "逾期", "rule_version": 1}
            for task in tasks])

    notify.deliver("warnings", "colour_changed", turns("red", "yellow", ["T1", "T2", "T3"]),
                   "on_colour_changed")
    ladders = notify("list_escalations", status="open")["items"]
    assert sorted(ladder["item"] for ladder in ladders) == ["task:T1", "task:T2", "task:T3"]
    assert {ladder["label"] for ladder in ladders} == {f"「T{n}」红色预警" for n in (1, 2, 3)}
    leaving = turns("green", "red", ["T1"])
    leaving["changes"] += turns("yellow", "red", ["T2"])["changes"]
    notify.deliver("warnings", "colour_changed", leaving, "on_colour_changed")
    assert [ladder["item"] for ladder in notify("list_escalations", status="open")["items"]] \
        == ["task:T3"]
    # Each ladder says, by a code the portal words, the colour its own task turned.
    assert {ladder["item"]: (ladder["stopped_reason"], ladder["stopped_by"])
            for ladder in notify("list_escalations", status="stopped")["items"]} == {
        "task:T1": ("turned_green", None), "task:T2": ("turned_yellow", None)}

    # Red again: the stopped ladders start again from the bottom, their history kept;
    # the one still open goes on as it was.
    notify.clock.moment += dt.timedelta(hours=1)
    notify.deliver("warnings", "colour_changed", turns("red", "green", ["T1", "T2", "T3"]),
                   "on_colour_changed")
    ladders = {ladder["item"]: ladder for ladder in notify("list_escalations")["items"]}
    assert {item: ladder["status"] for item, ladder in ladders.items()} == {
        "task:T1": "open", "task:T2": "open", "task:T3": "open"}
    assert [step["what"] for step in ladders["task:T1"]["history"]] == [
        "opened", "stopped: turned_green", "opened"]
    assert [step["what"] for step in ladders["task:T3"]["history"]] == ["opened"]
    assert ladders["task:T1"]["stopped_reason"] is None
    assert ladders["task:T1"]["next_at"] > ladders["task:T3"]["next_at"]


def test_acknowledging_stops_the_ladder(notify):
    turn_red(notify)
    inbox = notify("list_inbox", unit="yz")["items"][0]
    operator = {"user": "op", "role": "operator", "units": ["yz"]}
    with pytest.raises(Forbidden):
        notify("acknowledge", inbox["id"], {"user": "x", "role": "operator", "units": ["zs"]})
    answer = notify("acknowledge", inbox["id"], operator)
    assert answer["stopped"] == ["task:T1"]
    notify.clock.moment += dt.timedelta(days=10)
    notify("tick")
    assert log(notify, event_type="escalation") == []
    (ladder,) = notify("list_escalations", item="task:T1")["items"]
    assert (ladder["status"], ladder["stopped_reason"], ladder["stopped_by"]) == (
        "stopped", "acknowledged", "op")
    assert notify("list_inbox", unit="yz", unread=True)["total"] == 0


def test_a_notice_goes_to_the_head_and_its_acknowledgement_stops_the_ladder(notify):
    notice = {"id": 5, "number": "督办〔2026〕5号", "task": "T1", "unit": "yz",
              "item_kind": "task", "item_key": "T1", "reason": "连续两月严重延期",
              "issued_at": "2026-11-03T02:00:00", "ack_due": "2026-11-05",
              "answer_due": "2026-11-12", "status": "issued"}
    notify.deliver("warnings", "notice_issued", new_event(notice=notice), "on_notice_issued")
    rows = log(notify, event_type="notice_issued")
    assert {(row["channel"], row["recipient"]) for row in rows} == {
        ("sms", "13800000001"), ("email", "head@yz.example"), ("inbox", "yz")}
    assert "督办〔2026〕5号" in rows[0]["body"]
    assert all("请于2026年11月5日前签收，2026年11月12日前报送整改方案" in row["body"]
               for row in rows)
    (ladder,) = notify("list_escalations", item="notice:5")["items"]
    assert (ladder["level"], ladder["role"]) == (1, "head")

    notify.deliver("warnings", "notice_acknowledged", new_event(
        notice_id=5, number="督办〔2026〕5号", task="T1", unit="yz",
        acknowledged_at="2026-11-04T01:00:00"), "on_notice_acknowledged")
    notify.clock.moment += dt.timedelta(days=5)
    notify("tick")
    assert notify("list_escalations", item="notice:5")["items"][0]["status"] == "stopped"
    assert log(notify, event_type="escalation") == []


class FakeRanking:
    """The ranking service's movers, as it answers them."""

    name = "ranking"
    asked = []

    @rpc
    def list_movers(self, since, until=None, limit=5):
        self.asked.append((since, until))
        return {"period": "2026-Q4", "items": [
            {"unit": "yz", "name": "袁州区", "group": "county", "rank": 1, "previous_rank": 3,
             "rank_change": 2}]}

    @rpc
    def list_ways_off(self):
        return {"period": "2026-Q4", "label": "2026年第四季度", "as_of": "2026-11-09",
                "items": [{"unit": "yz", "unit_name": "袁州区", "group": "county",
                           "group_label": "县（市、区）", "in_bottom_group": True,
                           "reasons": ["组内末位"], "score": 71.5, "line_score": 74.0,
                           "actions": 3, "points": 4.5, "enough": True, "note": None}]}


class FakeWarnings:
    """The warnings service's colours, as the bulletin's overall picture asks them."""

    name = "warnings"

    @rpc
    def get_colour_trend(self, weeks=12, as_of=None):
        assert (weeks, as_of) == (2, "2026-11-08")
        return {"as_of": as_of, "weeks": [
            {"week_end": "2026-11-01", "green": 10, "yellow": 3, "red": 2},
            {"week_end": "2026-11-08", "green": 9, "yellow": 3, "red": 4}]}

    @rpc
    def get_dashboard(self, batch=None):
        return {"as_of": "2026-11-09", "counts": {}, "units": [
            {"unit": "yz", "green": 5, "yellow": 1, "red": 4, "worst": "red"},
            {"unit": "dcb", "green": 2, "yellow": 0, "red": 0, "worst": "green"}]}

    @rpc
    def list_red_items(self, limit=100):
        return {"as_of": "2026-11-09", "items": [
            {"task": "T1", "unit": "yz", "since": "2026-11-03", "days_red": 6,
             "overdue_days": 4, "reason": "进度滞后计划20个百分点"}]}

    @rpc
    def get_batch_colours(self):
        return {"items": []}

    @rpc
    def list_forecasts(self, unit=None, colour=None, soon_red=None, task=None, batch=None,
                       limit=100, offset=0):
        assert soon_red is True
        return {"as_of": "2026-11-09", "forecast_red_days": 10, "total": 7, "items": [
            {"task": "T1", "unit": "yz", "red_on": "2026-11-16", "due": "2026-12-31",
             "planned": 100.0, "projected": 62.0, "soon_red": True}][:limit]}

    @rpc
    def get_forecast_accuracy(self, days=90, as_of=None, unit=None):
        assert as_of == "2026-11-08"
        return {"days": days, "forecast_red": 4, "turned_red": 3, "not_red": 1, "pending": 0,
                "accuracy": 0.75, "words": "近90天预测红灯4项，其中3项到期确实亮红灯（准确率75%）"}


def test_the_weekly_bulletin_is_drawn_up_signed_numbered_and_then_reaches_the_leaders(
        notify, smtp, container_factory, amqp_uri):
    FakeRanking.asked.clear()
    container_factory(FakeRanking, {"AMQP_URI": amqp_uri}).start()
    container_factory(FakeWarnings, {"AMQP_URI": amqp_uri}).start()
    notify.deliver("tasks", "task_created", new_event(task={**TASK, "title": "城区污水管网改造"}),
                   "on_task_created")
    turn_red(notify, as_of="2026-11-03")
    turn_red(notify, task="T9", as_of="2026-10-27")  # the week before: not in it
    notify.deliver("warnings", "notice_overdue", dict(new_event(
        notice_id=5, number="督办〔2026〕5号", task="T1", unit="yz", stage="ack",
        colour="yellow"), occurred_at="2026-11-06T02:00:00+00:00"), "on_notice_overdue")
    notify.deliver("tasks", "task_closed", dict(new_event(
        task="T3", lead_unit="yz", status="closed", reason=None),
        occurred_at="2026-11-07T02:00:00+00:00"), "on_task_closed")
    notify.deliver("tasks", "task_explained", dict(new_event(
        task="T4", lead_unit="yz", status="explained", reason="政策调整"),
        occurred_at="2026-11-08T02:00:00+00:00"), "on_task_explained")

    with pytest.raises(InvalidInput):
        notify("generate_bulletin", ADMIN, week_start="2026-11-03")
    with pytest.raises(Forbidden):
        notify("generate_bulletin", {"user": "op", "role": "operator", "units": ["yz"]})
    bulletin = notify("generate_bulletin", ADMIN, week_start="2026-11-02")
    assert (bulletin["status"], bulletin["number"], bulletin["issue"]) == ("draft", None, None)
    sections = {section["key"]: section for section in bulletin["summary"]["sections"]}
    # Each row names its task by title for people, by code for machines.
    assert [(row["task"], row["title"]) for row in sections["red"]["rows"]] == [
        ("T1", "城区污水管网改造")]
    assert sections["red"]["rows"][0]["unit_name"] == "袁州区"
    assert [row["detail"] for row in sections["overdue"]["rows"]] == [
        "督办单 督办〔2026〕5号 逾期未签收"]
    assert [(row["task"], row["detail"]) for row in sections["closed"]["rows"]] == [
        ("T3", "已销号"), ("T4", "说明办结：政策调整")]
    assert [(row["unit_name"], row["detail"]) for row in sections["movers"]["rows"]] == [
        ("袁州区", "由第3名升至第1名（上升2位）")]
    # Live ranks of the Sunday before the week against its last day.
    assert FakeRanking.asked == [("2026-11-01", "2026-11-08")]
    # The overall picture: all the lights at the week's end, not only the new reds.
    overview = bulletin["summary"]["overview"]
    assert overview["text"] == ("截至2026年11月8日，全市在办重点任务16项，其中绿灯9项、黄灯3项、"
                                "红灯4项。与上周相比，红灯增加2项，黄灯持平，绿灯减少1项。")
    (county,) = [group for group in overview["groups"] if group["kind"] == "county"]
    assert [(row["unit_name"], row["red"], row["red_share"]) for row in county["rows"]] == [
        ("袁州区", 4, 40.0)]
    assert [(row["task"], row["title"], row["days_red"]) for row in overview["worst"]] == [
        ("T1", "城区污水管网改造", 6)]
    # What is coming: the tasks forecast red, by name, and the way off the black list.
    assert sections["forecast"]["summary"] == (
        "截至2026年11月9日，按当前进度，预计10天内将亮红灯的事项7项，最近的5项如下。"
        "预测准确情况：近90天预测红灯4项，其中3项到期确实亮红灯（准确率75%）。")
    assert [(row["task"], row["title"], row["unit_name"], row["detail"])
            for row in sections["forecast"]["rows"]] == [
        ("T1", "城区污水管网改造", "袁州区",
         "预计2026年11月16日起亮红灯；预计2026年12月31日仅达62%（计划100%）")]
    assert [(row["unit_name"], row["detail"]) for row in sections["way_off"]["rows"]] == [
        ("袁州区", "完成3项事项，可增加4.5分，即可脱离黑榜")]
    assert list(sections)[-2:] == ["forecast", "way_off"]

    # A draft reaches nobody: the office previews it and signs it first.
    notify("tick")
    assert [mail for mail in smtp() if "mayor@city.example" in mail["To"]] == []
    (listed,) = (listing := notify("list_bulletins"))["items"]
    assert (listed["week_start"], listed["status"], listing["drafts"]) == (
        "2026-11-02", "draft", 1)
    html = base64.b64decode(notify("get_bulletin", listed["id"], "html")["content_b64"]).decode()
    assert "说明办结：政策调整" in html and "（待签发）" in html and "市督查办" in html
    assert "城区污水管网改造" in html and "黑榜单位脱离路径" in html and "准确率75%" in html
    with pytest.raises(Forbidden):
        notify("issue_bulletin", listed["id"], {"user": "op", "role": "operator",
                                                "units": None})
    issued = notify("issue_bulletin", listed["id"], ADMIN)
    assert (issued["status"], issued["issue"], issued["issued_by"]) == (
        "issued", "2026年第1期", "admin")
    with pytest.raises(Conflict):
        notify("issue_bulletin", listed["id"], ADMIN)
    with pytest.raises(Conflict):  # what the leaders received is not redrawn
        notify("generate_bulletin", ADMIN, week_start="2026-11-02")

    pdf = notify("get_bulletin", listed["id"], "pdf")
    assert pdf["filename"] == "落实事项专报-2026年第1期.pdf"
    text = pypdf.PdfReader(io.BytesIO(base64.b64decode(pdf["content_b64"]))).pages[0] \
        .extract_text()
    for words in ("落实事项专报", "2026年第1期", "市督查办", "2026年11月3日", "一、总体情况",
                  "城区污水管网改造", "袁州区", "二、本周新增红色预警事项"):
        assert words in text, words
    assert "T1" not in text and "2026-11-03" not in text
    every_page = "".join(page.extract_text() for page in pypdf.PdfReader(
        io.BytesIO(base64.b64decode(pdf["content_b64"]))).pages)
    for words in ("预测将亮红灯事项", "城区污水管网改造", "准确率75%", "黑榜单位脱离路径",
                  "即可脱离黑榜"):
        assert words in every_page.replace("\n", ""), words
    docx = notify("get_bulletin", listed["id"], "docx")
    document = Document(io.BytesIO(base64.b64decode(docx["content_b64"])))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[:2] == ["落实事项专报", "2026年第1期"]
    assert "市督查办\t2026年11月3日" in paragraphs
    assert "一、总体情况" in paragraphs
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"袁州区", "40.0%", "说明办结：政策调整", "城区污水管网改造",
            "完成3项事项，可增加4.5分，即可脱离黑榜"} <= cells
    assert any(text.endswith("预测将亮红灯事项") for text in paragraphs)

    notify("tick")
    mayor = [mail for mail in smtp() if "mayor@city.example" in mail["To"]]
    (mail,) = mayor
    assert "落实事项专报（2026年11月2日至2026年11月8日）" == mail["Subject"]
    attachments = [part for part in mail.walk() if part.get_filename()]
    assert attachments[0].get_filename() == "落实事项专报-2026年第1期.pdf"
    assert notify("list_inbox", user="mayor")["total"] == 1

    # The next week's bulletin signed is the year's second.
    notify("generate_bulletin", ADMIN, week_start="2026-11-09")
    second = [item for item in notify("list_bulletins")["items"]
              if item["week_start"] == "2026-11-09"][0]
    assert notify("issue_bulletin", second["id"], ADMIN)["issue"] == "2026年第2期"


def test_the_timer_draws_up_last_weeks_bulletin_once(notify):
    notify.clock.moment = dt.datetime(2026, 11, 9, 9, 0, tzinfo=ZONE)  # Monday 09:00
    notify("tick")
    notify("tick")
    (bulletin,) = notify("list_bulletins")["items"]
    assert (bulletin["week_start"], bulletin["status"]) == ("2026-11-02", "draft")


def test_templates_are_editable_and_sandboxed(notify):
    with pytest.raises(Forbidden):
        notify("set_template", "colour_changed", "sms", "", "x {{ task }}",
               {"user": "op", "role": "operator", "units": ["yz"]})
    for body in ("{{ ''.__class__.__mro__ }}", "{{ nope }}", "{% if %}"):
        with pytest.raises(InvalidInput):
            notify("set_template", "colour_changed", "sms", "", body, ADMIN)
    saved = notify("set_template", "colour_changed", "inbox", "红灯 {{ task }}",
                   "{{ unit_name }} 的 {{ task }} 红了", ADMIN)
    assert saved["updated_by"] == "admin"
    turn_red(notify)
    (inbox,) = log(notify, channel="inbox")
    assert (inbox["subject"], inbox["body"]) == ("红灯 T1", "袁州区 的 T1 红了")
    listed = notify("list_templates", event_type="colour_changed", channel="inbox")["items"]
    assert listed[0]["subject"] == "红灯 {{ task }}" and "reason" in listed[0]["variables"]
    # The office sees each template as a message reads, its variables by name.
    assert listed[0]["preview"] == {"subject": "红灯 T2026-0001",
                                    "body": "袁州区 的 T2026-0001 红了"}
    assert listed[0]["variable_names"]["unit_name"] == "单位名称"


def test_a_template_is_previewed_with_sample_values_before_it_is_stored(notify):
    preview = notify("preview_template", "colour_changed", "sms", "",
                     "【落实】{{ unit_name }}：「{{ title }}」亮{{ colour_name }}", ADMIN)
    assert preview == {"subject": "", "body": "【落实】袁州区：「产业园区建设」亮红灯"}
    with pytest.raises(InvalidInput):
        notify("preview_template", "colour_changed", "sms", "", "{{ nope }}", ADMIN)
    with pytest.raises(Forbidden):
        notify("preview_template", "colour_changed", "sms", "", "x",
               {"user": "op", "role": "operator", "units": ["yz"]})
    stored = notify("list_templates", event_type="colour_changed", channel="sms")["items"]
    assert stored[0]["updated_at"] is None  # a preview stores nothing


def test_routing_rules_are_listed_and_only_admins_change_them(notify):
    defaults = notify("list_routing_rules")["items"]
    assert defaults[0] == {"position": 0, "event_type": "colour_changed", "colour": "red",
                           "unit": None, "role": "operator",
                           "channels": ["sms", "email", "inbox"],
                           "quiet_hours": "22:00-08:00", "enabled": True,
                           "days_before": None}
    with pytest.raises(Forbidden):
        notify("set_routing_rules", [], {"user": "op", "role": "operator", "units": None})
    with pytest.raises(InvalidInput):
        notify("set_routing_rules", [{"event_type": "colour_changed", "role": "boss",
                                      "channels": ["sms"]}], ADMIN)
    notify("set_routing_rules", [{"event_type": "colour_changed", "colour": "yellow",
                                  "role": "head", "channels": ["inbox"]}], ADMIN)
    turn_red(notify, colour="yellow", previous="green")
    turn_red(notify, task="T2")
    assert [(row["task"], row["colour"]) for row in log(notify)] == [("T1", "yellow")]


def test_inbox_messages_are_marked_read_by_their_unit(notify):
    turn_red(notify)
    turn_red(notify, task="T2")
    ids = [row["id"] for row in notify("list_inbox", unit="yz")["items"]]
    with pytest.raises(Forbidden):
        notify("mark_read", ids, {"user": "x", "role": "operator", "units": ["zs"]})
    assert notify("mark_read", ids[:1], {"user": "op", "role": "operator",
                                         "units": ["yz"]}) == {"marked": 1}
    assert notify("list_inbox", unit="yz", unread=True)["total"] == 1
    assert notify("list_inbox", unit="yz", unread=False)["items"][0]["id"] == ids[0]


def test_a_redelivered_event_notifies_once(notify):
    event = red()
    notify.deliver("warnings", "colour_changed", event, "on_colour_changed")
    notify.deliver("warnings", "colour_changed", event, "on_colour_changed")
    assert len(log(notify, channel="inbox")) == 1
    assert eventually(lambda: notify("health")["status"] == "ok")


def test_a_published_ranking_reaches_the_leaders_with_its_lists(notify, smtp):
    notify.deliver("ranking", "ranking_published", new_event(
        period="2026-Q3", label="2026年第三季度", as_of="2026-09-30", rules_version=1,
        published_by="admin", groups=[{
            "group": "county", "label": "县（市、区）", "entries": [],
            "red_list": [{"unit": "yz", "name": "袁州区", "reasons": ["第1名"]},
                         {"unit": "zs", "name": "樟树市", "reasons": ["第2名"]}],
            "black_list": []}]), "on_ranking_published")
    notify("tick")
    (mail,) = [mail for mail in smtp() if "mayor@city.example" in mail["To"]]
    assert mail["Subject"] == "2026年第三季度评价排队结果已发布"
    (inbox,) = notify("list_inbox", user="mayor")["items"]
    assert "县（市、区）：红榜 袁州区、樟树市；黑榜 无。" in inbox["body"]
    assert inbox["item"] == "ranking:2026-Q3"


def test_the_escalation_grace_counts_working_days_by_the_offices_calendar(notify):
    from services.notify.dependencies import Delivery
    from tests.support.holiday_notices import BODY_2027

    delivery = next(dep for dep in notify.container.dependencies if isinstance(dep, Delivery))
    delivery.settings = dataclasses.replace(delivery.settings, working_days=True)
    entered = new_event(year=2027, version=2, holidays=BODY_2027["holidays"],
                        workdays=BODY_2027["workdays"], note="录入", changed_by="admin",
                        changed_at="2026-12-01T02:00:00+00:00")
    notify.deliver("warnings", "calendar_changed", entered, "on_calendar_changed")
    # An older version delivered late changes nothing.
    notify.deliver("warnings", "calendar_changed",
                   {**entered, "event_id": new_event()["event_id"], "version": 1,
                    "holidays": [], "workdays": []}, "on_calendar_changed")
    # Red on the Friday before the Spring Festival week: two working days of grace
    # are the Monday and Tuesday after it, not the Monday and Tuesday off.
    notify.clock.moment = dt.datetime(2027, 2, 5, 10, 0, tzinfo=ZONE)
    turn_red(notify, as_of="2027-02-05")
    notify.clock.moment = dt.datetime(2027, 2, 10, 10, 1, tzinfo=ZONE)
    notify("tick")
    (ladder,) = notify("list_escalations", item="task:T1")["items"]
    assert ladder["level"] == 0
    notify.clock.moment = dt.datetime(2027, 2, 16, 10, 1, tzinfo=ZONE)
    notify("tick")
    (ladder,) = notify("list_escalations", item="task:T1")["items"]
    assert ladder["level"] == 1


# Settling: no false alarms -------------------------------------------------------------

settling = pytest.mark.parametrize("notify", ["10"], indirect=True)


def statuses(notify, **filters):
    return {row["channel"]: row["status"] for row in log(notify, **filters)}


@settling
def test_a_red_warning_waits_out_the_settling_time_then_goes(notify, smtp, http_peer):
    turn_red(notify)
    rows = log(notify, task="T1")
    assert {row["channel"]: (row["status"], row["next_attempt_at"]) for row in rows} == {
        channel: ("pending", "2026-11-03T02:10:00") for channel in ("inbox", "sms", "email")}
    assert notify("list_inbox", unit="yz")["items"] == []  # nobody's news yet
    notify.clock.moment += dt.timedelta(minutes=9)
    notify("tick")
    assert http_peer.on("/sms") == [] and smtp() == []

    notify.clock.moment += dt.timedelta(minutes=1)
    notify("tick")
    assert statuses(notify, task="T1") == {"inbox": "delivered", "sms": "sent", "email": "sent"}
    assert len(http_peer.on("/sms")) == 1 and len(smtp()) == 1
    (inbox,) = notify("list_inbox", unit="yz", unread=True)["items"]
    assert inbox["subject"] == "红色预警：「T1」"
    # The ladder's grace counts from when the warning went out.
    (ladder,) = notify("list_escalations", item="task:T1")["items"]
    assert ladder["next_at"] == "2026-11-05T02:10:00"


@settling
def test_a_red_warning_whose_task_recovers_while_settling_is_dropped(notify, smtp, http_peer):
    turn_red(notify)
    notify.clock.moment += dt.timedelta(minutes=1)
    notify.deliver("warnings", "colour_changed", red(previous="red", colour="green"),
                   "on_colour_changed")
    rows = log(notify, task="T1")
    assert {row["channel"]: (row["status"], row["dropped_reason"]) for row in rows} == {
        channel: ("dropped", "recovered") for channel in ("inbox", "sms", "email")}
    assert all("恢复为绿色" in row["provider_answer"] and row["next_attempt_at"] is None
               for row in rows)
    assert len(log(notify, status="dropped")) == 3
    notify.clock.moment += dt.timedelta(minutes=30)
    notify("tick")
    assert http_peer.on("/sms") == [] and smtp() == []
    assert notify("list_inbox", unit="yz")["items"] == []
    (ladder,) = notify("list_escalations", item="task:T1")["items"]
    assert ladder["status"] == "stopped"

    # Red again later the same day: the dropped warning was never heard, so this is news.
    turn_red(notify, previous="green")
    notify.clock.moment += dt.timedelta(minutes=10)
    notify("tick")
    assert len(http_peer.on("/sms")) == 1 and len(smtp()) == 1
    assert statuses(notify, task="T1", status="sent") == {"sms": "sent", "email": "sent"}


@settling
def test_a_held_digest_leaves_out_the_tasks_that_recovered(notify, smtp, http_peer):
    changes = [{"item_kind": "task", "item_key": f"T{n}", "task": f"T{n}", "unit": "yz",
                "colour": "red", "previous": "green", "reason": "逾期", "rule_version": 1}
               for n in range(8)]
    notify.deliver("warnings", "colour_changed", new_event(as_of="2026-11-03", changes=changes),
                   "on_colour_changed")
    back = [{**change, "colour": "green", "previous": "red"} for change in changes[:6]]
    notify.deliver("warnings", "colour_changed", new_event(as_of="2026-11-03", changes=back),
                   "on_colour_changed")
    notify.clock.moment += dt.timedelta(minutes=10)
    notify("tick")
    (sms,) = log(notify, channel="sms", status="sent")
    assert sms["event_type"] == "digest" and len(sms["items"]) == 2
    (mail,) = smtp()
    assert "共 2 条" in mail["Subject"]
    assert [row["task"] for row in notify("list_inbox", unit="yz")["items"]] == ["T7", "T6"]


@settling
def test_notices_go_at_once_whatever_the_settling_time(notify, http_peer):
    notice = {"id": 5, "number": "督办〔2026〕5号", "task": "T1", "unit": "yz",
              "item_kind": "task", "item_key": "T1", "reason": "连续两月严重延期",
              "issued_at": "2026-11-03T02:00:00", "ack_due": "2026-11-05",
              "answer_due": "2026-11-12", "status": "issued"}
    notify.deliver("warnings", "notice_issued", new_event(notice=notice), "on_notice_issued")
    notify("tick")
    assert statuses(notify, event_type="notice_issued") == {
        "inbox": "delivered", "sms": "sent", "email": "sent"}


def test_with_no_settling_time_a_red_warning_goes_at_once(notify, http_peer):
    turn_red(notify)
    notify("tick")
    assert statuses(notify, task="T1") == {"inbox": "delivered", "sms": "sent", "email": "sent"}


def first_judgement(colour="red", first_due="2026-11-30"):
    return new_event(as_of="2026-11-03", changes=[
        {"item_kind": "task", "item_key": "T9", "task": "T9", "unit": "yz", "colour": colour,
         "previous": None, "reason": "计划进度30%，实际0%", "rule_version": 1,
         "first_due": first_due}])


def test_a_new_tasks_first_red_waits_until_it_is_due_to_be_reported_on(notify, http_peer):
    notify.deliver("warnings", "colour_changed", first_judgement(), "on_colour_changed")
    rows = {row["channel"]: row for row in log(notify, task="T9")}
    # Midnight of 30 November in Shanghai; SMS waits out the quiet hours to 08:00.
    assert {channel: (row["status"], row["next_attempt_at"])
            for channel, row in rows.items()} == {
        "inbox": ("pending", "2026-11-29T16:00:00"),
        "email": ("pending", "2026-11-29T16:00:00"),
        "sms": ("pending", "2026-11-30T00:00:00")}
    (ladder,) = notify("list_escalations", item="task:T9")["items"]
    assert ladder["next_at"] == "2026-12-01T16:00:00"  # two days from then
    notify.clock.moment += dt.timedelta(days=5)
    notify("tick")
    assert http_peer.on("/sms") == [] and notify("list_inbox", unit="yz")["items"] == []

    # Its first report puts it right: nobody ever hears of it.
    notify.deliver("warnings", "colour_changed", new_event(as_of="2026-11-08", changes=[
        {"item_kind": "task", "item_key": "T9", "task": "T9", "unit": "yz", "colour": "green",
         "previous": "red", "reason": "如期推进", "rule_version": 1}]), "on_colour_changed")
    assert {row["status"] for row in log(notify, task="T9")} == {"dropped"}
    notify.clock.moment = dt.datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)
    notify("tick")
    assert http_peer.on("/sms") == []


def test_a_new_tasks_first_red_goes_out_on_the_day_it_is_due(notify, http_peer):
    notify.deliver("warnings", "colour_changed", first_judgement("red", "2026-11-05"),
                   "on_colour_changed")
    notify.clock.moment = dt.datetime(2026, 11, 5, 8, 30, tzinfo=ZONE)
    notify("tick")
    assert statuses(notify, task="T9") == {"inbox": "delivered", "sms": "sent", "email": "sent"}


def test_a_new_task_already_due_is_warned_of_at_once(notify, http_peer):
    notify.deliver("warnings", "colour_changed", first_judgement("red", "2026-10-31"),
                   "on_colour_changed")
    notify("tick")
    assert statuses(notify, task="T9") == {"inbox": "delivered", "sms": "sent", "email": "sent"}
def robot_rules(notify, channels=("dingtalk", "wecom")):
    notify("set_routing_rules", [
        {"event_type": "colour_changed", "colour": "red", "role": "operator",
         "channels": list(channels), "quiet_hours": None},
        {"event_type": "colour_changed", "colour": "red", "role": "head",
         "channels": list(channels), "quiet_hours": None}], ADMIN)


def test_a_red_task_reaches_the_units_dingtalk_and_wecom_groups_signed(notify, robot_peer):
    ding = notify("set_unit_robot", "yz", "dingtalk",
                  f"{robot_peer.url}/ding?access_token={DING_TOKEN}", ADMIN, secret=DING_SECRET)
    notify("set_unit_robot", "yz", "wecom", f"{robot_peer.url}/wx?key={WECOM_KEY}", ADMIN)
    robot_rules(notify)
    turn_red(notify)
    notify("tick")

    assert robot_peer.refused == []
    by_path = {request["path"]: request for request in robot_peer.received}
    assert sorted(by_path) == ["/ding", "/wx"]  # one message a group: operator and head read it
    markdown = by_path["/ding"]["document"]["markdown"]
    assert markdown["title"] == "红色预警：「T1」"
    assert markdown["text"].startswith("### 红色预警：「T1」\n\n袁州区：截至2026年11月3日")
    assert markdown["text"].endswith(f"[在落实平台查看]({PORTAL}/#/task/T1)")
    content = by_path["/wx"]["document"]["markdown"]["content"]
    assert content.startswith("### 红色预警：「T1」") and "计划进度60%，实际20%" in content
    rows = log(notify, task="T1")
    assert {(row["channel"], row["recipient"], row["status"]) for row in rows} == {
        ("dingtalk", "unit:yz", "sent"), ("wecom", "unit:yz", "sent")}

    # What people and the log see keeps neither the token nor the secret.
    listed = notify("list_unit_robots")
    shown = json.dumps([ding, listed, rows], ensure_ascii=False)
    assert DING_TOKEN not in shown and DING_SECRET not in shown and WECOM_KEY not in shown
    assert OFFICE_WECOM_KEY not in shown
    assert ding["url"].endswith("access_token=****9f3a") and ding["signed"] is True
    assert [robot["channel"] for robot in listed["office"]] == ["wecom"]


def test_a_robots_refusal_fails_the_delivery_for_good_and_a_busy_one_is_retried(
        notify, robot_peer):
    # A wrong secret: DingTalk answers errcode 310000 (sign not match), which no
    # retry mends, so the delivery fails at once as a refused SMS does.
    notify("set_unit_robot", "yz", "dingtalk",
           f"{robot_peer.url}/ding?access_token={DING_TOKEN}", ADMIN, secret="SECwrong")
    robot_rules(notify, ["dingtalk"])
    turn_red(notify)
    notify("tick")
    (row,) = log(notify, channel="dingtalk")
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["provider_answer"].startswith("200") and "310000" in row["provider_answer"]
    assert DING_TOKEN not in row["provider_answer"]
    assert robot_peer.received == [] and robot_peer.refused == ["sign not match"]

    # Mended, and busy once (130101: more than 20 a minute): tried again later.
    notify("set_unit_robot", "yz", "dingtalk",
           f"{robot_peer.url}/ding?access_token={DING_TOKEN}", ADMIN, secret=DING_SECRET)
    robot_peer.errcodes = [130101]
    turn_red(notify, task="T2")
    notify("tick")
    (row,) = log(notify, channel="dingtalk", task="T2")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next_attempt_at"] == "2026-11-03T02:01:00"  # 60 s, as every channel
    notify.clock.moment += dt.timedelta(minutes=2)
    notify("tick")
    (row,) = log(notify, channel="dingtalk", task="T2")
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert len(robot_peer.received) == 2


def test_an_escalation_reaches_the_office_wide_wecom_robot(notify, robot_peer):
    notify("set_routing_rules", [
        {"event_type": "colour_changed", "colour": "red", "role": "operator",
         "channels": ["inbox"]},
        {"event_type": "escalation", "role": "head", "channels": ["inbox"]},
        {"event_type": "escalation", "role": "office", "channels": ["wecom"],
         "quiet_hours": None}], ADMIN)
    turn_red(notify)
    for days in (2, 3):
        notify.clock.moment += dt.timedelta(days=days)
        notify("tick")
    (row,) = log(notify, channel="wecom")
    assert (row["recipient"], row["status"], row["role"]) == ("office", "sent", "office")
    (request,) = robot_peer.received
    assert request["query"]["key"] == [OFFICE_WECOM_KEY]
    assert "升级提醒" in request["document"]["markdown"]["content"]


def test_robot_addresses_and_secrets_are_checked_and_only_admins_set_them(notify):
    with pytest.raises(Forbidden):
        notify("set_unit_robot", "yz", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/"
               "webhook/send?key=k", {"user": "op", "role": "operator", "units": ["yz"]})
    with pytest.raises(InvalidInput) as error:
        notify("set_unit_robot", "yz", "wecom", "ftp://example/wx?key=k", ADMIN)
    assert "https://" in str(error.value)
    with pytest.raises(InvalidInput) as error:
        notify("set_unit_robot", "yz", "wecom", "http://127.0.0.1/wx?key=k", ADMIN,
               secret="SECx")
    assert "企业微信群机器人没有加签密钥" in str(error.value)
    with pytest.raises(InvalidInput):
        notify("set_unit_robot", "yz", "telegram", "https://t.example/?key=k", ADMIN)
    with pytest.raises(NotFound):
        notify("set_unit_robot", "nowhere", "wecom", "http://127.0.0.1/wx?key=k", ADMIN)
    assert notify("set_unit_robot", "yz", "wecom", None, ADMIN)["removed"] is True
    assert notify("list_unit_robots", unit="yz")["items"] == []


def test_messages_on_a_task_name_it_by_its_title_on_every_channel(notify, smtp, http_peer):
    """Once notify has heard of the task, the inbox, the e-mail, the SMS and the
    escalation ladder name it by its title, the code only beside it."""
    notify.deliver("tasks", "task_created", new_event(task={
        "code": "T1", "title": "城市快速路一期", "category": None, "source": "plan",
        "clock_class": None, "lead_unit": "yz", "cooperating_units": [],
        "responsible_person": None, "start_date": "2026-09-01", "due_date": "2026-12-31",
        "status": "active", "created_at": "2026-09-01T00:00:00", "batch": None,
        "targets": []}), "on_task_created")
    turn_red(notify)
    notify("tick")

    (inbox,) = notify("list_inbox", unit="yz", unread=True)["items"]
    assert (inbox["task"], inbox["subject"]) == ("T1", "红色预警：「城市快速路一期」")
    assert inbox["body"].startswith(
        "袁州区：截至2026年11月3日，你单位牵头的「城市快速路一期」已亮红灯")
    (mail,) = smtp()
    assert "「城市快速路一期」" in mail.get_payload(decode=True).decode()
    (sms,) = http_peer.on("/sms")
    assert json.loads(sms["body"])["text"].startswith("【落实】袁州区：「城市快速路一期」已亮红灯")
    (ladder,) = notify("list_escalations", item="task:T1")["items"]
    assert ladder["label"] == "「城市快速路一期」红色预警"


def message_posted(message_id, author, side, author_unit, to_units, to_office, **named):
    return new_event(message_id=message_id, task="T1", title="城市快速路一期", author=author,
                     side=side, author_unit=author_unit, excerpt="请补充佐证材料",
                     to_units=to_units, to_office=to_office,
                     posted_at="2026-11-03T02:30:00+00:00", **named)


def test_a_thread_message_names_its_author_on_every_channel(notify, smtp, http_peer):
    """The inbox, the e-mail and the SMS name who wrote by the name the event
    carries, a unit's author with the unit; an event queued before the tasks
    service named authors is worded by the login."""
    notify("set_routing_rules", [
        {"event_type": "task_message_posted", "role": role, "channels": ["sms", "email", "inbox"]}
        for role in ("operator", "office")], ADMIN)
    notify.deliver("tasks", "task_message_posted", message_posted(
        1, "admin", "office", None, ["yz"], False, author_name="李督查"),
        "on_task_message_posted")
    notify.deliver("tasks", "task_message_posted", message_posted(
        2, "op_yz", "unit", "yz", [], True), "on_task_message_posted")
    notify("tick")

    inboxes = log(notify, channel="inbox")
    (unit_inbox,) = [row for row in inboxes if row["recipient"] == "yz"]
    assert unit_inbox["subject"] == "「城市快速路一期」有新留言（李督查，督查办）"
    assert unit_inbox["body"].startswith(
        "袁州区：李督查（督查办）于2026年11月3日 10:30在「城市快速路一期」留言：请补充佐证材料。")
    (office_inbox,) = [row for row in inboxes if row["recipient"] != "yz"]
    assert office_inbox["subject"] == "「城市快速路一期」有新留言（op_yz，责任单位）"
    assert "：op_yz（责任单位 袁州区）于2026年11月3日 10:30在" in office_inbox["body"]
    mails = {mail["To"]: mail for mail in smtp()}
    assert mails["op@yz.example"]["Subject"] == "「城市快速路一期」有新留言（李督查，督查办）"
    assert "李督查（督查办）于" in mails["op@yz.example"].get_payload(decode=True).decode()
    assert "op_yz（责任单位 袁州区）于" in mails["office@city.example"].get_payload(
        decode=True).decode()
    texts = {json.loads(sms["body"])["to"]: json.loads(sms["body"])["text"]
             for sms in http_peer.on("/sms")}
    assert texts["13800000002"] == \
        "【落实】李督查（督查办）在「城市快速路一期」留言：请补充佐证材料。请登录平台回复。"
    assert texts["13900000000"].startswith(
        "【落实】op_yz（责任单位 袁州区）在「城市快速路一期」留言")


def test_an_office_template_of_a_thread_message_written_with_the_login_still_reads(notify):
    """A template the office wrote with {{ author }} keeps the login; one written
    now may name the author."""
    notify("set_template", "task_message_posted", "inbox", "{{ author }}留言",
           "{{ author }}：{{ author_name }}{{ author_unit_name }}", ADMIN)
    notify.deliver("tasks", "task_message_posted", message_posted(
        3, "op_yz", "unit", "yz", [], True, author_name="赵县办"), "on_task_message_posted")
    (inbox,) = log(notify, channel="inbox")
    assert (inbox["subject"], inbox["body"]) == ("op_yz留言", "op_yz：赵县办袁州区")


def test_a_corrected_instruction_replaces_the_words_the_bulletin_reads(notify):
    given = dict(new_event(
        instruction_id=4, kind="on_task", parent=None, task="T1", title="重点项目开工",
        lead_unit="yz", leader="mayor", leader_name="王市常", given_on="2026-11-02",
        text="请袁州区加快推近。"), occurred_at="2026-11-03T02:00:00+00:00")
    notify.deliver("tasks", "instruction_given", given, "on_instruction_given")
    corrected = dict(new_event(
        instruction_id=4, task="T1", lead_unit="yz", kind="on_task", leader="mayor",
        leader_name="王市长", given_on="2026-11-01", text="请袁州区加快推进。",
        reason="录入笔误", corrected_by="admin"), occurred_at="2026-11-10T02:00:00+00:00")
    notify.deliver("tasks", "instruction_corrected", corrected, "on_instruction_corrected")
    db = next(dep for dep in notify.container.dependencies if dep.attr_name == "db")
    with db.engine.connect() as connection:
        facts = connection.execute(select(
            bulletin_facts.c.key, bulletin_facts.c.day, bulletin_facts.c.detail)
            .where(bulletin_facts.c.kind == "instruction")).all()
    # Still the week it was given, in the corrected words.
    assert [tuple(fact) for fact in facts] == [
        ("I4", dt.date(2026, 11, 3), "王市长批示（2026-11-01）：请袁州区加快推进。")]
