"""Who sees what: anonymous and public-read see what the public site shows; full read and
write see drafts and unpublished products; unknown and revoked tokens are refused."""

from urllib.parse import urlsplit

import pytest

from pim.api.models import ApiToken, TokenScope
from pim.assets.models import LinkRole
from pim.assets.services import link_asset
from pim.catalog.models import Category, Lifecycle, ProductModel, ProductRelation, RelationKind
from tests.api.conftest import bearer
from tests.factories import make_category_shelf, make_pdf_asset, make_product

pytestmark = pytest.mark.django_db

PUBLIC = {"V-1", "S-1", "S-2", "P-1", "OLD-1"}
EVERYTHING = PUBLIC | {"V-H", "D-1", "HS-1"}


@pytest.fixture
def shelf(family):
    shelf = make_category_shelf(family)
    # V-H: not live. D-1: live but lifecycle draft. HS-1: live variant of a series that is not live.
    make_product(family, article_number="D-1", lifecycle=Lifecycle.DRAFT)
    hidden_series = ProductModel.objects.create(code="HS", name={"en": "Hidden"}, family=family, live=False)
    make_product(family, article_number="HS-1", product_model=hidden_series)
    make_product(family, article_number="OLD-1", lifecycle=Lifecycle.DISCONTINUED)
    valve, hidden = shelf["valve"], shelf["hidden"]
    ProductRelation.objects.create(product=valve, kind=RelationKind.ACCESSORY, target=hidden)
    ProductRelation.objects.create(product=valve, kind=RelationKind.SPARE_PART, target=shelf["pump"])
    valve.successor = hidden
    valve.save()
    sheet = make_pdf_asset("Hidden sheet")
    link_asset(sheet, hidden, role=LinkRole.DATASHEET)
    return shelf


@pytest.fixture(params=["anonymous", "public_read", "full_read", "write"])
def reader(request, issue_token):
    """(headers, sees everything?) for each kind of reader."""
    if request.param == "anonymous":
        return {}, False
    return bearer(issue_token(request.param)), request.param in ("full_read", "write")


def listed(api, url, headers):
    numbers = []
    while url:
        response = api.get(url, **headers)
        assert response.status_code == 200, response.content
        data = response.json()
        results = data["results"]
        numbers += [row.get("article_number") or row.get("code") for row in results]
        url = data["next"]
    return numbers


def test_product_list_and_detail_follow_the_scope(api, shelf, reader):
    headers, sees_all = reader
    expected = EVERYTHING if sees_all else PUBLIC
    assert set(listed(api, "/api/v1/products/?size=2", headers)) == expected
    for number in EVERYTHING:
        status = api.get(f"/api/v1/products/{number}/", **headers).status_code
        assert status == (200 if number in expected else 404), number


def test_hidden_products_never_appear_in_relations_successors_or_assets(api, shelf, reader):
    headers, sees_all = reader
    valve = api.get("/api/v1/products/V-1/", **headers).json()
    related = {relation["article_number"] for relation in valve["relations"]}
    assert related == ({"V-H", "P-1"} if sees_all else {"P-1"})
    assert valve["successor"] == ("V-H" if sees_all else None)
    hidden = api.get("/api/v1/products/V-H/", **headers)
    if sees_all:
        [asset] = hidden.json()["assets"]
        # Full read lists the file, but the public download rule still guards the URL.
        assert api.get(urlsplit(asset["url"]).path).status_code == 404
    else:
        assert hidden.status_code == 404
        assert "V-H" not in str(api.get("/api/v1/products/", **headers).content)


def test_series_and_categories_follow_the_scope(api, shelf, reader):
    headers, sees_all = reader
    assert set(listed(api, "/api/v1/series/", headers)) == ({"S", "HS"} if sees_all else {"S"})
    series = api.get("/api/v1/series/S/", **headers).json()
    assert series["variants"] == ["S-1", "S-2"]
    assert api.get("/api/v1/series/HS/", **headers).status_code == (200 if sees_all else 404)
    lone = make_product(shelf["series"].family, article_number="LONE", live=False)
    empty = Category.objects.create(code="empty", name={"en": "Only hidden"})
    lone.categories.set([empty])
    lone.save()
    categories = set(listed(api, "/api/v1/categories/", headers))
    assert {"fluid", "valves", "ball", "pumps"} <= categories
    assert ("empty" in categories) == sees_all


@pytest.mark.parametrize(
    "header",
    ["Bearer unknown-token-0123456789", "Token unknown-token-0123456789", "Bearer", "Bearer two parts"],
)
def test_unknown_or_malformed_tokens_are_401(api, shelf, header):
    response = api.get("/api/v1/products/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization header" in response.json()["detail"]


def test_revoked_token_is_401_not_anonymous(api, shelf, issue_token):
    secret = issue_token(TokenScope.FULL_READ)
    assert api.get("/api/v1/products/V-H/", **bearer(secret)).status_code == 200
    ApiToken.objects.get().revoke()
    response = api.get("/api/v1/products/", **bearer(secret))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_token_keyword_token_is_accepted_and_use_is_recorded(api, shelf, issue_token):
    secret = issue_token(TokenScope.FULL_READ)
    assert ApiToken.objects.get().last_used_at is None
    response = api.get("/api/v1/products/V-H/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_products_are_written_by_article_number_only_and_never_deleted(api, shelf, issue_token):
    # Writes are PUT/PATCH by article number and the bulk endpoint (tests/api/test_write*.py);
    # there is no POST to the list and no DELETE. Without a token any write is a 401 first.
    headers = bearer(issue_token(TokenScope.WRITE))
    response = api.post("/api/v1/products/", {"article_number": "N-1"}, format="json", **headers)
    assert response.status_code == 405
    assert api.delete("/api/v1/products/V-1/", **headers).status_code == 405
    assert api.delete("/api/v1/products/V-1/").status_code == 401
