"""Receivers of the assets app.

- Storage clean-up: files leave storage when nothing refers to them any more. Deletion waits
  for the commit, so a rolled-back delete keeps its files.
- Change events: an asset change that changes what products offer for download sends the
  catalog's ``products_changed`` (reason ``assets_changed``) for the products it reaches, in
  the transaction of the change, so search (outbox) and exports (change log) follow it. A link
  to a product reaches that product, a link to a product model its variants, a link to a
  category the products in its subtree (directly or through their product model) — the reach
  of the download rule (:mod:`pim.assets.visibility`).

  Not an event: an asset whose ``valid_from`` lies in the future becomes downloadable when
  that day comes, without any change in the database, so no signal fires then. The
  ``assets_became_valid`` command, run once a day from cron, calls
  :func:`report_assets_becoming_valid` for that.
"""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from pim.catalog.models import Category, Product
from pim.catalog.signals import demo_catalog_built, notify

from .models import Asset, AssetLink, AssetRevision, GeneratedDatasheet

REASON = "assets_changed"
# Asset fields the download rule and the documents read; a save that changes one is an event.
WATCHED_ASSET_FIELDS = ("public", "valid_from", "kind", "current_revision", "external_url")


def _delete_later(storage, name):
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@receiver(post_delete, sender=AssetRevision)
def _revision_deleted(sender, instance, **kwargs):
    # Content-addressed: another revision (of any asset) may hold the same bytes.
    name = instance.file.name
    if name and not AssetRevision.objects.filter(file=name).exists():
        _delete_later(instance.file.storage, name)
        from .previews import thumbnail_name

        _delete_later(instance.file.storage, thumbnail_name(instance))


@receiver(post_delete, sender=GeneratedDatasheet)
def _datasheet_deleted(sender, instance, **kwargs):
    _delete_later(instance.file.storage, instance.file.name)


@receiver(post_delete, sender=Asset)
def _asset_deleted(sender, instance, **kwargs):
    # The Wagtail image of a product image belongs to the asset (Wagtail removes its file).
    if instance.image_id:
        from wagtail.images import get_image_model

        get_image_model().objects.filter(pk=instance.image_id).delete()


@receiver(demo_catalog_built)
def _attach_demo_assets(sender, products, seed, verbosity=1, stdout=None, stderr=None, **kwargs):
    """The demo catalog gets downloads from the first run: pictures, STEP/STL models, DXF
    drawings, manuals and a certificate per series (see :mod:`pim.assets.demo`)."""
    from random import Random

    from tqdm import tqdm

    from .demo import attach_demo_assets

    def progress(items):
        return tqdm(items, desc=_("demo assets"), unit=" series", disable=verbosity < 1, file=stderr)

    # Every link it makes reports the products it reaches (the bulk-created ones through
    # report_links), so nothing more is sent here.
    summary = attach_demo_assets(products, Random(seed), progress=progress)
    if stdout is not None and verbosity >= 1:
        stdout.write(
            _("Demo assets: %(created)s stored, %(reused)s reused, %(links)s links.")
            % {"created": summary.created, "reused": summary.reused, "links": summary.links}
        )


# --- change events ------------------------------------------------------------------------------
def products_reached(*, product_ids=(), model_ids=(), category_ids=()) -> set[int]:
    """Ids of the products that links to these targets reach: the products themselves, the
    variants of the product models, the products in the categories' subtrees (directly or
    through their product model)."""
    ids = {pk for pk in product_ids if pk is not None}
    model_ids = {pk for pk in model_ids if pk is not None}
    category_ids = {pk for pk in category_ids if pk is not None}
    if model_ids:
        ids.update(Product.objects.filter(product_model_id__in=model_ids).values_list("pk", flat=True))
    if category_ids:
        subtree = Category.objects.get_queryset_descendants(
            Category.objects.filter(pk__in=category_ids), include_self=True
        ).values("pk")
        ids.update(Product.objects.in_categories(subtree).values_list("pk", flat=True))
    return ids


def _notify_targets(targets) -> set[int]:
    """Send the event for the products that links to ``targets`` reach; ``targets``: (product
    id, product model id, category id) of links. Returns the product ids."""
    targets = list(targets)
    ids = products_reached(
        product_ids=[t[0] for t in targets],
        model_ids=[t[1] for t in targets],
        category_ids=[t[2] for t in targets],
    )
    notify(ids, REASON)
    return ids


def report_links(links) -> set[int]:
    """Send the event for the products that ``links`` (:class:`AssetLink` rows made or removed
    without signals, e.g. by ``bulk_create``) reach. Returns the product ids."""
    return _notify_targets((link.product_id, link.product_model_id, link.category_id) for link in links)


def _link_targets(asset_id):
    return AssetLink.objects.filter(asset_id=asset_id).values_list(
        "product_id", "product_model_id", "category_id"
    )


def _deleted_with(origin, model) -> bool:
    """Whether a deletion started at ``origin`` (an instance or a queryset) deletes ``model`` rows."""
    if isinstance(origin, QuerySet):
        return issubclass(origin.model, model)
    return isinstance(origin, model)


@receiver(pre_save, sender=AssetLink)
def _link_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._previous_target = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"product", "product_model", "category"} & set(update_fields):
        return  # the target did not change
    instance._previous_target = (
        AssetLink.objects.filter(pk=instance.pk)
        .values_list("product_id", "product_model_id", "category_id")
        .first()
    )


@receiver(post_save, sender=AssetLink)
def _link_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    targets = [(instance.product_id, instance.product_model_id, instance.category_id)]
    previous = getattr(instance, "_previous_target", None)
    if previous is not None and previous != targets[0]:
        targets.append(previous)  # moved: the old target loses the download
    _notify_targets(targets)


@receiver(post_delete, sender=AssetLink)
def _link_deleted(sender, instance, origin=None, **kwargs):
    # Deleting an asset or a category reports its products before the links go (pre_delete
    # below); deleting a product is reported by the catalog.
    if any(_deleted_with(origin, model) for model in (Asset, Category, Product)):
        return
    _notify_targets([(instance.product_id, instance.product_model_id, instance.category_id)])


def _watched_state(asset) -> tuple:
    return tuple(
        Asset._meta.get_field(name).to_python(getattr(asset, Asset._meta.get_field(name).attname))
        for name in WATCHED_ASSET_FIELDS
    )


@receiver(pre_save, sender=Asset)
def _asset_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._previous_state = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(WATCHED_ASSET_FIELDS) & set(update_fields):
        return
    row = Asset.objects.filter(pk=instance.pk).values_list(*WATCHED_ASSET_FIELDS).first()
    instance._previous_state = tuple(row) if row is not None else None


@receiver(post_save, sender=Asset)
def _asset_saved(sender, instance, raw=False, created=False, **kwargs):
    previous = getattr(instance, "_previous_state", None)
    if raw or created or previous is None or previous == _watched_state(instance):
        return
    _notify_targets(_link_targets(instance.pk))


@receiver(pre_delete, sender=Asset)
def _asset_deleting(sender, instance, **kwargs):
    # Before the cascade removes the links that say which products it reached.
    _notify_targets(_link_targets(instance.pk))


@receiver(pre_delete, sender=AssetRevision)
def _revision_deleting(sender, instance, origin=None, **kwargs):
    # Deleting the current revision leaves the asset without a file (SET_NULL, no save signal).
    if _deleted_with(origin, Asset):
        return
    if Asset.objects.filter(pk=instance.asset_id, current_revision_id=instance.pk).exists():
        _notify_targets(_link_targets(instance.asset_id))


# While a category is deleted, lft/rght in the database cannot be trusted: django-mptt's
# ``Category.delete()`` closes the gap (shifts the nodes to the right of it and shrinks its
# ancestors' rght) before Django's collector sends pre_delete. ``category`` itself keeps the
# values read before the shift.
def _category_links_above(category) -> bool:
    """Whether a link sits on ``category`` or one of its ancestors (also while it is deleted)."""
    # An ancestor starts left of the category and ends at or after its start: true before the
    # gap is closed (rght > category.rght) and after (rght shrank by the subtree's width).
    # Nodes entirely to the left end before the category starts; shifted nodes start at or
    # after it.
    return AssetLink.objects.filter(
        Q(category_id=category.pk)
        | Q(
            category__tree_id=category.tree_id,
            category__lft__lt=category.lft,
            category__rght__gte=category.lft,
        )
    ).exists()


@receiver(pre_delete, sender=Category)
def _category_deleting(sender, instance, **kwargs):
    # Its products lose what was linked to it or above it; the memberships are deleted
    # without signals, so ask now.
    if _category_links_above(instance):
        notify(Product.objects.in_categories(instance.subtree_ids()).values_list("pk", flat=True), REASON)


@receiver(pre_save, sender=Category)
def _category_before_save(sender, instance, raw=False, **kwargs):
    instance._previous_parent = None
    if raw or instance.pk is None:
        return
    instance._previous_parent = (
        Category.objects.filter(pk=instance.pk).values_list("parent_id", flat=True).first() or 0
    )


@receiver(post_save, sender=Category)
def _category_saved(sender, instance, raw=False, created=False, **kwargs):
    previous = getattr(instance, "_previous_parent", None)
    if raw or created or previous is None or previous == (instance.parent_id or 0):
        return
    # Moved: the subtree now inherits other category links. Only matters when links exist.
    if AssetLink.objects.filter(category__isnull=False).exists():
        notify(products_reached(category_ids=[instance.pk]), REASON)


def report_assets_becoming_valid(since, until=None) -> int:
    """Send the event for the products of assets whose ``valid_from`` lies after ``since`` and
    up to ``until`` (default: today): they became downloadable without a change in the
    database. The ``assets_became_valid`` command calls it once a day with the day of the
    previous run. Returns the number of products reported."""
    until = until or timezone.localdate()
    assets = Asset.objects.filter(valid_from__gt=since, valid_from__lte=until).values("pk")
    return len(
        _notify_targets(
            AssetLink.objects.filter(asset__in=assets).values_list(
                "product_id", "product_model_id", "category_id"
            )
        )
    )
