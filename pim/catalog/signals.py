"""Change events of the catalog.

``products_changed`` fires inside the transaction that changed them (so a listener can
record an outbox row atomically with the change): after a product is published,
unpublished or deleted, after its product model is published, after family or attribute
edits that change how products read, and after a category is edited (its products) or
deleted (the products of its subtree, which lose the membership). Listeners live in the apps that need them
(search, exports); the catalog imports none of them.
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import Signal, receiver
from wagtail.signals import published, unpublished

products_changed = Signal()  # kwargs: product_ids (list[int]), reason (str)

# Sent by writers that insert or update product rows in bulk (the import) instead of saving
# each product, after the rows and their child rows are written, in the same transaction.
# Every app that listens to ``post_save`` of Product listens to this too and does the same
# work once for the whole set (tests/test_bulk_saved.py holds them to it). kwargs: products
# (list of saved Product instances).
products_bulk_saved = Signal()

# Sent by ``demo_catalog`` after it built the demo products, so other apps add their demo
# data (assets attach files, exports create demo channels) without the catalog importing
# them. kwargs: products (queryset of the demo products), seed (int), verbosity (int),
# stdout/stderr (the command's streams).
demo_catalog_built = Signal()


def notify(product_ids, reason: str) -> None:
    ids = sorted({int(pk) for pk in product_ids if pk is not None})
    if ids:
        products_changed.send(sender=None, product_ids=ids, reason=reason)


@receiver(published)
def _on_published(sender, instance, **kwargs):
    from .models import Product, ProductModel

    if isinstance(instance, Product):
        notify([instance.pk], "published")
    elif isinstance(instance, ProductModel):
        notify(instance.variants.values_list("pk", flat=True), "model_published")


@receiver(unpublished)
def _on_unpublished(sender, instance, **kwargs):
    from .models import Product, ProductModel

    if isinstance(instance, Product):
        notify([instance.pk], "unpublished")
    elif isinstance(instance, ProductModel):
        notify(instance.variants.values_list("pk", flat=True), "model_unpublished")


@receiver(post_delete, sender="catalog.Product")
def _on_product_deleted(sender, instance, **kwargs):
    notify([instance.pk], "deleted")


@receiver(post_save, sender="catalog.Family")
@receiver(post_save, sender="catalog.FamilyAttribute")
def _on_family_saved(sender, instance, created, raw=False, **kwargs):
    from .models import Product

    if raw or (created and sender.__name__ == "Family"):
        return
    family_id = instance.pk if sender.__name__ == "Family" else instance.family_id
    notify(Product.objects.filter(family_id=family_id).values_list("pk", flat=True), "family_changed")


@receiver(post_save, sender="catalog.Attribute")
@receiver(post_save, sender="catalog.AttributeOption")
def _on_attribute_saved(sender, instance, created, raw=False, **kwargs):
    from .models import Product

    if raw or created:
        return
    attribute_id = instance.pk if sender.__name__ == "Attribute" else instance.attribute_id
    notify(
        Product.objects.filter(family__family_attributes__attribute_id=attribute_id).values_list(
            "pk", flat=True
        ),
        "attribute_changed",
    )


# Products carry their direct categories' codes and names (search documents, export records);
# a category's position in the tree is read when it is needed, so a move changes no product.
@receiver(post_save, sender="catalog.Category")
def _on_category_saved(sender, instance, created, raw=False, **kwargs):
    from .models import Product

    if raw or created:
        return
    notify(Product.objects.in_categories([instance.pk]).values_list("pk", flat=True), "category_changed")


@receiver(pre_delete, sender="catalog.Category")
def _on_category_deleting(sender, instance, origin=None, **kwargs):
    from .models import Category, Product

    # Before the memberships go (they are deleted without signals). A descendant deleted along
    # with the category the deletion started at is part of that one's subtree.
    if isinstance(origin, Category) and origin.pk != instance.pk:
        return
    notify(
        Product.objects.in_categories(instance.subtree_ids()).values_list("pk", flat=True),
        "category_deleted",
    )
