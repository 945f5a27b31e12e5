"""CSV, XLSX and JSON Lines exports, read back and compared with the catalog."""

import csv
import io
import json

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from pim.catalog.models import Attribute, AttributeType, Product
from pim.catalog.values import build_value_rows, effective_values
from pim.exports.layout import Column, parse_header
from pim.exports.models import ExportFormat, RunKind, RunStatus, UnitPlacement
from pim.exports.runs import run_export

from .conftest import make_channel

pytestmark = pytest.mark.django_db


def export(channel, **options):
    run = run_export(channel, **options)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def read_csv(path, delimiter=";", encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def read_xlsx(path):
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    headers = rows[0]
    # read-only mode leaves out trailing empty cells
    return [dict(zip(headers, row + (None,) * (len(headers) - len(row)), strict=True)) for row in rows[1:]]


def raw_values_from_row(row: dict) -> dict:
    """What an importer would hand to build_value_rows, parsed with the layout grammar:
    numbers as (magnitude, unit symbol) pairs, the unit from the header or the unit column."""
    attributes = {a.code: a for a in Attribute.objects.all()}
    raw: dict = {}
    for header, cell in row.items():
        column = parse_header(header)
        attribute = attributes.get(column.base)
        if attribute is None or cell in (None, "") or column.part == "unit":
            continue
        if attribute.is_numeric:
            unit = column.unit or row.get(f"{column.base} unit")
            value = (float(str(cell).replace(",", ".")), unit)
            if attribute.type == AttributeType.RANGE:
                low, high = raw.get(attribute.code, (None, None))
                raw[attribute.code] = (value, high) if column.part == "min" else (low, value)
            else:
                raw[attribute.code] = value
        elif attribute.type == AttributeType.TEXT and attribute.localizable:
            raw.setdefault(attribute.code, {})[column.language] = cell
        else:
            raw[attribute.code] = cell
    return raw


def assert_round_trip(row: dict) -> None:
    """Values read back from a row equal the product's stored values."""
    product = Product.objects.get(article_number=row["article_number"])
    stored = effective_values(product)
    raw = raw_values_from_row(row)
    assert set(raw) == set(stored), row["article_number"]
    for code, value in raw.items():
        attribute = stored[code][0].attribute
        rebuilt = build_value_rows(attribute, value)
        for new, old in zip(rebuilt, stored[code], strict=True):
            for field in ("number", "number_min", "number_max"):
                if getattr(old, field) is not None:
                    assert getattr(new, field) == pytest.approx(getattr(old, field), rel=1e-9), code
            assert new.option_id == old.option_id, code
            assert new.boolean == old.boolean, code
            assert new.text_localized == old.text_localized, code


def test_header_grammar_round_trips():
    for column in [
        Column("name", language="de"),
        Column("max_pressure", unit="bar"),
        Column("temperature_range", part="min", unit="°C"),
        Column("nominal_size", part="unit"),
        Column("net_list_price", unit="EUR"),
        Column("EF000001"),
    ]:
        assert parse_header(column.header) == column
    # a receiver's name ending in " max" is ambiguous unless the reader knows its names
    assert parse_header("Druck max [bar]") == Column("Druck", part="max", unit="bar")
    assert parse_header("Druck max [bar]", names={"Druck max"}) == Column("Druck max", unit="bar")


def test_csv_reads_back_as_the_catalog(catalog, export_root):
    run = export(make_channel(ExportFormat.CSV))
    raw = run.file_path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = read_csv(run.file_path())
    assert [row["article_number"] for row in rows] == [
        "KH-100",
        "KH-200",
        "KH-300",
        catalog.products["long_number"].article_number,  # CSV has no 32-character limit
        "KH-SER-15",
    ]
    full = rows[0]
    assert full["name (de)"] == "Kugelhahn DN15 Messing"
    assert full["long_description (en)"] == "A robust two-way ball valve.\nFull bore."
    assert full["max_pressure [bar]"] == "16"
    assert full["temperature_range min [°C]"] == "-10"
    assert full["temperature_range max [°C]"] == "120"
    assert full["approvals"] == "fda|dvgw"
    assert full["food_grade"] == "true"
    assert full["net_list_price [EUR]"] == "12.5"
    assert full["gros_list_price [EUR]"] == "14.88"
    assert full["accessories"] == "KH-200"
    assert full["categories"] == "ball-valves"
    assert rows[1]["successor"] == "KH-100"
    assert rows[1]["max_pressure [bar]"].startswith("15.9958")
    assert rows[4]["approvals"] == "atex"  # inherited from the product model
    for row in rows:
        assert_round_trip(row)


def test_csv_locale_numbers_delimiter_and_no_bom(catalog, export_root):
    channel = make_channel(
        ExportFormat.CSV, languages="de,en", csv_delimiter=",", csv_bom=False, number_format="locale"
    )
    run = export(channel)
    assert not run.file_path().read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(run.file_path(), delimiter=",", encoding="utf-8")
    psi = next(row for row in rows if row["article_number"] == "KH-200")
    assert psi["max_pressure [bar]"].startswith("15,9958")
    assert psi["content_quantity"] == "10"
    full = next(row for row in rows if row["article_number"] == "KH-100")
    assert full["net_list_price [EUR]"] == "12,5"
    assert list(full)[7] == "name (de)"  # the channel's first language first


def test_separate_unit_columns(catalog, export_root):
    run = export(make_channel(ExportFormat.CSV, unit_placement=UnitPlacement.COLUMN))
    rows = read_csv(run.file_path())
    full = rows[0]
    assert full["max_pressure"] == "16" and full["max_pressure unit"] == "bar"
    assert full["temperature_range min"] == "-10" and full["temperature_range unit"] == "°C"
    for row in rows:
        assert_round_trip(row)


def test_xlsx_reads_back_with_typed_cells(catalog, export_root):
    run = export(make_channel(ExportFormat.XLSX))
    rows = read_xlsx(run.file_path())
    assert len(rows) == 5
    full = rows[0]
    assert full["article_number"] == "KH-100"
    assert full["max_pressure [bar]"] == 16
    assert full["food_grade"] is True
    assert full["net_list_price [EUR]"] == pytest.approx(12.5)
    assert full["name (en)"] == "Ball valve DN15 & <brass>"
    for row in rows:
        assert_round_trip(
            {
                key: ("true" if value is True else "false" if value is False else value)
                for key, value in row.items()
            }
        )


def test_tabular_delta_has_action_column(catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel(ExportFormat.XLSX)
    export(channel)  # what the receiver has: deletions are announced for these only
    since = timezone.now()
    catalog.products["variant"].delete()
    Product.objects.filter(pk=catalog.products["full"].pk).update(
        updated_at=timezone.now(), first_published_at=since
    )
    run = export(channel, kind=RunKind.DELTA, since=since)
    rows = read_xlsx(run.file_path())
    assert [(row["action"], row["article_number"]) for row in rows] == [
        ("update", "KH-100"),
        ("delete", "KH-SER-15"),
    ]
    assert rows[1]["name (en)"] is None


def test_jsonl_lines_carry_canonical_values(catalog, export_root, monkeypatch):
    from pim.exports import source
    from pim.exports.mime import MimeEntry

    full_pk = catalog.products["full"].pk
    monkeypatch.setattr(
        source,
        "mime_entries_for",
        lambda products, **options: {full_pk: [MimeEntry(source="images/kh-100.jpg", purpose="normal", kind="image")]},
    )
    run = export(make_channel(ExportFormat.JSONL))
    lines = [json.loads(line) for line in io.StringIO(run.file_path().read_text())]
    assert [line["article_number"] for line in lines][:3] == ["KH-100", "KH-200", "KH-300"]
    full = lines[0]
    assert full["values"]["max_pressure"] == {
        "type": "number",
        "unit": "pascal",
        "unit_code": "PAL",
        "value": 1600000,
        "display_unit": "bar",
        "etim": "EF000001",
    }
    assert full["values"]["temperature_range"]["min"] == pytest.approx(263.15)
    assert full["values"]["approvals"]["options"] == [
        {"code": "fda", "etim": "EV000003"},
        {"code": "dvgw", "etim": "EV000002"},
    ]
    assert full["values"]["note"]["value"] == {"en": "Lever included", "de": "Mit Hebel"}
    assert full["prices"][0] == {
        "type": "net_list",
        "currency": "EUR",
        "amount": 12.5,
        "min_quantity": 1,
        "tax_rate": 0.19,
        "valid_from": None,
        "valid_to": None,
    }
    assert full["assets"] == [
        {
            "url": "https://media.example.com/pim/images/kh-100.jpg",
            "purpose": "normal",
            "kind": "image",
            "mime_type": None,
            "descriptions": {},
        }
    ]
    assert lines[2]["name"] == {"en": "Ball valve, English only"}  # no German text invented
