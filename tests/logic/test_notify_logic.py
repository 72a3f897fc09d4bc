"""The notify rules: which colour changes tell a unit, the Chinese template, and
paging (routing and the rest: test_notify_rules.py)."""
import datetime as dt
import io
import re

import docx
import pypdf
import pytest

from services.common.errors import InvalidInput
from services.notify import documents, logic

AS_OF = dt.date(2026, 11, 3)
NOW = dt.datetime(2026, 11, 3, 1, 0)


def change(task, colour, previous, item_kind="task", unit="U1", reason="已逾期5天未报送进展"):
    return {"item_kind": item_kind, "task": task, "unit": unit, "colour": colour,
            "previous": previous, "reason": reason}


def test_only_tasks_turning_red_are_told():
    changes = [
        change("T1", "red", "yellow"),
        change("T2", "red", None),
        change("T3", "red", "red"),          # red already: told before
        change("T4", "yellow", "green"),
        change("T5", "red", "green", item_kind="target"),
    ]
    assert [turn["task"] for turn in logic.red_turns(changes)] == ["T1", "T2"]


def test_a_task_turning_red_twice_in_one_evaluation_is_told_once():
    turns = logic.red_turns([change("T1", "red", "green", reason="甲"),
                             change("T1", "red", "yellow", reason="乙")])
    assert [turn["reason"] for turn in turns] == ["乙"]


def test_the_red_warning_names_the_task_by_its_title_the_unit_the_day_and_the_reason():
    subject, body = logic.red_warning("T1", "市发改委", "计划进度60%，实际20%。", AS_OF,
                                      title="城市快速路一期")
    assert subject == "红色预警：「城市快速路一期」"
    assert body.startswith(
        "市发改委：截至2026年11月3日，你单位牵头的「城市快速路一期」已亮红灯")
    assert "原因：计划进度60%，实际20%。" in body
    assert "。。" not in body


def test_the_red_warning_without_a_reason_says_so():
    _, body = logic.red_warning("T1", "市发改委", None, AS_OF)
    assert "原因：未说明。" in body


@pytest.mark.parametrize("limit, offset, expected", [
    (1, 0, (1, 0)), (1000, 5, (1000, 5)), ("20", "40", (20, 40)),
])
def test_pages_within_bounds(limit, offset, expected):
    assert logic.page(limit, offset) == expected


@pytest.mark.parametrize("limit, offset", [(0, 0), (1001, 0), (10, -1), ("many", 0), (None, 0)])
def test_pages_out_of_bounds_are_invalid_input(limit, offset):
    with pytest.raises(InvalidInput):
        logic.page(limit, offset)


@pytest.mark.parametrize("body", [
    "{{ 'x' * 10**9 }}",
    "{{ 'x' * 1000000000 }}",
    "{{ [1] * 100000 }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}",
])
def test_templates_that_would_exhaust_the_service_are_refused(body):
    with pytest.raises(InvalidInput) as error:
        logic.validate_template("colour_changed", "sms", "", body)
    assert "body" in error.value.detail


def test_modest_repetitions_and_loops_still_render():
    assert logic.render("{{ '-' * 3 }}{% for i in range(3) %}{{ i }}{% endfor %}", {}) == "---012"


def test_the_bulletin_counts_by_batch():
    rows = logic.batch_rows(
        [{"batch": "2026年第一批", "items": 159, "closed": 86, "explained": 3, "cancelled": 1},
         {"batch": None, "items": 2, "closed": 0, "explained": 0, "cancelled": 0}],
        {"2026年第一批": {"green": 60, "yellow": 5, "red": 4}}, dt.date(2026, 11, 8))
    assert [(row["task"], row["title"]) for row in rows] == [
        (None, "2026年第一批"), (None, "未分批")]
    assert rows[0]["detail"] == ("共159项，已销号86项，已说明情况3项，已撤销1项；"
                                 "绿灯60项、黄灯5项、红灯4项")
    summary = logic.bulletin_summary(dt.date(2026, 11, 2), [], {}, dt.datetime(2026, 11, 9, 8),
                                     [], rows)
    section = next(s for s in summary["sections"] if s["key"] == "batches")
    assert section["title"] == "分批次办理情况" and len(section["rows"]) == 2
    assert summary["counts"]["batches"] == 2
    missing = logic.bulletin_summary(dt.date(2026, 11, 2), [], {}, dt.datetime(2026, 11, 9, 8))
    assert "暂不可用" in next(s for s in missing["sections"] if s["key"] == "batches")["empty"]


# The bulletin as an office issues it -------------------------------------------

def test_the_bulletins_overall_picture_counts_every_light_and_its_change():
    trend = [{"week_end": "2026-11-01", "green": 10, "yellow": 2, "red": 5},
             {"week_end": "2026-11-08", "green": 12, "yellow": 2, "red": 3}]
    units = [{"unit": "yz", "green": 3, "yellow": 1, "red": 1},
             {"unit": "fc", "green": 1, "yellow": 0, "red": 3},
             {"unit": "sw", "green": 5, "yellow": 0, "red": 0},
             {"unit": "dcb", "green": 1, "yellow": 0, "red": 0}]
    names = {"yz": "袁州区", "fc": "丰城市", "sw": "市商务局", "dcb": "督查办"}
    kinds = {"yz": "county", "fc": "county", "sw": "department", "dcb": "office"}
    reds = [{"task": f"T{n}", "unit": "fc", "days_red": 30 - n, "reason": "滞后"}
            for n in range(12)]
    overview = logic.bulletin_overview(dt.date(2026, 11, 8), trend, units, reds, names, kinds,
                                       dt.date(2026, 11, 9))
    assert overview["text"] == ("截至2026年11月8日，全市在办重点任务17项，其中绿灯12项、黄灯2项、"
                                "红灯3项。与上周相比，红灯减少2项，黄灯持平，绿灯增加2项。")
    groups = {group["kind"]: group for group in overview["groups"]}
    # Worst share of red first; the office itself is in neither group.
    assert [(row["unit_name"], row["red_share"]) for row in groups["county"]["rows"]] == [
        ("丰城市", 75.0), ("袁州区", 20.0)]
    assert [row["unit_name"] for row in groups["department"]["rows"]] == ["市商务局"]
    assert len(overview["worst"]) == 10 and overview["worst"][0]["unit_name"] == "丰城市"
    first_week = logic.bulletin_overview(dt.date(2026, 11, 8), trend[1:], [], [], {}, {},
                                         dt.date(2026, 11, 9))
    assert first_week["previous"] is None and "与上周相比" not in first_week["text"]
    assert logic.bulletin_overview(dt.date(2026, 11, 8), None, [], [], {}, {},
                                   dt.date(2026, 11, 9)) is None


def test_the_bulletin_names_tasks_by_title_and_prints_dates_in_chinese():
    """Leaders read a task's title and 2026年11月3日 in every rendering; the code
    stays in `task` for machines, and names a task notify has not heard of."""
    titles = {"T1": "城区污水管网改造"}
    facts = [{"kind": "red", "key": "T1", "task": "T1", "unit": "yz", "detail": "严重滞后",
              "day": dt.date(2026, 11, 3)},
             {"kind": "closed", "key": "T9", "task": "T9", "unit": "yz", "detail": "已销号",
              "day": dt.date(2026, 11, 5)}]
    overview = logic.bulletin_overview(
        dt.date(2026, 11, 8), [{"week_end": "2026-11-08", "green": 1, "yellow": 0, "red": 1}],
        [], [{"task": "T1", "unit": "yz", "days_red": 6, "reason": "滞后"}], {"yz": "袁州区"},
        {}, dt.date(2026, 11, 9), titles)
    summary = logic.bulletin_summary(dt.date(2026, 11, 2), facts, {"yz": "袁州区"}, NOW, [], [],
                                     overview, titles=titles)
    red, _, closed = summary["sections"][:3]
    assert [(row["task"], row["title"], row["day"]) for row in red["rows"] + closed["rows"]] == [
        ("T1", "城区污水管网改造", "2026-11-03"), ("T9", "T9", "2026-11-05")]
    assert [(row["task"], row["title"]) for row in overview["worst"]] == [
        ("T1", "城区污水管网改造")]

    heading = logic.bulletin_heading("市督查办", "draft")
    word = docx.Document(io.BytesIO(documents.render_docx(summary, heading)))
    pdf = pypdf.PdfReader(io.BytesIO(documents.render_pdf(summary, heading)))
    for text in (documents.render_html(summary, heading),
                 "".join(page.extract_text() for page in pdf.pages),
                 "\n".join(cell.text for table in word.tables for row in table.rows
                           for cell in row.cells)):
        assert "城区污水管网改造" in text and "2026年11月3日" in text and "2026年11月5日" in text
        assert "T1" not in text and not re.search(r"\d{4}-\d\d-\d\d", text), text


@pytest.mark.parametrize("status, number, name", [
    ("issued", 3, "落实事项专报-2026年第3期.pdf"),
    ("draft", None, "落实事项专报-待签发.pdf"),
    # Issued before bulletins were numbered: its week, as people write a date.
    ("issued", None, "落实事项专报-2026年12月7日.pdf"),
])
def test_a_bulletins_file_is_named_in_words(status, number, name):
    assert logic.bulletin_filename("pdf", status, dt.date(2026, 12, 7), 2026, number) == name


def test_a_bulletin_drawn_up_before_rows_had_titles_still_prints():
    row = {"day": "2026-11-03", "task": "T1", "unit": "yz", "unit_name": "袁州区",
           "detail": "逾期", "kind": "red"}
    summary = logic.bulletin_summary(dt.date(2026, 11, 2), [], {}, NOW)
    summary["sections"][0]["rows"] = [row]
    html = documents.render_html(summary, logic.bulletin_heading("市督查办", "draft"))
    assert "<td>T1</td>" in html and "2026年11月3日" in html


def test_the_bulletins_red_header_names_its_issue_office_and_date():
    assert logic.bulletin_heading("宜春市督查室", "issued", 2026, 3, dt.date(2026, 11, 9)) == {
        "issue": "2026年第3期", "issuer": "宜春市督查室", "date": "2026年11月9日"}
    assert logic.bulletin_heading("宜春市督查室", "draft")["issue"] == "（待签发）"
    assert [logic.section_number(index) for index in (0, 6, 9, 10, 12)] == [
        "一", "七", "十", "十一", "十三"]


def test_every_message_on_a_task_names_it_by_its_title_never_by_its_code():
    """Each event type's default texts on a task, on every channel: the title in
    「」, and no code beside it."""
    occurrences = logic.with_titles([
        {"event_type": event_type, "task": "T2026-0001",
         "context": {**logic.SAMPLE_CONTEXTS[event_type], "title": None}}
        for event_type in (logic.COLOUR_CHANGED, logic.FORECAST_TURNED_RED,
                           logic.NOTICE_ISSUED, logic.NOTICE_OVERDUE, logic.TASK_MESSAGE)],
        {"T2026-0001": "老旧小区改造"})
    for occurrence in occurrences:
        for channel in logic.CHANNELS:
            template = logic.DEFAULT_TEMPLATES[(occurrence["event_type"], channel)]
            text = logic.render(template["subject"] + template["body"], occurrence["context"])
            assert "「老旧小区改造」" in text, (occurrence["event_type"], channel, text)
            assert "T2026-0001" not in text, (occurrence["event_type"], channel, text)


def test_every_default_message_dates_its_days_in_chinese():
    """No default text on any channel prints an ISO date (2026-11-03): people read
    2026年11月3日, as the reminders always said."""
    for (event_type, channel), template in logic.DEFAULT_TEMPLATES.items():
        text = logic.render(template["subject"] + template["body"],
                            {**logic.SAMPLE_CONTEXTS[event_type], "recipient_name": "李四",
                             "role_name": "联络员", "unit_name": "袁州区"})
        assert not re.search(r"\d{4}-\d\d-\d\d", text), (event_type, channel, text)
    sms = logic.DEFAULT_TEMPLATES[(logic.FORECAST_TURNED_RED, logic.SMS)]["body"]
    assert "预计2027年3月12日起亮红灯" in logic.render(
        sms, logic.SAMPLE_CONTEXTS[logic.FORECAST_TURNED_RED])
    (occurrence,) = logic.forecast_occurrences(
        {"as_of": dt.date(2027, 3, 1), "forecasts": [
            {"task": "T1", "unit": "yz", "colour": "yellow", "red_on": dt.date(2027, 3, 12),
             "due": dt.date(2027, 3, 31), "planned": 100.0, "projected": 62.0,
             "words": "按当前进度，预计2027年3月31日仅达62%（计划100%），将亮红灯"}]},
        {"yz": "袁州区"}, dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC), 0)
    context = occurrence["context"]
    assert (context["red_on_words"], context["as_of_words"], context["pace_words"]) == (
        "2027年3月12日", "2027年3月1日", "预计2027年3月31日仅达62%（计划100%）")
    assert logic.iso_words("2026-11-05T18:00:00+08:00") == "2026年11月5日"
    assert logic.iso_words(None) == ""


def test_an_office_template_written_with_the_code_and_iso_dates_still_renders():
    """Templates the office edited before the Chinese dates keep their variables."""
    for event_type, variables in (
            (logic.COLOUR_CHANGED, "{{ task }} {{ as_of }}"),
            (logic.NOTICE_ISSUED, "{{ task }} {{ ack_due }} {{ answer_due }} {{ issued_at }}"),
            (logic.ESCALATION, "{{ task }} {{ since }}"),
            (logic.FORECAST_TURNED_RED, "{{ task }} {{ red_on }} {{ due }} {{ words }}"),
            (logic.TASK_MESSAGE, "{{ task }} {{ posted_at }} {{ author }}"),
            (logic.BULLETIN, "{{ week_start }} {{ week_end }}")):
        logic.validate_template(event_type, logic.INBOX, "", variables)
    # Every variable the editor offers has its name in Chinese.
    assert not {name for context in logic.SAMPLE_CONTEXTS.values() for name in context
                if name not in logic.VARIABLE_NAMES}


def test_a_task_notify_has_not_heard_of_is_named_by_the_title_it_brings_or_its_code():
    told = logic.with_titles([
        {"task": "T1", "context": {"title": "甲"}}, {"task": "T2", "context": {}},
        {"task": None, "context": {"count": 2}}], {})
    assert [occurrence["context"].get("title") for occurrence in told] == ["甲", "T2", None]
