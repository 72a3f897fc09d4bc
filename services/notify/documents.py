"""The weekly bulletin (落实事项专报) as documents: HTML for e-mail and the portal,
PDF for download and attachment. Both are drawn from the summary that
logic.bulletin_summary answers.

The PDF embeds a Chinese TrueType font: LUOSHI_PDF_FONT (a .ttf or .ttc path),
else the first of FONT_CANDIDATES present (Debian's fonts-wqy-microhei or
fonts-wqy-zenhei, which scripts/setup.sh installs when run as root). Without one
it falls back to reportlab's built-in STSong-Light, which PDF readers draw from
their own Chinese fonts instead of embedding it.
"""
import io
import os
from pathlib import Path
from xml.sax.saxutils import escape

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

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT_NAME = "LuoshiCJK"

_HTML = SandboxedEnvironment(autoescape=select_autoescape(default=True)).from_string("""\
<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>落实事项专报（{{ s.week_start }}至{{ s.week_end }}）</title>
<style>
body{font-family:"Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei",sans-serif;margin:2em}
h1{color:#b71c1c;text-align:center} table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border:1px solid #999;padding:4px 8px;text-align:left} th{background:#eee}
.empty{color:#666}
</style></head><body>
<h1>落实事项专报</h1>
<p>统计时段：{{ s.week_start }} 至 {{ s.week_end }}　生成时间：{{ s.generated_at }}</p>
<p>本周新增红色预警 {{ s.counts.red }} 项，督办单逾期 {{ s.counts.overdue }} 件，
办结 {{ s.counts.closed }} 项。</p>
{% for section in s.sections %}
<h2>{{ section.title }}</h2>
{% if section.lead %}<p>{{ section.lead }}</p>{% endif %}
{% if section.rows %}
<table><tr><th>序号</th><th>日期</th><th>单位</th><th>任务</th><th>情况</th></tr>
{% for row in section.rows %}
<tr><td>{{ loop.index }}</td><td>{{ row.day }}</td><td>{{ row.unit_name or "" }}</td>
<td>{{ row.task or "" }}</td><td>{{ row.detail }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">{{ section.empty }}</p>{% endif %}
{% endfor %}
</body></html>
""")


def render_html(summary):
    """The bulletin as an HTML page (text)."""
    return _HTML.render(s=summary)


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


def render_pdf(summary, config=None):
    """The bulletin as an A4 PDF (bytes) with a Chinese font."""
    font = _font(config or os.environ)
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=1,
                           textColor=colors.HexColor("#b71c1c"))
    heading = ParagraphStyle("heading", fontName=font, fontSize=13, leading=20, spaceBefore=8)
    text = ParagraphStyle("text", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    counts = summary["counts"]
    story = [
        Paragraph("落实事项专报", title),
        Paragraph(escape(f"统计时段：{summary['week_start']} 至 {summary['week_end']}　"
                         f"生成时间：{summary['generated_at']}"), text),
        Paragraph(escape(f"本周新增红色预警 {counts['red']} 项，督办单逾期 {counts['overdue']} 件，"
                         f"办结 {counts['closed']} 项。"), text),
        Spacer(1, 4 * mm),
    ]
    for section in summary["sections"]:
        story.append(Paragraph(escape(section["title"]), heading))
        if section.get("lead"):
            story.append(Paragraph(escape(section["lead"]), text))
        if not section["rows"]:
            story.append(Paragraph(escape(section["empty"]), text))
            continue
        data = [[Paragraph(cell, text) for cell in ("序号", "日期", "单位", "任务", "情况")]]
        for index, row in enumerate(section["rows"], 1):
            data.append([Paragraph(escape(str(value or "")), text) for value in (
                index, row["day"], row["unit_name"], row["task"], row["detail"])])
        table = Table(data, colWidths=[12 * mm, 24 * mm, 32 * mm, 32 * mm, 70 * mm],
                      repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="落实事项专报",
                      leftMargin=15 * mm, rightMargin=15 * mm).build(story)
    return buffer.getvalue()
