"""The datasheet's logistics section: in the data its cache key hashes and in the PDF."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from pim.assets.datasheet import LAYOUT_VERSION, content_hash, datasheet_for, sheet_data
from pim.catalog.models import PackingUnit, ProductModel

pytestmark = pytest.mark.django_db


def _text(sheet) -> str:
    with sheet.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def variant(family, product):
    series = ProductModel.objects.create(
        code="KH",
        name={"en": "Series KH"},
        family=family,
        live=True,
        country_of_origin="DE",
        customs_tariff_number="84818081",
        delivery_time_days=5,
        rohs_status="compliant",
        ce_marking=True,
    )
    product.product_model = series
    product.net_weight = Decimal("0.25")
    product.gross_weight = Decimal("1.5")
    product.length, product.width, product.height = Decimal(120), Decimal(80), Decimal("45.5")
    product.save()
    PackingUnit.objects.create(
        product=product,
        code="CT",
        quantity=50,
        gtin="4006381333931",
        gross_weight=Decimal("13"),
        length=400,
        width=300,
        height=200,
    )
    return product


def test_sheet_data_has_the_logistics_rows_with_inherited_values(variant):
    assert LAYOUT_VERSION == "2"
    data = sheet_data(variant, "en")
    assert data["logistics"] == [
        ["Net weight", "250 g"],
        ["Gross weight", "1.5 kg"],
        ["Dimensions (L × W × H)", "120 × 80 × 45.5 mm"],
        ["Country of origin", "Germany"],
        ["Customs tariff number", "84818081"],
        ["Delivery time", "5 working days"],
        ["CE marking", "Yes"],
        ["RoHS", "Compliant"],
        ["Packing unit: Carton", "50 × piece · GTIN 4006381333931 · 13 kg · 400 × 300 × 200 mm"],
    ]
    german = dict(sheet_data(variant, "de")["logistics"])
    assert german["Ursprungsland"] == "Deutschland"
    assert german["Bruttogewicht"] == "1,5 kg"
    assert german["Abmessungen (L × B × H)"] == "120 × 80 × 45,5 mm"


def test_a_product_without_trade_data_has_no_logistics_rows(product):
    assert sheet_data(product, "en")["logistics"] == []


def test_the_hash_changes_with_the_weight_and_the_pdf_shows_it(variant):
    first = datasheet_for(variant, "en")
    text = _text(first)
    for expected in ("Logistics", "Net weight", "250 g", "Germany", "84818081", "Packing unit: Carton"):
        assert expected in text, expected

    variant.net_weight = Decimal("0.5")
    variant.save()
    changed = datasheet_for(variant, "en")
    assert changed.content_hash != first.content_hash
    assert changed.content_hash == content_hash(sheet_data(variant, "en"))
    text = _text(changed)
    assert "500 g" in text and "250 g" not in text

    # A packing unit and a series value count too.
    PackingUnit.objects.filter(product=variant).update(quantity=60)
    assert content_hash(sheet_data(variant, "en")) != changed.content_hash
    before = content_hash(sheet_data(variant, "en"))
    ProductModel.objects.filter(pk=variant.product_model_id).update(country_of_origin="IT")
    variant.refresh_from_db()
    assert content_hash(sheet_data(variant, "en")) != before
