"""People read who acted by name, never by login: a task's thread names the
author and the unit, the task's history who changed it and who acknowledged its
notice, the office's notice list who issued each."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT
from tests.support.platform import PASSWORD

TIMEOUT = 20_000
CODE = "T-BRW-NAMES"


def test_people_read_names_where_the_platform_keeps_logins(open_as, platform, screenshot):
    http, admin = platform.http, platform.login()
    assert http.post("/api/v1/users", headers=admin, json={
        "username": "office-li", "password": PASSWORD, "role": "admin"}).status_code == 201
    for username, name in (("office-li", "李督查"), (OPERATOR, "赵县办")):
        assert http.patch(f"/api/v1/users/{username}", headers=admin,
                          json={"name": name}).status_code == 200
    office, operator = platform.login("office-li"), platform.login(OPERATOR)
    today = platform.clock.day
    assert http.post("/api/v1/tasks", headers=office, json={
        "code": CODE, "title": "测试县污水管网改造", "lead_unit": UNIT,
        "start_date": today.isoformat(), "due_date": (today + dt.timedelta(days=90)).isoformat(),
        "targets": [{"due_date": (today + dt.timedelta(days=90)).isoformat(),
                     "planned_percent": 100}]}).status_code == 201
    assert http.patch(f"/api/v1/tasks/{CODE}", headers=office, json={
        "responsible_person": "钱工", "reason": "人员调整"}).status_code == 200
    notice = http.post("/api/v1/notices", headers=office,
                       json={"task": CODE, "reason": "进度不明"})
    assert notice.status_code == 201, notice.text
    assert http.post(f"/api/v1/notices/{notice.json()['id']}/ack",
                     headers=operator).status_code == 200
    for who in (office, operator):
        assert http.post(f"/api/v1/tasks/{CODE}/messages", headers=who,
                         data={"text": "请补充管网图纸"}).status_code == 201

    page = open_as("office-li", f"#/task/{CODE}")
    thread = page.get_by_test_id("thread")
    expect(thread).to_contain_text("李督查（督查办）", timeout=TIMEOUT)
    expect(thread).to_contain_text("赵县办（责任单位 测试县）")
    expect(page.get_by_test_id("task-versions")).to_contain_text("李督查")
    expect(page.locator("body")).to_contain_text(f"签收督办单 {notice.json()['number']}")
    expect(page.locator("body")).to_contain_text("赵县办")
    expect(page.locator("body")).not_to_contain_text(OPERATOR)
    expect(page.locator("body")).not_to_contain_text("office-li")
    screenshot(page, "task-names-not-logins")

    notices = open_as("office-li", "#/office/notices")
    row = notices.locator("tr", has_text=notice.json()["number"])
    expect(row).to_contain_text(f"{today.year}年{today.month}月{today.day}日（李督查）",
                                timeout=TIMEOUT)
    screenshot(notices, "office-notices-issued-by-name")
    assert page.errors == notices.errors == []
