"""Evidence per report and extensions asked for by a unit, on the four services
together: the office's evidence rule refuses a report at 100% without a file and
takes it with one; a unit asks for time, the office approves, the colour follows
the new date, the ranking counts the extension and the bulletin tells of it."""
import base64
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from services.common.config import SERVICES
from services.launch.topology import service_class
from tests.support.dates import IN_PACKAGE_YEAR, PlatformClock
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}
YZ = {"user": "yz-op", "role": "operator", "units": ["yz"]}
PDF = b"%PDF-1.4\n% acceptance report\n"


@pytest.fixture
def clock(tmp_path, monkeypatch):
    clock = PlatformClock(tmp_path / "now", IN_PACKAGE_YEAR)  # a Monday
    monkeypatch.setenv("LUOSHI_CLOCK_FILE", str(clock.path))
    return clock


@pytest.fixture
def city(runner_factory, amqp_uri, tmp_path, clock):
    config = service_config(amqp_uri, tmp_path)
    prepare(config, *SERVICES)
    runner = runner_factory(config, *[service_class(name) for name in SERVICES])
    runner.start()

    def call(service, method, *args, **kwargs):
        container = get_container(runner, service_class(service))
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    call("warnings", "update_rules", {"first_report_grace": False}, ADMIN)
    call("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county"}, ADMIN)
    yield call
    runner.stop()


def test_a_report_at_100_needs_the_file_the_office_requires(city):
    today = IN_PACKAGE_YEAR
    city("tasks", "create_task", {
        "code": "T1", "title": "农贸市场改造", "lead_unit": "yz",
        "start_date": (today - dt.timedelta(days=30)).isoformat(),
        "due_date": (today + dt.timedelta(days=30)).isoformat(),
        "targets": [{"due_date": (today + dt.timedelta(days=30)).isoformat(),
                     "planned_percent": 100}]}, ADMIN)
    city("tasks", "update_evidence_rules", {"at_full": True}, ADMIN, note="完成须附佐证")

    refused = city("tasks", "report_progress", [
        {"task": "T1", "unit": "yz", "percent": 100}], YZ)
    (result,) = refused["results"]
    assert result["code"] == "evidence_required_full" and "佐证资料" in result["reason"]

    upload = city("tasks", "add_evidence", "T1", "竣工验收报告.pdf", "application/pdf",
                  base64.b64encode(PDF).decode(), YZ)
    taken = city("tasks", "report_progress", [
        {"task": "T1", "unit": "yz", "percent": 100, "evidence": [upload["id"]]}], YZ)
    assert taken["accepted"] == 1, taken
    task = city("tasks", "get_task", "T1", ADMIN)
    assert task["percent"] == 100
    (report,) = task["progress"]
    assert [(f["id"], f["size"]) for f in report["evidence"]] == [(upload["id"], len(PDF))]
    assert report["evidence"][0]["sha256"] == upload["sha256"]
    # The file is served back as any evidence is.
    fetched = city("tasks", "get_evidence", "T1", upload["id"], ADMIN)
    assert base64.b64decode(fetched["content_b64"]) == PDF
    # And the task closes with it.
    assert city("tasks", "close_task", "T1", YZ)["status"] == "closed"


def test_an_approved_extension_moves_the_date_and_the_colour_follows(city, clock):
    today = clock.day
    old_due = today - dt.timedelta(days=3)
    asked = today + dt.timedelta(days=40)
    # Given before its due date, which has now passed with the task at 70%: red for
    # lateness; by the new date the task is ahead of its plan.
    clock.set(today - dt.timedelta(days=20))
    city("tasks", "create_task", {
        "code": "T2", "title": "污水管网建设", "lead_unit": "yz",
        "start_date": (today - dt.timedelta(days=60)).isoformat(),
        "due_date": old_due.isoformat(),
        "targets": [{"due_date": old_due.isoformat(), "planned_percent": 100}]}, ADMIN)
    city("tasks", "report_progress", [{"task": "T2", "unit": "yz", "percent": 70}], YZ)
    clock.set(today)

    def colour():
        city("warnings", "evaluate", today.isoformat())
        return city("warnings", "get_task_colours", ["T2"]).get("T2", {}).get("colour")

    def red():
        assert colour() == "red"
        return True

    eventually(red)

    request = city("tasks", "request_extension", "T2", asked.isoformat(),
                   "管网穿越铁路，审批延后", YZ)
    assert request["status"] == "pending" and request["previous_due_date"] == old_due.isoformat()
    queue = city("tasks", "list_extension_requests", ADMIN, status="pending")
    assert [item["id"] for item in queue["items"]] == [request["id"]]
    # Still red while the office has not decided.
    assert colour() == "red"

    decided = city("tasks", "decide_extension", request["id"], "approved", "同意延期", ADMIN)
    assert decided["status"] == "approved" and decided["granted_due_date"] == asked.isoformat()
    task = city("tasks", "get_task", "T2", ADMIN)
    assert task["due_date"] == asked.isoformat()
    assert task["targets"][0]["due_date"] == asked.isoformat()

    def not_red():
        assert colour() not in ("red", None)
        return True

    eventually(not_red)

    history = city("tasks", "get_task_history", "T2", YZ)
    assert [(r["status"], r["decision_reason"]) for r in history["extension_requests"]] == [
        ("approved", "同意延期")]

    def counted():
        ranking = city("ranking", "get_ranking", group="county", caller=ADMIN)
        yz = next(entry for entry in ranking["entries"] if entry["unit"] == "yz")
        deductions = yz["breakdown"]["deductions"]
        assert [d["key"] for d in deductions] == ["extensions_approved"], deductions
        return deductions

    (deduction,) = eventually(counted)
    assert deduction["detail"] == "本期批准延期1次，每次扣2分，共扣2分"

    def in_bulletin():
        bulletin = city("notify", "generate_bulletin", ADMIN, week_start=today.isoformat())
        section = next(s for s in bulletin["summary"]["sections"] if s["key"] == "extensions")
        assert (section["requested"], section["outcomes"]["approved"], section["pending"]) == (
            1, 1, 0), section
        return section

    eventually(in_bulletin)
