"""The task list and its exports open on the platform's year, not the browser's:
a task planned for a year to come is left out until 全部年份 is chosen, and the
exports ask for the year the selector shows. A unit's workbench asks the server
for the month it shows and this year's tasks, not all the unit's tasks."""
import datetime as dt
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR

TIMEOUT = 30_000
# A demo county: the red test county must keep only its own task.
COUNTY = "ZHANGSHU"


def _query(request):
    return parse_qs(urlparse(request.url).query)


def test_the_task_list_and_its_exports_open_on_the_platforms_year(
        open_as, platform, screenshot):
    admin, year = platform.login(), platform.clock.day.year
    created = platform.http.post("/api/v1/tasks", headers=admin, json={
        "code": "YS-FAR", "title": "远期年度道路工程", "lead_unit": COUNTY,
        "start_date": f"{year + 2}-01-01", "due_date": f"{year + 2}-12-31",
        "targets": [{"due_date": f"{year + 2}-12-31", "planned_percent": 100}]})
    assert created.status_code == 201, created.text
    # The browser's own clock is a year and more on: the page keeps the platform's year.
    page = open_as("admin", "#/tasks", browser_time=platform.clock.moment + dt.timedelta(days=400))
    chooser = page.get_by_test_id("year-filter")
    expect(chooser).to_have_value(str(year), timeout=TIMEOUT)
    expect(chooser.locator("option").first).to_have_text(f"今年（{year}年）")
    expect(chooser.locator("option").nth(1)).to_have_text(f"{year - 1}年")
    expect(chooser.locator("option").last).to_have_text("全部年份")
    expect(page.get_by_test_id("tasks")).to_be_visible(timeout=TIMEOUT)
    screenshot(page, "task-list-year")

    page.get_by_test_id("task-search").fill("远期年度")
    with page.expect_request(lambda request: "/api/v1/tasks?" in request.url) as listed:
        page.get_by_role("button", name="筛选").click()
    assert _query(listed.value)["year"] == [str(year)]
    expect(page.get_by_test_id("task-total")).to_have_text("共 0 项")
    with page.expect_request(lambda request: "/tasks/ledger.xlsx" in request.url) as exported:
        page.get_by_test_id("export-ledger").click()
    assert _query(exported.value)["year"] == [str(year)]

    chooser.select_option("all")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("task-total")).to_have_text("共 1 项")
    expect(page.get_by_test_id("tasks")).to_contain_text("远期年度道路工程")
    with page.expect_request(lambda request: "/tasks/export.xlsx" in request.url) as exported:
        page.get_by_role("button", name="导出（机器格式）").click()
    assert "year" not in _query(exported.value)
    assert page.errors == []


def test_the_ledger_page_exports_the_platforms_year_by_default(open_as, platform):
    year = platform.clock.day.year
    page = open_as("admin", "#/office/ledger",
                   browser_time=platform.clock.moment + dt.timedelta(days=400))
    expect(page.get_by_test_id("ledger-export-year")).to_have_value(str(year), timeout=TIMEOUT)
    with page.expect_request(lambda request: "/tasks/ledger.xlsx" in request.url) as exported:
        page.get_by_test_id("ledger-export").click()
    assert _query(exported.value)["year"] == [str(year)]
    assert page.errors == []


def test_the_workbench_asks_for_its_month_and_its_year(open_as, platform, screenshot):
    day = platform.clock.day
    asked = []
    page = open_as(OPERATOR, "#/tasks")
    expect(page.get_by_test_id("tasks")).to_be_visible(timeout=TIMEOUT)
    page.on("request", lambda request: asked.append(request.url)
            if "/api/v1/tasks?" in request.url else None)
    page.goto(platform.url + "/#/unit")
    expect(page.get_by_test_id("unit-tasks")).to_be_visible(timeout=TIMEOUT)
    queries = [parse_qs(urlparse(url).query) for url in asked]
    assert any(query.get("due_month") == [f"{day:%Y-%m}"] for query in queries)
    assert any(query.get("year") == [str(day.year)] for query in queries)
    # Never the unit's tasks of every year.
    assert all("year" in query or "due_month" in query for query in queries)
    expect(page.get_by_role("heading", name=f"{day.year}年任务（含往年结转在办）")).to_be_visible()
    screenshot(page, "unit-workbench-year")
    assert page.errors == []
