"""Formula injection: text the catalog keeps reaches no spreadsheet as a formula, by one rule
(pim.exports.spreadsheets) shared by the channel exports, the comparison and the inquiry file."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from pim.catalog.models import Attribute
from pim.exports.models import ChannelAttribute, ExportFormat, RunStatus
from pim.exports.runs import run_export
from pim.exports.spreadsheets import FORMULA_STARTS, csv_text, text_from_csv, xlsx_text
from tests.factories import make_product

from .conftest import make_channel

PAYLOADS = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+1", "-1+1", "-5 bar", "\t=1+1", "\r=1+1"]
# Text a spreadsheet does not run, but which must survive the round trip through the import.
HARMLESS = ["", "KH-100", "Ball valve", "'", "'quoted'", "''=1", "1+1", " =1", "5 bar", "=", "-"]


@pytest.mark.parametrize("text", PAYLOADS + HARMLESS)
def test_csv_escaping_is_undone_exactly_by_the_import(text):
    cell = csv_text(text)
    assert text_from_csv(cell) == text
    assert not cell.startswith(FORMULA_STARTS)


def test_csv_escaping_marks_exactly_the_formula_starts_and_the_mark_itself():
    for text in PAYLOADS + ["=", "-"]:
        assert csv_text(text) == "'" + text
    for text in ["'", "'quoted'", "''=1"]:
        assert csv_text(text) == "'" + text  # so that the import may always drop one
    for text in ["", "KH-100", "Ball valve", "1+1", " =1", "5 bar"]:
        assert csv_text(text) == text
    # Two different texts never become the same cell.
    cells = [csv_text(text) for text in PAYLOADS + HARMLESS]
    assert len(set(cells)) == len(cells)


def test_xlsx_text_is_a_string_cell_with_the_quote_prefix():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Test")
    sheet.append([xlsx_text(sheet, text) for text in PAYLOADS] + ["'=1", -5, xlsx_text(sheet, "bell\x07")])
    stream = io.BytesIO()
    workbook.save(stream)
    cells = next(load_workbook(io.BytesIO(stream.getvalue())).active.iter_rows())
    assert [cell.value for cell in cells[: len(PAYLOADS)]] == PAYLOADS  # the text itself, no mark
    for cell in cells[: len(PAYLOADS)]:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    assert cells[-3].value == "'=1" and cells[-3].data_type == "s"
    assert cells[-2].value == -5 and cells[-2].data_type == "n"
    assert cells[-1].value == "bell"  # a control character the format cannot hold is dropped


# --- the channel exports --------------------------------------------------------------------------

NAMES = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+1", "-1+1", "'apostrophe"]


@pytest.fixture
def injected(catalog):
    """Products whose names and notes start like formulas, and a receiver's column name that
    does too."""
    products = {}
    for number, name in enumerate(NAMES, 1):
        products[name] = make_product(
            catalog.family,
            article_number=f"INJ-{number}",
            name={"en": name, "de": name},
            manufacturer_name="@Acme",
            values={"temperature_range": "-40 .. -5 °C", "note": {"en": "-1+1", "de": "=1+1"}},
        )
    return products


def export(channel):
    run = run_export(channel)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run.file_path()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_export_writes_formulas_as_inert_text(injected, export_root):
    path = export(make_channel(ExportFormat.CSV))
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    headers, rows = rows[0], rows[1:]
    by_number = {row[0]: dict(zip(headers, row, strict=True)) for row in rows}
    for number, name in enumerate(NAMES, 1):
        row = by_number[f"INJ-{number}"]
        assert row["name (en)"] == "'" + name
        assert text_from_csv(row["name (en)"]) == name  # what the import reads back
        assert row["manufacturer_name"] == "'@Acme"
        assert row["note (en)"] == "'-1+1" and row["note (de)"] == "'=1+1"
        # A negative number is a number, not text: no mark.
        assert row["temperature_range min [°C]"] == "-40"
        assert row["temperature_range max [°C]"] == "-5"
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), cell


def test_xlsx_export_writes_formulas_as_string_cells(injected, export_root):
    path = export(make_channel(ExportFormat.XLSX))
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # not a single formula cell

    sheet = load_workbook(path).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    rows = {row[0].value: dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    for number, name in enumerate(NAMES, 1):
        row = rows[f"INJ-{number}"]
        cell = row["name (en)"]
        assert cell.value == name and cell.data_type == "s"  # the text itself, as a string
        assert cell.quotePrefix == name.startswith(FORMULA_STARTS)
        assert row["manufacturer_name"].value == "@Acme" and row["manufacturer_name"].data_type == "s"
        assert row["note (de)"].value == "=1+1" and row["note (de)"].data_type == "s"
        low, high = row["temperature_range min [°C]"], row["temperature_range max [°C]"]
        assert (low.value, high.value) == (-40, -5)
        assert low.data_type == high.data_type == "n"  # negative numbers stay numbers


def test_a_receivers_column_name_is_escaped_too(injected, export_root):
    formula = "=cmd|' /C calc'!A0"
    csv_channel = make_channel(ExportFormat.CSV)
    xlsx_channel = make_channel(ExportFormat.XLSX)
    pressure = Attribute.objects.get(code="max_pressure")
    for channel in (csv_channel, xlsx_channel):
        ChannelAttribute.objects.create(channel=channel, attribute=pressure, export_name=formula)

    with open(export(csv_channel), encoding="utf-8-sig", newline="") as handle:
        headers = next(csv.reader(handle, delimiter=";"))
    assert f"'{formula} [bar]" in headers

    header = next(
        cell
        for cell in load_workbook(export(xlsx_channel)).worksheets[0][1]
        if str(cell.value).startswith("=")
    )
    assert header.value == f"{formula} [bar]" and header.data_type == "s"


def test_xlsx_export_survives_control_characters(catalog, export_root):
    make_product(catalog.family, article_number="CTRL-1", name={"en": "Valve\x07 DN15", "de": "Ventil"})
    sheet = load_workbook(export(make_channel(ExportFormat.XLSX))).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    row = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "CTRL-1")
    assert row[headers.index("name (en)")] == "Valve DN15"
