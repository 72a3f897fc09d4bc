"""Each part runs under its own broker user, allowed only what it uses (the
users and permissions of deploy/compose.yml's RabbitMQ definitions, which
services/launch/broker_users.py derives), and the platform still works end to end: a
report flows from the gateway through every service's events to a colour and a
notification, each service's health check answers under its own user, and a
user cannot touch another service's queues.

Real: RabbitMQ (a private vhost, and the definitions imported with rabbitmqctl
under users of the test's own, removed afterwards), the processes as `make run`
starts them, HTTP. Faked: nothing.
"""
import datetime as dt
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import pytest
import yaml
from kombu import Connection, Queue

from services.common.config import SERVICES
from services.launch.broker_users import parts, user_name
from tests.deploy.checks import COMPOSE
from tests.faults.harness import Platform
from tests.support.broker import private_vhost
from tests.support.waiting import eventually

pytestmark = pytest.mark.skipif(shutil.which("rabbitmqctl") is None,
                                reason="needs rabbitmqctl to make broker users")


def _ctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def _uri_as(uri, user, password):
    parts_ = urlsplit(uri)
    netloc = f"{user}:{password}@{parts_.hostname}:{parts_.port or 5672}"
    return urlunsplit((parts_.scheme, netloc, parts_.path, "", ""))


class PlatformOfUsers(Platform):
    """The processes, each part with its own broker URI; migrate as the admin."""

    def __init__(self, amqp_uri, data_dir, uris):
        super().__init__(amqp_uri, data_dir)
        self.uris = uris

    def start(self, name):
        admin_env = self.env
        self.env = {**admin_env, "LUOSHI_AMQP_URI": self.uris[name]}
        try:
            super().start(name)
        finally:
            self.env = admin_env


def _compose_definitions(passwords, suffix, vhost):
    """deploy/compose.yml's broker definitions as compose would hand them to
    RabbitMQ (`${VAR:?…}` replaced, `$$` a literal `$`), for this test's vhost and
    users of its own (names with `suffix`); the administrator left out."""
    with open(COMPOSE, encoding="utf-8") as stream:
        content = yaml.safe_load(stream)["configs"]["rabbitmq-definitions"]["content"]
    content = re.sub(r"\$\{(\w+):\?[^}]*\}", lambda match: passwords.get(match.group(1), "unused"),
                     content)
    definitions = json.loads(content.replace("$$", "$"))
    rename = {f"luoshi-{part}": f"luoshi-{part}-{suffix}" for part in parts()}
    return {
        "users": [{**user, "name": rename[user["name"]]} for user in definitions["users"]
                  if user["name"] in rename],
        "vhosts": [],  # the test's own, made already
        "permissions": [{**entry, "user": rename[entry["user"]], "vhost": vhost}
                        for entry in definitions["permissions"] if entry["user"] in rename],
    }


@pytest.fixture
def users(tmp_path):
    """The users of deploy/compose.yml's definitions, imported into RabbitMQ for a
    private vhost: {part: its AMQP URI}."""
    with private_vhost() as admin_uri:
        vhost = unquote(urlsplit(admin_uri).path[1:])
        suffix = secrets.token_hex(4)
        passwords = {f"RABBITMQ_{part.upper()}_PASSWORD": secrets.token_urlsafe(16)
                     for part in parts()}
        definitions = _compose_definitions(passwords, suffix, vhost)
        # rabbitmqctl reads the file as the broker's own user: not from a private
        # folder. The passwords are this test's own, for users removed after it.
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as stream:
            json.dump(definitions, stream)
        os.chmod(stream.name, 0o644)
        try:
            _ctl("import_definitions", stream.name)
            uris = {part: _uri_as(admin_uri, f"{user_name(part)}-{suffix}",
                                  passwords[f"RABBITMQ_{part.upper()}_PASSWORD"])
                    for part in parts()}
            yield admin_uri, uris
        finally:
            os.unlink(stream.name)
            for user in definitions["users"]:
                subprocess.run(["rabbitmqctl", "-q", "delete_user", user["name"]],
                               capture_output=True, timeout=60)


def test_the_platform_works_with_a_user_per_part_and_each_keeps_to_its_own(users, tmp_path):
    admin_uri, uris = users
    platform = PlatformOfUsers(admin_uri, tmp_path, uris)
    try:
        platform.start_all()
        headers = {"Authorization": f"Bearer {platform.token()}"}
        http = httpx.Client(base_url=platform.url, headers=headers, timeout=30)
        assert http.put("/api/v1/rules", json={"rules": {
            "calendar_mode": "calendar", "first_report_grace": False}}).status_code == 200
        assert http.post("/api/v1/units", json={
            "code": "bu-1", "name": "袁州区", "kind": "county",
            "head": {"name": "张三", "phone": "13800000000"}}).status_code == 201
        today = platform.clock.day  # the platform's day, never the real one
        created = http.post("/api/v1/tasks", json={
            "code": "BU-1", "title": "产业园区建设", "lead_unit": "bu-1",
            "start_date": (today - dt.timedelta(days=120)).isoformat(),
            "due_date": (today + dt.timedelta(days=60)).isoformat(),
            "targets": [
                {"due_date": (today - dt.timedelta(days=30)).isoformat(), "planned_percent": 50},
                {"due_date": (today + dt.timedelta(days=60)).isoformat(),
                 "planned_percent": 100}]})
        assert created.status_code == 201, created.text

        def red_and_told():
            task = http.get("/api/v1/tasks/BU-1").json()
            assert task["colour"] == "red", task
            assert http.get("/api/v1/notifications", params={"task": "BU-1"}).json()["total"]
            ranking = http.get("/api/v1/rankings", params={"group": "county"})
            assert ranking.status_code == 200, ranking.text
            return True

        eventually(red_and_told, timeout=60, interval=0.5)
        report = http.post("/api/v1/progress", json=[
            {"task": "BU-1", "unit": "bu-1", "percent": 100}])
        assert report.json()["accepted"] == 1, report.text

        def green():
            assert http.get("/api/v1/tasks/BU-1").json()["colour"] == "green"
            return True

        eventually(green, timeout=60, interval=0.5)
        for service in SERVICES:
            health = subprocess.run(
                [sys.executable, "-m", "services.common.health", service],
                env={**platform.env, "LUOSHI_AMQP_URI": uris[service]}, capture_output=True,
                timeout=60)
            assert health.returncode == 0, (service, health.stderr[-2000:])
        assert "ERROR" not in "".join(platform.log(name) for name in platform.processes), \
            platform.complaints()
    finally:
        platform.stop_all()

    # Each user keeps to its own: notify may not read the tasks service's RPC
    # queue, and the gateway may not read any service's event queue.
    for part, queue in (("notify", "rpc-tasks"), ("gateway", "notify.parked"),
                        ("ranking", "warnings.parked")):
        with Connection(uris[part]) as connection, pytest.raises(Exception) as refused:
            channel = connection.channel()
            Queue(queue, durable=True, auto_delete=False)(channel).declare()
            channel.basic_get(queue)
        assert "ACCESS_REFUSED" in str(refused.value) or "403" in str(refused.value), (
            part, queue, refused.value)
