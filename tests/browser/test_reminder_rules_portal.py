"""The office sees the reminders before deadlines among the routing rules, in
Chinese with their days before, and changes how early a target is reminded of."""
from playwright.sync_api import expect

TIMEOUT = 20_000


def test_the_office_sets_how_many_working_days_before_a_target_is_reminded_of(
        open_as, platform, screenshot):
    admin = platform.login()
    original = platform.http.get("/api/v1/routing-rules", headers=admin).json()["items"]
    page = open_as("admin", "#/office/messaging")
    rules = page.get_by_test_id("routing-rules")
    row = rules.locator("tbody tr").filter(
        has=page.locator("select[name=event_type] option:checked", has_text="目标到期提醒"))
    expect(row).to_have_count(1, timeout=TIMEOUT)
    expect(row.locator("input[name=days_before]")).to_have_value("3")
    for label in ("月度报送日提醒", "督办单签收提醒", "督办单整改方案提醒", "13710节点提醒"):
        expect(rules.locator("select[name=event_type] option:checked", has_text=label)) \
            .to_have_count(1)
    expect(rules.locator("thead")).to_contain_text("提前工作日")
    screenshot(page, "reminder-rules")
    try:
        row.locator("input[name=days_before]").fill("5")
        rules.get_by_role("button", name="保存全部规则").click()
        expect(rules).to_contain_text(f"已保存 {len(original)} 条规则", timeout=TIMEOUT)
        stored = platform.http.get("/api/v1/routing-rules", headers=admin).json()["items"]
        (target,) = [rule for rule in stored if rule["event_type"] == "reminder_target"]
        assert target["days_before"] == 5
        # A colour rule carries no days before, whatever its box says.
        assert all(rule["days_before"] is None for rule in stored
                   if not rule["event_type"].startswith("reminder_"))
        assert page.errors == []
        narrow = open_as("admin", "#/office/messaging", viewport={"width": 390, "height": 844})
        expect(narrow.get_by_test_id("routing-rules")).to_contain_text("目标到期提醒",
                                                                      timeout=TIMEOUT)
        screenshot(narrow, "reminder-rules-phone")
    finally:
        platform.http.put("/api/v1/routing-rules", json={"rules": [
            {key: rule[key] for key in ("event_type", "role", "channels", "colour", "unit",
                                        "quiet_hours", "enabled", "days_before")}
            for rule in original]}, headers=admin)
