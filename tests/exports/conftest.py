"""A small ETIM-coded catalog and the official schemas, for export tests."""

import functools
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree

from pim.catalog.identifiers import gtin_check_digit
from pim.catalog.models import (
    Attribute,
    AttributeOption,
    Category,
    Lifecycle,
    ProductModel,
    ProductPrice,
    ProductRelation,
    Unit,
)
from pim.catalog.values import set_values
from pim.exports.models import Channel, ExportFormat
from tests.factories import make_product, make_valve_family

SCHEMAS = {
    "2005": "bmecat/2005/bmecat_2005.xsd",
    "etim": "bmecat/etim-guideline-5.0/bmecat_etim_50.xsd",
    "1.2-new": "bmecat/1.2/bmecat_new_catalog_1_2.xsd",
    "1.2-products": "bmecat/1.2/bmecat_update_products_1_2.xsd",
    "1.2-prices": "bmecat/1.2/bmecat_update_prices_1_2.xsd",
}


def safe_parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    path = Path(settings.PIM_STANDARDS_DIR) / SCHEMAS[name]
    return etree.XMLSchema(etree.parse(str(path), safe_parser()))


def assert_valid(path, schema_name: str) -> etree._ElementTree:
    """Parse ``path`` safely and validate it against the named official schema."""
    document = etree.parse(str(path), safe_parser())
    validator = schema(schema_name)
    if not validator.validate(document):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in list(validator.error_log)[:15])
        raise AssertionError(f"{path} is not valid against {SCHEMAS[schema_name]}:\n{errors}")
    return document


def gtin(body: str) -> str:
    return body + str(gtin_check_digit(body))


def etim_codes():
    """Give the test family's attributes, options and units ETIM codes."""
    codes = {
        "max_pressure": "EF000001",
        "temperature_range": "EF000002",
        "body_material": "EF000003",
        "approvals": "EF000004",
        "food_grade": "EF000005",
        "nominal_size": "EF000006",
    }
    for code, etim in codes.items():
        Attribute.objects.filter(code=code).update(etim_code=etim)
    for number, option in enumerate(AttributeOption.objects.order_by("attribute__code", "code"), 1):
        option.etim_code = f"EV{number:06d}"
        option.save(update_fields=["etim_code"])
    for unit_code, etim in (("bar", "EU570056"), ("degC", "EU570073"), ("mm", "EU570448")):
        Unit.objects.filter(code=unit_code).update(etim_code=etim)


class Catalog:
    """Handles to what :func:`build_catalog` made."""


def build_catalog() -> Catalog:
    family = make_valve_family()
    family.etim_version = "6.0"
    family.save()
    etim_codes()
    root = Category.objects.create(code="valves", name={"en": "Valves", "de": "Ventile"})
    ball = Category.objects.create(
        code="ball-valves",
        name={"en": "Ball valves", "de": "Kugelhähne"},
        description={"en": "Quarter-turn valves", "de": "Vierteldrehungsventile"},
        parent=root,
    )
    fittings = Category.objects.create(code="fittings", name={"en": "Fittings", "de": "Fittinge"})
    today = date.today()

    full = make_product(
        family,
        article_number="KH-100",
        name={"en": "Ball valve DN15 & <brass>", "de": "Kugelhahn DN15 Messing"},
        short_description={"en": "Two-way ball valve", "de": "2-Wege-Kugelhahn"},
        long_description={"en": "A robust two-way ball valve.\nFull bore.", "de": "Robuster Kugelhahn."},
        gtin=gtin("400638133393"),
        manufacturer_pid="MF-100",
        manufacturer_name="Acme Valves",
        values={
            "max_pressure": "16 bar",
            "temperature_range": "-10 .. 120 °C",
            "body_material": "brass",
            "approvals": ["fda", "dvgw"],
            "food_grade": True,
            "note": {"en": "Lever included", "de": "Mit Hebel"},
            "nominal_size": "15 mm",
        },
        order_unit="C62",
        min_order_quantity=Decimal("5"),
        order_quantity_step=Decimal("5"),
    )
    psi = make_product(
        family,
        article_number="KH-200",
        name={"en": "Ball valve 1/2 inch", "de": "Kugelhahn 1/2 Zoll"},
        values={"max_pressure": "232 psi", "body_material": "ss316", "food_grade": False},
        lifecycle=Lifecycle.PHASE_OUT,
        order_unit="PK",
        content_unit="C62",
        content_quantity=Decimal("10"),
    )
    english_only = make_product(
        family,
        article_number="KH-300",
        name={"en": "Ball valve, English only"},
        values={"max_pressure": "10 bar"},
    )
    draft = make_product(family, article_number="KH-DRAFT", name={"en": "Secret draft"}, live=False)
    discontinued = make_product(
        family, article_number="KH-OLD", name={"en": "Old valve"}, lifecycle=Lifecycle.DISCONTINUED
    )
    long_number = make_product(family, article_number="KH-" + "9" * 31, name={"en": "Long number valve"})

    model = ProductModel.objects.create(
        code="KH-SERIES", name={"en": "KH series", "de": "KH-Serie"}, family=family
    )
    model.live = True
    model.save()
    set_values(model, {"body_material": "ss316", "approvals": ["atex"]}, family)
    model.save()
    variant = make_product(
        family,
        article_number="KH-SER-15",
        name={"en": "KH series DN15", "de": "KH-Serie DN15"},
        product_model=model,
        values={"nominal_size": "15 mm", "max_pressure": "40 bar"},
    )

    for product in (full, psi, english_only, long_number, variant):
        product.categories.set([ball])
        product.save()
    english_only.categories.set([fittings])
    english_only.save()

    ProductPrice.objects.create(product=full, price_type="net_list", currency="EUR", amount=Decimal("12.50"))
    ProductPrice.objects.create(
        product=full,
        price_type="net_list",
        currency="EUR",
        amount=Decimal("11.00"),
        min_quantity=Decimal("50"),
    )
    ProductPrice.objects.create(
        product=full,
        price_type="gros_list",
        currency="EUR",
        amount=Decimal("14.88"),
        valid_from=today - timedelta(days=10),
        valid_to=today + timedelta(days=300),
    )
    ProductPrice.objects.create(product=full, price_type="net_list", currency="USD", amount=Decimal("13.10"))
    ProductPrice.objects.create(
        product=full,
        price_type="net_list",
        currency="EUR",
        amount=Decimal("9.99"),
        valid_to=today - timedelta(days=1),  # expired: never exported
    )
    ProductPrice.objects.create(product=psi, price_type="net_list", currency="EUR", amount=Decimal("20"))
    ProductPrice.objects.create(
        product=variant, price_type="net_list", currency="EUR", amount=Decimal("31.5")
    )
    ProductRelation.objects.create(product=full, kind="accessory", target=psi, quantity=Decimal("2"))
    ProductRelation.objects.create(product=full, kind="spare_part", target=draft)  # hidden: not exported
    ProductRelation.objects.create(product=psi, kind="replacement", target=full)
    psi.successor = full
    psi.save()

    catalog = Catalog()
    catalog.family = family
    catalog.categories = {"root": root, "ball": ball, "fittings": fittings}
    catalog.products = {
        "full": full,
        "psi": psi,
        "english_only": english_only,
        "draft": draft,
        "discontinued": discontinued,
        "long_number": long_number,
        "variant": variant,
    }
    catalog.model = model
    return catalog


def make_channel(format=ExportFormat.BMECAT_2005, **fields) -> Channel:
    defaults = {
        "code": f"test-{format}".replace(".", ""),
        "name": f"Test {format}",
        "format": format,
        "languages": "en,de",
        "supplier_name": "Acme Valves GmbH",
        "supplier_id": "4012345000009",
        "buyer_name": "Wholesale AG",
        "buyer_id": "B-1",
        "territory": "DE",
        "media_base_url": "https://media.example.com/pim/",
    }
    defaults.update(fields)
    return Channel.objects.create(**defaults)


@pytest.fixture
def catalog(db):
    return build_catalog()


@pytest.fixture
def export_root(tmp_path, settings):
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    return settings.PIM_EXPORT_ROOT


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Tasks run inline (as under scripts/test), whatever the environment says."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
