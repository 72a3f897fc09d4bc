"""Leaders' instructions on the 13710 clock with their staged feedback, 三问
accountability records from a published black list to an overdue rectification,
and a task's thread reaching each side's inbox: the four services together."""
import base64
import re

import pytest
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from services.common.clock import CLOCK_FILE
from services.common.config import SERVICES
from services.launch.topology import service_class
from services.tasks.exceptions import Forbidden
from tests.support.services import prepare, service_config
from tests.support.waiting import eventually

ADMIN = {"user": "admin", "role": "admin", "units": None}
MAYOR = {"user": "mayor", "role": "leader", "units": None}
DEPUTY = {"user": "deputy", "role": "leader", "units": None}
YZ = {"user": "yz-op", "role": "operator", "units": ["yz"]}
ZS = {"user": "zs-op", "role": "operator", "units": ["zs"]}
PDF = b"%PDF-1.4\n% feedback\n"


@pytest.fixture
def clock(tmp_path, monkeypatch):
    """The platform's time, moved by the test (services/common/clock.py)."""
    path = tmp_path / "clock"
    monkeypatch.setenv(CLOCK_FILE, str(path))

    def move(moment):
        path.write_text(moment, encoding="utf-8")
    move("2026-03-16T10:00:00+08:00")
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
    call("tasks", "create_unit", {"code": "dcb", "name": "市抓落实办", "kind": "office"}, ADMIN)
    call("tasks", "create_unit", {"code": "yz", "name": "袁州区", "kind": "county"}, ADMIN)
    call("tasks", "create_unit", {"code": "zs", "name": "樟树市", "kind": "county"}, ADMIN)
    yield call
    runner.stop()


def _file(name):
    return {"filename": name, "content_b64": base64.b64encode(PDF).decode()}


def test_an_instruction_becomes_a_13710_matter_and_its_leader_reads_the_feedback(city):
    given = city("tasks", "give_instruction", {
        "leader": "mayor", "leader_name": "王市长", "given_on": "2026-03-16",
        "text": "请袁州区牵头推进老旧小区改造，一周内拿出方案。",
        "matter": {"title": "老旧小区改造", "lead_unit": "yz", "clock_class": "general"}},
        MAYOR)
    code = given["task"]
    task = city("tasks", "get_task", code, ADMIN)
    assert (task["source"], task["clock_class"], task["lead_unit"]) == (
        "instruction", "general", "yz")
    # Another leader enters no instruction in the mayor's name.
    with pytest.raises(Exception) as refused:
        city("tasks", "give_instruction", {
            "leader": "mayor", "leader_name": "王市长", "given_on": "2026-03-16",
            "text": "代批", "task": code}, DEPUTY)
    assert type(refused.value).__name__ == "Forbidden"

    for stage, words in (("deployed", "已召开专题会部署"), ("first_feedback", "完成摸底"),
                         ("closed", "改造方案已印发")):
        stages = city("tasks", "give_stage_feedback", code, {
            "stage": stage, "text": words, "files": [_file(f"{stage}.pdf")]}, YZ)
        assert next(s for s in stages if s["stage"] == stage)["feedback"][-1]["text"] == words
    # A cooperating or foreign unit does not speak for the matter.
    with pytest.raises(Exception) as refused:
        city("tasks", "give_stage_feedback", code, {"stage": "closed", "text": "x"}, ZS)
    assert type(refused.value).__name__ == "Forbidden"

    mine = city("tasks", "list_instructions", MAYOR, leader="mayor")
    assert mine["total"] == 1
    (item,) = mine["items"]
    assert item["leader_name"] == "王市长" and item["status"] == "active"
    assert [s["stage"] for s in item["stages"]] == ["deployed", "first_feedback", "closed"]
    for stage in item["stages"]:
        assert stage["recorded_at"] is not None
        (feedback,) = stage["feedback"]
        (attached,) = feedback["files"]
        assert attached["filename"] == f"{stage['stage']}.pdf"
        assert attached["content_type"] == "application/pdf"
    # The stages recorded with their feedback colour the matter in warnings.
    eventually(lambda: city("warnings", "get_task_colours", [code]).get(code, {})
               .get("colour") == "green")

    follow_up = city("tasks", "give_instruction", {
        "leader": "mayor", "leader_name": "王市长", "given_on": "2026-03-18",
        "text": "方案要听取居民意见。", "parent": given["id"]}, ADMIN)
    assert follow_up["task"] == f"{code}-Z1" and follow_up["kind"] == "follow_up"
    assert city("tasks", "get_task", follow_up["task"], ADMIN)["clock_class"] == "general"
    (first,) = [i for i in city("tasks", "list_instructions", MAYOR, leader="mayor")["items"]
                if i["id"] == given["id"]]
    assert [f["id"] for f in first["follow_ups"]] == [follow_up["id"]]

    # The week's bulletin carries the instruction and its feedback for the leaders.
    # The facts are dated by the platform's clock (the clock fixture's Monday).
    monday = "2026-03-16"

    def in_bulletin():
        summary = city("notify", "generate_bulletin", ADMIN, week_start=monday)["summary"]
        section = next(s for s in summary["sections"] if s["key"] == "leaders")
        kinds = sorted(row["kind"] for row in section["rows"])
        assert kinds == ["feedback"] * 3 + ["instruction"] * 2, section
        return section
    section = eventually(in_bulletin)
    assert any("王市长批示" in row["detail"] for row in section["rows"])


def test_a_black_listed_units_rectification_goes_overdue_turns_red_and_is_in_the_bulletin(
        city, clock):
    def task(code, unit, planned):
        city("tasks", "create_task", {
            "code": code, "title": f"{code} 项目", "lead_unit": unit,
            "start_date": "2026-01-05", "due_date": "2026-06-30",
            "targets": [{"due_date": "2026-03-02", "planned_percent": planned},
                        {"due_date": "2026-06-30", "planned_percent": 100}]}, ADMIN)
    task("T1", "yz", 60)
    task("T2", "zs", 10)
    city("tasks", "report_progress", [{"task": "T2", "unit": "zs", "percent": 40}], ZS)
    eventually(lambda: city("warnings", "get_task_colours", ["T1"]).get("T1", {})
               .get("colour") == "red")

    clock("2026-04-02T10:00:00+08:00")
    city("ranking", "draft_ranking", "2026-Q1", ADMIN)
    city("ranking", "approve_ranking", "2026-Q1", ADMIN)
    city("ranking", "publish_ranking", "2026-Q1", ADMIN)
    ranking = city("ranking", "get_ranking", period="2026-Q1", group="county", caller=ADMIN)
    assert [unit["unit"] for unit in ranking["black_list"]] == ["yz"], ranking

    def opened():
        try:
            return city("warnings", "open_accountability_record", {
                "unit": "yz", "ground": "black_list", "questions": ["accountability", "plans"],
                "summary": "一季度列入黑榜，T1 严重滞后。", "plan_deadline": "2026-04-10"}, ADMIN)
        except Exception as error:
            # Refused until warnings has heard of the published black list.
            assert "not_black_listed" not in str(error), str(error)
            raise
    record = eventually(opened)
    assert record["ground_ref"] == "2026-Q1" and record["colour"] == "green"
    with pytest.raises(Exception) as refused:
        city("warnings", "open_accountability_record", {
            "unit": "zs", "ground": "black_list", "questions": ["results"],
            "summary": "不在黑榜"}, ADMIN)
    assert type(refused.value).__name__ == "InvalidInput"

    city("warnings", "record_accountability_measure", record["id"], {
        "kind": "interview", "taken_on": "2026-04-03", "result": "约谈区长，明确责任人"}, ADMIN)
    planned = city("warnings", "submit_rectification_plan", record["id"], {
        "plan": "四月十日前完成T1主体工程招标。"}, YZ)
    assert planned["plan_deadline"] == "2026-04-10" and planned["plan_by"] == "yz-op"
    with pytest.raises(Exception) as refused:
        city("warnings", "get_accountability_record", record["id"], ZS)
    assert type(refused.value).__name__ == "Forbidden"

    clock("2026-04-14T10:00:00+08:00")
    figures = city("warnings", "evaluate", "2026-04-14")
    assert figures["rectifications_overdue"] == 1
    red = city("warnings", "get_accountability_record", record["id"], ADMIN)
    assert (red["colour"], red["colour_since"], red["status"]) == ("red", "2026-04-14", "open")
    assert [m["kind_name"] for m in red["measures"]] == ["约谈"]

    def counted_and_reported():
        ranking = city("ranking", "get_ranking", period="2026-Q2", group="county",
                       caller=ADMIN)
        yz = next(entry for entry in ranking["entries"] if entry["unit"] == "yz")
        summary = city("notify", "generate_bulletin", ADMIN,
                       week_start="2026-04-13")["summary"]
        section = next(s for s in summary["sections"] if s["key"] == "accountability")
        assert [(row["unit"], row["kind"]) for row in section["rows"]] == [
            ("yz", "rectification")], section
        assert yz["red_items"] >= 1, yz
        return section
    eventually(counted_and_reported)

    exported = city("warnings", "export_accountability_record", record["id"], ADMIN,
                    unit_name="袁州区")
    content = base64.b64decode(exported["content_b64"])
    assert content.startswith(b"PK") and exported["filename"].endswith(".docx")


def test_a_thread_message_reaches_the_units_inbox_and_the_answer_the_offices(city):
    city("tasks", "create_task", {
        "code": "T3", "title": "产业园区建设", "lead_unit": "yz",
        "start_date": "2026-03-01", "due_date": "2026-06-30", "cooperating_units": ["zs"],
        "targets": [{"due_date": "2026-06-30", "planned_percent": 100}]}, ADMIN)
    city("tasks", "create_unit", {"code": "gaj", "name": "市公安局", "kind": "department"},
         ADMIN)
    asked = city("tasks", "post_task_message", "T3", {
        "text": "请补充三月佐证材料。", "files": [_file("要求.pdf")], "author_name": "李督查"},
        ADMIN)
    assert (asked["side"], asked["author"], asked["files"][0]["filename"]) == (
        "office", "admin", "要求.pdf")

    def in_unit_inbox():
        inbox = city("notify", "list_inbox", unit="yz")["items"]
        assert [m["event_type"] for m in inbox] == ["task_message_posted"], inbox
        return inbox[0]
    message = eventually(in_unit_inbox)
    assert "请补充三月佐证材料" in message["body"] and message["task"] == "T3"
    # The unit reads the task's title and a Chinese date, never its code or an ISO date.
    assert "在「产业园区建设」留言" in message["body"] and "T3" not in message["body"]
    assert re.search(r"于\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d在", message["body"])
    # Who wrote by the name the gateway gave, not by login.
    assert "李督查（督查办）于" in message["body"] and "admin" not in message["body"]
    eventually(lambda: len(city("notify", "list_inbox", unit="zs")["items"]) == 1)

    answered = city("tasks", "post_task_message", "T3", {"text": "已补充，请查收。"}, YZ)
    assert (answered["side"], answered["unit"]) == ("unit", "yz")

    def in_office_inbox():
        inbox = city("notify", "list_inbox", unit="dcb")["items"]
        assert [m["task"] for m in inbox] == ["T3"], inbox
        return inbox[0]
    answer = eventually(in_office_inbox)["body"]
    # Without a name given, the login, with the unit by its name.
    assert "已补充" in answer and "yz-op（责任单位 袁州区）于" in answer

    thread = city("tasks", "list_task_messages", "T3", MAYOR)
    assert [(m["side"], m["author"]) for m in thread["items"]] == [
        ("office", "admin"), ("unit", "yz-op")]
    # Leaders read; they write only where they gave an instruction.
    with pytest.raises(Forbidden):
        city("tasks", "post_task_message", "T3", {"text": "请加快"}, MAYOR)
    city("tasks", "give_instruction", {"leader": "mayor", "leader_name": "王市长",
                                       "given_on": "2026-03-16", "text": "务必按期完成",
                                       "task": "T3"}, MAYOR)
    assert city("tasks", "post_task_message", "T3", {"text": "请加快"}, MAYOR)["side"] == "leader"
    # A unit not on the task reads nothing of it.
    with pytest.raises(Forbidden):
        city("tasks", "list_task_messages", "T3",
             {"user": "gaj-op", "role": "operator", "units": ["gaj"]})
