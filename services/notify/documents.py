"""The weekly bulletin (落实事项专报) as documents an office issues: HTML for e-mail
and the portal's preview, PDF for download and attachment, Word (.docx) for an
office that edits before it signs. All are drawn from the summary that
logic.bulletin_summary answers, under the red header of logic.bulletin_heading:
the masthead, 第N期, the issuing office and the date of issue, and a red rule.

The PDF embeds a Chinese TrueType font: LUOSHI_PDF_FONT (a .ttf or .ttc path),
else the first of FONT_CANDIDATES present (Debian's fonts-wqy-microhei or
fonts-wqy-zenhei, which scripts/setup.sh installs when run as root). Without one
it falls back to reportlab's built-in STSong-Light, which PDF readers draw from
their own Chinese fonts instead of embedding it.
"""
import datetime as dt
import io
import os
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from jinja2 import select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .logic import chinese_date, section_number

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT_NAME = "LuoshiCJK"

_HTML = SandboxedEnvironment(autoescape=select_autoescape(default=True)).from_string("""\
<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>落实事项专报{{ " " + h.issue if h.issue -}}
（{{ s.week_start_words }}至{{ s.week_end_words }}）</title>
<style>
body{font-family:"FangSong","STFangsong","Microsoft YaHei","PingFang SC",
"WenQuanYi Micro Hei",sans-serif;margin:2em auto;max-width:60em;line-height:1.7}
.masthead{color:#c00000;text-align:center;font-size:2.2em;font-weight:bold;
letter-spacing:.3em;margin:.2em 0}
.issue{text-align:center;margin:.2em 0}
.byline{display:flex;justify-content:space-between;margin:.4em 0 0}
.rule{border:0;border-top:3px solid #c00000;margin:.3em 0 1.2em}
h2{font-size:1.15em;margin:1.2em 0 .3em} h3{font-size:1em;margin:.8em 0 .2em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}
th,td{border:1px solid #999;padding:4px 8px;text-align:left} th{background:#eee}
td.n{text-align:right}.empty{color:#666}.draft{color:#c00000;text-align:center}
</style></head><body>
<div class="masthead">落实事项专报</div>
<p class="issue">{{ h.issue }}</p>
<div class="byline"><span>{{ h.issuer }}</span><span>{{ h.date }}</span></div>
<hr class="rule">
<p>统计时段：{{ s.week_start_words }}至{{ s.week_end_words }}</p>
{% set ns = namespace(n=0) %}
<h2>{{ numbers[ns.n] }}、总体情况</h2>{% set ns.n = ns.n + 1 %}
{% if s.overview %}<p>{{ s.overview.text }}{{ line }}</p>
{% for group in s.overview.groups if group.rows %}
<h3>{{ group.label }}亮灯情况（截至{{ s.overview.as_of_words }}）</h3>
<table><tr><th>序号</th><th>单位</th><th>在办任务</th><th>绿灯</th><th>黄灯</th><th>红灯</th>
<th>红灯占比</th></tr>
{% for row in group.rows %}<tr><td>{{ loop.index }}</td><td>{{ row.unit_name }}</td>
<td class="n">{{ row.total }}</td><td class="n">{{ row.green }}</td>
<td class="n">{{ row.yellow }}</td><td class="n">{{ row.red }}</td>
<td class="n">{{ row.red_share }}%</td></tr>
{% endfor %}</table>
{% endfor %}
{% if s.overview.worst %}<h3>亮红灯最久的事项</h3>
<table><tr><th>序号</th><th>任务</th><th>牵头单位</th><th>亮红灯天数</th><th>原因</th></tr>
{% for row in s.overview.worst %}<tr><td>{{ loop.index }}</td><td>{{ row.name }}</td>
<td>{{ row.unit_name }}</td>
<td class="n">{{ row.days_red }}</td><td>{{ row.reason }}</td></tr>
{% endfor %}</table>{% endif %}
{% else %}<p>{{ line }}</p>
<p class="empty">亮灯统计暂不可用，总体情况未能生成。</p>{% endif %}
{% for section in s.sections %}
<h2>{{ numbers[ns.n] }}、{{ section.title }}</h2>{% set ns.n = ns.n + 1 %}
{% if section.summary %}<p>{{ section.summary }}</p>{% endif %}
{% if section.rows %}
<table><tr><th>序号</th><th>日期</th><th>单位</th><th>任务</th><th>情况</th></tr>
{% for row in section.rows %}
<tr><td>{{ loop.index }}</td><td>{{ row.day_words }}</td><td>{{ row.unit_name or "" }}</td>
<td>{{ row.name }}</td><td>{{ row.detail }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">{{ section.empty }}</p>{% endif %}
{% endfor %}
</body></html>
""")


def _words(summary):
    """The summary as every document prints it: its dates in Chinese, and each
    row with `day_words` (its day in Chinese) and `name` (its task's title)."""
    overview = summary.get("overview")
    if overview:
        overview = {**overview, "worst": [_row_words(row) for row in overview["worst"]]}
    return {**summary, "overview": overview,
            "sections": [{**section, "rows": [_row_words(row) for row in section["rows"]]}
                         for section in summary["sections"]],
            "week_start_words": chinese_date(dt.date.fromisoformat(summary["week_start"])),
            "week_end_words": chinese_date(dt.date.fromisoformat(summary["week_end"]))}


def _row_words(row):
    # Rows drawn up before they carried a title name their task in `task`.
    named = {**row, "name": row.get("title") or row.get("task") or ""}
    if row.get("day"):
        named["day_words"] = chinese_date(dt.date.fromisoformat(row["day"]))
    return named


def render_html(summary, heading):
    """The bulletin as an HTML page (text), under its red header (`heading`:
    logic.bulletin_heading)."""
    words = _words(summary)
    return _HTML.render(s=words, h=heading, line=_week_line(summary),
                        numbers=[section_number(index) for index in range(20)])


def _numbered(summary):
    """(number, title, kind, content) of every part in print order: the overall
    picture first, then the sections. `summary` as _words answers it."""
    parts = [("总体情况", "overview", summary.get("overview"))]
    parts += [(section["title"], "section", section) for section in summary["sections"]]
    return [(section_number(index), *part) for index, part in enumerate(parts)]


def _week_line(summary):
    counts = summary["counts"]
    # Bulletins drawn up before reminders existed have no count of them.
    reminded = f"，发送到期提醒{counts['reminders']}条" if "reminders" in counts else ""
    return (f"本周新增红色预警{counts['red']}项，督办单逾期{counts['overdue']}件，"
            f"办结{counts['closed']}项{reminded}。")


def _overview_lines(summary):
    overview = summary.get("overview")
    return (overview["text"] if overview else "") + _week_line(summary)


GROUP_HEADER = ("序号", "单位", "在办任务", "绿灯", "黄灯", "红灯", "红灯占比")
WORST_HEADER = ("序号", "任务", "牵头单位", "亮红灯天数", "原因")
ROW_HEADER = ("序号", "日期", "单位", "任务", "情况")


def _group_title(group, overview):
    return f"{group['label']}亮灯情况（截至{overview['as_of_words']}）"


def _group_rows(group):
    return [(index, row["unit_name"], row["total"], row["green"], row["yellow"], row["red"],
             f"{row['red_share']}%") for index, row in enumerate(group["rows"], 1)]


def _worst_rows(overview):
    return [(index, row["name"], row["unit_name"], row["days_red"], row["reason"])
            for index, row in enumerate(overview["worst"], 1)]


def _section_rows(section):
    return [(index, row["day_words"], row["unit_name"], row["name"], row["detail"])
            for index, row in enumerate(section["rows"], 1)]


def _font(config):
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    configured = (config or {}).get("LUOSHI_PDF_FONT")
    for path in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if path and Path(path).is_file():
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
            return FONT_NAME
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def render_pdf(summary, heading, config=None):
    """The bulletin as an A4 PDF (bytes) with a Chinese font, under its red header."""
    font = _font(config or os.environ)
    red = colors.HexColor("#c00000")
    title = ParagraphStyle("title", fontName=font, fontSize=26, leading=34, alignment=1,
                           textColor=red)
    centred = ParagraphStyle("centred", fontName=font, fontSize=11, leading=16, alignment=1)
    heading_style = ParagraphStyle("heading", fontName=font, fontSize=13, leading=20,
                                   spaceBefore=8)
    sub = ParagraphStyle("sub", fontName=font, fontSize=11, leading=17, spaceBefore=4)
    text = ParagraphStyle("text", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    words = _words(summary)
    byline = Table([[Paragraph(escape(heading["issuer"] or ""), text),
                     Paragraph(escape(heading["date"]), ParagraphStyle(
                         "right", parent=text, alignment=2))]],
                   colWidths=[90 * mm, 90 * mm])
    byline.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 2, red),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story = [Paragraph("落实事项专报", title), Paragraph(escape(heading["issue"]), centred),
             Spacer(1, 2 * mm), byline, Spacer(1, 4 * mm),
             Paragraph(escape(f"统计时段：{words['week_start_words']}至{words['week_end_words']}"),
                       text)]

    def grid(header, rows, widths):
        data = [[Paragraph(cell, text) for cell in header]]
        data += [[Paragraph(escape(str(value if value is not None else "")), text)
                  for value in row] for row in rows]
        table = Table(data, colWidths=[width * mm for width in widths], repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return table

    for number, part_title, kind, content in _numbered(words):
        story.append(Paragraph(escape(f"{number}、{part_title}"), heading_style))
        if kind == "overview":
            story.append(Paragraph(escape(_overview_lines(summary)), text))
            for group in (content or {}).get("groups", []):
                if group["rows"]:
                    story.append(Paragraph(escape(_group_title(group, content)), sub))
                    story.append(grid(GROUP_HEADER, _group_rows(group),
                                      (12, 58, 22, 20, 20, 20, 28)))
            if content and content["worst"]:
                story.append(Paragraph("亮红灯最久的事项", sub))
                story.append(grid(WORST_HEADER, _worst_rows(content), (12, 50, 30, 22, 66)))
            continue
        if content.get("summary"):
            story.append(Paragraph(escape(content["summary"]), text))
        if not content["rows"]:
            story.append(Paragraph(escape(content["empty"]), text))
            continue
        # The date column holds 2026年11月30日 on one line; a title may wrap.
        story.append(grid(ROW_HEADER, _section_rows(content), (12, 30, 30, 44, 64)))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="落实事项专报",
                      leftMargin=15 * mm, rightMargin=15 * mm).build(story)
    return buffer.getvalue()


def render_docx(summary, heading):
    """The bulletin as a Word document (.docx bytes), for an office that edits
    before it signs: the same red header, overall picture and sections."""
    words = _words(summary)
    document = Document()
    document.styles["Normal"].font.size = Pt(12)
    red = RGBColor(0xC0, 0x00, 0x00)

    def centred(text, size, bold=False, colour=None):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.font.size, run.bold = Pt(size), bold
        if colour is not None:
            run.font.color.rgb = colour
        return paragraph

    centred("落实事项专报", 26, bold=True, colour=red)
    if heading["issue"]:
        centred(heading["issue"], 14)
    byline = document.add_paragraph()
    byline.add_run(heading["issuer"] or "")
    byline.add_run("\t" + heading["date"])
    byline.paragraph_format.tab_stops.add_tab_stop(Mm(160), WD_TAB_ALIGNMENT.RIGHT)
    _red_rule(byline)
    document.add_paragraph(f"统计时段：{words['week_start_words']}至{words['week_end_words']}")

    def grid(header, rows):
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, value in zip(table.rows[0].cells, header, strict=True):
            cell.text = value
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = str(value if value is not None else "")

    for number, part_title, kind, content in _numbered(words):
        document.add_heading(f"{number}、{part_title}", level=2)
        if kind == "overview":
            document.add_paragraph(_overview_lines(summary))
            for group in (content or {}).get("groups", []):
                if group["rows"]:
                    document.add_heading(_group_title(group, content), level=3)
                    grid(GROUP_HEADER, _group_rows(group))
            if content and content["worst"]:
                document.add_heading("亮红灯最久的事项", level=3)
                grid(WORST_HEADER, _worst_rows(content))
            continue
        if content.get("summary"):
            document.add_paragraph(content["summary"])
        if not content["rows"]:
            document.add_paragraph(content["empty"])
            continue
        grid(ROW_HEADER, _section_rows(content))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _red_rule(paragraph):
    """The red line under the header, as a bottom border of the byline (python-docx
    has no API for paragraph borders: the WordprocessingML element itself)."""
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "1"),
                       ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    properties.append(borders)
