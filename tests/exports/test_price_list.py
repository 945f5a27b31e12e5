"""The readable price list (CSV/XLSX layout "price_list"): labels instead of codes in the
channel's first language, one row per price (tiers and future prices), dates as dates; the
same formula-injection rule as the machine layout; JSON Lines keeps every price row too."""

import csv
import json
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from pim.catalog.localization import localize
from pim.catalog.models import Attribute, FamilyAttribute, PackingUnit, Product, ProductPrice
from pim.exports.demo import create_demo_channels
from pim.exports.models import Channel, ChannelAttribute, ExportFormat, RunKind, RunStatus, TabularLayout
from pim.exports.runs import run_export
from pim.exports.spreadsheets import FORMULA_STARTS
from tests.factories import make_product

from .conftest import make_channel

pytestmark = pytest.mark.django_db

KEY_ATTRIBUTES = ["max_pressure", "temperature_range", "body_material", "approvals", "food_grade"]
TODAY = date.today()
FUTURE = TODAY + timedelta(days=30)


@pytest.fixture
def tiered(catalog):
    """PL-1: three net tiers, one future net price, an expired and a USD price (neither in a
    EUR price list), trade data and packing units; the family's key attributes marked."""
    FamilyAttribute.objects.filter(family=catalog.family, attribute__code__in=KEY_ATTRIBUTES).update(
        in_listing=True
    )
    product = make_product(
        catalog.family,
        article_number="PL-1",
        name={"en": "Ball valve DN20", "de": "Kugelhahn DN20"},
        short_description={"en": "Two-way, full bore", "de": "2-Wege, voller Durchgang"},
        manufacturer_name="Acme Valves",
        values={
            "max_pressure": "25 bar",
            "temperature_range": "-20 .. 80 °C",
            "body_material": "brass",
            "approvals": ["fda", "dvgw"],
            "food_grade": True,
        },
        order_unit="C62",
        min_order_quantity=Decimal("10"),
        order_quantity_step=Decimal("10"),
        brand="Acme",
        country_of_origin="DE",
        customs_tariff_number="84818081",
        delivery_time_days=3,
        discount_group="A1",
        net_weight=Decimal("0.42"),
        gross_weight=Decimal("0.5"),
        length=Decimal("110"),
        width=Decimal("60"),
        height=Decimal("75"),
    )
    product.categories.set([catalog.categories["ball"]])
    product.save()
    for quantity, amount in (("1", "10.00"), ("10", "9.50"), ("100", "8.75")):
        ProductPrice.objects.create(
            product=product, currency="EUR", amount=Decimal(amount), min_quantity=Decimal(quantity)
        )
    ProductPrice.objects.create(product=product, currency="EUR", amount=Decimal("10.40"), valid_from=FUTURE)
    ProductPrice.objects.create(
        product=product, currency="EUR", amount=Decimal("9.00"), valid_to=TODAY - timedelta(days=1)
    )
    ProductPrice.objects.create(product=product, currency="USD", amount=Decimal("11.00"))
    PackingUnit.objects.create(product=product, code="CT", quantity=Decimal("50"), sort_order=0)
    PackingUnit.objects.create(product=product, code="PF", quantity=Decimal("2000"), sort_order=1)
    return product


def export(channel, **options):
    run = run_export(channel, **options)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def price_list(format=ExportFormat.XLSX, **fields):
    fields.setdefault("code", f"price-list-{format}")
    return make_channel(format, tabular_layout=TabularLayout.PRICE_LIST, **fields)


def read_sheet(path):
    """(headers, rows as dicts of cells) of the first sheet, cells with their types."""
    sheet = load_workbook(path).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    rows = [dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    return headers, rows


def rows_of(rows, article_number, header="Article number"):
    return [row for row in rows if row[header].value == article_number]


def test_every_tier_and_the_future_price_get_their_own_row(tiered, export_root):
    headers, rows = read_sheet(export(price_list(languages="en,de")).file_path())
    pl = rows_of(rows, "PL-1")
    assert len(pl) == 4
    assert [row["From quantity"].value for row in pl] == [1, 10, 100, 1]
    assert [row["Net list price [EUR]"].value for row in pl] == pytest.approx([10, 9.5, 8.75, 10.4])
    assert [row["Valid from"].value for row in pl] == [
        None,
        None,
        None,
        datetime.combine(FUTURE, datetime.min.time()),
    ]
    assert pl[3]["Valid from"].is_date  # a date cell, not text
    assert [row["Valid until"].value for row in pl] == [None] * 4
    assert {row["Price type"].value for row in pl} == {"Net list price"}
    assert {row["Price unit"].value for row in pl} == {"1 piece"}
    assert all(row["Gross list price [EUR]"].value is None for row in pl)
    # product data repeats on every row, so each row reads alone (filters, sorting)
    assert {row["Name"].value for row in pl} == {"Ball valve DN20"}
    assert {row["Minimum order quantity"].value for row in pl} == {10}

    kh100 = rows_of(rows, "KH-100")  # two net tiers and a gross price valid until a date
    assert [(row["Price type"].value, row["From quantity"].value) for row in kh100] == [
        ("Net list price", 1),
        ("Net list price", 50),
        ("Gross list price", 1),
    ]
    assert kh100[2]["Gross list price [EUR]"].value == pytest.approx(14.88)
    assert kh100[2]["Valid until"].value.date() == TODAY + timedelta(days=300)
    no_price = rows_of(rows, "KH-300")  # still listed, once, without a price
    assert len(no_price) == 1
    assert no_price[0]["Price type"].value is None and no_price[0]["Net list price [EUR]"].value is None


def test_headers_and_options_are_labels_not_codes(tiered, export_root):
    headers, rows = read_sheet(export(price_list(languages="en,de")).file_path())
    assert headers[:6] == ["Article number", "GTIN", "Name", "Short description", "Manufacturer", "Brand"]
    for header in (
        "Max. operating pressure [bar]",
        "Medium temperature from [°C]",
        "Medium temperature to [°C]",
        "Body material",
        "Approvals",
        "Food grade",
        "Net list price [EUR]",
        "Net weight [kg]",
        "Length [mm]",
        "Country of origin",
        "Customs tariff number",
        "Packing units",
        "Successor",
    ):
        assert header in headers
    assert not [h for h in headers if "_" in h or h.startswith(("EF0", "EV0"))]  # no codes
    assert "Note" not in headers  # not a key attribute of the family
    row = rows_of(rows, "PL-1")[0]
    assert row["Max. operating pressure [bar]"].value == 25
    assert (row["Medium temperature from [°C]"].value, row["Medium temperature to [°C]"].value) == (-20, 80)
    assert row["Body material"].value == "Brass"
    assert row["Approvals"].value == "FDA, DVGW"
    assert row["Food grade"].value == "Yes"
    assert row["Order unit"].value == "piece"
    assert row["Net weight [kg]"].value == pytest.approx(0.42)
    assert (row["Length [mm]"].value, row["Width [mm]"].value, row["Height [mm]"].value) == (110, 60, 75)
    assert row["Country of origin"].value == "Germany"
    assert row["Customs tariff number"].value == "84818081"
    assert row["Delivery time (working days)"].value == 3
    assert row["Packing units"].value == "Carton: 50; Pallet: 2000"
    assert rows_of(rows, "KH-200")[0]["Successor"].value == "KH-100"
    options = {"brass", "ss316", "fda", "dvgw", "atex"}
    for row in rows:
        for cell in row.values():
            assert cell.value not in options and not str(cell.value or "").startswith("EV0")


def test_a_german_channel_gets_german_headers_and_labels(tiered, export_root):
    headers, rows = read_sheet(export(price_list(languages="de,en")).file_path())
    with translation.override("de"):
        article, net, yes = gettext("Article number"), gettext("Net list price"), gettext("Yes")
    assert (article, net, yes) == ("Artikelnummer", "Listenpreis netto", "Ja")  # really German
    assert headers[0] == article
    assert f"{net} [EUR]" in headers and "Max. Betriebsdruck [bar]" in headers
    row = rows_of(rows, "PL-1", header=article)[0]
    assert row["Name"].value == "Kugelhahn DN20"
    assert row["Gehäusewerkstoff"].value == "Messing"
    assert row["Lebensmittelecht"].value == yes
    assert row[f"{net} [EUR]"].value == pytest.approx(10)
    assert "Deutschland" in [cell.value for cell in row.values()]
    assert "Stück" in [cell.value for cell in row.values()]  # order unit
    assert "1 Stück" in [cell.value for cell in row.values()]  # price unit
    english_only = rows_of(rows, "KH-300", header=article)[0]
    assert english_only["Name"].value == "Ball valve, English only"  # the channel's next language


def test_csv_price_list_writes_iso_dates_and_one_row_per_price(tiered, export_root):
    run = export(price_list(ExportFormat.CSV, languages="en,de"))
    with open(run.file_path(), encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter=";") if row["Article number"] == "PL-1"]
    assert [(row["From quantity"], row["Net list price [EUR]"], row["Valid from"]) for row in rows] == [
        ("1", "10", ""),
        ("10", "9.5", ""),
        ("100", "8.75", ""),
        ("1", "10.4", FUTURE.isoformat()),
    ]
    assert rows[0]["Food grade"] == "Yes" and rows[0]["Net weight [kg]"] == "0.42"


def test_the_channels_attribute_selection_replaces_the_key_attributes(tiered, export_root):
    channel = price_list(languages="en,de")
    ChannelAttribute.objects.create(
        channel=channel, attribute=Attribute.objects.get(code="nominal_size"), export_name="DN"
    )
    ChannelAttribute.objects.create(channel=channel, attribute=Attribute.objects.get(code="body_material"))
    headers, rows = read_sheet(export(channel).file_path())
    assert "DN [mm]" in headers and "Body material" in headers
    assert "Max. operating pressure [bar]" not in headers
    assert rows_of(rows, "KH-100")[0]["DN [mm]"].value == 15


def test_price_list_delta_starts_with_the_change(tiered, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = price_list(languages="en,de")
    export(channel)
    since = timezone.now()
    Product.objects.filter(pk=tiered.pk).update(updated_at=timezone.now(), first_published_at=since)
    Product.objects.get(article_number="KH-300").delete()
    headers, rows = read_sheet(export(channel, kind=RunKind.DELTA, since=since).file_path())
    assert headers[:2] == ["Change", "Article number"]
    assert [(row["Change"].value, row["Article number"].value) for row in rows] == [
        ("Changed", "PL-1"),
        ("Changed", "PL-1"),
        ("Changed", "PL-1"),
        ("Changed", "PL-1"),
        ("Removed", "KH-300"),
    ]
    assert rows[-1]["Name"].value is None


INJECTED = '=HYPERLINK("http://x","y")'


@pytest.fixture
def injected(catalog):
    product = make_product(
        catalog.family, article_number="INJ-1", name={"en": INJECTED, "de": INJECTED}, brand="@SUM(1)"
    )
    ProductPrice.objects.create(product=product, currency="EUR", amount=Decimal("12"))
    return product


@pytest.mark.parametrize("layout", [TabularLayout.MACHINE, TabularLayout.PRICE_LIST])
def test_formulas_are_inert_text_in_both_layouts(injected, export_root, layout):
    name, brand = ("name (en)", "brand") if layout == TabularLayout.MACHINE else ("Name", "Brand")
    number = "article_number" if layout == TabularLayout.MACHINE else "Article number"
    xlsx = export(make_channel(ExportFormat.XLSX, tabular_layout=layout)).file_path()
    with zipfile.ZipFile(xlsx) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    headers, rows = read_sheet(xlsx)
    row = rows_of(rows, "INJ-1", header=number)[0]
    assert row[name].value == INJECTED and row[name].data_type == "s" and row[name].quotePrefix
    assert row[brand].value == "@SUM(1)" and row[brand].data_type == "s"

    run = export(make_channel(ExportFormat.CSV, tabular_layout=layout))
    with open(run.file_path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    row = next(row for row in rows if row[number] == "INJ-1")
    assert row[name] == "'" + INJECTED and row[brand] == "'@SUM(1)"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS) or cell.lstrip("-").replace(".", "").isdigit(), cell


def test_jsonl_has_every_tier_and_the_future_price_as_numbers(tiered, export_root):
    run = export(make_channel(ExportFormat.JSONL))
    line = next(
        json.loads(text)
        for text in run.file_path().read_text(encoding="utf-8").splitlines()
        if json.loads(text)["article_number"] == "PL-1"
    )
    assert [
        (price["type"], price["amount"], price["min_quantity"], price["valid_from"])
        for price in line["prices"]
    ] == [
        ("net_list", 10, 1, None),
        ("net_list", 9.5, 10, None),
        ("net_list", 8.75, 100, None),
        ("net_list", 10.4, 1, FUTURE.isoformat()),
    ]
    assert all(price["currency"] == "EUR" for price in line["prices"])  # neither expired nor USD


def test_the_demo_has_a_german_price_list_channel():
    channel = next(c for c in create_demo_channels() if c.code == "demo-price-list")
    assert channel.format == ExportFormat.XLSX
    assert channel.tabular_layout == TabularLayout.PRICE_LIST
    assert channel.language_list[0] == "de" and channel.currency == "EUR"
    others = [c for c in create_demo_channels() if c.code != "demo-price-list"]  # idempotent
    assert all(c.tabular_layout == TabularLayout.MACHINE for c in others)


def test_the_layout_is_chosen_in_the_channel_editor(client, django_user_model, catalog):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", "pw"))
    channel = make_channel(ExportFormat.XLSX)
    page = client.get(reverse("wagtailsnippets_exports_channel:edit", args=[channel.pk])).content.decode()
    assert 'name="tabular_layout"' in page
    assert 'value="price_list"' in page and "Readable price list" in page


@pytest.mark.slow
def test_the_demo_price_list_exports_the_demo_catalog(export_root):
    call_command("import_etim", "--demo-subset", "--no-progress", verbosity=0)
    call_command("demo_catalog", "--products", "40", verbosity=0)
    channel = Channel.objects.get(code="demo-price-list")
    run = export(channel)
    headers, rows = read_sheet(run.file_path())
    with translation.override("de"):
        article = gettext("Article number")
    assert headers[0] == article == "Artikelnummer"
    listed = {row[article].value for row in rows}
    skipped = set(run.issues.values_list("article_number", flat=True))
    exportable = set(
        Product.objects.publicly_visible()
        .filter(lifecycle__in=["active", "phase_out"])
        .values_list("article_number", flat=True)
    )
    assert listed | skipped == exportable and not listed & skipped
    prices = ProductPrice.objects.filter(product__article_number__in=listed, currency="EUR")
    assert len(rows) >= prices.filter(valid_to__isnull=True).count()  # a row per price at least
    key = (
        FamilyAttribute.objects.filter(in_listing=True, family__products__article_number__in=listed)
        .select_related("attribute")
        .first()
    )
    label = localize(key.attribute.name, "de")
    assert any(header == label or header.startswith(f"{label} ") for header in headers)
