"""Which catalog change becomes which webhook event.

Events describe the **published state**, the one rule of visibility (``publicly_visible``):
a product is announced only while it is publicly visible, or at the moment it stops being
so (unpublished, deleted, lifecycle set back to draft). Drafts and revisions send nothing by
default; a subscription with ``include_drafts`` also gets ``product.updated`` (``"draft":
true``) for each saved revision, still without the draft's data.

- Wagtail's ``published`` of a product: ``product.published``; ``product.created`` when it
  became publicly visible with this publish (first publication, or back after being
  unpublished); ``product.discontinued`` when the published lifecycle changed to
  discontinued; ``price.changed`` when the price rows differ from the previously published
  ones; ``product.updated`` (``public: false``) when the publish took it out of view. The state
  before the publish is read in ``pre_save`` (the row still holds it then; the price rows are
  rewritten after the product row, inside ``save``).
- The catalog's ``products_changed``: ``asset.changed`` for ``assets_changed``;
  ``product.updated`` for the rest (series published or unpublished, family, attribute and
  category edits, a product unpublished), for the products it names that are visible, or that
  were visible until an unpublish.
- ``post_delete`` of a product that was publicly visible: ``product.deleted`` (the article
  number is only known here).
- An export run reaching succeeded or failed: ``export.finished``.
- Drafts (only with ``include_drafts``): a saved revision of a product, and the import's bulk
  writes (``products_bulk_saved``), become ``product.updated`` with ``"draft": true``; ``public``
  says whether the published state is visible.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from wagtail.models import Revision
from wagtail.signals import published

from pim.catalog.models import Lifecycle, Product, ProductPrice
from pim.catalog.models.products import PUBLIC_LIFECYCLES
from pim.catalog.signals import products_bulk_saved, products_changed
from pim.exports.models import ExportRun, RunStatus

from . import events
from .models import EventType, WebhookSubscription

_BEFORE = "_pim_webhooks_before"
_PUBLISH_EVENTS = (
    EventType.PRODUCT_CREATED,
    EventType.PRODUCT_DISCONTINUED,
    EventType.PRICE_CHANGED,
    EventType.PRODUCT_UPDATED,
)
_UNPUBLISH_REASONS = {"unpublished", "model_unpublished"}
_FINISHED = {RunStatus.SUCCEEDED, RunStatus.FAILED}
_CHUNK = 1000


def _price_rows(product_id: int) -> list[tuple]:
    return sorted(
        (row[0], row[1], f"{row[2].normalize():f}", f"{row[3].normalize():f}", str(row[4]), str(row[5]))
        for row in ProductPrice.objects.filter(product_id=product_id).values_list(
            "price_type", "currency", "amount", "min_quantity", "valid_from", "valid_to"
        )
    )


def _anyone_wants(event_types) -> bool:
    return not events.wanted_event_types().isdisjoint(event_types)


def _reference(product: Product, *, public: bool) -> dict:
    return {"product": events.product_reference(product.pk, product.article_number, public=public)}


@receiver(post_save, sender=WebhookSubscription)
@receiver(post_delete, sender=WebhookSubscription)
def _on_subscription_changed(sender, **kwargs):
    events.forget_subscriptions()


# --- publishing -----------------------------------------------------------------------------
@receiver(pre_save, sender=Product)
def _remember_published_state(sender, instance, raw=False, **kwargs):
    # Publishing sets live before saving; a draft save of an unpublished product does not, and
    # a draft of a live product writes only a revision. So only saves that may publish pay.
    if raw or instance.pk is None or not instance.live or not _anyone_wants(_PUBLISH_EVENTS):
        return
    before = Product.objects.filter(pk=instance.pk).select_related("product_model").first()
    if before is not None:
        setattr(
            instance,
            _BEFORE,
            {
                "public": before.is_publicly_visible(),
                "lifecycle": before.lifecycle,
                "prices": _price_rows(instance.pk),
            },
        )


@receiver(published, sender=Product)
def _on_product_published(sender, instance, **kwargs):
    before = instance.__dict__.pop(_BEFORE, None)
    public = instance.is_publicly_visible()
    subject = [_reference(instance, public=public)]
    if public:
        events.record(EventType.PRODUCT_PUBLISHED, subject)
    if before is None:
        return
    if public and not before["public"]:
        events.record(EventType.PRODUCT_CREATED, subject)
    if before["public"] and not public:
        events.record(EventType.PRODUCT_UPDATED, subject, reason="unpublished")
    if (
        public
        and instance.lifecycle == Lifecycle.DISCONTINUED
        and before["lifecycle"] != Lifecycle.DISCONTINUED
    ):
        events.record(EventType.PRODUCT_DISCONTINUED, subject)
    if public and before["public"] and before["prices"] != _price_rows(instance.pk):
        events.record(EventType.PRICE_CHANGED, subject)


# --- other catalog events -------------------------------------------------------------------
def _products(ids, *, unpublished: bool) -> list[dict]:
    """Payload subjects for the products of ``ids`` that are visible; after an unpublish, those
    that were visible (public lifecycle, series live), announced as no longer public."""
    ids = list(ids)
    subjects = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        if unpublished:
            rows = Product.objects.filter(pk__in=chunk, lifecycle__in=PUBLIC_LIFECYCLES).exclude(
                product_model__live=False
            )
        else:
            rows = Product.objects.publicly_visible().filter(pk__in=chunk)
        subjects.extend(
            {"product": events.product_reference(pk, number, public=not unpublished)}
            for pk, number in rows.order_by("pk").values_list("pk", "article_number")
        )
    return subjects


@receiver(products_changed)
def _on_products_changed(sender, product_ids, reason, **kwargs):
    if reason in ("published", "deleted"):
        return  # announced by the receivers of Wagtail's published and of post_delete
    event_type = EventType.ASSET_CHANGED if reason == "assets_changed" else EventType.PRODUCT_UPDATED
    if not events.subscriptions_for(event_type):
        return
    unpublished = reason in _UNPUBLISH_REASONS
    events.record(event_type, _products(product_ids, unpublished=unpublished), reason=reason)


@receiver(post_delete, sender=Product)
def _on_product_deleted(sender, instance, **kwargs):
    if events.subscriptions_for(EventType.PRODUCT_DELETED) and instance.is_publicly_visible():
        events.record(EventType.PRODUCT_DELETED, [_reference(instance, public=False)])


def _draft_subjects(ids) -> list[dict]:
    """Payload subjects for draft events: id, article number, whether the published state is
    visible now; nothing of the draft."""
    ids = sorted({int(pk) for pk in ids})
    subjects = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        visible = set(Product.objects.publicly_visible().filter(pk__in=chunk).values_list("pk", flat=True))
        subjects.extend(
            {"product": events.product_reference(pk, number, public=pk in visible)}
            for pk, number in Product.objects.filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "article_number")
        )
    return subjects


@receiver(post_save, sender=Revision)
def _on_revision_saved(sender, instance, created, raw=False, **kwargs):
    if raw or not created or instance.base_content_type_id != ContentType.objects.get_for_model(Product).pk:
        return
    if not events.subscriptions_for(EventType.PRODUCT_UPDATED, drafts=True):
        return
    subjects = _draft_subjects([instance.object_id])
    for subject in subjects:
        subject["revision"] = instance.pk
    events.record(EventType.PRODUCT_UPDATED, subjects, drafts=True, reason="draft_saved")


@receiver(products_bulk_saved)
def _on_products_bulk_saved(sender, products, **kwargs):
    # Imports write drafts (and their revisions) in bulk, without a save signal per row.
    if events.subscriptions_for(EventType.PRODUCT_UPDATED, drafts=True):
        subjects = _draft_subjects(product.pk for product in products)
        events.record(EventType.PRODUCT_UPDATED, subjects, drafts=True, reason="draft_saved")


# --- exports --------------------------------------------------------------------------------
@receiver(pre_save, sender=ExportRun)
def _remember_run_status(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and "status" not in update_fields):
        return
    if EventType.EXPORT_FINISHED not in events.wanted_event_types():
        return
    instance._pim_webhooks_status = (
        ExportRun.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    )


@receiver(post_save, sender=ExportRun)
def _on_run_saved(sender, instance, created, raw=False, **kwargs):
    previous = instance.__dict__.pop("_pim_webhooks_status", None)
    if raw or instance.status not in _FINISHED or previous in _FINISHED:
        return
    if EventType.EXPORT_FINISHED not in events.wanted_event_types():
        return
    run = {
        "id": instance.pk,
        "channel": instance.channel.code,
        "status": instance.status,
        "kind": instance.kind,
        "format": instance.format,
        "finished_at": instance.finished_at.isoformat() if instance.finished_at else None,
        "products": instance.product_count,
        "deletions": instance.deleted_count,
        "skipped": instance.skipped_count,
        "published": instance.published,
    }
    events.record(EventType.EXPORT_FINISHED, [{"export_run": run}])
