"""Lists page through everything they hold: the audit log of a loaded city holds
more than a page, and every entry is reachable; it is read by day too."""
import datetime as dt
import math
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

TIMEOUT = 20_000
PAGE = 50  # the portal's page of a list (ui.js pagedList, cursorList)
BEIJING = ZoneInfo("Asia/Shanghai")


def test_the_audit_log_pages_through_every_entry(open_as, platform, screenshot):
    admin = platform.login()
    page = open_as("admin", "#/office/audit")
    counter = page.get_by_test_id("audit-total")
    expect(counter).to_contain_text(f"第 1–{PAGE} 条", timeout=TIMEOUT)
    total = platform.http.get("/api/v1/audit", headers=admin, params={"limit": 1}).json()["total"]
    assert total > PAGE, "the demo's loading is audited, one entry a write"
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(PAGE)
    # Each entry says what was done, in words (the demo's loading created tasks).
    expect(page.locator("table tbody").get_by_text("新建任务").first).to_be_visible()
    # The whole page, not its first row: logins in the same minute read alike.
    first = rows.all_inner_texts()

    page.get_by_role("button", name="下一页").click()
    expect(page.get_by_test_id("audit-total-page")).to_contain_text("2 / ")
    expect(counter).to_contain_text(f"第 {PAGE + 1}–")
    assert rows.all_inner_texts() != first
    screenshot(page, "audit-log-page-2")

    # The last page holds the oldest entries, and 下一页 stops there.
    pages = int(page.get_by_test_id("audit-total-page").inner_text().split("/")[1])
    assert pages >= math.ceil(total / PAGE)
    for number in range(3, pages + 1):
        page.get_by_role("button", name="下一页").click()
        expect(page.get_by_test_id("audit-total-page")).to_have_text(f"{number} / {pages}")
    expect(page.get_by_test_id("audit-total-page")).to_have_text(f"{pages} / {pages}")
    expect(page.get_by_role("button", name="下一页")).to_be_disabled()
    oldest = platform.http.get("/api/v1/audit", headers=admin,
                               params={"limit": 1, "offset": (pages - 1) * PAGE}).json()
    assert oldest["items"], "the last page the portal shows is the API's last"

    page.get_by_role("button", name="上一页").click()
    expect(page.get_by_test_id("audit-total-page")).to_have_text(f"{pages - 1} / {pages}")
    assert page.errors == []


def test_the_audit_log_is_read_by_day(open_as, platform, screenshot):
    """至 includes its whole Beijing day; the day comes from the log itself, so
    that nothing depends on the real date."""
    admin = platform.login()
    newest = platform.http.get("/api/v1/audit", headers=admin, params={"limit": 1}).json()
    at = dt.datetime.fromisoformat(newest["items"][0]["at"]).astimezone(BEIJING)
    day = at.date()
    midnight = dt.datetime.combine(day, dt.time(), BEIJING)
    page = open_as("admin", "#/office/audit")
    counter = page.get_by_test_id("audit-total")
    expect(counter).to_contain_text("共", timeout=TIMEOUT)
    # Counted once the page's own sign-in is in the log.
    expected = platform.http.get("/api/v1/audit", headers=admin, params={
        "since": midnight.isoformat(), "until": (midnight + dt.timedelta(days=1)).isoformat(),
        "limit": 1}).json()
    page.get_by_label("起始日期").fill(day.isoformat())
    page.get_by_label("截止日期").fill(day.isoformat())
    page.get_by_role("button", name="查询").click()
    expect(counter).to_contain_text(f"共 {expected['total']} 条")
    screenshot(page, "audit-log-by-day")
    page.get_by_label("截止日期").fill((day - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="查询").click()
    expect(counter).to_have_text("共 0 条")
    assert page.errors == []
