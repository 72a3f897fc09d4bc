"""What the office and the units read is Chinese and names, not the machine's
words and codes: a task library's errors."""
import io

from openpyxl import Workbook
from playwright.sync_api import expect

TIMEOUT = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_office_reads_a_task_librarys_errors_in_chinese(open_as, screenshot):
    book = Workbook()
    book.active.append(["code", "title", "lead_unit", "负责人电话"])
    buffer = io.BytesIO()
    book.save(buffer)
    page = open_as("admin", "#/office/import")
    page.locator("input[type=file]").set_input_files(files=[{
        "name": "任务库.xlsx", "buffer": buffer.getvalue(), "mimeType": XLSX}])
    page.get_by_role("button", name="检查").click()
    row = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(row).to_have_count(1, timeout=TIMEOUT)
    expect(row.locator("td").nth(1)).to_have_text("“负责人电话”")
    expect(row.locator("td").nth(2)).to_have_text(
        "第一行的“负责人电话”不是任务库的列，请改为模板中的列名或删去这一列。")
    expect(page.get_by_test_id("import-result")).not_to_contain_text("unknown column")
    screenshot(page, "import-errors-chinese")
    assert page.errors == []
