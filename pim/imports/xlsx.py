"""A streaming reader of the rows of an Excel workbook (XLSX), in bounded memory.

openpyxl's read-only mode parses every cell in Python and, for a sheet that records no size
(openpyxl's own write-only mode, which the exports use, records none), reads the whole sheet
once more when the workbook is opened: about 1,100 rows/s for a 36-column sheet on the
benchmark machine. This reader walks each sheet's XML once with lxml's ``iterparse`` (about
four times as fast) and drops every row after it is read, so memory does not grow with the
sheet. openpyxl still supplies the rules it shares with Excel (date formats, the 1900/1904
calendars, shared-formula translation).

Values: text, ``int``/``float``, ``bool``, ``datetime`` for cells styled as dates, the error
text (``#N/A``) for error cells. A formula cell gives its formula (``=1+1``), never the
value a spreadsheet computed for it: the import must not act on what a formula computed.
Parsing is safe: no DTDs, no entity expansion, no network.
"""

import posixpath
import re
import zipfile

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CHUNK = 1 << 20
_DIGITS = "0123456789"
_ROW_ELEMENT = re.compile(rb"<(?:\w+:)?row[\s>]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*[0-9]*:?[A-Z]*([0-9]+)"')


class WorkbookError(Exception):
    """The file is not a workbook this reader can read."""


class UnsafeWorkbook(WorkbookError):
    """A part of the file declares a document type: Excel never writes one, and entity
    declarations are how XML bombs and external-entity reads are built."""


def _checked(stream):
    """``stream`` of an XML part, refused when its prolog declares a document type."""
    head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
    if b"<!DOCTYPE" in head.upper():
        raise UnsafeWorkbook("document type declaration")
    return stream


def _parse(stream):
    """A whole (small) XML part, safely."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(_checked(stream), parser).getroot()


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text_of(element) -> str:
    """The text of a shared or inline string: its runs, without phonetic guides (``rPh``)."""
    if len(element) == 1 and _local(element[0].tag) == "t":
        return element[0].text or ""  # plain text, the usual case
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


class Workbook:
    """The sheets of an XLSX file (a binary file object, kept open by the caller)."""

    def __init__(self, fileobj):
        try:
            self._zip = zipfile.ZipFile(fileobj)
            names = set(self._zip.namelist())
            with self._zip.open("xl/workbook.xml") as stream:
                workbook = _parse(stream)
            targets = {}
            if "xl/_rels/workbook.xml.rels" in names:
                with self._zip.open("xl/_rels/workbook.xml.rels") as stream:
                    for rel in _parse(stream):
                        targets[rel.get("Id")] = self._member(rel.get("Target") or "")
        except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError, ValueError) as exc:
            raise WorkbookError(str(exc)) from exc
        self.sheets: list[tuple[str, str]] = []  # (title, member path)
        self.calendar = CALENDAR_WINDOWS_1900
        for element in workbook.iter():
            name = _local(element.tag)
            if name == "workbookPr" and element.get("date1904") in ("1", "true"):
                self.calendar = CALENDAR_MAC_1904
            elif name == "sheet":
                path = targets.get(element.get(_REL))
                if path in names:
                    self.sheets.append((element.get("name") or "", path))
        self._names = names
        self._strings: list[str] | None = None
        self._date_styles: set[int] | None = None

    @staticmethod
    def _member(target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join("xl", target))

    def close(self) -> None:
        self._zip.close()

    # -- parts read once ---------------------------------------------------------------------
    def _shared_strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            path = next((n for n in self._names if n.lower() == "xl/sharedstrings.xml"), None)
            if path:
                with self._zip.open(path) as stream:
                    for _event, element in etree.iterparse(
                        _checked(stream),
                        events=("end",),
                        tag="{*}si",
                        resolve_entities=False,
                        no_network=True,
                        load_dtd=False,
                    ):
                        self._strings.append(_text_of(element))
                        element.clear()
        return self._strings

    def _dates(self) -> set[int]:
        """Indexes of the cell styles whose number format shows a date."""
        if self._date_styles is None:
            self._date_styles = set()
            if "xl/styles.xml" in self._names:
                with self._zip.open("xl/styles.xml") as stream:
                    styles = _parse(stream)
                formats = dict(BUILTIN_FORMATS)
                for element in styles.iter("{*}numFmt"):
                    formats[int(element.get("numFmtId", -1))] = element.get("formatCode") or ""
                for cell_formats in styles.iter("{*}cellXfs"):
                    for index, xf in enumerate(x for x in cell_formats if _local(x.tag) == "xf"):
                        code = formats.get(int(xf.get("numFmtId", 0)), "")
                        if code and is_date_format(code):
                            self._date_styles.add(index)
        return self._date_styles

    # -- rows ----------------------------------------------------------------------------------
    def row_count(self, path: str) -> int | None:
        """The sheet's last row number: from its recorded size, else counted in one streamed
        pass over its XML (nothing is parsed)."""
        with self._zip.open(path) as stream:
            head = stream.read(4096)
        match = _DIMENSION.search(head)
        if match and int(match.group(1)) > 1:
            return int(match.group(1))
        count, tail = 0, b""
        with self._zip.open(path) as stream:
            while chunk := stream.read(_CHUNK):
                buffer = tail + chunk
                # a match wholly inside the tail was counted with the previous chunk
                count += sum(1 for match in _ROW_ELEMENT.finditer(buffer) if match.end() > len(tail))
                tail = buffer[-16:]
        return count

    def rows(self, path: str):
        """(row number, [values]) of each row that has an element in the sheet, in order; a
        row's missing cells are None. Raises :class:`WorkbookError` on damaged XML."""
        strings = self._shared_strings()
        dates = self._dates()
        shared_formulas: dict[str, Translator] = {}
        columns: dict[str, int] = {}
        number = 0
        namespace, tags = None, {}
        try:
            with self._zip.open(path) as stream:
                for _event, row in etree.iterparse(
                    _checked(stream),
                    events=("end",),
                    tag="{*}row",
                    resolve_entities=False,
                    no_network=True,
                    load_dtd=False,
                ):
                    if namespace is None:
                        namespace = row.tag[: row.tag.index("}") + 1] if row.tag.startswith("{") else ""
                        tags = {namespace + "f": "f", namespace + "v": "v", namespace + "is": "is"}
                    number = int(row.get("r") or number + 1)
                    values = []
                    for cell in row:
                        ref = cell.get("r")
                        if ref:
                            letters = ref.rstrip(_DIGITS)
                            index = columns.get(letters)
                            if index is None:
                                index = columns[letters] = column_index_from_string(letters) - 1
                            if index > len(values):
                                values.extend([None] * (index - len(values)))
                        values.append(self._value(cell, ref, tags, strings, dates, shared_formulas))
                    yield number, values
                    # Drop what was read: memory stays that of one row.
                    row.clear()
                    while row.getprevious() is not None:
                        del row.getparent()[0]
        except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError, IndexError) as exc:
            raise WorkbookError(str(exc)) from exc

    def _value(self, cell, ref, tags, strings, dates, shared_formulas):
        kind = cell.get("t")
        raw = None
        for child in cell:
            name = tags.get(child.tag)
            if name == "f":
                return self._formula(child, ref, shared_formulas)
            if name == "v":
                raw = child.text
            elif name == "is":
                return _text_of(child)
        if raw is None:
            return None
        if kind == "s":
            return strings[int(raw)]
        if kind in ("str", "e", "inlineStr"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return raw
        number = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        style = cell.get("s")
        if style is not None and int(style) in dates:
            try:
                return from_excel(number, self.calendar)
            except (ValueError, OverflowError):
                return number
        return number

    @staticmethod
    def _formula(element, ref, shared_formulas) -> str:
        """The formula's text (``=A1*2``); a shared formula's other cells get it translated to
        their place, as Excel shows it there."""
        text = "=" + (element.text or "")
        if element.get("t") == "shared":
            key = element.get("si") or ""
            if element.text:
                if ref:
                    shared_formulas[key] = Translator(text, origin=ref)
            elif key in shared_formulas and ref:
                return shared_formulas[key].translate_formula(ref)
        return text
