"""Metric/imperial display (pim.catalog.units): the imperial counterpart of each metric unit
is a seeded unit of the same quantity, and values convert from canonical values with pint."""

import pytest

from pim.catalog.models import Unit
from pim.catalog.units import (
    IMPERIAL,
    IMPERIAL_UNITS,
    METRIC,
    METRIC_UNITS,
    format_value,
    to_system,
    unit_for_system,
    unit_system,
)

pytestmark = pytest.mark.django_db


def units_of(code):
    unit = Unit.objects.select_related("quantity").get(code=code)
    return unit, list(unit.quantity.units.select_related("quantity"))


def shown(magnitude, code, system=IMPERIAL, decimals=None):
    unit, candidates = units_of(code)
    measurement = to_system(magnitude, unit, system, candidates)
    return format_value(measurement.magnitude, measurement.unit, decimals)


def test_every_counterpart_is_a_seeded_unit_of_the_same_quantity():
    for table in (IMPERIAL_UNITS, METRIC_UNITS):
        for source, target in table.items():
            source_unit, candidates = units_of(source)
            target_unit = unit_for_system(source_unit, IMPERIAL if table is IMPERIAL_UNITS else METRIC, candidates)
            assert target_unit is not None, source
            assert target_unit.code == target
            assert target_unit.quantity_id == source_unit.quantity_id


def test_pressure_and_temperature_convert_from_canonical_values():
    assert shown(16, "bar", decimals=2) == "232.06\xa0psi"
    assert shown(1.6, "MPa", decimals=2) == "232.06\xa0psi"
    assert shown(120, "degC") == "248\xa0°F"
    assert shown(-40, "degC") == "-40\xa0°F"
    assert shown(232.06, "psi", METRIC, decimals=2) == "16\xa0bar"


@pytest.mark.parametrize(
    ("magnitude", "code", "expected"),
    [
        (25.4, "mm", "1\xa0in"),
        (3.048, "m", "10\xa0ft"),
        (1, "kg", "2.205\xa0lb"),
        (100, "N", "22.481\xa0lbf"),
        (10, "Nm", "7.376\xa0lbf·ft"),
        (7.457, "kW", "10\xa0hp"),
        (100, "l_min", "26.417\xa0gal/min"),
        (100, "m3_h", "58.858\xa0ft³/min"),
        (10, "l", "2.642\xa0gal"),
    ],
)
def test_the_table_of_imperial_units(magnitude, code, expected):
    assert shown(magnitude, code, decimals=3) == expected


def test_units_without_an_imperial_counterpart_and_numbers_without_a_unit_stay():
    watt, candidates = units_of("W")
    assert unit_for_system(watt, IMPERIAL, candidates) is None
    assert shown(500, "W") == "500\xa0W"
    assert unit_for_system(None, IMPERIAL, []) is None
    # Metric units stay metric in the metric system; imperial ones stay in the imperial one.
    bar, candidates = units_of("bar")
    assert unit_for_system(bar, METRIC, candidates) is None
    psi, candidates = units_of("psi")
    assert unit_for_system(psi, IMPERIAL, candidates) is None


def test_a_counterpart_missing_from_the_candidates_is_not_used():
    bar, _candidates = units_of("bar")
    assert unit_for_system(bar, IMPERIAL, [bar]) is None


def test_the_visitors_choice_is_read_strictly():
    assert unit_system("imperial") == IMPERIAL
    assert unit_system(" Imperial ") == IMPERIAL
    assert unit_system("") == METRIC
    assert unit_system(None) == METRIC
    assert unit_system("<script>") == METRIC


def test_the_new_imperial_units_parse_as_typed_input():
    from pim.catalog.models import Quantity
    from pim.catalog.units import parse_measurement

    torque = Quantity.objects.get(code="torque")
    measurement = parse_measurement("10 lbf ft", torque)
    assert measurement.unit.code == "lbf_ft"
    assert measurement.to_canonical() == pytest.approx(13.558, rel=1e-4)
    flow = Quantity.objects.get(code="volume_flow")
    assert parse_measurement("35 cfm", flow).unit.code == "cfm"
