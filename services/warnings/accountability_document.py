"""An accountability record as a Word document (.docx), for the office's filing:
the ground, the questions asked, the measures with their dates and results, and
the unit's rectification plan with its deadline. Dates in Chinese."""
import datetime as dt
import io

from docx import Document
from docx.shared import Pt

from services.common import dates


def chinese_date(value):
    """2026年12月5日 from YYYY-MM-DD (or a moment); "—" for nothing."""
    if not value:
        return "—"
    return dates.chinese_date(dt.date.fromisoformat(str(value)[:10]))


def render_docx(record, unit_name):
    """The record (as get_accountability_record answers it) as .docx bytes."""
    document = Document()
    style = document.styles["Normal"]
    style.font.size = Pt(12)
    document.add_heading("“三问”问责记录", level=1)
    document.add_paragraph(f"编号：问〔{record['opened_on'][:4]}〕{record['id']}号")
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in (
        ("责任单位", unit_name),
        ("立案依据", f"{record['ground_name']}：{record['ground_detail']}"),
        ("所问事项", "、".join(record["question_names"])),
        ("立案日期", chinese_date(record["opened_on"])),
        ("当前状态", record["status_name"]),
        ("整改时限", chinese_date(record["plan_deadline"])),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_heading("一、问题摘要", level=2)
    document.add_paragraph(record["summary"])
    document.add_heading("二、采取的措施", level=2)
    if record["measures"]:
        measures = document.add_table(rows=1, cols=3)
        measures.style = "Table Grid"
        for cell, text in zip(measures.rows[0].cells, ("措施", "日期", "结果"), strict=True):
            cell.text = text
        for measure in record["measures"]:
            cells = measures.add_row().cells
            cells[0].text = measure["kind_name"]
            cells[1].text = chinese_date(measure["taken_on"])
            cells[2].text = measure["result"]
    else:
        document.add_paragraph("尚未采取措施。")
    document.add_heading("三、整改方案", level=2)
    document.add_paragraph(record["plan"] or "单位尚未报送整改方案。")
    if record["close_note"] or record["closed_at"]:
        document.add_heading("四、办结情况", level=2)
        document.add_paragraph(f"{chinese_date(record['closed_at'])}　{record['status_name']}"
                               + (f"：{record['close_note']}" if record["close_note"] else ""))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
