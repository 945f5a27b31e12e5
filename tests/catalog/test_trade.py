"""Trade and logistics data: validation at the field, inheritance from the series, units."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pim.catalog import trade
from pim.catalog.identifiers import gtin_check_digit
from pim.catalog.models import PackingUnit, ProductModel
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def series(family):
    return ProductModel.objects.create(
        code="HSB",
        name={"en": "Ball valve series"},
        family=family,
        live=True,
        brand="Hydrosta",
        country_of_origin="DE",
        customs_tariff_number="84818081",
        delivery_time_days=5,
        keywords={"en": "ball valve, brass", "de": "Kugelhahn, Messing"},
        ce_marking=True,
        rohs_status="compliant",
    )


def field_errors(instance) -> dict:
    with pytest.raises(ValidationError) as info:
        instance.full_clean()
    return info.value.message_dict


@pytest.mark.parametrize("typed", ["8481 80 81", "8481.80.81", "848180", "8481808100", "84818081001"])
def test_tariff_numbers_of_every_shape_are_kept_as_digits(family, typed):
    product = make_product(family, customs_tariff_number=typed)
    product.full_clean()
    assert product.customs_tariff_number == typed.replace(" ", "").replace(".", "")
    assert product.customs_tariff_number.isdigit()


@pytest.mark.parametrize("typed", ["8481", "8481-80-81", "84818O81", "848180811234"])
def test_tariff_numbers_of_a_wrong_shape_are_rejected_at_the_field(family, typed):
    product = make_product(family)
    product.customs_tariff_number = typed
    errors = field_errors(product)
    assert "is not a customs tariff number" in errors["customs_tariff_number"][0]


def test_country_must_be_iso_3166(family):
    product = make_product(family)
    product.country_of_origin = "XX"
    assert "country_of_origin" in field_errors(product)


def test_weights_and_dimensions_are_checked_together(family):
    product = make_product(family, net_weight=Decimal("2"), gross_weight=Decimal("1.5"), length=Decimal(10))
    errors = field_errors(product)
    assert "less than the net weight" in errors["gross_weight"][0]
    assert "length, width and height together" in errors["length"][0]


def test_dangerous_goods_need_a_un_number_and_scip_needs_svhc(family):
    product = make_product(
        family, hazard_class="2.1", reach_status="free", scip_number="f5716c60-d07c-415c-b4c0-c1a796eaaf04"
    )
    errors = field_errors(product)
    assert "UN number" in errors["un_number"][0]
    assert "contain SVHC" in errors["scip_number"][0]
    product.un_number, product.reach_status = "1950", "contains"
    product.full_clean()


def test_series_values_are_inherited_where_the_variant_has_none(family, series):
    variant = make_product(family, product_model=series, brand="", delivery_time_days=2)
    assert trade.trade_value(variant, "brand") == "Hydrosta"
    assert trade.trade_value(variant, "delivery_time_days") == 2  # its own wins
    assert str(trade.trade_value(variant, "country_of_origin")) == "DE"
    effective = trade.effective_trade(variant)
    assert effective["customs_tariff_number"] == "84818081"
    assert effective["country_of_origin"] == "DE"  # stored code, as exports write it
    assert effective["ce_marking"] is True
    assert trade.keywords(variant, "de") == ["Kugelhahn", "Messing"]
    assert trade.keywords(variant, "fr") == []
    assert trade.keywords(variant, "fr", fallback=True) == ["ball valve", "brass"]
    standalone = make_product(family)
    assert trade.trade_value(standalone, "brand") == ""


def test_keywords_are_split_and_deduplicated():
    assert trade.split_keywords("valve; Valve,\n brass  fitting ,,") == ["valve", "brass fitting"]


def test_units_are_converted_exactly():
    assert trade.mm_to_m(Decimal("125.5")) == Decimal("0.1255")
    assert trade.volume_m3(Decimal(100), Decimal(50), Decimal(20)) == Decimal("0.0001")
    assert trade.volume_m3(Decimal(100), None, Decimal(20)) is None
    assert trade.format_weight(Decimal("0.250000")) == "250 g"
    assert trade.format_weight(Decimal("1.500000")) == "1.5 kg"
    assert trade.format_dimensions(Decimal("120.000"), Decimal(80), Decimal("45.5")) == "120 × 80 × 45.5 mm"


def test_country_names_follow_the_language():
    with translation.override("de"):
        assert trade.country_name("DE") == "Deutschland"
    with translation.override("en"):
        assert trade.country_name("DE") == "Germany"
    assert trade.country_name("") == ""


def test_packing_units_have_their_own_gtin(family):
    gtin = "400638133393"
    gtin += str(gtin_check_digit(gtin))
    product = make_product(family, gtin=gtin)
    pack = PackingUnit(product=product, code="CT", quantity=Decimal(50), gtin=gtin, length=Decimal(300))
    errors = field_errors(pack)
    assert "its own GTIN" in errors["gtin"][0]
    assert "together" in errors["length"][0]
    other = "400638133394"
    pack.gtin = other + str(gtin_check_digit(other))
    pack.width, pack.height = Decimal(200), Decimal(150)
    pack.full_clean()
    pack.save()
    assert str(pack) == "50 × Carton"
    assert list(product.packing_units.all()) == [pack]
