"""Reading Excel (XLSX) and CSV files into :class:`~pim.imports.records.IncomingProduct`
records, and writing the error file of rejected rows.

- **XLSX** is read row by row by :mod:`pim.imports.xlsx` (memory does not grow with the
  sheet). Formulas are never evaluated: a formula cell arrives as its text (``=1+1``), the
  value a spreadsheet last computed for it is not read, so a text field gets the text and a
  number field reports "not a number".
- **CSV**: the encoding is the user's choice or detected (a byte order mark; else UTF-8 when the
  whole file is valid UTF-8; else Windows-1252, what Excel writes on a German or English
  Windows), the delimiter is the user's choice or sniffed from the header row (``,`` ``;``
  TAB; Excel's ``sep=`` line). Each cell loses one leading apostrophe: the mark the project's
  exports put before text a spreadsheet would run (:func:`pim.exports.spreadsheets.text_from_csv`).
  Cells stay text: ``1,5`` from a German CSV is parsed as a number by the catalog (its
  number parser reads decimal commas), so the reader never guesses a number's locale.

Cells keep their value as the file gives it (text, or the typed cell of an XLSX); an empty
cell is ``None`` ("clear it"); a field the file has no column for is absent ("keep it").
Columns are named by :mod:`pim.imports.columns` (the machine layout or a saved mapping).
Blank rows are skipped; row numbers are the spreadsheet's (the header is row 1).
"""

import codecs
import csv
import io
import os
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePath

from django.utils.translation import gettext as _
from openpyxl import Workbook

from pim.exports.layout import LIST_SEPARATOR
from pim.exports.spreadsheets import csv_text, text_from_csv, xlsx_text

from . import read_ahead
from .columns import ERROR_COLUMN, ColumnPlan, Target, plan_columns
from .records import (
    ERROR,
    WARNING,
    IncomingPackingUnit,
    IncomingPrice,
    IncomingProduct,
    Location,
    Problem,
    Raw,
)
from .xlsx import UnsafeWorkbook, WorkbookError
from .xlsx import Workbook as XlsxWorkbook

XLSX_EXTENSIONS = (".xlsx", ".xlsm")
CSV_DELIMITERS = (";", ",", "\t")
ACTIONS = ("new", "update", "delete")
_CHUNK = 1 << 20
_SNIFF_CHARS = 1 << 16


def is_xlsx_name(name: str) -> bool:
    """Whether a file name says Excel workbook (what the error file is written as, too)."""
    return PurePath(name or "").suffix.lower() in XLSX_EXTENSIONS


def open_tabular(fileobj, *, name, encoding="", delimiter="", sheet="", mapping=None) -> "TabularSource":
    """A reader of an XLSX or CSV file (a binary file object or a path).

    ``name``: the file's name (its extension tells XLSX from CSV; without one the content
    does). ``encoding``/``delimiter`` (CSV) and ``sheet`` (XLSX): "" detects / takes the first
    sheet. ``mapping``: an :class:`~pim.imports.models.ImportMapping` for a foreign layout.
    Never raises for what is in the file: problems are in :attr:`TabularSource.problems`
    (complete once the rows are read; a file with an error there yields no rows).
    """
    if isinstance(fileobj, str | os.PathLike):
        handle = open(fileobj, "rb")  # noqa: SIM115 - closed with the source
        return _open(
            handle,
            name=name or Path(fileobj).name,
            owned=True,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            mapping=mapping,
        )
    return _open(
        fileobj, name=name, owned=False, encoding=encoding, delimiter=delimiter, sheet=sheet, mapping=mapping
    )


def _open(handle, *, name, owned, encoding, delimiter, sheet, mapping):
    start = handle.read(8)
    handle.seek(0)
    if isinstance(start, str):
        raise TypeError("open_tabular reads binary files: open the file with 'rb'")
    suffix = PurePath(name or "").suffix.lower()
    if start.startswith(b"PK\x03\x04") or suffix in XLSX_EXTENSIONS:
        source = XlsxSource(handle, name=name, sheet=sheet, mapping=mapping)
    elif start.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        source = TabularSource(name=name)
        source.fail(
            _(
                "This is an Excel 97–2003 workbook (.xls), which the import does not read. Open it in "
                "Excel and save it as “Excel Workbook (.xlsx)” or as CSV."
            )
        )
    else:
        source = CsvSource(handle, name=name, encoding=encoding, delimiter=delimiter, mapping=mapping)
    source._owned = handle if owned else None
    return source


class TabularSource:
    """Products of a spreadsheet, one per data row (iterate it once).

    ``headers``: the header row as text; ``total_rows``: a cheap estimate of the data rows
    (None when unknown); ``problems``: file-level :class:`Problem` s (unknown columns,
    an unreadable encoding…), appended to while reading; ``format``: ``"xlsx"`` or
    ``"csv"``; ``encoding``/``delimiter``: what a CSV was read with (for the error file)."""

    format = ""

    def __init__(self, *, name: str, mapping=None):
        self.name = name
        self.mapping = mapping
        self.headers: list[str] = []
        self.total_rows: int | None = None
        self.problems: list[Problem] = []
        self.sheet_name = ""
        self.encoding = ""
        self.delimiter = ""
        self.plan: ColumnPlan | None = None
        self._owned = None
        self._readable = True

    # -- protocol ------------------------------------------------------------------------
    def __iter__(self):
        if not self._readable or self.plan is None:
            return
        reader = _RowReader(self)
        try:
            for number, cells in self._data_rows():
                product = reader.product(number, cells)
                if product is not None:
                    yield product
        finally:
            self.close()

    def close(self) -> None:
        """Release the file (also done when the rows are read to the end)."""
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(header, target in the mapping grammar or "" for an ignored column) per column: what
        the admin's mapping step starts from."""
        targets = self.plan.targets if self.plan else []
        return [
            (header, target.mapping_target() if target else "")
            for header, target in zip(self.headers, targets, strict=False)
        ]

    def write_error_file(self, stream, rejected) -> str:
        """:func:`write_error_file` for this file's rows, in its format and encoding."""
        return write_error_file(
            stream, self.headers, rejected, name=self.name, encoding=self.encoding, delimiter=self.delimiter
        )

    # -- for the readers -----------------------------------------------------------------
    def fail(self, message: str, *, row=None, column="", value="") -> None:
        """A file-level error: the file (from here on) cannot be read."""
        self.problems.append(
            Problem(
                message,
                Location(file=self.name, sheet=self.sheet_name, row=row, column=column),
                ERROR,
                value=str(value),
            )
        )
        self._readable = False

    def _data_rows(self):
        return iter(())

    def _set_headers(self, row_number: int, cells: list) -> None:
        headers = [_header_text(cell) for cell in cells]
        while headers and not headers[-1]:
            headers.pop()
        self.headers = headers
        self.plan = plan_columns(
            headers, mapping=self.mapping, sheet=self.sheet_name, file=self.name, row=row_number
        )
        self.problems.extend(self.plan.problems)
        if self.plan.has_errors:
            self._readable = False

    def _no_header(self) -> None:
        self.fail(
            _(
                "The file is empty: it needs a header row (article_number, name (de)…, as the CSV/XLSX "
                "export writes it) and one row per product."
            )
        )


def _header_text(cell) -> str:
    if cell is None:
        return ""
    return _cell_text(cell).strip()


def _cell_text(value) -> str:
    """A cell as text: numbers without a spreadsheet's ``.0`` (a GTIN typed as a number is
    ``4006381333931``, not ``4006381333931.0``), dates as ISO dates."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# -- XLSX ------------------------------------------------------------------------------------


class XlsxSource(TabularSource):
    format = "xlsx"

    def __init__(self, handle, *, name, sheet="", mapping=None):
        super().__init__(name=name, mapping=mapping)
        self._workbook = None
        self._rows = None
        try:
            self._workbook = XlsxWorkbook(handle)
        except UnsafeWorkbook:
            self._refuse_unsafe()
            return
        except WorkbookError:
            self.fail(
                _(
                    "The file cannot be read as an Excel workbook (.xlsx): it is damaged or another "
                    "format. Save it again from Excel as “Excel Workbook (.xlsx)” or as CSV."
                )
            )
            return
        sheets = self._workbook.sheets
        if sheet:
            path = next((path for title, path in sheets if title == sheet), None)
            if path is None:
                self.fail(
                    _("The workbook has no sheet “%(sheet)s”. Its sheets: %(sheets)s.")
                    % {"sheet": sheet, "sheets": ", ".join(title for title, _path in sheets)}
                )
                return
        elif sheets:
            sheet, path = sheets[0]
        else:
            self._no_header()
            return
        self.sheet_name = sheet
        try:
            rows = self._workbook.row_count(path)
        except (OSError, zipfile.BadZipFile):
            rows = None  # only an estimate: reading the rows reports the damage
        if rows:
            self.total_rows = max(rows - 1, 0)
        rows = self._workbook.rows(path)
        self._rows = self._guarded(rows)
        for number, cells in self._rows:
            if not _blank_row(cells):
                self._set_headers(number, cells)
                break
        else:
            if self._readable:
                self._no_header()
            return
        if self._readable and read_ahead.available(self.total_rows):
            # The data rows are parsed by a second process while this one plans them. The
            # header's reader is kept: discarding it would close ``rows`` before the fork.
            self._header_rows = self._rows
            self._rows = self._guarded(read_ahead.read_ahead(rows))

    def _refuse_unsafe(self) -> None:
        self.fail(
            _(
                "The workbook is refused: it contains an XML document type declaration, which Excel "
                "never writes and which is used to attack servers. Save it again from Excel."
            )
        )

    def _guarded(self, rows):
        try:
            yield from rows
        except UnsafeWorkbook:
            self._refuse_unsafe()
        except WorkbookError:
            self.fail(
                _(
                    "The workbook is damaged after the rows read so far; nothing after them could be "
                    "read. Save it again from Excel and import it again."
                )
            )

    def _data_rows(self):
        return self._rows

    def close(self) -> None:
        # Closing the readers stops a reading process (pim.imports.read_ahead) early.
        for rows in (self._rows, getattr(self, "_header_rows", None)):
            if rows is not None:
                rows.close()
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None
        super().close()


def _blank_row(cells) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


# -- CSV -------------------------------------------------------------------------------------


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class CsvSource(TabularSource):
    format = "csv"

    def __init__(self, handle, *, name, encoding="", delimiter="", mapping=None):
        super().__init__(name=name, mapping=mapping)
        self._handle = handle
        self._text = None
        self._records = None
        self.encoding = self._choose_encoding(encoding)
        if not self._readable:
            return
        handle.seek(0)
        # newline="": the csv module reads line breaks inside quoted cells itself.
        self._text = io.TextIOWrapper(handle, encoding=self.encoding, newline="")
        sample = self._text.read(_SNIFF_CHARS)
        first_line = sample.split("\n", 1)[0].rstrip("\r")
        skip_first = False
        if first_line.lower().startswith("sep=") and len(first_line) == 5:
            delimiter, skip_first = delimiter or first_line[4], True  # Excel's "sep=;" line
        self.delimiter = delimiter or _sniff_delimiter(sample)
        self._text.seek(0)
        if skip_first:
            self._text.readline()
        self._records = csv.reader(self._text, delimiter=self.delimiter)
        self._line = 1  # Excel hides the "sep=" line: the header is row 1 all the same
        for number, cells in self._numbered():
            if not _blank_row(cells):
                self._set_headers(number, [text_from_csv(cell) for cell in cells])
                break
        else:
            if self._readable:
                self._no_header()

    def _choose_encoding(self, chosen: str) -> str:
        """The user's encoding (checked against the whole file), else detected; a file that
        is neither UTF-8 nor Windows-1252 must be given its encoding."""
        head = self._handle.read(4)
        bom = next((codec for mark, codec in _BOMS if head.startswith(mark)), "")
        if chosen:
            try:
                codec = codecs.lookup(chosen).name
            except LookupError:
                self.fail(
                    _("“%(encoding)s” is not an encoding Python knows. Choose e.g. UTF-8 or Windows-1252.")
                    % {"encoding": chosen}
                )
                return ""
            encoding = "utf-8-sig" if codec == "utf-8" and bom == "utf-8-sig" else chosen
            if not self._decodes(encoding):
                self.fail(
                    _(
                        "The file is not in %(encoding)s: a byte on line %(line)s does not fit. Choose its "
                        "real encoding (Excel writes UTF-8 or Windows-1252), or leave the encoding empty "
                        "to detect it."
                    )
                    % {"encoding": chosen, "line": self._bad_line}
                )
            return encoding
        for encoding in [bom] if bom else ["utf-8", "cp1252"]:
            if self._decodes(encoding):
                return encoding
        self.fail(
            _(
                "The file's encoding is not recognized: it is neither UTF-8 nor Windows-1252 (line "
                "%(line)s). Save it from Excel as “CSV UTF-8”, or choose its encoding."
            )
            % {"line": self._bad_line}
        )
        return ""

    def _decodes(self, encoding: str) -> bool:
        """Whether the whole file decodes; counts its lines for the row estimate on the way
        (a streamed pass: the file is never held in memory)."""
        decoder = codecs.getincrementaldecoder(encoding)()
        self._handle.seek(0)
        lines, last = 0, "\n"
        while chunk := self._handle.read(_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                self._bad_line = lines + chunk[: max(exc.start, 0)].count(b"\n") + 1
                return False
            lines += text.count("\n")
            last = text[-1:] or last
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self._bad_line = lines + 1
            return False
        lines += last != "\n"  # a last line without a line break
        self.total_rows = max(lines - 1, 0)
        return True

    def _numbered(self):
        """(row number, cells) of each record; a broken record stops the file with a message."""
        while True:
            try:
                cells = next(self._records)
            except StopIteration:
                return
            except csv.Error as exc:
                self.fail(
                    _("Row %(row)s cannot be read as CSV (%(error)s); nothing after it was read.")
                    % {"row": self._line, "error": exc}
                )
                return
            number, self._line = self._line, self._line + 1
            yield number, cells

    def _data_rows(self):
        for number, cells in self._numbered():
            yield number, [text_from_csv(cell) for cell in cells]

    def close(self) -> None:
        if self._text is not None:
            self._text.detach()  # the caller's file stays open for the caller
            self._text = None
        super().close()


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the header row into the most columns (quotes respected)."""
    lines = sample.splitlines()[:1] or [""]
    best, most = ",", 1
    for candidate in CSV_DELIMITERS:
        try:
            width = len(next(csv.reader(lines, delimiter=candidate), []))
        except csv.Error:
            continue
        if width > most:
            best, most = candidate, width
    return best


# -- rows into records -----------------------------------------------------------------------


class _RowReader:
    """Turns one row's cells into an :class:`IncomingProduct` by the source's column plan."""

    def __init__(self, source: TabularSource):
        self.source = source
        self.plan = source.plan
        self.sheet = source.sheet_name
        self.headers = source.headers
        self.width = len(self.headers)
        columns = [(index, target) for index, target in enumerate(self.plan.targets) if target is not None]
        self.unit_columns: dict[str, int] = {}
        for index, target in columns:
            if target.kind == "unit_of":
                self.unit_columns[target.name] = index
        # Most attribute cells of a row are empty (the columns of other families): plain
        # attribute columns are read only where the row has a value, and the attributes the
        # file has a column for are stated once for the whole file (``value_columns``: an
        # attribute there and not in the row's values is stated empty). Localized texts merge
        # their languages' cells and go the long way.
        self.columns = []
        self.sparse: dict[int, Target] = {}
        self.value_columns: dict[str, str] = {}
        for index, target in columns:
            if target.kind == "unit_of":
                continue
            if target.kind == "attribute" and not self.plan.attributes[target.name].is_localized_text:
                self.sparse[index] = target
                self.value_columns.setdefault(self.plan.attributes[target.name].code, self.headers[index])
            else:
                self.columns.append((index, target))
        self.packing = any(target.kind == "packing_unit" for _index, target in self.columns)
        self.prices = any(target.kind == "price" for _index, target in self.columns)

    def product(self, number: int, cells) -> IncomingProduct | None:
        cells = list(cells)
        if _blank_row(cells):
            return None
        row_location = Location(sheet=self.sheet, row=number)
        value = self._value
        values = [None if cell is None else value(cell) for cell in cells[: self.width]]
        values += [None] * (self.width - len(values))
        record = IncomingProduct(
            article_number=Raw(None, row_location),
            location=row_location,
            cells=cells,
            value_columns=self.value_columns,
        )
        if any(not _blank_cell(cell) for cell in cells[self.width :]):
            record.problems.append(
                Problem(
                    _("The row has cells to the right of the last column with a header; they are ignored."),
                    row_location,
                    WARNING,
                )
            )
        ranges: dict[str, dict] = {}
        texts: dict[str, dict] = {}
        packing: dict[int, dict] = {}
        sparse = self.sparse
        for index in [i for i, value in enumerate(values) if value is not None and i in sparse]:
            location = Location(sheet=self.sheet, row=number, column=self.headers[index])
            self._attribute(record, sparse[index], values[index], location, values, ranges, texts)
        for index, target in self.columns:
            kind = target.kind
            value = values[index]
            if value is not None and target.is_text:
                value = _cell_text(value)
            location = Location(sheet=self.sheet, row=number, column=self.headers[index])
            if kind == "article_number":
                record.article_number = Raw(value, location)
            elif kind == "action":
                record.action = "" if value is None else str(value).strip().lower()
            elif kind == "field":
                record.fields[target.name] = Raw(
                    value, location, self._unit(values, f"field:{target.name}", target.unit)
                )
            elif kind == "localized":
                record.localized.setdefault(target.name, {})[target.language] = Raw(value, location)
            elif kind == "categories":
                record.categories = _list(value, location)
            elif kind == "relation":
                if record.relations is None:
                    record.relations = {}
                record.relations[target.name] = _list(value, location)
            elif kind == "price":
                record.prices = record.prices or []
                record.prices.append(IncomingPrice(target.name, target.unit, Raw(value, location)))
            elif kind == "packing_unit":
                unit = self._unit(values, f"packing_unit:{target.number}:{target.name}", target.unit)
                packing.setdefault(target.number, {})[target.name] = Raw(value, location, unit)
            elif kind == "attribute":
                self._attribute(record, target, value, location, values, ranges, texts)
        for code, ends in ranges.items():
            record.values[code] = Raw((ends.get("min"), ends.get("max")), ends["location"], ends["unit"])
        for code, by_language in texts.items():
            record.values[code] = Raw(by_language["texts"], by_language["location"])
        if self.packing:
            record.packing_units = [
                IncomingPackingUnit(fields=fields)
                for _number, fields in sorted(packing.items())
                if any(raw.value is not None for raw in fields.values())
            ]
        if self.prices and record.prices is None:
            record.prices = []
        self._check(record, row_location)
        return record

    def _check(self, record: IncomingProduct, row_location: Location) -> None:
        if record.action and record.action not in ACTIONS:
            record.problems.append(
                Problem(
                    _("“%(action)s” is not an action of a change file: write new, update or delete.")
                    % {"action": record.action},
                    Location(sheet=self.sheet, row=row_location.row, column="action"),
                    value=record.action,
                )
            )
        if record.action == "delete":
            # A deletion row of a delta file carries only its article number: nothing to set.
            record.fields, record.localized, record.values = {}, {}, {}
            record.value_columns = None
            record.prices = record.categories = record.relations = record.packing_units = None
        if not record.number:
            record.problems.append(
                Problem(
                    _("The article number is empty: every row needs the article number of its product."),
                    record.article_number.location,
                )
            )

    def _attribute(self, record, target: Target, value, location, values, ranges, texts) -> None:
        info = self.plan.attributes[target.name]
        code = info.code
        if info.has_options and isinstance(value, str):
            value = self._option_codes(code, value)
        elif info.has_options and value is not None:
            value = _cell_text(value)
        if info.is_localized_text:
            entry = texts.setdefault(code, {"texts": {}, "location": location})
            entry["texts"][target.language] = None if value is None else _cell_text(value)
            return
        unit = self._unit(values, f"attribute:{code}", target.unit)
        if info.is_range and target.part:
            entry = ranges.setdefault(code, {"location": location, "unit": unit})
            entry[target.part] = value
            return
        if info.type == "text" and value is not None:
            value = _cell_text(value)
        record.values[code] = Raw(value, location, unit)

    def _unit(self, values, reference: str, header_unit: str) -> str:
        """The unit of a measurement: its unit column's cell, else the header's unit."""
        index = self.unit_columns.get(reference)
        if index is not None and values[index] is not None:
            return _cell_text(values[index]).strip()
        return header_unit

    def _option_codes(self, code: str, text: str) -> str:
        """Labels the mapping knows replaced by their option codes (several joined by ``|``)."""
        labels = self.plan.options.get(code)
        if not labels:
            return text
        parts = text.split(LIST_SEPARATOR)
        mapped = [labels.get(part.strip().casefold(), part) for part in parts]
        return LIST_SEPARATOR.join(mapped)

    @staticmethod
    def _value(cell):
        if cell is None:
            return None
        if isinstance(cell, str):
            return cell if cell.strip() else None
        if isinstance(cell, int | float | Decimal | bool | date | time):
            return cell
        return str(cell)


def _blank_cell(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _list(value, location: Location) -> list[Raw]:
    """Codes or article numbers of a ``|``-separated cell (empty cell: an empty list)."""
    if value is None:
        return []
    return [Raw(part.strip(), location) for part in str(value).split(LIST_SEPARATOR) if part.strip()]


# -- the error file --------------------------------------------------------------------------


def write_error_file(stream, source_headers, rejected, *, name, encoding="", delimiter="") -> str:
    """Write the rejected rows, each with its original cells and an ``error`` column saying
    what is wrong, so the file can be corrected and imported again. Returns the format written
    (``"xlsx"`` when ``name`` is a workbook's, else ``"csv"``).

    ``rejected``: items ``(incoming, problems)`` — an :class:`IncomingProduct` and a message,
    or a list of :class:`Problem` s or messages — or planned changes (``.incoming``,
    ``.problems``). CSV is written in the source's ``encoding`` and ``delimiter`` (default:
    UTF-8 with a byte order mark and ``;``, as the exports write it); every text follows the
    exports' rule against spreadsheet formulas (:mod:`pim.exports.spreadsheets`). A file read
    back keeps its ``error`` column out of the import, and a second error file replaces it.
    """
    headers = [str(header) for header in source_headers]
    if ERROR_COLUMN in headers:
        error_index = headers.index(ERROR_COLUMN)
    else:
        error_index = len(headers)
        headers.append(ERROR_COLUMN)

    def rows():
        for item in rejected:
            incoming, problems = _rejected_parts(item)
            cells = list(incoming.cells or [])
            cells += [None] * (len(headers) - len(cells))
            cells[error_index] = _error_text(problems, incoming)
            yield cells

    if is_xlsx_name(name):
        _write_xlsx(stream, headers, rows())
        return "xlsx"
    _write_csv(stream, headers, rows(), encoding=encoding or "utf-8-sig", delimiter=delimiter or ";")
    return "csv"


def _rejected_parts(item):
    if hasattr(item, "incoming"):
        return item.incoming, list(item.problems)
    incoming, problems = item
    return incoming, problems


def _error_text(problems, incoming) -> str:
    """The error cell: each error with the column it is in, one per line."""
    if isinstance(problems, str):
        return problems
    items = list(problems or [])
    errors = [p for p in items if not isinstance(p, Problem) or p.severity == ERROR]
    errors = errors or items or [p for p in incoming.problems if p.severity == ERROR]
    texts = []
    for problem in errors:
        text = str(problem)
        if isinstance(problem, Problem):
            column = problem.location.column
            text = (
                f"{column}: {problem.message}"
                if column and column not in problem.message
                else problem.message
            )
        if text not in texts:
            texts.append(text)
    return "\n".join(texts)


def _write_csv(stream, headers, rows, *, encoding: str, delimiter: str) -> None:
    # Characters the source's encoding lacks (e.g. in a message) become "?" rather than failing.
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    try:
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([csv_text(header) for header in headers])
        for cells in rows:
            writer.writerow([_csv_cell(cell) for cell in cells])
        text.flush()
    finally:
        text.detach()


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    return _cell_text(value)


def _write_xlsx(stream, headers, rows) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(_("Rejected rows")))
    sheet.append([xlsx_text(sheet, header) for header in headers])
    for cells in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in cells])
    workbook.save(stream)


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        return xlsx_text(sheet, value)
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, int | float | bool | date | time):
        return value
    return xlsx_text(sheet, str(value))


def _sheet_title(title: str) -> str:
    """A sheet title Excel accepts (31 characters, none of ``[]:*?/\\``)."""
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet1"
