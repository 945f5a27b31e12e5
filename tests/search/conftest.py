"""Fixtures of the search tests: a real Elasticsearch node, the contract catalog, backends.

Elasticsearch: ``ELASTICSEARCH_URL`` if given, else ``scripts/elasticsearch start`` (fetches
the integration-test distribution from Maven Central with mvn on first use). Under ``CI=true``
a node that cannot be started fails the tests loudly; locally, without Java, they skip.
"""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.search.catalog_data import build_catalog, delete_catalog

ROOT = Path(__file__).resolve().parents[2]
CI = os.environ.get("CI") == "true"


def _start_script_node() -> tuple[str, bool]:
    """(url, started_here)."""
    script = ROOT / "scripts" / "elasticsearch"
    status = subprocess.run([str(script), "status"], capture_output=True, text=True, check=False)
    was_running = status.returncode == 0
    if not was_running and not CI and not shutil.which("java"):
        pytest.skip("Elasticsearch tests need Java (or ELASTICSEARCH_URL); under CI=true they always run")
    try:
        proc = subprocess.run(
            [str(script), "start", "--print-env"], capture_output=True, text=True, timeout=600, check=False
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scripts/elasticsearch start timed out:\n{exc.stderr}", pytrace=False)
    if proc.returncode != 0:
        message = f"scripts/elasticsearch start failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
        if CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    for line in proc.stdout.splitlines():
        if line.startswith("export ELASTICSEARCH_URL="):
            return line.split("=", 1)[1].strip(), not was_running
    pytest.fail(f"scripts/elasticsearch printed no URL:\n{proc.stdout}\n{proc.stderr}", pytrace=False)


@pytest.fixture(autouse=True)
def _fresh_search_schema():
    """Test data is often changed with queryset.update() (no signals): start each test with an
    empty metadata cache."""
    from pim.search import schema

    schema.clear()
    yield
    schema.clear()


@pytest.fixture(scope="session")
def elasticsearch_url():
    url = os.environ.get("ELASTICSEARCH_URL", "").strip()
    started_here = False
    if not url:
        url, started_here = _start_script_node()
    from elasticsearch import Elasticsearch

    client = Elasticsearch(url, request_timeout=30)
    try:
        health = client.cluster.health(wait_for_status="yellow", timeout="60s")
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong, loudly
        pytest.fail(f"Elasticsearch at {url} is not usable: {exc}", pytrace=False)
    assert health["status"] in ("yellow", "green"), health
    yield url
    if started_here and not os.environ.get("PIM_ES_KEEP"):
        subprocess.run([str(ROOT / "scripts" / "elasticsearch"), "stop"], capture_output=True, check=False)


@pytest.fixture(scope="session")
def es_index_prefix():
    return f"pimtest-{uuid.uuid4().hex[:8]}"


def make_es_backend(url: str, prefix: str, **extra):
    from pim.search.backends.elasticsearch import ElasticsearchSearchBackend

    params = {
        "URLS": [url],
        "INDEX_PREFIX": prefix,
        "REFRESH": "wait_for",
        "TIMEOUT": 30,
        "MAX_RETRIES": 0,
        "FALLBACK_RETRY_SECONDS": 0,
    }
    params.update(extra)
    return ElasticsearchSearchBackend(params)


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    """The contract catalog, committed for the whole module, with the database index built."""
    from django.test import override_settings

    from pim.search import indexing

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("catalog-media")):
        delete_catalog()
        products = build_catalog()
        indexing.rebuild("database")
    from pim.search import schema

    schema.clear()
    yield products
    with django_db_blocker.unblock():
        delete_catalog()


@pytest.fixture(scope="module", params=["database", "elasticsearch"])
def backend(request, catalog, django_db_blocker):
    """Each contract test runs once per backend, on the same catalog."""
    from pim.search.backends.database import DatabaseSearchBackend
    from pim.search.indexing import document_batches

    if request.param == "database":
        yield DatabaseSearchBackend()
        return
    url = request.getfixturevalue("elasticsearch_url")
    prefix = request.getfixturevalue("es_index_prefix") + "-contract"
    es = make_es_backend(url, prefix)
    with django_db_blocker.unblock():
        es.rebuild(document_batches(100))
    yield es
    es.drop()
