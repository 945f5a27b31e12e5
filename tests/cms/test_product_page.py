import datetime
import itertools
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pim.catalog.models import (
    Attribute,
    AttributeGroup,
    Category,
    FamilyAttribute,
    Lifecycle,
    ProductModel,
    ProductPrice,
    ProductRelation,
    RelationKind,
)
from pim.catalog.values import set_values
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

VALUES = {
    "max_pressure": "16 bar",
    "temperature_range": "-10..120 °C",
    "body_material": "brass",
    "approvals": ["fda", "atex"],
}


@pytest.fixture
def family():
    return make_valve_family()


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def technical_row(html, code):
    """(label, value) of the technical data row of attribute ``code``."""
    match = re.search(
        rf'<tr data-attribute="{code}">\s*<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', html, re.S
    )
    assert match, f"no row for {code}"
    return match.group(1).strip(), match.group(2).strip()


def structured_data(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_published_product_shows_grouped_technical_data_in_display_units(client, family):
    product = make_product(
        family,
        article_number="KH-100",
        values={**VALUES, "max_pressure": "1600 kPa", "food_grade": True},
        gtin="4006381333931",
        manufacturer_pid="BV-16-BR",
        short_description={"en": "Two-way ball valve, full bore."},
    )
    html = page(client, f"/products/{product.article_number}/")

    assert "<h1>Ball valve</h1>" in html
    assert '<caption class="visually-hidden">Technical data</caption>' in html
    # Stored as 1600 kPa, shown in the attribute's display unit.
    assert technical_row(html, "max_pressure") == ("Max. operating pressure", "16\xa0bar")
    assert technical_row(html, "temperature_range") == ("Medium temperature", "-10 … 120\xa0°C")
    assert technical_row(html, "body_material")[1] == "Brass"
    assert technical_row(html, "approvals")[1] == "FDA, ATEX"
    assert technical_row(html, "food_grade")[1] == "Yes"
    # Family order: pressure before temperature before material.
    assert html.index('data-attribute="max_pressure"') < html.index('data-attribute="temperature_range"')
    assert html.index('data-attribute="temperature_range"') < html.index('data-attribute="body_material"')
    assert "4006381333931" in html
    assert "BV-16-BR" in html
    assert "Two-way ball valve, full bore." in html
    assert "ETIM classification: ETIM International" in html


def test_german_page_uses_german_labels_and_decimal_comma(client, family):
    product = make_product(family, article_number="KH-101", values={**VALUES, "max_pressure": "1.5 bar"})
    html = page(client, f"/de/produkte/{product.article_number}/")

    assert '<html lang="de">' in html
    assert "<h1>Kugelhahn</h1>" in html
    assert technical_row(html, "max_pressure") == ("Max. Betriebsdruck", "1,5\xa0bar")
    assert technical_row(html, "body_material") == ("Gehäusewerkstoff", "Messing")
    assert '<caption class="visually-hidden">Technische Daten</caption>' in html


def test_attribute_hidden_from_product_page_is_not_shown(client, family):
    Attribute.objects.filter(code="body_material").update(show_on_product_page=False)
    product = make_product(family, values=VALUES)
    html = page(client, f"/products/{product.article_number}/")
    assert 'data-attribute="max_pressure"' in html
    assert 'data-attribute="body_material"' not in html
    assert "Brass" not in html


@pytest.mark.parametrize(
    "fields",
    [
        {"lifecycle": Lifecycle.DRAFT},
        {"live": False},
        {"live": False, "lifecycle": Lifecycle.DISCONTINUED},
    ],
    ids=["draft-lifecycle", "unpublished", "unpublished-discontinued"],
)
def test_hidden_product_is_404(client, family, fields):
    product = make_product(family, article_number="HIDDEN-1", values=VALUES, **fields)
    assert client.get(f"/products/{product.article_number}/").status_code == 404
    assert client.get(f"/de/produkte/{product.article_number}/").status_code == 404
    # Not reachable through a non-canonical spelling either (no redirect that leaks it).
    assert client.get("/products/hidden1/").status_code == 404


def test_variant_of_unpublished_model_is_404(client, family):
    model = ProductModel.objects.create(code="BV-SERIES", name={"en": "BV series"}, family=family, live=False)
    variant = make_product(family, article_number="BV-15", product_model=model)
    assert variant.live
    assert client.get(f"/products/{variant.article_number}/").status_code == 404


def test_unknown_article_number_is_404(client, family):
    make_product(family, article_number="KH-1")
    assert client.get("/products/does-not-exist/").status_code == 404


def test_non_canonical_spelling_redirects_permanently_to_the_canonical_url(client, family):
    make_product(family, article_number="4711-ABC.12")

    response = client.get("/products/4711abc12/")
    assert response.status_code == 301
    assert response["Location"] == "/products/4711-ABC.12/"

    response = client.get("/de/produkte/4711 abc 12/")
    assert response.status_code == 301
    assert response["Location"] == "/de/produkte/4711-ABC.12/"

    # German product URLs were /de/products/… before they were localized: old links still work.
    response = client.get("/de/products/4711-ABC.12/?units=imperial")
    assert response.status_code == 301
    assert response["Location"] == "/de/produkte/4711-ABC.12/?units=imperial"

    assert client.get("/products/4711-ABC.12/").status_code == 200


def test_canonical_url_quotes_special_characters(client, family):
    make_product(family, article_number="KH 100/2")
    response = client.get("/products/kh1002/")
    assert response.status_code == 301
    assert response["Location"] == "/products/KH%20100/2/"
    html = page(client, response["Location"])
    assert '<link rel="canonical" href="http://testserver/products/KH%20100/2/">' in html


def test_seo_head_has_title_description_canonical_hreflang_and_json_ld(client, family):
    product = make_product(
        family,
        article_number="KH-200",
        values=VALUES,
        gtin="4006381333931",
        manufacturer_name="Acme Valves",
        manufacturer_pid="BV-16",
        short_description={"en": "Compact brass ball valve.", "de": "Kompakter Kugelhahn aus Messing."},
    )
    html = page(client, "/de/produkte/KH-200/")

    assert "<title>Kugelhahn KH-200 | " in html
    assert '<meta name="description" content="Kompakter Kugelhahn aus Messing.">' in html
    assert '<link rel="canonical" href="http://testserver/de/produkte/KH-200/">' in html
    assert '<link rel="alternate" hreflang="en" href="http://testserver/products/KH-200/">' in html
    assert '<link rel="alternate" hreflang="de" href="http://testserver/de/produkte/KH-200/">' in html
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/products/KH-200/">' in html
    # Language switcher links to the English page.
    assert 'href="/products/KH-200/" hreflang="en"' in html

    data = structured_data(html)
    assert data["@type"] == "Product"
    assert data["name"] == "Kugelhahn"
    assert data["sku"] == product.article_number
    assert data["gtin13"] == "4006381333931"
    assert data["mpn"] == "BV-16"
    assert data["brand"] == {"@type": "Brand", "name": "Acme Valves"}
    assert data["url"] == "http://testserver/de/produkte/KH-200/"
    assert {"@type": "PropertyValue", "name": "Max. Betriebsdruck", "value": "16\xa0bar"} in data[
        "additionalProperty"
    ]


def test_meta_description_without_short_description_names_key_data(client, family):
    make_product(family, article_number="KH-201", values=VALUES)
    html = page(client, "/products/KH-201/")
    match = re.search(r'<meta name="description" content="(.*?)">', html)
    assert match
    assert match.group(1).startswith("Ball valve KH-201")
    assert "Max. operating pressure: 16 bar" in match.group(1)


def test_json_ld_cannot_break_out_of_its_script_element(client, family):
    make_product(family, article_number="KH-202", name={"en": "Valve </script><b>x"})
    html = page(client, "/products/KH-202/")
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in script
    assert json.loads(script)["name"] == "Valve </script><b>x"


def test_discontinued_product_links_its_public_successor(client, family):
    successor = make_product(family, article_number="KH-NEW", name={"en": "Ball valve, new"})
    old = make_product(
        family,
        article_number="KH-OLD",
        lifecycle=Lifecycle.DISCONTINUED,
        successor=successor,
        discontinued_date=datetime.date(2025, 3, 31),
    )
    html = page(client, f"/products/{old.article_number}/")
    assert "no longer available" in html
    assert "March 31, 2025" in html
    assert 'class="successor" href="/products/KH-NEW/"' in html

    html = page(client, f"/de/produkte/{old.article_number}/")
    assert 'class="successor" href="/de/produkte/KH-NEW/"' in html


def test_discontinued_product_does_not_link_a_hidden_successor(client, family):
    successor = make_product(family, article_number="KH-SECRET", lifecycle=Lifecycle.DRAFT)
    old = make_product(
        family, article_number="KH-OLD2", lifecycle=Lifecycle.DISCONTINUED, successor=successor
    )
    html = page(client, f"/products/{old.article_number}/")
    assert "no longer available" in html
    assert "KH-SECRET" not in html
    assert 'class="successor"' not in html


def test_phase_out_notice_names_the_last_date(client, family):
    product = make_product(
        family,
        article_number="KH-PO",
        lifecycle=Lifecycle.PHASE_OUT,
        phase_out_date=datetime.date(2026, 1, 1),
        discontinued_date=datetime.date(2026, 12, 31),
    )
    html = page(client, f"/de/produkte/{product.article_number}/")
    assert "31. Dezember 2026" in html
    assert 'class="badge badge--phase_out"' in html


def test_relations_link_only_public_targets(client, family):
    product = make_product(family, article_number="KH-300")
    accessory = make_product(family, article_number="ACC-1", name={"en": "Hand lever"})
    spare = make_product(family, article_number="SP-1", name={"en": "Seal kit"})
    hidden = make_product(family, article_number="ACC-DRAFT", name={"en": "Secret lever"}, live=False)
    ProductRelation.objects.create(product=product, kind=RelationKind.ACCESSORY, target=accessory)
    ProductRelation.objects.create(product=product, kind=RelationKind.ACCESSORY, target=hidden)
    ProductRelation.objects.create(
        product=product, kind=RelationKind.SPARE_PART, target=spare, quantity=Decimal(2)
    )

    html = page(client, "/products/KH-300/")
    assert '<h2 id="relations-accessory">Accessories</h2>' in html
    assert 'href="/products/ACC-1/"' in html
    assert 'href="/products/SP-1/"' in html
    assert "Hand lever" in html and "Seal kit" in html
    assert "Quantity: 2" in html
    assert "ACC-DRAFT" not in html
    assert "Secret lever" not in html


def test_order_data_is_shown_but_prices_are_not(client, family):
    product = make_product(
        family,
        article_number="KH-400",
        order_unit="PK",
        content_unit="C62",
        content_quantity=Decimal(10),
        min_order_quantity=Decimal(5),
    )
    ProductPrice.objects.create(product=product, currency="EUR", amount=Decimal("987.65"))
    html = page(client, "/products/KH-400/")
    assert "Order data" in html
    assert "<dd>pack</dd>" in html
    assert "<dd>5</dd>" in html
    assert "<dt>Content per pack</dt><dd>10 × piece</dd>" in html
    assert "987" not in html
    assert "EUR" not in html

    html = page(client, "/de/produkte/KH-400/")
    assert "<dd>Packung</dd>" in html


def make_series(family, *, live=True):
    model = ProductModel.objects.create(
        code="BV",
        name={"en": "Ball valve BV", "de": "Kugelhahn BV"},
        short_description={"en": "Series description."},
        family=family,
        live=live,
    )
    set_values(model, {"max_pressure": "40 bar", "body_material": "ss316"}, family)
    model.save()
    model.axes.set(Attribute.objects.filter(code="nominal_size"))
    model.save()
    return model


def test_variant_inherits_from_its_model_and_lists_its_siblings(client, family):
    model = make_series(family)
    categories = Category.objects.create(code="valves", name={"en": "Valves", "de": "Ventile"})
    ball = Category.objects.create(code="ball-valves", name={"en": "Ball valves"}, parent=categories)
    model.categories.set([ball])
    model.save()
    dn15 = make_product(
        family, article_number="BV-15", product_model=model, name={}, values={"nominal_size": "15 mm"}
    )
    make_product(
        family, article_number="BV-20", product_model=model, name={}, values={"nominal_size": "2 cm"}
    )
    make_product(
        family,
        article_number="BV-25",
        product_model=model,
        name={},
        values={"nominal_size": "25 mm"},
        live=False,
    )

    html = page(client, f"/products/{dn15.article_number}/")
    assert "<h1>Ball valve BV</h1>" in html
    assert "Series description." in html
    assert technical_row(html, "max_pressure")[1] == "40\xa0bar"
    assert technical_row(html, "body_material")[1] == "Stainless steel 1.4401"
    assert technical_row(html, "nominal_size")[1] == "15\xa0mm"
    assert "Variants of this series" in html
    assert '<td data-label="Nominal size">20\xa0mm</td>' in html
    assert 'href="/products/BV-20/"' in html
    assert 'aria-current="page" translate="no">BV-15' in html
    # An unpublished sibling is neither listed nor linked.
    assert "BV-25" not in html
    # Categories come from the model when the variant has none.
    assert "Valves › Ball valves" in html


def test_query_count_is_bounded_and_does_not_grow_with_content(client, family, django_assert_max_num_queries):
    model = make_series(family)
    category = Category.objects.create(code="valves", name={"en": "Valves"})
    first = make_product(
        family, article_number="BV-10", product_model=model, values={"nominal_size": "10 mm"}
    )
    first.categories.set([category])
    first.save()

    sizes = itertools.count(100, 10)

    def add_content(product, count):
        for _index in range(count):
            size = next(sizes)
            target = make_product(family, article_number=f"ACC-{size}")
            ProductRelation.objects.create(product=product, kind=RelationKind.ACCESSORY, target=target)
            make_product(
                family,
                article_number=f"BV-{size}",
                product_model=model,
                values={"nominal_size": f"{size} mm"},
            )

    add_content(first, 1)

    def count_queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    client.get("/")  # fills the header's cached values (cms.context_processors)
    small = count_queries("/products/BV-10/")
    add_content(first, 6)
    large = count_queries("/products/BV-10/")
    # not more with more content (fewer: the family's attributes are remembered until the
    # catalog changes, cms.page_cache.catalog_memo)
    assert large <= small

    # 12 for the product, 2 for its downloads, 1 for the product id whose cache stamp is read
    # before the page is built (cms.page_cache)
    with django_assert_max_num_queries(15):
        assert client.get("/de/produkte/BV-10/").status_code == 200


def test_several_groups_are_shown_in_family_order_with_their_titles(client, family):
    dimensions = AttributeGroup.objects.create(
        code="dimensions", name={"en": "Dimensions", "de": "Abmessungen"}, sort_order=-1
    )
    FamilyAttribute.objects.filter(family=family, attribute__code="nominal_size").update(group=dimensions)
    FamilyAttribute.objects.filter(family=family, attribute__code="food_grade").update(group=None)
    product = make_product(family, values={**VALUES, "nominal_size": "15 mm", "food_grade": False})

    html = page(client, f"/products/{product.article_number}/")
    assert "<caption>Dimensions</caption>" in html
    assert "<caption>Technical data</caption>" in html
    assert "<caption>Further data</caption>" in html
    # Groups by their sort order, ungrouped attributes last.
    assert html.index("<caption>Dimensions</caption>") < html.index('data-attribute="nominal_size"')
    assert html.index('data-attribute="nominal_size"') < html.index("<caption>Technical data</caption>")
    assert html.index("<caption>Technical data</caption>") < html.index('data-attribute="max_pressure"')
    assert html.index('data-attribute="approvals"') < html.index("<caption>Further data</caption>")
    assert technical_row(html, "food_grade")[1] == "No"
