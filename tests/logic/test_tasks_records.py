"""The tasks service's rules for keeping the records true: what an edit changes,
how a re-plan splits a plan, what a merger moves and how batches are counted."""
import datetime as dt

from services.tasks import logic
from services.tasks.schemas import ReplanIn, TaskChangesIn

TODAY = dt.date(2026, 7, 1)
TASK = {
    "code": "T1", "title": "重点项目", "category": None, "source": "plan",
    "clock_class": None, "lead_unit": "yz", "cooperating_units": ["fgw"],
    "responsible_person": None, "start_date": "2026-01-01", "due_date": "2026-12-31",
    "batch": None,
    "targets": [{"seq": 1, "due_date": "2026-03-31", "planned_percent": 25, "unit": "yz"},
                {"seq": 2, "due_date": "2026-06-30", "planned_percent": 50, "unit": "yz"},
                {"seq": 3, "due_date": "2026-09-30", "planned_percent": 75, "unit": "fgw"},
                {"seq": 4, "due_date": "2026-12-31", "planned_percent": 100, "unit": "yz"}],
}
ACTIVE = {"yz": "active", "zs": "active", "fgw": "active", "old": "retired"}


def changes(**fields):
    return logic.task_changes(TASK, TaskChangesIn().load(fields), ACTIVE, TODAY)


def test_an_edit_names_each_field_it_changes_with_old_and_new():
    found, problem = changes(title="重点项目建设", due_date="2026-12-31", batch="2026年第一批")
    assert problem is None
    assert found == {"title": ["重点项目", "重点项目建设"], "batch": [None, "2026年第一批"]}


def test_the_cooperating_unit_that_now_leads_no_longer_cooperates():
    found, problem = changes(lead_unit="fgw")
    assert problem is None
    assert found == {"lead_unit": ["yz", "fgw"], "cooperating_units": [["fgw"], []]}


def test_an_edit_is_refused_with_a_code_and_chinese_words():
    _, problem = changes(lead_unit="old")
    assert problem["lead_unit"]["code"] == "unit_retired"
    assert "已撤销" in problem["lead_unit"]["message"]
    _, problem = changes(lead_unit="zs", cooperating_units=["zs"])
    assert problem["cooperating_units"]["code"] == "lead_also_cooperating"
    _, problem = changes(start_date="2026-05-01")
    assert problem["start_date"]["code"] == "target_outside_dates"
    _, problem = changes(start_date="2027-01-31")
    assert problem["due_date"]["code"] == "dates_out_of_order"


def test_a_new_lead_takes_the_old_leads_targets_not_yet_due():
    assert logic.lead_moves(TASK["targets"], "yz", "zs", TODAY) == [4]
    assert logic.lead_moves(TASK["targets"], "yz", "zs", dt.date(2026, 6, 30)) == [2, 4]


def plan(*targets):
    return ReplanIn().load({"targets": list(targets), "reason": "年中调整"})["targets"]


def in_force():
    return [{**t, "due_date": dt.date.fromisoformat(t["due_date"])} for t in TASK["targets"]]


def test_a_replan_keeps_what_is_due_and_numbers_the_new_targets_on():
    replan, problem = logic.replan(TASK, in_force(), plan(
        {"due_date": "2026-10-31", "planned_percent": 70, "unit": "fgw"},
        {"due_date": "2026-12-31", "planned_percent": 100}), ACTIVE, TODAY, 1, 4)
    assert problem is None
    assert (replan.version, replan.kept, replan.replaced) == (2, [1, 2], [3, 4])
    assert [(t["seq"], t["unit"]) for t in replan.added] == [(5, "fgw"), (6, "yz")]


def test_a_replan_stays_ahead_of_the_past_and_inside_the_task():
    cases = [
        ({"due_date": "2026-06-01", "planned_percent": 100}, "replan_in_past"),
        ({"due_date": "2027-01-31", "planned_percent": 100}, "replan_after_due"),
        ({"due_date": "2026-12-31", "planned_percent": 40}, "replan_before_kept"),
        ({"due_date": "2026-12-31", "planned_percent": 100, "unit": "old"}, "unit_retired"),
        ({"due_date": "2026-12-31", "planned_percent": 100, "unit": "nope"}, "unit_unknown"),
    ]
    for target, code in cases:
        replan, problem = logic.replan(TASK, in_force(), plan(target), ACTIVE, TODAY, 1, 4)
        assert replan is None
        (detail,) = problem["targets"]["0"].values()
        assert detail["code"] == code, (target, problem)


def test_a_merger_moves_lead_cooperation_and_the_targets_not_yet_due():
    moves = logic.merge_moves("yz", "zs", [TASK], TODAY)
    assert moves == [{"code": "T1", "lead_unit": "zs", "previous_lead_unit": "yz",
                      "cooperating_units": ["fgw"], "targets": [4]}]
    moves = logic.merge_moves("fgw", "yz", [TASK], TODAY)
    assert moves[0]["lead_unit"] == "yz" and moves[0]["cooperating_units"] == []
    assert moves[0]["targets"] == [3]


def test_the_units_of_a_task_as_it_stands():
    assert logic.task_links_of("zs", ["fgw"], ["yz", "zs", "yz"]) == {
        "zs": "lead", "fgw": "cooperating", "yz": "cooperating"}


def test_only_an_active_task_is_cancelled():
    assert logic.cancel_problem("T1", "active") is None
    problem = logic.cancel_problem("T1", "closed")
    assert problem["code"] == "task_not_active" and "已销号" in problem["message"]


def test_batches_are_counted_by_status_with_no_batch_last():
    rows = [("2026年第二批", "active", 2), (None, "active", 1), ("2026年第一批", "closed", 3),
            ("2026年第一批", "active", 1), ("2026年第一批", "cancelled", 1)]
    assert logic.batch_counts(rows) == [
        {"batch": "2026年第一批", "items": 5, "active": 1, "closed": 3, "explained": 0,
         "cancelled": 1},
        {"batch": "2026年第二批", "items": 2, "active": 2, "closed": 0, "explained": 0,
         "cancelled": 0},
        {"batch": None, "items": 1, "active": 1, "closed": 0, "explained": 0, "cancelled": 0}]


def test_a_unit_edit_names_what_changed():
    unit = {"code": "yz", "name": "袁州区", "head": {"name": "张三", "phone": "1"}}
    assert logic.unit_changes(unit, {"name": "袁州区", "head": {"name": "王五", "phone": "2"},
                                     "reason": "调整"}) == {
        "head": [{"name": "张三", "phone": "1"}, {"name": "王五", "phone": "2"}]}
