"""Correcting a leader's instruction (批示) in Chromium, on the running platform:
the leader who gave it corrects a typo in its words and its date for a reason
from 我的批示, and the office reads on its own page how many times it was
corrected, by whom, why, and what each field was before."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import USERS

TIMEOUT = 30_000


def _chinese(day):
    return f"{day.year}年{day.month}月{day.day}日"


def test_the_leader_corrects_its_instruction_and_the_office_reads_the_history(
        open_as, platform, screenshot):
    http, admin = platform.http, platform.login()
    day = platform.clock.day
    # A new matter led by a demo county: the test county's counts are other tests'.
    given = http.post("/api/v1/instructions", headers=admin, json={
        "leader": USERS["leader"], "leader_name": "李建国", "given_on": day.isoformat(),
        "text": "请樟树市抓紧完成河道清淤，汛前见效果",
        "matter": {"title": "城区河道清淤", "lead_unit": "ZHANGSHU"}})
    assert given.status_code == 201, given.text
    instruction = given.json()["id"]

    page = open_as("leader", "#/instructions")
    card = page.locator(f"[data-instruction='{instruction}']")
    expect(card).to_contain_text("汛前见效果", timeout=TIMEOUT)
    expect(card.get_by_test_id("corrections")).to_have_count(0)
    form = card.get_by_test_id("correct-instruction")
    expect(form).to_be_hidden()
    card.get_by_test_id("correct-toggle").click()
    expect(form).to_be_visible()
    earlier = day - dt.timedelta(days=1)
    form.locator("textarea[name=text]").fill("请樟树市抓紧完成河道清淤，汛前见成效")
    form.locator("input[name=given_on]").fill(earlier.isoformat())
    form.locator("input[name=reason]").fill("录入时错字，日期应为前一天")
    with page.expect_request(lambda request: request.method == "PATCH") as sent:
        form.get_by_role("button", name="保存更正").click()
    # Only what changed is sent, with the reason.
    assert sent.value.post_data_json == {
        "reason": "录入时错字，日期应为前一天", "text": "请樟树市抓紧完成河道清淤，汛前见成效",
        "given_on": earlier.isoformat()}
    card = page.locator(f"[data-instruction='{instruction}']")
    corrections = card.get_by_test_id("corrections")
    expect(corrections).to_contain_text("已更正 1 次", timeout=TIMEOUT)
    expect(corrections).to_contain_text("李建国 更正，原因：录入时错字，日期应为前一天")
    expect(corrections).to_contain_text(
        "批示内容：原“请樟树市抓紧完成河道清淤，汛前见效果”，改为“请樟树市抓紧完成河道清淤，汛前见成效”")
    expect(corrections).to_contain_text(
        f"批示日期：原“{_chinese(day)}”，改为“{_chinese(earlier)}”")
    expect(card).to_contain_text(f"李建国 {_chinese(earlier)}")
    screenshot(page, "instruction-corrected")

    office = open_as("admin", "#/instructions-office")
    card = office.locator(f"[data-instruction='{instruction}']")
    expect(card.get_by_test_id("corrections")).to_contain_text("已更正 1 次", timeout=TIMEOUT)
    expect(card.get_by_test_id("corrections")).to_contain_text("李建国 更正")
    expect(card.get_by_test_id("correct-toggle")).to_be_visible()
    assert page.errors == office.errors == []
