"""The ranking service's way off the black list: scored afresh from the facts it
keeps, named with the titles, notice numbers and commitment steps the events
brought, and read only by the unit itself, the office and leaders.

The service's "today" is pinned to 2026-11-23 (in 2026-Q4)."""
import pytest

from services.common.errors import Conflict, Forbidden, NotFound
from services.common.events import new_event
from tests.service.test_ranking_service import (  # noqa: F401  (ranking is a fixture)
    ADMIN,
    C1_OPERATOR,
    LEADER,
    progress,
    ranking,
    task,
    unit,
)

C2_OPERATOR = {"user": "c2", "role": "operator", "units": ["C2"]}


def two_counties(ranking):  # noqa: F811
    """C1 and C2 each missed their October target; C1 reported on it within the
    grace days, C2 never did, and C2 left a notice unanswered past its deadline.
    One unit is black-listed per group and none is red-listed."""
    ranking("update_score_rules", {"red_list_size": 0, "black_list_size": 1}, ADMIN)
    for code in ("C1", "C2"):
        ranking.deliver("tasks", "unit_created", unit(code, "county", f"{code}县"))
    ranking.deliver("tasks", "task_created", task("T1", "C1", [("2026-10-31", 50, "C1")]))
    created = task("T2", "C2", [("2026-10-31", 50, "C2"), ("2026-12-31", 100, "C2")])
    created["task"]["title"] = "老旧小区改造"
    ranking.deliver("tasks", "task_created", created)
    ranking.deliver("tasks", "progress_reported", progress(("T1", 20, "2026-11-05T02:00:00Z")))
    ranking.deliver("warnings", "notice_issued", new_event(notice={
        "id": 12, "number": "督办〔2026〕12号", "task": "T2", "unit": "C2",
        "item_kind": "task", "item_key": "T2", "reason": "红色预警已5个工作日",
        "issued_at": "2026-11-10T01:00:00", "ack_due": "2026-11-12",
        "answer_due": "2026-11-17", "status": "open"}))
    ranking.deliver("tasks", "commitment_made", new_event(commitment={
        "id": 7, "task": "T2", "unit": "C2", "step": "完成拆迁签约",
        "promised_date": "2026-12-10", "result": "签约率100%", "status": "open"}))


def test_a_black_listed_unit_reads_the_matters_that_lift_it(ranking):  # noqa: F811
    two_counties(ranking)
    found = ranking("get_way_off", "C2", caller=C2_OPERATOR)

    assert (found["unit_name"], found["period"], found["as_of"]) == ("C2县", "2026-Q4",
                                                                   "2026-11-23")
    assert found["on_black_list"] and found["in_bottom_group"]
    assert "督办单逾期未答复1件" in found["reasons"]
    # The notice first (it black-lists C2 whatever its score), then the December
    # target, which alone outscores C1; the commitment is not needed.
    assert [(a["kind"], a["text"]) for a in found["actions"]] == [
        ("targets", "按期完成以下1个目标"), ("notices", "签收并答复督办〔2026〕12号")]
    [target] = found["actions"][0]["items"]
    assert (target["task"], target["seq"], target["title"]) == ("T2", 2, "老旧小区改造")
    assert found["enough"] is True
    assert found["projected_score"] > found["line_score"]
    assert round(sum(a["points"] for a in found["actions"]), 2) == round(
        found["projected_score"] - found["score"], 2)
    # The standing it starts from is the live ranking's.
    county = ranking("get_ranking", group="county", caller=ADMIN)
    c2 = next(e for e in county["entries"] if e["unit"] == "C2")
    assert c2["score"] == found["score"]
    assert [b["unit"] for b in county["black_list"]] == ["C2"]

    c1 = ranking("get_way_off", "C1", caller=LEADER)
    assert not c1["on_black_list"] and c1["actions"] == []


def test_a_unit_reads_only_its_own_way_off(ranking):  # noqa: F811
    two_counties(ranking)
    with pytest.raises(Forbidden):
        ranking("get_way_off", "C2", caller=C1_OPERATOR)
    assert ranking("get_way_off", "C2", caller=ADMIN)["unit"] == "C2"
    with pytest.raises(NotFound):
        ranking("get_way_off", "OF", caller=ADMIN)  # no group ranks it
    with pytest.raises(Conflict):
        ranking("get_way_off", "C2", period="2026-Q3", caller=ADMIN)  # nothing left to do


def test_a_task_renamed_is_named_by_its_new_title(ranking):  # noqa: F811
    two_counties(ranking)
    renamed = task("T2", "C2", [("2026-10-31", 50, "C2"), ("2026-12-31", 100, "C2")])
    renamed["task"]["title"] = "老旧小区改造提升"
    ranking.deliver("tasks", "task_updated", new_event(
        task=renamed["task"], effective_on="2026-11-23", changes={}, previous_lead_unit="C2",
        reason="标题更正", version=2, changed_by="admin"))
    found = ranking("get_way_off", "C2", caller=ADMIN)
    [target] = next(a for a in found["actions"] if a["kind"] == "targets")["items"]
    assert target["title"] == "老旧小区改造提升"


def test_the_bulletin_reads_the_way_off_of_every_unit_on_the_black_list(ranking):  # noqa: F811
    # No caller: the weekly bulletin asks, for the leaders who read the whole ranking.
    two_counties(ranking)
    answer = ranking("list_ways_off")
    assert (answer["period"], answer["as_of"]) == ("2026-Q4", "2026-11-23")
    found = ranking("get_way_off", "C2", caller=ADMIN)
    (way,) = [item for item in answer["items"] if item["group"] == "county"]
    assert (way["unit"], way["unit_name"], way["in_bottom_group"]) == ("C2", "C2县", True)
    # Two matters: the December target and the notice.
    assert (way["actions"], way["enough"]) == (2, True)
    assert way["points"] == round(sum(a["points"] for a in found["actions"]), 1) > 0
    assert "C1" not in {item["unit"] for item in answer["items"]}
