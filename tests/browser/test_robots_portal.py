"""The office gives a unit's work group its DingTalk robot in the portal, sees it
listed without its token or secret, and removes it."""
from playwright.sync_api import expect

from tests.browser.conftest import UNIT

TIMEOUT = 20_000
TOKEN = "5f0c2b9e7a41d3368e0f"
SECRET = "SEC0123456789abcdef0123456789abcdef"


def test_the_office_sets_and_removes_a_units_group_robot(open_as, platform):
    page = open_as("admin", "#/office/messaging")
    editor = page.get_by_test_id("robot-editor")
    editor.locator("select[name=unit]").select_option(UNIT)
    editor.locator("select[name=channel]").select_option("dingtalk")
    editor.locator("input[name=webhook_url]").fill(
        f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}")
    editor.locator("input[name=secret]").fill(SECRET)
    editor.get_by_role("button", name="保存机器人").click()
    robots = page.get_by_test_id("robots")
    row = robots.locator("tr", has_text="测试县")
    expect(row).to_contain_text("钉钉群机器人", timeout=TIMEOUT)
    expect(row).to_contain_text("已加签")
    expect(row).to_contain_text(TOKEN[-4:])
    # Neither the token nor the secret is anywhere on the page once saved.
    content = page.content()
    assert TOKEN not in content and SECRET not in content

    # An address that is no DingTalk robot's is refused in Chinese.
    editor.locator("input[name=webhook_url]").fill("https://example.com/robot/send?access_token=x")
    editor.get_by_role("button", name="保存机器人").click()
    message = editor.locator(".form-message")
    expect(message).to_have_class("form-message error", timeout=TIMEOUT)
    assert any("\u4e00" <= char <= "\u9fff" for char in message.inner_text())

    row.get_by_role("button", name="删除").click()
    expect(robots.locator("tr", has_text="测试县")).to_have_count(0, timeout=TIMEOUT)
    assert platform.http.get("/api/v1/robots", headers=platform.login()).json()["items"] == []
    assert page.errors == []
