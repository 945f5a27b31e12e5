"""The Excel/CSV reader: the project's own exports read back value for value with their units,
encodings and delimiters as Excel writes them, formulas as text, foreign layouts through a
mapping, the error file, and the file-level errors."""

import csv
import io
import zipfile
from datetime import datetime

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from pim.catalog.models import Attribute, Product
from pim.catalog.units import parse_number
from pim.exports.models import ChannelAttribute, ExportFormat, RunKind, RunStatus, UnitPlacement
from pim.exports.runs import run_export
from pim.imports.models import ImportMapping
from pim.imports.records import ERROR, WARNING, Problem
from pim.imports.tabular import open_tabular, write_error_file
from tests.exports.conftest import build_catalog, make_channel
from tests.factories import make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    return build_catalog()


@pytest.fixture(autouse=True)
def export_root(tmp_path, settings):
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings.PIM_EXPORT_ROOT


@pytest.fixture
def valves(db):
    return make_valve_family()


def export_file(channel, **options):
    run = run_export(channel, **options)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run.file_path()


def read(path_or_bytes, name, **options):
    """(source, records by article number) of a file."""
    if isinstance(path_or_bytes, bytes):
        with io.BytesIO(path_or_bytes) as fileobj:
            source = open_tabular(fileobj, name=name, **options)
            records = list(source)
    else:  # a path: the source opens and closes the file itself
        source = open_tabular(path_or_bytes, name=name, **options)
        records = list(source)
    return source, {record.number: record for record in records}


def values(raws: dict) -> dict:
    return {key: raw.value for key, raw in raws.items()}


def texts(raws) -> list:
    return [raw.value for raw in raws]


def messages(problems, severity=None) -> list[str]:
    return [p.message for p in problems if severity is None or p.severity == severity]


# -- the project's own exports, read back ------------------------------------------------------


def test_csv_export_reads_back_with_every_value_and_its_unit(catalog):
    path = export_file(make_channel(ExportFormat.CSV))
    source, records = read(path, "products.csv")

    assert source.problems == []  # every column of the machine layout is understood
    assert (source.format, source.encoding, source.delimiter) == ("csv", "utf-8-sig", ";")
    # an estimate from the line count: KH-100's long description has a line break in its cell
    assert source.total_rows in (5, 6)
    assert list(records) == [
        "KH-100",
        "KH-200",
        "KH-300",
        catalog.products["long_number"].article_number,
        "KH-SER-15",
    ]
    full = records["KH-100"]
    assert full.problems == []
    assert full.location.row == 2
    assert full.fields["gtin"].value == catalog.products["full"].gtin
    assert full.fields["manufacturer_pid"].value == "MF-100"
    assert full.fields["family"].value == "valves"
    assert full.fields["product_model"].value is None  # empty cell: "clear", not absent
    assert full.fields["lifecycle"].value == "active"
    assert full.fields["order_unit"].value == "C62"
    assert full.fields["min_order_quantity"].value == "5"
    assert full.fields["net_weight"].value is None and full.fields["net_weight"].unit == "kg"
    assert full.fields["length"].unit == "mm"
    assert values(full.localized["name"]) == {
        "en": "Ball valve DN15 & <brass>",
        "de": "Kugelhahn DN15 Messing",
    }
    assert full.localized["long_description"]["en"].value == "A robust two-way ball valve.\nFull bore."
    assert set(full.localized) == {"name", "short_description", "long_description", "keywords"}

    pressure = full.values["max_pressure"]
    assert (pressure.value, pressure.unit) == ("16", "bar")
    assert (pressure.location.row, pressure.location.column) == (2, "max_pressure [bar]")
    temperature = full.values["temperature_range"]
    assert (temperature.value, temperature.unit) == (("-10", "120"), "°C")
    assert full.values["body_material"].value == "brass"
    assert full.values["approvals"].value == "fda|dvgw"
    assert full.values["food_grade"].value == "true"
    assert full.values["note"].value == {"en": "Lever included", "de": "Mit Hebel"}
    assert (full.values["nominal_size"].value, full.values["nominal_size"].unit) == ("15", "mm")

    assert [(p.price_type, p.currency, p.amount.value) for p in full.prices] == [
        ("net_list", "EUR", "12.5"),
        ("gros_list", "EUR", "14.88"),
    ]
    assert full.prices_replace_all is False
    assert texts(full.categories) == ["ball-valves"]
    assert {kind: texts(raws) for kind, raws in full.relations.items()} == {
        "successor": [],
        "accessory": ["KH-200"],
        "spare_part": [],  # the draft it points to is not exported
        "replacement": [],
        "compatible": [],
    }
    assert full.packing_units is None  # no packing-unit columns: the file says nothing
    psi = records["KH-200"]
    assert texts(psi.relations["successor"]) == ["KH-100"]
    assert psi.values["max_pressure"].value.startswith("15.9958")
    assert parse_number(psi.values["max_pressure"].value) == pytest.approx(232 * 0.0689476, rel=1e-4)
    assert psi.fields["content_quantity"].value == "10"
    assert records["KH-SER-15"].fields["product_model"].value == "KH-SERIES"
    assert records["KH-SER-15"].values["approvals"].value == "atex"  # the series' value, as exported
    # the row's cells, in file order, for the error file
    assert full.cells[: len(source.headers)][0] == "KH-100"
    assert len(full.cells) == len(source.headers)


def test_xlsx_export_reads_back_with_typed_cells(catalog):
    path = export_file(make_channel(ExportFormat.XLSX))
    source, records = read(path, "products.xlsx")

    assert source.problems == []
    assert (source.format, source.sheet_name, source.total_rows) == ("xlsx", "Products", 5)
    full = records["KH-100"]
    assert full.location.sheet == "Products" and full.location.row == 2
    assert (full.values["max_pressure"].value, full.values["max_pressure"].unit) == (16, "bar")
    assert full.values["temperature_range"].value == (-10, 120)
    assert full.values["food_grade"].value is True
    assert full.values["approvals"].value == "fda|dvgw"
    assert full.prices[0].amount.value == pytest.approx(12.5)
    assert full.fields["min_order_quantity"].value == 5
    # text fields are text even where the sheet holds a number
    assert full.fields["gtin"].value == catalog.products["full"].gtin
    assert records["KH-300"].localized["name"]["de"].value is None
    # An empty range is stated by the file's column, not by a value: the planner clears it.
    assert "temperature_range" not in records["KH-300"].values
    assert records["KH-300"].value_columns["temperature_range"].startswith("temperature_range")


def test_german_csv_with_decimal_commas_and_separate_unit_columns(catalog):
    channel = make_channel(
        ExportFormat.CSV,
        languages="de,en",
        csv_delimiter=";",
        csv_bom=True,
        number_format="locale",
        unit_placement=UnitPlacement.COLUMN,
    )
    source, records = read(export_file(channel), "export.csv")

    assert source.problems == []
    assert source.delimiter == ";"
    psi = records["KH-200"]
    pressure = psi.values["max_pressure"]
    # the unit from the unit column; "15,99583692" stays text for the catalog's number parser
    assert (pressure.value, pressure.unit) == ("15,99583692", "bar")
    assert parse_number(pressure.value) == pytest.approx(232 * 0.0689476, rel=1e-4)
    assert psi.fields["content_quantity"].value == "10"
    full = records["KH-100"]
    assert (full.values["max_pressure"].value, full.values["max_pressure"].unit) == ("16", "bar")
    assert full.values["temperature_range"].value == ("-10", "120")
    assert full.values["temperature_range"].unit == "°C"
    # "12,5" stays text; the catalog's number parser reads the decimal comma
    assert full.prices[0].amount.value == "12,5"
    assert parse_number(full.prices[0].amount.value) == 12.5
    assert source.headers[7] == "name (de)"


def test_csv_with_unit_in_the_cell_keeps_both(valves):
    data = b"article_number,max_pressure [psi]\r\nKH-1,16 bar\r\nKH-2,232\r\n"
    source, records = read(data, "edit.csv")
    assert source.delimiter == ","
    assert (records["KH-1"].values["max_pressure"].value, records["KH-1"].values["max_pressure"].unit) == (
        "16 bar",
        "psi",
    )
    assert records["KH-2"].values["max_pressure"].value == "232"


def test_windows_1252_is_detected_and_utf8_without_bom_too(valves):
    text = "article_number\tname (de)\tbrand\r\nKH-1\tKugelhahn Messing ä ö ü ß\tMüller €\r\n"
    source, records = read(text.encode("cp1252"), "alt.csv")
    assert source.problems == []
    assert (source.encoding, source.delimiter) == ("cp1252", "\t")
    assert records["KH-1"].localized["name"]["de"].value == "Kugelhahn Messing ä ö ü ß"
    assert records["KH-1"].fields["brand"].value == "Müller €"

    source, records = read(text.encode("utf-8"), "neu.csv")
    assert source.encoding == "utf-8"
    assert records["KH-1"].fields["brand"].value == "Müller €"


def test_a_chosen_encoding_that_does_not_fit_is_an_error(valves):
    data = "article_number;name (de)\r\nKH-1;Grüße\r\nKH-2;Maß\r\n".encode("cp1252")
    source, records = read(data, "x.csv", encoding="utf-8")
    assert records == {}
    assert [p.severity for p in source.problems] == [ERROR]
    assert "not in utf-8" in source.problems[0].message and "line 2" in source.problems[0].message

    source, records = read(data, "x.csv", encoding="klingon")
    assert "not an encoding" in source.problems[0].message and records == {}

    source, records = read(data, "x.csv", encoding="windows-1252")
    assert source.problems == [] and records["KH-2"].localized["name"]["de"].value == "Maß"


def test_excel_sep_line_and_csv_escape_are_undone(valves):
    data = (
        b"sep=,\r\narticle_number,manufacturer_name,name (en)\r\n"
        b"'-HOSE-5,'=1+1,'@home\r\nKH-2,''quoted,plain\r\n"
    )
    source, records = read(data, "x.csv")
    assert source.delimiter == "," and source.problems == []
    hose = records["-HOSE-5"]
    assert hose.location.row == 2  # Excel hides the sep= line: the header is row 1
    assert hose.fields["manufacturer_name"].value == "=1+1"
    assert hose.localized["name"]["en"].value == "@home"
    assert records["KH-2"].fields["manufacturer_name"].value == "'quoted"


def test_xlsx_formula_cell_arrives_as_its_text_never_computed(valves):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Artikel"
    sheet.append(["article_number", "manufacturer_name", "min_order_quantity", "gtin", "name (en)"])
    sheet.append(["KH-1", "=1+1", "=2*3", 4006381333931, '=HYPERLINK("http://evil")'])
    sheet["A3"] = None
    sheet.append([])
    sheet.append([12345, "Acme", 5, 4006381333931.0, "Valve"])
    stream = io.BytesIO()
    workbook.save(stream)

    source, records = read(stream.getvalue(), "book.xlsx")
    assert source.problems == []
    first = records["KH-1"]
    assert first.fields["manufacturer_name"].value == "=1+1"
    assert first.fields["min_order_quantity"].value == "=2*3"  # the planner reports "not a number"
    assert first.localized["name"]["en"].value == '=HYPERLINK("http://evil")'
    assert first.fields["gtin"].value == "4006381333931"
    numeric = records["12345"]  # an article number typed as a number is its text
    assert numeric.article_number.value == "12345"
    assert numeric.location.row == 5  # blank rows skipped, numbering kept
    assert numeric.fields["gtin"].value == "4006381333931"
    assert numeric.fields["min_order_quantity"].value == 5


# -- foreign layouts ---------------------------------------------------------------------------


def test_a_mapping_renames_columns_and_maps_option_labels(valves):
    mapping = ImportMapping.objects.create(
        name="Supplier A",
        columns={
            "Artikel-Nr.": {"target": "field:article_number"},
            "Bezeichnung": "localized:name:de",
            "Druck": {"target": "attribute:max_pressure", "unit": "psi"},
            "Werkstoff": {"target": "attribute:body_material"},
            "Zulassung": {"target": "attribute:approvals"},
            "Temp von": {"target": "attribute:temperature_range:min", "unit": "°C"},
            "Temp bis": {"target": "attribute:temperature_range:max", "unit": "°C"},
            "DN": "attribute:nominal_size",
            "DN Einheit": "unit_of:DN",
            "Gewicht": {"target": "field:net_weight", "unit": "g"},
            "Preis": {"target": "price:net_list", "unit": "CHF"},
            "Warengruppe": "field:categories",
            "Intern": "ignore",
        },
        options={"body_material": {"MS": "brass", "VA": "ss316"}, "approvals": {"Trinkwasser": "dvgw"}},
    )
    data = (
        b"Artikel-Nr.;Bezeichnung;Druck;Werkstoff;Zulassung;Temp von;Temp bis;DN;DN Einheit;Gewicht;"
        b"Preis;Warengruppe;Intern;Farbe\r\n"
        b"A-1;Kugelhahn;232;ms;FDA|Trinkwasser;-10;120;0,5;in;250;9,90;ball|spare;x;rot\r\n"
        b"A-2;Hahn;10 bar;Messing;;;;15;;;;;;\r\n"
    )
    source, records = read(data, "lieferant.csv", mapping=mapping)

    assert messages(source.problems, ERROR) == []
    assert [p.location.column for p in source.problems] == ["Farbe"]  # unmapped and unknown: warned
    assert "Farbe" in source.problems[0].message and source.problems[0].severity == WARNING
    first = records["A-1"]
    assert first.localized["name"]["de"].value == "Kugelhahn"
    assert (first.values["max_pressure"].value, first.values["max_pressure"].unit) == ("232", "psi")
    assert first.values["body_material"].value == "brass"  # label of the mapping, any case
    assert first.values["approvals"].value == "FDA|dvgw"  # codes and catalog labels stay for the catalog
    temperature = first.values["temperature_range"]
    assert (temperature.value, temperature.unit) == (("-10", "120"), "°C")
    assert (first.values["nominal_size"].value, first.values["nominal_size"].unit) == ("0,5", "in")
    assert (first.fields["net_weight"].value, first.fields["net_weight"].unit) == ("250", "g")
    assert [(p.price_type, p.currency, p.amount.value) for p in first.prices] == [("net_list", "CHF", "9,90")]
    assert texts(first.categories) == ["ball", "spare"]
    assert "Intern" not in str(first.fields) and "Farbe" not in str(first.values)
    second = records["A-2"]
    assert second.values["body_material"].value == "Messing"  # a catalog label: left to the catalog
    assert second.values["nominal_size"].unit == ""  # no unit cell: the attribute's display unit applies
    assert "approvals" not in second.values and "approvals" in second.value_columns  # stated empty
    assert ("Druck", "attribute:max_pressure") in source.columns


def test_a_mapping_with_a_target_that_names_nothing_is_an_error(valves):
    mapping = ImportMapping.objects.create(
        name="Broken", columns={"Nr": "field:article_number", "Druck": "attribute:no_such_thing"}
    )
    source, records = read(b"Nr;Druck\r\nA-1;5\r\n", "x.csv", mapping=mapping)
    assert records == {}
    assert [(p.severity, p.location.column) for p in source.problems] == [(ERROR, "Druck")]
    assert "no_such_thing" in source.problems[0].message


def test_attribute_columns_by_etim_code_and_channel_export_name(valves):
    Attribute.objects.filter(code="max_pressure").update(etim_code="EF000001")
    channel = make_channel(ExportFormat.CSV)
    ChannelAttribute.objects.create(
        channel=channel, attribute=Attribute.objects.get(code="nominal_size"), export_name="Nennweite max"
    )
    source, records = read(b"article_number;EF000001 [bar];Nennweite max [mm]\r\nA;6;20\r\n", "x.csv")
    assert source.problems == []
    assert records["A"].values["max_pressure"].value == "6"
    # a receiver's name ending in " max" is not read as a range end when it is a known name
    assert (records["A"].values["nominal_size"].value, records["A"].values["nominal_size"].unit) == (
        "20",
        "mm",
    )


# -- packing units, deltas, row problems -------------------------------------------------------


def test_packing_unit_groups_and_delta_actions(valves):
    data = (
        b"action;article_number;name (en);packing_unit_1_code;packing_unit_1_quantity;"
        b"packing_unit_1_gross_weight [kg];packing_unit_2_code;packing_unit_2_quantity\r\n"
        b"update;A-1;Valve;CT;10;1.2;PF;400\r\n"
        b"new;A-2;Valve;;;;;\r\n"
        b"delete;A-3;;;;;;\r\n"
        b"replace;A-4;Valve;;;;;\r\n"
    )
    source, records = read(data, "delta.csv")
    assert source.problems == []
    first = records["A-1"]
    assert first.action == "update"
    assert [values(unit.fields) for unit in first.packing_units] == [
        {"code": "CT", "quantity": "10", "gross_weight": "1.2"},
        {"code": "PF", "quantity": "400"},
    ]
    assert first.packing_units[0].fields["gross_weight"].unit == "kg"
    assert records["A-2"].packing_units == []  # columns present, all empty: no packing units
    deleted = records["A-3"]
    assert deleted.action == "delete" and deleted.fields == {} and deleted.packing_units is None
    assert "not an action" in messages(records["A-4"].problems)[0]


def test_blank_rows_are_skipped_and_an_empty_article_number_is_an_error_at_its_cell(valves):
    data = b"article_number,name (en)\r\n\r\n,,\r\nA-1,One\r\n,Nameless\r\nA-2,Two,extra\r\n"
    source, records = read(data, "x.csv")
    assert list(records) == ["A-1", "", "A-2"]
    assert records["A-1"].location.row == 4
    nameless = records[""]
    assert nameless.location.row == 5
    assert [(p.severity, p.location.row, p.location.column) for p in nameless.problems] == [
        (ERROR, 5, "article_number")
    ]
    assert [p.severity for p in records["A-2"].problems] == [WARNING]  # a cell beyond the headers


# -- file-level errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, name, expected",
    [
        (b"", "empty.csv", "The file is empty"),
        (b"\r\n\r\n", "blank.csv", "The file is empty"),
        (b"article_number;name (en);name (en)\r\nA;x;y\r\n", "dup.csv", "twice"),
        (b"name (en);gtin\r\nValve;1\r\n", "nonumber.csv", "no column “article_number”"),
        (b"article_number;max_pressure [furlong]\r\nA;1\r\n", "unit.csv", "not a unit the catalog knows"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old", "old.xls", "Excel 97"),
        (b"PK\x03\x04 broken zip", "broken.xlsx", "cannot be read as an Excel workbook"),
    ],
)
def test_file_level_errors_stop_the_file_with_a_clear_message(valves, data, name, expected):
    source, records = read(data, name)
    assert records == {}
    errors = messages(source.problems, ERROR)
    assert len(errors) == 1 and expected in errors[0], source.problems


def test_an_empty_workbook_and_a_missing_sheet(valves):
    workbook = Workbook()
    stream = io.BytesIO()
    workbook.save(stream)
    source, records = read(stream.getvalue(), "empty.xlsx")
    assert records == {} and "The file is empty" in messages(source.problems, ERROR)[0]
    source, records = read(stream.getvalue(), "empty.xlsx", sheet="Produkte")
    assert "no sheet “Produkte”" in messages(source.problems, ERROR)[0]


def test_header_warnings_name_the_column(valves):
    data = b"article_number;name (fr);food_grade min;colour;note (de);max_pressure (de)\r\nA;x;1;red;y;2\r\n"
    source, records = read(data, "x.csv")
    assert [(p.severity, p.location.column) for p in source.problems] == [
        (WARNING, "name (fr)"),
        (WARNING, "food_grade min"),
        (WARNING, "colour"),
        (WARNING, "max_pressure (de)"),
    ]
    assert records["A"].values == {"note": records["A"].values["note"]}
    assert records["A"].values["note"].value == {"de": "y"}


# -- the error file ----------------------------------------------------------------------------


def _rejected(records, *numbers):
    return [
        (
            records[number],
            [Problem("is below the minimum", records[number].values["max_pressure"].location)],
        )
        for number in numbers
    ]


def test_csv_error_file_round_trip(catalog):
    path = export_file(make_channel(ExportFormat.CSV))
    source, records = read(path, "products.csv")
    records["KH-300"].cells[source.headers.index("manufacturer_name")] = "=cmd|' /C calc'!A0"
    stream = io.BytesIO()
    written = write_error_file(
        stream,
        source.headers,
        _rejected(records, "KH-100", "KH-300"),
        name="products.csv",
        encoding=source.encoding,
        delimiter=source.delimiter,
    )
    assert written == "csv"
    data = stream.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == source.headers + ["error"]
    assert rows[1][-1] == "max_pressure [bar]: is below the minimum"
    assert "'=cmd|' /C calc'!A0" in rows[2]  # inert in a spreadsheet

    again, again_records = read(data, "products-errors.csv")
    assert again.problems == []  # the error column is the error file's own: not a warning
    assert list(again_records) == ["KH-100", "KH-300"]
    for number in again_records:
        assert again_records[number].cells[: len(source.headers)] == records[number].cells
    assert again_records["KH-300"].fields["manufacturer_name"].value == "=cmd|' /C calc'!A0"

    # a second round replaces the error column instead of adding one
    stream = io.BytesIO()
    write_error_file(stream, again.headers, [(again_records["KH-100"], "still wrong")], name="x.csv")
    rows = list(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0].count("error") == 1 and rows[1][-1] == "still wrong"


def test_xlsx_error_file_round_trip(catalog):
    path = export_file(make_channel(ExportFormat.XLSX))
    source, records = read(path, "products.xlsx")
    records["KH-100"].cells[source.headers.index("manufacturer_name")] = "=1+1"
    stream = io.BytesIO()
    assert (
        write_error_file(stream, source.headers, _rejected(records, "KH-100"), name="products.xlsx") == "xlsx"
    )

    sheet = load_workbook(io.BytesIO(stream.getvalue())).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == source.headers + ["error"]
    formula = sheet.cell(row=2, column=source.headers.index("manufacturer_name") + 1)
    assert (formula.value, formula.data_type, formula.quotePrefix) == ("=1+1", "s", True)
    assert sheet.cell(row=2, column=len(headers)).value == "max_pressure [bar]: is below the minimum"

    again, again_records = read(stream.getvalue(), "errors.xlsx")
    assert again.problems == []
    row = again_records["KH-100"]
    assert row.values["max_pressure"].value == 16 and row.fields["manufacturer_name"].value == "=1+1"


def test_error_file_from_a_windows_1252_source_keeps_its_encoding(valves):
    data = "article_number,name (de)\r\nA-1,Maß\r\n".encode("cp1252")
    source, records = read(data, "x.csv")
    stream = io.BytesIO()
    source.write_error_file(stream, [(records["A-1"], ["Name fehlt → ergänzen"])])
    text = stream.getvalue().decode("cp1252")
    assert text.splitlines()[1] == "A-1,Maß,Name fehlt ? ergänzen"


def test_delta_export_reads_back_with_its_actions(catalog, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel(ExportFormat.CSV)
    export_file(channel)
    since = timezone.now()
    catalog.products["variant"].delete()
    Product.objects.filter(pk=catalog.products["full"].pk).update(
        updated_at=timezone.now(), first_published_at=since
    )
    source, records = read(export_file(channel, kind=RunKind.DELTA, since=since), "delta.csv")
    assert source.problems == []
    assert [(number, record.action) for number, record in records.items()] == [
        ("KH-100", "update"),
        ("KH-SER-15", "delete"),
    ]
    assert records["KH-SER-15"].values == {} and records["KH-100"].values["max_pressure"].value == "16"


# -- the XLSX reader's cells -------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook_bytes(sheet_xml: str, *, date1904=False) -> bytes:
    """A minimal XLSX with one sheet written by hand (what other tools write, not openpyxl)."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships"><workbookPr date1904="{int(date1904)}"/><sheets><sheet name="Data" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return stream.getvalue()


def test_xlsx_cells_as_other_tools_write_them(valves):
    sheet = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>article_number</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>manufacturer_pid</x:t></x:is></x:c>'
        '<x:c r="C1" t="inlineStr"><x:is><x:t>name (de)</x:t></x:is></x:c>'
        '<x:c r="D1" t="inlineStr"><x:is><x:t>food_grade</x:t></x:is></x:c>'
        '<x:c r="E1" t="inlineStr"><x:is><x:t>brand</x:t></x:is></x:c></x:row>'
        # a shared formula: its master cell and a cell that only refers to it
        '<x:row r="3"><x:c r="A3" t="str"><x:v>A-1</x:v></x:c>'
        '<x:c r="B3"><x:f t="shared" ref="B3:B4" si="0">C3&amp;"-X"</x:f><x:v>10</x:v></x:c>'
        '<x:c r="C3" t="inlineStr"><x:is><x:r><x:t>Kugel</x:t></x:r><x:r><x:t>hahn</x:t></x:r>'
        "<x:rPh><x:t>phonetic</x:t></x:rPh></x:is></x:c>"
        '<x:c r="D3" t="b"><x:v>1</x:v></x:c><x:c r="E3" t="e"><x:v>#N/A</x:v></x:c></x:row>'
        '<x:row r="4"><x:c r="A4" t="str"><x:v>A-2</x:v></x:c>'
        '<x:c r="B4"><x:f t="shared" si="0"/><x:v>12</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    source, records = read(workbook_bytes(sheet), "other.xlsx")
    assert source.problems == [] and source.sheet_name == "Data"
    assert source.total_rows == 2  # the rows the sheet has, less the header
    first, second = records["A-1"], records["A-2"]
    assert first.location.row == 3
    assert first.fields["manufacturer_pid"].value == '=C3&"-X"'  # the formula, never its result 10
    assert second.fields["manufacturer_pid"].value == '=C4&"-X"'  # translated to its own row
    assert first.localized["name"]["de"].value == "Kugelhahn"
    assert first.values["food_grade"].value is True
    assert first.fields["brand"].value == "#N/A"
    assert second.fields["brand"].value is None


def test_xlsx_date_cells_arrive_as_dates(valves):
    workbook = Workbook()
    workbook.active.append(["article_number", "manufacturer_pid"])
    workbook.active.append(["A-1", datetime(2026, 3, 1)])
    stream = io.BytesIO()
    workbook.save(stream)
    source, records = read(stream.getvalue(), "dates.xlsx")
    assert records["A-1"].fields["manufacturer_pid"].value == "2026-03-01"  # a text field: the ISO date


@pytest.mark.parametrize(
    "doctype, cell",
    [
        (
            '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
            '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
            '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>',
            "&h;",
        ),
        ('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_xlsx_entities_are_never_expanded(valves, doctype, cell):
    sheet = (
        f'<?xml version="1.0"?>{doctype}<worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>article_number</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>brand</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>A-1</t></is></c><c r="B2" t="inlineStr"><is><t>{cell}</t>'
        "</is></c></row></sheetData></worksheet>"
    )
    source, records = read(workbook_bytes(sheet), "evil.xlsx")
    assert records == {}
    assert "document type declaration" in messages(source.problems, ERROR)[0]
