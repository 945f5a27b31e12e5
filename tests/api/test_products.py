"""Contract of /api/v1/products/: shape and values, ?lang=, ?fields=, updated_since, cursor
pages, queries per page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pim.api.models import TokenScope
from pim.api.pagination import keyset_after
from pim.assets.models import LinkRole
from pim.assets.services import link_asset
from pim.catalog.models import Category, Product, ProductModel, ProductPrice, ProductRelation, RelationKind
from tests.api.conftest import bearer
from tests.factories import make_pdf_asset, make_product

pytestmark = pytest.mark.django_db

VALUES = {
    "max_pressure": "232 psi",
    "temperature_range": "-10 .. 120 °C",
    "body_material": "ss316",
    "approvals": ["fda", "atex"],
    "food_grade": True,
    "note": {"en": "For drinking water", "de": "Für Trinkwasser"},
}


def by_code(values):
    return {value["attribute"]: value for value in values}


def test_product_detail_contract(api, family, settings):
    settings.PIM_PUBLIC_PRICES = True
    category = Category.objects.create(code="ball-valves", name={"en": "Ball valves"})
    accessory = make_product(family, article_number="HB-1", name={"en": "Handle"})
    product = make_product(
        family, article_number="KH-100/A", values=VALUES, gtin="4006381333931", manufacturer_name="Acme"
    )
    product.categories.set([category])
    ProductRelation.objects.create(product=product, kind=RelationKind.ACCESSORY, target=accessory, quantity=2)
    ProductPrice.objects.create(product=product, currency="EUR", amount=Decimal("123.45"))
    datasheet = make_pdf_asset("KH datasheet", languages=["en"])
    link_asset(datasheet, product, role=LinkRole.DATASHEET)
    product.save()

    response = api.get("/api/v1/products/kh-100-a/")

    assert response.status_code == 200
    data = response.json()
    assert data["article_number"] == "KH-100/A"
    assert data["name"] == "Ball valve"
    assert data["gtin"] == "4006381333931"
    assert data["manufacturer_name"] == "Acme"
    assert data["family"] == "valves"
    assert data["series"] is None
    assert data["lifecycle"] == "active"
    assert data["categories"] == ["ball-valves"]
    assert "live" not in data and "has_unpublished_changes" not in data
    values = by_code(data["values"])
    assert list(values) == [
        "max_pressure",
        "temperature_range",
        "body_material",
        "approvals",
        "food_grade",
        "note",
    ]
    pressure = values["max_pressure"]
    # 232 psi entered: stored canonical in pascal, shown in the family's display unit (bar).
    assert pressure["unit"] == "pascal"
    assert pressure["number"] == pytest.approx(1599583.69, rel=1e-8)
    assert pressure["display_unit"] == "bar"
    assert pressure["display_number"] == pytest.approx(15.9958369, rel=1e-7)
    assert pressure["display"] == "16\xa0bar"
    temperature = values["temperature_range"]
    assert (temperature["min"], temperature["max"], temperature["unit"]) == (263.15, 393.15, "kelvin")
    assert (temperature["display_min"], temperature["display_max"]) == (-10, 120)
    assert values["body_material"]["options"] == [
        {"code": "ss316", "name": "Stainless steel 1.4401", "etim_code": ""}
    ]
    assert [o["code"] for o in values["approvals"]["options"]] == ["fda", "atex"]
    assert values["food_grade"]["boolean"] is True
    assert values["note"]["text"] == "For drinking water"
    assert data["relations"] == [{"kind": "accessory", "article_number": "HB-1", "quantity": 2.0}]
    assert data["prices"] == [
        {
            "price_type": "net_list",
            "currency": "EUR",
            "amount": 123.45,
            "min_quantity": 1.0,
            "tax_rate": 0.19,
            "valid_from": None,
            "valid_to": None,
        }
    ]
    [asset] = data["assets"]
    assert asset["kind"] == "datasheet" and asset["role"] == "datasheet"
    assert asset["mime_type"] == "application/pdf" and asset["languages"] == ["en"]
    assert asset["url"].startswith(settings.PIM_BASE_URL + "/downloads/products/KH-100-A/")
    # The URL is the public download: it answers with the file.
    download = api.get(asset["url"].removeprefix(settings.PIM_BASE_URL))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert data["datasheet_url"] == settings.PIM_BASE_URL + "/downloads/products/KH-100-A/datasheet-en.pdf"


def test_prices_are_public_only_when_the_site_shows_them(api, family, issue_token, settings):
    settings.PIM_PUBLIC_PRICES = False
    product = make_product(family, article_number="KH-1")
    ProductPrice.objects.create(product=product, currency="EUR", amount=Decimal("10"))
    assert api.get("/api/v1/products/KH-1/").json()["prices"] == []
    full = api.get("/api/v1/products/KH-1/", **bearer(issue_token(TokenScope.FULL_READ))).json()
    assert [p["amount"] for p in full["prices"]] == [10.0]


def test_variant_takes_name_values_and_categories_from_its_series(api, family):
    category = Category.objects.create(code="series-cat", name={"en": "Series category"})
    series = ProductModel.objects.create(
        code="KH", name={"en": "KH series", "de": "Baureihe KH"}, family=family, live=True
    )
    series.categories.set([category])
    series.save()
    from pim.catalog.values import set_values

    set_values(series, {"body_material": "brass"}, family)
    series.save()
    make_product(
        family, article_number="KH-7", name={}, product_model=series, values={"max_pressure": "10 bar"}
    )

    data = api.get("/api/v1/products/KH-7/?lang=de").json()

    assert data["name"] == "Baureihe KH"
    assert data["series"] == "KH"
    assert data["categories"] == ["series-cat"]
    assert {v["attribute"]: v["display"] for v in data["values"]} == {
        "max_pressure": "10\xa0bar",
        "body_material": "Messing",
    }


def test_lang_chooses_texts_and_rejects_unknown_languages(api, family, settings):
    make_product(family, article_number="KH-1", values={"body_material": "brass", "food_grade": False})
    german = api.get("/api/v1/products/KH-1/?lang=de").json()
    english = api.get("/api/v1/products/KH-1/?lang=en").json()
    default = api.get("/api/v1/products/KH-1/").json()
    assert (german["name"], english["name"]) == ("Kugelhahn", "Ball valve")
    assert by_code(german["values"])["body_material"]["display"] == "Messing"
    assert by_code(german["values"])["food_grade"]["display"] == "Nein"
    assert by_code(english["values"])["food_grade"]["display"] == "No"
    assert default["name"] == ("Kugelhahn" if settings.LANGUAGE_CODE == "de" else "Ball valve")

    response = api.get("/api/v1/products/?lang=fr")
    assert response.status_code == 400
    assert "fr" in response.json()["lang"][0] and "de" in response.json()["lang"][0]


def test_fields_returns_a_sparse_fieldset_and_names_unknown_fields(api, family, issue_token):
    make_product(family, article_number="KH-1")
    data = api.get("/api/v1/products/?fields=article_number,name").json()
    assert data["results"] == [{"article_number": "KH-1", "name": "Ball valve"}]

    response = api.get("/api/v1/products/?fields=article_number,colour")
    assert response.status_code == 400
    assert "colour" in response.json()["fields"][0]
    # Draft state is no field of the public representation…
    assert api.get("/api/v1/products/KH-1/?fields=live").status_code == 400
    # … but one of full read.
    full = api.get(
        "/api/v1/products/KH-1/?fields=live,has_unpublished_changes",
        **bearer(issue_token(TokenScope.FULL_READ)),
    )
    assert full.json() == {"live": True, "has_unpublished_changes": False}


def test_updated_since_filters_by_last_change(api, family):
    old = make_product(family, article_number="OLD-1")
    recent = make_product(family, article_number="NEW-1")
    moment = timezone.now() - timedelta(hours=1)
    Product.objects.filter(pk=old.pk).update(updated_at=moment - timedelta(days=2))
    Product.objects.filter(pk=recent.pk).update(updated_at=moment + timedelta(minutes=5))

    def numbers(query):
        response = api.get("/api/v1/products/", query)
        assert response.status_code == 200, response.content
        return [p["article_number"] for p in response.json()["results"]]

    assert numbers({"updated_since": moment.isoformat()}) == ["NEW-1"]
    assert numbers({"updated_since": (moment - timedelta(days=3)).date().isoformat()}) == ["OLD-1", "NEW-1"]
    response = api.get("/api/v1/products/", {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert "yesterday" in response.json()["updated_since"][0]
    # An offset PostgreSQL would refuse (beyond ±15:59) is the same moment in UTC (Schemathesis).
    far = (moment + timedelta(hours=16, minutes=9)).replace(tzinfo=None).isoformat() + "+16:09"
    assert numbers({"updated_since": far}) == ["NEW-1"]
    assert api.get("/api/v1/products/", {"updated_since": "9999-12-31T23:59:59-16:00"}).status_code == 400


def _all_pages(api, url, changes=None):
    seen, pages = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        data = response.json()
        seen += [p["article_number"] for p in data["results"]]
        pages += 1
        if changes and pages in changes:
            changes[pages]()
        url = data["next"]
    return seen, pages


def test_cursor_pages_have_no_gaps_or_duplicates(api, family):
    numbers = [make_product(family, article_number=f"P-{i:02d}").article_number for i in range(7)]
    # Same moment for all: the id breaks the tie, so none is lost at a page boundary.
    Product.objects.update(updated_at=timezone.now())

    seen, pages = _all_pages(api, "/api/v1/products/?size=3")

    assert pages == 3
    assert sorted(seen) == sorted(numbers) and len(seen) == len(set(seen))


def test_rows_changed_while_paging_are_not_skipped(api, family):
    products = [make_product(family, article_number=f"P-{i:02d}") for i in range(9)]

    def touch(index):
        return lambda: products[index].save()

    # After page 1, a product of page 3 and one of page 1 (already delivered) change.
    seen, _pages = _all_pages(api, "/api/v1/products/?size=3", changes={1: lambda: (touch(7)(), touch(0)())})

    assert set(seen) == {p.article_number for p in products}
    # Only the product changed after delivery comes again (its newer state), at the end.
    assert [n for n in seen if seen.count(n) > 1] == ["P-00", "P-00"]
    assert seen[-2:] == ["P-07", "P-00"]


def test_bad_cursor_and_size_are_400(api, family):
    assert "cursor" in api.get("/api/v1/products/?cursor=nonsense").json()
    assert "size" in api.get("/api/v1/products/?size=0").json()
    assert "size" in api.get("/api/v1/products/?size=100000").json()


def test_queries_per_page_do_not_grow_with_the_page_size(api, family):
    series = ProductModel.objects.create(code="S", name={"en": "S"}, family=family, live=True)
    category = Category.objects.create(code="c", name={"en": "C"})
    accessory = make_product(family, article_number="ACC")
    datasheet = make_pdf_asset("Sheet")
    for index in range(50):
        product = make_product(
            family,
            article_number=f"P-{index:02d}",
            values=VALUES,
            product_model=series if index % 2 else None,
        )
        product.categories.set([category])
        ProductRelation.objects.create(product=product, kind=RelationKind.SPARE_PART, target=accessory)
        ProductPrice.objects.create(product=product, currency="EUR", amount=Decimal("5"))
        link_asset(datasheet, product, role=LinkRole.DATASHEET)
        product.save()

    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"/api/v1/products/?size={size}")
        assert response.status_code == 200 and len(response.json()["results"]) == size
        return len(captured)

    assert queries(10) == queries(50)


def test_deep_pages_walk_the_updated_at_index(family):
    """The public page query reads the updated_at index in order and stops after a page: no
    sort of all visible products, however deep the cursor. SQLite chooses this plan once it
    has statistics (ANALYZE); without them it guesses the lifecycle index is selective.
    PostgreSQL reads the same index and sorts only the rows of one moment by id
    (an incremental sort)."""
    Product.objects.bulk_create(
        Product(
            article_number=f"X-{index}",
            article_number_key=f"x{index}",
            family=family,
            name={"en": "Valve"},
            live=index % 10 != 0,
            lifecycle=["active", "draft", "phase_out", "active"][index % 4],
        )
        for index in range(2000)
    )
    middle = Product.objects.order_by("updated_at", "pk")[1000]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    page = (
        Product.objects.publicly_visible()
        .order_by("updated_at", "pk")
        .filter(keyset_after(("updated_at", "pk"), (middle.updated_at, middle.pk)))[:51]
    )
    plan = page.explain()
    if connection.vendor == "postgresql":
        assert "Index Scan using catalog_product_updated_at" in plan
        whole_sorts = [
            line for line in plan.splitlines() if "Sort" in line and "Incremental Sort" not in line
        ]
        assert not [line for line in whole_sorts if "Sort Key" not in line and "Presorted Key" not in line]
    else:
        assert "USING INDEX catalog_product_updated_at" in plan
        assert "TEMP B-TREE" not in plan.upper()
