"""The office draws up last week's bulletin in the portal, previews it under its red
header, signs it (签发) and sees it numbered; the leader reads only what was signed."""
from playwright.sync_api import expect

TIMEOUT = 30_000


def test_the_office_previews_and_signs_the_weekly_bulletin(open_as, platform, screenshot):
    page = open_as("admin", "#/bulletins")
    page.get_by_role("button", name="生成上周专报草稿").click()
    drafts = page.get_by_test_id("bulletin-drafts")
    expect(drafts).to_contain_text("待签发 1 期", timeout=TIMEOUT)
    preview = page.get_by_test_id("bulletin-preview")
    expect(preview).to_contain_text("落实事项专报")
    expect(preview).to_contain_text("（待签发）")
    # The overall picture counts every light of the city, not only the new reds.
    expect(preview).to_contain_text("一、总体情况")
    expect(preview).to_contain_text("全市在办重点任务")
    screenshot(page, "bulletin-draft-1440")

    (draft,) = platform.http.get("/api/v1/bulletins",
                                 headers=platform.login()).json()["items"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id(f"issue-{draft['id']}").click()
    year = platform.clock.moment.year
    bulletins = page.get_by_test_id("bulletins")
    expect(bulletins).to_contain_text(f"{year}年第1期", timeout=TIMEOUT)
    expect(bulletins).to_contain_text("已签发")
    expect(drafts).to_contain_text("没有待签发的专报")
    bulletins.get_by_role("button", name="预览").first.click()
    expect(preview).to_contain_text(f"{year}年第1期")
    assert page.errors == []

    leader = open_as("leader", "#/bulletins", viewport={"width": 390, "height": 844})
    expect(leader.get_by_test_id("bulletins")).to_contain_text(f"{year}年第1期",
                                                                timeout=TIMEOUT)
    expect(leader.get_by_role("button", name="签发")).to_have_count(0)
    screenshot(leader, "bulletin-leader-390")
    assert leader.errors == []
