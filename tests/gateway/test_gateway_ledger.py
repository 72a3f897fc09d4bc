"""The office's ledger and its units in and out as .xlsx: the gateway reads
cells into rows for the tasks service (faked here: its reading of them is
tested in tests/logic/test_ledger.py and tests/service/test_ledger_service.py),
and writes the task list back in the ledger's layout."""
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from gateway.spreadsheet import XLSX_MEDIA_TYPE

ADMIN_CALLER = {"user": "admin", "role": "admin", "units": None}


def workbook(rows, percent_cells=(), merge=None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    for ref in percent_cells:
        sheet[ref].number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


LEDGER = workbook([
    ["2026年重点任务清单"],
    [],
    ["序号", "任务名称", "牵头单位", "完成时限", "1月", "2月"],
    [1, "城市快速路", "市发改委", dt.datetime(2026, 6, 30), 0.25, "50%；完成立项"],
    [None, None, None, None, None, None],
    [2, "营商环境", "U02", "2026年12月31日", None, 100],
], percent_cells=["E4"], merge="A1:F1")


def post(client, headers, path, content, query="", data=None):
    return client.post(f"/api/v1/imports/{path}{query}", headers=headers, data=data or {},
                       files={"file": ("ledger.xlsx", content, XLSX_MEDIA_TYPE)})


def test_a_ledger_is_sent_as_rows_of_cells(client, admin, fake_rpc):
    response = post(client, admin, "ledger", LEDGER, "?dry_run=true", {"year": "2026"})
    assert response.status_code == 200
    assert response.json()["checked"] == 3
    assert fake_rpc.calls == [("tasks.import_ledger", {
        "sheet": {"year": 2026, "rows": [
            {"row": 1, "cells": ["2026年重点任务清单"]},
            {"row": 3, "cells": ["序号", "任务名称", "牵头单位", "完成时限", "1月", "2月"]},
            # A date as ISO text, a percentage-formatted number as people see it.
            {"row": 4, "cells": [1, "城市快速路", "市发改委", "2026-06-30", "25%",
                                 "50%；完成立项"]},
            {"row": 6, "cells": [2, "营商环境", "U02", "2026年12月31日", None, 100]}]},
        "caller": ADMIN_CALLER, "dry_run": True})]


def test_applying_passes_the_reason_and_the_previews_token(client, admin, fake_rpc):
    token = "a" * 64
    response = post(client, admin, "ledger", LEDGER, "", {"reason": "年中调整", "token": token})
    assert response.status_code == 200
    (call,) = fake_rpc.called("tasks.import_ledger")
    assert (call["dry_run"], call["reason"], call["token"], call["sheet"]["year"]) == (
        False, "年中调整", token, None)
    assert post(client, admin, "ledger", LEDGER, "", {"token": "not-a-token"}).status_code == 422
    assert post(client, admin, "ledger", LEDGER, "", {"year": "1999"}).status_code == 422


def test_the_services_errors_answer_422_with_the_preview(client, admin, fake_rpc):
    errors = [{"row": 4, "column": "C", "header": "牵头单位", "field": "lead_unit",
               "code": "unknown_unit", "reason": "找不到单位“市发改委”"}]
    fake_rpc.answer("tasks.import_ledger", lambda **kwargs: {
        "checked": 2, "errors": errors, "new": [], "changed": [], "unchanged": 0,
        "missing": [], "missing_total": 0, "ignored_columns": [], "token": "0" * 64})
    response = post(client, admin, "ledger", LEDGER, "?dry_run=true")
    assert response.status_code == 422
    assert response.json()["detail"]["errors"] == errors
    assert response.json()["detail"]["created"] == 0


@pytest.mark.parametrize("content", [b"PK\x03\x04 not a workbook", "序号,任务名称\n1,x\n".encode(),
                                     zipfile.ZipFile.__name__.encode()])
def test_what_is_no_workbook_is_422_in_chinese(client, admin, fake_rpc, content):
    response = post(client, admin, "ledger", content)
    assert response.status_code == 422
    (error,) = response.json()["detail"]["errors"]
    assert error["code"] == "sheet_unreadable" and "xlsx" in error["reason"]
    assert fake_rpc.calls == []


def test_a_ledger_that_unpacks_too_large_is_refused_unread(client, admin, fake_rpc,
                                                           monkeypatch):
    from gateway import spreadsheet
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", 64 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 100_000)
    response = post(client, admin, "units", buffer.getvalue())
    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["code"] == "sheet_too_large"
    assert fake_rpc.calls == []


def test_only_the_office_imports(client, operator, fake_rpc):
    assert post(client, operator, "ledger", LEDGER, "?dry_run=true").status_code == 403
    assert post(client, operator, "units", LEDGER, "?dry_run=true").status_code == 403
    assert fake_rpc.calls == []


def test_units_are_sent_as_rows_of_cells(client, admin, fake_rpc):
    content = workbook([["单位名称", "单位编码", "类型", "上级单位", "负责人", "电话"],
                        ["市发改委", "U01", "部门", None, "张三", 13800000001]])
    response = post(client, admin, "units", content, "?dry_run=true")
    assert response.status_code == 200
    assert fake_rpc.called("tasks.import_units") == [{
        "sheet": {"year": None, "rows": [
            {"row": 1, "cells": ["单位名称", "单位编码", "类型", "上级单位", "负责人", "电话"]},
            {"row": 2, "cells": ["市发改委", "U01", "部门", None, "张三", 13800000001]}]},
        "caller": ADMIN_CALLER, "dry_run": True}]
    units = load_workbook(io.BytesIO(client.get("/api/v1/imports/units/template.xlsx",
                                                headers=admin).content)).active
    rows = list(units.iter_rows(values_only=True))
    assert rows[0] == ("单位名称", "单位编码", "类型", "上级单位", "负责人", "电话", "邮箱")
    assert rows[4] == ("袁州区农业农村局", "C01-1", "部门", "袁州区", None, None, None)


def test_the_task_list_goes_out_as_a_ledger(client, admin, fake_rpc):
    response = client.get("/api/v1/tasks/ledger.xlsx?status=active&q=快速路", headers=admin)
    assert response.status_code == 200
    assert fake_rpc.called("tasks.list_tasks")[0]["q"] == "快速路"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "2026年重点任务清单"
    assert "A1:" in str(sheet.merged_cells)
    assert rows[1][:11] == ("序号", "任务编号", "任务名称", "类别", "来源", "批次", "牵头单位",
                            "责任单位", "责任人", "开始时间", "完成时限")
    assert rows[1][11:23] == tuple(f"{month}月" for month in range(1, 13))
    assert rows[1][23:] == ("当前进度", "状态", "预警颜色", "预警原因")
    (task,) = rows[2:]
    assert task[:11] == (1, "T-001", "建成城市快速路一期", "infrastructure", "计划任务", None,
                         "市发改委", "市住建局", "李四", dt.datetime(2026, 1, 1),
                         dt.datetime(2026, 6, 30))
    assert task[11:23] == (None, None, "30%；完成征地", None, None, "100%；通车",
                           None, None, None, None, None, None)
    assert task[23:] == ("40%", "推进中", "严重延期", "进度落后计划 25 个百分点")
    assert sheet.cell(row=3, column=26).fill.fgColor.rgb.endswith("FFC7CE")


def test_a_ledger_of_targets_over_years_has_a_column_a_month(client, admin, fake_rpc):
    from tests.gateway.conftest import TASKS
    task = {**TASKS[0], "code": "T-009", "targets": [
        {"seq": 1, "due_date": "2026-11-30", "planned_percent": 50.0, "description": None,
         "unit": "U01"},
        {"seq": 2, "due_date": "2027-02-28", "planned_percent": 100.0, "description": None,
         "unit": "U01"}]}
    fake_rpc.answer("tasks.list_tasks", {"items": [task], "total": 1})
    rows = list(load_workbook(io.BytesIO(client.get("/api/v1/tasks/ledger.xlsx",
                                                    headers=admin).content)).active.iter_rows(
        values_only=True))
    assert rows[0][0] == "重点任务清单"
    assert rows[1][11:15] == ("2026-11", "2026-12", "2027-01", "2027-02")
    assert rows[2][11:15] == ("50%", None, None, "100%")


def test_titles_are_searched_with_the_other_filters(client, admin, fake_rpc):
    response = client.get("/api/v1/tasks?q=%20城市%20%20快速路%20&unit=U01", headers=admin)
    assert response.status_code == 200
    assert [task["code"] for task in response.json()["items"]] == ["T-001"]
    assert fake_rpc.called("tasks.list_tasks")[0]["q"] == "城市 快速路"
    assert client.get("/api/v1/tasks?q=" + "长" * 101, headers=admin).status_code == 422
    client.get("/api/v1/tasks?q=%20", headers=admin)
    assert "q" not in fake_rpc.called("tasks.list_tasks")[-1]


def test_the_ledger_template_reads_as_a_ledger(client, admin, fake_rpc):
    response = client.get("/api/v1/imports/ledger/template.xlsx", headers=admin)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "2026年重点任务清单"
    assert rows[2][2] == "（示例）产业园区标准厂房建设"
    assert rows[2][11:14] == (None, None, "20%；完成立项")
