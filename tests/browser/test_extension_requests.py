"""A county asks for more time on its task's page and the office decides in its
延期申请 queue; a report at 100% carries its file when the office requires one."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT
from tests.support.waiting import eventually

TIMEOUT = 20_000
TASK = "T-BRW-ASK"  # not test_portal.py's T-BRW-EXT: one platform serves the tier
PDF = b"%PDF-1.4\n% acceptance\n%%EOF\n"


def _task(platform, code, title):
    today = platform.clock.day
    due = today + dt.timedelta(days=20)
    answer = platform.http.post("/api/v1/tasks", headers=platform.login(), json={
        "code": code, "title": title, "lead_unit": UNIT,
        "start_date": (today - dt.timedelta(days=30)).isoformat(), "due_date": due.isoformat(),
        "targets": [{"due_date": due.isoformat(), "planned_percent": 100, "unit": UNIT}],
    })
    assert answer.status_code == 201, answer.text
    return due


def test_a_county_asks_for_time_and_the_office_shortens_it(open_as, platform, screenshot):
    due = _task(platform, TASK, "测试县农贸市场改造")
    asked, granted = due + dt.timedelta(days=60), due + dt.timedelta(days=30)

    page = open_as(OPERATOR, f"#/task/{TASK}")
    form = page.get_by_test_id("extension-request-form")
    form.locator("input[name=asked_due_date]").fill(asked.isoformat())
    form.locator("input[name=reason]").fill("用地手续办理延后")
    form.get_by_role("button", name="提交延期申请").click()
    requests = page.get_by_test_id("extension-requests")
    expect(requests).to_contain_text("待审批", timeout=TIMEOUT)
    expect(requests).to_contain_text(f"{asked.year}年{asked.month}月{asked.day}日")
    screenshot(page, "extension-request-unit")

    office = open_as("admin", "#/office/extensions")
    queue = office.get_by_test_id("extension-queue")
    # The office reads the task by its title; its code is the link's tooltip.
    row = queue.locator("tr", has_text="测试县农贸市场改造")
    expect(row).to_contain_text("测试县", timeout=TIMEOUT)
    expect(row.get_by_role("link", name="测试县农贸市场改造")).to_have_attribute("title", TASK)
    screenshot(office, "extension-requests-office")
    row.locator("select[name=outcome]").select_option("shortened")
    row.locator("input[name=granted_due_date]").fill(granted.isoformat())
    row.locator("input[name=reason]").fill("同意顺延一个月")
    row.get_by_role("button", name="审批").click()
    expect(queue.locator("tr", has_text="测试县农贸市场改造")).to_have_count(0, timeout=TIMEOUT)

    task = platform.http.get(f"/api/v1/tasks/{TASK}", headers=platform.login()).json()
    assert task["due_date"] == granted.isoformat()
    page.reload()
    expect(page.get_by_test_id("extension-requests")).to_contain_text("已缩短批准",
                                                                     timeout=TIMEOUT)
    narrow = open_as("admin", "#/office/extensions?status=shortened",
                     viewport={"width": 390, "height": 844})
    expect(narrow.get_by_test_id("extension-queue")).to_contain_text("测试县农贸市场改造",
                                                                    timeout=TIMEOUT)
    screenshot(narrow, "extension-requests-office-narrow")
    assert not page.errors and not office.errors


def test_a_report_at_100_goes_with_its_file_when_the_office_requires_one(open_as, platform,
                                                                         tmp_path):
    code = "T-BRW-EVD"
    _task(platform, code, "测试县污水处理站")
    admin = platform.login()
    assert platform.http.put("/api/v1/evidence-rules", headers=admin,
                             json={"rules": {"at_full": True}}).status_code == 200
    try:
        page = open_as(OPERATOR, f"#/task/{code}")
        form = page.get_by_test_id("report-form")
        form.locator("input[name=percent]").fill("100")
        form.get_by_role("button", name="提交报送").click()
        expect(form.locator(".form-message")).to_contain_text("须附佐证资料", timeout=TIMEOUT)

        report = tmp_path / "验收报告.pdf"
        report.write_bytes(PDF)
        form.locator("input[name=evidence]").set_input_files(str(report))
        form.get_by_role("button", name="提交报送").click()

        def reported():
            task = platform.http.get(f"/api/v1/tasks/{code}", headers=admin).json()
            taken = [r for r in task["progress"] if r["percent"] == 100]
            assert taken and taken[0]["evidence"][0]["filename"] == "验收报告.pdf", task
            return True
        eventually(reported)
        assert not page.errors
    finally:
        assert platform.http.put("/api/v1/evidence-rules", headers=admin,
                                 json={"rules": {"at_full": False}}).status_code == 200
