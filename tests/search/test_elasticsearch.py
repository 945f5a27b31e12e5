"""Elasticsearch-specific behaviour on a real node: identical answers to the database backend,
a mapping that does not grow with attributes, the alias-swap rebuild under load, deep paging
past the result window, and the outage test (stop the node, edit, search degrades to the
database, start the node, the outbox drains, the index equals the database)."""

import dataclasses
import json
import os
import subprocess
import threading
import time
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from pim.catalog.models import (
    Attribute,
    AttributeType,
    Family,
    FamilyAttribute,
    Lifecycle,
    Product,
    ProductValue,
)
from pim.search import indexing
from pim.search.backends import elasticsearch as es_module
from pim.search.backends import get_search_backend, reset_backends
from pim.search.backends.database import DatabaseSearchBackend
from pim.search.documents import DocumentBuilder
from pim.search.models import OutboxEntry
from pim.search.query import (
    BooleanFilter,
    DownloadFilter,
    NumberFilter,
    OptionFilter,
    RangeFilter,
    SearchQuery,
)
from tests.factories import make_product
from tests.search.catalog_data import VISIBLE
from tests.search.conftest import ROOT, make_es_backend

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def es(catalog, elasticsearch_url, es_index_prefix, django_db_blocker):
    backend = make_es_backend(elasticsearch_url, es_index_prefix + "-es")
    with django_db_blocker.unblock():
        backend.rebuild(indexing.document_batches(100))
    yield backend
    backend.drop()


def comparable(result):
    data = dataclasses.asdict(result)
    for key in ("backend", "took_ms", "engine_took_ms", "degraded"):
        data.pop(key)
    # Elasticsearch cursors carry search_after values besides the offset
    data["next_cursor"] = data["next_cursor"] is not None
    return data


QUERIES = [
    SearchQuery(),
    SearchQuery(text="Kugelhahn Edelstahl"),
    SearchQuery(text="pumpe", sort="-attribute:max_pressure", page_size=2),
    SearchQuery(text="KH", autocomplete=True),
    SearchQuery(text="Hydr", autocomplete=True, language="de"),
    SearchQuery(families=["valves"], filters=[OptionFilter("approvals", ["fda", "dvgw"])]),
    SearchQuery(
        category="valves-cat",
        filters=[
            RangeFilter.covering("temperature_range", "100 °C"),
            NumberFilter("max_pressure", at_least="150 psi"),
            BooleanFilter("food_grade", True),
        ],
    ),
    SearchQuery(filters=[OptionFilter("approvals", ["atex"]), OptionFilter("body_material", ["brass"])]),
    SearchQuery(families=["pumps"], sort="name", language="de"),
    SearchQuery(text="Kondesnat"),
    SearchQuery(
        families=["valves"],
        filters=[DownloadFilter(["cad_3d", "datasheet"]), OptionFilter("body_material", ["brass"])],
    ),
    SearchQuery(filters=[OptionFilter("approvals", ["fda"]), DownloadFilter(["cad_3d"])]),
]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_both_backends_give_identical_results(es, query):
    database = DatabaseSearchBackend().search(query)
    elastic = es.search(query)
    assert elastic.backend == "elasticsearch" and not elastic.degraded
    assert elastic.engine_took_ms is not None
    assert comparable(elastic) == comparable(database)


def test_mapping_does_not_grow_with_the_number_of_attributes(es, elasticsearch_url, es_index_prefix):
    base_fields = es.mapped_field_count()
    family = Family.objects.get(code="valves")
    attributes = Attribute.objects.bulk_create(
        [
            Attribute(
                code=f"gen_{i:04d}", name={"en": f"Generated {i}"}, type=AttributeType.NUMBER, filterable=True
            )
            for i in range(1200)
        ]
    )
    FamilyAttribute.objects.bulk_create(
        [FamilyAttribute(family=family, attribute=a, sort_order=100 + i) for i, a in enumerate(attributes)]
    )
    products = [make_product(family, article_number=f"GEN-{n}") for n in range(4)]
    ProductValue.objects.bulk_create(
        [
            ProductValue(product=product, attribute=attribute, number=float(i))
            for n, product in enumerate(products)
            for i, attribute in enumerate(attributes[n * 300 : (n + 1) * 300])
        ]
    )
    wide = make_es_backend(elasticsearch_url, es_index_prefix + "-wide")
    try:
        wide.rebuild(indexing.document_batches(100))
        assert wide.document_count() == len(VISIBLE) + 4
        fields = wide.mapped_field_count()
        print(f"\nmapped fields with {Attribute.objects.count()} attributes: {fields} (base: {base_fields})")
        assert fields == base_fields
        assert fields < 40
        found = wide.search(SearchQuery(filters=[NumberFilter(attributes[650].code, at_least=50)]))
        assert [h.article_number for h in found.hits] == ["GEN-2"]
    finally:
        wide.drop()


def test_alias_swap_rebuild_while_queries_run(es):
    before = es.live_indices()
    totals, errors = [], []
    stop = threading.Event()

    def query_loop():
        from django.db import connection

        try:
            while not stop.is_set():
                try:
                    totals.append(es.search(SearchQuery(text="Kugelhahn", facets=False)).total)
                except Exception as exc:  # noqa: BLE001 - collected and asserted below
                    errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=query_loop)
    thread.start()
    try:
        time.sleep(0.3)
        stats = es.rebuild(indexing.document_batches(2))  # small batches: a slower rebuild
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert len(totals) > 5
    assert set(totals) == {7}, "every query saw the complete index, before and after the swap"
    assert es.live_indices() == [stats["index"]] != before
    assert not es.client.indices.exists(index=before[0])


def test_deep_paging_past_the_result_window(es, monkeypatch):
    everything = [h.id for h in es.search(SearchQuery(sort="article_number", page_size=50)).hits]
    monkeypatch.setattr(es_module, "RESULT_WINDOW", 4)  # pretend the window is tiny
    page = es.search(SearchQuery(sort="article_number", page_size=3, page=3))
    assert [h.id for h in page.hits] == everything[6:9]
    assert page.total == len(VISIBLE)


def test_an_index_made_before_downloads_gets_the_field_on_the_first_write(
    es, elasticsearch_url, es_index_prefix
):
    old = make_es_backend(elasticsearch_url, es_index_prefix + "-old")
    try:
        mapping = es_module.product_mapping().to_dict()
        del mapping["properties"]["downloads"]
        name = f"{old.alias}-20200101000000000000"
        old.client.indices.create(index=name, mappings=mapping, settings=old.index_settings())
        old.client.indices.put_alias(index=name, name=old.alias)
        product = Product.objects.get(article_number="4711-ABC.12")
        # the mapping is strict: without the new field the document would be rejected
        assert old.apply(DocumentBuilder().build([product.pk])) == {}
        found = old.search(SearchQuery(filters=[DownloadFilter(["datasheet"])]))
        assert [hit.article_number for hit in found.hits] == ["4711-ABC.12"]
    finally:
        old.drop()


def test_index_documents_match_the_database_builder(es):
    ids = sorted(Product.objects.publicly_visible().values_list("pk", flat=True))
    built = DocumentBuilder().build(ids)
    for product_id in ids[:3]:
        source = es.client.get(index=es.alias, id=str(product_id))["_source"]
        expected = es_module.elastic_source(built[product_id])
        assert source.pop("version") <= expected.pop("version")
        assert source == expected


def test_choices_leave_the_nested_attributes_for_root_keywords():
    document = {
        "id": 1,
        "attrs": [
            {"attr": 4, "option": 17},
            {"attr": 4, "option": 12},
            {"attr": 5, "b": False},
            {"attr": 6, "n": 0.016},
            {"attr": 7, "lo": -10.0},
        ],
    }
    source = es_module.elastic_source(document)
    assert source["choices"] == ["4:12", "4:17", "5:false"]
    assert source["attrs"] == [{"attr": 6, "n": 0.016}, {"attr": 7, "lo": -10.0}]
    assert len(document["attrs"]) == 5, "the backend-neutral document is left alone"


def test_an_index_of_another_layout_is_not_searched_until_a_rebuild(
    es, elasticsearch_url, es_index_prefix, caplog, settings
):
    old = make_es_backend(elasticsearch_url, es_index_prefix + "-layout")
    try:
        mapping = es_module.product_mapping().to_dict()
        mapping["_meta"] = {"layout": 1}
        name = f"{old.alias}-20200101000000000000"
        old.client.indices.create(index=name, mappings=mapping, settings=old.index_settings())
        old.client.indices.put_alias(index=name, name=old.alias)
        assert old.index_layout() == 1
        query = SearchQuery(text="Kugelhahn")
        answered = old.search(query)
        assert answered.degraded, "an index this version cannot read answers nothing; the database does"
        assert answered.ids == DatabaseSearchBackend().search(query).ids
        assert "run manage.py search_reindex" in caplog.text
        settings.PIM_SEARCH_BACKEND = "elasticsearch"
        settings.PIM_ELASTICSEARCH = {
            **settings.PIM_ELASTICSEARCH,
            "URLS": [elasticsearch_url],
            "INDEX_PREFIX": es_index_prefix + "-layout",
        }
        reset_backends()
        out = StringIO()
        call_command("search_status", "--json", stdout=out)
        status = json.loads(out.getvalue())["targets"]["elasticsearch"]
        assert status["layout"] == 1
        assert "search_reindex" in status["error"]
        assert status["in_sync"] is False

        old.rebuild(indexing.document_batches(100))
        old.clear_caches()  # no waiting for the fallback's retry pause
        assert old.index_layout() == es_module.INDEX_LAYOUT
        fresh = old.search(query)
        assert not fresh.degraded
        assert fresh.ids == answered.ids
    finally:
        old.drop()
        reset_backends()


def test_shard_count_follows_the_catalog_size_and_the_node(es, elasticsearch_url, es_index_prefix):
    nodes = es.client.nodes.info(metric="os").body["nodes"].values()
    processors = min(node["os"]["allocated_processors"] for node in nodes)
    per_shard = es_module.DOCUMENTS_PER_SHARD
    assert es.shard_count(None) == 1
    assert es.shard_count(per_shard) == 1
    assert es.shard_count(per_shard + 1) == min(2, processors)
    assert es.shard_count(per_shard * 64) == processors
    fixed = make_es_backend(elasticsearch_url, es_index_prefix + "-shards", SHARDS="3")
    assert fixed.shard_count(10) == 3
    with pytest.raises(
        ImproperlyConfigured, match="ELASTICSEARCH_SHARDS must be a positive number or 'auto'"
    ):
        make_es_backend(elasticsearch_url, es_index_prefix + "-shards", SHARDS="two").shard_count(10)

    sized = make_es_backend(elasticsearch_url, es_index_prefix + "-sized")
    try:
        stats = sized.rebuild(indexing.document_batches(100), documents=per_shard * 64)
        settings = sized.client.indices.get_settings(index=stats["index"]).body[stats["index"]]["settings"]
        assert int(settings["index"]["number_of_shards"]) == processors
        assert (
            sized.search(SearchQuery(text="Kugelhahn")).total
            == es.search(SearchQuery(text="Kugelhahn")).total
        )
    finally:
        sized.drop()


# --- the outage test ------------------------------------------------------------------------------------
def _script(action: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / "elasticsearch"), action], capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def elasticsearch_primary(settings, elasticsearch_url, es_index_prefix):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_SEARCH_BACKEND = "elasticsearch"
    settings.PIM_ELASTICSEARCH = {
        **settings.PIM_ELASTICSEARCH,
        "URLS": [elasticsearch_url],
        "INDEX_PREFIX": es_index_prefix + "-outage",
        "REFRESH": "wait_for",
        "MAX_RETRIES": 0,
        "TIMEOUT": 5,
        "FALLBACK_RETRY_SECONDS": 0,
    }
    reset_backends()
    yield get_search_backend()
    get_search_backend().drop()
    reset_backends()


def test_outage_loses_nothing(
    catalog, elasticsearch_primary, elasticsearch_url, django_capture_on_commit_callbacks
):
    if os.environ.get("ELASTICSEARCH_URL"):
        message = "the outage test stops the node, so it needs the node of scripts/elasticsearch"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    es = elasticsearch_primary
    indexing.rebuild("elasticsearch")
    assert es.document_count() == len(VISIBLE)

    assert _script("stop").returncode == 0
    try:
        assert not es.ping()
        with django_capture_on_commit_callbacks(execute=True):
            new = make_product(
                Family.objects.get(code="valves"),
                article_number="NEW-1",
                name={"en": "Brand-new ball valve", "de": "Neuer Kugelhahn"},
                values={"max_pressure": "64 bar"},
            )
        with django_capture_on_commit_callbacks(execute=True):
            Product.objects.get(article_number="KH-100").unpublish()
        with django_capture_on_commit_callbacks(execute=True):
            renamed = Product.objects.get(article_number="KH-101")
            renamed.name = {"en": "Compact ball valve", "de": "Kompaktkugelhahn Neu"}
            renamed.lifecycle = Lifecycle.PHASE_OUT
            renamed.save()
        pending = OutboxEntry.objects.filter(target="elasticsearch")
        assert set(pending.values_list("product_id", flat=True)) >= {new.pk, renamed.pk}
        assert all(entry.attempts >= 1 and entry.last_error for entry in pending)
        assert not OutboxEntry.objects.filter(target="database").exists()  # the fallback is current

        degraded = get_search_backend().search(SearchQuery(text="Kugelhahn", page_size=50))
        assert degraded.degraded and degraded.backend == "database"
        found = {h.article_number for h in degraded.hits}
        assert "NEW-1" in found and "KH-100" not in found
        assert {h.name for h in degraded.hits if h.article_number == "KH-101"} == {"Compact ball valve"}
    finally:
        started = _script("start")
        assert started.returncode == 0, started.stderr

    due = pending.order_by("-next_attempt_at").values_list("next_attempt_at", flat=True).first()
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.1)  # the backoff, honestly
    stats = indexing.drain()
    assert stats["elasticsearch"]["failed"] == 0
    assert not OutboxEntry.objects.exists()

    es.refresh_index()
    visible = set(Product.objects.publicly_visible().values_list("pk", flat=True))
    hits = es.client.search(index=es.alias, size=100, source=False)["hits"]["hits"]
    assert {int(h["_id"]) for h in hits} == visible
    result = get_search_backend().search(SearchQuery(text="Kugelhahn", page_size=50))
    assert not result.degraded and result.backend == "elasticsearch"
    assert comparable(result) == comparable(
        DatabaseSearchBackend().search(SearchQuery(text="Kugelhahn", page_size=50))
    )
