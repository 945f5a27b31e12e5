"""Lossless indexing: outbox rows written with the change, drained after the commit, kept
(with backoff) while an index is unreachable, never deleted when a newer change arrived."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pim.catalog.models import Attribute, Category, Family, Product
from pim.search import indexing
from pim.search.backends import get_search_backend, reset_backends
from pim.search.backends.database import DatabaseSearchBackend
from pim.search.indexing import _DrainAfterCommit
from pim.search.models import IndexEntry, IndexTarget, OutboxEntry
from pim.search.query import NumberFilter, SearchQuery
from tests.factories import make_product, make_valve_family

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_search")]


@pytest.fixture
def family():
    return make_valve_family()


def found(text="", **kwargs) -> list[str]:
    result = DatabaseSearchBackend().search(SearchQuery(text=text, page_size=50, **kwargs))
    return [hit.article_number for hit in result.hits]


def test_changes_are_indexed_after_the_commit(family, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product = make_product(
            family, article_number="S-1", name={"en": "Shut-off valve"}, values={"max_pressure": "10 bar"}
        )
        # in the same transaction as the change, one row per product and target
        assert list(OutboxEntry.objects.values_list("target", "product_id")) == [("database", product.pk)]
        assert not IndexEntry.objects.exists()
    drains = [c for c in callbacks if isinstance(c, _DrainAfterCommit)]
    assert len(drains) == 1  # one drain per transaction, however many rows
    for callback in callbacks:
        callback()
    assert not OutboxEntry.objects.exists()
    assert found("shut-off") == ["S-1"]

    with django_capture_on_commit_callbacks(execute=True):
        product.save_revision().publish()
        product.unpublish()
    assert found("shut-off") == []
    assert not IndexEntry.objects.filter(pk=product.pk).exists()


def test_value_family_attribute_and_category_edits_reach_the_index(
    family, django_capture_on_commit_callbacks
):
    category = Category.objects.create(code="c", name={"en": "Shut-off devices"})
    with django_capture_on_commit_callbacks(execute=True):
        product = make_product(family, article_number="S-2", values={"max_pressure": "10 bar"})
        product.categories.set([category])
        product.save()
    assert found(filters=[NumberFilter("max_pressure", at_least="8 bar")]) == ["S-2"]

    with django_capture_on_commit_callbacks(execute=True):
        value = product.values.get(attribute__code="max_pressure")
        value.number = 5e5  # 5 bar, a bulk path that saves the row only
        value.save()
    assert found(filters=[NumberFilter("max_pressure", at_least="8 bar")]) == []

    with django_capture_on_commit_callbacks(execute=True):
        category.name = {"en": "Isolation valves"}
        category.save()
    assert found("isolation") == ["S-2"]

    with django_capture_on_commit_callbacks(execute=True):
        family.name = {"en": "Sphere valves"}
        family.save()
    assert found("sphere") == ["S-2"]
    assert found("S-2")[0] == "S-2"

    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.get(pk=product.pk).delete()
    assert not IndexEntry.objects.exists()


def test_one_row_per_product_and_a_newer_change_survives_a_running_drain(family, monkeypatch):
    product = make_product(family, article_number="S-3", name={"en": "Old name"})
    indexing.record_changes([product.pk], "again")
    assert OutboxEntry.objects.filter(product_id=product.pk).count() == 1
    first_token = OutboxEntry.objects.get(product_id=product.pk).token

    original_apply = DatabaseSearchBackend.apply

    def apply_while_someone_edits(self, documents):
        result = original_apply(self, documents)
        if not getattr(apply_while_someone_edits, "done", False):
            apply_while_someone_edits.done = True
            Product.objects.filter(pk=product.pk).update(name={"en": "New name"})
            indexing.record_changes([product.pk], "edited during the drain")
        return result

    monkeypatch.setattr(DatabaseSearchBackend, "apply", apply_while_someone_edits)
    stats = indexing.drain_target("database", max_batches=1)
    assert stats["indexed"] == 1
    row = OutboxEntry.objects.get(product_id=product.pk)
    assert row.token != first_token  # the newer change was not deleted with the old one
    indexing.drain_target("database")
    assert not OutboxEntry.objects.exists()
    assert found("new name") == ["S-3"]


def test_an_unreachable_index_keeps_entries_with_backoff_and_search_falls_back(family, settings, caplog):
    settings.PIM_SEARCH_BACKEND = "elasticsearch"
    settings.PIM_ELASTICSEARCH = {
        **settings.PIM_ELASTICSEARCH,
        "URLS": ["http://127.0.0.1:9"],  # nothing listens on the discard port
        "MAX_RETRIES": 0,
        "TIMEOUT": 2,
        "FALLBACK_RETRY_SECONDS": 60,
    }
    reset_backends()
    product = make_product(family, article_number="S-4", name={"en": "Needle valve"})
    assert set(OutboxEntry.objects.values_list("target", flat=True)) == {"database", "elasticsearch"}

    before = timezone.now()
    stats = indexing.drain()
    assert stats["database"]["indexed"] == 1
    assert stats["elasticsearch"] == {"indexed": 0, "failed": 1, "busy": False, "unavailable": True}
    row = OutboxEntry.objects.get(target="elasticsearch")
    assert row.attempts == 1
    assert "Connection" in row.last_error
    assert before + timedelta(seconds=1.5) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=2.5)
    assert "Connection" in IndexTarget.objects.get(name="elasticsearch").last_error

    # not due yet: the next drain leaves it alone
    assert indexing.drain(["elasticsearch"])["elasticsearch"]["failed"] == 0
    # due again: a second failure doubles the wait
    OutboxEntry.objects.update(next_attempt_at=timezone.now())
    indexing.drain(["elasticsearch"])
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at >= timezone.now() + timedelta(seconds=3)

    status = indexing.outbox_status("elasticsearch")
    assert (status["pending"], status["failing"]) == (1, 1)

    with caplog.at_level("WARNING", logger="pim.search"):
        result = get_search_backend().search(SearchQuery(text="needle"))
    assert result.degraded and result.backend == "database"
    assert [h.article_number for h in result.hits] == ["S-4"]
    assert "answering from the database" in caplog.text
    assert product.pk in OutboxEntry.objects.filter(target="elasticsearch").values_list(
        "product_id", flat=True
    )


def test_a_held_lease_keeps_other_drains_out(family):
    make_product(family, article_number="S-5")
    lease = indexing.Lease("database")
    assert lease.acquire()
    try:
        assert indexing.drain_target("database") == {
            "indexed": 0,
            "failed": 0,
            "busy": True,
            "unavailable": False,
        }
        assert OutboxEntry.objects.filter(target="database").count() == 1
    finally:
        lease.release()
    assert indexing.drain_target("database")["indexed"] == 1


def test_an_expired_lease_is_taken_over(family):
    IndexTarget.objects.create(
        name="database", lease_owner="dead-worker", lease_until=timezone.now() - timedelta(seconds=1)
    )
    make_product(family, article_number="S-6")
    assert indexing.drain_target("database")["indexed"] == 1


def test_attribute_label_change_reindexes_the_family(family, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_product(family, article_number="S-7", values={"body_material": "brass"})
    Attribute.objects.filter(code="body_material").update(searchable=True)
    with django_capture_on_commit_callbacks(execute=True):
        option = Attribute.objects.get(code="body_material").options.get(code="brass")
        option.name = {"en": "Gunmetal"}
        option.save()
    assert found("gunmetal") == ["S-7"]
    assert Family.objects.count() == 1
