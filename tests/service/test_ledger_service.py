"""The tasks service reading an office's ledger and its list of units, from rows
as the gateway sends them, and searching task titles: on SQLite and PostgreSQL.
The service's "today" is pinned to 2026-07-01."""
import time

import pytest
from sqlalchemy import create_engine, text

from services.common.errors import Conflict, Forbidden, InvalidInput
from services.tasks import repository
from tests.service import test_tasks_records
from tests.service.test_tasks_service import ADMIN, LEADER, seed

# The tasks service in a container with its day pinned, as its records' tests have it.
tasks = test_tasks_records.tasks

HEADER = ["序号", "任务编号", "任务名称", "类别", "牵头单位", "责任单位", "完成时限",
          "1月", "3月", "6月", "12月"]


def sheet(*rows, title="2026年重点任务清单", year=None):
    """Rows as the gateway reads them: a merged title, the header, the tasks."""
    cells = ([[title]] if title else []) + [HEADER, *rows]
    return {"rows": [{"row": number, "cells": row}
                     for number, row in enumerate(cells, start=1)], "year": year}


def test_a_ledger_is_previewed_then_imported_all_or_nothing(tasks):
    seed(tasks)  # T1, led by 袁州区
    ledger = sheet(
        [1, "L-1", "城市快速路", "基础设施", "袁州区", "市发展改革委、樟树市", "2026-06-30",
         "10%", "30%；完成立项", "100%；通车", None],
        [2, None, "营商环境优化", None, "fgw", None, "2026-12-31", None, None, 40, 100])
    preview = tasks("import_ledger", ledger, ADMIN, dry_run=True)
    assert preview["errors"] == []
    assert [(task["row"], task["code"], task["lead_unit_name"]) for task in preview["new"]] == [
        (3, "L-1", "袁州区"), (4, preview["new"][1]["code"], "市发展改革委")]
    assert preview["new"][0]["plan"] == [
        {"month": "2026-01", "planned_percent": 10.0, "description": None},
        {"month": "2026-03", "planned_percent": 30.0, "description": "完成立项"},
        {"month": "2026-06", "planned_percent": 100.0, "description": "通车"}]
    assert (preview["changed"], preview["unchanged"]) == ([], 0)
    assert preview["missing"][0]["code"] == "T1" and preview["missing_total"] == 1
    assert tasks("list_tasks", ADMIN)["total"] == 1  # a preview saves nothing
    tasks.tap.take(5)

    done = tasks("import_ledger", ledger, ADMIN, token=preview["token"])
    assert (done["created"], done["updated"]) == (2, 0)
    created = tasks("get_task", "L-1", ADMIN)
    assert created["cooperating_units"] == ["fgw", "zs"]
    assert [(t["due_date"], t["planned_percent"], t["unit"]) for t in created["targets"]] == [
        ("2026-01-31", 10.0, "yz"), ("2026-03-31", 30.0, "yz"), ("2026-06-30", 100.0, "yz")]
    ((kind, payload),) = tasks.tap.take(1)  # one slice of an import, as the machine import
    assert (kind, [task["code"] for task in payload["tasks"]]) == (
        "tasks_imported", [task["code"] for task in preview["new"]])

    # A ledger of one batch leaves out only the tasks of that batch.
    batch = {"year": 2026, "rows": [
        {"row": 1, "cells": ["任务名称", "牵头单位", "完成时限", "批次"]},
        {"row": 2, "cells": ["第二批的任务", "zs", "2026-12-31", "2026年第二批"]}]}
    assert tasks("import_ledger", batch, ADMIN, dry_run=True)["missing_total"] == 0
    # The same ledger again changes nothing: the generated code is found again.
    again = tasks("import_ledger", ledger, ADMIN, dry_run=True)
    assert (again["new"], again["changed"], again["unchanged"]) == ([], [], 2)
    # A token of another preview: the sheet or the library changed since.
    with pytest.raises(Conflict):
        tasks("import_ledger", ledger, ADMIN, token=preview["token"])


def test_a_ledger_with_errors_saves_nothing(tasks):
    seed(tasks)
    ledger = sheet(
        [1, "L-1", "好任务", None, "袁州区", None, "2026-06-30", "10%", None, "100%", None],
        [2, "L-2", "坏任务", None, "市不存在局", None, "2026-06-30", "50%", "20%", None, None],
        [3, "T1", "", None, "袁州区", None, "2026-13-01", None, None, None, None])
    answer = tasks("import_ledger", ledger, ADMIN)
    assert [(e["row"], e["column"], e["code"]) for e in answer["errors"]] == [
        (4, "E", "unknown_unit"), (4, "I", "target_goes_back"),
        (5, "C", "required"), (5, "G", "bad_date")]
    assert all(not error["reason"].isascii() for error in answer["errors"])
    assert tasks("list_tasks", ADMIN)["total"] == 1
    with pytest.raises(Forbidden):
        tasks("import_ledger", ledger, LEADER, dry_run=True)
    with pytest.raises(InvalidInput):
        tasks("import_ledger", {"rows": "not rows"}, ADMIN, dry_run=True)


def test_changes_to_existing_tasks_go_through_the_edit_and_the_replan(tasks):
    seed(tasks)  # T1: June 50%, December 100%
    ledger = sheet([1, "T1", "重点项目开工建设", "产业项目", "袁州区", "市发展改革委、樟树市",
                    "2026-12-31", None, None, 50, "100%；竣工验收"])
    preview = tasks("import_ledger", ledger, ADMIN, dry_run=True)
    assert preview["errors"] == [] and preview["new"] == []
    (change,) = preview["changed"]
    assert [(f["field"], f["from_text"], f["to_text"]) for f in change["fields"]] == [
        ("title", "重点项目开工", "重点项目开工建设"),
        ("cooperating_units", "市发展改革委", "市发展改革委、樟树市")]
    assert change["plan"] == {
        "from": [{"month": "2026-06", "planned_percent": 50.0, "description": None},
                 {"month": "2026-12", "planned_percent": 100.0, "description": None}],
        "to": [{"month": "2026-06", "planned_percent": 50.0, "description": None},
               {"month": "2026-12", "planned_percent": 100.0, "description": "竣工验收"}]}
    with pytest.raises(InvalidInput) as refused:
        tasks("import_ledger", ledger, ADMIN, token=preview["token"])
    assert "reason" in refused.value.detail
    tasks.tap.take(5)

    done = tasks("import_ledger", ledger, ADMIN, token=preview["token"], reason="年中调整")
    assert (done["created"], done["updated"]) == (0, 1)
    task = tasks("get_task", "T1", ADMIN)
    assert task["title"] == "重点项目开工建设"
    assert task["cooperating_units"] == ["fgw", "zs"]
    # June was due before today: it stays; December is the new plan's.
    assert [(t["seq"], t["due_date"], t["description"]) for t in task["targets"]] == [
        (1, "2026-06-30", None), (3, "2026-12-31", "竣工验收")]
    assert sorted(kind for kind, _ in tasks.tap.take(2)) == ["task_replanned", "task_updated"]
    history = tasks("get_task_history", "T1", ADMIN)
    assert [(v["kind"], v["reason"]) for v in history["versions"]][-2:] == [
        ("update", "年中调整"), ("replan", "年中调整")]
    again = tasks("import_ledger", ledger, ADMIN, dry_run=True)
    assert (again["changed"], again["unchanged"]) == ([], 1)


def test_a_task_brought_forward_is_replanned_before_its_due_date_moves(tasks):
    seed(tasks)  # T1 due 2026-12-31
    ledger = {"year": None, "rows": [
        {"row": 1, "cells": ["任务编号", "任务名称", "牵头单位", "完成时限", "2026-06", "2026-10"]},
        {"row": 2, "cells": ["T1", "重点项目开工", "yz", "2026-10-31", 50, "100%；提前完成"]}]}
    preview = tasks("import_ledger", ledger, ADMIN, dry_run=True)
    assert preview["errors"] == []
    assert [f["field"] for f in preview["changed"][0]["fields"]] == ["due_date"]
    tasks("import_ledger", ledger, ADMIN, token=preview["token"], reason="提前完成")
    task = tasks("get_task", "T1", ADMIN)
    assert task["due_date"] == "2026-10-31"
    assert [(t["due_date"], t["planned_percent"]) for t in task["targets"]] == [
        ("2026-06-30", 50.0), ("2026-10-31", 100.0)]


def test_a_ledger_cannot_rewrite_the_past_or_a_finished_task(tasks):
    seed(tasks)
    past = tasks("import_ledger", sheet(
        [1, "T1", "重点项目开工", "产业项目", "袁州区", "市发展改革委", "2026-12-31",
         None, None, "60%", "100%"]), ADMIN, dry_run=True)
    assert [(e["row"], e["column"], e["code"]) for e in past["errors"]] == [
        (3, "J", "plan_past_changed")]
    moved_early = tasks("import_ledger", sheet(
        [1, "T1", "重点项目开工", "产业项目", "袁州区", "市发展改革委", "2026-06-30",
         None, None, 50, None]), ADMIN, dry_run=True)
    assert [e["code"] for e in moved_early["errors"]] == ["plan_needs_future"]
    tasks("cancel_task", "T1", "项目取消", ADMIN)
    finished = tasks("import_ledger", sheet(
        [1, "T1", "重点项目开工（已撤销）", "产业项目", "袁州区", "市发展改革委", "2026-12-31",
         None, None, 50, 100]), ADMIN, dry_run=True)
    assert [(e["column"], e["code"]) for e in finished["errors"]] == [("B", "task_finished")]


UNIT_HEADER = ["单位名称", "单位编码", "类型", "上级单位", "负责人", "电话", "邮箱"]


def unit_sheet(*rows):
    return {"rows": [{"row": number, "cells": row}
                     for number, row in enumerate([UNIT_HEADER, *rows], start=1)],
            "year": None}


def test_units_and_their_heads_are_imported(tasks):
    seed(tasks)
    units = unit_sheet(["袁州区农业农村局", "yz-ny", "部门", "袁州区新区", "赵六", 13800000009,
                        None],
                       ["袁州区新区", "yz-x", "县区", "city", None, None, None],
                       ["樟树市", "zs", "县区", "市抓落实办", None, None, None])
    preview = tasks("import_units", units, ADMIN, dry_run=True)
    assert preview["errors"] == []
    assert [unit["code"] for unit in preview["new"]] == ["yz-x", "yz-ny"]
    assert (preview["changed"], preview["unchanged"]) == ([], 1)
    tasks.tap.take(5)
    done = tasks("import_units", units, ADMIN, token=preview["token"])
    assert done["created"] == 2
    assert tasks("get_unit", "yz-ny", ADMIN)["head"] == {
        "name": "赵六", "phone": "13800000009", "email": None}
    assert tasks("get_unit", "yz-ny", ADMIN)["parent"] == "yz-x"
    assert [kind for kind, _ in tasks.tap.take(2)] == ["unit_created"] * 2
    taken = tasks("import_units", unit_sheet(["樟树市", "zs2", "县区", None, None, None, None]),
                  ADMIN)
    assert [error["code"] for error in taken["errors"]] == ["unit_name_taken"]
    changed = tasks("import_units", unit_sheet(
        ["袁州区", "yz", "县区", "city", "李四", "13900000000", "ls@example.cn"]),
        ADMIN, dry_run=True)
    assert changed["changed"][0]["fields"][0]["to"] == {
        "name": "李四", "phone": "13900000000", "email": "ls@example.cn"}
    tasks("import_units", unit_sheet(
        ["袁州区", "yz", "县区", "city", "李四", "13900000000", "ls@example.cn"]),
        ADMIN, token=changed["token"])
    assert tasks("get_unit", "yz", ADMIN)["head"] == {
        "name": "李四", "phone": "13900000000", "email": "ls@example.cn"}
    assert [kind for kind, _ in tasks.tap.take(1)] == ["unit_updated"]


def test_titles_are_searched_by_words_with_the_other_filters(tasks, db_backend):
    seed(tasks)
    for code, title, lead in (("T2", "城市快速路一期工程", "yz"),
                              ("T3", "快速路二期 100%_完成", "zs"),
                              ("T4", "Smart City 平台", "zs")):
        tasks("create_task", {"code": code, "title": title, "lead_unit": lead,
                              "start_date": "2026-01-01", "due_date": "2026-12-31"}, ADMIN)

    def found(**filters):
        return [task["code"] for task in tasks("list_tasks", ADMIN, **filters)["items"]]

    assert found(q="快速路") == ["T2", "T3"]
    assert found(q="快速路 一期") == ["T2"]
    assert found(q="快速路", unit="zs") == ["T3"]
    assert found(q="100%_") == ["T3"]  # the wildcards of LIKE are letters here
    assert found(q="0%") == ["T3"] and found(q="_") == ["T3"]
    assert found(q="smart city") == ["T4"]  # Latin letters in either case
    assert found(q="没有") == []
    with pytest.raises(InvalidInput):
        tasks("list_tasks", ADMIN, q="长" * 101)
    if db_backend:
        engine = create_engine(db_backend)
        with engine.connect() as connection:
            assert connection.scalar(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tasks_title_trgm'"
            )).endswith("USING gin (title gin_trgm_ops)")
        engine.dispose()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_a_ledger_of_two_thousand_tasks_by_twelve_months_imports_in_one_file(
        tasks, monkeypatch):
    # Stored in slices that do not divide the file, as a city's ledger is.
    monkeypatch.setattr(repository, "INSERT_SLICE", 700)
    seed(tasks)
    header = ["序号", "任务编号", "任务名称", "牵头单位", "责任单位", "完成时限",
              *(f"{month}月" for month in range(1, 13))]
    rows = [["2026年重点任务清单"], header]
    for number in range(1, 2001):
        rows.append([number, f"B-{number:04d}", f"第{number}项重点任务",
                     "袁州区" if number % 2 else "zs", "市发展改革委", "2026-12-31",
                     *(f"{round(month * 100 / 12, 1)}%；第{month}月节点"
                       for month in range(1, 13))])
    ledger = {"rows": [{"row": n, "cells": row} for n, row in enumerate(rows, start=1)],
              "year": None}
    started = time.monotonic()
    preview = tasks("import_ledger", ledger, ADMIN, dry_run=True)
    # The first thousand are listed, in sheet order; all are counted.
    assert (preview["new_total"], preview["changed_total"]) == (2000, 0)
    assert [task["row"] for task in preview["new"]] == list(range(3, 1003))
    # The token stands for every task, listed or not: the last row's title differs.
    rows[-1][2] = "最后一项任务改了名称"
    assert tasks("import_ledger", ledger, ADMIN, dry_run=True)["token"] != preview["token"]
    rows[-1][2] = "第2000项重点任务"

    done = tasks("import_ledger", ledger, ADMIN, token=preview["token"])
    assert done["errors"] == [] and (done["created"], done["new_total"]) == (2000, 2000)
    assert len(done["new"]) == 1000
    assert tasks("list_tasks", ADMIN, limit=1)["total"] == 2001
    for code in ("B-0001", "B-0700", "B-0701", "B-2000"):
        task = tasks("get_task", code, ADMIN)
        assert (len(task["targets"]), task["cooperating_units"]) == (12, ["fgw"])
    # A generous bound, on two shared cores: the point is one file, in minutes at worst.
    assert time.monotonic() - started < 5 * 60
