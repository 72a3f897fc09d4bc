"""The cells of an .xlsx workbook's first sheet, read straight from its XML.

openpyxl's read-only mode, which reads the other spreadsheets, took some 5 s over
a city's ledger (20,000 rows, 400,000 cells): it parses the whole sheet once to
size it, makes an object of every shared string and a cell object of every cell.
This reads the parts a ledger needs (the first worksheet, the shared strings, the
cells' number formats and the workbook's date system) with lxml, one row at a time,
and gives each value as openpyxl's read-only mode does with `data_only`: text,
numbers, booleans, dates and times where the cell's format is a date's, and a
formula's last computed value. tests/logic/test_workbook_cells.py holds it to
openpyxl's own reading.
"""
import io
import posixpath
import zipfile

from lxml import etree
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601
from openpyxl.worksheet._reader import _cast_number

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _RUN, _SI = (
    f"{_MAIN}{tag}" for tag in ("row", "c", "v", "is", "t", "r", "si"))
_DIGITS = "0123456789"
# Errors of a workbook that is not one: a member missing, XML that does not
# parse, an attribute or index that makes no sense.
UNREADABLE = (zipfile.BadZipFile, KeyError, IndexError, ValueError, etree.XMLSyntaxError)


def _text(node) -> str:
    """A string item's text as openpyxl gives it: its plain text and its runs'
    text, without the phonetic guide (rPh)."""
    plain = node.find(_TEXT)
    parts = [plain.text or ""] if plain is not None else []
    parts.extend(run.findtext(_TEXT) or "" for run in node.iterfind(_RUN)
                 if run.find(_TEXT) is not None)
    return "".join(parts)


class Workbook:
    """An .xlsx in memory: where its first sheet is, its shared strings, and the
    number format of each cell style."""

    def __init__(self, content: bytes):
        self.archive = zipfile.ZipFile(io.BytesIO(content))
        (book,) = [path for kind, path in self._relations("", "_rels/.rels")
                   if kind.endswith("/officeDocument")][:1]
        root = etree.fromstring(self.archive.read(book))
        properties = root.find(f"{_MAIN}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        folder = posixpath.dirname(book)
        parts = dict(self._relations_by_id(folder, posixpath.join(
            folder, "_rels", posixpath.basename(book) + ".rels")))
        sheets = [parts[sheet.get(_R_ID)] for sheet in root.iter(f"{_MAIN}sheet")]
        worksheets = [path for kind, path in sheets if kind.endswith("/worksheet")]
        self.sheet = worksheets[0]
        by_kind = {kind.rsplit("/", 1)[-1]: path for kind, path in parts.values()}
        self.strings = self._shared_strings(by_kind.get("sharedStrings"))
        self.formats = self._cell_formats(by_kind.get("styles"))
        self.dates = {style for style, code in enumerate(self.formats) if is_date_format(code)}
        self.durations = {style for style, code in enumerate(self.formats)
                          if is_timedelta_format(code)}

    def close(self):
        self.archive.close()

    def _relations_by_id(self, folder, path):
        if path not in self.archive.namelist():
            return
        for relation in etree.fromstring(self.archive.read(path)).iter(f"{_RELS}Relationship"):
            target = relation.get("Target")
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            yield relation.get("Id"), (relation.get("Type") or "", target)

    def _relations(self, folder, path):
        return [found for _id, found in self._relations_by_id(folder, path)]

    def _shared_strings(self, path) -> list[str]:
        if path is None:
            return []
        strings = []
        with self.archive.open(path) as source:
            for _event, item in etree.iterparse(source, tag=_SI):
                strings.append(_text(item).replace("x005F_", ""))
                item.clear()
        return strings

    def _cell_formats(self, path) -> list[str | None]:
        """Each cell style's number format code, by style index."""
        if path is None:
            return []
        root = etree.fromstring(self.archive.read(path))
        custom = {int(found.get("numFmtId")): found.get("formatCode")
                  for found in root.iter(f"{_MAIN}numFmt")}
        styles = root.find(f"{_MAIN}cellXfs")
        if styles is None:
            return []
        codes = []
        for style in styles.iterfind(f"{_MAIN}xf"):
            number = int(style.get("numFmtId") or 0)
            codes.append(custom[number] if number in custom else builtin_format_code(number))
        return codes

    def rows(self, max_columns: int):
        """(sheet row number, [(column number, value, style)]) of each row in the
        first sheet, its cells in the first `max_columns` columns that hold a
        value. What has been read is let go: the sheet is never held whole."""
        with self.archive.open(self.sheet) as source:
            number = 0
            for _event, row in etree.iterparse(source, tag=_ROW):
                number = int(row.get("r") or number + 1)
                cells, column = [], 0
                for cell in row.iterchildren(_CELL):
                    reference = cell.get("r")
                    column = (column_index_from_string(reference.rstrip(_DIGITS))
                              if reference else column + 1)
                    if column > max_columns:
                        break
                    style = int(cell.get("s") or 0)
                    value = self._value(cell, style)
                    if value is not None:
                        cells.append((column, value, style))
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                yield number, cells

    def number_format(self, style: int) -> str:
        code = self.formats[style] if style < len(self.formats) else None
        return code or "General"

    def _value(self, cell, style):
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(_INLINE)
            return None if inline is None else _text(inline)
        value = cell.findtext(_VALUE) or None
        if value is None:
            return None
        if kind == "n":
            value = _cast_number(value)
            if style in self.dates:
                try:
                    return from_excel(value, self.epoch, timedelta=style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # as openpyxl reads a date out of its range
            return value
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # "str" (a formula's text) and "e" (an error such as #N/A)
