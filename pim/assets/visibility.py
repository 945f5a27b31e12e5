"""Which assets may be downloaded by anyone.

The rule for products is the catalog's (``Product.objects.publicly_visible()``); this
module only extends it along the links:

- a link to a **product** is public when that product is publicly visible;
- a link to a **product model** is public when at least one of its variants is;
- a link to a **category** is public when a publicly visible product sits in that category or
  in one of its subcategories (directly, or through its product model's categories).

An asset is downloadable when it is public, valid from today or earlier, has a current file
(or is a video link) and has at least one public link.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from pim.catalog.models import Category, Product


def _visible():
    return Product.objects.publicly_visible()


def public_link_condition():
    """A condition on AssetLink rows: the link leads to a publicly visible product."""
    visible = _visible()
    subtree_with_visible_product = Exists(
        Category.objects.filter(
            tree_id=OuterRef("category__tree_id"),
            lft__gte=OuterRef("category__lft"),
            rght__lte=OuterRef("category__rght"),
        ).filter(Q(products__in=visible) | Q(productmodel__variants__in=visible))
    )
    return (
        Exists(visible.filter(pk=OuterRef("product_id")))
        | Exists(visible.filter(product_model_id=OuterRef("product_model_id")))
        | (Q(category__isnull=False) & subtree_with_visible_product)
    )


def asset_is_available_condition():
    """Conditions on Asset rows that do not depend on links."""
    today = timezone.localdate()
    return (
        Q(public=True)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        & (Q(current_revision__isnull=False) | ~Q(external_url=""))
    )


def downloadable_assets(queryset):
    from .models import AssetLink

    public_links = AssetLink.objects.filter(public_link_condition(), asset_id=OuterRef("pk"))
    return queryset.filter(asset_is_available_condition()).filter(Exists(public_links))


def product_link_condition(product, prefix: str = "") -> Q:
    """Links that attach something to ``product``: to the product itself, its product
    model, or a category that contains it (or an ancestor of such a category)."""
    conditions = Q(**{f"{prefix}product_id": product.pk})
    if product.product_model_id:
        conditions |= Q(**{f"{prefix}product_model_id": product.product_model_id})
    categories = list(product.categories.all())
    if product.product_model_id:
        categories += list(product.product_model.categories.all())
    for category in {c.pk: c for c in categories}.values():
        conditions |= Q(
            **{
                f"{prefix}category__tree_id": category.tree_id,
                f"{prefix}category__lft__lte": category.lft,
                f"{prefix}category__rght__gte": category.rght,
            }
        )
    return conditions


def asset_is_downloadable(asset) -> bool:
    from .models import Asset

    return downloadable_assets(Asset.objects.filter(pk=asset.pk)).exists()


def asset_is_downloadable_for(asset, product) -> bool:
    """True when ``asset`` may be downloaded in the context of ``product``: the product is
    publicly visible, the asset is available and linked to the product."""
    from .models import Asset, AssetLink

    if not product.is_publicly_visible():
        return False
    if not Asset.objects.filter(asset_is_available_condition(), pk=asset.pk).exists():
        return False
    return AssetLink.objects.filter(product_link_condition(product), asset_id=asset.pk).exists()
