"""复核 across the four services: the office checks every closing and every
13710 stage; a unit's closing sent back counts against it in the ranking, asked
again and confirmed it closes the task; a checked stage counts once confirmed,
while one the office no longer checks counts at once; the week's bulletin tallies
it all. Sampling is made certain by the policy (all / none), not by the draw."""
import base64

import pytest
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from services.common.clock import CLOCK_FILE
from services.common.config import SERVICES
from services.launch.topology import service_class
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "office1", "role": "admin", "units": None}
YZ = {"user": "yz-op", "role": "operator", "units": ["yz"]}
ZS = {"user": "zs-op", "role": "operator", "units": ["zs"]}
PDF = b"%PDF-1.4\n% acceptance\n"


@pytest.fixture
def city(runner_factory, amqp_uri, tmp_path, monkeypatch):
    path = tmp_path / "clock"
    monkeypatch.setenv(CLOCK_FILE, str(path))
    path.write_text("2026-03-16T10:00:00+08:00", encoding="utf-8")  # a Monday
    config = service_config(amqp_uri, tmp_path)
    prepare(config, *SERVICES)
    runner = runner_factory(config, *[service_class(name) for name in SERVICES])
    runner.start()

    def call(service, method, *args, **kwargs):
        container = get_container(runner, service_class(service))
        with entrypoint_hook(container, method) as hook:
            return hook(*args, **kwargs)

    call("tasks", "create_unit", {"code": "dcb", "name": "市抓落实办", "kind": "office"}, ADMIN)
    call("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county"}, ADMIN)
    call("tasks", "create_unit", {"code": "zs", "name": "樟树市", "kind": "county"}, ADMIN)
    # Two like matters on the 13710 clock, one per county, both done and proven.
    for code, unit, caller in (("T1", "yz", YZ), ("T2", "zs", ZS)):
        call("tasks", "create_task", {
            "code": code, "title": f"{code} 园区道路", "lead_unit": unit,
            "clock_class": "general", "start_date": "2026-03-16", "due_date": "2026-06-30",
            "targets": [{"due_date": "2026-06-30", "planned_percent": 100}]}, ADMIN)
        call("tasks", "report_progress", [{"task": code, "unit": unit, "percent": 100}], caller)
        call("tasks", "add_evidence", code, "验收报告.pdf", "application/pdf",
             base64.b64encode(PDF).decode(), caller)
    yield call
    runner.stop()


def county(city):
    answer = city("ranking", "get_ranking", period="2026-Q1", group="county", caller=ADMIN)
    return {entry["unit"]: entry for entry in answer["entries"]}


def clocks(entry):
    return next(i for i in entry["breakdown"]["indicators"] if i["key"] == "clocks")["score"]


def pending(city):
    return city("tasks", "list_verifications", ADMIN)


def test_the_office_checks_closings_and_stages_and_the_ranking_follows(city):
    policy = city("tasks", "update_verification_policy", {
        "closure": {"mode": "all"}, "clock_stage": {"mode": "all"}}, ADMIN,
        note="一季度销号和13710节点全部复核")
    assert policy["version"] == 2

    # yz asks to close T1; the office sends it back.
    asked = city("tasks", "close_task", "T1", YZ)
    assert asked["status"] == "active" and asked["verification"]["status_name"] == "待复核"
    (item,) = pending(city)["items"]
    assert (item["kind"], item["task_title"], item["unit_name"]) == ("closure", "T1 园区道路",
                                                                     "袁州区")
    city("tasks", "return_verification", item["id"], "验收报告缺少监理单位签章", ADMIN)
    task = city("tasks", "get_task", "T1", YZ)
    assert task["status"] == "active"
    assert (task["verification"]["status_name"], task["verification"]["reason"]) == (
        "被退回", "验收报告缺少监理单位签章")

    def sent_back_counts_against_yz():
        entries = county(city)
        # Asserted, not unpacked: until the ranking hears of the send-back the list
        # is empty, and `eventually` waits on a failed assertion only.
        deductions = entries["yz"]["breakdown"]["deductions"]
        assert len(deductions) == 1, entries["yz"]["breakdown"]
        (deduction,) = deductions
        assert deduction["points"] == 2.0 and "销号1次" in deduction["detail"], deduction
        assert entries["zs"]["breakdown"]["deductions"] == []
        assert entries["yz"]["score"] == round(entries["zs"]["score"] - 2.0, 2), entries
        return entries
    eventually(sent_back_counts_against_yz)

    # A checked 13710 stage waits; once the office stops checking stages, zs's
    # counts at once.
    assert city("tasks", "record_clock_stage", "T1", "closed", YZ) == []
    city("tasks", "update_verification_policy", {"clock_stage": {"mode": "none"}}, ADMIN)
    counted = city("tasks", "record_clock_stage", "T2", "closed", ZS)
    assert [stage["stage"] for stage in counted] == ["closed"]

    def zs_stage_counted():
        entries = county(city)
        assert clocks(entries["zs"]) == 100.0, entries["zs"]
        assert clocks(entries["yz"]) is None, entries["yz"]  # waits for the office
        return True
    eventually(zs_stage_counted)

    (stage,) = pending(city)["items"]
    assert (stage["kind"], stage["subject_name"]) == ("clock_stage", "办结")
    city("tasks", "confirm_verification", stage["id"], ADMIN)
    eventually(lambda: clocks(county(city)["yz"]) == 100.0)

    # yz asks again to close T1, and the office confirms it.
    city("tasks", "close_task", "T1", YZ)
    (again,) = pending(city)["items"]
    confirmed = city("tasks", "confirm_verification", again["id"], ADMIN)
    assert confirmed["status"] == "confirmed"
    task = city("tasks", "get_task", "T1", YZ)
    assert task["status"] == "closed" and task["verification"] is None
    timeline = city("tasks", "get_task_history", "T1", ADMIN)["verifications"]
    # The closing sent back, the stage confirmed, the closing confirmed.
    assert [entry["kind"] for entry in timeline] == [
        "verification_requested", "verification_returned", "verification_requested",
        "verification_confirmed", "verification_requested", "verification_confirmed"]
    assert pending(city)["counts"]["total"] == 0

    # Confirmed, the closing is no send-back: still the one deduction.
    assert county(city)["yz"]["breakdown"]["deductions"][0]["points"] == 2.0

    def in_bulletin():
        summary = city("notify", "generate_bulletin", ADMIN, week_start="2026-03-16")["summary"]
        assert summary["verification"] == {"requested": 4, "confirmed": 2, "returned": 1,
                                           "pending": 0}, summary["verification"]
        section = next(s for s in summary["sections"] if s["key"] == "verification")
        details = [row["detail"] for row in section["rows"]]
        assert "销号复核退回：验收报告缺少监理单位签章" in details, details
        return section
    eventually(in_bulletin)
