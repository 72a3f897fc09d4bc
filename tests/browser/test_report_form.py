"""The report form says, in Chinese, why a lower percent needs a correction, and
sends one with its reason."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT
from tests.support.waiting import eventually

TIMEOUT = 20_000
TASK = "T-BRW-COR"


def test_a_unit_lowers_its_percent_only_as_a_correction_with_a_reason(open_as, platform):
    admin, http = platform.login(), platform.http
    today = platform.clock.day
    due = today + dt.timedelta(days=120)
    assert http.post("/api/v1/tasks", headers=admin, json={
        "code": TASK, "title": "测试县污水管网改造", "lead_unit": UNIT,
        "start_date": (today - dt.timedelta(days=30)).isoformat(), "due_date": due.isoformat(),
        "targets": [{"due_date": due.isoformat(), "planned_percent": 100, "unit": UNIT}],
    }).status_code == 201
    first = http.post("/api/v1/progress", headers=platform.login(OPERATOR),
                      json=[{"task": TASK, "unit": UNIT, "percent": 40}]).json()
    assert first["results"][0]["status"] == "accepted", first

    page = open_as(OPERATOR, f"#/task/{TASK}")
    form = page.get_by_test_id("report-form")
    form.locator("input[name=percent]").fill("30")
    form.get_by_role("button", name="提交报送").click()
    message = form.locator(".form-message")
    expect(message).to_contain_text("低于上次报送的 40%", timeout=TIMEOUT)
    expect(message).to_contain_text("勾选“更正”")

    form.get_by_test_id("report-correction").check()
    form.get_by_role("button", name="提交报送").click()
    expect(message).to_contain_text("写明原因")

    form.locator("textarea[name=note]").fill("上月多报了一个标段，按监理核实数更正")
    form.get_by_role("button", name="提交报送").click()
    # Accepted, the page is drawn again with the report in the task's history.
    expect(page.get_by_text("报送进度 30%").first).to_be_visible(timeout=TIMEOUT)
    eventually(lambda: http.get(f"/api/v1/tasks/{TASK}", headers=admin).json()["percent"] == 30,
               timeout=30, interval=0.3)
    assert page.errors == []
