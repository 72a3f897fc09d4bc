"""The portal in a real browser: each role signs in and sees its pages; the one
screen shows what the API says and follows a report without a reload; the
office imports a task library and sees a bad row's error; a leader reaches no
write action. Screenshots of the one screen and the ranking board are saved."""
import datetime as dt
import io
import re

from playwright.sync_api import expect

from gateway.spreadsheet import write_tasks
from tests.browser.conftest import OPERATOR, TASK, UNIT

# Each role's navigation, as the portal draws it.
NAVIGATION = {
    "admin": ["一屏统揽", "评价排队", "重点任务", "督查办", "每周专报", "领导批示", "问责"],
    "leader": ["一屏统揽", "评价排队", "重点任务", "每周专报", "我的批示", "问责"],
    "operator": ["一屏统揽", "评价排队", "重点任务", "本单位工作台"],
    "evaluator": ["一屏统揽", "评价排队", "重点任务", "本单位工作台"],
}
TIMEOUT = 30_000


def test_each_role_signs_in_and_sees_its_pages(open_as):
    for role, pages in NAVIGATION.items():
        page = open_as(role)
        expect(page.locator("#nav a")).to_have_text(pages)
        home = "unit" if role in ("operator", "evaluator") else "screen"
        expect(page.locator(f".page[data-page={home}]")).to_be_visible()
        assert page.errors == []


def test_a_wrong_password_is_refused_in_chinese(browser, platform):
    page = browser.new_page()
    page.goto(platform.url + "/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("form.login [role=alert]")).to_have_text("用户名或密码错误。")
    page.close()


def test_the_one_screens_counts_are_the_apis(open_as, platform, screenshot):
    page = open_as("leader", "#/screen")
    admin = platform.login()

    def counts_on_screen():
        return {colour: int(page.get_by_test_id(f"count-{colour}-value").inner_text())
                for colour in ("green", "yellow", "red")}
    expect(page.get_by_test_id("count-red-value")).to_be_visible()
    board = platform.http.get("/api/v1/dashboard", headers=admin).json()
    api = board["counts"]
    assert counts_on_screen() == api
    # The colours are of the tasks in hand; those finished this year are said apart.
    expect(page.get_by_test_id("counts-note")).to_have_text(
        f"在办任务 {sum(api.values())} 项；今年已办结 {board['finished_this_year']} 项"
        "（已销号、已说明情况）")
    expect(page.locator(f".unit[data-unit={UNIT}]")).to_have_attribute("data-colour", "red")
    # The red items the API puts first are the ones the screen lists first.
    first = platform.http.get("/api/v1/dashboard/red-items", headers=admin,
                              params={"limit": 1}).json()["items"][0]["title"]
    expect(page.get_by_test_id("red-items")).to_contain_text(first)
    expect(page.locator(".lane").first).to_be_visible()
    screenshot(page, "one-screen")

    big = open_as("leader", "#/screen?big=1")
    expect(big.locator("body.big")).to_have_count(1)
    expect(big.locator("#top")).to_be_hidden()
    expect(big.get_by_test_id("count-red-value")).to_have_text(str(api["red"]))
    expect(big.get_by_test_id("count-finished-value")).to_have_text(
        str(board["finished_this_year"]))
    screenshot(big, "one-screen-big")
    phone = open_as("leader", "#/screen", viewport={"width": 390, "height": 844})
    expect(phone.get_by_test_id("count-green-value")).to_be_visible()
    screenshot(phone, "one-screen-phone")


def test_a_report_of_100_percent_with_evidence_turns_the_item_green_on_the_screen(
        open_as, platform):
    # The leader's screen stays open, refreshing itself every 2 seconds.
    screen = open_as("leader", "#/screen?refresh=2")
    tile = screen.locator(f".unit[data-unit={UNIT}]")
    expect(tile).to_have_attribute("data-colour", "red")
    red_before = int(screen.get_by_test_id("count-red-value").inner_text())
    # Other tests give the county tasks of their own: its tile counts them all.
    tile_reds = int(re.search(r"红灯(\d+)项", tile.get_attribute("title")).group(1))

    operator = open_as(OPERATOR)
    expect(operator.get_by_test_id("unit-tasks")).to_contain_text("测试县产业园道路建设")
    operator.goto(f"{platform.url}/#/task/{TASK}")
    form = operator.get_by_test_id("report-form")
    form.locator("input[name=percent]").fill("100")
    form.locator("textarea[name=note]").fill("道路全线贯通，已通过验收")
    form.locator("input[name=evidence]").set_input_files(files=[{
        "name": "验收报告.pdf", "mimeType": "application/pdf",
        "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}])
    form.locator("button[type=submit]").click()
    expect(operator.locator("#toast")).to_contain_text("已报送 100%，佐证资料 1 份")
    expect(operator.get_by_test_id("evidence")).to_contain_text("验收报告.pdf")
    expect(operator.get_by_test_id("task-percent")).to_contain_text("100%")

    # No reload: the screen's own refresh shows the unit green and one red fewer.
    expect(tile).to_have_attribute("title", re.compile(f"红灯{tile_reds - 1}项"),
                                   timeout=TIMEOUT)
    if tile_reds == 1:
        expect(tile).to_have_attribute("data-colour", "green")
    expect(screen.get_by_test_id("count-red-value")).to_have_text(str(red_before - 1))
    expect(screen.get_by_test_id("red-items")).not_to_contain_text("测试县产业园道路建设")
    assert screen.errors == [] and operator.errors == []


def test_the_office_sees_the_bad_rows_error_before_anything_is_saved(open_as, platform):
    good = {"code": "T-IMP-1", "title": "导入的好任务", "lead_unit": UNIT,
            "start_date": "2026-01-01", "due_date": "2026-12-31",
            "targets": [{"due_date": "2026-12-31", "planned_percent": 100}]}
    bad = {**good, "code": "T-IMP-2", "title": "日期写错的任务", "due_date": "2026-02-30"}
    workbook = write_tasks([good, bad])
    page = open_as("admin", "#/office/import")
    page.locator("input[type=file]").set_input_files(files=[{
        "name": "任务库.xlsx", "buffer": workbook,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="检查").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_be_visible()
    row = errors.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("3")        # the header is row 1
    # The column by its Chinese name (the header as typed beside it), the problem in Chinese.
    expect(row.locator("td").nth(1)).to_contain_text("完成时限")
    expect(row.locator("td").nth(2)).to_have_text(
        "“完成时限”不是有效的日期，请按 2026-12-31 的格式填写。")
    expect(page.get_by_test_id("import-result")).to_contain_text("未保存任何任务")
    admin = platform.login()
    assert platform.http.get("/api/v1/tasks/T-IMP-1", headers=admin).status_code == 404

    with page.expect_download() as template:
        page.get_by_role("button", name="下载模板").click()
    assert template.value.suggested_filename == "task-library-template.xlsx"
    assert io.BytesIO(template.value.path().read_bytes()).read(2) == b"PK"


def test_a_leader_reaches_no_write_action(open_as, platform):
    page = open_as("leader", f"#/task/{TASK}")
    expect(page.get_by_test_id("task-colour")).to_be_visible()
    expect(page.get_by_test_id("report-form")).to_have_count(0)
    expect(page.get_by_role("button", name="销号")).to_have_count(0)
    expect(page.get_by_role("button", name="记录完成")).to_have_count(0)
    # The office's pages are not offered, and asking for one leads back home.
    page.goto(f"{platform.url}/#/office/import")
    expect(page.locator(".page[data-page=screen]")).to_be_visible()
    page.goto(f"{platform.url}/#/ranking")
    expect(page.get_by_test_id("ranking")).to_be_visible()
    expect(page.locator("[data-step]")).to_have_count(0)
    # And the API refuses the token the page holds.
    status = page.evaluate("""async () => (await fetch('/api/v1/progress', {method: 'POST',
        headers: {'Authorization': 'Bearer ' + localStorage.getItem('luoshi.token'),
                  'Content-Type': 'application/json'},
        body: JSON.stringify([{task: 'T-BRW-1', unit: 'BRW', percent: 10}])})).status""")
    assert status == 403


def test_the_ranking_board_shows_scores_breakdowns_and_published_lists(open_as, screenshot):
    page = open_as("leader", "#/ranking")
    board = page.get_by_test_id("ranking")
    expect(board.locator("tbody tr").first).to_be_visible()
    board.locator("details summary").first.click()
    expect(board.locator("details[open] table")).to_be_visible()
    screenshot(page, "ranking-board")
    # Last quarter is published by the demo: its red and black lists are public.
    period = page.locator("select[name=period] option").nth(1).get_attribute("value")
    page.select_option("select[name=period]", period)
    expect(page.get_by_test_id("ranking-status")).to_have_text("已发布")
    expect(page.get_by_test_id("red-list")).to_be_visible()
    screenshot(page, "ranking-board-published")


def test_an_operators_workspace_and_the_task_list(open_as, platform, screenshot):
    page = open_as("operator")
    expect(page.get_by_test_id("unit-tasks")).to_be_visible()
    screenshot(page, "unit-workspace")
    page.goto(f"{platform.url}/#/tasks?colour=red")
    expect(page.get_by_test_id("tasks")).to_be_visible()
    with page.expect_download() as export:
        page.get_by_test_id("export-ledger").click()
    assert export.value.suggested_filename == "重点任务清单.xlsx"


SMS = "【落实】{{ unit_name }}：任务 {{ task }} 亮{{ colour_name }}，请及时处理"


def test_the_office_edits_a_template_and_the_routing_rules_and_sees_parked_messages(
        open_as, platform, screenshot):
    page = open_as("admin", "#/office/messaging")
    templates = page.get_by_test_id("templates")
    expect(templates.locator("tbody tr").first).to_be_visible()
    row = templates.locator("tbody tr").filter(has_text="亮灯变化").filter(has_text="短信")
    # The list shows each template as its message reads, never its Jinja.
    expect(row).to_contain_text("袁州区")
    expect(templates).not_to_contain_text("{{")
    row.get_by_role("button", name="编辑").click()
    editor = page.get_by_test_id("template-editor")
    preview = page.get_by_test_id("template-preview")
    editor.locator("textarea").fill("【落实】")
    # Variables are offered by their Chinese names and inserted where the cursor is.
    editor.get_by_test_id("template-variables").get_by_role("button", name="单位名称").click()
    expect(editor.locator("textarea")).to_have_value("【落实】{{ unit_name }}")
    expect(preview).to_have_text("【落实】袁州区")
    editor.locator("textarea").fill(SMS)
    expect(preview).to_have_text("【落实】袁州区：任务 T2026-0001 亮红灯，请及时处理")
    screenshot(page, "template-editor")
    editor.get_by_role("button", name="保存模板").click()
    expect(editor).to_contain_text("已保存")
    # A template naming a variable that does not exist is refused, in words.
    editor.locator("textarea").fill("{{ nonexistent_variable }}")
    expect(preview).to_contain_text("输入有误")  # the preview says so before saving
    editor.get_by_role("button", name="保存模板").click()
    expect(editor.locator(".form-message.error")).to_contain_text("输入有误")
    admin = platform.login()
    saved = platform.http.get("/api/v1/templates", params={
        "event_type": "colour_changed", "channel": "sms"}, headers=admin).json()["items"]
    assert saved[0]["body"] == SMS

    rules = page.get_by_test_id("routing-rules")
    before = rules.locator("tbody tr").count()
    rules.get_by_role("button", name="添加规则").click()
    added = rules.locator("tbody tr").last
    added.locator("select[name=event_type]").select_option("notice_issued")
    # Colours, stages and units are chosen by name, not typed as codes.
    assert added.locator("select[name=colour] option").all_inner_texts() == [
        "任意", "红灯", "黄灯", "绿灯", "签收超期", "整改方案超期"]
    added.locator("select[name=colour]").select_option(label="任意")
    added.locator("select[name=unit]").select_option(label="袁州区")
    added.locator("select[name=role]").select_option("head")
    added.locator("input[name=channels][value=email]").check()
    added.locator("input[name=quiet_hours]").fill("")
    rules.get_by_role("button", name="保存全部规则").click()
    expect(rules).to_contain_text(f"已保存 {before + 1} 条规则")
    stored = platform.http.get("/api/v1/routing-rules", headers=admin).json()["items"]
    assert {key: stored[-1][key] for key in ("event_type", "role", "colour", "unit",
                                             "quiet_hours")} == {
        "event_type": "notice_issued", "role": "head", "colour": None, "unit": "YUANZHOU",
        "quiet_hours": None}
    assert stored[-1]["channels"] == ["inbox", "email"]

    expect(page.get_by_test_id("parked")).to_contain_text("预警服务：0 条")
    assert page.errors == []
    screenshot(page, "office-messaging")


def test_the_office_approves_an_extension_on_a_tasks_page(open_as, platform):
    admin = platform.login()
    today = platform.clock.day
    due = today + dt.timedelta(days=40)
    assert platform.http.post("/api/v1/tasks", headers=admin, json={
        "code": "T-BRW-EXT", "title": "测试县污水管网改造", "lead_unit": UNIT,
        "start_date": (today - dt.timedelta(days=90)).isoformat(), "due_date": due.isoformat(),
        "targets": [{"due_date": (today - dt.timedelta(days=20)).isoformat(),
                     "planned_percent": 50, "unit": UNIT},
                    {"due_date": due.isoformat(), "planned_percent": 100, "unit": UNIT}],
    }).status_code == 201
    page = open_as("admin", "#/task/T-BRW-EXT")
    form = page.get_by_test_id("extension-form")
    expect(form).to_be_visible()
    # Not later than the current due date: refused, nothing recorded.
    form.locator("input[name=new_due_date]").fill((due - dt.timedelta(days=1)).isoformat())
    form.locator("input[name=reason]").fill("汛期停工")
    form.get_by_role("button", name="批准延期").click()
    expect(form.locator(".form-message.error")).to_contain_text("输入有误")
    later = due + dt.timedelta(days=30)
    form.locator("input[name=new_due_date]").fill(later.isoformat())
    form.get_by_role("button", name="批准延期").click()
    expect(page.get_by_text("已延期 1 次。")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text(
        f"批准延期至 {later.year}年{later.month}月{later.day}日")
    task = platform.http.get("/api/v1/tasks/T-BRW-EXT", headers=admin).json()
    assert task["due_date"] == later.isoformat()
    assert [(e["new_due_date"], e["reason"]) for e in task["extensions"]] == [
        (later.isoformat(), "汛期停工")]
    assert page.errors == []
    # A leader sees the extension but is offered no such form.
    leader = open_as("leader", "#/task/T-BRW-EXT")
    expect(leader.get_by_test_id("timeline")).to_contain_text("批准延期至")
    expect(leader.get_by_test_id("extension-form")).to_have_count(0)


def test_the_office_enters_a_year_from_the_notices_text(open_as, platform, screenshot):
    """Last in the file: entering 2027 changes the platform's calendar for good."""
    from tests.support.holiday_notices import NOTICE_2027

    admin = platform.login()
    # The platform's day is some six weeks before the end of the last entered
    # year: before the office enters the next, leaders and the office are told;
    # the units are not.
    assert platform.http.get("/api/v1/calendar", headers=admin).json()["coverage"]["warn"]
    expect(open_as("leader").locator("[data-testid=calendar-banner]")).to_contain_text(
        "放假安排尚未录入", timeout=TIMEOUT)
    expect(open_as("operator").locator(".page[data-page=unit]")).to_be_visible()
    page = open_as("admin", "#/office/calendar?year=2027")
    page.fill("textarea[name=text]", NOTICE_2027.replace("共9天", "共8天"))
    page.click("form:has(textarea) button[type=submit]")
    expect(page.locator(".form-message.error")).to_contain_text("第7行", timeout=TIMEOUT)
    page.fill("textarea[name=text]", NOTICE_2027)
    page.click("form:has(textarea) button[type=submit]")
    lines = page.locator("[data-testid=calendar-lines] tbody tr")
    expect(lines).to_have_count(7, timeout=TIMEOUT)
    expect(lines.nth(1)).to_contain_text("2027年2月6日（周六）至2月14日（周日），共9天")
    expect(lines.nth(1)).to_contain_text("2027年2月20日（周六）")
    screenshot(page, "calendar-preview")
    page.click("[data-testid=calendar-save]")
    expect(page.locator(".form-message.ok", has_text="已保存为第")).to_be_visible(timeout=TIMEOUT)
    entered = platform.http.get("/api/v1/calendar/2027", headers=admin).json()
    assert entered["source"] == "office" and len(entered["holidays"]) == 29
    page.goto(platform.url + "/#/office/calendar?year=2027")
    expect(page.locator("[data-testid=calendar-holidays]")).to_contain_text("春节",
                                                                            timeout=TIMEOUT)
    expect(page.locator("[data-testid=calendar-banner]",
                        has_text="2027年放假安排")).to_have_count(0)
    assert page.errors == []
