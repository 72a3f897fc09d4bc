"""The rules of leaders' instructions, task threads and 三问 accountability
records, and the bulletin's sections on them: plain functions, no services."""
import datetime as dt
from types import SimpleNamespace

import pytest

from services.common.errors import Conflict, Forbidden, InvalidInput
from services.common.workdays import WORKING, WorkingCalendar, Year, entered_years, package_calendar
from services.notify.logic import bulletin_summary
from services.tasks import instructions, threads
from services.warnings import accountability
from services.warnings.accountability_document import chinese_date, render_docx
from services.warnings.rules import Rules
from tests.support.holiday_notices import BODY_2027

DAY = dt.date(2026, 12, 1)
MAYOR = {"user": "mayor", "role": "leader", "units": None}


def test_an_instruction_names_exactly_one_of_task_matter_and_parent():
    assert instructions.kind_of({"task": "T1"}) == "on_task"
    assert instructions.kind_of({"matter": {"title": "x"}}) == "new_matter"
    assert instructions.kind_of({"parent": 3, "task": None}) == "follow_up"
    for wrong in ({}, {"task": "T1", "parent": 3}):
        with pytest.raises(InvalidInput):
            instructions.kind_of(wrong)


def test_the_office_records_for_any_leader_and_a_leader_only_its_own():
    instructions.check_giver({"user": "admin", "role": "admin"}, "mayor")
    instructions.check_giver(MAYOR, "mayor")
    for caller in ({"user": "deputy", "role": "leader"}, {"user": "mayor", "role": "operator"}):
        with pytest.raises(Forbidden):
            instructions.check_giver(caller, "mayor")


def test_a_new_matter_is_an_instruction_task_on_the_clock_due_by_its_class():
    calendar = package_calendar()
    task = instructions.matter_task({"title": "改造", "lead_unit": "yz"}, DAY, "PS1", calendar)
    assert (task["source"], task["clock_class"], task["start_date"]) == (
        "instruction", "general", DAY)
    assert task["due_date"] == dt.date(2026, 12, 10)  # 7 working days from Tuesday the 1st
    assert task["targets"] == [{"due_date": task["due_date"], "planned_percent": 100.0,
                                "description": "办结批示事项", "unit": None}]
    complex_one = instructions.matter_task(
        {"title": "x", "lead_unit": "yz", "clock_class": "complex"}, DAY, "PS2", calendar)
    assert complex_one["due_date"] == DAY + dt.timedelta(days=30)
    given = {"title": "x", "lead_unit": "yz", "due_date": dt.date(2026, 12, 4)}
    assert instructions.matter_task(given, DAY, "PS3", calendar)["due_date"] == given["due_date"]
    with pytest.raises(InvalidInput):
        instructions.matter_task({"title": "x", "lead_unit": "yz",
                                  "due_date": DAY - dt.timedelta(days=1)}, DAY, "PS4", calendar)


def test_a_new_matter_without_a_due_date_is_due_when_its_13710_clock_closes_it():
    """Due when the clock closes the matter, across a week of holidays as well:
    ten calendar days ended before it."""
    def due(given_on, calendar, clock_class="important"):
        return instructions.matter_task({"title": "x", "lead_unit": "yz",
                                         "clock_class": clock_class},
                                        given_on, "PS1", calendar)["due_date"]

    # 1–7 October 2026 off, Saturday the 10th worked.
    assert due(dt.date(2026, 9, 29), package_calendar()) == dt.date(2026, 10, 14)
    office = WorkingCalendar(WORKING, entered_years([Year.from_dict({
        "year": 2027, "version": 1, **BODY_2027})]))
    # By the office's 2027: 1–7 October off, Saturday the 9th worked.
    assert due(dt.date(2027, 9, 30), office) == dt.date(2027, 10, 15)
    # Thirty days on is Tuesday 9 February, in the Spring Festival week.
    assert due(dt.date(2027, 1, 10), office, "complex") == dt.date(2027, 2, 15)


def test_codes_of_matters_and_follow_ups_skip_those_taken():
    assert instructions.matter_code(DAY, set()) == "PS20261201-01"
    assert instructions.matter_code(DAY, {"PS20261201-01"}) == "PS20261201-02"
    assert instructions.follow_up_code("T1", {"T1", "T1-Z1"}) == "T1-Z2"
    long = "X" * 32
    assert len(instructions.follow_up_code(long, set())) == 32


def test_a_follow_up_keeps_the_parents_units_and_class():
    parent = {"title": "改造", "lead_unit": "yz", "cooperating_units": ["zs"],
              "clock_class": "complex", "category": None, "responsible_person": None}
    matter = instructions.follow_up_matter(parent, "再批示")
    assert (matter["title"], matter["lead_unit"], matter["cooperating_units"],
            matter["clock_class"]) == ("再批示：改造", "yz", ["zs"], "complex")
    assert instructions.follow_up_matter(parent, "x", "general")["clock_class"] == "general"


def test_stages_are_shown_in_the_clocks_order_with_their_feedback():
    view = instructions.stages_view(
        "general", [{"stage": "first_feedback", "recorded_at": "b"},
                    {"stage": "deployed", "recorded_at": "a"}],
        [{"stage": "deployed", "text": "部署"}, {"stage": "deployed", "text": "补充"}])
    assert [(s["stage"], s["stage_name"], s["recorded_at"], len(s["feedback"]))
            for s in view] == [("deployed", "部署", "a", 2),
                               ("first_feedback", "首次反馈", "b", 0),
                               ("closed", "办结", None, 0)]
    assert instructions.stages_view(None, [], []) == []


def test_threads_say_who_writes_and_who_hears():
    assert threads.author_side({"role": "admin"}) == "office"
    assert threads.author_side(MAYOR) == "leader"
    assert threads.author_side({"role": "operator"}) == "unit"
    assert threads.author_unit({"role": "operator"}, {"zs", "x"}, {"yz", "zs"}) == "zs"
    assert threads.author_unit({"role": "admin"}, None, {"yz"}) is None
    assert threads.recipients("office", None, "yz", {"yz", "zs"}) == {
        "units": ["yz", "zs"], "office": False}
    assert threads.recipients("unit", "yz", "yz", {"yz", "zs"}) == {"units": [], "office": True}
    assert threads.recipients("unit", "zs", "yz", {"yz", "zs"}) == {
        "units": ["yz"], "office": True}
    assert threads.recipients("leader", None, "yz", {"yz"}) == {"units": ["yz"], "office": True}


def test_a_leader_writes_only_where_it_gave_an_instruction():
    threads.check_may_post(MAYOR, "leader", True)
    threads.check_may_post({"role": "operator"}, "unit", False)
    with pytest.raises(Forbidden):
        threads.check_may_post(MAYOR, "leader", False)


def _record(**values):
    base = {"status": "open", "plan_deadline": dt.date(2026, 12, 10), "colour": "green"}
    return SimpleNamespace(**{**base, **values})


def test_a_rectification_turns_red_the_day_after_its_deadline_while_open():
    assert accountability.rectification_colour("open", dt.date(2026, 12, 10),
                                               dt.date(2026, 12, 10)) == "green"
    assert accountability.rectification_colour("open", dt.date(2026, 12, 10),
                                               dt.date(2026, 12, 11)) == "red"
    assert accountability.rectification_colour("rectified", dt.date(2026, 12, 10),
                                               dt.date(2026, 12, 31)) == "green"
    assert accountability.rectification_colour("open", None, dt.date(2026, 12, 31)) == "green"
    late, fine = _record(), _record(plan_deadline=dt.date(2027, 1, 1))
    red_already = _record(colour="red")
    assert accountability.judged([late, fine, red_already], dt.date(2026, 12, 11)) == [
        (late, "red")]
    assert accountability.overdue_words(late, dt.date(2026, 12, 11)) == (
        "整改方案限期2026年12月10日已过1天仍未整改到位")


def test_each_ground_holds_or_is_refused_with_its_code():
    with pytest.raises(InvalidInput) as refused:
        accountability.black_list_ground("yz", [])
    assert "not_black_listed" in str(refused.value)
    assert accountability.black_list_ground("yz", [
        ("2026-Q2", "2026年第二季度", ["组内倒数第1名"]),
        ("2026-Q3", "2026年第三季度", ["本期红色预警3项"])]) == (
        "2026-Q3", "2026年第三季度列入黑榜：本期红色预警3项")
    rules = Rules(accountability_red_days=10)
    red = SimpleNamespace(colour="red")
    assert "12 天" in accountability.red_days_ground("T1", red, 12, rules)
    for state, days, code in ((None, 30, "not_red"), (SimpleNamespace(colour="yellow"), 30,
                                                        "not_red"),
                              (red, 9, "not_red_long_enough")):
        with pytest.raises(InvalidInput) as refused:
            accountability.red_days_ground("T1", state, days, rules)
        assert code in str(refused.value)
    overdue = SimpleNamespace(colour="red", status="acknowledged")
    assert "报送整改方案" in accountability.notice_ground(overdue, "督办〔2026〕1号")
    with pytest.raises(InvalidInput):
        accountability.notice_ground(SimpleNamespace(colour="green", status="open"), "n")


def test_a_plan_needs_an_open_record_and_a_deadline_not_before_its_opening():
    accountability.check_plan("open", DAY, DAY)
    with pytest.raises(InvalidInput):
        accountability.check_plan("open", None, DAY)
    with pytest.raises(InvalidInput):
        accountability.check_plan("open", DAY - dt.timedelta(days=1), DAY)
    with pytest.raises(Conflict):
        accountability.check_plan("closed", DAY, DAY)


def test_the_rule_of_red_days_is_data_within_its_range():
    assert Rules().accountability_red_days == 10
    with pytest.raises(InvalidInput):
        Rules.from_dict({"accountability_red_days": -1})
    assert Rules.from_dict({"accountability_red_days": 0}).accountability_red_days == 0


def test_a_record_exports_as_a_word_document_with_chinese_dates():
    assert chinese_date("2026-12-05") == "2026年12月5日"
    assert chinese_date(None) == "—"
    content = render_docx({
        "id": 3, "opened_on": "2026-12-01", "ground_name": "列入黑榜",
        "ground_detail": "2026年第三季度列入黑榜", "question_names": ["问责", "问计"],
        "status_name": "整改中", "plan_deadline": "2026-12-20", "summary": "摘要",
        "measures": [{"kind_name": "约谈", "taken_on": "2026-12-02", "result": "约谈区长"}],
        "plan": "整改方案", "close_note": None, "closed_at": None}, "袁州区")
    from io import BytesIO

    from docx import Document
    text = "\n".join(p.text for p in Document(BytesIO(content)).paragraphs)
    cells = [cell.text for table in Document(BytesIO(content)).tables
             for row in table.rows for cell in row.cells]
    assert "问〔2026〕3号" in text and "整改方案" in text
    assert "袁州区" in cells and "2026年12月20日" in cells and "约谈区长" in cells


def test_the_bulletin_has_sections_on_leaders_matters_and_accountability():
    monday = dt.date(2026, 11, 30)
    facts = [
        {"kind": "instruction", "key": "I1", "task": "PS1", "unit": "yz",
         "detail": "王市长批示", "day": monday},
        {"kind": "feedback", "key": "F1", "task": "PS1", "unit": "yz", "detail": "部署反馈",
         "day": monday + dt.timedelta(days=1)},
        {"kind": "rectification", "key": "R1", "task": None, "unit": "yz",
         "detail": "整改逾期", "day": monday + dt.timedelta(days=2)},
        {"kind": "accountability", "key": "A2", "task": None, "unit": "zs",
         "detail": "立案问责", "day": monday + dt.timedelta(days=9)},  # the next week
    ]
    summary = bulletin_summary(monday, facts, {"yz": "袁州区"},
                               dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC), movers=[])
    sections = {section["key"]: section for section in summary["sections"]}
    assert [row["kind"] for row in sections["leaders"]["rows"]] == ["instruction", "feedback"]
    assert [(row["unit_name"], row["kind"]) for row in sections["accountability"]["rows"]] == [
        ("袁州区", "rectification")]
    assert summary["counts"]["leaders"] == 2 and summary["counts"]["accountability"] == 1


KEPT = {"text": "抓紧推进", "leader_name": "王市长", "given_on": dt.date(2026, 12, 1)}
TODAY = dt.date(2026, 12, 8)


def _refusal(data, today=TODAY):
    with pytest.raises(InvalidInput) as refused:
        instructions.correction(KEPT, data, today)
    return refused.value.detail


def test_a_correction_keeps_every_field_before_and_after_and_why():
    change = instructions.correction(
        KEPT, {"text": "抓紧推进，月底前见效", "given_on": dt.date(2026, 11, 30),
               "reason": " 录入笔误 "}, TODAY)
    assert change == {"reason": "录入笔误", "before": KEPT, "after": {
        "text": "抓紧推进，月底前见效", "leader_name": "王市长",
        "given_on": dt.date(2026, 11, 30)}}
    # Today itself is a day an instruction may be given.
    assert instructions.correction(KEPT, {"given_on": TODAY, "reason": "x"}, TODAY)


def test_a_correction_is_refused_without_reason_change_or_with_a_later_date():
    assert _refusal({"text": "新内容", "reason": "  "})["reason"]["code"] == "reason_required"
    # The same words, or the same words between spaces, change nothing.
    for same in ({"text": "抓紧推进"}, {"leader_name": " 王市长 "}, {}):
        assert _refusal({**same, "reason": "笔误"})["code"] == "instruction_nothing_changed"
    later = _refusal({"given_on": dt.date(2026, 12, 9), "reason": "笔误"})["given_on"]
    assert later["code"] == "instruction_date_in_future"
    assert "2026年12月9日" in later["message"] and "2026年12月8日" in later["message"]
    assert _refusal({"leader_name": "  ", "reason": "笔误"})["leader_name"]["code"] == \
        "instruction_field_blank"


def test_corrections_read_as_the_fields_that_changed_with_their_chinese_labels():
    rows = [{"at": "2026-12-08T01:00:00Z", "by": "admin", "reason": "笔误",
             "before": {"text": "a", "leader_name": "王市长", "given_on": "2026-12-01"},
             "after": {"text": "b", "leader_name": "王市长", "given_on": "2026-11-30"}}]
    assert instructions.corrections_view(rows) == [{
        "at": "2026-12-08T01:00:00Z", "by": "admin", "reason": "笔误", "fields": [
            {"field": "text", "label": "批示内容", "from": "a", "to": "b"},
            {"field": "given_on", "label": "批示日期", "from": "2026-12-01",
             "to": "2026-11-30"}]}]
