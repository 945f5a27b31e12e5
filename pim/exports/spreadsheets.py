"""The one rule that keeps text in the project's spreadsheets inert (CSV and Excel injection).

Every CSV or XLSX file the project writes follows it: the channel exports
(:mod:`pim.exports.tabular`), the comparison download (``cms.comparison``) and one inquiry for
the ERP (:mod:`pim.inquiries.exporting`). It lives with the exchange formats because that is
where the future import undoes it; it imports nothing of the project, so any app may use it.

Text that starts with ``=``, ``+``, ``-``, ``@``, TAB or CR (OWASP's list) is what Excel,
LibreOffice and Google Sheets run as a formula (or a DDE call) when a file is opened. The
catalog may keep such text — "-10 … 120 °C", an article number "-HOSE-5", a note "+ test
certificate" are real data — so nothing is rejected on the way in; it is made inert on the way
out:

- **CSV** (:func:`csv_text`): such text gets a leading apostrophe, the mark spreadsheets read
  as "this cell is text". A text that itself starts with an apostrophe gets one too, so the
  rule can be undone exactly: the import removes one leading apostrophe from every text cell
  (:func:`text_from_csv`) and gets the catalog's text back, whatever it was.
- **XLSX** (:func:`xlsx_text`): cells are typed, nothing is parsed when the file is opened, so
  the text is written unchanged as a string cell (never a formula cell, which is what openpyxl
  would make of text starting with ``=``) and marked with Excel's own "quote prefix" cell
  style, so it stays text even when a person edits the cell and presses Enter. No apostrophe
  is added: the value read back is the catalog's text, and an XLSX import reads it as is.

Numbers are not text: a numeric value (``-5`` as a number) stays a number cell, unescaped; only
the writers know which values are numbers, so they call these functions for text only.
"""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
_ESCAPED_STARTS = (*FORMULA_STARTS, TEXT_MARK)


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula if it were typed into a cell."""
    return text.startswith(FORMULA_STARTS)


def csv_text(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs: a leading apostrophe before text that starts
    like a formula or with an apostrophe itself; other text unchanged."""
    text = str(text)
    return TEXT_MARK + text if text.startswith(_ESCAPED_STARTS) else text


def text_from_csv(cell: str) -> str:
    """The text a CSV cell written with :func:`csv_text` stands for (what the import uses)."""
    return cell[1:] if cell.startswith(TEXT_MARK) else cell


def xlsx_text(sheet, text: str):
    """``text`` for a row of a write-only ``sheet``: a plain value where openpyxl writes it as a
    string cell anyway, a string cell with Excel's quote prefix where it starts like a formula.

    Control characters the file format cannot hold (all below U+0020 except TAB, LF, CR) are
    dropped: openpyxl refuses them, and a whole file would fail for one stray character.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    if not starts_like_formula(text):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl makes text starting with "=" a formula cell
    cell.quotePrefix = True
    return cell
