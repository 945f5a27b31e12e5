import math

import pytest
from django.core.exceptions import ValidationError

from pim.catalog.models import Attribute, ProductValue
from pim.catalog.units import Measurement
from pim.catalog.values import (
    build_owner_values,
    build_value_rows,
    effective_values,
    format_stored_value,
    raw_value,
    set_values,
)
from tests.factories import make_product, make_valve_family, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


def attr(code):
    return Attribute.objects.get(code=code)


def fa(family, code):
    return family.family_attributes.get(attribute__code=code)


def test_number_is_stored_canonical_beside_the_entered_unit(family):
    [row] = build_value_rows(attr("max_pressure"), "232 psi", family_attribute=fa(family, "max_pressure"))
    assert row.unit.code == "psi"
    assert math.isclose(row.number, 232 * 6894.757293168361)
    # Shown in the display unit (bar), whatever the editor typed.
    assert format_stored_value([row], "en") == "16\u00a0bar"


def test_bare_number_is_read_in_the_display_unit(family):
    [row] = build_value_rows(attr("max_pressure"), 16, family_attribute=fa(family, "max_pressure"))
    assert row.unit.code == "bar" and row.number == 1.6e6


def test_range_with_temperature_offset(family):
    [row] = build_value_rows(attr("temperature_range"), "-10 .. 120 °C")
    assert math.isclose(row.number_min, 263.15) and math.isclose(row.number_max, 393.15)
    assert format_stored_value([row], "en") == "-10 … 120\u00a0°C"
    [row] = build_value_rows(attr("temperature_range"), "14 °F .. 248 °F")
    assert math.isclose(row.number_min, 263.15) and math.isclose(row.number_max, 393.15)
    assert format_stored_value([row], "de") == "-10 … 120\u00a0°C"
    [row] = build_value_rows(attr("temperature_range"), "20 .. 20 °C")
    assert format_stored_value([row], "en") == "20\u00a0°C"


@pytest.mark.parametrize(
    ("code", "raw", "message"),
    [
        (
            "max_pressure",
            "500 bar",
            "Max. operating pressure: 500\u00a0bar is above the maximum of 400\u00a0bar.",
        ),
        ("max_pressure", "-1 bar", "is below the minimum of 0\u00a0bar"),
        ("max_pressure", "16 kg", "“kg” is not a unit of Pressure"),
        ("max_pressure", "lots", "is not a number with a unit"),
        ("max_pressure", True, "expected a number, got yes/no"),
        (
            "temperature_range",
            "120 .. -10 °C",
            "the lower end 120\u00a0°C is above the upper end -10\u00a0°C",
        ),
        ("body_material", "gold", "“gold” is not one of the options: brass (Brass), ss316"),
        ("body_material", ["brass", "ss316"], "choose one option, not 2"),
        ("approvals", ["fda", "ul"], "“ul” is not one of the options"),
        ("food_grade", "maybe", "“maybe” is not yes or no"),
    ],
)
def test_invalid_values_name_the_attribute_and_the_problem(family, code, raw, message):
    with pytest.raises(ValidationError) as info:
        build_value_rows(attr(code), raw, family_attribute=fa(family, code))
    assert message in info.value.messages[0]


def test_options_by_code_label_or_etim_code_and_family_restriction(family):
    material = attr("body_material")
    material.options.filter(code="ss316").update(etim_code="EV000123")
    assert build_value_rows(material, "Messing")[0].option.code == "brass"
    assert build_value_rows(material, "EV000123")[0].option.code == "ss316"
    row = fa(family, "body_material")
    row.allowed_options.set(material.options.filter(code="brass"))
    with pytest.raises(ValidationError, match="not one of the options"):
        build_value_rows(material, "ss316", family_attribute=row)


def test_multi_enum_has_one_row_per_option_and_booleans_accept_german(family):
    rows = build_value_rows(attr("approvals"), "fda|atex")
    assert [r.option.code for r in rows] == ["fda", "atex"]
    assert build_value_rows(attr("food_grade"), "ja")[0].boolean is True
    assert build_value_rows(attr("food_grade"), "nein")[0].boolean is False


def test_empty_input_means_no_value(family):
    for raw in (None, "", "  ", [], {}, {"en": ""}):
        assert build_value_rows(attr("note"), raw) == []
    assert build_value_rows(attr("temperature_range"), (None, "")) == []


def test_all_errors_of_a_product_are_collected_by_attribute_code(family):
    with pytest.raises(ValidationError) as info:
        build_owner_values(
            make_product(family),
            {"max_pressure": "900 bar", "body_material": "gold", "unknown": "1"},
            family,
        )
    assert set(info.value.message_dict) == {"max_pressure", "body_material", "unknown"}
    assert "is not part of family" in info.value.message_dict["unknown"][0]


def test_values_are_saved_with_the_product_and_read_back(family):
    product = make_product(
        family,
        values={
            "max_pressure": "16 bar",
            "temperature_range": "-10..120 °C",
            "body_material": "brass",
            "approvals": ["fda", "atex"],
            "food_grade": True,
            "note": {"en": "Lead-free", "de": "Bleifrei"},
        },
    )
    assert ProductValue.objects.filter(product=product).count() == 7
    values = effective_values(product)
    assert raw_value(values["max_pressure"]) == Measurement(16.0, unit("bar"))
    assert [o.code for o in raw_value(values["approvals"])] == ["fda", "atex"]
    assert format_stored_value(values["note"], "de") == "Bleifrei"
    assert format_stored_value(values["approvals"], "en") == "FDA, ATEX"
    # Replacing values replaces the rows.
    set_values(product, {"max_pressure": "10 bar"})
    product.save()
    assert list(ProductValue.objects.filter(product=product).values_list("number", flat=True)) == [1e6]
