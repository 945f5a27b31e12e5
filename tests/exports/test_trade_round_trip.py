"""Trade and logistics data from the admin to every export format: an editor fills the
"Trade & logistics" tab and publishes, and each format carries the values in its units
(BMEcat files valid against their schemas, read back with lxml; CSV, XLSX and JSON Lines
read back as a receiver reads them)."""

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pim.catalog.models import Category, Product
from pim.exports.models import ExportFormat, RunStatus
from pim.exports.runs import run_export
from tests.catalog.test_admin import post_form, url
from tests.catalog.test_trade_admin import EVERY_TRADE_FIELD

from .conftest import assert_valid, make_channel

pytestmark = pytest.mark.django_db

NS = {
    ExportFormat.BMECAT_2005: {"b": "http://www.bmecat.org/bmecat/2005"},
    ExportFormat.BMECAT_2005_ETIM: {"b": "https://www.etim-international.com/bmecat/50"},
    ExportFormat.BMECAT_12: {"b": "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog"},
}
SCHEMA = {
    ExportFormat.BMECAT_2005: "2005",
    ExportFormat.BMECAT_2005_ETIM: "etim",
    ExportFormat.BMECAT_12: "1.2-new",
}


@pytest.fixture
def edited(catalog, admin_client):
    """KH-EDIT, created and published through the product editor with every trade field."""
    family = catalog.products["full"].family
    category = Category.objects.get(code="ball-valves")
    response = post_form(
        admin_client,
        url("product", "add") + f"?family={family.pk}",
        {
            "article_number": "KH-EDIT",
            "name_0": "Ball valve DN15",
            "name_1": "Kugelhahn DN15",
            "lifecycle": "active",
            "categories": str(category.pk),
            **EVERY_TRADE_FIELD,
            "prices-TOTAL_FORMS": "1",
            "prices-0-price_type": "net_list",
            "prices-0-currency": "EUR",
            "prices-0-amount": "12.50",
            "prices-0-min_quantity": "1",
            "prices-0-tax_rate": "0.19",
        },
        publish=True,
    )
    assert response.status_code == 302
    product = Product.objects.get(article_number="KH-EDIT")
    assert product.live and product.lifecycle == "active"
    return product


def export(format, tmp_path):
    channel = make_channel(format, code=f"rt-{format}".replace(".", ""))
    extension = {ExportFormat.CSV: "csv", ExportFormat.XLSX: "xlsx", ExportFormat.JSONL: "jsonl"}.get(
        format, "xml"
    )
    output = tmp_path / f"export-{channel.code}.{extension}"
    run = run_export(channel, output=str(output))
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert not run.issues.filter(article_number="KH-EDIT").exists()
    return output


def bmecat_product(format, tmp_path):
    document = assert_valid(export(format, tmp_path), SCHEMA[format])
    ns = NS[format]
    pid = "SUPPLIER_PID" if format != ExportFormat.BMECAT_12 else "SUPPLIER_AID"
    element = "PRODUCT" if format != ExportFormat.BMECAT_12 else "ARTICLE"
    found = document.xpath(f"//b:{element}[b:{pid}='KH-EDIT']", namespaces=ns)
    assert len(found) == 1
    return found[0], ns


def test_bmecat2005_carries_what_the_editor_typed_in_its_units(edited, tmp_path):
    product, ns = bmecat_product(ExportFormat.BMECAT_2005, tmp_path)

    def text(path):
        return product.xpath(f"string({path})", namespaces=ns)

    logistics = "b:PRODUCT_LOGISTIC_DETAILS"
    assert text(f"{logistics}/b:CUSTOMS_TARIFF_NUMBER/b:CUSTOMS_NUMBER") == "84818081"
    assert text(f"{logistics}/b:COUNTRY_OF_ORIGIN") == "IT"
    dimensions = f"{logistics}/b:PRODUCT_DIMENSIONS"
    assert Decimal(text(f"{dimensions}/b:WEIGHT")) == Decimal("0.25")  # typed as 250 g
    assert Decimal(text(f"{dimensions}/b:LENGTH")) == Decimal("0.12")  # typed as 12 cm
    assert Decimal(text(f"{dimensions}/b:DEPTH")) == Decimal("0.045")  # typed as 4.5 cm
    assert Decimal(text(f"{dimensions}/b:VOLUME")) == Decimal("0.12") * Decimal("0.08") * Decimal("0.045")
    assert text("b:PRODUCT_DETAILS/b:DELIVERY_TIME") == "5"
    assert product.xpath("b:PRODUCT_DETAILS/b:KEYWORD[@lang='deu']/text()", namespaces=ns) == [
        "Kugelhahn",
        "Messing",
    ]
    packs = product.xpath("b:PRODUCT_ORDER_DETAILS/b:PACKING_UNITS/b:PACKING_UNIT", namespaces=ns)
    assert [p.xpath("string(b:PACKING_UNIT_CODE)", namespaces=ns) for p in packs] == ["BG", "CT"]


def test_etim_variant_carries_packages_brand_and_declarations(edited, tmp_path):
    product, ns = bmecat_product(ExportFormat.BMECAT_2005_ETIM, tmp_path)
    udx = product.find("b:USER_DEFINED_EXTENSIONS", namespaces=ns)

    assert udx.findtext("b:UDX.EDXF.BRAND_NAME", namespaces=ns) == "Hydra"
    assert (
        udx.findtext("b:UDX.EDXF.DISCOUNT_GROUP/b:UDX.EDXF.DISCOUNT_GROUP_SUPPLIER", namespaces=ns) == "R12"
    )
    assert udx.findtext("b:UDX.EDXF.ROHS_INDICATOR", namespaces=ns) == "exempt"
    assert udx.findtext("b:UDX.EDXF.CE_MARKING", namespaces=ns) == "true"
    assert (
        udx.findtext("b:UDX.EDXF.REACH/b:UDX.EDXF.SCIP_NUMBER", namespaces=ns)
        == "f5716c60-d07c-415c-b4c0-c1a796eaaf04"
    )
    bag = udx.find("b:UDX.EDXF.PACKING_UNITS/b:UDX.EDXF.PACKING_UNIT", namespaces=ns)
    assert bag.findtext("b:UDX.EDXF.GTIN", namespaces=ns) == "4006381333931"
    assert Decimal(bag.findtext("b:UDX.EDXF.WEIGHT", namespaces=ns)) == Decimal("2.6")
    assert Decimal(bag.findtext("b:UDX.EDXF.LENGTH", namespaces=ns)) == Decimal("0.2")
    assert bag.findtext("b:UDX.EDXF.PACKAGE_BREAK", namespaces=ns) == "true"
    assert Decimal(
        udx.findtext("b:UDX.EDXF.PRODUCT_LOGISTIC_DETAILS/b:UDX.EDXF.NETWEIGHT", namespaces=ns)
    ) == Decimal("0.25")
    dangerous = udx.find("b:UDX.EDXF.SPECIAL_TREATMENT_CLASS_DETAILS", namespaces=ns)
    assert "1950" in dangerous.xpath(".//text()")
    assert dangerous.findtext(".//b:UDX.EDXF.HAZARD_CLASS", namespaces=ns) == "2.1"


def test_bmecat12_carries_delivery_time_and_keywords(edited, tmp_path):
    article, ns = bmecat_product(ExportFormat.BMECAT_12, tmp_path)
    assert article.xpath("string(b:ARTICLE_DETAILS/b:DELIVERY_TIME)", namespaces=ns) == "5"
    assert "ball valve" in article.xpath("b:ARTICLE_DETAILS/b:KEYWORD/text()", namespaces=ns)


def test_csv_and_xlsx_machine_layout_carry_the_values(edited, tmp_path):
    text = export(ExportFormat.CSV, tmp_path).read_text(encoding="utf-8-sig")
    delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
    rows = {row["article_number"]: row for row in csv.DictReader(io.StringIO(text), delimiter=delimiter)}
    row = rows["KH-EDIT"]
    assert Decimal(row["net_weight [kg]"]) == Decimal("0.25")
    assert Decimal(row["gross_weight [kg]"]) == Decimal("0.340194")  # typed as 0.75 lb
    assert Decimal(row["height [mm]"]) == Decimal("45")
    assert row["country_of_origin"] == "IT"
    assert row["customs_tariff_number"] == "84818081"
    assert row["packing_unit_1_gtin"] == "4006381333931"
    assert row["packing_unit_2_code"] == "CT"

    sheet = load_workbook(export(ExportFormat.XLSX, tmp_path), read_only=True).active
    header, *body = list(sheet.iter_rows(values_only=True))
    row = dict(
        zip(header, next(r for r in body if r[0] == "KH-EDIT"), strict=False)
    )  # read-only rows end at the last value
    assert row["net_weight [kg]"] == pytest.approx(0.25)
    assert row["length [mm]"] == pytest.approx(120)
    assert row["packing_unit_1_quantity"] == pytest.approx(10)
    assert row["keywords (de)"] == "Kugelhahn, Messing"


def test_json_lines_carry_trade_logistics_and_packages(edited, tmp_path):
    lines = export(ExportFormat.JSONL, tmp_path).read_text(encoding="utf-8").splitlines()
    record = next(r for r in map(json.loads, lines) if r.get("article_number") == "KH-EDIT")
    assert record["logistics"]["net_weight_kg"] == 0.25
    assert record["logistics"]["width_mm"] == 80
    assert record["trade"]["country_of_origin"] == "IT"
    assert record["trade"]["keywords"]["en"] == ["ball valve", "brass", "DN15"]
    assert [unit["code"] for unit in record["packing_units"]] == ["BG", "CT"]
    assert record["packing_units"][0]["gtin"] == "4006381333931"
