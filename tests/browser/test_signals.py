"""The office's 数据真实性 tab: a file used for two of 测试县's tasks shows as a
signal with its words, task title and unit name; the office confirms it with a
note, and the unit is called to account (a 三问 record)."""
from playwright.sync_api import expect

from tests.browser.conftest import OPERATOR, UNIT
from tests.browser.test_extension_requests import _task
from tests.support.waiting import eventually

TIMEOUT = 20_000
PDF = b"%PDF-1.4\n% one acceptance report for two tasks\n%%EOF\n"


def test_the_office_sees_a_reused_file_and_confirms_it(open_as, platform, screenshot):
    operator = platform.login(OPERATOR)
    for code, title in (("T-BRW-SIG1", "测试县道路硬化"), ("T-BRW-SIG2", "测试县路灯安装")):
        _task(platform, code, title)
        answer = platform.http.post(
            "/api/v1/progress/with-evidence", headers=operator,
            data={"task": code, "unit": UNIT, "percent": "40"},
            files={"files": ("验收报告.pdf", PDF, "application/pdf")})
        assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text

    listed = platform.http.get("/api/v1/signals", params={"limit": 1000},
                               headers=platform.login()).json()
    # The demo's reports carry no files: its tasks show as rising without evidence.
    assert {item["kind"] for item in listed["items"]} <= {"reused_evidence", "no_evidence"}
    office = open_as("admin", "#/office/signals")
    signals = office.get_by_test_id("signal-list")
    row = signals.locator("tr", has_text="测试县路灯安装")
    expect(row).to_contain_text("同一佐证资料重复使用", timeout=TIMEOUT)
    expect(row).to_contain_text("T-BRW-SIG1（测试县）与T-BRW-SIG2（测试县）")
    open_before = listed["counts"]["open"]
    expect(office.get_by_test_id("signal-counts")).to_contain_text(f"待核查 {open_before}")
    office.locator("select[name=kind]").select_option("reused_evidence")
    expect(signals.locator("tbody tr")).to_have_count(1, timeout=TIMEOUT)
    expect(office.get_by_test_id("signal-counts")).to_contain_text("待核查 1")
    screenshot(office, "signals-office")
    narrow = open_as("admin", "#/office/signals", viewport={"width": 390, "height": 844})
    expect(narrow.get_by_test_id("signal-list")).to_contain_text("测试县路灯安装",
                                                                  timeout=TIMEOUT)
    screenshot(narrow, "signals-office-narrow")

    # Confirming needs the office's note.
    row.get_by_role("button", name="确认属实").click()
    expect(row.locator(".form-message")).to_contain_text("须写明核查说明", timeout=TIMEOUT)
    row.locator("input[name=note]").fill("两项任务验收报告为同一份，现场核查路灯未安装")
    row.get_by_role("button", name="确认属实").click()
    expect(signals.locator("tr", has_text="测试县路灯安装")).to_have_count(0, timeout=TIMEOUT)
    # Counted within the kind chosen.
    expect(office.get_by_test_id("signal-counts")).to_contain_text("待核查 0", timeout=TIMEOUT)
    expect(office.get_by_test_id("signal-counts")).to_contain_text("属实 1")

    def called_to_account():
        records = platform.http.get("/api/v1/accountability", params={"unit": UNIT},
                                    headers=platform.login()).json()
        # The county may stand accountable on other grounds too (its red items).
        assert [r["ground"] for r in records["items"]].count("gaming_signal") == 1, records
        return True
    eventually(called_to_account)
    # The unit's operator is refused the list.
    assert platform.http.get("/api/v1/signals", headers=operator).status_code == 403
    assert not office.errors and not narrow.errors
