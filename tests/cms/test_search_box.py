"""The search box: ``/search/?q=`` jumps to a product or goes to the catalog, ``/suggest/?q=``
feeds the autocomplete. Only publicly visible products are ever a destination or a suggestion."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from cms.category_paths import category_path
from pim.catalog.models import Category, Lifecycle
from pim.search import indexing
from tests.factories import make_product, make_valve_family

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_search")]

BOLT = "HSB530.M16x65.88"
GTIN = "4006381333931"


@pytest.fixture
def catalog():
    family = make_valve_family()
    fasteners = Category.objects.create(
        code="fasteners", name={"en": "Fasteners", "de": "Befestigungstechnik"}
    )
    bolts = Category.objects.create(
        code="hex-bolts", name={"en": "Hex bolts", "de": "Sechskantschrauben"}, parent=fasteners
    )
    secret = Category.objects.create(code="secret", name={"en": "Hexapods", "de": "Hexapoden"})
    bolt = make_product(
        family,
        article_number=BOLT,
        name={"en": "Hex bolt M16x65 8.8", "de": "Sechskantschraube M16x65 8.8"},
        gtin=GTIN,
        manufacturer_pid="DIN931-M16-65",
    )
    successor = make_product(family, article_number="HSB540.M16x65.88", name={"en": "Hex bolt M16x65 10.9"})
    old = make_product(
        family,
        article_number="HSB520.M16x65.88",
        name={"en": "Hex bolt M16x65 (old)"},
        lifecycle=Lifecycle.DISCONTINUED,
        successor=successor,
    )
    draft = make_product(
        family, article_number="HSB531.M16x65.88", name={"en": "Hex bolt draft"}, lifecycle=Lifecycle.DRAFT
    )
    unpublished = make_product(
        family, article_number="HSB532.M16x65.88", name={"en": "Hex bolt unpublished"}, live=False
    )
    for product in (bolt, successor, old):
        product.categories.set([bolts])
        product.save()
    for product in (draft, unpublished):
        product.categories.set([secret])
        product.save()
    indexing.drain()
    return {"bolt": bolt, "successor": successor, "old": old, "draft": draft, "unpublished": unpublished}


def search(client, text, language="en"):
    with translation.override(language):
        url = reverse("cms:search")
    return client.get(url, {"q": text})


def product_url(article_number, language="en"):
    with translation.override(language):
        return reverse("cms:product", kwargs={"article_number": article_number})


def catalog_text(response) -> list[str] | None:
    """The ``q`` of a redirect to the catalog (None if it goes elsewhere)."""
    location = urlsplit(response["Location"])
    if location.path != reverse("cms:catalog"):
        return None
    return parse_qs(location.query).get("q", [])


# --- /search/: the jump -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed", ["hsb530m16x6588", "HSB530.M16x65.88", " hsb 530 m16x65 88 ", "HSB530-M16X65-88"]
)
def test_a_loose_article_number_goes_to_the_product(client, catalog, typed):
    response = search(client, typed)
    assert response.status_code == 302
    assert response["Location"] == product_url(BOLT)


def test_the_jump_keeps_the_language(client, catalog):
    response = search(client, "hsb530m16x6588", language="de")
    assert response["Location"] == product_url(BOLT, "de")
    assert response["Location"].startswith("/de/")


@pytest.mark.parametrize("typed", [GTIN, "4 006381 333931", "0" + GTIN])
def test_a_gtin_goes_to_the_product(client, catalog, typed):
    assert search(client, typed)["Location"] == product_url(BOLT)


def test_a_manufacturer_part_number_goes_to_the_product(client, catalog):
    assert search(client, "din931-m16-65")["Location"] == product_url(BOLT)
    assert search(client, "DIN931 M16 65")["Location"] == product_url(BOLT)


def test_a_gtin_or_part_number_shared_by_two_products_is_a_search(client, catalog):
    make_product(catalog["bolt"].family, article_number="HSB600", gtin=GTIN, manufacturer_pid="DIN931-M16-65")
    indexing.drain()
    assert catalog_text(search(client, GTIN)) == [GTIN]
    assert catalog_text(search(client, "DIN931-M16-65")) == ["DIN931-M16-65"]


def test_a_discontinued_product_still_jumps_and_its_page_names_the_successor(client, catalog):
    response = search(client, "hsb520m16x6588", language="en")
    assert response["Location"] == product_url("HSB520.M16x65.88")
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "This product is no longer available." in html
    assert f'href="{product_url("HSB540.M16x65.88")}"' in html
    assert "Successor:" in html


@pytest.mark.parametrize("which", ["draft", "unpublished"])
def test_drafts_and_unpublished_products_are_never_a_jump(client, catalog, which):
    product = catalog[which]
    loose = product.article_number.replace(".", "").lower()
    response = search(client, loose)
    # exactly what an article number that does not exist gets: the catalog searching the text
    assert response.status_code == 302
    assert catalog_text(response) == [loose]
    assert catalog_text(search(client, "hsb999m16x6588")) == ["hsb999m16x6588"]
    # not by GTIN or part number either
    product.gtin = "96385074"
    product.manufacturer_pid = "SECRET-PART-1"
    product.save()
    indexing.drain()
    assert catalog_text(search(client, "96385074")) == ["96385074"]
    assert catalog_text(search(client, "SECRET-PART-1")) == ["SECRET-PART-1"]


def test_other_text_goes_to_the_catalog_with_the_text(client, catalog):
    response = search(client, "  hex   bolt ")
    assert response.status_code == 302
    assert response["Location"] == reverse("cms:catalog") + "?q=hex+bolt"
    assert search(client, "")["Location"] == reverse("cms:catalog")
    assert client.get(reverse("cms:search"))["Location"] == reverse("cms:catalog")
    with translation.override("de"):
        german_catalog = reverse("cms:catalog")
    assert search(client, "Schraube", language="de")["Location"] == f"{german_catalog}?q=Schraube"


@pytest.mark.parametrize(
    "typed", ["x" * 10_000, "\x00hsb530", "!!!", "🔩 Schraube ∅16", "%", "'; DROP TABLE x; --", "\ud7ff" * 3]
)
def test_odd_input_is_never_an_error(client, catalog, typed):
    response = search(client, typed)
    assert response.status_code == 302
    assert len(response["Location"]) < 400  # cut to 100 characters, not 10 KB echoed back


def test_search_refuses_post(client, catalog):
    assert client.post(reverse("cms:search"), {"q": BOLT}).status_code == 405


def test_the_jump_costs_few_queries(client, catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        search(client, "hsb530m16x6588")
    with django_assert_max_num_queries(1):  # no digit: not a part number, no search
        search(client, "hex bolt")
    with django_assert_max_num_queries(6):  # article number, then the search for a part number
        search(client, "hex bolt 16")


# --- /suggest/ --------------------------------------------------------------------------------------
def suggest(client, text, language="en"):
    with translation.override(language):
        url = reverse("cms:suggest")
    response = client.get(url, {"q": text})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response


def test_suggest_offers_products_by_article_number_prefix(client, catalog):
    response = suggest(client, "hsb53")
    assert response["Cache-Control"] == "public, max-age=60"
    assert not response.cookies
    data = response.json()
    assert data["query"] == "hsb53"
    assert data["products"] == [
        {"article_number": BOLT, "name": "Hex bolt M16x65 8.8", "url": product_url(BOLT)},
    ]
    german = suggest(client, "HSB530.M", language="de").json()
    assert german["products"][0] == {
        "article_number": BOLT,
        "name": "Sechskantschraube M16x65 8.8",
        "url": product_url(BOLT, "de"),
    }


def test_suggest_offers_products_by_name_and_completes_words(client, catalog):
    data = suggest(client, "hex bol").json()
    numbers = [p["article_number"] for p in data["products"]]
    assert set(numbers) == {BOLT, "HSB540.M16x65.88", "HSB520.M16x65.88"}
    assert {"text": "hex bolt", "url": reverse("cms:search") + "?q=hex+bolt"} in data["words"]


def test_suggest_never_offers_a_hidden_product(client, catalog):
    for text in ("hsb531", "hsb532", "HSB531.M16x65.88", "Hex bolt draft", "unpublished", "hsb"):
        data = suggest(client, text).json()
        numbers = {p["article_number"] for p in data["products"]}
        assert not numbers & {"HSB531.M16x65.88", "HSB532.M16x65.88"}, text
        offered = str([data["products"], data["categories"], data["words"]]).lower()
        assert "draft" not in offered and "unpublished" not in offered and "hexapo" not in offered, text


def test_suggest_offers_categories_with_their_url(client, catalog):
    data = suggest(client, "hex").json()
    assert data["categories"] == [
        {"label": "Fasteners › Hex bolts", "name": "Hex bolts", "url": category_path("hex-bolts", "en")}
    ]
    # the category holding only a draft and an unpublished product is never offered
    assert suggest(client, "hexapo").json()["categories"] == []
    german = suggest(client, "sechskants", language="de").json()
    assert german["categories"] == [
        {
            "label": "Befestigungstechnik › Sechskantschrauben",
            "name": "Sechskantschrauben",
            "url": category_path("hex-bolts", "de"),
        }
    ]
    assert german["categories"][0]["url"].startswith("/de/")


@pytest.mark.parametrize(
    "typed", ["", "h", "x" * 10_000, "!!!", "...", "\x00\x01", "🔩🔩", "Ä" * 200, "filter[x]=1", "\\"]
)
def test_suggest_answers_odd_input_with_json(client, catalog, typed):
    data = suggest(client, typed).json()
    assert set(data) == {"query", "products", "categories", "words"}
    assert len(data["query"]) <= 100


def test_suggest_is_small_and_costs_a_bounded_number_of_queries(
    client, catalog, django_assert_max_num_queries
):
    family = catalog["bolt"].family
    for number in range(30):
        make_product(family, article_number=f"HSB7{number:02d}", name={"en": f"Hex bolt {number}"})
    indexing.drain()
    suggest(client, "hex")  # warms the category caches
    with django_assert_max_num_queries(5):  # the search and its visibility check; categories: cached
        response = suggest(client, "hex")
    data = response.json()
    assert len(data["products"]) <= 5
    assert len(data["words"]) <= 5
    assert len(response.content) < 4000


def test_the_search_box_is_on_every_page_and_works_without_javascript(client, catalog):
    html = client.get(product_url(BOLT)).content.decode()
    assert f'action="{reverse("cms:search")}"' in html
    assert 'name="q"' in html
    assert f'data-suggest-url="{reverse("cms:suggest")}"' in html
    assert '<label for="site-search">' in html
    assert "cms/js/search.js" in html and "defer" in html
