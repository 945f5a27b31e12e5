"""JSON Lines numbers: one rule for all of them (JSON numbers), measurements without binary
noise, decimals exactly as stored."""

import json
import math
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models

from pim.catalog.models import Attribute, AttributeType, FamilyAttribute, ProductPrice, ProductValue
from pim.catalog.units import round_significant
from pim.exports.jsonl import json_number
from pim.exports.models import ExportFormat, RunStatus
from pim.exports.runs import run_export
from tests.factories import make_product, quantity, unit

from .conftest import make_channel

pytestmark = pytest.mark.django_db


def _refuse(constant):
    raise ValueError(f"not JSON: {constant}")


def export_lines(channel) -> dict:
    run = run_export(channel)
    assert run.status == RunStatus.SUCCEEDED, run.error
    text = run.file_path().read_text(encoding="utf-8")
    # Strict parsing: NaN/Infinity are not JSON; decimals read exactly, as a careful ERP would.
    lines = [json.loads(line, parse_constant=_refuse, parse_float=Decimal) for line in text.splitlines()]
    return text, {line["article_number"]: line for line in lines}


@pytest.fixture
def flow_product(catalog):
    flow = Attribute.objects.create(
        code="flow_rate",
        name={"en": "Flow rate", "de": "Durchfluss"},
        type=AttributeType.NUMBER,
        quantity=quantity("volume_flow"),
        display_unit=unit("l_h"),
    )
    FamilyAttribute.objects.create(family=catalog.family, attribute=flow, sort_order=20)
    product = make_product(catalog.family, article_number="PUMP-10", values={"flow_rate": "10 l/h"})
    ProductPrice.objects.create(
        product=product, price_type="net_list", currency="EUR", amount=Decimal("1234567890.1234")
    )
    ProductPrice.objects.create(
        product=product,
        price_type="net_list",
        currency="EUR",
        amount=Decimal("0.0500"),
        min_quantity=Decimal("2500.5"),
    )
    return product


def test_a_converted_measurement_is_a_short_number_that_converts_back(flow_product, export_root):
    stored = ProductValue.objects.get(product=flow_product, attribute__code="flow_rate").number
    text, lines = export_lines(make_channel(ExportFormat.JSONL))
    value = lines["PUMP-10"]["values"]["flow_rate"]
    assert value["unit"] == "meter ** 3 / second" and value["display_unit"] == "l/h"
    assert '"value": 2.777777778e-06' in text  # not 2.7777777777777788e-06
    exported = float(value["value"])
    # The same number the catalog shows and the other formats export ...
    assert round_significant(exported) == round_significant(stored)
    assert math.isclose(exported, stored, rel_tol=1e-9)
    # ... and back in the editor's unit it is what the editor typed.
    assert round_significant(unit("l_h").from_canonical(exported)) == 10


def test_whole_measurements_are_integers(catalog, export_root):
    text, lines = export_lines(make_channel(ExportFormat.JSONL))
    assert lines["KH-100"]["values"]["max_pressure"]["value"] == 1600000
    assert '"value": 1600000,' in text
    assert lines["KH-100"]["values"]["temperature_range"]["min"] == Decimal("263.15")


def test_prices_and_quantities_are_json_numbers_exactly_as_stored(flow_product, export_root):
    _text, lines = export_lines(make_channel(ExportFormat.JSONL))
    prices = lines["PUMP-10"]["prices"]
    assert [(p["amount"], p["min_quantity"]) for p in prices] == [
        (Decimal("1234567890.1234"), 1),  # 14 digits, none lost
        (Decimal("0.05"), Decimal("2500.5")),
    ]
    full = lines["KH-100"]
    assert full["prices"][0]["amount"] == Decimal("12.5") and full["prices"][0]["tax_rate"] == Decimal("0.19")
    assert lines["KH-200"]["prices"][0]["amount"] == 20  # a whole amount is an integer
    assert lines["KH-200"]["order"]["content_quantity"] == 10
    assert full["order"]["min_order_quantity"] == 5


def test_json_number_rule():
    assert json_number(None) is None
    assert json_number(Decimal("12.50")) == 12.5
    assert json_number(Decimal("50.000")) == 50 and isinstance(json_number(Decimal("50.000")), int)
    assert json_number(Decimal("99999999999.999")) == 99999999999.999  # decimals are not rounded
    assert json_number(10 / 3600 / 1000) == 2.777777778e-06
    assert json_number(119.99999999999997) == 120 and isinstance(json_number(119.99999999999997), int)
    assert json_number(-263.15) == -263.15


def test_every_stored_decimal_fits_a_double_exactly():
    """The rule "decimals as JSON numbers" holds only while no catalog decimal has more than the
    15 significant digits a double keeps; a wider field must change the rule first."""
    fields = [
        (model.__name__, field.name, field.max_digits)
        for model in apps.get_app_config("catalog").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField)
    ]
    assert fields  # prices, tax rates and order quantities are decimals
    assert [entry for entry in fields if entry[2] > 15] == []
