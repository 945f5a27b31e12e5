"""Full rebuilds with documents built in worker processes: the same documents as in-process,
every visible product exactly once, in id order, and the index equal to the database."""

import os

import pytest

from pim.catalog.models import Product
from pim.search import indexing
from pim.search.backends.database import DatabaseSearchBackend
from pim.search.backends.elasticsearch import encode_index_actions
from pim.search.documents import DocumentBuilder
from pim.search.models import IndexEntry
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _pid_and_ids(documents):
    """A transform that runs where the documents are built (module level: workers run it)."""
    return os.getpid(), sorted(pk for pk, doc in documents.items() if doc)


@pytest.fixture
def products():
    family = make_valve_family()
    live = [make_product(family, values={"max_pressure": f"{10 + i} bar"}) for i in range(9)]
    make_product(family, live=False)  # a draft: never in any index
    return live


@pytest.fixture
def forking():
    if not indexing._can_fork_workers():
        pytest.skip(
            "worker processes need a database they can connect to; the in-memory SQLite test "
            "database is private to this process (this test runs on PostgreSQL, as in CI)"
        )


def test_documents_are_built_in_worker_processes(products, forking):
    batches = list(indexing.document_batches(2, transform=_pid_and_ids, workers=2))
    pids = {pid for pid, _ids in batches}
    assert os.getpid() not in pids
    built = [pk for _pid, ids in batches for pk in ids]
    assert built == sorted(p.pk for p in products)  # every visible product once, in id order
    # the parent process reconnects after handing its connection over
    assert Product.objects.count() == 10


def test_worker_documents_equal_in_process_documents(products, forking):
    in_process = {}
    for batch in indexing.document_batches(3, workers=1):
        in_process.update(batch)
    in_workers = {}
    for batch in indexing.document_batches(3, workers=2):
        in_workers.update(batch)

    def without_version(docs):
        return {pk: {k: v for k, v in doc.items() if k != "version"} for pk, doc in docs.items()}

    assert without_version(in_workers) == without_version(in_process)
    assert len(in_process) == 9


def test_database_rebuild_with_workers_equals_the_catalog(products, forking):
    stats = indexing.rebuild("database", batch_size=4, workers=2)
    assert stats["indexed"] == 9
    assert sorted(IndexEntry.objects.values_list("pk", flat=True)) == sorted(p.pk for p in products)
    hits = DatabaseSearchBackend().search(indexing_query())
    assert hits.total == 9


def indexing_query():
    from pim.search.query import NumberFilter, SearchQuery

    return SearchQuery(filters=[NumberFilter("max_pressure", at_least="10 bar")], page_size=50)


def test_encoded_bulk_body_has_one_action_and_source_per_visible_document(products):
    documents = DocumentBuilder().build([p.pk for p in products] + [999_999_999])
    count, body = encode_index_actions("pim-products-x", documents)
    lines = body.decode().splitlines()
    assert count == 9 and len(lines) == 18 and body.endswith(b"\n")
    assert '"_index":"pim-products-x"' in lines[0] and '"version_type":"external_gte"' in lines[0]
    assert encode_index_actions("x", {1: None}) == (0, b"")
