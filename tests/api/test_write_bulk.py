"""The bulk endpoint: per-item results, one transaction per item, at most 1,000 items."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Revision

from pim.api import writing
from pim.api.models import TokenScope
from pim.api.writing import BULK_LIMIT
from pim.catalog.identifiers import normalize_article_number, validate_article_number
from pim.catalog.models import Product
from tests.factories import make_product

from .conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(issue_token):
    return bearer(issue_token(TokenScope.WRITE))


def _valve(number, pressure="16 bar", **extra):
    return {
        "article_number": number,
        "family": "valves",
        "name": {"en": f"Valve {number}"},
        "values": {"max_pressure": pressure},
        **extra,
    }


def test_bulk_writes_the_valid_items_and_reports_each(api, family, writer, integrator):
    make_product(family, article_number="OLD-1", live=False, values={"max_pressure": "10 bar"})
    products = [
        _valve("NEW-1"),
        _valve("NEW-2", pressure="16 parsec"),
        {"article_number": "OLD-1", "values": {"max_pressure": "12 bar"}},
        _valve("NEW-3", family="pumps"),
        _valve("NEW-4"),
        _valve("new 4"),  # the same article number as NEW-4, written differently
        {"family": "valves"},
    ]

    response = api.post("/api/v1/products/bulk/", {"products": products}, format="json", **writer)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["article_number"], r["status"]) for r in results] == [
        ("NEW-1", "created"),
        ("NEW-2", "invalid"),
        ("OLD-1", "updated"),
        ("NEW-3", "invalid"),
        ("NEW-4", "created"),
        ("new 4", "invalid"),
        ("", "invalid"),
    ]
    assert [e["field"] for e in results[1]["errors"]] == ["values.max_pressure"]
    assert [e["field"] for e in results[3]["errors"]] == ["family"]
    assert [e["field"] for e in results[5]["errors"]] == ["article_number"]
    assert results[0]["errors"] == []
    assert set(Product.objects.values_list("article_number", flat=True)) == {"OLD-1", "NEW-1", "NEW-4"}
    old = Product.objects.get(article_number="OLD-1")
    [pressure] = old.values.all()
    assert float(pressure.number) == pytest.approx(12e5)
    assert set(Revision.objects.values_list("user", flat=True)) == {integrator.pk}
    assert not Product.objects.filter(live=True).exists()  # drafts without publish


def test_bulk_again_is_unchanged_and_publish_publishes(api, family, writer):
    products = [_valve("B-1", lifecycle="active"), _valve("B-2", lifecycle="active")]
    first = api.post("/api/v1/products/bulk/?publish=true", {"products": products}, format="json", **writer)
    assert [r["status"] for r in first.json()["results"]] == ["created", "created"]
    assert set(Product.objects.filter(live=True).values_list("article_number", flat=True)) == {"B-1", "B-2"}
    revisions = Revision.objects.count()

    again = api.post("/api/v1/products/bulk/?publish=true", {"products": products}, format="json", **writer)

    assert [r["status"] for r in again.json()["results"]] == ["unchanged", "unchanged"]
    assert Revision.objects.count() == revisions
    assert api.get("/api/v1/products/B-1/").status_code == 200  # published and active: public


def test_bulk_over_the_limit_is_refused_and_writes_nothing(api, family, writer):
    products = [_valve(f"M-{n}") for n in range(BULK_LIMIT + 1)]

    response = api.post("/api/v1/products/bulk/", {"products": products}, format="json", **writer)

    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["field"] == "products" and str(BULK_LIMIT) in error["message"].replace(",", "")
    assert not Product.objects.exists()


@pytest.mark.parametrize("body", [[{"article_number": "X"}], {"items": []}, {"products": [1]}])
def test_bulk_needs_a_list_of_products(api, family, writer, body):
    response = api.post("/api/v1/products/bulk/", body, format="json", **writer)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "products"


def test_bulk_needs_a_write_token(api, family, issue_token):
    body = {"products": [_valve("P-1")]}
    for scope in (TokenScope.PUBLIC_READ, TokenScope.FULL_READ):
        response = api.post("/api/v1/products/bulk/", body, format="json", **bearer(issue_token(scope)))
        assert response.status_code == 403
    assert api.post("/api/v1/products/bulk/", body, format="json").status_code == 401
    assert not Product.objects.exists()


def test_an_item_that_collides_on_write_is_reported_and_the_others_are_written(
    api, family, writer, monkeypatch
):
    def apply(change, *, user, publish):
        if change.article_number == "C-2":
            # What a concurrent request creating C-2 between planning and writing causes.
            Product.objects.create(article_number="C-2", family=family, name={"en": "other"})
        return real_apply(change, user=user, publish=publish)

    real_apply = writing.apply
    monkeypatch.setattr(writing, "apply", apply)
    products = [_valve("C-1"), _valve("C-2"), _valve("C-3")]

    response = api.post("/api/v1/products/bulk/", {"products": products}, format="json", **writer)

    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["created", "invalid", "created"]
    assert Product.objects.get(article_number="C-2").name == {"en": "other"}
    assert Product.objects.filter(article_number__in=["C-1", "C-3"]).count() == 2


def test_texts_no_database_can_store_are_refused_at_their_field(api, family, writer):
    """A NUL character or an unpaired surrogate (JSON can carry both; PostgreSQL refuses
    them) is a 400 at its field, found by Schemathesis as a server error."""
    body = (
        '{"products": ['
        '{"article_number": "BAD\\u0000-1", "family": "valves", "name": {"en": "Valve"}},'
        '{"article_number": "BAD-2", "family": "valves", "name": {"en": "Valve \\udafa"}},'
        '{"article_number": "OK-3", "family": "valves", "name": {"en": "Valve"},'
        ' "values": {"max_pressure": "16 bar"}}]}'
    )
    response = api.generic("POST", "/api/v1/products/bulk/", body, content_type="application/json", **writer)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["invalid", "invalid", "created"]
    assert [e["field"] for e in results[0]["errors"]] == ["article_number"]
    assert [e["field"] for e in results[1]["errors"]] == ["name.en"]
    assert "\\udafa" in results[1]["errors"][0]["value"]
    assert list(Product.objects.values_list("article_number", flat=True)) == ["OK-3"]


def test_lookup_keys_leave_out_what_no_stored_article_number_has():
    """Keys never carry a control character or a surrogate (no stored number has one, and
    PostgreSQL cannot compare text with a NUL); such a number is still refused as a number."""
    assert normalize_article_number("KH\x00-1\udafa") == "kh1"
    with pytest.raises(ValidationError):
        validate_article_number("KH\x00-1")
    with pytest.raises(ValidationError):
        validate_article_number("KH-1\udafa")
