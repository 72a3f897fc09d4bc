"""The office's ledger page in a real browser: a ledger with a bad row shows
each error by row and column in Chinese and saves nothing; a good one shows its
preview of changes, and is saved only when confirmed, a failed confirmation
keeping the preview and the reason for another try; the task list finds it by
words of its title."""
import io

from openpyxl import Workbook
from playwright.sync_api import expect

# A demo county: the red test county (conftest's UNIT) must keep only its own
# task, which other tests report on and watch turn green.
UNIT = "ZHANGSHU"

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["序号", "任务编号", "任务名称", "牵头单位", "完成时限", "6月", "12月"]


def ledger(*rows) -> bytes:
    book = Workbook()
    book.active.append(["2026年重点任务清单"])
    book.active.merge_cells("A1:G1")
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(page, content):
    page.get_by_test_id("ledger-file").set_input_files(files=[{
        "name": "重点任务清单.xlsx", "buffer": content, "mimeType": XLSX}])
    page.get_by_role("button", name="检查并预览").first.click()


def test_the_office_previews_a_ledger_and_confirms_it(open_as, platform):
    page = open_as("admin", "#/office/ledger")
    upload(page, ledger([1, "LP-1", "台账页面新增道路", UNIT, "2026-12-31", "50%", "100%"],
                        [2, "LP-2", "台账页面错行", "不存在的单位", "2026-12-31", "60%", "40%"]))
    errors = page.get_by_test_id("ledger-errors")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors.locator("tbody tr").nth(0).locator("td").nth(0)).to_have_text("4")
    expect(errors.locator("tbody tr").nth(0).locator("td").nth(1)).to_have_text("D 牵头单位")
    expect(errors.locator("tbody tr").nth(1).locator("td").nth(1)).to_have_text("G 12月")
    expect(page.get_by_test_id("ledger-result")).to_contain_text("未保存任何任务")
    admin = platform.login()
    assert platform.http.get("/api/v1/tasks/LP-1", headers=admin).status_code == 404

    upload(page, ledger([1, "LP-1", "台账页面新增道路", UNIT, "2026-12-31", "50%；路基完成",
                         "100%"]))
    new = page.get_by_test_id("ledger-new")
    expect(new).to_contain_text("台账页面新增道路")
    expect(new).to_contain_text("6月 50%（路基完成）")
    assert platform.http.get("/api/v1/tasks/LP-1", headers=admin).status_code == 404
    page.get_by_test_id("confirm-ledger").click()
    expect(page.get_by_test_id("ledger-done")).to_contain_text("新增 1 项")
    assert platform.http.get("/api/v1/tasks/LP-1", headers=admin).status_code == 200

    tasks = open_as("admin", "#/tasks")
    tasks.get_by_test_id("task-search").fill("新增 道路")
    tasks.get_by_role("button", name="筛选").click()
    expect(tasks.get_by_test_id("task-total")).to_have_text("共 1 项")
    expect(tasks.get_by_test_id("tasks")).to_contain_text("台账页面新增道路")
    assert page.errors == [] and tasks.errors == []


def test_a_city_sized_ledger_lists_its_first_thousand_and_counts_them_all(open_as, platform):
    rows = [[n, f"LL-{n:04d}", f"长台账第{n}项", UNIT, "2026-12-31", "50%", "100%"]
            for n in range(1, 1006)]
    page = open_as("admin", "#/office/ledger")
    upload(page, ledger(*rows))
    result = page.get_by_test_id("ledger-result")
    expect(result).to_contain_text("新增 1005 项")
    expect(result).to_contain_text("共 1005 项，下面列出前 1000 项")
    expect(result).not_to_contain_text("null")  # no part it lacks is written out
    new = page.get_by_test_id("ledger-new")
    expect(new.locator("tbody tr")).to_have_count(1000)
    expect(new.locator("tbody tr").last.locator("td").nth(1)).to_have_text("LL-1000")
    admin = platform.login()  # a preview saves nothing
    assert platform.http.get("/api/v1/tasks/LL-0001", headers=admin).status_code == 404


def test_a_failed_confirmation_keeps_the_preview_and_the_reason(open_as, platform):
    admin = platform.login()
    assert platform.http.post("/api/v1/tasks", headers=admin, json={
        "code": "LR-1", "title": "台账重试道路", "lead_unit": UNIT, "start_date": "2026-01-01",
        "due_date": "2026-12-31", "targets": [{"due_date": "2026-12-31", "planned_percent": 100}],
    }).status_code == 201
    page = open_as("admin", "#/office/ledger")
    # A new title only: June is past on the platform's clock, and its plan stays.
    upload(page, ledger([1, "LR-1", "台账重试道路（二期）", UNIT, "2026-12-31", None, "100%"]))
    expect(page.get_by_test_id("ledger-changed")).to_contain_text("台账重试道路（二期）")
    page.get_by_test_id("ledger-reason").fill("市政府常务会议调整")

    # The first confirmation meets a proxy's 504 while the gateway restarts.
    def restarting(route):
        route.fulfill(status=504, content_type="text/html", body="<html>Gateway Time-out</html>")

    def confirmed(url):  # the confirmation, not the preview (?dry_run=true)
        return url.endswith("/api/v1/imports/ledger")
    page.route(confirmed, restarting)
    page.get_by_test_id("confirm-ledger").click()
    failed = page.get_by_test_id("ledger-apply-error")
    expect(failed).to_contain_text("服务暂时不可用（正在重启或维护），请稍后重试。")
    expect(failed).not_to_contain_text("504")
    expect(page.get_by_test_id("ledger-changed")).to_contain_text("台账重试道路（二期）")
    expect(page.get_by_test_id("ledger-reason")).to_have_value("市政府常务会议调整")
    assert platform.http.get("/api/v1/tasks/LR-1", headers=admin).json()["title"] == "台账重试道路"

    page.unroute(confirmed, restarting)
    page.get_by_test_id("confirm-ledger").click()
    expect(page.get_by_test_id("ledger-done")).to_contain_text("修改 1 项")
    assert platform.http.get("/api/v1/tasks/LR-1", headers=admin).json()["title"] == \
        "台账重试道路（二期）"
    assert page.errors == []
