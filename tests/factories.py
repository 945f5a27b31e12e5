"""Small builders for tests: a pressure/temperature family, products with values."""

import itertools

from pim.catalog.models import (
    Attribute,
    AttributeGroup,
    AttributeOption,
    AttributeType,
    Family,
    FamilyAttribute,
    Lifecycle,
    Product,
    Quantity,
    Unit,
)
from pim.catalog.values import set_values

_counter = itertools.count(1)


def unit(code):
    return Unit.objects.get(code=code)


def quantity(code):
    return Quantity.objects.get(code=code)


def _attribute(code, **fields):
    attribute, _created = Attribute.objects.get_or_create(code=code, defaults=fields)
    return attribute


def make_valve_family(code="valves"):
    """A family with the attribute kinds engineers filter on."""
    group, _ = AttributeGroup.objects.get_or_create(
        code="technical", defaults={"name": {"en": "Technical data", "de": "Technische Daten"}}
    )
    family = Family.objects.create(
        code=code, name={"en": "Ball valves", "de": "Kugelhähne"}, etim_class_code="EC011111"
    )
    pressure = _attribute(
        code="max_pressure",
        name={"en": "Max. operating pressure", "de": "Max. Betriebsdruck"},
        type=AttributeType.NUMBER,
        quantity=quantity("pressure"),
        display_unit=unit("bar"),
        min_value=0,
        max_value=400e5,
        filterable=True,
    )
    temperature = _attribute(
        code="temperature_range",
        name={"en": "Medium temperature", "de": "Mediumstemperatur"},
        type=AttributeType.RANGE,
        quantity=quantity("temperature"),
        display_unit=unit("degC"),
        filterable=True,
    )
    material = _attribute(
        code="body_material",
        name={"en": "Body material", "de": "Gehäusewerkstoff"},
        type=AttributeType.ENUM,
        filterable=True,
    )
    for order, (code, en, de) in enumerate(
        [("brass", "Brass", "Messing"), ("ss316", "Stainless steel 1.4401", "Edelstahl 1.4401")]
    ):
        AttributeOption.objects.get_or_create(
            attribute=material, code=code, name={"en": en, "de": de}, sort_order=order
        )
    approvals = _attribute(
        code="approvals",
        name={"en": "Approvals", "de": "Zulassungen"},
        type=AttributeType.MULTI_ENUM,
        filterable=True,
    )
    for order, code in enumerate(["FDA", "ATEX", "DVGW"]):
        AttributeOption.objects.get_or_create(
            attribute=approvals, code=code.lower(), name={"en": code, "de": code}, sort_order=order
        )
    fda = _attribute(
        code="food_grade", name={"en": "Food grade", "de": "Lebensmittelecht"}, type=AttributeType.BOOLEAN
    )
    note = _attribute(
        code="note", name={"en": "Note", "de": "Hinweis"}, type=AttributeType.TEXT, localizable=True
    )
    nominal = _attribute(
        code="nominal_size",
        name={"en": "Nominal size", "de": "Nennweite"},
        type=AttributeType.NUMBER,
        quantity=quantity("length"),
        display_unit=unit("mm"),
    )
    for order, attribute in enumerate([pressure, temperature, material, approvals, fda, note, nominal]):
        FamilyAttribute.objects.create(family=family, attribute=attribute, group=group, sort_order=order)
    return family


def make_product(
    family, *, article_number=None, values=None, live=True, lifecycle=Lifecycle.ACTIVE, **fields
):
    product = Product(
        article_number=article_number or f"KH-{next(_counter):05d}",
        name=fields.pop("name", {"en": "Ball valve", "de": "Kugelhahn"}),
        family=family,
        lifecycle=lifecycle,
        live=live,
        **fields,
    )
    if values:
        set_values(product, values, family)
    product.save()
    return product


def make_category_shelf(family) -> dict:
    """Fluid › Valves › Ball valves, plus Pumps; a series S in Ball valves with two variants
    (S-2 also in Pumps by itself), a standalone valve V-1, a hidden valve V-H and a pump P-1.
    Keys: the products (valve, hidden, variant, variant_in_pumps, pump), the series and the
    categories (fluid, valves, ball, pumps)."""
    from pim.catalog.models import Category, ProductModel

    fluid = Category.objects.create(code="fluid", name={"en": "Fluid"})
    valves = Category.objects.create(code="valves", name={"en": "Valves"}, parent=fluid)
    ball = Category.objects.create(code="ball", name={"en": "Ball valves"}, parent=valves)
    pumps = Category.objects.create(code="pumps", name={"en": "Pumps"}, parent=fluid)
    series = ProductModel.objects.create(code="S", name={"en": "Series"}, family=family, live=True)
    series.categories.set([ball])
    series.save()

    def product(article, categories=(), **fields):
        item = make_product(family, article_number=article, **fields)
        if categories:
            item.categories.set(categories)
            item.save()
        return item

    return {
        "valve": product("V-1", [ball]),
        "hidden": product("V-H", [ball], live=False),
        "variant": product("S-1", product_model=series),
        "variant_in_pumps": product("S-2", [pumps], product_model=series),
        "pump": product("P-1", [pumps]),
        "series": series,
        "fluid": fluid,
        "valves": valves,
        "ball": ball,
        "pumps": pumps,
    }


def make_pdf_asset(title: str, kind: str = "datasheet", **options):
    """A real one-page PDF asset, stored through the upload service (validation included)."""
    from io import BytesIO

    from pim.assets import samples
    from pim.assets.services import create_asset

    return create_asset(
        BytesIO(samples.simple_pdf(title, [title])), filename=f"{title}.pdf", kind=kind, **options
    ).asset
