"""The office keeps its records true and every service feels it: a unit's new
head gets the next SMS, a new lead unit answers for a task from the day of the
change, a re-plan replaces what was not yet due, and a cancelled task leaves the
colours, the one screen, its batch's counts and the ranking's future.

The platform's time is set through LUOSHI_CLOCK_FILE (2026-07-01, then the last
day of the quarter), so the test never depends on today's date."""
import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from nameko.testing.utils import get_container

from services.common.clock import CLOCK_FILE
from services.common.config import SERVICES
from services.launch.topology import service_class
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}
FIRST, SECOND = "2026年第一批", "2026年第二批"
PLAN = [{"due_date": "2026-03-31", "planned_percent": 25},
        {"due_date": "2026-06-15", "planned_percent": 50},
        {"due_date": "2026-09-30", "planned_percent": 75},
        {"due_date": "2026-12-31", "planned_percent": 100}]


@pytest.fixture
def city(runner_factory, amqp_uri, tmp_path, monkeypatch):
    clock = tmp_path / "clock"
    clock.write_text("2026-07-01T10:00:00+08:00")
    monkeypatch.setenv(CLOCK_FILE, str(clock))
    config = service_config(amqp_uri, tmp_path)
    prepare(config, *SERVICES)
    runner = runner_factory(config, *[service_class(name) for name in SERVICES])
    runner.start()

    def call(service, method, *args, **kwargs):
        with entrypoint_hook(container(service), method) as hook:
            return hook(*args, **kwargs)

    def container(service):
        return get_container(runner, service_class(service))

    def move_to(moment):
        clock.write_text(moment)

    call.container, call.move_to = container, move_to
    yield call
    runner.stop()


def task(code, lead, batch):
    return {"code": code, "title": f"重点任务{code}", "lead_unit": lead, "batch": batch,
            "start_date": "2026-01-01", "due_date": "2026-12-31", "targets": PLAN}


def on_time_detail(city, unit):
    ranking = city("ranking", "get_ranking", period="2026-Q3", group="county", caller=ADMIN)
    entry = next(entry for entry in ranking["entries"] if entry["unit"] == unit)
    return next(i["detail"] for i in entry["breakdown"]["indicators"] if i["key"] == "on_time")


def test_edits_replans_cancellations_and_a_new_head_are_felt_everywhere(city):
    city("warnings", "update_rules", {"calendar_mode": "calendar",
                                      "first_report_grace": False}, ADMIN)
    city("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county",
                                  "head": {"name": "张三", "phone": "13800000000"}}, ADMIN)
    city("tasks", "create_unit", {"code": "zs", "name": "樟树市", "kind": "county"}, ADMIN)
    city("tasks", "create_task", task("T1", "yz", FIRST), ADMIN)
    city("tasks", "create_task", task("T2", "zs", SECOND), ADMIN)
    city("tasks", "create_task", task("T3", "yz", FIRST), ADMIN)

    def all_red():
        board = city("warnings", "get_dashboard")
        assert board["counts"] == {"green": 0, "yellow": 0, "red": 3}, board
        return True
    eventually(all_red)

    # A new head: the next message to the unit's head reaches the new phone.
    with entrypoint_waiter(city.container("notify"), "on_unit_updated"):
        city("tasks", "update_unit", "yz", {"head": {"name": "王五", "phone": "13900000000"},
                                            "reason": "主要负责人调整"}, ADMIN)
    city("warnings", "issue_notice", "T1", ADMIN, "严重滞后，请说明原因")

    def head_texted():
        sms = city("notify", "list_notifications", task="T1", channel="sms")["items"]
        assert [m["recipient"] for m in sms] == ["13900000000"], sms
        return True
    eventually(head_texted)

    # A new lead unit, a new plan and a cancellation, all on 1 July.
    city("tasks", "update_task", "T2", {"lead_unit": "yz"}, "职能划转", ADMIN)
    city("tasks", "replan_task", "T1", [
        {"due_date": "2026-08-15", "planned_percent": 55},
        {"due_date": "2026-09-15", "planned_percent": 65},
        {"due_date": "2026-12-31", "planned_percent": 100}], "年中调整计划", ADMIN)
    city("tasks", "cancel_task", "T3", "上级决定不再实施", ADMIN)

    def felt_by_the_colours():
        board = city("warnings", "get_dashboard")
        # T3 has left the counts; T2's colour now answers to its new lead.
        assert board["counts"] == {"green": 0, "yellow": 0, "red": 2}, board
        assert board["units"] == [{"unit": "yz", "green": 0, "yellow": 0, "red": 2,
                                   "worst": "red"}], board
        first = city("warnings", "get_dashboard", batch=FIRST)
        assert first["counts"] == {"green": 0, "yellow": 0, "red": 1}, first
        assert city("warnings", "list_warnings", task="T3")["total"] == 0
        keys = {w["item_key"] for w in city("warnings", "list_warnings", task="T1")["items"]}
        assert keys == {"T1", "T1#1", "T1#2", "T1#5", "T1#6", "T1#7"}, keys
        assert {w["unit"] for w in city("warnings", "list_warnings", task="T2",
                                        item_kind="task")["items"]} == {"yz"}
        return True
    eventually(felt_by_the_colours)
    # The past is kept: T3's history ends with it leaving, green, with why.
    last = city("warnings", "get_task_history", "T3")["items"][-1]
    assert last["colour"] == "green" and "撤销" in last["reason"]
    assert city("warnings", "get_batch_colours")["items"] == [
        {"batch": FIRST, "green": 0, "yellow": 0, "red": 1},
        {"batch": SECOND, "green": 0, "yellow": 0, "red": 1}]
    batches = {b["batch"]: b for b in city("tasks", "list_batches", ADMIN)["items"]}
    assert (batches[FIRST]["items"], batches[FIRST]["cancelled"]) == (2, 1)
    # The new lead hears of the task's next notice, the old one does not.
    notice = city("warnings", "issue_notice", "T2", ADMIN, "请新牵头单位说明")
    assert notice["unit"] == "yz"

    # The quarter's last day: each target counts against the plan in force on its
    # due date, for the unit answering for it then; the cancelled task's are gone.
    city.move_to("2026-09-30T10:00:00+08:00")
    city("warnings", "evaluate", "2026-09-30")

    def felt_by_the_ranking():
        # yz: T1's targets 5 and 6 (the new plan), T2's target 3 (moved to it on 1
        # July); not T1's replaced target 3, nor the cancelled T3's.
        assert on_time_detail(city, "yz").startswith("本期到期目标3个"), on_time_detail(city, "yz")
        assert on_time_detail(city, "zs").startswith("本期到期目标0个"), on_time_detail(city, "zs")
        return True
    eventually(felt_by_the_ranking, timeout=40)
