"""What a request may read: the catalog's visibility rule, widened only by a token's scope.

Anonymous requests and ``public_read`` tokens see exactly what the public site shows
(``Product.objects.publicly_visible()``, the asset download rule, prices only with
``PIM_PUBLIC_PRICES``); ``full_read`` and ``write`` tokens see every stored row, drafts and
unpublished products included.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from pim.assets.models import Asset, AssetLink
from pim.assets.visibility import public_link_condition
from pim.catalog.models import Category, Product, ProductModel

from .models import ApiToken


def sees_unpublished(request) -> bool:
    """The request's token reads drafts and products that are not publicly visible."""
    token = request.auth
    return isinstance(token, ApiToken) and token.sees_unpublished


def shows_prices(request) -> bool:
    return settings.PIM_PUBLIC_PRICES or sees_unpublished(request)


def readable_products(request):
    products = Product.objects.all()
    return products if sees_unpublished(request) else products.publicly_visible()


def readable_series(request):
    """Series: for the public, live ones with at least one publicly visible variant (as the
    sitemap and the series pages)."""
    series = ProductModel.objects.all()
    if sees_unpublished(request):
        return series
    visible_variants = Product.objects.publicly_visible().filter(product_model_id=OuterRef("pk"))
    return series.filter(live=True).filter(Exists(visible_variants))


def readable_categories(request):
    """Categories: for the public, those with a publicly visible product in their subtree
    (directly or through the product's series), as the catalog's category tree."""
    categories = Category.objects.all()
    if sees_unpublished(request):
        return categories
    visible = Product.objects.publicly_visible()
    subtree_with_visible_product = Exists(
        Category.objects.filter(
            tree_id=OuterRef("tree_id"), lft__gte=OuterRef("lft"), rght__lte=OuterRef("rght")
        ).filter(Q(products__in=visible) | Q(productmodel__variants__in=visible))
    )
    return categories.filter(subtree_with_visible_product)


def readable_assets(request):
    """Assets: for the public, exactly what the download rule serves (public, valid, with a
    file or video link, linked to a publicly visible product); full read: every asset."""
    assets = Asset.objects.all()
    return assets if sees_unpublished(request) else assets.publicly_downloadable()


def readable_asset_links(request, asset_ids):
    """The links of these assets the request may know of: for the public only those leading
    to a publicly visible product (a link to a draft would reveal the draft)."""
    links = AssetLink.objects.filter(asset_id__in=asset_ids)
    return links if sees_unpublished(request) else links.filter(public_link_condition())


def reads_internals(request) -> bool:
    """Channels and export runs are internal: only full-read and write tokens see them."""
    return sees_unpublished(request)
