"""What the office and the units read is Chinese and names, not the machine's
words and codes: a task library's errors, the 13710 class in a task's history,
a unit's commitments by task title, a parked message's error."""
import datetime as dt
import io
import json

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, TASK, UNIT
from tests.support.platform import PASSWORD

TIMEOUT = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_office_reads_a_task_librarys_errors_in_chinese(open_as, screenshot):
    book = Workbook()
    book.active.append(["code", "title", "lead_unit", "负责人电话"])
    buffer = io.BytesIO()
    book.save(buffer)
    page = open_as("admin", "#/office/import")
    page.locator("input[type=file]").set_input_files(files=[{
        "name": "任务库.xlsx", "buffer": buffer.getvalue(), "mimeType": XLSX}])
    page.get_by_role("button", name="检查").click()
    row = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(row).to_have_count(1, timeout=TIMEOUT)
    expect(row.locator("td").nth(1)).to_have_text("“负责人电话”")
    expect(row.locator("td").nth(2)).to_have_text(
        "第一行的“负责人电话”不是任务库的列，请改为模板中的列名或删去这一列。")
    expect(page.get_by_test_id("import-result")).not_to_contain_text("unknown column")
    screenshot(page, "import-errors-chinese")
    assert page.errors == []


def test_the_office_reads_which_targets_unit_is_unknown(open_as, screenshot):
    book = Workbook()
    book.active.append(["code", "title", "lead_unit", "start_date", "due_date",
                        "target_due_date", "target_planned_percent", "target_unit"])
    book.active.append(["T-BRW-IMP", "测试县桥梁加固", UNIT, "2026-01-01", "2026-12-31",
                        "2026-06-30", 50, UNIT])
    book.active.append(["T-BRW-IMP", None, None, None, None, "2026-12-31", 100, "NOWHERE"])
    buffer = io.BytesIO()
    book.save(buffer)
    page = open_as("admin", "#/office/import")
    page.locator("input[type=file]").set_input_files(files=[{
        "name": "任务库.xlsx", "buffer": buffer.getvalue(), "mimeType": XLSX}])
    page.get_by_role("button", name="检查").click()
    row = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(row).to_have_count(1, timeout=TIMEOUT)
    # The second target's own row and column, and the unit it names.
    expect(row.locator("td").nth(0)).to_have_text("3")
    expect(row.locator("td").nth(1)).to_contain_text("目标责任单位")
    expect(row.locator("td").nth(2)).to_have_text(
        "“目标责任单位”：单位 NOWHERE 不存在，请检查单位编码。")
    screenshot(page, "import-unknown-target-unit")
    assert page.errors == []


def test_a_tasks_history_names_its_13710_class_and_dates_in_chinese(open_as, platform,
                                                                   screenshot):
    admin = platform.login()
    today = platform.clock.day
    code = "J-BRW-CLK"
    assert platform.http.post("/api/v1/tasks", headers=admin, json={
        "code": code, "title": "测试县交办的道路整治", "lead_unit": UNIT, "source": "assignment",
        "clock_class": "general", "start_date": today.isoformat(),
        "due_date": (today + dt.timedelta(days=20)).isoformat(), "targets": []},
    ).status_code == 201
    due = dt.date(today.year + 1, 1, 15)
    assert platform.http.patch(f"/api/v1/tasks/{code}", headers=admin, json={
        "clock_class": "important", "due_date": due.isoformat(),
        "reason": "领导要求作为重要事项办理"}).status_code == 200
    page = open_as("admin", f"#/task/{code}")
    versions = page.get_by_test_id("task-versions")
    expect(versions).to_contain_text("“13710”类别：一般事项 → 重要事项", timeout=TIMEOUT)
    expect(versions).to_contain_text(f"完成时限：{today.year}年")
    expect(versions).to_contain_text(f"→ {due.year}年1月15日")
    expect(versions).not_to_contain_text("general")
    screenshot(page, "task-history-13710-class")
    assert page.errors == []


def test_a_units_history_names_its_state_in_chinese(open_as, platform):
    admin = platform.login()
    assert platform.http.post("/api/v1/units", headers=admin, json={
        "code": "BRW-OLD", "name": "测试县旧指挥部", "kind": "department"}).status_code == 201
    assert platform.http.post("/api/v1/units/BRW-OLD/retire", headers=admin,
                              json={"reason": "机构改革撤销"}).status_code == 200
    page = open_as("admin", "#/office/units?unit=BRW-OLD")
    history = page.get_by_test_id("unit-history")
    # A unit is 在用 or 已撤销, never a task's 推进中, nor "retired".
    expect(history).to_contain_text("状态：在用 → 已撤销", timeout=TIMEOUT)
    assert page.errors == []


def test_a_unit_reads_its_commitments_by_task_title(open_as, platform, screenshot):
    operator = platform.login(OPERATOR, PASSWORD)
    promised = platform.clock.day + dt.timedelta(days=10)
    assert platform.http.post("/api/v1/commitments", headers=operator, json={
        "task": TASK, "unit": UNIT, "step": "完成路基复工", "promised_date": promised.isoformat(),
        "result": "路基全线贯通"}).status_code == 201
    page = open_as(OPERATOR, "#/unit")
    commitments = page.get_by_test_id("unit-commitments")
    link = commitments.get_by_role("link", name="测试县产业园道路建设")
    expect(link).to_be_visible(timeout=TIMEOUT)
    expect(link).to_have_attribute("title", TASK)
    # The promised day as people write it, not 2026-12-15.
    expect(commitments).to_contain_text(f"{promised.year}年{promised.month}月{promised.day}日")
    expect(commitments).not_to_contain_text(promised.isoformat())
    screenshot(page, "unit-commitments-titles")
    assert page.errors == []


def test_the_office_reads_a_parked_messages_error_in_chinese(open_as, platform, screenshot):
    raw = ("sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked\n"
           "[SQL: UPDATE colour_states SET colour=? WHERE id = ?]")
    parked = {"items": [{"event_id": "3f2a9c1e", "queue": "warnings.on_progress_reported",
                         "attempts": 5, "error": raw, "body": {}}]}
    page = open_as("admin")
    # One service with a parked message; the platform itself parks none.
    page.route("**/api/v1/admin/parked/warnings", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(parked)))
    page.goto(f"{platform.url}/#/office/messaging")
    cell = page.get_by_test_id("parked").locator("tbody td").nth(3)
    expect(cell).to_contain_text("数据库暂时无法访问或正忙", timeout=TIMEOUT)
    detail = cell.locator("details")
    expect(detail.locator("pre")).not_to_be_visible()
    detail.locator("summary", has_text="技术详情").click()
    expect(detail.locator("pre")).to_have_text(raw)
    screenshot(page, "parked-error-chinese")
    assert page.errors == []
