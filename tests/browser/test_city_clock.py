"""The portal's days and hours are the city's, on the platform's clock, whatever
the reader's browser keeps: a screen on the wall set to another zone, a laptop
whose clock is wrong, a rehearsal holding the platform at a day of its own. Here
the browser is in Los Angeles and forty days on; the pages must still say the
platform's day, 09:00 in the city."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT, USERS

TIMEOUT = 30_000
ELSEWHERE = "America/Los_Angeles"
WEEKDAYS = "一二三四五六日"


def test_the_portal_keeps_the_citys_day_and_hours_whatever_the_browsers(open_as, platform):
    http, leader = platform.http, platform.login(USERS["leader"])
    day = platform.clock.day
    given = http.post("/api/v1/instructions", headers=leader, json={
        "leader_name": "王市长", "given_on": day.isoformat(), "text": "请测试县两周内修复主街路灯",
        "matter": {"title": "主街路灯检修", "lead_unit": UNIT, "clock_class": "general"}})
    assert given.status_code == 201, given.text
    answer = http.post(f"/api/v1/tasks/{given.json()['task']}/clock/deployed/feedback",
                       headers=platform.login(OPERATOR), data={"text": "已排定检修班组"})
    assert answer.status_code == 201, answer.text
    browser_time = platform.clock.moment + dt.timedelta(days=40, hours=3)

    page = open_as("leader", "#/instructions", browser_time=browser_time, timezone=ELSEWHERE)
    card = page.locator(f"[data-instruction='{given.json()['id']}']")
    expect(card).to_contain_text("已排定检修班组", timeout=TIMEOUT)
    # The feedback came at 09:00 in the city: 17:00 the day before in Los Angeles.
    expect(card).to_contain_text(f"{day:%Y/%m/%d} 09:00")
    form = page.get_by_test_id("instruction-form")
    expect(form.locator("input[name=given_on]")).to_have_value(day.isoformat())

    wall = open_as("leader", "#/screen?big=1", browser_time=browser_time, timezone=ELSEWHERE)
    expect(wall.get_by_test_id("wall-clock")).to_have_text(
        f"{day.year}年{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]} 09:00:00",
        timeout=TIMEOUT)
    assert page.errors == [] and wall.errors == []
