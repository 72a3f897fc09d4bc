"""The office reads in 推送与运维 why an escalation ladder stopped, in Chinese and
with the name of the person who acknowledged it, never the service's code."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import UNIT
from tests.support.platform import PASSWORD
from tests.support.waiting import eventually

TIMEOUT = 20_000
TASK = "T-BRW-ESC"


def test_a_ladder_stopped_by_an_acknowledgement_names_who_in_chinese(open_as, platform):
    admin, http, today = platform.login(), platform.http, platform.clock.day
    assert http.post("/api/v1/tasks", headers=admin, json={
        "code": TASK, "title": "测试县污水处理厂提标", "lead_unit": UNIT,
        "start_date": (today - dt.timedelta(days=120)).isoformat(),
        "due_date": (today + dt.timedelta(days=60)).isoformat(),
        "targets": [{"due_date": (today - dt.timedelta(days=60)).isoformat(),
                     "planned_percent": 50, "unit": UNIT}]}).status_code == 201
    assert http.post("/api/v1/users", headers=admin, json={
        "username": "brw-wang", "password": PASSWORD, "role": "operator", "unit": UNIT,
        "name": "王小明"}).status_code == 201

    def warned():
        items = http.get("/api/v1/notifications", headers=admin,
                         params={"task": TASK, "channel": "inbox"}).json()["items"]
        assert items, "no red warning yet"
        return items[0]
    warning = eventually(warned, timeout=60, interval=0.5)
    answer = http.post(f"/api/v1/notifications/{warning['id']}/ack",
                       headers=platform.login("brw-wang"))
    assert answer.json()["stopped"] == [f"task:{TASK}"], answer.text

    page = open_as("admin", "#/office/messaging")
    page.locator("select[name=status]").select_option("stopped")
    row = page.get_by_test_id("escalations").locator("tr", has_text="测试县污水处理厂提标")
    expect(row).to_contain_text("已签收（王小明）", timeout=TIMEOUT)
    expect(row).not_to_contain_text("acknowledged")
    assert page.errors == []
