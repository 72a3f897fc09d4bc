"""The portal's pages of leaders' instructions, task threads and accountability
records in Chromium, on the running platform: a leader reads the feedback of its
instruction under 我的批示, the office and the unit talk on a task, and the
office's 问责 page lists a record the unit sees on its workbench."""

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, TASK, UNIT, USERS

TIMEOUT = 30_000


def test_a_leader_reads_the_feedback_of_its_instruction(open_as, platform, screenshot):
    http, leader = platform.http, platform.login(USERS["leader"])
    today = platform.clock.day.isoformat()
    given = http.post("/api/v1/instructions", headers=leader, json={
        "leader_name": "王市长", "given_on": today, "text": "请测试县一周内拿出整治方案",
        "matter": {"title": "背街小巷整治", "lead_unit": UNIT, "clock_class": "general"}})
    assert given.status_code == 201, given.text
    code = given.json()["task"]
    operator = platform.login(OPERATOR)
    answer = http.post(f"/api/v1/tasks/{code}/clock/deployed/feedback", headers=operator,
                       data={"text": "已召开部署会"},
                       files=[("files", ("部署会纪要.pdf", b"%PDF-1.4 minutes",
                                         "application/pdf"))])
    assert answer.status_code == 201, answer.text

    page = open_as("leader", "#/instructions")
    card = page.locator(f"[data-instruction='{given.json()['id']}']")
    expect(card).to_contain_text("背街小巷整治", timeout=TIMEOUT)
    expect(card).to_contain_text("已召开部署会")
    expect(card.get_by_role("link", name="部署会纪要.pdf")).to_be_visible()
    screenshot(page, "my-instructions")
    assert page.errors == []


def test_the_office_and_the_unit_talk_on_a_task(open_as, platform):
    page = open_as("admin", f"#/task/{TASK}")
    form = page.get_by_test_id("thread-form")
    form.locator("textarea[name=text]").fill("请补充路基验收材料")
    form.get_by_role("button", name="留言").click()
    expect(page.get_by_test_id("thread")).to_contain_text("请补充路基验收材料", timeout=TIMEOUT)

    unit = open_as(OPERATOR, f"#/task/{TASK}")
    expect(unit.get_by_test_id("thread")).to_contain_text("督查办", timeout=TIMEOUT)
    reply = unit.get_by_test_id("thread-form")
    reply.locator("textarea[name=text]").fill("材料已上传，请查收")
    reply.get_by_role("button", name="留言").click()
    expect(unit.get_by_test_id("thread")).to_contain_text("材料已上传", timeout=TIMEOUT)
    # The leader reads the thread but, with no instruction on the task, has no form.
    leader = open_as("leader", f"#/task/{TASK}")
    expect(leader.get_by_test_id("thread")).to_contain_text("材料已上传", timeout=TIMEOUT)
    expect(leader.get_by_test_id("thread-form")).to_have_count(0)
    assert page.errors == unit.errors == leader.errors == []


def test_the_offices_record_shows_on_the_units_workbench(open_as, platform, screenshot):
    http, admin = platform.http, platform.login()
    red = http.get("/api/v1/warnings", headers=admin,
                   params={"task": TASK, "colour": "red", "item_kind": "task"}).json()
    assert red["total"], red
    # The rule of red days at 0: any red item is a ground, even one red since today.
    rules = http.put("/api/v1/rules", headers=admin, json={
        "rules": {"accountability_red_days": 0}, "note": "浏览器测试"})
    assert rules.status_code == 200, rules.text
    page = open_as("admin", "#/accountability")
    expect(page.get_by_test_id("accountability-form")).to_be_visible(timeout=TIMEOUT)
    opened = http.post("/api/v1/accountability", headers=admin, json={
        "unit": UNIT, "ground": "red_days", "ground_ref": TASK,
        "questions": ["accountability", "plans"], "summary": "路基建设严重滞后"})
    assert opened.status_code == 201, opened.text
    page.reload()
    expect(page.locator(f"[data-record='{opened.json()['id']}']")).to_contain_text(
        "路基建设严重滞后", timeout=TIMEOUT)
    unit = open_as(OPERATOR)
    expect(unit.get_by_test_id("unit-accountability")).to_contain_text("路基建设严重滞后",
                                                                      timeout=TIMEOUT)
    screenshot(unit, "unit-accountability")
    assert page.errors == unit.errors == []
