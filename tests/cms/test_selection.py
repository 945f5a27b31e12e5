"""The selection (pim.inquiries.selection and /selection/): public products with quantities,
kept in the session for the later inquiry."""

import re
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pim.catalog.models import Lifecycle
from pim.inquiries.selection import Selection, SelectionError, parse_quantity
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def products(family):
    return [
        make_product(family, article_number="KH-1"),
        make_product(family, article_number="KH-2", min_order_quantity=Decimal("10")),
        make_product(family, article_number="KH-3"),
    ]


def post(client, path, data, json=False):
    headers = {"origin": SITE}
    if json:
        headers["accept"] = "application/json"
    return client.post(path, data, headers=headers)


def html(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def selected(page):
    return re.findall(r'<tr data-product="([^"]+)"[^>]*>', page)


def quantity_of(page, article):
    match = re.search(
        rf'<tr data-product="{re.escape(article)}"[^>]*>.*?name="quantity" type="text" inputmode="decimal" size="6" value="([^"]*)"',
        page,
        re.S,
    )
    assert match, article
    return match.group(1)


def header_count(page):
    return int(re.search(r'data-visitor-list="selection">[^<]*<span class="count" data-count>(\d+)</span>', page).group(1))


# --- the API the inquiry will use ------------------------------------------------------------------------
def test_selection_api(products):
    session = SessionStore()
    selection = Selection(session)
    assert selection.lines() == [] and selection.count() == 0

    selection.add("KH-1")
    selection.add("kh 2")  # loose spelling: the minimum order quantity by default
    selection.add("KH-3", "2,5")
    assert [(line.product.article_number, line.quantity) for line in selection.lines()] == [
        ("KH-1", Decimal(1)),
        ("KH-2", Decimal(10)),
        ("KH-3", Decimal("2.5")),
    ]
    selection.add("KH-1")  # already there: keeps its line and quantity
    selection.set_quantity("KH-2", "4")
    assert [line.quantity for line in selection.lines()] == [Decimal(1), Decimal(4), Decimal("2.5")]
    assert selection.lines()[1].below_minimum
    assert selection.remove("KH-1") is True and selection.remove("KH-1") is False
    assert selection.count() == 2
    selection.clear()
    assert selection.lines() == []


def test_quantities_are_checked(products):
    assert parse_quantity("3") == Decimal(3)
    assert parse_quantity(" 1,25 ") == Decimal("1.25")
    for bad in ("", "abc", "0", "-1", "1e9", "NaN", "Infinity", "1.2345"):
        with pytest.raises(SelectionError):
            parse_quantity(bad)
    selection = Selection(SessionStore())
    with pytest.raises(SelectionError, match="is not in your selection"):
        selection.set_quantity("KH-1", "2")


def test_hidden_products_cannot_be_selected_and_drop_out(family, products):
    draft = make_product(family, article_number="KH-D", lifecycle=Lifecycle.DRAFT)
    unpublished = make_product(family, article_number="KH-U", live=False)
    selection = Selection(SessionStore())
    for hidden in (draft, unpublished):
        with pytest.raises(SelectionError, match=hidden.article_number):
            selection.add(hidden.article_number)
    selection.add("KH-1")
    selection.add("KH-3")
    products[2].live = False
    products[2].save()
    assert [line.product.article_number for line in selection.lines()] == ["KH-1"]
    assert selection.count() == 1


def test_lines_cost_one_query(products):
    selection = Selection(SessionStore())
    for product in products:
        selection.add(product.article_number)
    with CaptureQueriesContext(connection) as queries:
        lines = selection.lines()
        [line.product.family.code for line in lines]
    assert len(queries) == 1


# --- the page and its endpoints ----------------------------------------------------------------------------
def test_add_from_a_product_page_without_javascript(client, products):
    response = post(client, "/selection/add/", {"article": "KH-1", "next": "/products/KH-1/"})
    assert response.status_code == 302 and response["Location"] == "/products/KH-1/"
    page = html(client, "/products/KH-1/")
    assert header_count(page) == 1
    assert "In selection" in page


def test_add_with_javascript_answers_the_new_count(client, products):
    data = post(client, "/selection/add/", {"article": "KH-1"}, json=True).json()
    assert data == {
        "ok": True,
        "list": "selection",
        "count": 1,
        "message": "KH-1 is in your selection.",
        "url": "/selection/",
    }
    data = post(client, "/selection/add/", {"article": "KH-2"}, json=True).json()
    assert data["count"] == 2
    response = post(client, "/selection/add/", {"article": "NOPE"}, json=True)
    assert response.status_code == 400 and "NOPE" in response.json()["message"]


def test_selection_page_edits_quantities_and_removes(client, products):
    for product in products:
        post(client, "/selection/add/", {"article": product.article_number})
    page = html(client, "/selection/")
    assert selected(page) == ["KH-1", "KH-2", "KH-3"]
    assert quantity_of(page, "KH-2") == "10"
    assert header_count(page) == 3

    response = post(client, "/selection/update/", {"article": "KH-1", "quantity": "7"})
    assert response.status_code == 302 and response["Location"] == "/selection/"
    assert quantity_of(html(client, "/selection/"), "KH-1") == "7"

    response = post(client, "/selection/update/", {"article": "KH-1", "quantity": "-3"})
    assert response["Location"] == "/selection/"
    page = html(client, "/selection/")
    assert "KH-1: The quantity must be greater than 0" in page
    assert quantity_of(page, "KH-1") == "7"

    post(client, "/selection/update/", {"article": "KH-2", "quantity": "2"})
    assert "KH-2: the minimum order quantity is 10 piece; 2 piece is less. Enter 10 or more." in html(
        client, "/selection/"
    )

    post(client, "/selection/remove/", {"article": "KH-2"})
    assert selected(html(client, "/selection/")) == ["KH-1", "KH-3"]
    post(client, "/selection/clear/", {})
    page = html(client, "/selection/")
    assert selected(page) == [] and "Your selection is empty" in page
    assert header_count(page) == 0


def test_the_comparison_offers_add_to_selection(client, products):
    page = html(client, "/compare/?p=KH-1&p=KH-2")
    assert page.count('action="/selection/add/"') == 2
    assert 'action="/compare/add/"' not in page  # already compared: no second button


def test_selection_page_is_private(client, products):
    post(client, "/selection/add/", {"article": "KH-1"})
    response = client.get("/selection/")
    assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, follow">' in response.content.decode()


def test_german_page(client, products):
    post(client, "/selection/add/", {"article": "KH-1"})
    response = client.get("/de/auswahl/")
    assert response.status_code == 200
    assert '<html lang="de">' in response.content.decode()
