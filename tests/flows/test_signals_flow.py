"""Signals of gamed numbers on the four services together: one file used by two
units and a jump to 100% on the due date after weeks without a rise are
flagged for the office, an honest unit is not, and a signal the office confirms
opens a 三问 accountability record for its unit in the warnings service."""
import base64
import datetime as dt

import pytest
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from services.common.config import SERVICES
from services.common.errors import Forbidden
from services.launch.topology import service_class
from tests.support.dates import IN_PACKAGE_YEAR, PlatformClock
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}
OPERATORS = {unit: {"user": f"{unit}-op", "role": "operator", "units": [unit]}
             for unit in ("yz", "fc", "zs")}
PDF = b"%PDF-1.4\n% acceptance report\n"
START = IN_PACKAGE_YEAR  # Monday 16 November 2026
DUE = dt.date(2026, 12, 23)  # a Wednesday


@pytest.fixture
def clock(tmp_path, monkeypatch):
    clock = PlatformClock(tmp_path / "now", START)
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

    for code, name in (("yz", "袁州区"), ("fc", "丰城市"), ("zs", "樟树市")):
        call("tasks", "create_unit", {"code": code, "name": name, "kind": "county"}, ADMIN)
    yield call
    runner.stop()


def task(city, code, unit, title):
    city("tasks", "create_task", {
        "code": code, "title": title, "lead_unit": unit, "start_date": START.isoformat(),
        "due_date": DUE.isoformat(),
        "targets": [{"due_date": DUE.isoformat(), "planned_percent": 100}]}, ADMIN)


def report(city, code, unit, percent, content=None):
    caller = OPERATORS[unit]
    files = [city("tasks", "add_evidence", code, "佐证.pdf", "application/pdf",
                  base64.b64encode(content).decode(), caller)["id"]] if content else []
    answer = city("tasks", "report_progress", [
        {"task": code, "unit": unit, "percent": percent, "evidence": files}], caller)
    assert answer["accepted"] == 1, answer


def test_gamed_numbers_are_flagged_and_a_confirmed_one_is_called_to_account(city, clock):
    task(city, "T1", "yz", "农贸市场改造")
    task(city, "T2", "fc", "老旧小区改造")
    task(city, "T3", "yz", "污水管网建设")
    task(city, "T4", "zs", "乡村道路提升")
    # The same acceptance report supports a report of 袁州区 and one of 丰城市.
    report(city, "T1", "yz", 30, PDF)
    report(city, "T2", "fc", 30, PDF)
    report(city, "T3", "yz", 20, PDF + b"% T3 start")
    # 樟树市 reports every fortnight, each time with its own file.
    for weeks, percent in ((0, 25), (2, 50), (4, 75), (5.3, 100)):
        clock.set(START + dt.timedelta(days=int(weeks * 7)), hour=10)
        report(city, "T4", "zs", percent, PDF + f"% T4 {percent}".encode())
    # 袁州区 says nothing on T3 for five weeks, then 100% on its due date.
    clock.set(DUE, hour=16)
    report(city, "T3", "yz", 100, PDF + b"% T3 done")

    listed = city("tasks", "list_signals", ADMIN)
    found = {(s["kind"], s["task"], s["unit"]) for s in listed["items"]}
    assert found == {("reused_evidence", "T2", "fc"), ("late_jump", "T3", "yz")}, listed
    assert listed["counts"]["open"] == 2
    assert city("tasks", "list_signals", ADMIN, unit="zs")["total"] == 0
    reused = next(s for s in listed["items"] if s["kind"] == "reused_evidence")
    assert "同时用于T1（袁州区）与T2（丰城市）的报送" in reused["detail"]
    with pytest.raises(Forbidden):
        city("tasks", "list_signals", OPERATORS["yz"])

    jump = next(s for s in listed["items"] if s["kind"] == "late_jump")
    city("tasks", "review_signal", reused["id"], "reviewed", ADMIN, note="两区联合验收，同一报告")
    city("tasks", "review_signal", jump["id"], "confirmed", ADMIN, note="现场核查：管网尚未通水")

    def opened():
        records = city("warnings", "list_accountability_records", ADMIN, unit="yz")
        assert len(records["items"]) == 1, records
        return records["items"][0]

    record = eventually(opened)
    assert (record["ground"], record["ground_ref"], record["task"]) == (
        "gaming_signal", str(jump["id"]), "T3")
    assert record["ground_name"] == "数据真实性问题经核查属实"
    assert record["ground_detail"].startswith("临近期限突击完成：任务T3进度停在20%")
    assert record["status"] == "open" and record["opened_on"] == DUE.isoformat()
    # Reviewed without a finding: nothing for 丰城市.
    assert city("warnings", "list_accountability_records", ADMIN, unit="fc")["total"] == 0
