"""The office's ledger (重点任务清单) and its list of units, read as the gateway
reads a workbook's cells (gateway/ledger_sheet.py) and given their meaning by
the tasks service's rules (services/tasks/ledger.py)."""
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from gateway.ledger_sheet import read_rows, write_ledger
from services.tasks import ledger

UNITS = [{"code": "fgw", "name": "市发展改革委", "kind": "department", "parent": None,
          "head": None},
         {"code": "zjj", "name": "市住建局", "kind": "department", "parent": None,
          "head": {"name": "王五", "phone": "13800000002", "email": None}},
         {"code": "yz", "name": "袁州区", "kind": "county", "parent": None, "head": None}]
HEADER = ["序号", "任务编号", "任务名称", "类别", "来源", "批次", "牵头单位", "责任单位", "责任人",
          "开始时间", "完成时限", "1月", "2月", "3月", "4月", "5月", "6月"]


def workbook(rows, merge=None, percent_cells=()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    for ref in percent_cells:
        sheet[ref].number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(rows, year=None, **options):
    return ledger.read_ledger(read_rows(workbook(rows, **options)), UNITS, year)


def a_row(**changes):
    row = dict(zip(HEADER, [1, "R-1", "建设城市快速路一期", "基础设施", "计划任务", "2026年第一批",
                            "市发展改革委", "市住建局、袁州区", "张三", dt.datetime(2026, 1, 1),
                            dt.datetime(2026, 6, 30), "10%", "20%；完成立项", None, "40",
                            None, "100%；通车"], strict=True))
    row.update(changes)
    return [row[name] for name in HEADER]


def codes(found):
    return [(error["row"], error["column"], error["code"]) for error in found.errors]


def test_a_good_ledger_under_a_merged_title_with_spacer_rows():
    found = read([["2026年重点任务清单"], [], HEADER, [], a_row(), [None] * 5,
                  a_row(**{"序号": 2, "任务编号": None, "任务名称": "优化营商环境",
                           "牵头单位": "zjj", "责任单位": "fgw", "开始时间": None,
                           "1月": None, "2月": None, "4月": None, "6月": None})],
                 merge="A1:Q1")
    assert found.errors == []
    assert found.year == 2026
    first, second = found.tasks
    assert (first.row, second.row) == (5, 7)
    body = first.body
    assert (body["code"], body["title"], body["lead_unit"]) == ("R-1", "建设城市快速路一期", "fgw")
    assert body["cooperating_units"] == ["zjj", "yz"]  # by name, in the ledger's order
    assert (body["category"], body["source"], body["batch"], body["responsible_person"]) == (
        "基础设施", "plan", "2026年第一批", "张三")
    assert [(t["due_date"], t["planned_percent"], t["description"]) for t in body["targets"]] == [
        (dt.date(2026, 1, 31), 10, None), (dt.date(2026, 2, 28), 20, "完成立项"),
        (dt.date(2026, 4, 30), 40, None), (dt.date(2026, 6, 30), 100, "通车")]
    # Units by code too; no start date: the ledger's year from its first day.
    assert second.body["lead_unit"] == "zjj" and second.body["cooperating_units"] == ["fgw"]
    assert second.body["start_date"] == dt.date(2026, 1, 1)
    assert second.generated_code and second.code.startswith("L")


def test_a_generated_code_is_the_same_for_the_same_task():
    rows = [["2026年重点任务清单"], HEADER, a_row(**{"任务编号": None})]
    assert read(rows).tasks[0].code == read(rows).tasks[0].code
    other = read([["2026年重点任务清单"], HEADER,
                  a_row(**{"任务编号": None, "任务名称": "别的任务"})])
    assert other.tasks[0].code != read(rows).tasks[0].code


def test_months_as_year_month_columns_need_no_title():
    header = ["任务名称", "牵头单位", "完成时限", "2026-11", "2026-12", "2027-01"]
    found = read([header, ["跨年任务", "袁州区", "2027-01-31", "30", "60%；主体完工", 100]])
    assert found.errors == []
    assert [t["due_date"] for t in found.tasks[0].body["targets"]] == [
        dt.date(2026, 11, 30), dt.date(2026, 12, 31), dt.date(2027, 1, 31)]
    # A year-month Excel turned into a date is a month all the same.
    dated = read([["任务名称", "牵头单位", "完成时限", dt.datetime(2026, 3, 1)],
                  ["任务", "袁州区", "2026-03-20", "100%"]])
    assert dated.errors == []
    assert dated.tasks[0].body["targets"][0]["due_date"] == dt.date(2026, 3, 20)


def test_months_take_the_year_given_with_the_import():
    header = ["任务名称", "牵头单位", "完成时限", "1月", "2月"]
    found = read([header, ["任务", "袁州区", "2025年2月28日", "50%", "100%"]], year=2025)
    assert found.errors == [] and found.year == 2025
    assert codes(read([header, ["任务", "袁州区", "2025-02-28", "50%", "100%"]])) == [
        (1, "D", "month_year_unknown"), (1, "E", "month_year_unknown")]


def test_a_percentage_formatted_cell_is_read_as_people_see_it():
    found = read([["2026年重点任务清单"], HEADER, a_row(**{"1月": 0.1, "2月": None})],
                 percent_cells=["L3"])
    assert found.errors == []
    assert found.tasks[0].body["targets"][0]["planned_percent"] == 10


def test_every_error_by_row_and_column_in_chinese_and_nothing_read():
    rows = [["2026年重点任务清单"], HEADER,
            a_row(**{"牵头单位": "市不存在局"}),
            a_row(**{"任务编号": "R-2", "责任单位": "市住建局，乙单位", "完成时限": "2026/13/40"}),
            a_row(**{"任务编号": "R-3", "任务名称": None, "来源": "随便", "2月": "完成立项"}),
            a_row(**{"任务编号": "R-4", "4月": "15%"}),
            a_row(**{"任务编号": "R-5", "完成时限": dt.datetime(2026, 4, 30), "6月": "120%"}),
            a_row(**{"任务编号": "R-6"}),
            a_row(**{"任务编号": "R-6"}),
            a_row(**{"任务编号": "坏 编号", "开始时间": "2026-06-01", "完成时限": "2026-03-01"})]
    found = read(rows)
    assert codes(found) == [
        (3, "G", "unknown_unit"),
        (4, "H", "unknown_unit"), (4, "K", "bad_date"),
        (5, "C", "required"), (5, "E", "unknown_source"), (5, "M", "bad_target"),
        (6, "O", "target_goes_back"),
        (7, "Q", "percent_range"),
        (9, "B", "code_twice"),
        (10, "B", "bad_code"), (10, "K", "due_before_start"),
    ]
    assert [task.row for task in found.tasks] == [8]
    by_row = {error["row"]: error for error in found.errors}
    assert by_row[3]["header"] == "牵头单位" and "市不存在局" in by_row[3]["reason"]
    assert "第 8 行" in by_row[9]["reason"]
    assert all(error["reason"] and not error["reason"].isascii() for error in found.errors)


def test_plans_outside_the_task_and_ambiguous_names():
    units = [*UNITS, {"code": "yz2", "name": "袁州区", "kind": "county", "parent": None}]
    rows = read_rows(workbook([["2026年重点任务清单"], HEADER,
                               a_row(**{"牵头单位": "袁州区"}),
                               a_row(**{"任务编号": "R-2", "开始时间": "2026-03-01"}),
                               a_row(**{"任务编号": "R-3", "完成时限": "2026-04-15"})]))
    assert codes(ledger.read_ledger(rows, units)) == [
        (3, "G", "ambiguous_unit"), (3, "H", "ambiguous_unit"),
        (4, "H", "ambiguous_unit"), (4, "L", "target_before_start"),
        (4, "M", "target_before_start"),
        (5, "H", "ambiguous_unit"), (5, "Q", "target_after_due")]


@pytest.mark.parametrize("rows, expected", [
    ([], [(1, None, "sheet_empty")]),
    ([["说明：本表为示例"], ["序号", "名称"]], [(1, None, "header_not_found")]),
    ([["任务名称", "完成时限", "任务名称"]],
     [(1, "C", "header_twice"), (1, None, "header_missing")]),
    ([["任务名称", "牵头单位", "完成时限", "3月", "2026-03"]],
     [(1, "E", "month_twice")]),
    ([["2026年重点任务清单"], HEADER], [(3, None, "no_rows")]),
])
def test_a_sheet_that_is_no_ledger(rows, expected):
    rows = [*rows] if rows else [[None]]
    found = read(rows, year=2026 if rows and rows[0][:1] == ["任务名称"] else None)
    assert codes(found) == expected
    assert found.tasks == []


def test_columns_people_add_are_ignored_and_listed():
    found = read([["2026年重点任务清单"], [*HEADER, "备注", "当前进度"],
                  [*a_row(), "抓紧", "30%"]])
    assert found.errors == []
    assert found.ignored_columns == [{"column": "R", "header": "备注"}]


def test_an_exported_ledger_reads_back_unchanged():
    tasks = [{"code": "R-1", "title": "=SUM(1)", "category": None, "source": "assignment",
              "lead_unit": "fgw", "cooperating_units": ["zjj"], "responsible_person": None,
              "start_date": "2026-02-01", "due_date": "2026-12-15", "status": "active",
              "percent": 20.0, "colour": "red", "colour_reason": "滞后",
              "targets": [{"seq": 1, "due_date": "2026-03-31", "planned_percent": 30.0,
                           "description": "完成立项", "unit": "fgw"},
                          {"seq": 2, "due_date": "2026-12-15", "planned_percent": 100.0,
                           "description": None, "unit": "zjj"}]}]
    content = write_ledger(tasks, {unit["code"]: unit["name"] for unit in UNITS})
    found = ledger.read_ledger(read_rows(content), UNITS)
    assert found.errors == []
    (task,) = found.tasks
    change = ledger.task_changes(task, tasks[0], found.fields, found.has_plan,
                                 ledger.Units(UNITS))
    assert change is None
    assert task.body["title"] == "=SUM(1)"  # written as text, not as a formula


def test_changes_against_the_library_name_fields_and_plans():
    existing = {"code": "R-1", "title": "建设城市快速路一期", "category": "基础设施",
                "source": "plan", "lead_unit": "fgw", "cooperating_units": ["yz", "zjj"],
                "responsible_person": "张三", "start_date": "2026-01-01",
                "due_date": "2026-06-30", "status": "active",
                "targets": [{"due_date": "2026-06-30", "planned_percent": 100.0,
                             "description": "通车", "unit": "zjj"}]}
    found = read([["2026年重点任务清单"], HEADER,
                  a_row(**{"牵头单位": "袁州区", "责任单位": "市住建局、市发展改革委",
                           "1月": None, "2月": None, "4月": None})])
    change = ledger.task_changes(found.tasks[0], existing, found.fields, found.has_plan,
                                 ledger.Units(UNITS))
    assert [(item["field"], item["from_text"], item["to_text"]) for item in change["fields"]] == [
        ("lead_unit", "市发展改革委", "袁州区"),
        ("cooperating_units", "袁州区、市住建局", "市发展改革委、市住建局")]
    assert change["plan"] is None  # the same month and percentage: the plan stands
    replanned = read([["2026年重点任务清单"], HEADER, a_row(**{"6月": "100%；建成通车"})])
    change = ledger.task_changes(replanned.tasks[0], existing, replanned.fields,
                                 replanned.has_plan, ledger.Units(UNITS))
    assert change["plan"]["from"] == [{"month": "2026-06", "planned_percent": 100.0,
                                       "description": "通车"}]
    assert len(change["plan"]["to"]) == 4
    # The new plan keeps the unit of the month it had; a new month is the lead unit's.
    targets = ledger.replanned_targets(replanned.tasks[0], existing)
    assert [(t["due_date"], t["unit"]) for t in targets] == [
        ("2026-01-31", "fgw"), ("2026-02-28", "fgw"), ("2026-04-30", "fgw"),
        ("2026-06-30", "zjj")]


def test_a_ledger_without_a_column_leaves_that_field_alone():
    existing = {"code": "R-1", "title": "任务", "lead_unit": "fgw", "cooperating_units": [],
                "responsible_person": "张三", "category": "x", "source": "assignment",
                "start_date": "2026-01-01", "due_date": "2026-06-30", "status": "active",
                "targets": [{"due_date": "2026-06-30", "planned_percent": 100.0}]}
    found = read([["任务编号", "任务名称", "牵头单位", "完成时限"],
                  ["R-1", "任务", "fgw", "2026-06-30"]], year=2026)
    assert ledger.task_changes(found.tasks[0], existing, found.fields, found.has_plan,
                               ledger.Units(UNITS)) is None


# Units and their heads ---------------------------------------------------------------

UNIT_HEADER = ["单位名称", "单位编码", "类型", "上级单位", "负责人", "电话", "邮箱"]


def test_units_are_read_parents_first_by_name_or_code():
    rows = read_rows(workbook([["单位及负责人名单"], UNIT_HEADER,
                               ["袁州区农业农村局", "yz-ny", "部门", "袁州区新", "赵六",
                                13800000009, "zl@example.cn"],
                               ["袁州区新", "yz-new", "县区", "fgw", None, None, None],
                               ["市住建局", "zjj", "部门", None, "李四", "0795-1234567", None]],
                              merge="A1:G1"))
    found = ledger.read_units(rows, UNITS)
    assert found.errors == []
    assert [unit.body["code"] for unit in found.units] == ["yz-new", "yz-ny", "zjj"]
    assert found.units[1].body == {"code": "yz-ny", "name": "袁州区农业农村局",
                                   "kind": "department", "parent": "yz-new",
                                   "head": {"name": "赵六", "phone": "13800000009",
                                            "email": "zl@example.cn"}}
    change, problems = ledger.unit_changes(found.units[2], UNITS[1], found.fields)
    assert problems == []
    assert change["fields"] == [{"field": "head", "label": "负责人",
                                 "from": {"name": "王五", "phone": "13800000002", "email": None},
                                 "to": {"name": "李四", "phone": "0795-1234567", "email": None}}]


def test_every_unit_error_by_row_and_column():
    rows = read_rows(workbook([UNIT_HEADER,
                               ["甲局", "a", "局", None, None, "123", None],
                               ["乙局", "b c", "部门", "无此单位", "孙七", "12", "bad"],
                               ["丁局", "d", "部门", None, None, None, None],
                               ["丁局", "d2", "部门", None, None, None, None],
                               [None, "e", "部门", "e", None, None, None],
                               ["丙局", "f", "部门", "f", None, None, None]]))
    found = ledger.read_units(rows, UNITS)
    assert codes(found) == [
        (2, "C", "unit_kind"), (2, "E", "head_needed"), (2, "F", "bad_phone"),
        (3, "B", "bad_unit_code"), (3, "F", "bad_phone"), (3, "G", "bad_email"),
        (5, "A", "unit_name_twice"), (6, "A", "required"),
        (7, "D", "parent_is_self")]
    assert [unit.body["code"] for unit in found.units] == ["d"]
    kind_changed = ledger.read_units(read_rows(workbook([UNIT_HEADER,
                                                         ["市住建局", "zjj", "县区"]])), UNITS)
    assert ledger.unit_changes(kind_changed.units[0], UNITS[1], kind_changed.fields)[1][0][
        "code"] == "unit_kind_changed"


def test_a_file_of_two_thousand_tasks_by_twelve_months_reads_whole():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("重点任务清单")
    sheet.append(["2026年重点任务清单"])
    sheet.append(["序号", "任务编号", "任务名称", "牵头单位", "责任单位", "完成时限",
                  *(f"{month}月" for month in range(1, 13))])
    for number in range(1, 2001):
        sheet.append([number, f"B-{number:04d}", f"第{number}项重点任务", "市发展改革委",
                      "市住建局、袁州区", dt.datetime(2026, 12, 31),
                      *(f"{month * 8 + 4}%；第{month}月节点" for month in range(1, 13))])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_rows(buffer.getvalue())
    assert len(rows) == 2002
    found = ledger.read_ledger(rows, UNITS)
    assert found.errors == [] and len(found.tasks) == 2000
    last = found.tasks[-1].body
    assert (last["code"], len(last["targets"]), last["targets"][-1]["planned_percent"]) == (
        "B-2000", 12, 100)
