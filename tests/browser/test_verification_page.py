"""复核 in the portal: the office checks every closing and kept commitment; on
督查办 → 复核待办 it sees the count and the requests, is told a send-back needs
its reason, sends a closing back and confirms a commitment; the unit then reads
被退回 and why on its task, and the timeline shows both steps. The policy is set
back to "none" at the end, as the other tests of the tier expect."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT
from tests.support.waiting import eventually

TASK = "T-BRW-VER"
PDF = b"%PDF-1.4\n% acceptance\n"


def test_the_office_sends_back_and_confirms_from_its_queue(open_as, platform, screenshot):
    http, admin = platform.http, platform.login()
    today = platform.clock.day
    assert http.put("/api/v1/verification-policy", headers=admin, json={
        "rules": {"closure": {"mode": "all"}, "commitment": {"mode": "all"}},
        "note": "测试：全部复核"}).status_code == 200
    try:
        due = today + dt.timedelta(days=60)
        assert http.post("/api/v1/tasks", headers=admin, json={
            "code": TASK, "title": "测试县污水管网改造", "lead_unit": UNIT,
            "start_date": (today - dt.timedelta(days=30)).isoformat(),
            "due_date": due.isoformat(),
            "targets": [{"due_date": due.isoformat(), "planned_percent": 100, "unit": UNIT}],
        }).status_code == 201
        unit = platform.login(OPERATOR)
        assert http.post("/api/v1/progress", headers=unit, json=[
            {"task": TASK, "unit": UNIT, "percent": 100}]).json()["accepted"] == 1
        assert http.post(f"/api/v1/tasks/{TASK}/evidence", headers=unit, files={
            "file": ("验收报告.pdf", PDF, "application/pdf")}).status_code == 201
        asked = http.post(f"/api/v1/tasks/{TASK}/close", headers=unit).json()
        assert asked["status"] == "active" and asked["verification"]["status"] == "pending"
        promise = http.post("/api/v1/commitments", headers=unit, json={
            "task": TASK, "unit": UNIT, "step": "完成管网闭水试验",
            "promised_date": (today + dt.timedelta(days=10)).isoformat(),
            "result": "试验合格"}).json()
        kept = http.post(f"/api/v1/commitments/{promise['id']}/fulfil", headers=unit).json()
        assert kept["status"] == "open" and kept["verification"]["status"] == "pending"
        queue = http.get("/api/v1/verifications", headers=admin).json()
        closing = next(i for i in queue["items"] if i["task"] == TASK and i["kind"] == "closure")
        keeping = next(i for i in queue["items"] if i["kind"] == "commitment")

        page = open_as("admin", "#/office/verify")
        counts = page.get_by_test_id("verification-counts")
        expect(counts).to_contain_text(f"待复核 {queue['counts']['total']} 项")
        expect(counts).to_contain_text("销号 1")
        listing = page.get_by_test_id("verifications")
        expect(listing).to_contain_text("测试县污水管网改造")
        expect(listing).to_contain_text("测试县")
        expect(listing).not_to_contain_text("BRW")  # units by name, never by code
        screenshot(page, "verification-queue-1440")
        narrow = open_as("admin", "#/office/verify", viewport={"width": 390, "height": 844})
        expect(narrow.get_by_test_id("verifications")).to_contain_text("测试县污水管网改造")
        screenshot(narrow, "verification-queue-390")

        row = page.get_by_test_id(f"verification-{closing['id']}")
        row.get_by_role("button", name="退回").click()
        expect(page.locator("#toast")).to_contain_text("退回须写明原因")
        row.locator("input[name=reason]").fill("验收报告缺少监理单位签章")
        row.get_by_role("button", name="退回").click()
        expect(page.get_by_test_id(f"verification-{closing['id']}")).to_have_count(0)
        page.get_by_test_id(f"verification-{keeping['id']}").get_by_role(
            "button", name="确认").click()
        expect(page.get_by_test_id(f"verification-{keeping['id']}")).to_have_count(0)
        assert page.errors == []

        mine = open_as(OPERATOR, f"#/task/{TASK}")
        state = mine.get_by_test_id("closure-verification")
        expect(state).to_contain_text("被退回")
        expect(state).to_contain_text("验收报告缺少监理单位签章")
        timeline = mine.get_by_test_id("timeline")
        expect(timeline).to_contain_text("督查办退回销号")
        expect(timeline).to_contain_text("督查办复核确认承诺兑现（完成管网闭水试验）")
        expect(mine.get_by_role("button", name="重新申请销号")).to_be_visible()
        screenshot(mine, "verification-unit-task-1440")
        assert mine.errors == []

        # The send-back counts against the county in the ranking, said in words.
        def deducted():
            entries = http.get("/api/v1/rankings", headers=admin,
                               params={"group": "county"}).json()["entries"]
            entry = next(e for e in entries if e["unit"] == UNIT)
            return entry["breakdown"]["deductions"]
        eventually(deducted, timeout=60, interval=1)
        ranking = open_as("admin", "#/ranking")
        row = ranking.get_by_test_id("ranking").locator("tr", has_text="测试县")
        row.locator("summary").click()
        # Beside any other deduction of the county's (an extension granted).
        expect(row.get_by_test_id("ranking-deduction").filter(has_text="复核")).to_contain_text(
            "经督查办复核被退回1次（销号1次），每次扣2分，共扣2分")
        assert ranking.errors == []
    finally:
        http.put("/api/v1/verification-policy", headers=admin, json={
            "rules": {"closure": {"mode": "none"}, "commitment": {"mode": "none"}},
            "note": "测试结束：恢复不复核"})
