"""The ledger's cells read straight from the workbook's XML (gateway/workbook_cells.py)
give what openpyxl's own read-only reading gives, over workbooks of every kind of
cell an office's sheet holds."""
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from gateway.ledger_sheet import MAX_COLUMNS, SheetCellsError, _value, read_rows


def by_openpyxl(content: bytes) -> list[dict]:
    """The rows as the gateway read them with openpyxl's read-only mode."""
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = []
    for number, cells in enumerate(book.worksheets[0].iter_rows(max_col=MAX_COLUMNS), start=1):
        values = [_value(cell.value, lambda cell=cell: getattr(cell, "number_format", None))
                  for cell in cells]
        while values and values[-1] in (None, ""):
            values.pop()
        if values:
            rows.append({"row": getattr(cells[0], "row", None) or number, "cells": values})
    book.close()
    return rows


def saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def every_kind_of_cell(date1904=False) -> bytes:
    book = Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.title = "台账"
    sheet.append(["2026年重点任务清单"])
    sheet.merge_cells("A1:F1")
    sheet.append([])
    sheet.append(["序号", "任务名称", "完成时限", "1月", "说明", "是否", "时间", "金额"])
    sheet.append([1, "建设城市快速路", dt.datetime(2026, 6, 30), 0.3, "  两端空格  ", True,
                  dt.time(9, 30), 1234.5])
    sheet.append([2.0, "x005F_x000D_ 转义", dt.date(2026, 1, 1), "30%；完成立项", "=SUM(1)",
                  False, dt.datetime(2026, 3, 1, 8, 15), -0.0])
    sheet.append([None, None, None, None, None])  # a row of nothing
    sheet.append([3, CellRichText("富", TextBlock(InlineFont(b=True), "文本")),
                  dt.timedelta(hours=36), 1e-7, "#N/A", None, None, 10**15])
    sheet["D4"].number_format = "0%"
    sheet["D7"].number_format = "0.00%"
    sheet["C5"].number_format = 'yyyy"年"m"月"d"日"'
    sheet["C7"].number_format = "[h]:mm:ss"
    sheet["H4"].number_format = "#,##0.00"
    sheet["A20"] = "隔了几行"
    sheet.cell(row=21, column=MAX_COLUMNS, value="最后一列")
    sheet.cell(row=21, column=MAX_COLUMNS + 1, value="超出的列")
    sheet.cell(row=22, column=5, value="中间的格")
    book.create_sheet("第二张表")["A1"] = "不读"
    return saved(book)


def test_every_kind_of_cell_reads_as_openpyxl_reads_it():
    for date1904 in (False, True):
        content = every_kind_of_cell(date1904)
        assert read_rows(content) == by_openpyxl(content)
    rows = read_rows(every_kind_of_cell())
    assert rows[0] == {"row": 1, "cells": ["2026年重点任务清单"]}
    assert rows[2]["cells"][2:6] == ["2026-06-30", "30%", "  两端空格  ", True]
    assert rows[-1] == {"row": 22, "cells": [None, None, None, None, "中间的格"]}


def test_a_ledger_the_export_wrote_reads_as_openpyxl_reads_it():
    from gateway.ledger_sheet import write_ledger
    tasks = [{"code": f"R-{n}", "title": f"第{n}项", "category": "产业", "source": "plan",
              "batch": None, "lead_unit": "fgw", "cooperating_units": ["yz"],
              "responsible_person": "张三", "start_date": "2026-01-01",
              "due_date": "2026-12-31", "status": "active", "percent": n,
              "colour": "green", "reasons": [],
              "targets": [{"due_date": f"2026-{month:02d}-28", "planned_percent": month * 8,
                           "description": "节点" if month % 2 else None}
                          for month in range(1, 13)]} for n in range(1, 40)]
    content = write_ledger(tasks, {"fgw": "市发展改革委", "yz": "袁州区"})
    assert read_rows(content) == by_openpyxl(content)


def test_an_inline_string_a_formula_text_and_a_sheet_without_references():
    # Written by hand as other programs write them: inline strings, a formula's
    # text result, rows and cells without their "r" references (which openpyxl's
    # read-only mode cannot read at all).
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row><c t="inlineStr"><is><t>行内文本</t></is></c><c t="str"><f>A1</f>'
             '<v>公式结果</v></c><c><v>42</v></c></row>'
             '<row><c t="inlineStr"><is><r><t>分</t></r><r><t>段</t></r>'
             '<rPh><t>fen</t></rPh></is></c><c t="b"><v>1</v></c><c t="e"><v>#DIV/0!</v></c>'
             '</row></sheetData></worksheet>')
    content = handmade({"xl/worksheets/sheet1.xml": sheet})
    assert read_rows(content) == [
        {"row": 1, "cells": ["行内文本", "公式结果", 42]},
        {"row": 2, "cells": ["分段", True, "#DIV/0!"]}]


def handmade(parts: dict) -> bytes:
    book = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved(Workbook()))) as source, \
            zipfile.ZipFile(book, "w") as target:
        for item in source.infolist():
            target.writestr(item, parts.get(item.filename, source.read(item.filename)))
    return book.getvalue()


@pytest.mark.parametrize("content", [
    b"not a workbook",
    pytest.param(None, id="a zip without a workbook"),
    pytest.param("<worksheet", id="a sheet that does not parse"),
    pytest.param('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 '<sheetData><row r="1"><c r="A1"><v>NaN</v></c></row></sheetData></worksheet>',
                 id="a number cell that is no number"),
    pytest.param('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 '<sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData>'
                 '</worksheet>', id="a shared string that is not there"),
])
def test_what_is_no_workbook_is_refused_in_words(content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        content = buffer.getvalue()
    elif isinstance(content, str):
        content = handmade({"xl/worksheets/sheet1.xml": content})
    with pytest.raises(SheetCellsError) as refused:
        read_rows(content)
    assert refused.value.errors[0]["code"] == "sheet_unreadable"
    assert not refused.value.errors[0]["reason"].isascii()
