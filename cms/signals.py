"""What invalidates cached public pages (see :mod:`cms.page_cache`).

A product page shows the product, its family's attributes and units, its categories with
their ancestors, its downloads, and the names of its variants, related products and
successor. So a change to product P replaces the stamps of P's page and of the pages that
show P (products relating to it, naming it as successor, variants of the same series), plus
the ``listing`` stamp (the home page lists the latest products). Changes whose reach is not
tracked per product (categories: a renamed ancestor shows on the pages of a whole subtree;
families, attributes, units; deletions, whose relations are gone by the time the event
arrives; events reaching more than ``PIM_PAGE_CACHE_MAX_PRODUCTS`` products) replace the
``catalog`` stamp, which every page carries. Wagtail pages, sites and settings replace the
``site`` stamp.

Listened to: the catalog's ``products_changed`` (publishing, unpublishing, deleting, family,
attribute and category edits, asset changes with reason ``assets_changed``) and plain saves
the event does not cover (bulk paths, scripts, asset titles).
"""

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from wagtail.signals import post_page_move

from pim.catalog.models import Product, ProductRelation
from pim.catalog.signals import products_bulk_saved, products_changed

from . import page_cache

# Reasons whose reach goes beyond the products named in the event.
_CATALOG_WIDE_REASONS = {"deleted", "category_changed", "category_deleted"}


def _products_showing(product_ids) -> set[int]:
    """Ids of the products whose pages show one of ``product_ids`` (a related product, the
    successor, a variant of the same series), the products themselves included."""
    ids = set(product_ids)
    series = Product.objects.filter(pk__in=ids, product_model__isnull=False).values("product_model_id")
    ids.update(
        Product.objects.filter(Q(successor_id__in=ids) | Q(product_model_id__in=series)).values_list(
            "pk", flat=True
        )
    )
    ids.update(ProductRelation.objects.filter(target_id__in=product_ids).values_list("product_id", flat=True))
    return ids


def invalidate_products(product_ids, *, catalog_wide: bool = False) -> None:
    """Invalidate the pages of ``product_ids``, the pages showing them and product lists."""
    product_ids = {int(pk) for pk in product_ids if pk is not None}
    limit = settings.PIM_PAGE_CACHE_MAX_PRODUCTS
    scopes = {page_cache.LISTING}
    if not catalog_wide and len(product_ids) <= limit:
        reached = _products_showing(product_ids)
        if len(reached) <= limit:
            scopes.update(page_cache.product_scope(pk) for pk in reached)
        else:
            catalog_wide = True
    else:
        catalog_wide = True
    if catalog_wide:
        scopes.add(page_cache.CATALOG)
    page_cache.invalidate(scopes)


def _on_products_changed(sender, product_ids, reason, **kwargs):
    invalidate_products(product_ids, catalog_wide=reason in _CATALOG_WIDE_REASONS)


def _on_product_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        invalidate_products([instance.pk])


def _on_products_bulk_saved(sender, products, **kwargs):
    invalidate_products([product.pk for product in products])


def _invalidate_series(product_model_id) -> None:
    invalidate_products(
        Product.objects.filter(product_model_id=product_model_id).values_list("pk", flat=True)
    )


def _on_series_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _invalidate_series(instance.pk)


def _on_product_row_saved(sender, instance, raw=False, **kwargs):
    """A value or relation of one product, or a value of a series (shared by its variants)."""
    if raw:
        return
    if hasattr(instance, "product_model_id"):
        _invalidate_series(instance.product_model_id)
    else:
        invalidate_products([instance.product_id])


def _on_reference_changed(sender, instance, raw=False, created=False, **kwargs):
    # A new category, unit or attribute changes no page until products use it (and that
    # use is an event); edits and deletions reach pages the events do not name. A new family
    # attribute can become a column of the catalog's result table (cms.catalog_listing).
    if not raw and (not created or sender._meta.model_name == "familyattribute"):
        page_cache.invalidate({page_cache.CATALOG})


def _on_category_created(sender, instance, raw=False, created=False, **kwargs):
    # A new category has a catalog page at once: the category tree (cms.category_paths) is
    # cached under the catalog stamp.
    if not raw and created:
        page_cache.invalidate({page_cache.CATALOG})


def _on_asset_saved(sender, instance, raw=False, created=False, **kwargs):
    from pim.assets.models import AssetLink
    from pim.assets.signals import products_reached

    if raw or created:
        return
    asset_id = instance.asset_id if sender._meta.model_name == "assetrevision" else instance.pk
    targets = list(
        AssetLink.objects.filter(asset_id=asset_id).values_list(
            "product_id", "product_model_id", "category_id"
        )
    )
    if targets:
        invalidate_products(
            products_reached(
                product_ids=[t[0] for t in targets],
                model_ids=[t[1] for t in targets],
                category_ids=[t[2] for t in targets],
            )
        )


def _on_site_changed(sender, instance=None, raw=False, **kwargs):
    if not raw:
        page_cache.invalidate({page_cache.SITE})


def _site_models():
    """Wagtail models whose rows show on public pages: every page type, sites, view
    restrictions and site settings."""
    from wagtail.models import Page, PageViewRestriction, Site, get_page_models

    models = {Page, Site, PageViewRestriction, *get_page_models()}
    try:
        from wagtail.contrib.settings.registry import registry

        models.update(registry)
    except ImportError:  # wagtail.contrib.settings not installed
        pass
    return models


def connect() -> None:
    """Connect the receivers (from ``CmsConfig.ready``)."""
    products_changed.connect(_on_products_changed, dispatch_uid="cms_page_cache_products")
    post_save.connect(_on_product_saved, sender=Product, dispatch_uid="cms_page_cache_product")
    products_bulk_saved.connect(_on_products_bulk_saved, dispatch_uid="cms_page_cache_products_bulk")
    post_save.connect(_on_series_saved, sender="catalog.ProductModel", dispatch_uid="cms_page_cache_series")
    for model in ("ProductValue", "ProductModelValue", "ProductRelation", "PackingUnit"):
        # Saves only: a delete receiver on these rows would stop Django from deleting them in
        # bulk; they are deleted by a publish (an event) or with their product.
        post_save.connect(_on_product_row_saved, sender=f"catalog.{model}", dispatch_uid="cms_page_cache_row")
    for model in (
        "Category",
        "Family",
        "FamilyAttribute",
        "Attribute",
        "AttributeOption",
        "AttributeGroup",
        "Unit",
        "Quantity",
    ):
        post_save.connect(_on_reference_changed, sender=f"catalog.{model}", dispatch_uid="cms_page_cache_ref")
        post_delete.connect(
            _on_reference_changed, sender=f"catalog.{model}", dispatch_uid="cms_page_cache_ref"
        )
    post_save.connect(_on_category_created, sender="catalog.Category", dispatch_uid="cms_category_tree")
    if apps.is_installed("pim.assets"):
        for model in ("Asset", "AssetRevision"):
            post_save.connect(_on_asset_saved, sender=f"assets.{model}", dispatch_uid="cms_page_cache_asset")
    for model in _site_models():
        post_save.connect(_on_site_changed, sender=model, dispatch_uid="cms_page_cache_site")
        post_delete.connect(_on_site_changed, sender=model, dispatch_uid="cms_page_cache_site")
    post_page_move.connect(_on_site_changed, dispatch_uid="cms_page_cache_site")
