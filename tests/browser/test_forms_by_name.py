"""The office's forms ask for people and units by name, not by code, and the task
page reads its dates in Chinese: the 三问 form chooses the unit from the units
list and the 批示 form the leader and the lead unit, while each request still
carries the code and the login the API takes."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TASK, UNIT

TIMEOUT = 30_000
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")


@pytest.fixture
def red_days_at_zero(platform):
    """The rule of red days at 0 (the county's red task a ground from today), put
    back as it was afterwards: other tests of the session set it themselves."""
    http, admin = platform.http, platform.login()
    before = http.get("/api/v1/rules", headers=admin).json()["rules"]["accountability_red_days"]
    if before != 0:
        assert http.put("/api/v1/rules", headers=admin, json={
            "rules": {"accountability_red_days": 0}, "note": "浏览器测试"}).status_code == 200
    yield
    if before != 0:
        assert http.put("/api/v1/rules", headers=admin, json={
            "rules": {"accountability_red_days": before}, "note": "浏览器测试还原"}
        ).status_code == 200


@pytest.mark.usefixtures("red_days_at_zero")
def test_the_office_opens_a_record_choosing_the_unit_by_name(open_as, platform, screenshot):
    page = open_as("admin", "#/accountability")
    form = page.get_by_test_id("accountability-form")
    expect(form).to_be_visible(timeout=TIMEOUT)
    unit = form.locator("select[name=unit]")
    expect(unit.locator("option", has_text="测试县")).to_have_count(1)
    assert not form.locator("input[name=unit]").count()
    unit.select_option(label="测试县")
    form.locator("select[name=ground]").select_option("red_days")
    # The red task is chosen by its title among the unit's red tasks, not typed.
    ground_ref = form.locator("select[name=ground_ref]")
    expect(ground_ref.locator("option", has_text="测试县产业园道路建设（红色")).to_have_count(
        1, timeout=TIMEOUT)
    assert not form.locator("input[name=ground_ref]").count()
    ground_ref.select_option(TASK)
    form.locator("textarea[name=summary]").fill("产业园道路建设长期亮红灯")
    screenshot(page, "accountability-form-by-name")
    with page.expect_request(lambda request: request.method == "POST"
                             and request.url.endswith("/api/v1/accountability")) as sent:
        form.get_by_role("button", name="立案").click()
    assert (sent.value.post_data_json["unit"], sent.value.post_data_json["ground_ref"]) == (
        UNIT, TASK)
    expect(form.locator(".form-message.ok")).to_have_text("已立案", timeout=TIMEOUT)
    records = page.get_by_test_id("accountability")
    expect(records).to_contain_text("产业园道路建设长期亮红灯")
    day = platform.clock.day
    expect(records).to_contain_text(f"立案 {day.year}年{day.month}月{day.day}日")
    assert page.errors == []


def test_the_office_records_an_instruction_choosing_the_leader_by_name(open_as, platform,
                                                                       screenshot):
    page = open_as("admin", "#/instructions-office")
    form = page.get_by_test_id("instruction-form")
    leader = form.locator("select[name=leader]")
    expect(leader.locator("option", has_text="李建国")).to_have_count(1, timeout=TIMEOUT)
    assert not form.locator("input[name=leader]").count()
    assert not form.locator("input[name=lead_unit]").count()
    leader.select_option(label="李建国")
    # The name shown under the instruction follows the leader chosen.
    expect(form.locator("input[name=leader_name]")).to_have_value("李建国")
    form.locator("textarea[name=text]").fill("请樟树市抓紧完成园区绿化")
    form.locator("input[name=title]").fill("产业园区绿化提升")
    # A demo county: the new matter would change the test county's share of red
    # tasks, which the one screen's tests read.
    form.locator("select[name=lead_unit]").select_option(label="樟树市")
    screenshot(page, "instruction-form-by-name")
    with page.expect_request(lambda request: request.method == "POST"
                             and request.url.endswith("/api/v1/instructions")) as sent:
        form.get_by_role("button", name="录入批示").click()
    body = sent.value.post_data_json
    assert (body["leader"], body["leader_name"]) == ("leader", "李建国")
    assert body["matter"]["lead_unit"] == "ZHANGSHU"
    expect(form.locator(".form-message.ok")).to_contain_text("已录入", timeout=TIMEOUT)
    listed = page.get_by_test_id("instructions")
    expect(listed).to_contain_text("产业园区绿化提升")
    day = platform.clock.day
    expect(listed).to_contain_text(f"李建国 {day.year}年{day.month}月{day.day}日")
    assert page.errors == []


def test_an_instruction_on_a_task_in_hand_finds_it_by_words_of_its_title(open_as, platform,
                                                                        screenshot):
    # A demo county's task: an instruction adds its 13710 stages, and the test
    # county's colours are the one screen's tests'.
    tasks = platform.http.get("/api/v1/tasks", headers=platform.login(), params={
        "lead_unit": "ZHANGSHU", "status": "active", "limit": 1}).json()["items"]
    code, title = tasks[0]["code"], tasks[0]["title"]
    page = open_as("admin", "#/instructions-office")
    form = page.get_by_test_id("instruction-form")
    expect(form.locator("select[name=leader] option", has_text="李建国")).to_have_count(
        1, timeout=TIMEOUT)
    assert not form.locator("input[name=task]").count()
    form.get_by_label("已有任务（不选则交办新事项）：查找").fill(title[-6:])
    chosen = form.locator("select[name=task]")
    expect(chosen.locator("option", has_text=f"{title}（{code}）")).to_have_count(
        1, timeout=TIMEOUT)
    chosen.select_option(code)
    form.locator("textarea[name=text]").fill("请加快推进，月底前报进展")
    screenshot(page, "instruction-on-a-task-found-by-title")
    with page.expect_request(lambda request: request.method == "POST"
                             and request.url.endswith("/api/v1/instructions")) as sent:
        form.get_by_role("button", name="录入批示").click()
    body = sent.value.post_data_json
    assert body["task"] == code and "matter" not in body
    expect(form.locator(".form-message.ok")).to_have_text(f"已录入，事项 {code}",
                                                          timeout=TIMEOUT)
    assert page.errors == []


def test_a_tasks_page_reads_its_dates_in_chinese(open_as, platform):
    task = platform.http.get(f"/api/v1/tasks/{TASK}", headers=platform.login()).json()
    page = open_as("admin", f"#/task/{TASK}")
    expect(page.get_by_test_id("task-colour")).to_be_visible(timeout=TIMEOUT)

    def words(iso):
        year, month, day = (int(part) for part in iso.split("-"))
        return f"{year}年{month}月{day}日"
    facts = page.locator("div.grid.cols-3")
    expect(facts).to_contain_text(
        f"起止：{words(task['start_date'])} 至 {words(task['due_date'])}")
    targets = page.locator("section.panel", has=page.locator("h2", has_text="月度目标"))
    expect(targets).to_contain_text(words(task["targets"][0]["due_date"]))
    for text in (facts.inner_text(), targets.inner_text(),
                 page.get_by_test_id("timeline").inner_text()):
        assert not ISO_DATE.search(text), text
    assert page.errors == []


def test_a_re_evaluation_names_its_day_in_chinese(open_as, platform):
    day = platform.clock.day
    page = open_as("admin", "#/office/rules")
    form = page.locator("form", has=page.get_by_role("button", name="按此日重新评价"))
    expect(form).to_be_visible(timeout=TIMEOUT)
    form.get_by_role("button", name="按此日重新评价").click()
    expect(form.locator(".form-message.ok")).to_contain_text(
        f"评价日 {day.year}年{day.month}月{day.day}日：", timeout=TIMEOUT)
    assert page.errors == []
