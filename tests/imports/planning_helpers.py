"""A minimal reader of the machine layout for the planner's tests (Part A's reader is tested
on its own): a CSV or XLSX row as a dict of header -> cell, turned into an IncomingProduct
with the layout grammar of :mod:`pim.exports.layout`."""

import csv

from openpyxl import load_workbook

from pim.catalog.models import Attribute, AttributeType
from pim.exports.layout import (
    COMMERCIAL_COLUMNS,
    DECLARATION_COLUMNS,
    FIELD_COLUMNS,
    KEYWORDS_COLUMN,
    LOCALIZED_COLUMNS,
    LOGISTICS_COLUMNS,
    PRICE_COLUMNS,
    REFERENCE_KINDS,
    TRADE_COLUMNS,
    parse_header,
    parse_packing_unit_base,
)
from pim.exports.spreadsheets import text_from_csv
from pim.imports.records import IncomingPackingUnit, IncomingPrice, IncomingProduct, Location, Raw


def read_csv_rows(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def read_xlsx_rows(path) -> list[dict]:
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    headers = rows[0]
    return [dict(zip(headers, row + (None,) * (len(headers) - len(row)), strict=True)) for row in rows[1:]]


def incoming_from_row(row: dict, number: int, *, sheet: str = "", csv_cells: bool = True) -> IncomingProduct:
    """``number``: the 1-based spreadsheet row (the header is row 1)."""
    attributes = {a.code: a for a in Attribute.objects.all()}

    def raw(header, value, unit=""):
        if csv_cells and isinstance(value, str):
            value = text_from_csv(value)
        return Raw(value, Location(sheet=sheet, row=number, column=header), unit)

    item = IncomingProduct(
        article_number=raw("article_number", row["article_number"]),
        location=Location(sheet=sheet, row=number),
    )
    packing: dict[int, dict] = {}
    for header, cell in row.items():
        column = parse_header(header)
        base = column.base
        if base == "article_number":
            continue
        if base in LOCALIZED_COLUMNS or base == KEYWORDS_COLUMN:
            item.localized.setdefault(base, {})[column.language] = raw(header, cell)
        elif base == "categories":
            item.categories = [raw(header, cell)]
        elif base in FIELD_COLUMNS or base in COMMERCIAL_COLUMNS or base in TRADE_COLUMNS:
            item.fields[base] = raw(header, cell)
        elif base in DECLARATION_COLUMNS or base in LOGISTICS_COLUMNS:
            item.fields[base] = raw(header, cell, column.unit)
        elif (packing_unit := parse_packing_unit_base(base)) is not None:
            group, name = packing_unit
            packing.setdefault(group, {})[name] = raw(header, cell, column.unit)
        elif base in PRICE_COLUMNS:
            item.prices = item.prices or []
            item.prices.append(IncomingPrice(base.removesuffix("_price"), column.unit, raw(header, cell)))
        elif base == "successor" or base in REFERENCE_KINDS:
            item.relations = item.relations or {}
            item.relations[REFERENCE_KINDS.get(base, "successor")] = [raw(header, cell)]
        elif base in attributes:
            attribute = attributes[base]
            if attribute.type == AttributeType.RANGE:
                current = item.values.get(base)
                low, high = current.value if current else (None, None)
                value = (cell, high) if column.part == "min" else (low, cell)
                item.values[base] = Raw(value, Location(sheet=sheet, row=number, column=header), column.unit)
            elif attribute.type == AttributeType.TEXT and attribute.localizable:
                current = item.values.get(base) or raw(header, {})
                current.value[column.language] = cell
                item.values[base] = current
            else:
                item.values[base] = raw(header, cell, column.unit)
    if packing:
        item.packing_units = [IncomingPackingUnit(fields) for _group, fields in sorted(packing.items())]
    return item


def incoming_rows(rows: list[dict], **options) -> list[IncomingProduct]:
    return [incoming_from_row(row, number, **options) for number, row in enumerate(rows, 2)]


def row_of(rows, number):
    return next(row for row in rows if row["article_number"] == number)


def edit_ten_cells(rows) -> None:
    """Ten edits of an exported CSV of the export tests' catalog (with its trade data), as a
    product manager makes them in Excel."""
    full, psi, english = row_of(rows, "KH-100"), row_of(rows, "KH-200"), row_of(rows, "KH-300")
    full["max_pressure [bar]"] = "300 psi"  # a number with another unit
    full["temperature_range max [°C]"] = "130"
    full["approvals"] = "fda"
    full["name (de)"] = "Kugelhahn DN15 Messing vernickelt"
    full["net_weight [kg]"] = "300 g"
    psi["body_material"] = "Messing"  # an option label in German
    psi["food_grade"] = "ja"
    psi["net_list_price [EUR]"] = "22,50"
    english["name (en)"] = "Ball valve DN20"
    english["gros_list_price [EUR]"] = "19.99"  # no gross price yet: created
