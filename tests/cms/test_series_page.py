"""The public series page with its configurator (cms/series_views.py)."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cms import page_cache
from pim.assets.services import link_asset
from pim.catalog.models import Attribute, Category, Lifecycle, ProductModel
from pim.catalog.values import set_values
from tests.factories import make_pdf_asset, make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


def make_series(family, *, code="BV", axes=("nominal_size", "body_material"), live=True):
    series = ProductModel.objects.create(
        code=code,
        name={"en": "Ball valve BV", "de": "Kugelhahn BV"},
        short_description={
            "en": "Full bore ball valves for water and air.",
            "de": "Kugelhähne mit vollem Durchgang.",
        },
        family=family,
        live=live,
    )
    set_values(series, {"max_pressure": "40 bar", "body_material": "brass"}, family)
    series.save()
    series.axes.set(Attribute.objects.filter(code__in=axes))
    series.save()
    return series


def variant(family, series, article, size, material=None, **fields):
    values = {"nominal_size": size}
    if material:
        values["body_material"] = material
    return make_product(
        family, article_number=article, product_model=series, name={}, values=values, **fields
    )


@pytest.fixture
def series(family):
    series = make_series(family)
    ball = Category.objects.create(code="ball-valves", name={"en": "Ball valves", "de": "Kugelhähne"})
    series.categories.set([ball])
    series.save()
    variant(family, series, "BV-15-MS", "15 mm")
    variant(family, series, "BV-20-MS", "20 mm")
    variant(family, series, "BV-15-SS", "15 mm", "ss316")
    variant(family, series, "BV-25-SS", "25 mm", "ss316")
    variant(family, series, "BV-40-SS", "40 mm", "ss316", live=False)
    variant(family, series, "BV-50-SS", "50 mm", "ss316", lifecycle=Lifecycle.DRAFT)
    return series


def page(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


def radio(html, axis, key):
    """The <label class="choice"> around the radio of ``axis`` = ``key``."""
    match = re.search(
        rf'<label class="choice[^"]*">\s*<input type="radio" name="{axis}" value="{re.escape(key)}"[^>]*>.*?</label>',
        html,
        re.S,
    )
    assert match, f"no radio {axis}={key}"
    return match.group(0)


def rows(html):
    """Article numbers of the variant table."""
    table = re.search(
        r'<table class="data-table data-table--columns series-variants">(.*?)</table>', html, re.S
    )
    return (
        re.findall(r'<th scope="row"><a href="/products/[^"]+/" translate="no">([^<]+)</a>', table.group(1))
        if table
        else []
    )


def structured(html):
    return [
        json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def test_series_page_shows_the_series_and_its_configurator(client, series):
    html = page(client, "/series/BV/")
    assert "<h1>Ball valve BV</h1>" in html
    assert '<meta name="description" content="Full bore ball valves for water and air.">' in html
    assert '<link rel="canonical" href="http://testserver/series/BV/">' in html
    assert f'hreflang="de" href="http://testserver{german_path("BV")}"' in html
    # Axes in family order, one fieldset each, with the values of the visible variants.
    assert html.index('data-axis="body_material"') < html.index('data-axis="nominal_size"')
    assert "<legend>Body material</legend>" in html
    assert "2 variants" in radio(html, "body_material", "brass")
    assert "1 variant<" in radio(html, "nominal_size", "0.025")
    assert "15\xa0mm" in radio(html, "nominal_size", "0.015")
    assert rows(html) == ["BV-15-MS", "BV-20-MS", "BV-15-SS", "BV-25-SS"]
    assert "4 of 4 variants match." in html
    # The series' own values shared by all variants (not the axes).
    assert re.search(
        r'<tr data-attribute="max_pressure"><th scope="row">Max. operating pressure</th><td>40\xa0bar</td>',
        html,
    )
    assert 'data-attribute="body_material"' not in html
    assert "Reset choices" not in html
    # A draft or unpublished variant never appears, not even as a value.
    for hidden in ("BV-40-SS", "BV-50-SS", "40\xa0mm", "50\xa0mm", "0.04"):
        assert hidden not in html


def test_structured_data_and_breadcrumb(client, series):
    html = page(client, "/series/BV/")
    group, breadcrumb = structured(html)
    assert group["@type"] == "ProductGroup"
    assert group["productGroupID"] == "BV"
    assert group["variesBy"] == ["Body material", "Nominal size"]
    assert [v["sku"] for v in group["hasVariant"]] == ["BV-15-MS", "BV-20-MS", "BV-15-SS", "BV-25-SS"]
    assert group["hasVariant"][0]["url"] == "http://testserver/products/BV-15-MS/"
    assert breadcrumb["@type"] == "BreadcrumbList"
    assert [item["name"] for item in breadcrumb["itemListElement"]] == [
        "Home",
        "Ball valves",
        "Ball valve BV",
    ]
    assert breadcrumb["itemListElement"][1]["item"] == "http://testserver/catalog/ball-valves/"
    assert breadcrumb["itemListElement"][-1]["item"] == "http://testserver/series/BV/"
    assert '<li><a href="/catalog/ball-valves/">Ball valves</a></li>' in html


def german_path(code):
    # The path words are translated ("series/" may become "serie/" in German).
    with translation.override("de"):
        return reverse("cms:series", kwargs={"code": code})


def test_german_page(client, series):
    html = page(client, german_path("BV"))
    assert "<h1>Kugelhahn BV</h1>" in html
    assert "Messing" in radio(html, "body_material", "brass")
    # The breadcrumb links the German catalog page of the category.
    assert re.search(r'<li><a href="/de/[^"]+/kugelhaehne/">Kugelhähne</a></li>', html)


def test_choosing_narrows_and_disables_values_without_variants(client, series):
    html = page(client, "/series/BV/?body_material=ss316")
    assert "checked" in radio(html, "body_material", "ss316")
    assert rows(html) == ["BV-15-SS", "BV-25-SS"]
    assert "2 of 4 variants match." in html
    twenty = radio(html, "nominal_size", "0.02")
    assert " disabled" in twenty and "not with your other choices" in twenty
    assert " disabled" not in radio(html, "nominal_size", "0.025")
    # The other value of the chosen axis stays open: the visitor may switch.
    assert " disabled" not in radio(html, "body_material", "brass")
    assert '<a class="button button--secondary" href="/series/BV/">Reset choices</a>' in html
    assert "data-configurator-result" not in html
    # The canonical URL is the series without the choice.
    assert '<link rel="canonical" href="http://testserver/series/BV/">' in html


def test_one_remaining_variant_is_the_result(client, series):
    html = page(client, "/series/BV/?body_material=ss316&nominal_size=0.025")
    assert "1 of 4 variants matches." in html
    result = re.search(r"<section class=\"series-result\".*?</section>", html, re.S).group(0)
    assert '<p class="series-result__number" translate="no">BV-25-SS</p>' in result
    assert '<a class="button" href="/products/BV-25-SS/">Go to the product page</a>' in result


def test_inherited_value_narrows_too(client, series):
    # Brass is the series' value; the brass variants have no material of their own.
    html = page(client, "/series/BV/?body_material=brass&nominal_size=0.02")
    assert '<p class="series-result__number" translate="no">BV-20-MS</p>' in html
    # The one article is the result box; the table of remaining variants is left out.
    assert rows(html) == []


def test_bad_choices_get_a_message_not_an_error(client, series):
    html = page(client, "/series/BV/?body_material=gold&nominal_size=abc", status=400)
    assert (
        "“gold” is not a value of “Body material” in this series; choose one of: Brass, Stainless steel 1.4401."
        in html
    )
    assert "“abc” is not a value of “Nominal size”" in html
    assert 'role="alert"' in html
    # The rest of the page works: all variants, the choice left open.
    assert len(rows(html)) == 4
    html = page(client, "/series/BV/?body_material=brass&body_material=ss316", status=400)
    assert "Choose one value for “Body material”, not 2" in html
    html = page(client, "/series/BV/?body_material=brass&nominal_size=0.025", status=400)
    assert "No variant of this series combines Body material Brass, Nominal size 25\xa0mm." in html
    assert rows(html) == []


def test_other_parameters_are_ignored_and_empty_choices_redirect(client, series):
    assert rows(page(client, "/series/BV/?utm_source=x&body_material=brass")) == ["BV-15-MS", "BV-20-MS"]
    response = client.get("/series/BV/?body_material=&nominal_size=0.015")
    assert response.status_code == 302
    assert response["Location"] == "/series/BV/?nominal_size=0.015"
    response = client.get("/series/BV/?body_material=&nominal_size=")
    assert response["Location"] == "/series/BV/"


def test_unpublished_or_empty_series_is_404(client, family, series):
    assert client.get("/series/NOPE/").status_code == 404
    draft = make_series(family, code="DRAFT", live=False)
    variant(family, draft, "D-1", "10 mm")
    assert client.get("/series/DRAFT/").status_code == 404
    hidden_only = make_series(family, code="HIDDEN")
    variant(family, hidden_only, "H-1", "10 mm", live=False)
    assert client.get("/series/HIDDEN/").status_code == 404
    series.unpublish()
    assert client.get("/series/BV/").status_code == 404


def test_discontinued_variant_names_its_successor(client, family, series):
    successor = variant(family, series, "BV-30-SS", "30 mm", "ss316")
    old = variant(family, series, "BV-32-SS", "32 mm", "ss316", lifecycle=Lifecycle.DISCONTINUED)
    old.successor = successor
    old.save()
    successor_link = 'Successor: <a href="/products/BV-30-SS/" translate="no">BV-30-SS</a>'
    html = page(client, "/series/BV/")
    row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/products/BV-32-SS/\".*?</tr>", html, re.S).group(0)
    assert '<span class="badge badge--discontinued">Discontinued</span>' in row
    assert successor_link in row
    html = page(client, "/series/BV/?nominal_size=0.032")
    result = re.search(r"<section class=\"series-result\".*?</section>", html, re.S).group(0)
    assert '<span class="badge badge--discontinued">Discontinued</span>' in result
    assert successor_link in result
    # A hidden successor is not named.
    successor.unpublish()
    html = page(client, "/series/BV/?nominal_size=0.032")
    assert "Successor:" not in html and "BV-30-SS" not in html


def test_series_downloads_are_the_series_own_public_assets(client, family, series):
    manual = make_pdf_asset("BV operating manual", kind="manual")
    link_asset(manual, series)
    own = make_pdf_asset("BV-15-MS drawing", kind="certificate")
    link_asset(own, series.variants.get(article_number="BV-15-MS"))
    private = make_pdf_asset("BV internal", kind="manual", public=False)
    link_asset(private, series)
    html = page(client, "/series/BV/")
    assert "Downloads for the series" in html
    assert "BV operating manual" in html
    assert f'href="/downloads/{manual.pk}/' in html
    assert "BV-15-MS drawing" not in html
    assert "BV internal" not in html


def test_query_count_does_not_grow_with_variants_or_axes(client, family):
    def count(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    small = make_series(family, code="SMALL", axes=("nominal_size",))
    variant(family, small, "S-1", "1 mm")
    large = make_series(
        family, code="LARGE", axes=("nominal_size", "body_material", "food_grade", "max_pressure")
    )
    for index in range(15):
        make_product(
            family,
            article_number=f"L-{index}",
            product_model=large,
            values={
                "nominal_size": f"{index % 5 + 1} mm",
                "body_material": "ss316" if index % 2 else "brass",
                "food_grade": index % 3 == 0,
                "max_pressure": f"{10 + index} bar",
            },
        )
    category = Category.objects.create(code="valves", name={"en": "Valves"})
    for code in ("SMALL", "LARGE"):
        model = ProductModel.objects.get(code=code)
        link_asset(make_pdf_asset(f"{code} manual", kind="manual"), model)
        model.categories.set([category])
        model.save()
    client.get("/series/SMALL/?nominal_size=0.001")  # Wagtail's site lookup is cached after the first page
    assert count("/series/LARGE/?nominal_size=0.001") == count("/series/SMALL/?nominal_size=0.001")
    assert count("/series/LARGE/") == count("/series/SMALL/")
    # series, axes, categories, family attributes (+ units), series values, variants (+ values),
    # the variant's categories, asset links, overridden attributes (the category tree is
    # cached; + the variant ids for the cache stamps on a query-less miss)
    assert count("/series/SMALL/?nominal_size=0.001") <= 11


def test_query_less_page_is_cached_and_renewed_by_variant_edits(client, family, series):
    assert client.get("/series/BV/")[page_cache.STATUS_HEADER] == "miss"
    with CaptureQueriesContext(connection) as captured:
        hit = client.get("/series/BV/")
    assert hit[page_cache.STATUS_HEADER] == "hit"
    assert len(captured) == 0
    # A choice is never cached.
    assert client.get("/series/BV/?body_material=brass")[page_cache.STATUS_HEADER] == "bypass"

    # A value edit of one variant.
    product = series.variants.get(article_number="BV-25-SS")
    set_values(product, {"nominal_size": "26 mm", "body_material": "ss316"})
    product.save()
    response = client.get("/series/BV/")
    assert response[page_cache.STATUS_HEADER] == "miss"
    assert "26\xa0mm" in response.content.decode()

    # A hidden variant becoming public.
    hidden = series.variants.get(article_number="BV-40-SS")
    client.get("/series/BV/")
    hidden.save_revision().publish()
    assert "BV-40-SS" in page(client, "/series/BV/")

    # A new variant of the series.
    client.get("/series/BV/")
    variant(family, series, "BV-60-SS", "60 mm", "ss316")
    assert "BV-60-SS" in page(client, "/series/BV/")

    # The series itself.
    client.get("/series/BV/")
    series.name = {"en": "Ball valve BV (new)"}
    series.save()
    assert "<h1>Ball valve BV (new)</h1>" in page(client, "/series/BV/")

    # A download attached to the series.
    client.get("/series/BV/")
    link_asset(make_pdf_asset("BV operating manual", kind="manual"), series)
    assert "BV operating manual" in page(client, "/series/BV/")

    # A variant's lifecycle: no longer public.
    client.get("/series/BV/")
    product.unpublish()
    assert "BV-25-SS" not in page(client, "/series/BV/")
