"""Trade and logistics data in the machine-readable CSV/XLSX layout and in JSON Lines: every
new column reads back as the catalog's data (inherited values included), in the unit its
header names; packing units get as many column groups as the channel needs."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pim.catalog import trade
from pim.catalog.models import PackingUnit, Product
from pim.exports.layout import (
    DECLARATION_COLUMNS,
    LOGISTICS_COLUMNS,
    PACKING_UNIT_COLUMNS,
    TRADE_COLUMNS,
    packing_unit_base,
    parse_header,
    parse_packing_unit_base,
)
from pim.exports.models import ExportFormat, RunStatus
from pim.exports.runs import run_export
from pim.exports.spreadsheets import text_from_csv
from pim.exports.tabular import packing_unit_groups
from tests.factories import make_product

from .conftest import gtin, make_channel
from .test_tabular import read_csv, read_xlsx

pytestmark = pytest.mark.django_db

SCIP = "f5716c60-d07c-415c-b4c0-c1a796eaaf04"
DECIMAL_FIELDS = {"net_weight", "gross_weight", "length", "width", "height", "quantity"}
BOOLEAN_FIELDS = {"ce_marking", "package_break"}


def _set(instance, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


@pytest.fixture
def traded(catalog):
    """KH-100 with its own trade data and two packing units; the KH series with trade data its
    variant inherits (the variant says "no CE marking" itself); KH-200 dangerous goods with
    three packing units (the channel's maximum); a draft with five (must not count)."""
    full, psi, variant = catalog.products["full"], catalog.products["psi"], catalog.products["variant"]
    _set(
        full,
        brand="Acme",
        country_of_origin="DE",
        customs_tariff_number="84818081",
        delivery_time_days=5,
        discount_group="A1",
        keywords={"en": "valve, brass; ball valve", "de": "Ventil, Messing"},
        reach_status="free",
        rohs_status="compliant",
        ce_marking=True,
        net_weight=Decimal("0.25"),
        gross_weight=Decimal("0.3"),
        length=Decimal("120"),
        width=Decimal("80.5"),
        height=Decimal("45"),
    )
    PackingUnit.objects.create(
        product=full,
        code="CT",
        quantity=Decimal("50"),
        gtin=gtin("400638133394"),
        gross_weight=Decimal("15.75"),
        length=Decimal("400"),
        width=Decimal("300"),
        height=Decimal("200"),
        package_break=True,
        sort_order=0,
    )
    PackingUnit.objects.create(product=full, code="PF", quantity=Decimal("2000"), sort_order=1)
    _set(
        catalog.model,
        brand="KH Valves",
        country_of_origin="IT",
        customs_tariff_number="8481808590",
        delivery_time_days=0,  # from stock: a delivery time, not an unknown one
        keywords={"en": "series valve", "de": "Serienventil"},
        reach_status="contains",
        scip_number=SCIP,
        rohs_status="exempt",
        ce_marking=True,
    )
    _set(variant, ce_marking=False, net_weight=Decimal("1.1"), gross_weight=Decimal("1.2"))
    _set(psi, un_number="1263", hazard_class="3", packing_group="II", reach_status="no_data")
    for order, (code, quantity) in enumerate([("BG", "10"), ("CT", "100"), ("PF", "5000")]):
        PackingUnit.objects.create(product=psi, code=code, quantity=Decimal(quantity), sort_order=order)
    draft = catalog.products["draft"]
    for order in range(5):
        PackingUnit.objects.create(product=draft, code="BX", quantity=Decimal(order + 1), sort_order=order)
    return catalog


def export(channel, **options):
    run = run_export(channel, **options)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _typed(name: str, cell, *, csv_cell: bool):
    """A cell as the import would read it into the field ``name``."""
    if cell in (None, ""):
        return None
    if name in BOOLEAN_FIELDS:
        return cell if isinstance(cell, bool) else {"true": True, "false": False}[cell]
    if name in DECIMAL_FIELDS:
        return Decimal(str(cell))
    if name == "delivery_time_days":
        return int(cell)
    return text_from_csv(cell) if csv_cell else cell


def read_back(row: dict, *, csv_cell: bool) -> dict:
    """Trade fields, keywords per language, weights/dimensions and packing units of one row,
    read with the layout's grammar; units taken from the headers."""
    data = {"trade": {}, "keywords": {}, "logistics": {}, "units": {}, "packing_units": {}}
    for header, cell in row.items():
        column = parse_header(header)
        packing = parse_packing_unit_base(column.base)
        if packing is not None:
            number, name = packing
            data["units"][f"packing_unit_{name}"] = column.unit
            value = _typed(name, cell, csv_cell=csv_cell)
            if value is not None:
                data["packing_units"].setdefault(number, {})[name] = value
        elif column.base == "keywords":
            data["keywords"][column.language] = trade.split_keywords(
                _typed("keywords", cell, csv_cell=csv_cell)
            )
        elif column.base in LOGISTICS_COLUMNS:
            data["units"][column.base] = column.unit
            data["logistics"][column.base] = _typed(column.base, cell, csv_cell=csv_cell)
        elif column.base in TRADE_COLUMNS or column.base in DECLARATION_COLUMNS:
            data["trade"][column.base] = _typed(column.base, cell, csv_cell=csv_cell)
    return data


def expected(product: Product, languages) -> dict:
    """The same, from the database (inheritance applied by the catalog's own rule)."""
    effective = trade.effective_trade(product)
    trade_values = {}
    for name in [*TRADE_COLUMNS, *DECLARATION_COLUMNS]:
        value = effective[name]
        value = getattr(value, "code", value)  # a country as its ISO code
        trade_values[name] = None if value == "" else value
    units = []
    for unit in product.packing_units.order_by("sort_order", "pk"):
        fields = {name: getattr(unit, name) for name in PACKING_UNIT_COLUMNS}
        units.append({name: value for name, value in fields.items() if value not in ("", None)})
    return {
        "trade": trade_values,
        "keywords": {language: trade.keywords(product, language) for language in languages},
        "logistics": {name: getattr(product, name) for name in LOGISTICS_COLUMNS},
        "packing_units": dict(enumerate(units, 1)),
    }


def assert_trade_round_trip(rows, *, csv_cell: bool, languages=("en", "de")):
    for row in rows:
        product = Product.objects.get(article_number=row["article_number"])
        back = read_back(row, csv_cell=csv_cell)
        want = expected(product, languages)
        for part in ("trade", "keywords", "logistics", "packing_units"):
            assert back[part] == want[part], (row["article_number"], part)
        assert back["units"]["net_weight"] == back["units"]["gross_weight"] == "kg"
        assert back["units"]["length"] == back["units"]["width"] == back["units"]["height"] == "mm"
        assert back["units"]["packing_unit_gross_weight"] == "kg"
        assert back["units"]["packing_unit_length"] == "mm"


def test_machine_csv_has_the_trade_columns_after_the_commercial_ones(traded, export_root):
    rows = read_csv(export(make_channel(ExportFormat.CSV)).file_path())
    headers = list(rows[0])
    start = headers.index("order_quantity_step") + 1
    groups = [
        packing_unit_base(number, name) + (f" [{unit}]" if unit else "")
        for number in (1, 2, 3)
        for name, unit in PACKING_UNIT_COLUMNS.items()
    ]
    assert headers[start : headers.index("net_list_price [EUR]")] == [
        "brand",
        "country_of_origin",
        "customs_tariff_number",
        "delivery_time_days",
        "discount_group",
        "keywords (en)",
        "keywords (de)",
        "reach_status",
        "scip_number",
        "rohs_status",
        "ce_marking",
        "un_number",
        "hazard_class",
        "packing_group",
        "net_weight [kg]",
        "gross_weight [kg]",
        "length [mm]",
        "width [mm]",
        "height [mm]",
        *groups,
    ]
    by_number = {row["article_number"]: row for row in rows}
    full = by_number["KH-100"]
    assert full["country_of_origin"] == "DE"
    assert full["customs_tariff_number"] == "84818081"
    assert full["keywords (en)"] == "valve, brass, ball valve"
    assert full["keywords (de)"] == "Ventil, Messing"
    assert full["ce_marking"] == "true"
    assert (full["net_weight [kg]"], full["width [mm]"]) == ("0.25", "80.5")
    assert full["packing_unit_1_code"] == "CT" and full["packing_unit_1_quantity"] == "50"
    assert full["packing_unit_1_gross_weight [kg]"] == "15.75"
    assert full["packing_unit_1_package_break"] == "true"
    assert full["packing_unit_2_code"] == "PF" and full["packing_unit_2_package_break"] == "false"
    assert full["packing_unit_3_code"] == ""
    variant = by_number["KH-SER-15"]  # the series' data, except what the variant says itself
    assert (variant["brand"], variant["country_of_origin"]) == ("KH Valves", "IT")
    assert variant["delivery_time_days"] == "0"
    assert variant["scip_number"] == SCIP and variant["keywords (de)"] == "Serienventil"
    assert variant["ce_marking"] == "false"
    psi = by_number["KH-200"]
    assert (psi["un_number"], psi["hazard_class"], psi["packing_group"]) == ("1263", "3", "II")
    assert psi["packing_unit_3_code"] == "PF" and psi["packing_unit_3_quantity"] == "5000"
    assert_trade_round_trip(rows, csv_cell=True)


def test_machine_xlsx_trade_cells_are_typed_and_read_back(traded, export_root):
    rows = read_xlsx(export(make_channel(ExportFormat.XLSX)).file_path())
    full = next(row for row in rows if row["article_number"] == "KH-100")
    assert full["net_weight [kg]"] == pytest.approx(0.25)
    assert full["delivery_time_days"] == 5
    assert full["ce_marking"] is True and full["packing_unit_1_package_break"] is True
    assert full["customs_tariff_number"] == "84818081"  # text: leading zeros would survive
    assert_trade_round_trip(rows, csv_cell=False)


def test_packing_unit_groups_come_from_one_query_over_the_channels_products(traded):
    channel = make_channel(ExportFormat.CSV)
    with CaptureQueriesContext(connection) as queries:
        assert packing_unit_groups(channel) == 3  # KH-200; the draft's five do not count
    assert sum("catalog_packingunit" in query["sql"] for query in queries.captured_queries) == 1

    fittings = make_channel(ExportFormat.CSV, code="fittings-only")
    fittings.categories.set([traded.categories["fittings"]])  # only KH-300: no packing units
    assert packing_unit_groups(fittings) == 0
    many = make_product(traded.family, article_number="KH-400")
    many.categories.set([traded.categories["fittings"]])
    many.save()
    for order in range(4):
        PackingUnit.objects.create(
            product=many, code="BX", quantity=Decimal(10 * (order + 1)), sort_order=order
        )
    assert packing_unit_groups(fittings) == 4


def test_a_channel_without_packing_units_has_no_packing_columns(catalog, export_root):
    headers = list(read_csv(export(make_channel(ExportFormat.CSV)).file_path())[0])
    assert not [header for header in headers if header.startswith("packing_unit_")]
    assert "net_weight [kg]" in headers and "brand" in headers


def test_a_packing_unit_added_after_the_header_was_written_is_reported_not_dropped(
    traded, export_root, monkeypatch
):
    from pim.exports import tabular

    real = tabular.packing_unit_groups

    def count_then_add(channel):
        groups = real(channel)
        # a concurrent edit between laying out the columns and reading KH-100
        PackingUnit.objects.create(
            product=traded.products["full"], code="BX", quantity=Decimal("5"), sort_order=5
        )
        PackingUnit.objects.create(
            product=traded.products["full"], code="BG", quantity=Decimal("1"), sort_order=6
        )
        return groups

    monkeypatch.setattr(tabular, "packing_unit_groups", count_then_add)
    run = export(make_channel(ExportFormat.CSV))
    rows = read_csv(run.file_path())
    assert "KH-100" not in {row["article_number"] for row in rows}
    issue = run.issues.get()
    assert issue.article_number == "KH-100"
    assert "4 packing units" in issue.message and "columns for 3" in issue.message


def test_packing_unit_column_names_parse_back():
    for number in (1, 2, 12):
        for name in PACKING_UNIT_COLUMNS:
            assert parse_packing_unit_base(packing_unit_base(number, name)) == (number, name)
    assert parse_packing_unit_base("packing_unit_0_code") is None
    assert parse_packing_unit_base("packing_unit_1_colour") is None
    assert parse_packing_unit_base("net_weight") is None


def test_jsonl_carries_trade_logistics_and_packing_units(traded, export_root):
    run = export(make_channel(ExportFormat.JSONL))
    lines = {
        line["article_number"]: line
        for line in map(json.loads, run.file_path().read_text(encoding="utf-8").splitlines())
    }
    full = lines["KH-100"]
    assert full["trade"] == {
        "brand": "Acme",
        "country_of_origin": "DE",
        "customs_tariff_number": "84818081",
        "delivery_time_days": 5,
        "discount_group": "A1",
        "keywords": {"en": ["valve", "brass", "ball valve"], "de": ["Ventil", "Messing"]},
        "reach_status": "free",
        "scip_number": None,
        "rohs_status": "compliant",
        "ce_marking": True,
        "un_number": None,
        "hazard_class": None,
        "packing_group": None,
    }
    assert set(full["trade"]) == set(trade.INHERITED_FIELDS)
    assert full["logistics"] == {
        "net_weight_kg": 0.25,
        "gross_weight_kg": 0.3,
        "length_mm": 120,
        "width_mm": 80.5,
        "height_mm": 45,
        "volume_m3": 0.0004347,
    }
    assert full["packing_units"] == [
        {
            "code": "CT",
            "quantity": 50,
            "gtin": gtin("400638133394"),
            "gross_weight_kg": 15.75,
            "length_mm": 400,
            "width_mm": 300,
            "height_mm": 200,
            "package_break": True,
        },
        {
            "code": "PF",
            "quantity": 2000,
            "gtin": None,
            "gross_weight_kg": None,
            "length_mm": None,
            "width_mm": None,
            "height_mm": None,
            "package_break": False,
        },
    ]
    variant = lines["KH-SER-15"]
    assert variant["trade"]["brand"] == "KH Valves" and variant["trade"]["delivery_time_days"] == 0
    assert variant["trade"]["ce_marking"] is False
    assert variant["trade"]["keywords"] == {"en": ["series valve"], "de": ["Serienventil"]}
    assert variant["logistics"]["volume_m3"] is None and variant["packing_units"] == []
    assert lines["KH-200"]["trade"]["hazard_class"] == "3"
    assert [unit["code"] for unit in lines["KH-200"]["packing_units"]] == ["BG", "CT", "PF"]
