"""At most one waiting task per object for Wagtail's per-save background tasks.

Wagtail queues ``update_reference_index_task`` on every save of a model its reference index
tracks, child rows of a ClusterableModel included (each queues the task for itself; the task
then indexes the parent), and modelsearch queues ``insert_or_update_object_task`` on every
save of a searchable model. One product publish saves the product several times and each of
its values once: with the database task backend that is a dozen tasks per publish, all doing
the same work. Both tasks read the object when they run, so one waiting task per object covers
every save before it (see :mod:`pim.task_queue`).

:func:`install` (called from ``CatalogConfig.ready``) swaps the two save receivers for ones
that queue the same task for the same object after the commit, unless one already waits. A
child row is queued as its parent, which is what Wagtail's task indexes for it, so a product
and all its rows share one task. Only saves change: deletions still update the indexes at once
with Wagtail's and modelsearch's own receivers. Task backends that cannot be asked what waits
(the immediate backend of tests, ``PIM_TASKS_IMMEDIATE=1``) get Wagtail's own receivers'
behaviour unchanged.

Why the module attributes are replaced rather than the receivers disconnected once: Wagtail
connects its receiver whenever a model becomes tracked, and snippet models only become tracked
when the admin registers their viewsets, after ``ready()``; it also disconnects and reconnects
it around every ``migrate``. All of that looks the receiver up in ``wagtail.signal_handlers``
by name, so replacing it there before anything is connected keeps every later (dis)connection
consistent. modelsearch connects its receiver once, in its ``ready()`` (after this app's).
"""

import logging

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save
from django_tasks import task
from modelcluster.fields import ParentalKey

from pim.task_queue import enqueue_once_on_commit, is_database_backend

logger = logging.getLogger("pim")

_originals: dict[str, object] = {}


def reference_index_owner(instance):
    """The object whose references Wagtail's ``update_reference_index_task`` records for a
    save of ``instance``: the instance itself, or for a child row (one with a ParentalKey)
    its parent, followed up the chain as that task does; None if a parent is missing (the
    task then records nothing)."""
    while True:
        parental_keys = [field for field in instance._meta.get_fields() if isinstance(field, ParentalKey)]
        if not parental_keys:
            return instance
        # Wagtail's task follows the first ParentalKey: the same one here, or the rows would
        # be coalesced under a different object than the one the task indexes.
        instance = getattr(instance, parental_keys[0].name)
        if instance is None:
            return None


def _task_args(instance) -> tuple[str, str, str]:
    # What Wagtail's and modelsearch's receivers pass to their tasks.
    return instance._meta.app_label, instance._meta.model_name, str(instance.pk)


def _log_enqueue_error(task_name: str, *commands: str):
    def on_error(exc: Exception) -> None:
        # The save is committed; a stale index is fixed by the next save of the object or
        # by the command, so the request must not fail over it.
        logger.error(
            "Could not queue %s after a save (%s); run %s to bring the index up to date.",
            task_name,
            exc,
            " and ".join(f"`manage.py {command}`" for command in commands),
            exc_info=exc,
        )

    return on_error


def update_reference_index_on_save(instance, **kwargs):
    """Wagtail's ``update_reference_index_on_save``, queueing one task per owner object."""
    from wagtail import signal_handlers
    from wagtail.tasks import update_reference_index_task

    if not is_database_backend(update_reference_index_task.get_backend()):
        return _originals["reference_index"](instance, **kwargs)
    # The same two early returns as Wagtail's receiver: fixtures, and its off switch.
    if kwargs.get("raw", False):
        return None
    if getattr(signal_handlers.reference_index_auto_update_disabled, "value", False):
        return None
    owner = reference_index_owner(instance)
    if owner is None:
        return None
    enqueue_once_on_commit(
        update_reference_index_task,
        *_task_args(owner),
        on_error=_log_enqueue_error("Wagtail's reference index update", "rebuild_references_index"),
    )
    return None


def search_index_on_save(instance, **kwargs):
    """modelsearch's ``post_save_signal_handler``, queueing one task per object."""
    from modelsearch.tasks import insert_or_update_object_task

    if not is_database_backend(insert_or_update_object_task.get_backend()):
        return _originals["search_index"](instance, **kwargs)
    if kwargs.get("raw", False):
        return None
    enqueue_once_on_commit(
        insert_or_update_object_task,
        *_task_args(instance),
        on_error=_log_enqueue_error("the admin search index update", "wagtail_update_index"),
    )
    return None


@task()
def index_objects_task(app_label, model_name, pks):
    """What ``update_reference_index_task`` and ``insert_or_update_object_task`` do for one
    object, for objects saved in bulk (``products_bulk_saved``): one task per bulk write
    instead of two per object."""
    from modelsearch import index
    from wagtail import signal_handlers
    from wagtail.models import ReferenceIndex

    model = apps.get_model(app_label, model_name)
    references = ReferenceIndex.is_indexed(model) and not getattr(
        signal_handlers.reference_index_auto_update_disabled, "value", False
    )
    for instance in model.objects.filter(pk__in=pks).iterator(chunk_size=200):
        if references:
            with transaction.atomic():
                ReferenceIndex.create_or_update_for_object(instance)
        index.insert_or_update_object(instance)


def on_products_bulk_saved(sender, products, **kwargs):
    """Products written in bulk (``products_bulk_saved``): the work of the two save receivers
    above, queued once for the set after the commit."""
    if not products:
        return
    meta = products[0]._meta
    pks = [product.pk for product in products]
    on_error = _log_enqueue_error(
        "the reference and admin search index update", "rebuild_references_index", "wagtail_update_index"
    )

    def enqueue():
        try:
            index_objects_task.enqueue(meta.app_label, meta.model_name, pks)
        except Exception as exc:  # noqa: BLE001 - the products are committed
            on_error(exc)

    transaction.on_commit(enqueue)


def install() -> None:
    """Put the coalescing receivers in place of Wagtail's and modelsearch's save receivers
    (idempotent). Receivers already connected for some model are swapped too."""
    from modelsearch import index
    from modelsearch import signal_handlers as search_handlers
    from wagtail import signal_handlers as wagtail_handlers
    from wagtail.models import ReferenceIndex

    from pim.catalog.signals import products_bulk_saved

    products_bulk_saved.connect(on_products_bulk_saved, dispatch_uid="pim_wagtail_tasks_bulk_saved")
    for key, module, attribute, replacement, models in (
        (
            "reference_index",
            wagtail_handlers,
            "update_reference_index_on_save",
            update_reference_index_on_save,
            ReferenceIndex.tracked_models,
        ),
        (
            "search_index",
            search_handlers,
            "post_save_signal_handler",
            search_index_on_save,
            index.get_indexed_models(),
        ),
    ):
        original = getattr(module, attribute)
        if original is replacement:
            continue
        _originals[key] = original
        setattr(module, attribute, replacement)
        for model in list(models):
            if post_save.disconnect(original, sender=model):
                post_save.connect(replacement, sender=model)
