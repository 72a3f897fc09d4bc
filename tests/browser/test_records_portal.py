"""The office keeps its records true in the portal: it edits a task with a reason
and sees the version in the history, re-plans it and sees both plans, cancels
another, filters the list by batch, and gives a unit a new head, seeing the
unit's history. Dates are relative to the platform's today."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import UNIT

BATCH = "2026年测试批"


def _task(platform, admin, code, title):
    today = platform.clock.day
    due = today + dt.timedelta(days=90)
    assert platform.http.post("/api/v1/tasks", headers=admin, json={
        "code": code, "title": title, "lead_unit": UNIT, "batch": BATCH,
        "start_date": (today - dt.timedelta(days=30)).isoformat(), "due_date": due.isoformat(),
        "targets": [{"due_date": (today + dt.timedelta(days=30)).isoformat(),
                     "planned_percent": 40, "unit": UNIT},
                    {"due_date": due.isoformat(), "planned_percent": 100, "unit": UNIT}],
    }).status_code == 201


def test_the_office_edits_replans_and_cancels_with_the_history_shown(open_as, platform):
    admin = platform.login()
    _task(platform, admin, "T-BRW-REC", "测试县农贸市场改造")
    _task(platform, admin, "T-BRW-CAN", "测试县旧厂房拆除")
    page = open_as("admin", "#/task/T-BRW-REC")
    edit = page.get_by_test_id("edit-form")
    edit.locator("input[name=title]").fill("测试县农贸市场提升改造")
    edit.locator("input[name=reason]").fill("按会议纪要规范名称")
    edit.get_by_role("button", name="保存修改").click()
    versions = page.get_by_test_id("task-versions")
    expect(versions).to_contain_text("按会议纪要规范名称")
    expect(versions).to_contain_text("任务名称：测试县农贸市场改造 → 测试县农贸市场提升改造")

    replan = page.get_by_test_id("replan-form")
    rows = replan.locator(".replan-row")
    expect(rows).to_have_count(2)
    rows.nth(0).locator("input[name=planned_percent]").fill("30")
    replan.locator("input[name=reason]").fill("年中调整计划")
    replan.get_by_role("button", name="批准新计划").click()
    expect(page.get_by_test_id("plan-2")).to_contain_text("年中调整计划")
    expect(page.get_by_test_id("plan-1")).to_contain_text("已由第2版计划替代")
    history = platform.http.get("/api/v1/tasks/T-BRW-REC/history", headers=admin).json()
    assert [v["kind"] for v in history["versions"]] == ["create", "update", "replan"]
    assert page.errors == []

    cancel_page = open_as("admin", "#/task/T-BRW-CAN")
    cancel_page.once("dialog", lambda dialog: dialog.accept())
    form = cancel_page.get_by_test_id("cancel-form")
    form.locator("input[name=reason]").fill("上级决定不再实施")
    form.get_by_role("button", name="撤销任务").click()
    expect(cancel_page.get_by_test_id("task-versions")).to_contain_text("已撤销")
    assert platform.http.get("/api/v1/tasks/T-BRW-CAN",
                             headers=admin).json()["status"] == "cancelled"

    listing = open_as("admin", "#/tasks")
    listing.get_by_test_id("batch-filter").select_option(BATCH)
    listing.get_by_role("button", name="筛选").click()
    expect(listing.get_by_test_id("task-total")).to_have_text("共 2 项")
    # A leader reads the history but is offered none of the office's forms.
    leader = open_as("leader", "#/task/T-BRW-REC")
    expect(leader.get_by_test_id("task-versions")).to_contain_text("年中调整计划")
    expect(leader.get_by_test_id("edit-form")).to_have_count(0)


def test_the_office_gives_a_unit_a_new_head_and_sees_its_history(open_as, platform):
    page = open_as("admin", f"#/office/units?unit={UNIT}")
    form = page.get_by_test_id("unit-edit-form")
    form.locator("input[name=head_name]").fill("王五")
    form.locator("input[name=head_phone]").fill("13900000000")
    form.locator("input[name=reason]").fill("主要负责人调整")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("unit-history")).to_contain_text("主要负责人调整")
    expect(page.get_by_test_id("units")).to_contain_text("王五 / 13900000000")
    unit = platform.http.get(f"/api/v1/units/{UNIT}", headers=platform.login()).json()
    assert unit["head"] == {"name": "王五", "phone": "13900000000"}
    assert page.errors == []
