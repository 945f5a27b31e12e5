"""The catalog editors in the Wagtail admin, driven through the Django test client.

Forms are submitted the way a browser would: the rendered form is parsed and its fields
posted back with a few changes, so the tests exercise the real field names and widgets.
"""

import math
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from pim.catalog.models import (
    Attribute,
    AttributeOption,
    AttributeType,
    Category,
    Family,
    FamilyAttribute,
    Lifecycle,
    Product,
    ProductModel,
    ProductValue,
    Unit,
)
from pim.catalog.values import set_values
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

PSI = 6894.757293168361


# --- helpers ---------------------------------------------------------------------------------


def url(model, view, *args):
    return reverse(f"wagtailsnippets_catalog_{model}:{view}", args=args)


def form_data(html: str, form_selector: str = "form[method=post], form[method=POST]") -> dict:
    """What a browser would submit for the editor form on the page (without any submit button)."""
    soup = BeautifulSoup(html, "html.parser")
    form = next(f for f in soup.select(form_selector) if f.select("[name]") and "csrf" in str(f))
    data: dict[str, list[str]] = {}

    def add(name, value):
        data.setdefault(name, []).append(value)

    for element in form.select("input, select, textarea"):
        name = element.get("name")
        if not name or "__prefix__" in name or element.find_parent("template"):
            continue
        if element.name == "input":
            kind = element.get("type", "text")
            if kind in ("submit", "button", "file"):
                continue
            if kind in ("checkbox", "radio"):
                if element.has_attr("checked"):
                    add(name, element.get("value", "on"))
                continue
            add(name, element.get("value", ""))
        elif element.name == "textarea":
            add(name, element.text)
        else:
            options = element.select("option")
            chosen = [o for o in options if o.has_attr("selected")]
            if not chosen and options and not element.has_attr("multiple"):
                chosen = options[:1]
            for option in chosen:
                add(name, option.get("value", option.text))
            data.setdefault(name, [])
    return data


def post_form(client, page_url, changes=None, *, publish=False, remove=()):
    """GET the editor, apply ``changes`` ({name: value or [values]}), POST it back."""
    response = client.get(page_url)
    assert response.status_code == 200
    data = form_data(response.content.decode())
    for name in remove:
        data.pop(name, None)
    for name, value in (changes or {}).items():
        data[name] = value if isinstance(value, list) else [value]
    if publish:
        data["action-publish"] = ["action-publish"]
    return client.post(page_url, data)


def field_errors(response, field_name) -> str:
    """The error text shown at a field (its wrapper in the rendered editor)."""
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    control = soup.find(attrs={"name": re.compile(rf"^{re.escape(field_name)}(_\d+)?$")})
    assert control is not None, f"no field {field_name} on the page"
    wrapper = control.find_parent(attrs={"data-field-wrapper": True}) or control.find_parent("td")
    return " ".join(e.get_text(" ", strip=True) for e in wrapper.select(".error-message"))


def stored(product, code="max_pressure"):
    return list(ProductValue.objects.filter(product=product, attribute__code=code).select_related("unit"))


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.com", "secret")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def product(family):
    return make_product(
        family,
        article_number="4711-ABC.12",
        name={"en": "Ball valve DN15", "de": "Kugelhahn DN15"},
        values={"max_pressure": "10 bar", "body_material": "brass", "temperature_range": "-10 .. 120 °C"},
    )


# --- listing ---------------------------------------------------------------------------------


def listed(response) -> set[str]:
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return {a.get_text(strip=True) for a in soup.select("table.listing td.title .title-wrapper a")}


def test_product_listing_shows_columns_and_filters(admin_client, family, product):
    other_family = make_valve_family("other_valves")
    make_product(other_family, article_number="9000-XY", lifecycle=Lifecycle.DISCONTINUED)
    make_product(family, article_number="4712-ZZ", lifecycle=Lifecycle.PHASE_OUT, live=False)

    response = admin_client.get(url("product", "list"))
    assert response.status_code == 200
    assert listed(response) == {"4711-ABC.12", "9000-XY", "4712-ZZ"}
    page = response.content.decode()
    assert "Ball valve DN15" in page  # name column in the active language
    assert "Phase-out" in page and "Discontinued" in page

    by_family = admin_client.get(url("product", "list"), {"family": other_family.pk})
    assert listed(by_family) == {"9000-XY"}

    by_lifecycle = admin_client.get(url("product", "list"), {"lifecycle": Lifecycle.PHASE_OUT})
    assert listed(by_lifecycle) == {"4712-ZZ"}

    drafts = admin_client.get(url("product", "list"), {"live": "draft"})
    assert listed(drafts) == {"4712-ZZ"}


def test_product_listing_searches_the_normalized_article_number_and_names(admin_client, family, product):
    make_product(family, article_number="4800-XYZ", name={"en": "Check valve", "de": "Rückschlagventil"})
    for query in ("4711abc12", "4711 ABC 12", "ABC.1"):
        response = admin_client.get(url("product", "list"), {"q": query})
        assert listed(response) == {"4711-ABC.12"}, query
    assert listed(admin_client.get(url("product", "list"), {"q": "rückschlag"})) == {"4800-XYZ"}
    # The results fragment used by the search-as-you-type box agrees.
    results = admin_client.get(url("product", "list_results"), {"q": "4711abc12"})
    assert listed(results) == {"4711-ABC.12"}


def test_product_listing_filters_by_category_including_subcategories(admin_client, family, product):
    valves = Category.objects.create(code="valves", name={"en": "Valves"})
    ball = Category.objects.create(code="ball-valves", name={"en": "Ball valves"}, parent=valves)
    pumps = Category.objects.create(code="pumps", name={"en": "Pumps"})
    product.categories.set([ball])
    product.save()
    pump = make_product(family, article_number="P-1")
    pump.categories.set([pumps])
    pump.save()

    assert listed(admin_client.get(url("product", "list"), {"category": valves.pk})) == {"4711-ABC.12"}
    assert listed(admin_client.get(url("product", "list"), {"category": pumps.pk})) == {"P-1"}


# --- create and edit -----------------------------------------------------------------------------


def test_create_then_edit_with_typed_units(admin_client, family):
    add_url = url("product", "add") + f"?family={family.pk}"
    response = post_form(
        admin_client,
        add_url,
        {
            "article_number": "KH-100",
            "name_0": "Ball valve",
            "name_1": "Kugelhahn",
            "lifecycle": Lifecycle.ACTIVE,
            "attr_max_pressure_0": "10",  # bare number: in the unit chosen beside it (bar)
            "attr_body_material": "ss316",
            "attr_approvals": ["fda", "atex"],
            "attr_food_grade": "true",
            "attr_temperature_range_0": "-20",
            "attr_temperature_range_1": "150",
            "attr_note_0": "Lockable handle",
        },
        publish=True,
    )
    assert response.status_code == 302, field_errors(response, "attr_max_pressure")
    product = Product.objects.get(article_number="KH-100")
    assert (
        product.live and product.family == family and product.name == {"en": "Ball valve", "de": "Kugelhahn"}
    )
    values = product.effective_values()
    assert (
        values["max_pressure"][0].number == pytest.approx(1e6)
        and values["max_pressure"][0].unit.code == "bar"
    )
    assert values["body_material"][0].option.code == "ss316"
    assert {r.option.code for r in values["approvals"]} == {"fda", "atex"}
    assert values["food_grade"][0].boolean is True
    assert values["temperature_range"][0].number_min == pytest.approx(253.15)
    assert values["temperature_range"][0].number_max == pytest.approx(423.15)
    assert values["note"][0].text_localized == {"en": "Lockable handle"}

    edit_url = url("product", "edit", product.pk)
    # The editor shows what was stored, in the unit it was entered in.
    page = BeautifulSoup(admin_client.get(edit_url).content.decode(), "html.parser")
    assert page.find(attrs={"name": "attr_max_pressure_0"})["value"] == "10"
    assert page.select_one("[name=attr_max_pressure_1] option[selected]")["value"] == "bar"

    response = post_form(admin_client, edit_url, {"attr_max_pressure_0": "16 bar"}, publish=True)
    assert response.status_code == 302
    [row] = stored(product)
    assert row.number == pytest.approx(1.6e6) and row.unit.code == "bar"

    # A typed unit wins over the select, and is stored canonically.
    response = post_form(admin_client, edit_url, {"attr_max_pressure_0": "232 psi"}, publish=True)
    assert response.status_code == 302
    [row] = stored(product)
    assert math.isclose(row.number, 232 * PSI, rel_tol=1e-9) and row.unit.code == "psi"
    page = BeautifulSoup(admin_client.get(edit_url).content.decode(), "html.parser")
    assert page.find(attrs={"name": "attr_max_pressure_0"})["value"] == "232"
    assert page.select_one("[name=attr_max_pressure_1] option[selected]")["value"] == "psi"

    # Other spellings: decimal comma and another unit of the quantity.
    post_form(admin_client, edit_url, {"attr_max_pressure_0": "1,5 MPa"}, publish=True)
    [row] = stored(product)
    assert row.number == pytest.approx(1.5e6) and row.unit.code == "MPa"

    # Clearing the input removes the value.
    post_form(admin_client, edit_url, {"attr_max_pressure_0": ""}, publish=True)
    assert stored(product) == []


def test_wrong_unit_is_reported_at_the_field_and_nothing_is_saved(admin_client, product):
    revisions_before = product.revisions.count()
    response = post_form(
        admin_client, url("product", "edit", product.pk), {"attr_max_pressure_0": "16 kg"}, publish=True
    )
    assert response.status_code == 200
    errors = field_errors(response, "attr_max_pressure")
    assert "“kg” is not a unit of Pressure" in errors and "bar" in errors  # says which units are allowed
    assert field_errors(response, "article_number") == ""
    [row] = stored(product)
    assert row.number == pytest.approx(1e6)
    assert product.revisions.count() == revisions_before
    # The editor's input is kept for correction.
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert page.find(attrs={"name": "attr_max_pressure_0"})["value"] == "16 kg"


def test_bounds_and_range_errors_name_the_problem(admin_client, product):
    edit_url = url("product", "edit", product.pk)
    response = post_form(admin_client, edit_url, {"attr_max_pressure_0": "500 bar"}, publish=True)
    assert "500\xa0bar is above the maximum of 400\xa0bar" in field_errors(response, "attr_max_pressure")

    response = post_form(
        admin_client,
        edit_url,
        {"attr_temperature_range_0": "200", "attr_temperature_range_1": "abc"},
        publish=True,
    )
    assert "Maximum" in field_errors(response, "attr_temperature_range")

    response = post_form(
        admin_client,
        edit_url,
        {"attr_temperature_range_0": "200", "attr_temperature_range_1": "100"},
        publish=True,
    )
    assert "lower end" in field_errors(response, "attr_temperature_range")
    [row] = stored(product, "temperature_range")
    assert row.number_max == pytest.approx(393.15)


def test_saving_a_draft_of_a_live_product_keeps_the_live_values(admin_client, product):
    edit_url = url("product", "edit", product.pk)
    response = post_form(admin_client, edit_url, {"attr_max_pressure_0": "16 bar"})  # "Save draft"
    assert response.status_code == 302

    product.refresh_from_db()
    assert product.live and product.has_unpublished_changes
    [row] = stored(product)
    assert row.number == pytest.approx(1e6)  # live values untouched

    revision = product.latest_revision
    assert revision.user == admin_client.user
    assert abs(timezone.now() - revision.created_at).total_seconds() < 60
    draft = revision.as_object()
    [draft_row] = [r for r in draft.values.all() if r.attribute.code == "max_pressure"]
    assert draft_row.number == pytest.approx(1.6e6) and draft_row.unit.code == "bar"
    # The editor shows the draft.
    page = BeautifulSoup(admin_client.get(edit_url).content.decode(), "html.parser")
    assert page.find(attrs={"name": "attr_max_pressure_0"})["value"] == "16"

    response = post_form(admin_client, edit_url, publish=True)
    assert response.status_code == 302
    product.refresh_from_db()
    assert not product.has_unpublished_changes
    [row] = stored(product)
    assert row.number == pytest.approx(1.6e6)
    assert product.live_revision.user == admin_client.user
    # Values the editor did not touch survive the round trip through the form.
    assert stored(product, "body_material")[0].option.code == "brass"
    assert stored(product, "temperature_range")[0].number_min == pytest.approx(263.15)


def test_history_and_revision_comparison(admin_client, product):
    edit_url = url("product", "edit", product.pk)
    post_form(admin_client, edit_url, {"attr_max_pressure_0": "12 bar"}, publish=True)
    post_form(admin_client, edit_url, {"attr_max_pressure_0": "16 bar"}, publish=True)
    first, second = product.revisions.order_by("created_at", "pk")

    history = admin_client.get(url("product", "history", product.pk))
    assert history.status_code == 200
    assert "editor" in history.content.decode()  # the author

    compare = admin_client.get(url("product", "revisions_compare", product.pk, first.pk, second.pk))
    assert compare.status_code == 200
    text = BeautifulSoup(compare.content.decode(), "html.parser").get_text(" ", strip=True)
    assert "Attribute values" in text and "12\xa0bar" in text and "16\xa0bar" in text


def test_creating_as_draft_keeps_the_product_unpublished(admin_client, family):
    response = post_form(
        admin_client,
        url("product", "add") + f"?family={family.pk}",
        {"article_number": "KH-DRAFT", "name_0": "Draft valve", "attr_max_pressure_0": "6"},
    )
    assert response.status_code == 302
    product = Product.objects.get(article_number="KH-DRAFT")
    assert not product.live
    assert not Product.objects.publicly_visible().filter(pk=product.pk).exists()
    assert stored(product)[0].number == pytest.approx(6e5)
    assert product.latest_revision.user == admin_client.user


def test_gtin_with_wrong_check_digit_is_reported_at_the_field(admin_client, product):
    response = post_form(
        admin_client, url("product", "edit", product.pk), {"gtin": "4006381333932"}, publish=True
    )
    assert response.status_code == 200
    assert "wrong check digit: expected 1, got 2" in field_errors(response, "gtin")
    product.refresh_from_db()
    assert product.gtin == ""


def test_duplicate_article_number_is_reported_at_the_field(admin_client, family, product):
    response = post_form(
        admin_client,
        url("product", "add") + f"?family={family.pk}",
        {"article_number": "4711 abc 12", "name_0": "Copy"},
        publish=True,
    )
    assert response.status_code == 200
    assert "already used by 4711-ABC.12" in field_errors(response, "article_number")


def test_option_not_allowed_in_the_family_is_rejected(admin_client, family, product):
    family_attribute = FamilyAttribute.objects.get(family=family, attribute__code="body_material")
    family_attribute.allowed_options.set(AttributeOption.objects.filter(code="brass"))
    edit_url = url("product", "edit", product.pk)

    page = BeautifulSoup(admin_client.get(edit_url).content.decode(), "html.parser")
    offered = [o["value"] for o in page.select("[name=attr_body_material] option") if o["value"]]
    assert offered == ["brass"]

    response = post_form(admin_client, edit_url, {"attr_body_material": "ss316"}, publish=True)
    assert response.status_code == 200
    errors = field_errors(response, "attr_body_material")
    assert "“ss316” is not one of the options: brass (Brass)" in errors
    assert stored(product, "body_material")[0].option.code == "brass"


def test_attribute_labels_follow_the_admin_language(admin_client, product):
    profile = UserProfile.get_for_user(admin_client.user)
    profile.preferred_language = "de"
    profile.save()
    response = admin_client.get(url("product", "edit", product.pk))
    page = response.content.decode()
    assert "Max. Betriebsdruck" in page and "Technische Daten" in page


def test_changing_the_family_shows_its_attributes(admin_client, family, product):
    pumps = Family.objects.create(code="pumps", name={"en": "Pumps"})
    flow = Attribute.objects.create(
        code="flow_rate",
        name={"en": "Flow rate"},
        type=AttributeType.NUMBER,
        quantity=Unit.objects.get(code="bar").quantity,
    )
    FamilyAttribute.objects.create(family=pumps, attribute=flow)
    response = post_form(
        admin_client,
        url("product", "edit", product.pk),
        {"family": str(pumps.pk), "gtin": "123"},
        publish=True,
    )
    assert response.status_code == 200  # the GTIN error keeps the form open
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert page.find(attrs={"name": re.compile("^attr_flow_rate")}) is not None
    assert page.find(attrs={"name": re.compile("^attr_max_pressure")}) is None


# --- variants ------------------------------------------------------------------------------------


@pytest.fixture
def series(family):
    model = ProductModel(code="KH-SERIES", name={"en": "Ball valve series"}, family=family, live=True)
    set_values(model, {"max_pressure": "40 bar"}, family)
    model.save()
    model.axes.set([Attribute.objects.get(code="nominal_size")])
    model.save()
    return model


def test_variant_needs_its_axis_and_shows_inherited_values(admin_client, family, series):
    variant = make_product(
        family, article_number="KH-S-15", product_model=series, values={"nominal_size": "15 mm"}
    )
    edit_url = url("product", "edit", variant.pk)
    page = admin_client.get(edit_url).content.decode()
    assert "Inherited from the product model: 40\xa0bar" in page

    response = post_form(admin_client, edit_url, {"attr_nominal_size_0": ""}, publish=True)
    assert response.status_code == 200
    assert "variant axis" in field_errors(response, "attr_nominal_size")

    sibling = make_product(
        family, article_number="KH-S-20", product_model=series, values={"nominal_size": "20 mm"}
    )
    response = post_form(
        admin_client, url("product", "edit", sibling.pk), {"attr_nominal_size_0": "15"}, publish=True
    )
    assert response.status_code == 200
    assert "Variant KH-S-15 of KH-SERIES already has these axis values" in response.content.decode()

    # A draft may still be incomplete.
    response = post_form(admin_client, edit_url, {"attr_nominal_size_0": ""})
    assert response.status_code == 302


def test_product_model_editor_offers_the_family_attributes_as_axes(admin_client, family, series):
    edit_url = url("productmodel", "edit", series.pk)
    page = BeautifulSoup(admin_client.get(edit_url).content.decode(), "html.parser")
    axes = {i["value"] for i in page.select("[name=axes]")}
    assert axes == {str(pk) for pk in family.attributes.values_list("pk", flat=True)}
    assert page.find(attrs={"name": "attr_max_pressure_0"})["value"] == "40"

    response = post_form(admin_client, edit_url, {"attr_max_pressure_0": "25 bar"}, publish=True)
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.values.get().number == pytest.approx(2.5e6)


# --- structure editors ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["family", "attribute", "attributegroup", "category", "quantity", "unit"])
def test_structure_listings_and_add_pages_load(admin_client, family, model):
    assert admin_client.get(url(model, "list")).status_code == 200
    assert admin_client.get(url(model, "add")).status_code == 200
    assert admin_client.get(url(model, "list"), {"q": "pres"}).status_code == 200


def test_create_family_with_attribute_rows(admin_client, family):
    pressure = Attribute.objects.get(code="max_pressure")
    material = Attribute.objects.get(code="body_material")
    response = post_form(
        admin_client,
        url("family", "add"),
        {
            "code": "gate_valves",
            "name_0": "Gate valves",
            "family_attributes-0-attribute": str(pressure.pk),
            "family_attributes-0-sort_order": "1",
            "family_attributes-0-display_unit": str(Unit.objects.get(code="MPa").pk),
        },
    )
    assert response.status_code == 302
    created = Family.objects.get(code="gate_valves")
    [row] = created.family_attributes.all()
    assert row.attribute == pressure and row.display_unit.code == "MPa"

    # Edit: add a row, narrow nothing yet; a unit of another quantity is refused at its cell.
    edit_url = url("family", "edit", created.pk)
    response = post_form(
        admin_client,
        edit_url,
        {
            "family_attributes-1-attribute": str(material.pk),
            "family_attributes-0-display_unit": str(Unit.objects.get(code="mm").pk),
        },
    )
    assert response.status_code == 200
    assert "is not a unit of the quantity of max_pressure" in field_errors(
        response, "family_attributes-0-display_unit"
    )
    assert created.family_attributes.count() == 1

    response = post_form(admin_client, edit_url, {"family_attributes-1-attribute": str(material.pk)})
    assert response.status_code == 302
    assert set(created.family_attributes.values_list("attribute__code", flat=True)) == {
        "max_pressure",
        "body_material",
    }

    # Allowed options can be narrowed on a saved row.
    row = created.family_attributes.get(attribute=material)
    index = next(
        i
        for i in range(2)
        if form_data(admin_client.get(edit_url).content.decode())[f"family_attributes-{i}-id"]
        == [str(row.pk)]
    )
    brass = AttributeOption.objects.get(attribute=material, code="brass")
    response = post_form(
        admin_client, edit_url, {f"family_attributes-{index}-allowed_options": str(brass.pk)}
    )
    assert response.status_code == 302
    assert list(row.allowed_options.all()) == [brass]


def test_create_attribute_with_options_and_guard_used_options(admin_client, family, product):
    response = post_form(
        admin_client,
        url("attribute", "add"),
        {
            "code": "seal_material",
            "name_0": "Seal material",
            "type": AttributeType.ENUM,
            "options-0-code": "nbr",
            "options-0-name_0": "NBR",
            "options-0-sort_order": "1",
        },
    )
    assert response.status_code == 302
    attribute = Attribute.objects.get(code="seal_material")
    assert list(attribute.options.values_list("code", flat=True)) == ["nbr"]

    # Options in use cannot be deleted; the type of an attribute with values cannot change.
    material = Attribute.objects.get(code="body_material")
    edit_url = url("attribute", "edit", material.pk)
    data = form_data(admin_client.get(edit_url).content.decode())
    brass_index = next(i for i in range(5) if data.get(f"options-{i}-code") == ["brass"])
    response = post_form(admin_client, edit_url, {f"options-{brass_index}-DELETE": "on"})
    assert response.status_code == 200
    assert "Option brass cannot be deleted: 1 stored values use it" in response.content.decode()
    response = post_form(admin_client, edit_url, {"type": AttributeType.TEXT})
    assert response.status_code == 200
    assert "changing the type would misread them" in field_errors(response, "type")
    assert material.options.count() == 2


def test_create_category_below_a_parent_and_listing_shows_the_tree(admin_client):
    valves = Category.objects.create(code="valves", name={"en": "Valves"})
    response = post_form(
        admin_client,
        url("category", "add"),
        {"code": "ball", "name_0": "Ball valves", "parent": str(valves.pk)},
    )
    assert response.status_code == 302
    ball = Category.objects.get(code="ball")
    assert ball.parent == valves

    listing = admin_client.get(url("category", "list")).content.decode()
    assert "Valves › Ball valves" in listing
    assert "\u2003Ball valves" in listing  # indented below its parent

    # A category cannot be moved below itself.
    response = post_form(admin_client, url("category", "edit", valves.pk), {"parent": str(ball.pk)})
    assert response.status_code == 200
    assert "cannot be moved below itself" in field_errors(response, "parent")


def test_create_unit_and_reject_one_of_another_quantity(admin_client):
    pressure = Unit.objects.get(code="bar").quantity
    response = post_form(
        admin_client,
        url("unit", "add"),
        {"code": "inHg", "symbol": "inHg", "quantity": str(pressure.pk), "pint_expression": "inch_Hg"},
    )
    assert response.status_code == 302
    assert Unit.objects.get(code="inHg").to_canonical(1) == pytest.approx(3386.39, rel=1e-5)

    response = post_form(
        admin_client,
        url("unit", "add"),
        {"code": "kgx", "symbol": "kg", "quantity": str(pressure.pk), "pint_expression": "kilogram"},
    )
    assert response.status_code == 200
    assert "is not a unit of Pressure" in field_errors(response, "pint_expression")


def test_quantity_canonical_unit_cannot_change_under_stored_values(admin_client, product):
    pressure = Unit.objects.get(code="bar").quantity
    response = post_form(admin_client, url("quantity", "edit", pressure.pk), {"canonical_unit": "bar"})
    assert response.status_code == 200
    assert "stored in pascal" in field_errors(response, "canonical_unit")


def test_product_chooser_searches_normalized_article_numbers(admin_client, family, product):
    make_product(family, article_number="9999")
    chooser = reverse("wagtailsnippetchoosers_catalog_product:choose_results")
    response = admin_client.get(chooser, {"q": "4711abc12"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "4711-ABC.12" in content and "9999" not in content


def test_attribute_bounds_are_typed_with_a_unit(admin_client, family):
    pressure = Attribute.objects.get(code="max_pressure")
    edit_url = url("attribute", "edit", pressure.pk)
    page = BeautifulSoup(admin_client.get(edit_url).content.decode(), "html.parser")
    assert page.find(attrs={"name": "max_value"})["value"] == "400\xa0bar"  # shown in the display unit

    response = post_form(admin_client, edit_url, {"max_value": "5000 psi", "min_value": "0"})
    assert response.status_code == 302
    pressure.refresh_from_db()
    assert pressure.max_value == pytest.approx(5000 * PSI) and pressure.min_value == 0

    response = post_form(admin_client, edit_url, {"max_value": "5 kg"})
    assert response.status_code == 200
    assert "“kg” is not a unit of Pressure" in field_errors(response, "max_value")


def test_autosave_stores_a_draft_revision_as_json(admin_client, product):
    edit_url = url("product", "edit", product.pk)
    data = form_data(admin_client.get(edit_url).content.decode())
    data["attr_max_pressure_0"] = ["12 bar"]
    response = admin_client.post(edit_url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["success"] is True
    product.refresh_from_db()
    assert stored(product)[0].number == pytest.approx(1e6)
    draft = product.latest_revision.as_object()
    assert next(r for r in draft.values.all() if r.attribute.code == "max_pressure").number == pytest.approx(
        1.2e6
    )

    data["attr_max_pressure_0"] = ["12 kg"]
    response = admin_client.post(edit_url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["error_code"] == "validation_error"


def test_family_and_product_model_listings_link_to_new_products(admin_client, family, series):
    add_url = reverse("wagtailsnippets_catalog_product:add")
    assert f"{add_url}?family={family.pk}" in admin_client.get(url("family", "list")).content.decode()
    assert (
        f"{add_url}?product_model={series.pk}"
        in admin_client.get(url("productmodel", "list")).content.decode()
    )

    # A new variant starts with the model's family and its axes.
    page = BeautifulSoup(
        admin_client.get(f"{add_url}?product_model={series.pk}").content.decode(), "html.parser"
    )
    assert page.find(attrs={"name": "attr_nominal_size_0"}) is not None
    response = post_form(
        admin_client,
        f"{add_url}?product_model={series.pk}",
        {"article_number": "KH-S-32", "name_0": "Ball valve DN32", "attr_nominal_size_0": "32"},
        publish=True,
        remove=["family"],
    )
    assert response.status_code == 302, field_errors(response, "family")
    variant = Product.objects.get(article_number="KH-S-32")
    assert variant.family == family and variant.product_model == series and variant.live
    assert variant.effective_values()["max_pressure"][0].number == pytest.approx(4e6)  # inherited


def test_deleting_something_still_in_use_says_what_uses_it(admin_client):
    valves = Category.objects.create(code="valves", name={"en": "Valves"})
    Category.objects.create(code="ball", name={"en": "Ball valves"}, parent=valves)
    response = admin_client.post(url("category", "delete", valves.pk), follow=True)
    assert response.status_code == 200
    assert "“Valves” cannot be deleted: 1 objects still use it (Ball valves)" in response.content.decode()
    assert Category.objects.filter(pk=valves.pk).exists()

    unused = Category.objects.create(code="pumps", name={"en": "Pumps"})
    assert admin_client.post(url("category", "delete", unused.pk)).status_code == 302
    assert not Category.objects.filter(pk=unused.pk).exists()


def test_prices_and_relations_are_edited_inline_and_published_with_the_product(admin_client, family, product):
    accessory = make_product(family, article_number="HANDLE-1")
    edit_url = url("product", "edit", product.pk)
    changes = {
        "prices-TOTAL_FORMS": "1",
        "prices-0-price_type": "net_list",
        "prices-0-currency": "EUR",
        "prices-0-amount": "12.50",
        "prices-0-min_quantity": "1",
        "prices-0-tax_rate": "0.19",
        "relations-TOTAL_FORMS": "1",
        "relations-0-kind": "accessory",
        "relations-0-target": str(accessory.pk),
    }
    response = post_form(admin_client, edit_url, changes)  # a draft first
    assert response.status_code == 302
    assert not product.prices.exists() and not product.relations.exists()

    response = post_form(admin_client, edit_url, publish=True)
    assert response.status_code == 302
    [price] = product.prices.all()
    assert str(price.amount) == "12.5000" and price.currency == "EUR"
    assert [r.target for r in product.relations.all()] == [accessory]

    response = post_form(
        admin_client,
        edit_url,
        {
            "prices-TOTAL_FORMS": "2",
            "prices-1-currency": "eur",
            "prices-1-amount": "3",
            "prices-1-min_quantity": "1",
            "prices-1-tax_rate": "0.19",
            "prices-1-price_type": "net_list",
        },
        publish=True,
    )
    assert response.status_code == 200
    assert "ISO 4217" in field_errors(response, "prices-1-currency")

    response = post_form(
        admin_client,
        edit_url,
        {
            "relations-TOTAL_FORMS": "2",
            "relations-1-kind": "spare_part",
            "relations-1-target": str(product.pk),
        },
        publish=True,
    )
    assert response.status_code == 200
    assert "A product cannot be related to itself" in field_errors(response, "relations-1-target")
    assert product.relations.count() == 1


def test_german_editor_sees_decimal_commas_and_values_survive_a_round_trip(admin_client, family):
    product = make_product(family, values={"max_pressure": "1.5 bar", "temperature_range": "-12.5 .. 120 °C"})
    # A value stored without its entered unit (e.g. by a bulk import) is canonical.
    ProductValue.objects.filter(product=product, attribute__code="temperature_range").update(unit=None)
    profile = UserProfile.get_for_user(admin_client.user)
    profile.preferred_language = "de"
    profile.save()
    edit_url = url("product", "edit", product.pk)
    page = BeautifulSoup(admin_client.get(edit_url).content.decode(), "html.parser")
    assert page.find(attrs={"name": "attr_max_pressure_0"})["value"] == "1,5"
    assert page.find(attrs={"name": "attr_temperature_range_0"})["value"] == "-12,5"
    assert page.select_one("[name=attr_temperature_range_2] option[selected]")["value"] == "degC"

    assert post_form(admin_client, edit_url, publish=True).status_code == 302
    assert stored(product)[0].number == pytest.approx(1.5e5)
    [temperature] = stored(product, "temperature_range")
    assert temperature.number_min == pytest.approx(260.65) and temperature.number_max == pytest.approx(393.15)
