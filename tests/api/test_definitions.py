"""Contract of /api/v1/families/, /attributes/, /categories/, /series/."""

import pytest

from pim.catalog.models import Category, ProductModel
from pim.catalog.values import set_values
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_attribute_with_units_and_etim_codes(api, family):
    data = api.get("/api/v1/attributes/max_pressure/?lang=de").json()
    assert data["name"] == "Max. Betriebsdruck"
    assert data["type"] == "number"
    assert data["quantity"] == "pressure"
    assert data["canonical_unit"] == "pascal"
    assert data["display_unit"] == "bar"
    units = {unit["code"]: unit for unit in data["units"]}
    assert units["bar"]["unece_code"] == "BAR"
    [canonical] = [unit for unit in units.values() if unit["canonical"]]
    assert canonical["symbol"] == "Pa"
    assert data["options"] == []


def test_attribute_options(api, family):
    data = api.get("/api/v1/attributes/body_material/").json()
    assert data["type"] == "enum"
    assert data["units"] == [] and data["quantity"] is None
    assert [(o["code"], o["name"]) for o in data["options"]] == [
        ("brass", "Brass"),
        ("ss316", "Stainless steel 1.4401"),
    ]


def test_family_lists_its_attributes_in_display_order(api, family):
    data = api.get("/api/v1/families/valves/").json()
    assert data["name"] == "Ball valves"
    assert data["etim_class_code"] == "EC011111"
    assert [row["attribute"] for row in data["attributes"]] == [
        "max_pressure", "temperature_range", "body_material", "approvals", "food_grade", "note", "nominal_size",
    ]  # fmt: skip
    assert data["attributes"][0] == {
        "attribute": "max_pressure",
        "group": "technical",
        "display_unit": "bar",
        "in_listing": False,
    }
    assert api.get("/api/v1/families/").json()["results"][0]["code"] == "valves"


def test_category_tree(api, family):
    root = Category.objects.create(code="fluid", name={"en": "Fluid", "de": "Fluidtechnik"})
    child = Category.objects.create(
        code="valves", name={"en": "Valves"}, parent=root, etim_group_code="EG000001"
    )
    product = make_product(family)
    product.categories.set([child])
    product.save()
    rows = {row["code"]: row for row in api.get("/api/v1/categories/?lang=de").json()["results"]}
    assert rows["fluid"]["parent"] is None and rows["fluid"]["name"] == "Fluidtechnik"
    assert rows["valves"]["parent"] == "fluid"
    assert rows["valves"]["etim_group_code"] == "EG000001"
    # Without a German name the catalog's fallback applies.
    assert rows["valves"]["name"] == "Valves"


def test_series_with_shared_values_axes_and_variants(api, family):
    series = ProductModel.objects.create(code="KH", name={"en": "KH series"}, family=family, live=True)
    series.axes.set(family.attributes.filter(code="nominal_size"))
    set_values(series, {"max_pressure": "40 bar"}, family)
    series.save()
    for size in (15, 20):
        make_product(
            family, article_number=f"KH-{size}", product_model=series, values={"nominal_size": f"{size} mm"}
        )
    data = api.get("/api/v1/series/KH/").json()
    assert data["name"] == "KH series" and data["family"] == "valves"
    assert data["axes"] == ["nominal_size"]
    assert data["variants"] == ["KH-15", "KH-20"]
    [pressure] = data["values"]
    assert (pressure["attribute"], pressure["number"], pressure["display"]) == (
        "max_pressure",
        4000000,
        "40\xa0bar",
    )


def test_unknown_codes_are_404(api, family):
    for url in ("families/nope", "attributes/nope", "categories/nope", "series/nope", "products/nope"):
        assert api.get(f"/api/v1/{url}/").status_code == 404, url
