"""Catalog pages (cms/catalog_views.py, cms/category_paths.py): localized category paths,
facets, chips, sorting, paging, visibility, errors, caching and bounded queries."""

import json
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cms import page_cache
from cms.category_paths import alternate_paths, category_from_slugs, category_path, category_tree
from pim.catalog.models import Category, FamilyAttribute, Lifecycle, Product
from pim.search import indexing
from tests.factories import make_product
from tests.search.catalog_data import build_catalog, delete_catalog

pytestmark = pytest.mark.django_db

BALL = "/catalog/fluid-technology/valves/ball-valves/"


def de_catalog() -> str:
    """The German catalog root ("/de/katalog/" once the path word is translated)."""
    with translation.override("de"):
        return reverse("cms:catalog")


BALL_DE_SLUGS = "fluidtechnik/ventile/kugelhaehne/"


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    """The search contract's catalog, committed once for the module, database index built."""
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("catalog-media")):
        delete_catalog()
        products = build_catalog()
        indexing.rebuild("database")
    yield products
    with django_db_blocker.unblock():
        delete_catalog()


@pytest.fixture(autouse=True)
def _setup(catalog, database_search, settings):
    from pim.search import schema

    schema.clear()
    settings.PIM_PAGE_CACHE_TIMEOUT = 60
    with translation.override("en"):
        yield
    schema.clear()


def get(client, path, params=None, **extra):
    url = f"{path}?{urlencode(params, doseq=True)}" if params else path
    return client.get(url, **extra)


def html(response) -> str:
    return response.content.decode()


def articles(response) -> list[str]:
    """Article numbers of the result rows, in order."""
    body = html(response)
    region = body[body.index('id="catalog-region"') :]
    return re.findall(r'<td data-label="Article number" translate="no">([^<]+)</td>', region)


def region(response) -> str:
    body = html(response)
    return body[body.index('id="catalog-region"') :]


def input_value(response, name) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', region(response))
    return unescape(match.group(1)) if match else None


def checked_values(response, name) -> list[str]:
    return [
        unescape(m.group(1))
        for m in re.finditer(
            rf'<input type="(?:checkbox|radio)"[^>]*name="{re.escape(name)}" value="([^"]*)" checked',
            html(response),
        )
    ]


def facet_counts(response, code) -> dict[str, int]:
    body = html(response)
    start = body.index(f'data-facet="{code}"')
    block = body[start : body.index("</details>", start)]
    return {
        value: int(count)
        for value, count in re.findall(
            r'value="([^"]+)"[^>]*><label[^>]*>[^<]*<span class="facet__count">(\d+)</span>', block
        )
    }


# --- category paths -----------------------------------------------------------------------------
def test_category_paths_are_localized_slugs_of_the_chain():
    ball = Category.objects.get(code="ball-valves")
    assert category_path(ball, "en") == BALL
    assert category_path(ball.pk, "de") == de_catalog() + BALL_DE_SLUGS
    assert category_path("ball-valves", "de") == de_catalog() + BALL_DE_SLUGS
    assert alternate_paths(ball) == {"en": BALL, "de": de_catalog() + BALL_DE_SLUGS}
    assert category_from_slugs("fluid-technology/valves/ball-valves", "en").code == "ball-valves"
    assert category_from_slugs("fluid-technology/valves/ball-valves", "de") is None
    assert category_from_slugs("fluid-technology/old-name", "en") is None


def test_sibling_slug_collisions_are_resolved_deterministically():
    root = Category.objects.get(code="fluid")
    Category.objects.create(code="valves-2", name={"en": "Valves", "de": "Ventile (neu)"}, parent=root)
    first, second = category_path("valves-cat"), category_path("valves-2")
    assert first == "/catalog/fluid-technology/valves/"
    assert second == "/catalog/fluid-technology/valves-valves-2/"
    assert category_path("valves-2", "de") == de_catalog() + "fluidtechnik/ventile-neu/"


def test_tree_counts_visible_products_per_subtree():
    tree = category_tree()
    counts = {node.code: node.count for node in tree.nodes.values()}
    # ball valves: 4711-ABC.12, KH-100, KH-101, KH-102, KH-300 and the series' VS-15, VS-20;
    # never the unpublished KH-200 or the draft KH-201
    assert counts["ball-valves"] == 7
    assert counts["pumps-cat"] == 4
    assert counts["fluid"] == 11
    assert counts["empty-cat"] == 0


def test_tree_is_cached_and_invalidated_by_catalog_events(django_assert_num_queries):
    tree = category_tree()
    with django_assert_num_queries(0):
        assert category_tree() is tree
    # a product goes back to draft: the listing stamp changes, the count drops
    product = Product.objects.get(article_number="KH-100")
    product.lifecycle = Lifecycle.DRAFT
    product.save()
    assert category_tree().node("ball-valves").count == 6
    # a renamed category: its path changes at once
    ball = Category.objects.get(code="ball-valves")
    ball.name = {"en": "Ball cocks", "de": "Kugelhähne"}
    ball.save()
    assert category_path("ball-valves") == "/catalog/fluid-technology/valves/ball-cocks/"
    # a deleted category is gone
    Category.objects.get(code="empty-cat").delete()
    assert category_tree().node("empty-cat") is None
    # a new one has its page at once
    Category.objects.create(
        code="new-cat", name={"en": "Brand new"}, parent=Category.objects.get(code="fluid")
    )
    assert category_path("new-cat") == "/catalog/fluid-technology/brand-new/"


def test_tree_is_built_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    root = Category.objects.get(code="fluid")
    for n in range(30):
        Category.objects.create(code=f"extra-{n}", name={"en": f"Extra {n}"}, parent=root)
    page_cache.invalidate({page_cache.CATALOG})
    with django_assert_max_num_queries(3):
        tree = category_tree()
    assert len(tree.nodes) >= 35


# --- pages --------------------------------------------------------------------------------------
def test_catalog_lists_all_visible_products(client):
    response = get(client, "/catalog/")
    assert response.status_code == 200
    found = articles(response)
    assert "4711-ABC.12" in found and "HP-1" in found
    assert not {"KH-200", "KH-201"} & set(found)
    assert '<meta name="description" content="The product catalog: 11 products' in html(response)
    # subcategory navigation with subtree counts
    assert re.search(
        r'href="/catalog/fluid-technology/">\s*<span class="subcategories__name">Fluid technology</span> '
        r'<span class="subcategories__count">11 products</span>',
        html(response),
    )


def test_category_page_breadcrumb_subtree_and_structured_data(client):
    response = get(client, "/catalog/fluid-technology/valves/")
    assert response.status_code == 200
    body = html(response)
    assert "<h1>Valves</h1>" in body
    assert set(articles(response)) == {
        "4711-ABC.12",
        "KH-100",
        "KH-101",
        "KH-102",
        "KH-300",
        "VS-15",
        "VS-20",
    }
    assert 'href="/catalog/fluid-technology/valves/ball-valves/"' in body  # subcategory
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1))
    assert ld["@type"] == "BreadcrumbList"
    assert [item["name"] for item in ld["itemListElement"]] == ["Catalog", "Fluid technology", "Valves"]
    assert ld["itemListElement"][-1]["item"] == "http://testserver/catalog/fluid-technology/valves/"
    assert '<meta name="description" content="7 products in Valves' in body
    # the family's key attributes are columns with units
    assert re.search(
        r"<th scope=\"col\">Max. operating pressure <span class=\"results-table__unit\">\(bar\)</span>", body
    )


def test_key_attribute_columns_follow_in_listing(client):
    FamilyAttribute.objects.filter(family__code="valves").update(in_listing=False)
    FamilyAttribute.objects.filter(family__code="valves", attribute__code="body_material").update(
        in_listing=True
    )
    body = html(get(client, BALL))
    assert '<th scope="col">Body material</th>' in body
    assert "Max. operating pressure" not in body[body.index("<thead>") : body.index("</thead>")]
    row = body[body.index(">KH-100</td>") : body.index("</tr>", body.index(">KH-100</td>"))]
    assert 'data-label="Body material">Stainless steel 1.4401</td>' in row


def test_unknown_path_is_404_and_other_language_redirects(client):
    assert get(client, "/catalog/fluid-technology/no-such-thing/").status_code == 404
    response = get(client, de_catalog() + "fluid-technology/valves/ball-valves/", {"q": "brass"})
    assert response.status_code == 301
    assert response["Location"] == f"{de_catalog()}{BALL_DE_SLUGS}?q=brass"
    response = get(client, "/catalog/fluidtechnik/ventile/kugelhaehne/")
    assert response.status_code == 301 and response["Location"] == BALL


def test_german_page_with_hreflang_alternates(client):
    ball_de = de_catalog() + BALL_DE_SLUGS
    response = get(client, ball_de)
    assert response.status_code == 200
    body = html(response)
    assert "<h1>Kugelhähne</h1>" in body
    assert f'<link rel="alternate" hreflang="en" href="http://testserver{BALL}">' in body
    assert f'<link rel="alternate" hreflang="de" href="http://testserver{ball_de}">' in body
    assert 'hreflang="x-default"' in body


def test_every_facet_state_survives_a_reload(client):
    state = [
        ("q", "ball valve"),
        ("filter[approvals]", "atex"),
        ("filter[approvals]", "fda"),
        ("filter[food_grade]", "true"),
        ("filter[max_pressure][gte]", "10 bar"),
        ("filter[max_pressure][lte]", "600 psi"),
        ("filter[temperature_range][from]", "0 °C"),
        ("filter[temperature_range][to]", "100 °C"),
        ("sort", "-attribute:max_pressure"),
    ]
    response = get(client, BALL, state)
    assert response.status_code == 200
    assert articles(response) == ["KH-100", "4711-ABC.12"]
    assert input_value(response, "q") == "ball valve"
    assert checked_values(response, "filter[approvals]") == ["fda", "atex"]  # in option order
    assert checked_values(response, "filter[food_grade]") == ["true"]
    assert input_value(response, "filter[max_pressure][gte]") == "10 bar"
    assert input_value(response, "filter[max_pressure][lte]") == "600 psi"
    assert input_value(response, "filter[temperature_range][from]") == "0 °C"
    assert input_value(response, "filter[temperature_range][to]") == "100 °C"
    assert re.search(r'<option value="-attribute:max_pressure" selected>', html(response))
    # the chips remove one filter each and keep the rest
    chips = re.findall(r'<a class="chip" href="([^"]+)">([^<]+)<', html(response))
    labels = [unescape(label).replace("\xa0", " ").strip() for _url, label in chips]
    assert any(label.startswith("Max. operating pressure 10 bar … 41.3") for label in labels), labels
    pressure_url = unescape(next(url for url, label in chips if label.startswith("Max. operating")))
    assert "filter[max_pressure]" not in pressure_url and "filter[approvals]=fda" in pressure_url
    assert "sort=-attribute:max_pressure" in pressure_url


def test_facet_counts_change_when_a_filter_is_applied(client):
    before = facet_counts(get(client, BALL), "body_material")
    assert before == {"brass": 5, "ss316": 2}  # 4711, KH-101, KH-300, VS-15, VS-20 / KH-100, KH-102
    after = facet_counts(get(client, BALL, {"filter[food_grade]": "true"}), "body_material")
    assert after == {"brass": 1, "ss316": 1}


def test_downloads_facet_and_badges(client):
    response = get(client, BALL, {"downloads": "datasheet"})
    assert articles(response) == ["4711-ABC.12"]
    assert checked_values(response, "downloads") == ["datasheet"]
    row = html(response)[html(response).index(">4711-ABC.12</td>") :]
    assert '<span class="badge badge--download">Datasheet</span>' in row[: row.index("</tr>")]
    cad = get(client, BALL, {"downloads": "cad_3d"})
    assert articles(cad) == ["VS-15", "VS-20"]
    assert 'badge--download">CAD<' in html(cad)


def test_lifecycle_badge_and_sort_by_name(client):
    def names(response):
        return [
            unescape(n)
            for n in re.findall(
                r'results-table__name" data-label="Product"><a href="[^"]+">([^<]+)</a>', html(response)
            )
        ]

    descending = names(get(client, BALL, {"sort": "-name"}))
    ascending = names(get(client, BALL, {"sort": "name"}))
    assert len(descending) == 7
    assert [n.casefold() for n in ascending] == sorted(n.casefold() for n in ascending)
    assert [n.casefold() for n in descending] == sorted((n.casefold() for n in descending), reverse=True)
    body = html(get(client, BALL))
    row = body[body.index(">KH-300</td>") - 400 : body.index(">KH-300</td>")]
    assert '<span class="badge badge--discontinued">Discontinued</span>' in row


def test_zero_results_offer_relaxations(client):
    response = get(client, BALL, {"filter[body_material]": "brass", "filter[max_pressure][gte]": "30 bar"})
    assert response.status_code == 200
    assert articles(response) == []
    body = html(response)
    assert "No products match." in body
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="facet__count">(\d+) product', body)
    assert links, body
    by_label = {unescape(label): (unescape(url), int(count)) for url, label, count in links}
    url, count = by_label["without “Body material: Brass”"]
    assert "body_material" not in url and "filter[max_pressure][gte]=30+bar" in url
    assert count == len(articles(get(client, url)))


def test_cursor_paging_next_previous(client, settings):
    import cms.catalog_views as views

    settings.DEBUG = False
    original = views.PAGE_SIZE
    views.PAGE_SIZE = 4
    try:
        first = get(client, "/catalog/")
        assert len(articles(first)) == 4
        next_url = unescape(re.search(r'<a href="([^"]+)" rel="next">', html(first)).group(1))
        second = client.get(next_url)
        assert second.status_code == 200
        assert not set(articles(second)) & set(articles(first))
        previous = unescape(re.search(r'<a href="([^"]+)" rel="prev">', html(second)).group(1))
        assert articles(client.get(previous)) == articles(first)
        third = client.get(unescape(re.search(r'<a href="([^"]+)" rel="next">', html(second)).group(1)))
        back = unescape(re.search(r'<a href="([^"]+)" rel="prev">', html(third)).group(1))
        assert articles(client.get(back)) == articles(second)
    finally:
        views.PAGE_SIZE = original


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"filter[max_pressure][gte]": "sixteen"}, "filter[max_pressure][gte]", ["sixteen"]),
        ({"filter[max_pressure][gte]": "16 kg"}, "filter[max_pressure][gte]", ["kg"]),
        ({"filter[body_material]": "gold"}, None, ["gold"]),
        ({"filter[nope]": "1"}, None, ["nope"]),
        ({"filter[max_pressure": "1"}, None, ["malformed"]),
        ({"sort": "price"}, None, ["price"]),
        ({"cursor": "!!!"}, None, ["cursor"]),
        ({"family": "unknown-family"}, None, ["unknown-family"]),
        ({"size": "100000"}, None, ["size"]),
    ],
)
def test_bad_input_is_a_400_page_with_the_message(client, params, name, words):
    response = get(client, BALL, params)
    assert response.status_code == 400
    body = unescape(html(response))
    for word in words:
        assert word in body
    assert articles(response)  # the rest of the page still works
    if name:
        assert input_value(response, name) == params[name]  # kept to be corrected
        assert 'aria-invalid="true"' in body


def test_number_error_shows_at_its_facet(client):
    body = unescape(html(get(client, BALL, {"filter[max_pressure][gte]": "16 kg"})))
    start = body.index('data-facet="max_pressure"')
    facet = body[start : body.index("</details>", start)]
    assert 'class="facet__error"' in facet and "kg" in facet


def test_visibility_drafts_never_in_lists_or_counts(client):
    make_product(
        Product.objects.get(article_number="KH-100").family,
        article_number="KH-999",
        name={"en": "Hidden draft"},
        lifecycle=Lifecycle.DRAFT,
    ).categories.set([Category.objects.get(code="ball-valves")])
    response = get(client, BALL)
    assert (
        "KH-999" not in html(response) and "KH-200" not in html(response) and "KH-201" not in html(response)
    )
    home = html(get(client, "/catalog/fluid-technology/"))
    assert '<span class="subcategories__count">7 products</span>' in home
    # unpublishing a visible product removes it from lists and counts at once
    product = Product.objects.get(article_number="KH-100")
    product.live = False
    product.save()
    response = get(client, BALL)
    assert "KH-100" not in articles(response)
    assert '<span class="subcategories__count">6 products</span>' in html(
        get(client, "/catalog/fluid-technology/")
    )


def test_query_less_page_is_cached_and_invalidated(client):
    first = get(client, BALL)
    assert first[page_cache.STATUS_HEADER] == "miss"
    assert get(client, BALL)[page_cache.STATUS_HEADER] == "hit"
    assert get(client, BALL, {"q": "brass"})[page_cache.STATUS_HEADER] == "bypass"
    product = Product.objects.get(article_number="KH-101")
    product.live = False
    product.save()
    again = get(client, BALL)
    assert again[page_cache.STATUS_HEADER] == "miss"
    assert "KH-101" not in articles(again)


def test_partial_answers_the_region_only(client):
    response = get(client, BALL, {"filter[food_grade]": "true", "partial": "1"})
    body = html(response)
    assert body.startswith('<div class="catalog" id="catalog-region"')
    assert "<html" not in body
    assert 'data-status-text="2 products found"' in body


def test_grid_view_link_and_cards(client):
    response = get(client, BALL, {"view": "grid"})
    body = html(response)
    assert '<ul class="results-grid">' in body
    assert '<input type="hidden" name="view" value="grid">' in body  # the form keeps the view


def test_queries_are_bounded_by_page_not_by_data(client, settings, django_capture_on_commit_callbacks):
    """The page's queries do not grow with hits, attributes or values."""
    settings.PIM_PAGE_CACHE_TIMEOUT = 0
    get(client, BALL)  # warm the process caches (schema, tree)
    with CaptureQueriesContext(connection) as few:
        get(client, BALL)
    family = Product.objects.get(article_number="KH-100").family
    ball = Category.objects.get(code="ball-valves")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(25):
            product = make_product(
                family,
                article_number=f"BULK-{n:03d}",
                name={"en": f"Bulk valve {n}"},
                values={
                    "max_pressure": f"{n + 1} bar",
                    "body_material": "brass",
                    "temperature_range": "0 .. 50 °C",
                },
            )
            product.categories.set([ball])
            product.save()
    FamilyAttribute.objects.filter(family=family).update(in_listing=True)
    get(client, BALL)
    with CaptureQueriesContext(connection) as many:
        response = get(client, BALL)
    assert len(articles(response)) == 24
    assert len(many) <= len(few) + 2, [q["sql"][:120] for q in many.captured_queries]
    assert len(many) <= 40


@pytest.mark.django_db
def test_key_attribute_columns_follow_family_edits_at_once():
    """The columns are cached per process under the catalog stamp: a new key attribute, or
    one no longer marked, changes the table at the next request."""
    from cms.catalog_listing import key_attributes
    from pim.catalog.models import Attribute, AttributeType, Family, FamilyAttribute

    family = Family.objects.create(code="cols", name={"en": "Columns"})
    first = Attribute.objects.create(code="col_a", name={"en": "A"}, type=AttributeType.BOOLEAN, filterable=True)
    second = Attribute.objects.create(code="col_b", name={"en": "B"}, type=AttributeType.BOOLEAN)
    FamilyAttribute.objects.create(family=family, attribute=first, sort_order=1)
    assert [fa.attribute.code for fa in key_attributes("cols")] == ["col_a"]
    marked = FamilyAttribute.objects.create(family=family, attribute=second, sort_order=2, in_listing=True)
    assert [fa.attribute.code for fa in key_attributes("cols")] == ["col_b"]
    marked.in_listing = False
    marked.save()
    assert [fa.attribute.code for fa in key_attributes("cols")] == ["col_a"]


@pytest.mark.django_db
def test_results_can_be_added_to_the_comparison_from_the_list(client):
    """Every result offers "Compare": a plain POST that comes back to the list (the page, not
    the fragment the script asks for), and the product is in the visitor's comparison."""
    response = get(client, reverse("cms:catalog"), {"partial": "1", "view": "grid"})
    body = region(response)
    forms = re.findall(
        r'<form id="(compare-\d+)" method="post" action="([^"]+)" data-visitor-form="comparison"[^>]*>'
        r'<input type="hidden" name="article" value="([^"]+)">'
        r'<input type="hidden" name="next" value="([^"]+)"></form>',
        body,
    )
    # forms do not nest: each button belongs to its form, written after the filter form
    assert body.index('id="catalog-form"') < body.index("</form>") < body.index('<form id="compare-1"')
    buttons = re.findall(r'<button type="submit" form="(compare-\d+)"', body)
    assert buttons == [form_id for form_id, *_rest in forms]
    forms = [(action, article, next_url) for _id, action, article, next_url in forms]
    shown = re.findall(r'class="result-card__number" translate="no">([^<]+)<', region(response))
    assert forms and [article for _action, article, _next in forms] == shown
    action, article, next_url = forms[0]
    next_url = unescape(next_url)
    assert "partial" not in next_url and "view=grid" in next_url
    posted = client.post(
        unescape(action), {"article": article, "next": next_url}, HTTP_ORIGIN="http://testserver"
    )
    assert posted.status_code == 302 and posted["Location"] == next_url
    assert article in html(client.get(reverse("cms:compare")))
