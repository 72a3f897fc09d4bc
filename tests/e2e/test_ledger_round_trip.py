"""An office's own spreadsheets over HTTP: its units and heads, then its ledger
(重点任务清单) imported; the ledger exported, corrected in Excel and imported
again, changing only what was corrected. The platform's day is 2026-05-15
(LUOSHI_CLOCK_FILE): March's targets are due, June's are not."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from services.common.clock import CLOCK_FILE
from tests.e2e.conftest import running_platform, wait

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    data = tmp_path_factory.mktemp("ledger")
    clock = data / "clock"
    clock.write_text("2026-05-15T09:00:00+08:00")
    with running_platform(data, {CLOCK_FILE: str(clock)}) as platform:
        yield platform


def book(rows, merge=None) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    if merge:
        workbook.active.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def post(platform, headers, path, content, query="", data=None):
    return platform.http.post(f"/api/v1/imports/{path}{query}", headers=headers,
                              data=data or {}, files={"file": ("x.xlsx", content, XLSX)})


def test_a_ledger_goes_out_is_corrected_in_excel_and_comes_back(platform):
    admin = platform.login()
    units = book([["单位及负责人名单"],
                  ["单位名称", "单位编码", "类型", "上级单位", "负责人", "电话", "邮箱"],
                  ["rt-袁州区", "rt-yz", "县区", None, "张三", "13800000000", None],
                  ["rt-发改委", "rt-fgw", "部门", None, None, None, None],
                  ["rt-住建局", "rt-zjj", "部门", None, "李四", "13900000000", None]],
                 merge="A1:G1")
    preview = post(platform, admin, "units", units, "?dry_run=true")
    assert preview.status_code == 200, preview.text
    assert [unit["code"] for unit in preview.json()["new"]] == ["rt-yz", "rt-fgw", "rt-zjj"]
    done = post(platform, admin, "units", units, data={"token": preview.json()["token"]})
    assert done.status_code == 200 and done.json()["created"] == 3, done.text

    header = ["序号", "任务编号", "任务名称", "批次", "牵头单位", "责任单位", "完成时限",
              "3月", "6月", "9月", "12月"]
    ledger = book([["2026年重点任务清单"], [], header,
                   [1, "RT-1", "往返快速路一期", "2026年第一批", "rt-袁州区", "rt-发改委",
                    "2026-12-31", "20%", "50%；主体完工", None, "100%；通车"],
                   [2, "RT-2", "往返营商环境", "2026年第一批", "rt-fgw", None, "2026-06-30",
                    "50%", "100%", None, None],
                   [3, "RT-3", "往返污水处理", "2026年第一批", "rt-住建局", "rt-袁州区",
                    "2026-09-30", None, None, "100%", None]], merge="A1:K1")
    bad = book([["2026年重点任务清单"], header,
                [1, "RT-9", "坏行", None, "rt-不存在", None, "2026-12-31", "60%", "50%",
                 None, None]])
    refused = post(platform, admin, "ledger", bad, "?dry_run=true")
    assert refused.status_code == 422
    assert [(e["row"], e["column"], e["code"]) for e in refused.json()["detail"]["errors"]] == [
        (3, "E", "unknown_unit"), (3, "I", "target_goes_back")]
    created = post(platform, admin, "ledger", ledger)
    assert created.status_code == 200, created.text
    assert created.json()["created"] == 3

    # Out as the office's ledger, searched by words of the title.
    exported = platform.http.get("/api/v1/tasks/ledger.xlsx?q=往返", headers=admin)
    assert exported.status_code == 200
    workbook = load_workbook(io.BytesIO(exported.content))
    sheet = workbook.active
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=3)}
    assert set(rows) == {"RT-1", "RT-2", "RT-3"}
    assert rows["RT-1"][6].value == "rt-袁州区" and rows["RT-1"][7].value == "rt-发改委"
    assert rows["RT-1"][13].value == "20%" and rows["RT-1"][16].value == "50%；主体完工"
    assert rows["RT-1"][24].value == "推进中"

    # Back unchanged: nothing to do.
    same = post(platform, admin, "ledger", exported.content, "?dry_run=true")
    assert same.status_code == 200, same.text
    assert (same.json()["new"], same.json()["changed"], same.json()["unchanged"]) == ([], [], 3)

    # Corrected in Excel: a title, a plan cell, a new row, a row removed.
    rows["RT-1"][2].value = "往返快速路一期工程"
    rows["RT-2"][16].value = "80%；完成验收"  # June
    rows["RT-2"][10].value = "2026-07-31"
    sheet.append([4, "RT-4", "往返新增任务", None, "计划任务", "2026年第二批", "rt-住建局", None,
                  None, None, "2026-12-31", *([None] * 11), "100%"])
    sheet.delete_rows(rows["RT-3"][0].row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    corrected = buffer.getvalue()

    preview = post(platform, admin, "ledger", corrected, "?dry_run=true")
    assert preview.status_code == 200, preview.text
    answer = preview.json()
    assert [task["code"] for task in answer["new"]] == ["RT-4"]
    changes = {change["code"]: change for change in answer["changed"]}
    assert set(changes) == {"RT-1", "RT-2"}
    assert [(f["field"], f["to"]) for f in changes["RT-1"]["fields"]] == [
        ("title", "往返快速路一期工程")]
    assert changes["RT-1"]["plan"] is None
    assert changes["RT-2"]["plan"]["to"][-1] == {"month": "2026-06", "planned_percent": 80.0,
                                                 "description": "完成验收"}
    assert "RT-3" in [task["code"] for task in answer["missing"]]
    assert answer["unchanged"] == 0

    applied = post(platform, admin, "ledger", corrected,
                   data={"token": answer["token"], "reason": "年中调整"})
    assert applied.status_code == 200, applied.text
    assert (applied.json()["created"], applied.json()["updated"]) == (1, 2)

    def changed():
        one = platform.http.get("/api/v1/tasks/RT-1", headers=admin).json()
        assert one["title"] == "往返快速路一期工程"
        return one

    wait(changed)
    two = platform.http.get("/api/v1/tasks/RT-2", headers=admin).json()
    assert two["due_date"] == "2026-07-31"
    # March was due: it stays; June is the new plan's.
    assert [(t["due_date"], t["planned_percent"], t["description"]) for t in two["targets"]] == [
        ("2026-03-31", 50.0, None), ("2026-06-30", 80.0, "完成验收")]
    history = platform.http.get("/api/v1/tasks/RT-2/history", headers=admin).json()
    assert [(v["kind"], v["reason"]) for v in history["versions"]][1:] == [
        ("update", "年中调整"), ("replan", "年中调整")]
    assert len(history["plans"]) == 2  # the old plan is kept and shown
    assert platform.http.get("/api/v1/tasks/RT-3", headers=admin).status_code == 200
    again = post(platform, admin, "ledger", corrected, "?dry_run=true").json()
    assert (again["new"], again["changed"]) == ([], [])
