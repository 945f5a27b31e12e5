"""Wagtail's per-save tasks (reference index, admin search index) on the database task backend:
one waiting task per object however often it and its rows are saved, with the same result as
Wagtail's own receivers (pim/wagtail_tasks.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from modelsearch.tasks import insert_or_update_object_task
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.tasks import update_reference_index_task

from pim.catalog.models import Product, ProductValue
from tests.catalog.test_admin import post_form
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

VALUES = {"max_pressure": "10 bar", "body_material": "brass", "temperature_range": "-10 .. 120 °C"}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PIM_SEARCH_BACKEND = "database"
    # module fixtures of other tests commit catalog changes, and with them queued tasks
    DBTaskResult.objects.all().delete()


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@example.com", "secret"))
    return client


def waiting(task) -> list[tuple]:
    rows = DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)
    return sorted(tuple(row.args_kwargs["args"]) for row in rows)


def run_queued_tasks() -> None:
    """What ``db_worker`` does with the waiting tasks, in order."""
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by("enqueued_at"):
        import_string(row.task_path).call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.status = TaskResultStatus.SUCCESSFUL
        row.save(update_fields=["status"])


def reference_rows() -> set[tuple]:
    """The recorded references of every product (other objects, e.g. units seeded by the
    migrations while Wagtail's receivers are off, are not what this is about)."""
    rows = ReferenceIndex.objects.filter(content_type=ReferenceIndex._get_base_content_type(Product))
    return set(
        rows.values_list(
            "content_type", "object_id", "to_content_type", "to_object_id", "model_path", "content_path"
        )
    )


def test_publishes_queue_one_task_per_product_with_wagtails_result(
    database_tasks,
    admin_client,
    django_capture_on_commit_callbacks,
):
    family = make_valve_family()
    with django_capture_on_commit_callbacks(execute=True):
        products = [
            make_product(family, article_number=f"W-{n}", live=False, values=VALUES) for n in range(3)
        ]
    for round_ in range(3):
        for product in products:
            url = reverse("wagtailsnippets_catalog_product:edit", args=[product.pk])
            with django_capture_on_commit_callbacks(execute=True):  # one transaction per request
                response = post_form(admin_client, url, {"name_0": f"Valve {round_}"}, publish=True)
            assert response.status_code == 302

    expected = sorted(("catalog", "product", str(product.pk)) for product in products)
    # every save of a product and of each of its values, one task per product
    assert waiting(update_reference_index_task) == expected
    assert waiting(insert_or_update_object_task) == expected

    run_queued_tasks()
    queued_result = reference_rows()
    # the value rows' references are recorded under their product
    assert any(path.startswith("values.") for *_, path in queued_result)
    call_command("rebuild_references_index", verbosity=0)
    assert queued_result == reference_rows()


def test_a_running_task_does_not_count(database_tasks, django_capture_on_commit_callbacks):
    family = make_valve_family()
    with django_capture_on_commit_callbacks(execute=True):
        product = make_product(family, article_number="W-R", values=VALUES)
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING)  # it may have read the rows already
    with django_capture_on_commit_callbacks(execute=True):
        ProductValue.objects.filter(product=product).first().save()
    assert waiting(update_reference_index_task) == [("catalog", "product", str(product.pk))]


def test_nothing_is_queued_before_the_commit_or_after_a_rollback(
    database_tasks, django_capture_on_commit_callbacks
):
    family = make_valve_family()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_product(family, article_number="W-C", values=VALUES)
    assert not DBTaskResult.objects.exists()
    assert callbacks  # queued by the commit (a rollback drops the callbacks with it)


def test_wagtails_switch_still_turns_the_update_off(database_tasks, django_capture_on_commit_callbacks):
    family = make_valve_family()
    DBTaskResult.objects.all().delete()  # the family's own tasks (Wagtail queues them at once)
    with django_capture_on_commit_callbacks(execute=True), disable_reference_index_auto_update():
        make_product(family, article_number="W-D", values=VALUES)
    assert waiting(update_reference_index_task) == []
    assert waiting(insert_or_update_object_task) != []  # only the reference index is off


def test_deleting_a_product_removes_its_references_at_once(
    database_tasks, django_capture_on_commit_callbacks
):
    family = make_valve_family()
    with django_capture_on_commit_callbacks(execute=True):
        product = make_product(family, article_number="W-X", values=VALUES)
    run_queued_tasks()
    assert ReferenceIndex.get_references_for_object(product).exists()
    pk = product.pk
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    content_type = ReferenceIndex._get_base_content_type(Product)
    assert not ReferenceIndex.objects.filter(content_type=content_type, object_id=str(pk)).exists()
    assert not Product.objects.filter(pk=pk).exists()


def test_immediate_backend_indexes_inline_as_wagtail_does(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    family = make_valve_family()
    with django_capture_on_commit_callbacks(execute=False):
        # Wagtail's receiver runs the task during the save, before any commit
        product = make_product(family, article_number="W-I", values=VALUES)
        assert ReferenceIndex.get_references_for_object(product).filter(content_path__startswith="values.")


def test_products_saved_in_bulk_queue_one_task_with_wagtails_result(
    database_tasks, django_capture_on_commit_callbacks
):
    """A bulk writer (the import) sends ``products_bulk_saved`` instead of saving each product:
    one task for the set, with what the per-object tasks would have recorded."""
    from wagtail.search.models import IndexEntry

    from pim.catalog.signals import products_bulk_saved
    from pim.wagtail_tasks import index_objects_task

    family = make_valve_family()
    with django_capture_on_commit_callbacks(execute=True):
        products = [make_product(family, article_number=f"W-B{n}", values=VALUES) for n in range(3)]
    run_queued_tasks()
    expected = reference_rows()
    ReferenceIndex.objects.all().delete()
    IndexEntry.objects.all().delete()
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        products_bulk_saved.send(sender=Product, products=products)

    assert waiting(index_objects_task) == [("catalog", "product", [p.pk for p in products])]
    assert waiting(update_reference_index_task) == waiting(insert_or_update_object_task) == []
    run_queued_tasks()
    assert reference_rows() == expected
    indexed = set(IndexEntry.objects.values_list("object_id", flat=True))
    assert {str(p.pk) for p in products} <= indexed


def test_every_product_save_receiver_has_a_bulk_counterpart():
    """Whoever listens to a product's save must hear a bulk write too: each module with a
    ``post_save`` receiver for Product has a ``products_bulk_saved`` receiver."""
    from django.db.models.signals import post_save

    from pim.catalog.signals import products_bulk_saved

    def modules(receivers) -> set[str]:
        return {receiver.__module__ for receiver in receivers}

    on_save = post_save._live_receivers(Product)
    on_bulk = products_bulk_saved._live_receivers(Product)
    # Django 5 returns (sync, async) receivers
    on_save, on_bulk = (r[0] if isinstance(r, tuple) else r for r in (on_save, on_bulk))
    assert modules(on_save) >= {"cms.signals", "pim.search.signals", "pim.wagtail_tasks"}
    assert modules(on_save) <= modules(on_bulk)
