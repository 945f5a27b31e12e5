"""Completeness recomputes on the database task backend (django-tasks-db, what ``db_worker``
runs): changes are recorded durably as pending products, at most one recompute task waits,
and it recomputes every pending product."""

import pytest
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pim.catalog.signals import notify
from pim.exports import completeness
from pim.exports.models import ChannelRequirement, PendingCompleteness, ProductCompleteness
from pim.exports.tasks import recompute_channel_completeness, recompute_completeness
from tests.factories import make_product

from .conftest import make_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings, immediate_tasks):
    # after the package's autouse fixture that makes tasks immediate
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # module fixtures of other tests commit changes, and with them queued tasks
    DBTaskResult.objects.all().delete()


def queued(task, status=TaskResultStatus.READY):
    return DBTaskResult.objects.filter(task_path=task.module_path, status=status)


def scores(channel):
    return dict(
        ProductCompleteness.objects.filter(channel=channel, language="en").values_list("product_id", "score")
    )


def test_forty_edits_queue_one_recompute_that_covers_them_all(
    catalog, database_tasks, django_capture_on_commit_callbacks
):
    channel = make_channel()
    with django_capture_on_commit_callbacks(execute=True):
        ChannelRequirement.objects.create(channel=channel, kind="field", field="gtin")
    recompute_channel_completeness.call(channel.pk)  # what the worker would do
    DBTaskResult.objects.all().delete()

    products = []
    for number in range(40):
        with django_capture_on_commit_callbacks(execute=True):  # one transaction per edit
            products.append(make_product(catalog.family, article_number=f"Q-{number}"))
            notify([products[-1].pk], "published")
    assert queued(recompute_completeness).count() == 1
    assert set(PendingCompleteness.objects.values_list("product_id", flat=True)) == {p.pk for p in products}
    assert not set(scores(channel)) & {p.pk for p in products}  # nothing computed yet

    assert recompute_completeness.call() == 40  # the worker runs the one task
    assert {p.pk: 0 for p in products}.items() <= scores(channel).items()  # no GTIN: 0 %
    assert not PendingCompleteness.objects.exists()


def test_a_running_recompute_does_not_count_as_waiting(
    catalog, database_tasks, django_capture_on_commit_callbacks
):
    product = catalog.products["full"]
    with django_capture_on_commit_callbacks(execute=True):
        notify([product.pk], "published")
    # the worker picked it up: it may have read its last batch before the next change
    queued(recompute_completeness).update(status=TaskResultStatus.RUNNING)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            notify([product.pk], "published")
    assert queued(recompute_completeness).count() == 1
    assert queued(recompute_completeness, TaskResultStatus.RUNNING).count() == 1


def test_pending_products_are_written_with_the_change(catalog, database_tasks):
    product = catalog.products["full"]
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([product.pk], "published")
        raise RuntimeError("the edit fails")
    assert not PendingCompleteness.objects.exists()
    assert not queued(recompute_completeness).exists()


def test_a_failed_enqueue_keeps_the_products_pending(
    catalog, database_tasks, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    channel = make_channel()
    product = catalog.products["full"]

    def queue_down(*args, **kwargs):
        raise ConnectionError("task queue unavailable")

    monkeypatch.setattr("pim.task_queue.enqueue_once", queue_down)
    with django_capture_on_commit_callbacks(execute=True):  # the editor's request does not fail
        notify([product.pk], "published")
    assert "could not queue the recompute task" in caplog.text
    assert PendingCompleteness.objects.filter(product_id=product.pk).exists()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):  # the next change's task covers it
        notify([catalog.products["psi"].pk], "published")
    recompute_completeness.call()
    assert {product.pk, catalog.products["psi"].pk} <= set(scores(channel))


def test_a_change_during_the_recompute_stays_pending(catalog, database_tasks, monkeypatch):
    channel = make_channel()
    product = catalog.products["full"]
    completeness.mark_pending([product.pk])
    compute = completeness.recompute

    def edited_meanwhile(ids, channels=None):
        written = compute(ids, channels)
        completeness.mark_pending([product.pk])  # committed while the batch was computing
        return written

    monkeypatch.setattr(completeness, "recompute", edited_meanwhile)
    assert completeness.drain_pending() == 1
    assert product.pk in scores(channel)
    # the newer change is not lost: the task its commit queued recomputes it
    assert PendingCompleteness.objects.filter(product_id=product.pk).exists()


def test_a_waiting_channel_recompute_makes_product_recomputes_unnecessary(
    catalog, database_tasks, django_capture_on_commit_callbacks
):
    channel = make_channel()
    other = make_channel(code="other")
    DBTaskResult.objects.all().delete()
    completeness.schedule_channel_recompute(channel.pk)
    product = catalog.products["full"]
    with django_capture_on_commit_callbacks(execute=True):
        notify([product.pk], "published")

    recompute_completeness.call()
    assert product.pk not in scores(channel)  # left to the waiting channel recompute
    assert product.pk in scores(other)  # no full recompute waits for this one
    assert not PendingCompleteness.objects.exists()
    recompute_channel_completeness.call(channel.pk)
    assert product.pk in scores(channel)


def test_requirement_edits_queue_one_recompute_per_channel(
    catalog, database_tasks, django_capture_on_commit_callbacks
):
    first, second = make_channel(), make_channel(code="second")
    for field in ("gtin", "short_description", "name"):
        for channel in (first, second):
            with django_capture_on_commit_callbacks(execute=True):
                ChannelRequirement.objects.create(channel=channel, kind="field", field=field)
    waiting = queued(recompute_channel_completeness)
    assert sorted(row.args_kwargs["args"] for row in waiting) == [[first.pk], [second.pk]]
    assert sorted(completeness.waiting_channel_recomputes()) == sorted([first.pk, second.pk])


def test_tasks_queued_before_the_pending_table_still_recompute(catalog, database_tasks):
    # a task queued by the previous release carries its product ids
    channel = make_channel()
    product = catalog.products["full"]
    assert recompute_completeness.call([product.pk]) == 1
    assert product.pk in scores(channel)
    assert not PendingCompleteness.objects.exists()
