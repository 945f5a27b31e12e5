import math

import pytest
from django.core.exceptions import ValidationError

from pim.catalog import units
from pim.catalog.models import Quantity, Unit

pytestmark = pytest.mark.django_db


def q(code):
    return Quantity.objects.get(code=code)


def u(code):
    return Unit.objects.get(code=code)


@pytest.mark.parametrize(
    ("text", "quantity", "canonical"),
    [
        ("16 bar", "pressure", 1.6e6),
        ("232 psi", "pressure", 232 * 6894.757293168361),
        ("1,6 MPa", "pressure", 1.6e6),
        ("16000 hPa", "pressure", 1.6e6),
        ("-10 °C", "temperature", 263.15),
        ("14 °F", "temperature", 263.15),
        ("263.15 K", "temperature", 263.15),
        ("1.000,5 mm", "length", 1.0005),
        ("15.99583692 bar", "pressure", 1599583.692),
        ("1.2345 bar", "pressure", 123450.0),
        ("1 000 mbar", "pressure", 1e5),
        ("2 in", "length", 0.0508),
        ("5 Nm", "torque", 5.0),
        ("1500 U/min", "rotational_speed", 1500.0),
        ("40 l/min", "volume_flow", 40 / 60000),
    ],
)
def test_typed_input_is_normalized_to_the_canonical_unit(text, quantity, canonical):
    measurement = units.parse_measurement(text, q(quantity))
    assert math.isclose(measurement.to_canonical(), canonical, rel_tol=1e-9)


def test_16_bar_and_232_psi_compare_correctly():
    bar = units.parse_measurement("16 bar", q("pressure")).to_canonical()
    psi = units.parse_measurement("232 psi", q("pressure")).to_canonical()
    assert psi < bar  # 232 psi is 15.996 bar
    assert math.isclose(u("bar").from_canonical(psi), 15.9958, rel_tol=1e-4)


def test_temperature_offsets_round_trip():
    canonical = u("degC").to_canonical(120)
    assert math.isclose(canonical, 393.15)
    assert math.isclose(u("degF").from_canonical(canonical), 248.0)
    assert units.format_number(u("degC").from_canonical(canonical)) == "120"
    # A temperature *range* keeps both ends offset-correct.
    low, high = units.parse_range("-10 .. 120 °C", q("temperature"))
    assert (low.unit.code, high.unit.code) == ("degC", "degC")
    assert math.isclose(low.to_canonical(), 263.15)


def test_bare_number_takes_the_default_unit():
    assert units.parse_measurement("16", q("pressure"), u("bar")).unit.code == "bar"
    with pytest.raises(ValidationError, match="Give a unit"):
        units.parse_measurement("16", q("pressure"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("16 kg", "“kg” is not a unit of Pressure. Allowed units: Pa, hPa, kPa, MPa, mbar, bar, psi."),
        ("16 wobble", "Unknown unit “wobble”"),
        ("sixteen bar", "is not a number with a unit"),
    ],
)
def test_bad_units_say_what_is_wrong(text, message):
    with pytest.raises(ValidationError) as info:
        units.parse_measurement(text, q("pressure"))
    assert message in info.value.messages[0]


def test_every_seeded_unit_converts_to_its_quantity():
    for unit in Unit.objects.select_related("quantity"):
        assert math.isclose(unit.from_canonical(unit.to_canonical(7.5)), 7.5, rel_tol=1e-9), unit.code


def test_numbers_are_shown_in_the_active_locale():
    from django.utils import translation

    with translation.override("de"):
        assert units.format_value(1.5, u("bar")) == "1,5\u00a0bar"
    with translation.override("en"):
        assert units.format_value(1.5, u("bar")) == "1.5\u00a0bar"
    assert units.format_value(15, u("deg")) == "15°"
