"""The import's plain multi-row inserts store exactly what Django's ``bulk_create`` stores, and
give each row its key back."""

from datetime import date
from decimal import Decimal

import pytest

from pim.catalog.models import Attribute, AttributeOption, PackingUnit, ProductPrice, ProductValue, Unit
from pim.imports.inserts import insert_rows
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


def _rows(product):
    """One row of each column kind: floats, decimals, dates, keys, booleans, texts, JSON."""
    pressure = Attribute.objects.get(code="max_pressure")
    material = Attribute.objects.get(code="body_material")
    note = Attribute.objects.get(code="note")
    fda = Attribute.objects.get(code="food_grade")
    return {
        ProductValue: [
            ProductValue(product=product, attribute=pressure, number=16.5, unit=Unit.objects.get(code="bar")),
            ProductValue(
                product=product,
                attribute=material,
                option=AttributeOption.objects.filter(attribute=material).first(),
            ),
            ProductValue(product=product, attribute=fda, boolean=False),
            ProductValue(product=product, attribute=note, text_localized={"en": "Oil-free", "de": "Ölfrei"}),
        ],
        ProductPrice: [
            ProductPrice(product=product, price_type="net_list", currency="EUR", amount=Decimal("12.3400")),
            ProductPrice(
                product=product,
                price_type="net_list",
                currency="USD",
                amount=Decimal("13.5"),
                min_quantity=Decimal("10"),
                valid_from=date(2026, 1, 1),
                valid_to=date(2026, 12, 31),
            ),
        ],
        PackingUnit: [
            PackingUnit(product=product, code="C62", quantity=Decimal("1"), gtin="", sort_order=0),
            PackingUnit(
                product=product,
                code="CT",
                quantity=Decimal("25"),
                gross_weight=Decimal("2.5"),
                gtin="4006381333931",
                sort_order=1,
            ),
        ],
    }


def _stored(model, product) -> list[dict]:
    rows = model.objects.filter(product=product).order_by("pk").values()
    return [{k: v for k, v in row.items() if k not in ("id", "product_id")} for row in rows]


def test_rows_are_stored_as_bulk_create_stores_them_and_get_their_keys():
    family = make_valve_family()
    by_django, by_insert = make_product(family), make_product(family)
    for model, rows in _rows(by_django).items():
        model.objects.bulk_create(rows)
    inserted = _rows(by_insert)
    for model, rows in inserted.items():
        insert_rows(model, rows, parent_key="product")

    for model, rows in inserted.items():
        assert _stored(model, by_insert) == _stored(model, by_django), model
        assert [row.pk for row in rows] == list(
            model.objects.filter(product=by_insert).order_by("pk").values_list("pk", flat=True)
        )
        assert all(not row._state.adding for row in rows)
    # The rows read back are the rows written (a key given to the wrong row would show here).
    price = ProductPrice.objects.get(pk=inserted[ProductPrice][1].pk)
    assert (price.currency, price.amount, price.valid_to) == ("USD", Decimal("13.5"), date(2026, 12, 31))


def test_keys_are_not_guessed_for_a_parent_that_had_rows_before():
    family = make_valve_family()
    product = make_product(family)
    ProductPrice.objects.create(product=product, price_type="net_list", currency="EUR", amount=Decimal("1"))
    with pytest.raises(RuntimeError, match="had rows before"):
        insert_rows(ProductPrice, _rows(product)[ProductPrice], parent_key="product")
