"""Trade and logistics data in the product and series editors, through the real admin views.

Forms are submitted as a browser would (see tests/catalog/test_admin.py): the rendered editor
is parsed and posted back with changes, so field names, widgets and units are the real ones.
"""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

from pim.catalog.models import PackingUnit, Product, ProductModel
from tests.catalog.test_admin import field_errors, post_form, url
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

EVERY_TRADE_FIELD = {
    "net_weight_0": "250",
    "net_weight_1": "g",
    "gross_weight_0": "0.75 lb",  # a typed unit wins over the select
    "gross_weight_1": "kg",
    "length_0": "12",
    "length_1": "cm",
    "width_0": "80",
    "width_1": "mm",
    "height_0": "4.5 cm",
    "height_1": "mm",
    "country_of_origin": "IT",
    "customs_tariff_number": "8481 80 81",
    "brand": "Hydra",
    "discount_group": "R12",
    "delivery_time_days": "5",
    "keywords_0": "ball valve, brass; DN15",
    "keywords_1": "Kugelhahn, Messing",
    "reach_status": "contains",
    "scip_number": "F5716C60-D07C-415C-B4C0-C1A796EAAF04",
    "rohs_status": "exempt",
    "ce_marking": "true",
    "un_number": "1950",
    "hazard_class": "2.1",
    "packing_group": "II",
    "packing_units-TOTAL_FORMS": "2",
    "packing_units-0-code": "BG",
    "packing_units-0-quantity": "10",
    "packing_units-0-gtin": "4006381333931",
    "packing_units-0-gross_weight": "2.6",
    "packing_units-0-length": "200",
    "packing_units-0-width": "150",
    "packing_units-0-height": "50",
    "packing_units-0-package_break": "on",
    "packing_units-0-ORDER": "1",
    "packing_units-1-code": "CT",
    "packing_units-1-quantity": "100",
    "packing_units-1-gtin": "",
    "packing_units-1-gross_weight": "27",
    "packing_units-1-length": "400",
    "packing_units-1-width": "300",
    "packing_units-1-height": "250",
    "packing_units-1-ORDER": "2",
}


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.com", "secret")
    client.force_login(user)
    return client


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def product(family):
    return make_product(
        family, article_number="KH-T-1", net_weight=Decimal("0.25"), gross_weight=Decimal("0.3")
    )


@pytest.fixture
def series(family):
    return ProductModel.objects.create(
        code="HSB",
        name={"en": "Ball valve series HSB"},
        family=family,
        live=True,
        country_of_origin="DE",
        brand="Hydra",
        customs_tariff_number="84818081",
        ce_marking=True,
        rohs_status="compliant",
        keywords={"en": "ball valve, brass", "de": "Kugelhahn, Messing"},
        delivery_time_days=3,
    )


def soup_of(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def tab_names(soup) -> list[str]:
    # A tab's text ends in its error counter "( )".
    return [tab.get_text(" ", strip=True).split(" (")[0] for tab in soup.select("[role=tab]")]


def help_text(soup, name) -> str:
    control = soup.find(attrs={"name": name})
    assert control is not None, name
    wrapper = control.find_parent(attrs={"data-field-wrapper": True})
    return " ".join(wrapper.get_text(" ", strip=True).split())


def test_create_with_every_trade_field_converts_units_and_saves_packing_units(admin_client, family):
    response = post_form(
        admin_client,
        url("product", "add") + f"?family={family.pk}",
        {"article_number": "KH-T-NEW", "name_0": "Ball valve", **EVERY_TRADE_FIELD},
        publish=True,
    )
    assert response.status_code == 302, soup_of(response).select(".error-message")
    product = Product.objects.get(article_number="KH-T-NEW")
    assert product.live
    assert product.net_weight == Decimal("0.25")  # 250 g
    assert product.gross_weight == Decimal("0.340194")  # 0.75 lb = 0.34019428 kg, 6 places
    assert (product.length, product.width, product.height) == (Decimal("120"), Decimal("80"), Decimal("45"))
    assert product.country_of_origin.code == "IT"
    assert product.customs_tariff_number == "84818081"
    assert (product.brand, product.discount_group, product.delivery_time_days) == ("Hydra", "R12", 5)
    assert product.keywords == {"en": "ball valve, brass; DN15", "de": "Kugelhahn, Messing"}
    assert product.reach_status == "contains"
    assert product.scip_number == "f5716c60-d07c-415c-b4c0-c1a796eaaf04"
    assert (product.rohs_status, product.ce_marking) == ("exempt", True)
    assert (product.un_number, product.hazard_class, product.packing_group) == ("1950", "2.1", "II")
    bag, carton = product.packing_units.order_by("sort_order")
    assert (bag.code, bag.quantity, bag.gtin, bag.gross_weight, bag.package_break) == (
        "BG",
        Decimal("10"),
        "4006381333931",
        Decimal("2.6"),
        True,
    )
    assert (bag.length, bag.width, bag.height) == (Decimal("200"), Decimal("150"), Decimal("50"))
    assert (carton.code, carton.quantity, carton.gtin, carton.package_break) == (
        "CT",
        Decimal("100"),
        "",
        False,
    )


def test_stored_values_are_shown_in_kg_and_mm_and_survive_a_round_trip(admin_client, product):
    Product.objects.filter(pk=product.pk).update(length=120, width=80, height=45)
    edit_url = url("product", "edit", product.pk)
    soup = soup_of(admin_client.get(edit_url))
    assert soup.find(attrs={"name": "net_weight_0"})["value"] == "0.25"
    assert soup.select_one("[name=net_weight_1] option[selected]")["value"] == "kg"
    assert soup.find(attrs={"name": "length_0"})["value"] == "120"
    assert soup.select_one("[name=length_1] option[selected]")["value"] == "mm"
    # The tab sits after "Lifecycle & ordering", with its sections.
    tabs = tab_names(soup)
    assert tabs.index("Trade & logistics") == tabs.index("Lifecycle & ordering") + 1
    text = soup.get_text(" ", strip=True)
    for heading in (
        "Weight and dimensions",
        "Origin and customs",
        "Sales",
        "Declarations",
        "Dangerous goods",
    ):
        assert heading in text

    assert post_form(admin_client, edit_url, publish=True).status_code == 302
    product.refresh_from_db()
    assert (product.net_weight, product.gross_weight) == (Decimal("0.25"), Decimal("0.3"))
    assert (product.length, product.width, product.height) == (Decimal("120"), Decimal("80"), Decimal("45"))

    # Typed again in pounds and inches.
    response = post_form(
        admin_client,
        edit_url,
        {"net_weight_0": "2 lb", "gross_weight_0": "1 kg", "length_0": "10", "length_1": "in"},
        publish=True,
    )
    assert response.status_code == 302, soup_of(response).select(".error-message")
    product.refresh_from_db()
    assert product.net_weight == Decimal("0.907185") and product.length == Decimal("254")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"customs_tariff_number": "8481 80 8"}, "customs_tariff_number", "is not a customs tariff number"),
        ({"un_number": "19"}, "un_number", "four digits"),
        ({"hazard_class": "3"}, "un_number", "need their UN number"),
        ({"net_weight_0": "-5", "net_weight_1": "g"}, "net_weight_0", "not above zero"),
        ({"net_weight_0": "5 bar"}, "net_weight_0", "is not a unit of"),
        ({"net_weight_0": "heavy"}, "net_weight_0", "is not a number"),
        ({"net_weight_0": "0.1 mg"}, "net_weight_0", "too small"),
        ({"net_weight_0": "1e300 t", "gross_weight_0": ""}, "net_weight_0", "too large"),
        ({"length_0": "2000 km", "width_0": "1", "height_0": "1"}, "length_0", "too large"),
        ({"gross_weight_0": "100 g"}, "gross_weight_0", "less than the net weight"),
        (
            {"length_0": "12 cm", "width_0": "", "height_0": ""},
            "length_0",
            "length, width and height together",
        ),
        ({"scip_number": "12345"}, "scip_number", "36-character identifier"),
        (
            {
                "packing_units-TOTAL_FORMS": "1",
                "packing_units-0-code": "CT",
                "packing_units-0-quantity": "50",
                "packing_units-0-gtin": "4006381333932",
            },
            "packing_units-0-gtin",
            "check digit",
        ),
        (
            {"packing_units-TOTAL_FORMS": "1", "packing_units-0-code": "CT", "packing_units-0-quantity": "0"},
            "packing_units-0-quantity",
            "greater than or equal to",
        ),
    ],
)
def test_invalid_input_is_reported_at_the_field_and_nothing_is_saved(
    admin_client, product, changes, field, message
):
    before = Product.objects.values().get(pk=product.pk)
    revisions = product.revisions.count()
    response = post_form(admin_client, url("product", "edit", product.pk), changes, publish=True)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert Product.objects.values().get(pk=product.pk) == before
    assert not PackingUnit.objects.exists()
    assert product.revisions.count() == revisions


def test_variant_shows_what_it_takes_from_its_series(admin_client, family, series):
    variant = make_product(family, article_number="HSB-15", product_model=series, brand="")
    soup = soup_of(admin_client.get(url("product", "edit", variant.pk)))
    assert "Empty: from series HSB: Germany." in help_text(soup, "country_of_origin")
    assert soup.select_one("[name=country_of_origin] option[value='']").get_text() == "From series: Germany"
    assert soup.find(attrs={"name": "brand"})["placeholder"] == "Hydra"
    assert soup.find(attrs={"name": "customs_tariff_number"})["placeholder"] == "84818081"
    assert soup.find(attrs={"name": "delivery_time_days"})["placeholder"] == "3"
    assert soup.select_one("[name=ce_marking] option[value=unknown]").get_text() == "From series: Yes"
    assert soup.select_one("[name=rohs_status] option[value='']").get_text() == "From series: Compliant"
    assert soup.find(attrs={"name": "keywords_1"})["placeholder"] == "Kugelhahn, Messing"
    # Fields the series leaves empty say nothing.
    assert "from series" not in help_text(soup, "un_number")
    # A standalone product has no hints.
    standalone = make_product(family, article_number="KH-ALONE")
    page = admin_client.get(url("product", "edit", standalone.pk)).content.decode()
    assert "from series" not in page.lower()

    # Empty stays empty (the export inherits); an own value overrides.
    response = post_form(
        admin_client, url("product", "edit", variant.pk), {"country_of_origin": "CH"}, publish=True
    )
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.country_of_origin.code == "CH" and variant.brand == "" and variant.ce_marking is None


def test_a_draft_keeps_the_live_row_and_publishing_applies_it(admin_client, product):
    edit_url = url("product", "edit", product.pk)
    changes = {
        "net_weight_0": "1.2 kg",
        "gross_weight_0": "1.5 kg",
        "country_of_origin": "DE",
        "packing_units-TOTAL_FORMS": "1",
        "packing_units-0-code": "CT",
        "packing_units-0-quantity": "20",
        "packing_units-0-ORDER": "1",
    }
    assert post_form(admin_client, edit_url, changes).status_code == 302  # "Save draft"
    product.refresh_from_db()
    assert product.net_weight == Decimal("0.25") and not product.country_of_origin
    assert not product.packing_units.exists()
    draft = product.latest_revision.as_object()
    assert draft.net_weight == Decimal("1.2") and draft.country_of_origin.code == "DE"
    assert [(p.code, p.quantity) for p in draft.packing_units.all()] == [("CT", Decimal("20"))]
    # The editor shows the draft.
    soup = soup_of(admin_client.get(edit_url))
    assert soup.find(attrs={"name": "net_weight_0"})["value"] == "1.2"
    assert soup.find(attrs={"name": "packing_units-0-quantity"})["value"] in ("20", "20.000")

    assert post_form(admin_client, edit_url, publish=True).status_code == 302
    product.refresh_from_db()
    assert product.net_weight == Decimal("1.2") and product.country_of_origin.code == "DE"
    assert [(p.code, p.quantity) for p in product.packing_units.all()] == [("CT", Decimal("20"))]


def test_revision_comparison_shows_trade_changes(admin_client, product):
    edit_url = url("product", "edit", product.pk)
    response = post_form(
        admin_client, edit_url, {"country_of_origin": "DE", "net_weight_0": "200 g"}, publish=True
    )
    assert response.status_code == 302, soup_of(response).select(".error-message")
    response = post_form(
        admin_client,
        edit_url,
        {
            "country_of_origin": "IT",
            "net_weight_0": "150 g",
            "keywords_0": "valve",
            "ce_marking": "true",
            "packing_units-TOTAL_FORMS": "1",
            "packing_units-0-code": "BX",
            "packing_units-0-quantity": "5",
            "packing_units-0-ORDER": "1",
        },
        publish=True,
    )
    assert response.status_code == 302, soup_of(response).select(".error-message")
    first, second = product.revisions.order_by("created_at", "pk")
    compare = admin_client.get(url("product", "revisions_compare", product.pk, first.pk, second.pk))
    assert compare.status_code == 200
    text = soup_of(compare).get_text(" ", strip=True)
    assert "Country of origin" in text and "Italy" in text and "Germany" in text
    assert "Packing units" in text


def test_series_editor_has_a_trade_data_tab(admin_client, family, series):
    edit_url = url("productmodel", "edit", series.pk)
    soup = soup_of(admin_client.get(edit_url))
    tabs = tab_names(soup)
    assert "Trade data" in tabs
    assert soup.find(attrs={"name": "country_of_origin"}) is not None
    # Weights and dimensions differ per article: not on the series.
    assert soup.find(attrs={"name": "net_weight_0"}) is None and soup.find(attrs={"name": "length"}) is None

    response = post_form(
        admin_client,
        edit_url,
        {"country_of_origin": "JP", "customs_tariff_number": "8481.80.81.99", "un_number": "x"},
        publish=True,
    )
    assert response.status_code == 200
    assert "four digits" in field_errors(response, "un_number")
    series.refresh_from_db()
    assert series.country_of_origin.code == "DE"

    response = post_form(
        admin_client,
        edit_url,
        {"country_of_origin": "JP", "customs_tariff_number": "8481.80.81.99"},
        publish=True,
    )
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.country_of_origin.code == "JP" and series.customs_tariff_number == "8481808199"

    response = post_form(
        admin_client, edit_url, {"country_of_origin": "CN", "keywords_0": "valve"}, publish=True
    )
    assert response.status_code == 302
    first, second = series.revisions.order_by("created_at", "pk")
    compare = admin_client.get(url("productmodel", "revisions_compare", series.pk, first.pk, second.pk))
    assert compare.status_code == 200
    text = soup_of(compare).get_text(" ", strip=True)
    assert "Japan" in text and "China" in text
