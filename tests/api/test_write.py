"""Writing products through the API: only write tokens may, writes follow the import's draft
rule and validation, an identical PUT changes nothing, errors name the JSON field."""

import pytest
from wagtail.models import Revision

from pim.api.models import ApiToken, TokenScope
from pim.catalog.models import Product
from pim.catalog.signals import products_changed
from pim.search.models import OutboxEntry
from tests.factories import make_product

from .conftest import bearer

pytestmark = pytest.mark.django_db

NEW_VALVE = {
    "family": "valves",
    "name": {"en": "Ball valve DN15", "de": "Kugelhahn DN15"},
    "lifecycle": "active",
    "values": {
        "max_pressure": "232 psi",
        "temperature_range": {"min": "-10 °C", "max": "120 °C"},
        "body_material": "Messing",
        "approvals": ["fda", "ATEX"],
        "food_grade": True,
    },
}


@pytest.fixture
def writer(issue_token):
    return bearer(issue_token(TokenScope.WRITE))


def _revisions(product) -> int:
    return Revision.objects.filter(content_type=Product.get_content_type(), object_id=str(product.pk)).count()


def _stored_number(product, code):
    return next(row for row in product.values.all() if row.attribute.code == code)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_writes_need_a_write_token(api, family, issue_token, method):
    make_product(family, article_number="KH-1")
    send = getattr(api, method)
    body = {"name": {"en": "Changed"}}

    assert send("/api/v1/products/KH-1/", body, format="json").status_code == 401
    for scope in (TokenScope.PUBLIC_READ, TokenScope.FULL_READ):
        response = send("/api/v1/products/KH-1/", body, format="json", **bearer(issue_token(scope)))
        assert response.status_code == 403, scope
    secret = issue_token(TokenScope.WRITE)
    ApiToken.find(secret).revoke()
    assert send("/api/v1/products/KH-1/", body, format="json", **bearer(secret)).status_code == 401
    assert api.post("/api/v1/products/bulk/", {"products": []}, format="json").status_code == 401

    assert Product.objects.get(article_number="KH-1").name["en"] == "Ball valve"
    response = send("/api/v1/products/KH-1/", body, format="json", **bearer(issue_token(TokenScope.WRITE)))
    assert response.status_code == 200


def test_put_creates_a_draft_seen_only_with_full_read(api, family, writer, issue_token, integrator):
    response = api.put("/api/v1/products/KH-NEW-1/", NEW_VALVE, format="json", **writer)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["article_number"] == "KH-NEW-1"
    assert (body["live"], body["has_unpublished_changes"]) == (False, True)
    product = Product.objects.get(article_number="KH-NEW-1")
    assert product.live is False
    pressure = _stored_number(product, "max_pressure")
    assert float(pressure.number) == pytest.approx(232 * 6894.757, rel=1e-6)  # stored in Pa
    assert {row.option.code for row in product.values.all() if row.attribute.code == "approvals"} == {
        "fda",
        "atex",
    }
    [revision] = Revision.objects.filter(object_id=str(product.pk), content_type=Product.get_content_type())
    assert revision.user == integrator  # the token's owner

    assert api.get("/api/v1/products/KH-NEW-1/").status_code == 404
    full = api.get("/api/v1/products/KH-NEW-1/", **bearer(issue_token(TokenScope.FULL_READ)))
    assert full.status_code == 200


def test_second_identical_put_changes_nothing(api, family, writer):
    first = api.put("/api/v1/products/KH-NEW-2/", NEW_VALVE, format="json", **writer)
    assert first.status_code == 201
    product = Product.objects.get(article_number="KH-NEW-2")
    updated_at = product.updated_at

    second = api.put("/api/v1/products/KH-NEW-2/", NEW_VALVE, format="json", **writer)

    assert second.status_code == 200
    assert _revisions(product) == 1
    assert Product.objects.get(pk=product.pk).updated_at == updated_at


def test_change_to_a_published_product_is_a_draft_until_published(api, family, writer):
    product = make_product(family, article_number="KH-PUB", values={"max_pressure": "10 bar"})
    body = {"values": {"max_pressure": "16 bar"}}

    response = api.patch("/api/v1/products/KH-PUB/", body, format="json", **writer)

    assert response.status_code == 200, response.json()
    assert response.json()["has_unpublished_changes"] is True
    public = api.get("/api/v1/products/KH-PUB/").json()
    [pressure] = [v for v in public["values"] if v["attribute"] == "max_pressure"]
    assert pressure["display_number"] == 10  # the public sees the published state
    draft = Product.objects.get(pk=product.pk).get_latest_revision_as_object()
    assert float(_stored_number(draft, "max_pressure").number) == pytest.approx(16e5)

    published = api.patch("/api/v1/products/KH-PUB/?publish=true", body, format="json", **writer)

    assert published.status_code == 200
    public = api.get("/api/v1/products/KH-PUB/").json()
    [pressure] = [v for v in public["values"] if v["attribute"] == "max_pressure"]
    assert pressure["display_number"] == 16


def test_publish_true_makes_a_new_product_public(api, family, writer):
    response = api.put("/api/v1/products/KH-NEW-3/?publish=true", NEW_VALVE, format="json", **writer)

    assert response.status_code == 201
    assert response.json()["live"] is True
    assert api.get("/api/v1/products/KH-NEW-3/").status_code == 200


def test_publish_parameter_must_be_a_boolean(api, family, writer):
    response = api.put("/api/v1/products/KH-NEW-4/?publish=maybe", NEW_VALVE, format="json", **writer)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "publish", "message": "“maybe”: use publish=true or publish=false.", "value": "maybe"}
    ]
    assert not Product.objects.filter(article_number="KH-NEW-4").exists()


def test_patch_changes_only_the_given_fields(api, family, writer):
    make_product(
        family,
        article_number="KH-P",
        live=False,
        values={"max_pressure": "10 bar", "body_material": "brass"},
        gtin="4006381333931",
    )

    response = api.patch(
        "/api/v1/products/KH-P/", {"values": {"body_material": "ss316"}}, format="json", **writer
    )

    assert response.status_code == 200, response.json()
    product = Product.objects.get(article_number="KH-P")  # unpublished: the row itself is saved
    codes = {row.attribute.code: row for row in product.values.all()}
    assert codes["body_material"].option.code == "ss316"
    assert float(codes["max_pressure"].number) == pytest.approx(10e5)
    assert product.gtin == "4006381333931"
    assert product.name["en"] == "Ball valve"


def test_patch_of_a_missing_product_is_404(api, family, writer):
    response = api.patch("/api/v1/products/NOPE-1/", {"name": {"en": "x"}}, format="json", **writer)

    assert response.status_code == 404
    assert not Product.objects.filter(article_number="NOPE-1").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"body_material": "copper"}, "values.body_material"),  # unknown option
        ({"max_pressure": "16 parsec"}, "values.max_pressure"),  # unit of another quantity
        ({"max_pressure": "500 bar"}, "values.max_pressure"),  # above the attribute's bounds (400 bar)
        ({"colour": "red"}, "values.colour"),  # not an attribute of the family
    ],
)
def test_invalid_values_are_400_naming_the_field_and_nothing_is_written(api, family, writer, values, field):
    body = {**NEW_VALVE, "values": {**NEW_VALVE["values"], **values}}

    response = api.put("/api/v1/products/KH-BAD/", body, format="json", **writer)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == [field], errors
    assert errors[0]["message"]
    assert not Product.objects.filter(article_number="KH-BAD").exists()


def test_unknown_family_and_unknown_keys_are_named(api, family, writer):
    body = {**NEW_VALVE, "family": "pumps", "colour": "red"}

    response = api.put("/api/v1/products/KH-BAD/", body, format="json", **writer)

    assert response.status_code == 400
    fields = {error["field"]: error for error in response.json()["errors"]}
    assert set(fields) == {"family", "colour"}
    assert fields["family"]["value"] == "pumps"
    assert "pumps" in fields["family"]["message"]
    assert not Product.objects.filter(article_number="KH-BAD").exists()


def test_invalid_update_leaves_the_product_as_it_was(api, family, writer):
    product = make_product(family, article_number="KH-U", live=False, values={"max_pressure": "10 bar"})

    response = api.patch(
        "/api/v1/products/KH-U/",
        {"name": {"en": "Renamed"}, "values": {"max_pressure": "lots"}},
        format="json",
        **writer,
    )

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["values.max_pressure"]
    product.refresh_from_db()
    assert product.name["en"] == "Ball valve"
    assert _revisions(product) == 0


def test_prices_relations_and_lifecycle(api, family, writer):
    make_product(family, article_number="ACC-1")
    body = {
        **NEW_VALVE,
        "prices": [
            {"price_type": "net_list", "currency": "EUR", "amount": "12.50"},
            {"price_type": "net_list", "currency": "EUR", "amount": "11.00", "min_quantity": 10},
        ],
        "relations": {"accessory": ["ACC-1"]},
    }

    response = api.put("/api/v1/products/KH-REL/", body, format="json", **writer)

    assert response.status_code == 201, response.json()
    product = Product.objects.get(article_number="KH-REL")
    assert sorted((float(p.min_quantity), float(p.amount)) for p in product.prices.all()) == [
        (1, 12.5),
        (10, 11),
    ]
    assert [(r.kind, r.target.article_number) for r in product.relations.all()] == [("accessory", "ACC-1")]
    assert product.lifecycle == "active"

    missing = api.patch(
        "/api/v1/products/KH-REL/", {"relations": {"spare_part": ["NOT-THERE"]}}, format="json", **writer
    )
    assert missing.status_code == 400
    [error] = missing.json()["errors"]
    assert error["field"] == "relations.spare_part[0]" and "NOT-THERE" in error["message"]

    phase_out = api.patch("/api/v1/products/KH-REL/", {"lifecycle": "phase_out"}, format="json", **writer)
    assert phase_out.status_code == 200
    assert Product.objects.get(pk=product.pk).lifecycle == "phase_out"

    bad = api.patch("/api/v1/products/KH-REL/", {"lifecycle": "retired"}, format="json", **writer)
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["lifecycle"]


def test_wrong_json_shapes_are_400_not_500(api, family, writer):
    for body in (
        [1, 2],
        {"values": [1]},
        {"prices": {"EUR": 1}},
        {"name": ["x"]},
        {"values": {"x": {"a": [1]}}},
    ):
        response = api.put("/api/v1/products/KH-SHAPE/", body, format="json", **writer)
        assert response.status_code == 400, body
        assert response.json()["errors"], body
    assert not Product.objects.filter(article_number="KH-SHAPE").exists()


def test_writes_fire_the_catalog_change_events(api, family, writer):
    received = []

    def listener(sender, product_ids, reason, **kwargs):
        received.append(list(product_ids))

    products_changed.connect(listener)
    try:
        response = api.put("/api/v1/products/KH-EV/?publish=true", NEW_VALVE, format="json", **writer)
    finally:
        products_changed.disconnect(listener)

    assert response.status_code == 201
    product = Product.objects.get(article_number="KH-EV")
    assert any(product.pk in ids for ids in received)
    assert OutboxEntry.objects.filter(product_id=product.pk).exists()


def test_repeated_put_to_a_published_product_makes_one_draft_revision(api, family, writer):
    product = make_product(family, article_number="KH-PUB2", values={"max_pressure": "10 bar"})
    body = {"values": {"max_pressure": "16 bar"}}

    assert api.put("/api/v1/products/KH-PUB2/", body, format="json", **writer).status_code == 200
    assert api.put("/api/v1/products/KH-PUB2/", body, format="json", **writer).status_code == 200

    assert _revisions(product) == 1


@pytest.mark.parametrize("number", ["X" * 80, "-._-"])
def test_a_new_article_number_must_be_valid(api, family, writer, number):
    response = api.put(f"/api/v1/products/{number}/", NEW_VALVE, format="json", **writer)

    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"article_number"}
    assert not Product.objects.exists()


def test_bare_numbers_are_in_the_display_unit_and_ranges_may_be_pairs(api, family, writer):
    body = {**NEW_VALVE, "values": {"max_pressure": 16, "temperature_range": ["-20 °C", 80]}}

    response = api.put("/api/v1/products/KH-NUM/", body, format="json", **writer)

    assert response.status_code == 201, response.json()
    values = {v["attribute"]: v for v in response.json()["values"]}
    assert (values["max_pressure"]["display_number"], values["max_pressure"]["unit"]) == (16, "pascal")
    assert (values["temperature_range"]["display_min"], values["temperature_range"]["display_max"]) == (
        -20,
        80,
    )


def test_write_endpoints_are_documented_with_their_errors(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    detail = schema["paths"]["/api/v1/products/{article_number}/"]
    bulk = schema["paths"]["/api/v1/products/bulk/"]["post"]

    assert {"200", "201", "400", "401", "403"} <= set(detail["put"]["responses"])
    assert {"200", "400", "404"} <= set(detail["patch"]["responses"])
    assert {"200", "400", "413"} <= set(bulk["responses"])
    errors = detail["put"]["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert errors.endswith("/WriteErrors")
    assert "publish" in {p["name"] for p in detail["put"]["parameters"]}
    body = schema["components"]["schemas"]["ProductWriteRequest"]["properties"]
    assert {"family", "lifecycle", "name", "values", "prices", "relations", "successor"} <= set(body)


def test_trade_fields_with_units_and_packing_units(api, family, writer):
    body = {
        **NEW_VALVE,
        "net_weight": "250 g",
        "packing_units": [{"code": "CT", "quantity": 10, "gross_weight": "2.5 kg"}],
    }

    response = api.put("/api/v1/products/KH-PACK/", body, format="json", **writer)

    assert response.status_code == 201, response.json()
    product = Product.objects.get(article_number="KH-PACK")
    assert float(product.net_weight) == pytest.approx(0.25)  # stored in kg
    [unit] = product.packing_units.all()
    assert (unit.code, float(unit.quantity), float(unit.gross_weight)) == ("CT", 10, 2.5)

    again = api.patch("/api/v1/products/KH-PACK/", {"net_weight": "0.25 kg"}, format="json", **writer)
    assert again.status_code == 200
    assert _revisions(product) == 1  # the same weight in another unit is no change


def test_null_clears_a_text_and_a_value(api, family, writer):
    make_product(
        family,
        article_number="KH-CLR",
        live=False,
        values={"max_pressure": "10 bar"},
        short_description={"en": "Short", "de": "Kurz"},
    )

    response = api.patch(
        "/api/v1/products/KH-CLR/",
        {"short_description": None, "values": {"max_pressure": None}},
        format="json",
        **writer,
    )

    assert response.status_code == 200, response.json()
    product = Product.objects.get(article_number="KH-CLR")
    assert product.short_description == {}
    assert list(product.values.all()) == []
