"""Task libraries in and out as .xlsx."""
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from gateway.spreadsheet import COLUMNS, XLSX_MEDIA_TYPE

HEADER = ["code", "title", "lead_unit", "start_date", "due_date", "category", "source",
          "clock_class", "cooperating_units", "responsible_person", "target_due_date",
          "target_planned_percent", "target_description", "target_unit"]


def workbook(*rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zipped(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_broken_sheet(content: bytes) -> bytes:
    """`content` with its first sheet's XML cut in half."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    files = {name: archive.read(name) for name in archive.namelist()}
    sheet = files["xl/worksheets/sheet1.xml"]
    return zipped({**files, "xl/worksheets/sheet1.xml": sheet[:len(sheet) // 2]})


def upload(client, headers, content, query=""):
    return client.post(f"/api/v1/imports/tasks{query}", headers=headers,
                       files={"file": ("tasks.xlsx", content, XLSX_MEDIA_TYPE)})


LIBRARY = workbook(
    ["T-1", "城市快速路", "U01", dt.datetime(2026, 1, 1), dt.datetime(2026, 6, 30),
     "infrastructure", "plan", None, "U02、C01", "李四", dt.datetime(2026, 3, 31), 30,
     "完成征地", "U01"],
    ["T-1", None, None, None, None, None, None, None, None, None, "2026-06-30", 100, "通车",
     "U02"],
    [None] * 14,
    [1002, "营商环境", "U02", "2026-02-01", "2026-12-31", None, "assignment", "important",
     None, None, None, None, None, None],
)


def test_import_turns_rows_into_task_bodies(client, admin, fake_rpc):
    response = upload(client, admin, LIBRARY)
    assert response.status_code == 201
    assert response.json() == {"created": 2, "errors": [], "checked": 2}
    assert fake_rpc.calls == [("tasks.import_tasks", {
        "rows": [
            {"code": "T-1", "title": "城市快速路", "lead_unit": "U01", "start_date": "2026-01-01",
             "due_date": "2026-06-30", "category": "infrastructure", "source": "plan",
             "cooperating_units": ["U02", "C01"], "responsible_person": "李四",
             "targets": [{"due_date": "2026-03-31", "planned_percent": 30.0,
                          "description": "完成征地", "unit": "U01"},
                         {"due_date": "2026-06-30", "planned_percent": 100.0,
                          "description": "通车", "unit": "U02"}]},
            {"code": "1002", "title": "营商环境", "lead_unit": "U02", "start_date": "2026-02-01",
             "due_date": "2026-12-31", "source": "assignment", "clock_class": "important",
             "cooperating_units": [], "targets": []},
        ],
        "caller": {"user": "admin", "role": "admin", "units": None},
        "dry_run": False})]


def test_a_dry_run_saves_nothing(client, admin, fake_rpc):
    response = upload(client, admin, LIBRARY, "?dry_run=true")
    assert response.status_code == 200
    assert fake_rpc.called("tasks.import_tasks")[0]["dry_run"] is True


def test_bad_rows_are_422_by_sheet_row_and_nothing_is_sent(client, admin, fake_rpc):
    content = workbook(
        ["T-1", "城市快速路", "U01", "2026-01-01", "2026-06-30", None, "rumour", None, None,
         None, "2026-03-31", 30, None, None],
        ["T-1", None, None, None, None, None, None, None, None, None, "2026-06-31", 130, None,
         None],
        [None, "no code", "U01"],
        ["T-2", "", "U01", "2026-01-01", "2026-06-30"],
    )
    response = upload(client, admin, content)
    assert response.status_code == 422
    errors = response.json()["detail"]["errors"]
    assert {(error["row"], error["field"]) for error in errors} == {
        (4, "code"), (2, "source"), (3, "target_due_date"), (3, "target_planned_percent"),
        (5, "title")}
    assert response.json()["detail"]["created"] == 0
    assert fake_rpc.calls == []


def test_the_services_errors_are_placed_on_sheet_rows(client, admin, fake_rpc):
    # The service counts the tasks from 1: the second task starts on sheet row 5.
    fake_rpc.answer("tasks.import_tasks", {"created": 0, "errors": [
        {"row": 2, "field": "lead_unit", "reason": "unknown unit U09"}]})
    response = upload(client, admin, LIBRARY)
    assert response.status_code == 422
    assert response.json() == {"detail": {"created": 0, "errors": [
        {"row": 5, "field": "lead_unit", "reason": "unknown unit U09",
         "code": "unit_not_found",
         "message": "“牵头单位”：单位 U09 不存在，请检查单位编码。"}]}}


def test_a_targets_error_is_placed_on_the_targets_own_row_and_column(
        client, admin, fake_rpc):
    # T-1's second target is on sheet row 3; its unit is the target_unit column.
    fake_rpc.answer("tasks.import_tasks", {"created": 0, "errors": [
        {"row": 1, "field": "targets[1].unit", "reason": "unknown unit X9"}]})
    response = upload(client, admin, LIBRARY)
    assert response.status_code == 422
    assert response.json()["detail"]["errors"] == [
        {"row": 3, "field": "target_unit", "reason": "unknown unit X9",
         "code": "unit_not_found", "message": "“目标责任单位”：单位 X9 不存在，请检查单位编码。"}]


@pytest.mark.parametrize("content, reason", [
    (b"PK\x03\x04 not really a workbook", "not an .xlsx workbook"),
    (b"code,title\nT-1,x\n", "not an .xlsx workbook"),
    (zipped({"word/document.xml": "<w/>"}), "not an .xlsx workbook"),
    (with_broken_sheet(LIBRARY), "not an .xlsx workbook"),
    (workbook(header=["code", "titel"]), "unknown column"),
    (workbook(header=["title"]), "missing column"),
    (workbook(), "no tasks in the sheet"),
])
def test_unreadable_workbooks_are_422(client, admin, fake_rpc, content, reason):
    response = upload(client, admin, content)
    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["reason"] == reason
    assert fake_rpc.calls == []


def empty_workbook() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("content, expected", [
    (workbook(header=[*HEADER, "target_owner"]), [
        {"row": 1, "field": "target_owner", "code": "sheet_unknown_column",
         "reason": "unknown column",
         "message": "第一行的“target_owner”不是任务库的列，请改为模板中的列名或删去这一列。"}]),
    (empty_workbook(), [
        {"row": 1, "field": None, "code": "sheet_empty", "reason": "the sheet is empty",
         "message": "工作表是空的：第一行填写表头，从第二行起每行填写一项。请下载模板对照填写。"}]),
    (b"code,title\nT-1,x\n", [
        {"row": 0, "field": None, "code": "sheet_unreadable", "reason": "not an .xlsx workbook",
         "message": "无法读取这个文件：请上传 Excel 工作簿（.xlsx），"
                    "不要上传 .xls、.csv 或加密的文件。"}]),
])
def test_a_sheet_the_gateway_cannot_read_is_refused_in_chinese_row_by_row(
        client, admin, fake_rpc, content, expected):
    response = upload(client, admin, content)
    assert response.status_code == 422
    assert response.json() == {"detail": {"created": 0, "errors": expected}}


def test_a_bad_cell_is_worded_with_its_columns_chinese_name(client, admin, fake_rpc):
    content = workbook(["T-1", "城市快速路", "U01", "2026-01-01", "2026-06-30", None, None,
                        None, None, None, "2026-06-31", 30, None, None],
                       [None, "无编号", "U01"])
    errors = upload(client, admin, content).json()["detail"]["errors"]
    assert [(error["row"], error["field"], error["code"], error["message"])
            for error in errors] == [
        (3, "code", "sheet_code_missing",
         "这一行没有填写任务编号，请填写编号，同一任务的各行填写同一编号。"),
        (2, "target_due_date", "date_from_datetime_parsing",
         "“目标截止日期”不是有效的日期，请按 2026-12-31 的格式填写。")]


def test_a_task_given_twice_is_refused_in_chinese():
    from gateway.errors import worded_row_error
    worded = worded_row_error({"row": 3, "field": "code",
                               "reason": "task T-1 appears twice in the file"})
    assert (worded["code"], worded["message"]) == (
        "task_twice", "“编码”：任务编号 T-1 在本次导入中出现了两次，请删去重复的一项或换一个编号。")


def test_only_the_office_imports_a_task_library(client, operator, fake_rpc):
    # The tasks service takes imports from admins only; the gateway says so first.
    response = upload(client, operator, LIBRARY)
    assert response.status_code == 403
    assert fake_rpc.calls == []


def test_export_is_a_workbook_of_every_matching_task(client, admin, fake_rpc):
    response = client.get("/api/v1/tasks/export.xlsx?status=active", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    assert "attachment" in response.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    by_column = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [(row["code"], row["target_planned_percent"], row["colour"]) for row in by_column] == [
        ("T-001", 30, "red"), ("T-001", 100, "red"), ("T-002", None, None),
        ("T-003", 100, "yellow")]
    assert by_column[0]["start_date"] == dt.datetime(2026, 1, 1)
    assert by_column[0]["cooperating_units"] == "U02"
    assert fake_rpc.calls[0] == ("tasks.list_tasks", {
        "caller": {"user": "admin", "role": "admin", "units": None}, "status": "active",
        "limit": 1000, "offset": 0})


def test_export_pages_through_long_lists(client, admin, fake_rpc):
    many = [{"code": f"T-{index}", "title": "任务", "lead_unit": "U01", "start_date": "2026-01-01",
             "due_date": "2026-12-31", "targets": []} for index in range(2500)]
    fake_rpc.answer("tasks.list_tasks", lambda caller, limit, offset, **filters: {
        "items": many[offset:offset + limit], "total": len(many)})
    response = client.get("/api/v1/tasks/export.xlsx", headers=admin)
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 2501
    assert [call["offset"] for call in fake_rpc.called("tasks.list_tasks")] == [0, 1000, 2000]
    assert len(fake_rpc.called("warnings.get_task_colours")) == 3


def test_an_export_imports_back_as_the_same_tasks(client, admin, fake_rpc):
    exported = client.get("/api/v1/tasks/export.xlsx", headers=admin).content
    assert upload(client, admin, exported).status_code == 201
    sent = {row["code"]: row for row in fake_rpc.called("tasks.import_tasks")[0]["rows"]}
    assert set(sent) == {"T-001", "T-002", "T-003"}
    assert sent["T-001"] == {
        "code": "T-001", "title": "建成城市快速路一期", "lead_unit": "U01",
        "cooperating_units": ["U02"], "category": "infrastructure", "source": "plan",
        "responsible_person": "李四", "start_date": "2026-01-01", "due_date": "2026-06-30",
        "targets": [{"due_date": "2026-03-31", "planned_percent": 30.0,
                     "description": "完成征地", "unit": "U01"},
                    {"due_date": "2026-06-30", "planned_percent": 100.0,
                     "description": "通车", "unit": "U02"}]}
    assert sent["T-002"]["targets"] == []
    assert sent["T-003"]["targets"] == [
        {"due_date": "2026-09-30", "planned_percent": 100.0, "unit": "C01"}]


def test_export_by_colour(client, admin, fake_rpc):
    response = client.get("/api/v1/tasks/export.xlsx?colour=red", headers=admin)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {"T-001"}


def test_text_that_looks_like_a_formula_stays_text(client, admin, fake_rpc):
    fake_rpc.answer("tasks.list_tasks", {"total": 1, "items": [
        {"code": "T-9", "title": '=HYPERLINK("http://evil.example","点我")', "lead_unit": "U01",
         "start_date": "2026-01-01", "due_date": "2026-12-31", "targets": []}]})
    exported = client.get("/api/v1/tasks/export.xlsx", headers=admin).content
    cell = load_workbook(io.BytesIO(exported)).active["B2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.example","点我")'


def test_a_workbook_that_unpacks_too_large_is_refused_unread(client, admin, fake_rpc,
                                                            monkeypatch):
    from gateway import spreadsheet
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", 64 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 100_000)  # 600 KB, 1 KB packed
    response = client.post("/api/v1/imports/tasks", headers=admin, files={
        "file": ("bomb.xlsx", buffer.getvalue(), XLSX_MEDIA_TYPE)})
    assert response.status_code == 422
    assert "unpacks" in str(response.json()["detail"])
    assert fake_rpc.calls == []


# The same through the JSON API, in chunks, as a county or city system sends its library.

def _task(code, **fields):
    return {"code": code, "title": "城市快速路", "lead_unit": "U01", "start_date": "2026-01-01",
            "due_date": "2026-06-30", "targets": [
                {"due_date": "2026-06-30", "planned_percent": 100}], **fields}


def test_a_chunk_of_tasks_is_created_all_at_once(client, admin, fake_rpc):
    response = client.post("/api/v1/tasks/batch", json=[_task("T-1"), _task("T-2")],
                           headers=admin)
    assert response.status_code == 201
    assert response.json() == {"created": 2, "errors": [], "checked": 2}
    (call,) = fake_rpc.called("tasks.import_tasks")
    assert [row["code"] for row in call["rows"]] == ["T-1", "T-2"]
    assert call["dry_run"] is False


def test_a_chunk_with_a_bad_task_saves_nothing_and_says_where_in_chinese(
        client, admin, fake_rpc):
    fake_rpc.answer("tasks.import_tasks", {"created": 0, "checked": 2, "errors": [
        {"row": 2, "field": "lead_unit", "reason": "unknown unit U09"}]})
    response = client.post("/api/v1/tasks/batch", json=[_task("T-1"), _task("T-2")],
                           headers=admin)
    assert response.status_code == 422
    assert response.json() == {"detail": {"created": 0, "errors": [
        {"index": 1, "field": "lead_unit", "reason": "unknown unit U09",
         "code": "unit_not_found", "message": "“牵头单位”：单位 U09 不存在，请检查单位编码。"}]}}


def test_a_chunk_the_gateway_can_read_wrong_is_refused_before_the_services(
        client, admin, fake_rpc):
    response = client.post("/api/v1/tasks/batch",
                           json=[_task("T-1"), _task("T-2", due_date="2026-13-01")],
                           headers=admin)
    assert response.status_code == 422
    assert response.json()["message"] == (
        "第2项的“完成时限”不是有效的日期，请按 2026-12-31 的格式填写。")
    assert not fake_rpc.called("tasks.import_tasks")


def test_a_chunk_over_a_thousand_is_413_in_chinese(client, admin, fake_rpc):
    response = client.post("/api/v1/tasks/batch",
                           json=[_task(f"T-{n}") for n in range(1001)], headers=admin)
    assert response.status_code == 413
    assert response.json()["detail"] == {
        "code": "too_many_tasks", "message": "一次最多提交 1000 项任务，本次 1001 项，请分批提交。"}
    assert not fake_rpc.called("tasks.import_tasks")


def test_a_chunk_sent_twice_under_one_key_is_created_once(client, admin, fake_rpc):
    for _ in range(2):
        response = client.post("/api/v1/tasks/batch", json=[_task("T-1")],
                               headers={**admin, "Idempotency-Key": "county-7"})
        assert response.status_code == 201
    assert len(fake_rpc.called("tasks.import_tasks")) == 1
