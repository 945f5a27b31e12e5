"""The catalog page answered by Elasticsearch shows what the database backend shows: the same
hits in the same order, totals, facet counts and data ranges, chips and paging, for the same
URL (text, filters of every kind, downloads, sort, cursor paging, category pages).

Elasticsearch comes from tests/search/conftest.py's fixtures (a unique index prefix; locally
the tests skip without Java or ELASTICSEARCH_URL, under CI=true they must run).
"""

import re

import pytest

from pim.search import backends as search_backends
from tests.search.catalog_data import build_catalog, delete_catalog
from tests.search.conftest import elasticsearch_url, es_index_prefix, make_es_backend  # noqa: F401

pytestmark = pytest.mark.django_db

BALL = "/catalog/fluid-technology/valves/ball-valves/"

URLS = [
    "/catalog/?size=5",
    "/catalog/?q=valve",
    "/catalog/?q=kugelhahn&size=3",
    BALL,
    BALL + "?filter[food_grade]=true",
    BALL + "?filter[body_material]=ss316&filter[body_material]=brass",
    BALL + "?filter[max_pressure][gte]=232 psi",
    BALL + "?filter[max_pressure][gte]=10 bar&filter[max_pressure][lte]=30 bar",
    BALL + "?filter[temperature_range][from]=-10 °C&filter[temperature_range][to]=120 °C",
    BALL + "?filter[temperature_range][from]=150 °C",
    BALL + "?filter[approvals]=fda&sort=-name",
    BALL + "?sort=-attribute:max_pressure&size=3",
    "/catalog/?downloads=datasheet",
    "/catalog/?downloads=cad_3d&downloads=datasheet&sort=name",
    "/catalog/?lifecycle=active&size=4",
    "/catalog/?category=ball-valves&filter[food_grade]=false",
    "/catalog/fluid-technology/?q=pump&sort=name",
    BALL + "?filter[max_pressure][gte]=1000 bar",  # nothing: relaxations are suggested
]


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    """The search tests' catalog (valves, pumps, a series, downloads), committed for the module,
    indexed in the database."""
    from django.test import override_settings

    from pim.search import indexing, schema

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("es-catalog")):
        delete_catalog()
        products = build_catalog()
        indexing.rebuild("database")
    schema.clear()
    yield products
    with django_db_blocker.unblock():
        delete_catalog()
    schema.clear()


@pytest.fixture(scope="module")
def elasticsearch(catalog, elasticsearch_url, es_index_prefix, django_db_blocker):  # noqa: F811
    from pim.search.indexing import document_batches

    es = make_es_backend(elasticsearch_url, f"{es_index_prefix}-catalog-page")
    with django_db_blocker.unblock():
        es.rebuild(document_batches(100))
    yield es
    es.drop()


@pytest.fixture
def pages(client, settings, elasticsearch):
    """``pages(url)``: the page answered by each backend, as ``{"database": …, "elasticsearch": …}``."""
    from pim.search import schema
    from pim.search.backends.database import DatabaseSearchBackend

    settings.PIM_PAGE_CACHE_TIMEOUT = 0  # every answer is computed, never a cached copy
    instances = {"database": DatabaseSearchBackend(), "elasticsearch": elasticsearch}

    def fetch(url):
        answers = {}
        for name, backend in instances.items():
            settings.PIM_SEARCH_BACKEND = name
            search_backends.reset_backends()
            search_backends._instances[name] = backend
            schema.clear()
            calls = []
            original = backend.search
            backend.search = lambda query, calls=calls, original=original: calls.append(query) or original(query)
            try:
                response = client.get(url)
            finally:
                del backend.search  # the instance attribute; the class's method again
            assert response.status_code == 200, (name, url, response.status_code)
            assert calls, f"the {name} backend did not answer {url}"
            answers[name] = response
        return answers

    yield fetch
    search_backends.reset_backends()


def summary(response) -> dict:
    """What the page shows from the search: hits in order, total, facets with counts and data
    ranges, applied filters, and whether there is a next page."""
    result = response.context["result"]
    return {
        "hits": [hit.article_number for hit in result.hits],
        "total": result.total,
        "facets": [
            (
                facet.attribute,
                facet.kind,
                facet.selected,
                [(option.value, option.count, option.selected) for option in facet.options],
                None if facet.min is None else round(facet.min, 6),
                None if facet.max is None else round(facet.max, 6),
            )
            for facet in result.facets
        ],
        "applied": [(applied.kind, str(applied.label)) for applied in result.applied_filters],
        "next": bool(result.next_cursor),
        "pages": response.context["paging"]["pages"],
        "degraded": result.degraded,
    }


def region_html(response) -> str:
    """The results and filters region as sent, cursors left out (each backend encodes its own
    position)."""
    html = response.content.decode()
    start = html.index('<div class="catalog" id="catalog-region"')
    region = html[start : html.index("</form>", start)]
    return re.sub(r"cursor=[^&\"]+", "cursor=…", region)


@pytest.mark.parametrize("url", URLS)
def test_the_catalog_page_shows_the_same_on_both_backends(pages, url):
    answers = pages(url)
    database, elastic = summary(answers["database"]), summary(answers["elasticsearch"])
    assert database["degraded"] is False and elastic["degraded"] is False
    assert elastic == database
    assert region_html(answers["elasticsearch"]) == region_html(answers["database"])


def test_cursor_paging_walks_the_same_pages_on_both_backends(pages):
    """Each backend follows its own "Next" links (its own cursors) through the whole result."""
    start = "/catalog/?size=2&sort=name"
    seen = {"database": [], "elasticsearch": []}
    next_urls = {"database": start, "elasticsearch": start}
    for _page in range(50):
        for name, url in next_urls.items():
            response = pages(url)[name]
            seen[name] += summary(response)["hits"]
            next_urls[name] = response.context["paging"].get("next")
        assert bool(next_urls["database"]) == bool(next_urls["elasticsearch"]), seen
        if not next_urls["database"]:
            break
    assert seen["elasticsearch"] == seen["database"]
    total = summary(pages(start)["database"])["total"]
    assert len(seen["database"]) == len(set(seen["database"])) == total > 4


def test_facet_counts_change_with_a_filter_on_both_backends(pages):
    before = pages(BALL)
    after = pages(BALL + "?filter[food_grade]=true")
    for name in ("database", "elasticsearch"):
        materials = {
            facet[0]: facet[3] for facet in summary(before[name])["facets"] if facet[0] == "body_material"
        }
        filtered = {
            facet[0]: facet[3] for facet in summary(after[name])["facets"] if facet[0] == "body_material"
        }
        assert materials and filtered and materials != filtered, name
        assert summary(after[name])["total"] < summary(before[name])["total"]
