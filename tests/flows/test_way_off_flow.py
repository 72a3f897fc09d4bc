"""The way off the black list on the four services together: a county on the
black list (bottom of its group, and a notice unanswered past its deadline)
reads what would lift it off; it does those things through the real services
(reports its target, acknowledges and answers the notice, fulfils its
commitment) and the next computation of the ranking leaves it off the list."""
import pytest
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from services.common.clock import CLOCK_FILE
from services.common.config import SERVICES
from services.launch.topology import service_class
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}
YZ = {"user": "yz-op", "role": "operator", "units": ["yz"]}
ZS = {"user": "zs-op", "role": "operator", "units": ["zs"]}


@pytest.fixture
def clock(tmp_path, monkeypatch):
    """The platform's time, moved by the test (services/common/clock.py)."""
    path = tmp_path / "clock"
    monkeypatch.setenv(CLOCK_FILE, str(path))

    def move(moment):
        path.write_text(moment, encoding="utf-8")
    move("2026-03-02T10:00:00+08:00")
    return move


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

    call("warnings", "update_rules", {"calendar_mode": "calendar",
                                      "first_report_grace": False}, ADMIN)
    # One unit per group on the black list, none on the red list: two counties
    # make a line between them.
    call("ranking", "update_score_rules", {"red_list_size": 0, "black_list_size": 1}, ADMIN)
    call("tasks", "create_unit", {"code": "dcb", "name": "市抓落实办", "kind": "office"}, ADMIN)
    call("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county"}, ADMIN)
    call("tasks", "create_unit", {"code": "zs", "name": "樟树市", "kind": "county"}, ADMIN)
    yield call
    runner.stop()


def test_a_black_listed_unit_does_what_it_is_shown_and_leaves_the_list(city, clock):
    def task(code, unit, title, targets):
        city("tasks", "create_task", {
            "code": code, "title": title, "lead_unit": unit,
            "start_date": "2026-03-01", "due_date": "2026-06-30",
            "targets": [{"due_date": due, "planned_percent": planned}
                        for due, planned in targets]}, ADMIN)
    task("T1", "yz", "老旧小区改造", [("2026-03-05", 5), ("2026-03-16", 20), ("2026-06-30", 100)])
    task("T3", "yz", "农村公路提升", [("2026-03-05", 5), ("2026-06-30", 10)])
    task("T2", "zs", "产业园区建设", [("2026-03-05", 30), ("2026-06-30", 100)])

    # zs reports in time but short of its first target; yz does not report.
    clock("2026-03-04T10:00:00+08:00")
    city("tasks", "report_progress", [{"task": "T2", "unit": "zs", "percent": 15}], ZS)
    clock("2026-03-06T10:00:00+08:00")
    notice = city("warnings", "issue_notice", "T1", ADMIN, reason="T1首个目标未按期完成")
    commitment = city("tasks", "create_commitment", {
        "task": "T1", "unit": "yz", "step": "完成改造项目招标", "promised_date": "2026-03-16",
        "result": "招标公告发布"}, YZ)

    # Ten days on, the notice is past its answer deadline and the second target
    # of T1 falls due today.
    clock("2026-03-16T10:00:00+08:00")
    city("warnings", "evaluate", "2026-03-16")

    def shown():
        found = city("ranking", "get_way_off", "yz", caller=YZ)
        assert found["on_black_list"] and found["in_bottom_group"], found
        assert {a["kind"] for a in found["actions"]} == {"notices", "targets", "commitments"}, \
            found
        return found
    found = eventually(shown)
    assert found["period"] == "2026-Q1" and found["enough"] is True, found
    assert "督办单逾期未答复1件" in found["reasons"]
    assert found["projected_score"] > found["line_score"] > found["score"]
    assert f"超过黑榜线（{found['line_score']:g}分）" in found["note"]
    actions = {a["kind"]: a for a in found["actions"]}
    assert actions["notices"]["text"] == f"签收并答复{notice['number']}"
    [target] = actions["targets"]["items"]
    assert (target["task"], target["seq"], target["title"], target["planned_percent"]) == (
        "T1", 2, "老旧小区改造", 20.0)
    assert actions["commitments"]["items"][0]["id"] == commitment["id"]
    assert actions["commitments"]["text"] == "兑现承诺：完成改造项目招标"
    ranking = city("ranking", "get_ranking", group="county", caller=ADMIN)
    assert [b["unit"] for b in ranking["black_list"]] == ["yz"]
    # Another unit reads nothing of it.
    with pytest.raises(Exception) as refused:
        city("ranking", "get_way_off", "yz", caller=ZS)
    assert type(refused.value).__name__ == "Forbidden"

    # yz does what it was shown, through the services that own each matter.
    city("tasks", "report_progress", [{"task": target["task"], "unit": "yz",
                                       "percent": target["planned_percent"]}], YZ)
    (item,) = actions["notices"]["items"]
    city("warnings", "acknowledge_notice", item["id"], YZ)
    city("warnings", "answer_notice", item["id"], "已制定整改方案，三月底前完成招标。", YZ)
    city("tasks", "fulfil_commitment", actions["commitments"]["items"][0]["id"], YZ)

    def lifted():
        ranking = city("ranking", "get_ranking", group="county", caller=ADMIN)
        assert [b["unit"] for b in ranking["black_list"]] == ["zs"], ranking["black_list"]
        return {e["unit"]: e for e in ranking["entries"]}
    entries = eventually(lifted)
    assert entries["yz"]["rank"] == 1 and entries["yz"]["unanswered_notices"] == 0
    assert entries["yz"]["score"] > entries["zs"]["score"]
    after = city("ranking", "get_way_off", "yz", caller=YZ)
    assert not after["on_black_list"] and after["actions"] == []
