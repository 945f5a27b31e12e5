"""Catalog changes that affect index documents, recorded in the outbox in the same
transaction (see :mod:`pim.search.indexing`).

The catalog's own ``products_changed`` event covers publishing, unpublishing, deleting,
family/attribute edits and category edits and deletions (documents carry their direct
categories' ids and names; a category filter takes in the subtree at query time, so a move
changes no document). Besides it, this module listens to plain saves that bulk paths and
tests use (product, product model, values). Fixture loading (``raw``) is ignored.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from pim.catalog.models import (
    Attribute,
    AttributeOption,
    Family,
    FamilyAttribute,
    Product,
    ProductModel,
    ProductModelValue,
    ProductValue,
    Quantity,
    Unit,
)
from pim.catalog.signals import products_bulk_saved, products_changed

from . import schema
from .indexing import record_changes


@receiver(products_changed)
def on_products_changed(sender, product_ids, reason, **kwargs):
    record_changes(product_ids, reason)


@receiver(post_save, sender=Product)
def on_product_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        record_changes([instance.pk], "product_saved")


@receiver(products_bulk_saved)
def on_products_bulk_saved(sender, products, **kwargs):
    record_changes([product.pk for product in products], "product_saved")


def _variant_ids(product_model_id):
    return Product.objects.filter(product_model_id=product_model_id).values_list("pk", flat=True)


@receiver(post_save, sender=ProductModel)
def on_product_model_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        record_changes(_variant_ids(instance.pk), "model_saved")


# Saves only: a post_delete receiver on value rows would stop Django from deleting them in
# bulk (one query per row when a product or a whole demo catalog is deleted). Deleting a
# product is reported by the catalog; a product's values change through saving it.
@receiver(post_save, sender=ProductValue)
def on_value_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        record_changes([instance.product_id], "value_changed")


@receiver(post_save, sender=ProductModelValue)
def on_model_value_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        record_changes(_variant_ids(instance.product_model_id), "model_value_changed")


def _schema_changed(sender, **kwargs):
    schema.clear()


for _model in (Attribute, AttributeOption, Family, FamilyAttribute, Unit, Quantity):
    post_save.connect(
        _schema_changed, sender=_model, dispatch_uid=f"pim_search_schema_save_{_model.__name__}"
    )
    post_delete.connect(
        _schema_changed, sender=_model, dispatch_uid=f"pim_search_schema_delete_{_model.__name__}"
    )
