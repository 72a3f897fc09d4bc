"""Who may act on notices and on a task's whole, against the real services,
judged by the one authorisation table (policy/authorisation.json) that the
gateway and the services both follow.

Every role (admin, leader, operators and evaluators as people, and county
systems' keys) in every relation to the unit concerned (its own unit, a unit
above it, another unit) tries every action twice: over HTTP through the
gateway, and straight at the service over the broker with a caller signed as
the gateway signs it, so that neither side can let through what the other
refuses. An action the table allows must pass authorisation (it may still
meet a conflict of state: a notice already acknowledged, a task not at 100%);
one it refuses must be a 403 / Forbidden (or, for a progress item, a
rejection), and change nothing.
"""
import datetime as dt
import os

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from policy import BELOW, OTHER, OWN, policy
from services.common.callers import sign
from services.common.settings import LOCAL_CALLER_KEY
from tests.e2e.conftest import wait

PASSWORD = "matrix-password-2026"
# The unit the actions concern (the task's lead and the notice's addressee),
# the one above it, and another unit that cooperates on the task.
OWN_UNIT, PARENT_UNIT, OTHER_UNIT = "mx-c1d", "mx-c1", "mx-u2"
UNIT_OF = {OWN: OWN_UNIT, BELOW: PARENT_UNIT, OTHER: OTHER_UNIT}
TASK = "MX-1"
ACTIONS = ("notice.issue", "notice.acknowledge", "notice.answer", "task.report_progress",
           "task.close", "notice.close")


def callers():
    """(name, role, relation, kind): every role in every relation it can have."""
    found = [("admin", "admin", OWN, "user"), ("leader", "leader", OWN, "user")]
    for role in ("operator", "evaluator"):
        found += [(f"{role}-{relation}", role, relation, "user")
                  for relation in (OWN, BELOW, OTHER)]
    found += [(f"key-{relation}", "operator", relation, "key")
              for relation in (OWN, BELOW, OTHER)]
    return found


@pytest.fixture(scope="module")
def city(platform):
    """The units, the task, the people and keys; answers {name: headers}."""
    http = platform.http
    admin = platform.login()
    rules = http.put("/api/v1/rules", headers=admin, json={
        "rules": {"calendar_mode": "calendar"}, "note": "matrix"})
    assert rules.status_code == 200, rules.text
    for unit in ({"code": PARENT_UNIT, "name": "矩阵县", "kind": "county"},
                 {"code": OWN_UNIT, "name": "矩阵县农业农村局", "kind": "department",
                  "parent": PARENT_UNIT},
                 {"code": OTHER_UNIT, "name": "矩阵市住建局", "kind": "department"}):
        answer = http.post("/api/v1/units", json=unit, headers=admin)
        assert answer.status_code == 201, answer.text
    today = platform.clock.day
    answer = http.post("/api/v1/tasks", headers=admin, json={
        "code": TASK, "title": "矩阵测试任务", "lead_unit": OWN_UNIT,
        "cooperating_units": [OTHER_UNIT],
        "start_date": (today - dt.timedelta(days=30)).isoformat(),
        "due_date": (today + dt.timedelta(days=300)).isoformat(),
        "targets": [{"due_date": (today + dt.timedelta(days=300)).isoformat(),
                     "planned_percent": 100, "unit": OTHER_UNIT}]})
    assert answer.status_code == 201, answer.text
    headers = {"admin": admin}
    for name, role, relation, kind in callers():
        if name == "admin":
            continue
        unit = None if role in ("admin", "leader") else UNIT_OF[relation]
        if kind == "key":
            made = http.post("/api/v1/api-keys", headers=admin,
                             json={"name": f"mx-{name}", "units": [unit]})
            assert made.status_code == 201, made.text
            headers[name] = {"X-API-Key": made.json()["key"]}
            continue
        made = http.post("/api/v1/users", headers=admin, json={
            "username": f"mx-{name}", "password": PASSWORD, "role": role,
            **({"unit": unit} if unit else {})})
        assert made.status_code == 201, made.text
        headers[name] = platform.login(f"mx-{name}", PASSWORD)
    return headers


def _signed(name, role, relation):
    units = None if role in ("admin", "leader") else [UNIT_OF[relation]]
    key = (os.environ.get("LUOSHI_CALLER_KEY") or LOCAL_CALLER_KEY).encode()
    return sign({"user": f"mx-{name}", "role": role, "units": units}, key,
                dt.datetime.now(dt.UTC))


class Attempts:
    """Each action as a request through the gateway, and as the RPC the
    gateway would send: each answers "allowed", "refused" or what else happened."""

    def __init__(self, platform, rpc):
        self.http, self.rpc = platform.http, rpc
        self.percent = 0
        self.notice_id = None

    def _next_percent(self):
        self.percent += 1  # later reports never go back, whoever sends them
        return self.percent

    # Over HTTP -------------------------------------------------------------------

    def over_http(self, action, headers, relation):
        http = self.http
        if action == "notice.issue":
            answer = http.post("/api/v1/notices", headers=headers,
                               json={"task": TASK, "reason": "矩阵测试"})
        elif action in ("notice.acknowledge", "notice.answer", "notice.close"):
            verb = {"notice.acknowledge": "ack", "notice.answer": "answer",
                    "notice.close": "close"}[action]
            body = {"notice.answer": {"answer": "本周内完成整改"},
                    "notice.close": {"reason": "矩阵测试办结"}}.get(action)
            answer = http.post(f"/api/v1/notices/{self.notice_id}/{verb}", headers=headers,
                               **({"json": body} if body else {}))
        elif action == "task.report_progress":
            unit = OTHER_UNIT if relation == OTHER else OWN_UNIT
            answer = http.post("/api/v1/progress", headers=headers, json=[
                {"task": TASK, "unit": unit, "percent": self._next_percent()}])
            if answer.status_code == 200:
                (result,) = answer.json()["results"]
                return "allowed" if result["status"] == "accepted" else (
                    "refused" if result.get("code") == "lead_unit_only" else result)
        elif action == "task.close":
            answer = http.post(f"/api/v1/tasks/{TASK}/close", headers=headers)
        else:
            raise AssertionError(action)
        if answer.status_code == 403:
            return "refused"
        # Past authorisation: done, or a conflict with the state it found.
        return "allowed" if answer.status_code in (200, 201, 409) else (
            answer.status_code, answer.text)

    # Straight at the service -------------------------------------------------------

    def over_rpc(self, action, caller, relation):
        try:
            if action == "notice.issue":
                self.rpc.warnings.issue_notice(task=TASK, caller=caller, reason="矩阵测试")
            elif action == "notice.acknowledge":
                self.rpc.warnings.acknowledge_notice(notice_id=self.notice_id, caller=caller)
            elif action == "notice.answer":
                self.rpc.warnings.answer_notice(notice_id=self.notice_id, answer="整改计划",
                                                caller=caller)
            elif action == "notice.close":
                self.rpc.warnings.close_notice(notice_id=self.notice_id, caller=caller,
                                               reason="矩阵测试办结")
            elif action == "task.report_progress":
                unit = OTHER_UNIT if relation == OTHER else OWN_UNIT
                answer = self.rpc.tasks.report_progress(
                    items=[{"task": TASK, "unit": unit, "percent": self._next_percent()}],
                    caller=caller)
                (result,) = answer["results"]
                return "allowed" if result["status"] == "accepted" else (
                    "refused" if result.get("code") == "lead_unit_only" else result)
            elif action == "task.close":
                self.rpc.tasks.close_task(code=TASK, caller=caller)
            else:
                raise AssertionError(action)
        except RemoteError as error:
            if error.exc_type == "Forbidden":
                return "refused"
            if error.exc_type == "Conflict":
                return "allowed"
            return error.exc_type, error.value
        return "allowed"


def test_the_table_says_what_the_product_promises():
    table = policy()
    # The addressed unit itself answers its notice, or the office: not an
    # evaluator, not the unit above it, not a leader.
    for action in ("notice.acknowledge", "notice.answer"):
        assert table.allows(action, "operator", OWN) and table.allows(action, "admin", OTHER)
        assert not table.allows(action, "operator", BELOW)
        assert not table.allows(action, "evaluator", OWN)
        assert not table.allows(action, "leader", OWN)
    # A leader presses a red item (督办) from the screen as the office does, on any unit.
    for relation in (OWN, BELOW, OTHER):
        assert table.allows("notice.issue", "leader", relation)
        assert not table.allows("notice.issue", "operator", relation)
    # A cooperating unit does not speak for the task's whole.
    for action in ("task.report_progress", "task.close", "task.explain",
                   "task.record_clock_stage"):
        assert not table.allows(action, "operator", OTHER)
        assert table.allows(action, "operator", OWN)
        assert not table.allows(action, "leader", OWN)
    # Only the lead unit itself asks for more time: not the unit above it (which
    # may report for it), not a cooperating one; the office extends directly.
    assert table.allows("task.request_extension", "operator", OWN)
    for role, relation in (("operator", BELOW), ("operator", OTHER), ("leader", OWN)):
        assert not table.allows("task.request_extension", role, relation)
    # The warnings service does not know the unit tree: no notice action may
    # depend on a unit being below the caller's.
    for action in ("notice.issue", "notice.acknowledge", "notice.answer", "notice.close"):
        for role in table.roles:
            assert table.allows(action, role, BELOW) == table.allows(action, role, OTHER)


def test_every_role_in_every_relation_is_judged_by_the_table_on_both_sides(platform, city):
    table = policy()
    with ClusterRpcProxy({"AMQP_URI": platform.amqp_uri, "serializer": "json"},
                         timeout=30) as rpc:
        attempts = Attempts(platform, rpc)

        # The office's notice on the task, once the warnings service knows it.
        def issued():
            answer = platform.http.post("/api/v1/notices", headers=city["admin"],
                                        json={"task": TASK, "reason": "矩阵测试"})
            assert answer.status_code == 201, answer.text
            return answer.json()

        attempts.notice_id = wait(issued)["id"]
        found = {}
        for action in ACTIONS:
            for name, role, relation, _kind in callers():
                expected = "allowed" if table.allows(action, role, relation) else "refused"
                http = attempts.over_http(action, city[name], relation)
                direct = attempts.over_rpc(action, _signed(name, role, relation), relation)
                found[(action, name)] = (expected, http, direct)
        wrong = {case: outcome for case, outcome in found.items()
                 if outcome[1] != outcome[0] or outcome[2] != outcome[0]}
        assert not wrong, wrong
        # Both outcomes occur: the matrix can fail either way.
        assert {outcome[0] for outcome in found.values()} == {"allowed", "refused"}
