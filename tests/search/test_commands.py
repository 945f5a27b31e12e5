"""manage.py search_reindex and search_status."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pim.search.backends import reset_backends
from pim.search.models import IndexEntry, OutboxEntry
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_backend(settings):
    settings.PIM_SEARCH_BACKEND = "database"
    reset_backends()
    yield
    reset_backends()


def call(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_reindex_builds_the_database_index_and_reports_throughput():
    family = make_valve_family()
    products = [make_product(family, article_number=f"R-{n}") for n in range(5)]
    hidden = make_product(family, article_number="R-hidden", live=False)
    IndexEntry.objects.all().delete()

    output = call("search_reindex", "--no-progress")
    assert "database: 5 products in" in output
    assert "products/s" in output
    assert set(IndexEntry.objects.values_list("pk", flat=True)) == {p.pk for p in products}
    assert not OutboxEntry.objects.exists()  # satisfied by the rebuild
    assert hidden.pk not in IndexEntry.objects.values_list("pk", flat=True)


def test_status_compares_index_and_database():
    family = make_valve_family()
    make_product(family, article_number="ST-1")
    output = call("search_status")
    assert "search backend: database; publicly visible products: 1" in output
    assert "database: 0 documents, 1 pending (0 failing)" in output
    assert "NOT in sync" in output

    call("search_reindex", "--drain")
    report = json.loads(call("search_status", "--json"))
    assert report["targets"]["database"]["documents"] == 1
    assert report["targets"]["database"]["pending"] == 0
    assert report["targets"]["database"]["in_sync"] is True


def test_reindex_names_an_unreachable_elasticsearch(settings):
    settings.PIM_SEARCH_BACKEND = "elasticsearch"
    settings.PIM_ELASTICSEARCH = {
        **settings.PIM_ELASTICSEARCH,
        "URLS": ["http://127.0.0.1:9"],
        "MAX_RETRIES": 0,
    }
    reset_backends()
    with pytest.raises(CommandError, match="elasticsearch: the index cannot be reached"):
        call("search_reindex", "--target", "elasticsearch", "--no-progress")
    report = json.loads(call("search_status", "--json"))
    assert report["targets"]["elasticsearch"]["reachable"] is False
