"""/api/v1/products/search/: the public catalog's search contract (filters, facets, order)."""

import pytest

from pim.api.models import TokenScope
from pim.search import indexing
from tests.api.conftest import bearer
from tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(family, database_search):
    for number, pressure, material in [("KH-10", "10 bar", "brass"), ("KH-16", "16 bar", "ss316"),
                                       ("KH-40", "40 bar", "ss316")]:  # fmt: skip
        make_product(
            family, article_number=number, values={"max_pressure": pressure, "body_material": material}
        )
    make_product(family, article_number="KH-99", values={"max_pressure": "99 bar"}, live=False)
    indexing.rebuild("database")


def numbers(response):
    assert response.status_code == 200, response.content
    return [product["article_number"] for product in response.json()["results"]]


def test_filters_with_units_as_on_the_catalog_page(api, indexed):
    at_least_16 = api.get(
        "/api/v1/products/search/", {"filter[max_pressure][gte]": "16 bar", "sort": "article_number"}
    )
    assert numbers(at_least_16) == ["KH-16", "KH-40"]
    assert at_least_16.json()["total"] == 2
    in_psi = api.get(
        "/api/v1/products/search/", {"filter[max_pressure][lte]": "232 psi", "sort": "article_number"}
    )
    assert numbers(in_psi) == ["KH-10"]  # 232 psi is just below 16 bar
    steel = api.get("/api/v1/products/search/", {"filter[body_material]": "ss316", "sort": "article_number"})
    assert numbers(steel) == ["KH-16", "KH-40"]
    # Facets are disjunctive: the material facet still counts brass.
    [material] = [f for f in steel.json()["facets"] if f["attribute"] == "body_material"]
    assert {(o["value"], o["count"], o["selected"]) for o in material["options"]} == {
        ("brass", 1, False),
        ("ss316", 2, True),
    }


def test_search_covers_public_products_for_every_scope(api, indexed, issue_token):
    query = {"filter[max_pressure][gte]": "50 bar"}
    assert numbers(api.get("/api/v1/products/search/", query)) == []
    full = api.get("/api/v1/products/search/", query, **bearer(issue_token(TokenScope.FULL_READ)))
    assert numbers(full) == []


def test_search_pages_and_sparse_fields(api, indexed):
    first = api.get(
        "/api/v1/products/search/", {"size": 2, "sort": "article_number", "fields": "article_number"}
    )
    assert first.json()["results"] == [{"article_number": "KH-10"}, {"article_number": "KH-16"}]
    assert numbers(api.get(first.json()["next"])) == ["KH-40"]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("filter[max_pressure][gte]", "16 volt"),
        ("filter[colour]", "red"),
        ("filter[max_pressure][about]", "16 bar"),
        ("lifecycle", "sold"),
        ("family", "no-such-family"),  # known only when the backend resolves the query
        ("category", "no-such-category"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(api, indexed, parameter, value):
    response = api.get("/api/v1/products/search/", {parameter: value})
    assert response.status_code == 400
    assert list(response.json()) == [parameter]
