"""The comparison (/compare/): the visitor's list of up to 4 products, the side-by-side table
with differences, the shareable URL, CSV, visibility and the same-origin check."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.comparison import MAX_PRODUCTS
from pim.catalog.models import Attribute, AttributeGroup, AttributeType, Family, FamilyAttribute, Lifecycle
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
VALUES = {
    "max_pressure": "16 bar",
    "temperature_range": "-10..120 °C",
    "body_material": "brass",
}


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def four(family):
    """Four valves: pressure and material differ, the temperature range is the same."""
    return [
        make_product(family, article_number="KH-1", values={**VALUES, "max_pressure": "16 bar"}),
        make_product(family, article_number="KH-2", values={**VALUES, "max_pressure": "25 bar"}),
        make_product(family, article_number="KH-3", values={**VALUES, "body_material": "ss316"}),
        make_product(family, article_number="KH-4", values=VALUES),
    ]


def post(client, path, data, *, origin=SITE, json=False, **headers):
    if origin:
        headers["origin"] = origin
    if json:
        headers["accept"] = "application/json"
    return client.post(path, data, headers=headers)


def add(client, article, **options):
    return post(client, "/compare/add/", {"article": article, "next": f"/products/{article}/"}, **options)


def html(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def row(page, code):
    """(class attribute, label cell, value cells) of the comparison row of ``code``."""
    match = re.search(rf'<tr data-attribute="{code}"(?: class="([^"]*)")?>\s*<th scope="row">(.*?)</th>(.*?)</tr>', page, re.S)
    assert match, f"no row for {code}"
    return match.group(1) or "", match.group(2), re.findall(r"<td>(.*?)</td>", match.group(3), re.S)


def compared_articles(page):
    return re.findall(r'<th scope="col" class="compare-table__product" data-product="([^"]+)"', page)


def header_count(page, list_name):
    match = re.search(rf'data-visitor-list="{list_name}">[^<]*<span class="count" data-count>(\d+)</span>', page)
    assert match, list_name
    return int(match.group(1))


def test_four_products_side_by_side_with_differences_highlighted(client, four):
    for product in four:
        assert add(client, product.article_number).status_code == 302
    page = html(client, "/compare/")

    assert compared_articles(page) == ["KH-1", "KH-2", "KH-3", "KH-4"]
    css, label, values = row(page, "max_pressure")
    assert css == "differs"
    assert label == 'Max. operating pressure<span class="visually-hidden"> (differs)</span>'
    assert values == ["16\xa0bar", "25\xa0bar", "16\xa0bar", "16\xa0bar"]
    assert row(page, "body_material")[0] == "differs"
    css, label, values = row(page, "temperature_range")
    assert css == "" and label == "Medium temperature"
    assert values == ["-10 … 120\xa0°C"] * 4
    # Grouped like the technical data: the family's group as a heading row, display order kept.
    assert '<th scope="colgroup" colspan="5">Technical data</th>' in page
    assert page.index('data-attribute="max_pressure"') < page.index('data-attribute="temperature_range"')
    assert "2 rows differ" in page
    assert header_count(page, "comparison") == 4


def test_only_differences_toggle(client, four):
    for product in four:
        add(client, product.article_number)
    page = html(client, "/compare/")
    assert 'href="/compare/?diff=1"' in page
    assert "data-all-rows" in page  # visitor.js may hide the equal rows in place

    page = html(client, "/compare/?diff=1")
    assert 'data-attribute="max_pressure"' in page
    assert 'data-attribute="body_material"' in page
    assert 'data-attribute="temperature_range"' not in page
    assert 'href="/compare/"' in page  # back to all rows
    assert "data-all-rows" not in page


def test_products_of_different_families_compare_on_the_union_of_their_attributes(client, family, four):
    group = AttributeGroup.objects.create(code="electrical", name={"en": "Electrical data"}, sort_order=5)
    other = Family.objects.create(code="sensors", name={"en": "Pressure sensors"})
    voltage = Attribute.objects.create(code="supply_voltage", name={"en": "Supply voltage"}, type=AttributeType.TEXT)
    FamilyAttribute.objects.create(family=other, attribute=Attribute.objects.get(code="max_pressure"), sort_order=0)
    FamilyAttribute.objects.create(family=other, attribute=voltage, group=group, sort_order=1)
    sensor = make_product(other, article_number="PS-1", values={"max_pressure": "10 bar", "supply_voltage": "24 V DC"})

    page = html(client, "/compare/?p=KH-1&p=PS-1")
    assert compared_articles(page) == ["KH-1", "PS-1"]
    assert row(page, "max_pressure")[2] == ["16\xa0bar", "10\xa0bar"]
    assert row(page, "temperature_range")[2] == ["-10 … 120\xa0°C", "–"]
    assert row(page, "supply_voltage")[2] == ["–", "24 V DC"]
    assert row(page, "supply_voltage")[0] == "differs"
    assert page.index("Electrical data") > page.index("Technical data")
    assert sensor.is_publicly_visible()


def test_shareable_url_round_trip(client, four):
    for product in four[:3]:
        add(client, product.article_number)
    page = html(client, "/compare/")
    share = re.search(r'id="share-url" class="compare-share__url" type="url" value="([^"]+)"', page).group(1)
    assert share == f"{SITE}/compare/?p=KH-1&amp;p=KH-2&amp;p=KH-3"

    visitor = type(client)()  # someone else, without a session
    shared = html(visitor, share.replace(SITE, "").replace("&amp;", "&"))
    assert compared_articles(shared) == ["KH-1", "KH-2", "KH-3"]
    assert row(shared, "max_pressure")[2] == row(page, "max_pressure")[2]
    # The order of the URL is the order of the columns; loose spellings find the product.
    assert compared_articles(html(visitor, "/compare/?p=kh3&p=KH-1")) == ["KH-3", "KH-1"]
    # Removing a product from a shared comparison is a plain link to the URL without it.
    assert 'href="/compare/?p=KH-2&amp;p=KH-3"' in shared
    # The shared comparison can become the visitor's own.
    response = post(visitor, "/compare/keep/", {"p": ["KH-1", "KH-2", "KH-3"]})
    assert response.status_code == 302
    assert compared_articles(html(visitor, "/compare/")) == ["KH-1", "KH-2", "KH-3"]


def test_a_fifth_product_is_refused_with_a_message_and_nothing_is_replaced_silently(client, family, four):
    fifth = make_product(family, article_number="KH-5", values=VALUES)
    for product in four:
        add(client, product.article_number)

    response = add(client, fifth.article_number, json=True)
    assert response.status_code == 409
    data = response.json()
    assert data["ok"] is False and data["count"] == MAX_PRODUCTS
    assert "up to 4 products" in data["message"] and "KH-5" in data["message"]
    assert data["url"] == "/compare/?full=KH-5"

    response = add(client, fifth.article_number)  # without JavaScript
    assert response.status_code == 302 and response["Location"] == "/compare/?full=KH-5"
    page = html(client, response["Location"])
    assert "Your comparison is full" in page
    assert compared_articles(page) == ["KH-1", "KH-2", "KH-3", "KH-4"]
    assert page.count("Replace with KH-5") == 4

    # The visitor chooses which one gives up its place.
    response = post(client, "/compare/add/", {"article": "KH-5", "replace": "KH-2", "next": "/compare/"})
    assert response.status_code == 302 and response["Location"] == "/compare/"
    assert compared_articles(html(client, "/compare/")) == ["KH-1", "KH-3", "KH-4", "KH-5"]


def test_remove_and_clear(client, four):
    for product in four[:2]:
        add(client, product.article_number)
    response = post(client, "/compare/remove/", {"article": "KH-1", "next": "/compare/"})
    assert response.status_code == 302
    assert compared_articles(html(client, "/compare/")) == ["KH-2"]
    response = post(client, "/compare/clear/", {}, json=True)
    assert response.json()["count"] == 0
    assert "Nothing to compare yet" in html(client, "/compare/")


def test_adding_twice_keeps_one_column(client, four):
    add(client, "KH-1")
    data = add(client, "kh1", json=True).json()
    assert data["ok"] is True and data["count"] == 1


def test_csv_download(client, family, four):
    Attribute.objects.filter(code="note").update(localizable=False)
    injected = make_product(
        family, article_number="KH-X", values={**VALUES, "note": '=HYPERLINK("http://evil.example","x")'}
    )
    response = client.get("/compare/?p=KH-1&p=KH-2&p=KH-X")
    assert response.status_code == 200
    response = client.get("/compare/?p=KH-1&p=KH-2&p=KH-X&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="comparison.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:])))
    assert rows[0] == ["Group", "Attribute", "KH-1", "KH-2", "KH-X"]
    assert rows[1] == ["", "Name", "Ball valve", "Ball valve", "Ball valve"]
    assert rows[3] == ["", "Product page", f"{SITE}/products/KH-1/", f"{SITE}/products/KH-2/", f"{SITE}/products/KH-X/"]
    by_label = {r[1]: r[2:] for r in rows}
    assert by_label["Max. operating pressure"] == ["16\xa0bar", "25\xa0bar", "16\xa0bar"]
    # Formula injection is neutralized: a leading apostrophe, also for negative values.
    assert by_label["Note"] == ["–", "–", "'=HYPERLINK(\"http://evil.example\",\"x\")"]
    assert by_label["Medium temperature"] == ["'-10 … 120\xa0°C"] * 3
    assert injected.is_publicly_visible()
    # Only the differences, when the page showed only those.
    rows = list(csv.reader(io.StringIO(client.get("/compare/?p=KH-1&p=KH-2&diff=1&format=csv").content.decode()[1:])))
    assert [r[1] for r in rows[4:]] == ["Max. operating pressure"]


def test_imperial_units(client, four):
    page = html(client, "/compare/?p=KH-1&p=KH-2&units=imperial")
    # Converted from the canonical value, rounded like every converted value on the site.
    assert row(page, "max_pressure")[2] == ["232.1\xa0psi", "362.6\xa0psi"]
    assert row(page, "temperature_range")[2] == ["14 … 248\xa0°F"] * 2
    assert 'href="/compare/?p=KH-1&amp;p=KH-2"' in page  # back to metric


def test_hidden_products_never_appear(client, family, four):
    draft = make_product(family, article_number="KH-DRAFT", values=VALUES, lifecycle=Lifecycle.DRAFT)
    future = make_product(
        family, article_number="KH-FUTURE", values=VALUES, live=False,
        go_live_at=timezone.now() + datetime.timedelta(days=7),
    )  # fmt: skip
    unpublished = make_product(family, article_number="KH-GONE", values={**VALUES, "max_pressure": "99 bar"})

    page = html(client, "/compare/?p=KH-1&p=KH-DRAFT&p=KH-FUTURE")
    assert compared_articles(page) == ["KH-1"]
    assert "Not available" in page
    assert 'data-product="KH-DRAFT"' not in page and "99" not in page

    for hidden in (draft, future):
        response = add(client, hidden.article_number, json=True)
        assert response.status_code == 400
        assert response.json()["count"] == 0
        assert hidden.article_number in response.json()["message"]

    add(client, "KH-1")
    add(client, unpublished.article_number)
    unpublished.live = False
    unpublished.save()
    page = html(client, "/compare/")
    assert compared_articles(page) == ["KH-1"]
    assert "KH-GONE" not in page
    assert header_count(page, "comparison") == 1
    # Nor in the CSV or through the shared URL.
    assert "KH-GONE" not in client.get("/compare/?p=KH-GONE&p=KH-1&format=csv").content.decode()


def test_a_withdrawn_product_does_not_hold_a_place(client, family, four):
    for product in four:
        add(client, product.article_number)
    four[0].lifecycle = Lifecycle.DRAFT
    four[0].save()
    fifth = make_product(family, article_number="KH-5", values=VALUES)
    assert add(client, fifth.article_number, json=True).json()["count"] == 4


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"origin": "http://testserver.evil.example"},
        {"referer": "https://evil.example/page"},
        {"sec_fetch_site": "cross-site", "origin": SITE},
        {},  # neither Origin nor Referer
    ],
    ids=["other-origin", "null-origin", "lookalike-origin", "other-referer", "cross-site-fetch", "no-origin"],
)
def test_cross_site_posts_are_refused(client, four, headers):
    for path in ("/compare/add/", "/compare/remove/", "/compare/clear/", "/selection/add/", "/selection/clear/"):
        response = client.post(path, {"article": "KH-1"}, headers=headers)
        assert response.status_code == 403, path
        assert b"did not come from a page of this site" in response.content
    assert "Nothing to compare yet" in html(client, "/compare/")


def test_same_site_posts_by_origin_or_referer_are_accepted_without_csrf_token(four):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict, "/compare/add/", {"article": "KH-1"}, origin=SITE).status_code == 302
    response = post(strict, "/compare/add/", {"article": "KH-2"}, origin=None, referer=f"{SITE}/products/KH-2/")
    assert response.status_code == 302
    response = post(strict, "/compare/add/", {"article": "KH-3"}, sec_fetch_site="same-origin")
    assert response.status_code == 302
    assert compared_articles(html(strict, "/compare/")) == ["KH-1", "KH-2", "KH-3"]
    assert strict.get("/compare/add/").status_code == 405


def test_redirects_back_only_to_this_site(client, four):
    response = post(client, "/compare/add/", {"article": "KH-1", "next": "https://evil.example/"})
    assert response["Location"] == "/compare/"
    response = post(client, "/compare/add/", {"article": "KH-2", "next": "//evil.example/x"})
    assert response["Location"] == "/compare/"
    response = post(client, "/compare/add/", {"article": "KH-3", "next": "/products/KH-3/?units=imperial"})
    assert response["Location"] == "/products/KH-3/?units=imperial"


def test_bad_input_is_a_message_never_an_error(client, four):
    for query in ("p=", "p=%00", "p=" + "x" * 500, "diff=yes", "units=klingon", "full=nope", "format=pdf"):
        assert client.get(f"/compare/?{query}").status_code == 200, query
    for article in ("\x00", "KH\x001"):
        assert post(client, "/compare/add/", {"article": article}).status_code == 302
        assert post(client, "/selection/add/", {"article": article}).status_code == 302
    response = post(client, "/compare/add/", {"article": ""})
    assert response.status_code == 302 and response["Location"] == "/compare/"
    assert "There is no product with article number" in html(client, "/compare/")


def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_attributes(client, family, four):
    path = "/compare/?p=KH-1&p=KH-2&p=KH-3&p=KH-4"
    _queries(client, path)  # warm up: content types, sites, renditions
    few = _queries(client, path)
    group = AttributeGroup.objects.get(code="technical")
    for number in range(25):
        attribute = Attribute.objects.create(code=f"extra_{number}", name={"en": f"Extra {number}"}, type=AttributeType.TEXT)
        FamilyAttribute.objects.create(family=family, attribute=attribute, group=group, sort_order=10 + number)
    from pim.catalog.values import set_values

    for product in four:
        set_values(product, {f"extra_{number}": f"value {number}" for number in range(25)}, family)
        product.save()
    _queries(client, path)
    many = _queries(client, path)
    assert many == few, (few, many)
    assert many <= 25
    assert 'data-attribute="extra_24"' in html(client, path)
