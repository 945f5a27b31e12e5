"""Findability: the sitemap index and its paged sections, robots.txt, the favicon, and a walk
over every public page type (one canonical, hreflang en/de/x-default answering 200, a meta
description, one h1, JSON-LD that parses)."""

import datetime
import json
import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from cms import seo
from pim.catalog.models import ProductModel
from tests.cms.test_application_pages import make_pages
from tests.factories import make_category_shelf, make_product, make_valve_family

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture
def shelf():
    return make_category_shelf(make_valve_family())


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def section_urls(client, section: str) -> list[str]:
    """Every <loc> of every page of a section, following the index."""
    index = xml(client, "/sitemap.xml")
    locs = []
    for loc in index.xpath("//s:sitemap/s:loc/text()", namespaces=NS):
        if f"/sitemap-{section}.xml" in loc:
            locs += xml(client, local(loc)).xpath("//s:url/s:loc/text()", namespaces=NS)
    return [local(loc) for loc in locs]


# --- sitemaps ------------------------------------------------------------------------------------


def test_index_lists_every_page_of_every_section(client, shelf, monkeypatch):
    monkeypatch.setattr("cms.seo_views.sitemaps", lambda: seo.sitemaps(limit=2))
    index = xml(client, "/sitemap.xml")
    locs = [local(loc) for loc in index.xpath("//s:sitemap/s:loc/text()", namespaces=NS)]
    # 4 visible products (V-1, S-1, S-2, P-1) at 2 per file: two product files.
    assert "/sitemap-products.xml" in locs and "/sitemap-products.xml?p=2" in locs
    assert "/sitemap-products.xml?p=3" not in locs
    for section in ("pages", "categories", "series"):
        assert f"/sitemap-{section}.xml" in locs
    for loc in locs:
        urlset = xml(client, loc)
        # limit = items per file, each item once per language: at most 2 × 2 URLs.
        assert 0 < len(urlset.xpath("//s:url", namespaces=NS)) <= 4, loc
    assert client.get("/sitemap-products.xml?p=3").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_default_limit_is_50000_urls_per_file():
    for sitemap in seo.sitemaps().values():
        assert sitemap.limit * len(seo.site_languages()) <= 50_000


def test_products_in_both_languages_with_alternates_and_lastmod(client, shelf):
    urlset = xml(client, "/sitemap-products.xml")
    entry = urlset.xpath("//s:url[s:loc='http://testserver/products/V-1/']", namespaces=NS)[0]
    alternates = {link.get("hreflang"): link.get("href") for link in entry.xpath("x:link", namespaces=NS)}
    assert alternates == {
        "en": "http://testserver/products/V-1/",
        "de": "http://testserver/de/produkte/V-1/",
        "x-default": "http://testserver/products/V-1/",
    }
    lastmod = entry.xpath("s:lastmod/text()", namespaces=NS)[0]
    assert lastmod.startswith(shelf["valve"].updated_at.date().isoformat()[:4])
    assert "http://testserver/de/produkte/V-1/" in urlset.xpath("//s:url/s:loc/text()", namespaces=NS)


def test_only_publicly_visible_products_and_live_series_are_listed(client, shelf):
    family = shelf["series"].family
    make_product(family, article_number="DRAFT-1", live=False)
    # Scheduled for tomorrow: Wagtail keeps it unpublished until then.
    make_product(
        family, article_number="FUTURE-1", live=False, go_live_at=timezone.now() + datetime.timedelta(days=1)
    )
    make_product(family, article_number="OLD-DRAFT", lifecycle="draft")
    hidden_series = ProductModel.objects.create(code="HS", name={"en": "Hidden"}, family=family, live=False)
    make_product(family, article_number="HS-1", product_model=hidden_series)

    products = section_urls(client, "products")
    assert sorted(p for p in products if not p.startswith("/de/")) == [
        "/products/P-1/",
        "/products/S-1/",
        "/products/S-2/",
        "/products/V-1/",
    ]
    assert sorted(section_urls(client, "series")) == ["/de/baureihe/S/", "/series/S/"]

    # A series without a visible variant is no page either.
    for variant in (shelf["variant"], shelf["variant_in_pumps"]):
        variant.live = False
        variant.save()
    assert section_urls(client, "series") == []


def test_categories_with_visible_products_are_listed_in_both_languages(client, shelf):
    from pim.catalog.models import Category

    Category.objects.create(code="empty", name={"en": "Empty"})
    categories = section_urls(client, "categories")
    assert "/catalog/fluid/valves/ball-valves/" in categories
    assert any(url.startswith("/de/") for url in categories)
    assert not any("empty" in url for url in categories)
    for url in categories:
        assert client.get(url).status_code == 200, url


def test_pages_section_lists_home_entry_pages_and_application_translations(client, shelf):
    make_pages()
    pages = section_urls(client, "pages")
    for expected in ("/", "/de/", "/catalog/", "/download-center/"):
        assert expected in pages
    application = [url for url in pages if "food-and-beverage" in url or "lebensmittel" in url]
    assert application == ["/applications/food-and-beverage/", "/de/anwendungen/lebensmittel-und-getraenke/"]
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_product_sitemap_queries_do_not_grow_with_the_catalog(client, shelf):
    family = shelf["series"].family

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get("/sitemap-products.xml")
            client.get("/sitemap.xml")
        return len(captured)

    before = queries()
    for number in range(30):
        make_product(family, article_number=f"MANY-{number}")
    assert queries() == before


# --- robots.txt and favicon ----------------------------------------------------------------------


def test_robots_txt(client, settings):
    settings.PIM_BASE_URL = "https://catalog.example.com"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")}
    for path in ("/admin/", "/compare/", "/selection/", "/search/", "/suggest/", "/exports/", "/inquiry/"):
        assert path in disallowed
    assert "/de/compare/" in disallowed or "/de/vergleich/" in disallowed
    assert {"/notices/subscribe/", "/notices/manage/"} <= disallowed
    assert not any(path.startswith("/downloads/") and "zip" not in path for path in disallowed)
    assert "Sitemap: https://catalog.example.com/sitemap.xml" in lines


def test_favicon_is_a_real_icon_with_long_cache(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert "max-age=2592000" in response["Cache-Control"]
    again = client.get("/favicon.ico", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


# --- every page type -----------------------------------------------------------------------------


@pytest.fixture
def site(database_search, shelf):
    """One page of every public type, with data (indexed as it is created: database_search
    comes first)."""
    application = make_pages(shelf["ball"])
    return {
        "home": "/",
        "product": "/products/V-1/",
        "catalog": "/catalog/",
        "category": "/catalog/fluid/valves/",
        "series": "/series/S/",
        "application index": application.get_parent().url,
        "application": application.url,
        "download center": "/download-center/",
        "compare": "/compare/?p=V-1&p=P-1",
        "not found": "/no-such-page/",
    }


PAGE_TYPES = [
    "home",
    "product",
    "catalog",
    "category",
    "series",
    "application index",
    "application",
    "download center",
    "compare",
]


def soup_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, f"{url}: {response.status_code}"
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_type_is_findable(client, site, page_type):
    url = site[page_type]
    page = soup_of(client, url)

    canonicals = page.select('link[rel="canonical"]')
    assert len(canonicals) == 1, f"{page_type}: {len(canonicals)} canonical links"
    assert urlsplit(canonicals[0]["href"]).scheme in ("http", "https")

    alternates = {link["hreflang"]: link["href"] for link in page.select('link[rel="alternate"][hreflang]')}
    assert {"en", "de", "x-default"} <= set(alternates), f"{page_type}: hreflang {sorted(alternates)}"
    assert alternates["x-default"] == alternates["en"]
    for language, href in alternates.items():
        alternate = soup_of(client, local(href))
        assert alternate.html.get("lang") == ("en" if language == "x-default" else language), href

    description = page.select('meta[name="description"]')
    assert len(description) == 1 and description[0]["content"].strip(), f"{page_type}: meta description"
    assert len(page.select("h1")) == 1, f"{page_type}: {len(page.select('h1'))} h1"
    for script in page.select('script[type="application/ld+json"]'):
        data = json.loads(script.string)
        assert data.get("@context", "").startswith("https://schema.org"), page_type


def test_not_found_page_has_a_description_and_is_not_indexed(client, site):
    page = soup_of(client, site["not found"], status=404)
    assert page.select_one('meta[name="description"]')["content"].strip()
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"
    assert len(page.select("h1")) == 1


def test_home_page_description_falls_back_to_the_intro_then_a_sentence(client, shelf):
    from cms.models import HomePage

    home = HomePage.objects.get()
    home.search_description, home.intro = "", "<p>Valves and <b>fittings</b> for engineers.</p>"
    home.save_revision().publish()
    description = soup_of(client, "/").select_one('meta[name="description"]')["content"]
    assert description == "Valves and fittings for engineers."
    home.intro = ""
    home.save_revision().publish()
    description = soup_of(client, "/").select_one('meta[name="description"]')["content"]
    assert re.search(r"article number", description)
    home.search_description = "Our catalog."
    home.save_revision().publish()
    assert soup_of(client, "/").select_one('meta[name="description"]')["content"] == "Our catalog."
