"""Product page additions: compare/select buttons that keep the page cacheable, the
metric/imperial toggle, the series configurator link, BreadcrumbList JSON-LD."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms import page_cache, product_detail
from pim.catalog.models import Category, ProductModel, ProductPrice
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
VALUES = {"max_pressure": "16 bar", "temperature_range": "-10..120 °C", "nominal_size": "25.4 mm"}


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def product(family):
    return make_product(family, article_number="KH-1", values=VALUES)


def html(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def value(page, code):
    match = re.search(
        rf'<tr data-attribute="{code}">\s*<th scope="row">.*?</th>\s*<td>(.*?)</td>', page, re.S
    )
    assert match, code
    return match.group(1)


def json_ld(page):
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    ]


def test_buttons_post_without_a_csrf_token_and_the_page_stays_cached(client, product):
    first = client.get("/products/KH-1/")
    page = first.content.decode()
    assert first[page_cache.STATUS_HEADER] == "miss"
    assert 'action="/compare/add/"' in page and 'action="/selection/add/"' in page
    assert 'name="article" value="KH-1"' in page
    assert "csrfmiddlewaretoken" not in page
    assert not first.cookies
    assert client.get("/products/KH-1/")[page_cache.STATUS_HEADER] == "hit"
    assert '<script src="/static/cms/js/visitor.js" defer></script>' in page or "cms/js/visitor.js" in page

    # After adding, the visitor has a session: their page is their own (not from the cache).
    response = client.post(
        "/compare/add/", {"article": "KH-1", "next": "/products/KH-1/"}, headers={"origin": SITE}
    )
    assert response.status_code == 302 and response["Location"] == "/products/KH-1/"
    mine = client.get("/products/KH-1/")
    assert mine[page_cache.STATUS_HEADER] == "bypass"
    assert "In comparison" in mine.content.decode()
    assert re.search(
        r'data-visitor-list="comparison">[^<]*<span class="count" data-count>1</span>', mine.content.decode()
    )
    # Other visitors still get the shared page without the visitor's state.
    other = type(client)()
    shared = other.get("/products/KH-1/")
    assert shared[page_cache.STATUS_HEADER] == "hit"
    assert "In comparison" not in shared.content.decode()


def test_units_toggle(client, product):
    page = html(client, "/products/KH-1/")
    assert value(page, "max_pressure") == "16\xa0bar"
    assert '<a href="/products/KH-1/?units=imperial#technical-data" rel="nofollow">Imperial (US)</a>' in page

    response = client.get("/products/KH-1/?units=imperial")
    assert response[page_cache.STATUS_HEADER] == "bypass"  # a query string is never cached
    page = response.content.decode()
    assert value(page, "max_pressure") == "232.1\xa0psi"
    assert value(page, "temperature_range") == "14 … 248\xa0°F"
    assert value(page, "nominal_size") == "1\xa0in"
    assert '<link rel="canonical" href="http://testserver/products/KH-1/">' in page
    assert '<a href="/products/KH-1/#technical-data">Metric</a>' in page
    # Anything else is the default display.
    assert value(html(client, "/products/KH-1/?units=nonsense"), "max_pressure") == "16\xa0bar"


def test_series_link_for_variants_only(client, family, product):
    series = ProductModel.objects.create(code="KH-S", name={"en": "Series"}, family=family, live=True)
    make_product(family, article_number="KH-S-1", product_model=series, values=VALUES)
    page = html(client, "/products/KH-S-1/")
    assert '<a href="/series/KH-S/">Configure this series</a>' in page
    assert "Configure this series" not in html(client, "/products/KH-1/")


def test_breadcrumb_json_ld(client, family, monkeypatch):
    fluid = Category.objects.create(code="fluid", name={"en": "Fluid"})
    valves = Category.objects.create(code="valves", name={"en": "Valves"}, parent=fluid)
    item = make_product(family, article_number="KH-7", values=VALUES)
    item.categories.set([valves])
    item.save()

    monkeypatch.setattr(product_detail, "category_path", lambda category: f"/catalog/{category.code}/")
    page = html(client, "/products/KH-7/")
    product_ld, breadcrumb = json_ld(page)
    assert product_ld["@type"] == "Product"
    assert breadcrumb == {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{SITE}/"},
            {"@type": "ListItem", "position": 2, "name": "Fluid", "item": f"{SITE}/catalog/fluid/"},
            {"@type": "ListItem", "position": 3, "name": "Valves", "item": f"{SITE}/catalog/valves/"},
            {"@type": "ListItem", "position": 4, "name": "Ball valve", "item": f"{SITE}/products/KH-7/"},
        ],
    }
    assert '<li><a href="/catalog/valves/">Valves</a></li>' in page

    # Without category pages the crumbs are names, and the JSON-LD skips them.
    monkeypatch.setattr(product_detail, "category_path", None)
    page = html(client, "/de/produkte/KH-7/")
    assert [entry["position"] for entry in json_ld(page)[1]["itemListElement"]] == [1, 2]
    assert "<li>Valves</li>" in page


def test_meta_description(client, product):
    page = html(client, "/products/KH-1/")
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert description.startswith("Ball valve KH-1 · Max. operating pressure: 16 bar"), description


def test_queries_bounded_with_the_additions(client, family, product):
    client.get("/products/KH-1/?units=imperial")
    with CaptureQueriesContext(connection) as few:
        client.get("/products/KH-1/?units=imperial")
    many = make_product(
        family, article_number="KH-2", values={**VALUES, "approvals": ["fda", "atex", "dvgw"]}
    )
    client.get(f"/products/{many.article_number}/?units=imperial")
    with CaptureQueriesContext(connection) as more:
        client.get(f"/products/{many.article_number}/?units=imperial")
    assert len(more) == len(few)


def test_list_prices_are_shown_only_when_the_site_publishes_prices(client, product, settings):
    today = timezone.localdate()
    ProductPrice.objects.create(product=product, currency="EUR", amount="12.5", min_quantity=1)
    ProductPrice.objects.create(product=product, currency="EUR", amount="11.9", min_quantity=10)
    # An open-ended old price and a newer one that started: the newer one is today's.
    ProductPrice.objects.create(
        product=product,
        currency="EUR",
        amount="13",
        min_quantity=1,
        valid_from=today - datetime.timedelta(days=3),
    )
    ProductPrice.objects.create(
        product=product,
        currency="EUR",
        amount="99",
        min_quantity=1,
        valid_from=today + datetime.timedelta(days=3),
    )
    ProductPrice.objects.create(
        product=product,
        currency="EUR",
        amount="1",
        min_quantity=1,
        valid_to=today - datetime.timedelta(days=1),
    )
    ProductPrice.objects.create(
        product=product, currency="EUR", amount="50", min_quantity=1, price_type="gros_list"
    )

    settings.PIM_PUBLIC_PRICES = False
    assert "List price" not in client.get("/products/KH-1/").content.decode()

    settings.PIM_PUBLIC_PRICES = True  # part of the page cache key: no stale page without prices
    html = client.get("/products/KH-1/").content.decode()
    prices = re.findall(r"<li>([^<]*EUR)</li>", html[html.index('class="price-list"') :])
    assert prices == ["13.00 EUR", "from 10 piece: 11.90 EUR"]
    german = client.get("/de/produkte/KH-1/").content.decode()
    assert "Listenpreis (netto)" in german
    assert "13,00 EUR" in german
