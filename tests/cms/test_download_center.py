"""The download center finds public documents by article number, name, type and language, and
offers exactly what the download rule allows."""

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pim.assets import samples
from pim.assets.services import create_asset, link_asset
from pim.catalog.models import Category, ProductModel
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

URL = "/download-center/"


def add(target, kind, title, *, languages=(), filename=None, content=None, **options):
    if content is None:
        if kind in ("cad_3d",):
            content, filename = samples.step_box(title), filename or f"{title}.step"
        elif kind == "cad_2d":
            content, filename = samples.dxf_rectangle(), filename or f"{title}.dxf"
        else:
            content, filename = samples.simple_pdf(title, [title]), filename or f"{title}.pdf"
    asset = create_asset(
        ContentFile(content, name=filename), kind=kind, title={"en": title}, languages=languages, **options
    ).asset
    for item in target if isinstance(target, list | tuple) else [target]:
        link_asset(asset, item)
    return asset


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def shelf(family):
    """A valve with a manual (en), a STEP model and a German certificate; a pump with its own
    manual; a draft product, a non-public and a future asset that must never appear."""
    valve = make_product(
        family, article_number="HSB-530/M16x65-88", name={"en": "Safety valve", "de": "Sicherheitsventil"}
    )
    pump = make_product(family, article_number="P-100", name={"en": "Gear pump", "de": "Zahnradpumpe"})
    draft = make_product(family, article_number="D-1", name={"en": "Secret valve"}, live=False)
    return {
        "valve": valve,
        "pump": pump,
        "draft": draft,
        "manual": add(valve, "manual", "Valve operating manual", languages=["en"]),
        "step": add(valve, "cad_3d", "Valve 3D model"),
        "certificate": add(valve, "certificate", "Valve TUV certificate", languages=["de"]),
        "pump_manual": add(pump, "manual", "Pump operating manual", languages=["en", "de"]),
        "draft_only": add(draft, "manual", "Draft only manual", languages=["en"]),
        "internal": add(valve, "cad_3d", "Internal model", public=False),
        "future": add(
            valve, "manual", "Future manual", valid_from=timezone.localdate() + datetime.timedelta(days=3)
        ),
        "image": add(valve, "image", "Valve photo", content=samples.picture("v"), filename="v.png"),
    }


def page(client, **params):
    response = client.get(URL, params)
    return response, BeautifulSoup(response.content.decode(), "html.parser")


def titles(soup) -> list[str]:
    return [node.get_text(strip=True) for node in soup.select(".download-item__title")]


def test_query_less_page_lists_public_documents_only_and_is_cached(client, shelf, settings):
    settings.PIM_PAGE_CACHE_TIMEOUT = 60
    response, soup = page(client)
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "miss"
    listed = set(titles(soup))
    assert listed == {
        "Valve operating manual",
        "Valve 3D model",
        "Valve TUV certificate",
        "Pump operating manual",
    }
    # Draft product's file, non-public, future-valid assets and images are never offered.
    html = response.content.decode()
    for hidden in ("Draft only manual", "Internal model", "Future manual", "Valve photo", "D-1"):
        assert hidden not in html
    assert soup.select_one('meta[name="description"]')["content"]
    assert not soup.select_one('meta[name="robots"]')
    assert client.get(URL)["X-Page-Cache"] == "hit"


def test_every_listed_link_downloads(client, shelf):
    _response, soup = page(client)
    links = [a["href"] for a in soup.select(".download-item__link")]
    assert len(links) == 4
    for href in links:
        response = client.get(href)
        assert response.status_code == 200, href
        assert b"".join(response.streaming_content) if response.streaming else response.content


def test_loosely_typed_article_number_lists_the_product_with_generated_datasheets(client, shelf):
    response, soup = page(client, q="hsb530m16x6588")
    assert response.status_code == 200
    heading = soup.select_one("#download-results-heading").get_text(" ", strip=True)
    assert "HSB-530/M16x65-88" in heading
    listed = titles(soup)
    assert listed[:2] == ["Datasheet (generated from the product data)"] * 2  # en and de
    assert set(listed[2:]) == {"Valve operating manual", "Valve 3D model", "Valve TUV certificate"}
    hrefs = [a["href"] for a in soup.select(".download-item__link")]
    assert "/downloads/products/HSB-530-M16x65-88/datasheet-en.pdf" in hrefs
    assert "/downloads/products/HSB-530-M16x65-88/datasheet-de.pdf" in hrefs
    for href in hrefs:
        assert client.get(href).status_code == 200, href
    assert soup.select_one('a[href$="documents.zip"]')
    assert soup.select_one('meta[name="robots"]')["content"] == "noindex, follow"


def test_draft_article_number_finds_nothing(client, shelf):
    response, soup = page(client, q="D-1")
    assert response.status_code == 200
    assert titles(soup) == []
    assert "Draft only manual" not in response.content.decode()
    assert soup.select_one(".download-empty")


def test_product_name_finds_its_documents_and_names_the_products(client, shelf):
    _response, soup = page(client, q="gear pump")
    assert titles(soup) == ["Pump operating manual"]
    assert [a.get_text(" ", strip=True) for a in soup.select(".download-matches a")] == ["P-100 Gear pump"]
    owner = soup.select_one(".download-item__owners a")
    assert owner["href"] == "/products/P-100/"
    # German name, umlauts and all.
    _response, soup = page(client, q="Zahnradpumpe")
    assert titles(soup) == ["Pump operating manual"]


def test_article_number_prefix_and_asset_title_match(client, shelf):
    _response, soup = page(client, q="hsb-530")  # the beginning of a number: a list
    assert set(titles(soup)) == {"Valve operating manual", "Valve 3D model", "Valve TUV certificate"}
    _response, soup = page(client, q="TUV certificate")
    assert titles(soup) == ["Valve TUV certificate"]


def test_document_type_and_language_filters(client, shelf):
    _response, soup = page(client, kind="manual")
    assert set(titles(soup)) == {"Valve operating manual", "Pump operating manual"}
    _response, soup = page(client, language="de")
    # German documents and language-neutral ones (CAD), not English-only manuals.
    assert set(titles(soup)) == {"Valve TUV certificate", "Pump operating manual", "Valve 3D model"}
    _response, soup = page(client, kind="manual", language="de")
    assert titles(soup) == ["Pump operating manual"]
    _response, soup = page(client, q="hsb530m16x6588", kind="cad_3d")
    assert titles(soup) == ["Valve 3D model"]
    facts = soup.select_one(".download-item__facts").get_text(" ", strip=True)
    assert "3D CAD model" in facts and "(.step)" in facts and "language-neutral" in facts


def test_series_and_category_documents_name_their_series_and_category(client, family):
    series = ProductModel.objects.create(
        code="KV", name={"en": "Check valve series"}, family=family, live=True
    )
    variant = make_product(family, article_number="KV-1", product_model=series)
    category = Category.objects.create(code="valves", name={"en": "Valves"})
    variant.categories.set([category])
    variant.save()
    add(series, "cad_2d", "Series drawing")
    add(category, "certificate", "Pressure equipment certificate", languages=["en"])

    _response, soup = page(client)
    owners = {
        item.select_one(".download-item__title").get_text(strip=True): item.select_one(
            ".download-item__owners"
        ).get_text(" ", strip=True)
        for item in soup.select(".download-item")
    }
    assert "Check valve series" in owners["Series drawing"]
    assert "Valves" in owners["Pressure equipment certificate"]
    _response, soup = page(client, q="check valve series")
    assert titles(soup) == ["Series drawing"]

    # The series taken offline: its documents go with it.
    series.live = False
    series.save()
    _response, soup = page(client)
    assert titles(soup) == []


def test_zero_results_suggest_which_filter_to_drop(client, shelf):
    response, soup = page(client, q="no such thing", kind="software")
    assert response.status_code == 200
    assert soup.select_one(".download-empty")
    hrefs = [a["href"] for a in soup.select(".download-empty li a")]
    assert "/download-center/?kind=software" in hrefs  # without the text
    assert "/download-center/?q=no+such+thing" in hrefs  # all document types


def test_bad_input_is_a_400_naming_the_parameter(client, shelf):
    for params, word in [
        ({"kind": "photos"}, "kind"),
        ({"page": "x"}, "page"),
        ({"language": "<b>"}, "language"),
    ]:
        response, soup = page(client, **params)
        assert response.status_code == 400, params
        message = soup.select_one(".download-errors").get_text(" ", strip=True)
        assert f"parameter {word}" in message
        assert soup.select_one("form.download-search")


def test_paging(client, family, settings, monkeypatch):
    monkeypatch.setattr("cms.download_views.PAGE_SIZE", 3)
    product = make_product(family, article_number="M-1")
    for number in range(7):
        add(product, "manual", f"Manual {number}", languages=["en"])
    seen = []
    url = URL
    for _page in range(3):
        soup = BeautifulSoup(client.get(url).content.decode(), "html.parser")
        seen += titles(soup)
        following = soup.select_one('a[rel="next"]')
        if following is None:
            break
        url = following["href"]
    assert sorted(seen) == [f"Manual {n}" for n in range(7)]
    assert re.search(r"page=3", url)
    assert not soup.select_one('a[rel="next"]') and soup.select_one('a[rel="prev"]')


def test_queries_are_bounded_by_page_not_by_links_or_assets(client, family, settings):
    settings.PIM_PAGE_CACHE_TIMEOUT = 0  # count the page's own queries, not cache hits

    def count_queries(**params):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, params).status_code == 200
        return len(queries)

    products = [make_product(family, article_number=f"Q-{n}", name={"en": "Quiet valve"}) for n in range(2)]
    add(products, "manual", "Quiet manual", languages=["en"])
    client.get("/")  # Wagtail reads the site root once per process
    small = count_queries(), count_queries(q="quiet"), count_queries(q="Q-0")

    more = [make_product(family, article_number=f"Q-{n}", name={"en": "Quiet valve"}) for n in range(2, 12)]
    for number in range(8):
        add(products + more, "manual", f"Quiet manual {number}", languages=["en"])
    large = count_queries(), count_queries(q="quiet"), count_queries(q="Q-0")
    assert large == small
    assert max(large) <= 12
