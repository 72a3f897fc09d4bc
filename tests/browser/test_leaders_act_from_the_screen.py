"""A leader acts on a red item from the one screen: 批示 records an instruction on
the task, 督办 issues a notice to its lead unit; a unit's staff get neither."""
from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR

TIMEOUT = 30_000


def test_a_leader_gives_an_instruction_and_presses_a_red_item_from_the_screen(
        open_as, platform, screenshot):
    page = open_as("leader", "#/screen")
    first = page.get_by_test_id("red-items").locator("[data-act]").first
    expect(first).to_be_visible(timeout=TIMEOUT)
    task = first.get_attribute("data-act")
    row = page.get_by_test_id("red-items").locator("tr", has=page.locator(f"[data-act='{task}']"))
    row.get_by_role("button", name="批示").click()
    row.locator("textarea[name=text]").fill("请抓紧推进，本月底前报送整改情况。")
    row.get_by_role("button", name="提交批示").click()
    expect(row.locator(".form-message")).to_contain_text("已批示", timeout=TIMEOUT)
    admin = platform.login()
    given = platform.http.get("/api/v1/instructions", headers=admin,
                              params={"task": task}).json()["items"]
    assert any(item["text"] == "请抓紧推进，本月底前报送整改情况。" and item["leader"] == "leader"
               for item in given)
    screenshot(page, "screen-leader-instruction")

    page.reload()
    row = page.get_by_test_id("red-items").locator("tr", has=page.locator(f"[data-act='{task}']"))
    row.get_by_role("button", name="督办").click()
    row.locator("textarea[name=text]").fill("进度严重滞后，请三日内报送整改方案。")
    row.get_by_role("button", name="下发督办单").click()
    expect(row.locator(".form-message")).to_contain_text("已下发督办单", timeout=TIMEOUT)
    notices = platform.http.get("/api/v1/notices", headers=admin,
                                params={"task": task}).json()["items"]
    assert any(notice["reason"] == "进度严重滞后，请三日内报送整改方案。" for notice in notices)
    assert page.errors == []

    operator = open_as(OPERATOR, "#/screen")
    expect(operator.get_by_test_id("red-items")).to_be_visible(timeout=TIMEOUT)
    expect(operator.locator("[data-act]")).to_have_count(0)
