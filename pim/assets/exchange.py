"""What exports say about a product's assets (BMEcat MIME_INFO, JSON Lines ``assets``).

``pim.exports.mime`` calls :func:`mime_entries_for_products` for a batch of products it is
about to write (products it already knows to be publicly visible). Sources are paths of the
public download URLs relative to the site root, so a channel's ``media_base_url`` (BMEcat
MIME_ROOT) is the public site's base URL.

``pim.inquiries`` calls :func:`available_links_for_products` for the documents of a product's
published state (change notices: new or revised datasheets, certificates, CAD models).

``pim.search`` calls :func:`public_asset_kinds` for each batch of index documents (the
"downloads" filter and facet) and :func:`download_kind_labels` for the facet's labels.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, Value
from wagtail.images import get_image_model

from pim.catalog.models import Category, Product, ProductModel

from .downloads import asset_url, datasheet_url_maker
from .models import ROLE_ORDER, Asset, AssetKind, AssetLink, LinkRole
from .visibility import asset_is_available_condition

# BMEcat MIME_PURPOSE per link role; CAD, manuals, certificates… are "others".
_PURPOSE = {
    LinkRole.MAIN_IMAGE: "normal",
    LinkRole.GALLERY: "detail",
    LinkRole.DATASHEET: "data_sheet",
}
# ETIM guideline MIME codes by role (MD01 product picture, per the official sample); the
# exports code other entries by their asset kind (pim.exports.mime.ETIM_MIME_CODES).
_ETIM_CODE = {LinkRole.MAIN_IMAGE: "MD01", LinkRole.GALLERY: "MD01"}
_ROLE_RANK = {role.value: index for index, role in enumerate(ROLE_ORDER)}
# The JPEG rendition exports send for a picture (BMEcat's MIME_TYPE knows image/jpeg, not
# PNG or WebP). White behind transparent areas, as on the page. Wagtail names a rendition
# after the original's random name cut to leave room for the spec: this spec (no focal
# point) leaves 18 characters (90 bits) of it, so the URL stays unguessable.
JPEG_RENDITION_SPEC = "max-1600x1600|bgcolor-fff|format-jpeg"
_PICTURE_ROLES = {LinkRole.MAIN_IMAGE, LinkRole.GALLERY}


def _category_ancestors(category_ids) -> dict[int, set[int]]:
    """For each category id, the ids of it and its ancestors (one query per tree set)."""
    nodes = list(Category.objects.filter(pk__in=category_ids).values("pk", "tree_id", "lft", "rght"))
    if not nodes:
        return {}
    trees = {node["tree_id"] for node in nodes}
    everything = list(Category.objects.filter(tree_id__in=trees).values("pk", "tree_id", "lft", "rght"))
    return {
        node["pk"]: {
            other["pk"]
            for other in everything
            if other["tree_id"] == node["tree_id"]
            and other["lft"] <= node["lft"]
            and other["rght"] >= node["rght"]
        }
        for node in nodes
    }


def mime_entries_for_products(product_ids, *, jpeg_renditions: bool = False) -> dict[int, list[dict]]:
    """Per product id: the assets the product's page offers for download
    (:func:`pim.assets.downloads.public_assets_for` with images, in its order), then the
    generated datasheet per language. Video links are left out: they point at another site
    and are no file a receiver could fetch under MIME_ROOT.

    The links are the download rule's (:func:`pim.assets.visibility.product_link_condition`):
    to the product, to its product model, or to a category containing the product or its
    product model (own and model categories together), or an ancestor of such a category.
    Availability (public, valid from today or earlier, with a file) is checked here;
    visibility of the product is not (exports pass visible products; completeness also
    drafts).

    With ``jpeg_renditions`` (BMEcat 2005 and 1.2 export runs) a product picture (main or
    gallery image with a Wagtail image) also names its JPEG rendition (``jpeg_source``,
    :data:`JPEG_RENDITION_SPEC`), a public media URL like the ones pages embed; it is made on
    first use and kept. Other callers (completeness, other formats) do not pay for it.

    Bulk: the same number of queries for any number of products (plus one per rendition
    made for the first time).
    """
    result = {}
    chosen_by_product = list(_chosen_links(product_ids))
    jpeg_sources = (
        _jpeg_rendition_sources(
            link.asset.image_id for _product, chosen in chosen_by_product for link in chosen if _is_picture(link)
        )
        if jpeg_renditions
        else {}
    )
    datasheet_titles = {language: _datasheet_title(language) for language in settings.PIM_LANGUAGES}
    datasheet_urls = {language: datasheet_url_maker(language) for language in settings.PIM_LANGUAGES}
    for product, chosen in chosen_by_product:
        entries = []
        for order, link in enumerate(chosen, start=1):
            entry = _entry(link, product, order)
            if _is_picture(link) and link.asset.image_id in jpeg_sources:
                entry["jpeg_source"] = jpeg_sources[link.asset.image_id]
            entries.append(entry)
        entries += [
            {
                "source": datasheet_urls[language](product).lstrip("/"),
                "purpose": "data_sheet",
                "kind": "generated_datasheet",
                "mime_type": "application/pdf",
                "descriptions": {language: datasheet_titles[language]},
                "order": len(entries) + index,
            }
            for index, language in enumerate(settings.PIM_LANGUAGES, start=1)
        ]
        result[product.pk] = entries
    return result


def available_links_for_products(product_ids) -> dict[int, list[AssetLink]]:
    """Per product id: the links of the uploaded assets (images included; no generated
    datasheet, no video links) the product's page offers, one per asset, in the page's
    order, with ``asset`` and its ``current_revision`` loaded. The reach and availability
    rules of :func:`mime_entries_for_products`; visibility of the product is the caller's
    question. Bulk: the same number of queries for any number of products."""
    return {product.pk: chosen for product, chosen in _chosen_links(product_ids)}


@dataclass(frozen=True)
class _ProductRef:
    """What the download URLs need of a product (exports read thousands per batch; model
    instances with their categories through modelcluster cost most of the time)."""

    pk: int
    article_number: str
    product_model_id: int | None


def _chosen_links(product_ids):
    products = [
        _ProductRef(*row)
        for row in Product.objects.filter(pk__in=product_ids)
        .order_by("pk")
        .values_list("pk", "article_number", "product_model_id")
    ]
    if not products:
        return
    model_ids = {p.product_model_id for p in products if p.product_model_id}
    model_categories = defaultdict(set)
    for model_id, category_id in ProductModel.categories.through.objects.filter(
        productmodel_id__in=model_ids
    ).values_list("productmodel_id", "category_id"):
        model_categories[model_id].add(category_id)
    categories_of = {p.pk: set(model_categories.get(p.product_model_id, ())) for p in products}
    for product_id, category_id in Product.categories.through.objects.filter(
        product_id__in=[p.pk for p in products]
    ).values_list("product_id", "category_id"):
        categories_of[product_id].add(category_id)
    ancestors = _category_ancestors({c for cats in categories_of.values() for c in cats})
    reachable_categories = {
        p.pk: set().union(*(ancestors.get(c, set()) for c in categories_of[p.pk])) for p in products
    }
    all_categories = set().union(*reachable_categories.values())
    links = (
        AssetLink.objects.filter(
            Q(product_id__in=[p.pk for p in products])
            | Q(product_model_id__in=model_ids)
            | Q(category_id__in=all_categories)
        )
        .filter(asset__in=_available_assets())
        .select_related("asset__current_revision")
        .order_by("sort_order", "pk")
    )
    by_product_target, by_model, by_category = defaultdict(list), defaultdict(list), defaultdict(list)
    for link in links:
        if link.product_id:
            by_product_target[link.product_id].append(link)
        elif link.product_model_id:
            by_model[link.product_model_id].append(link)
        else:
            by_category[link.category_id].append(link)

    for product in products:
        candidates = [
            *by_product_target.get(product.pk, []),
            *by_model.get(product.product_model_id, []),
            *[link for c in reachable_categories[product.pk] for link in by_category.get(c, [])],
        ]
        # The page's order (pim.assets.downloads.product_links): role, then the most specific
        # target (product, product model, category), then sort order; an asset linked twice
        # appears once, with its first link.
        candidates.sort(key=_page_order)
        seen, chosen = set(), []
        for link in candidates:
            if link.asset_id not in seen:
                seen.add(link.asset_id)
                chosen.append(link)
        yield product, chosen


def _page_order(link) -> tuple:
    specificity = 0 if link.product_id else 1 if link.product_model_id else 2
    return (_ROLE_RANK.get(link.role, len(_ROLE_RANK)), specificity, link.sort_order, link.pk)


def _available_assets():
    return Asset.objects.filter(asset_is_available_condition()).exclude(kind=AssetKind.VIDEO)


def _entry(link, product, order) -> dict:
    asset = link.asset
    revision = asset.current_revision
    return {
        "source": asset_url(asset, product).lstrip("/"),
        "purpose": _PURPOSE.get(link.role, "others"),
        "kind": asset.kind,
        "mime_type": revision.mime_type if revision else "",
        "descriptions": dict(asset.title or {}),
        "order": order,
        "etim_code": _ETIM_CODE.get(link.role, ""),
    }


def _is_picture(link) -> bool:
    return link.role in _PICTURE_ROLES and bool(link.asset.image_id)


def _jpeg_rendition_sources(image_ids) -> dict[int, str]:
    """Per Wagtail image id: the URL of its JPEG rendition, relative to the site root when
    the storage serves from this site. Images whose original cannot be read are left out
    (the export then names the original file)."""
    ids = set(image_ids)
    if not ids:
        return {}
    sources = {}
    for image in get_image_model().objects.filter(pk__in=ids).prefetch_renditions(JPEG_RENDITION_SPEC):
        try:
            # get_renditions, not get_rendition: a prefetched rendition is not written back
            # to the cache (one cache write per picture per export run otherwise).
            rendition = image.get_renditions(JPEG_RENDITION_SPEC)[JPEG_RENDITION_SPEC]
        except OSError:  # the original is missing or unreadable (SourceImageIOError)
            continue
        url = rendition.url
        sources[image.pk] = url if "://" in url else url.lstrip("/")
    return sources


def _datasheet_title(language: str) -> str:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext("Datasheet (generated from the product data)")


# --- search: which kinds of download a product offers ------------------------------------------
def download_kind_labels() -> dict[str, str]:
    """``{kind code: label}`` of every asset kind, in the order the catalog shows them, in
    the active language."""
    return {kind.value: str(kind.label) for kind in AssetKind}


def public_asset_kinds(product_ids) -> dict[int, set[str]]:
    """Per product id: the kinds (:class:`~pim.assets.models.AssetKind` codes) of the assets
    anyone may download in the context of that product.

    The rule is the download rule (:func:`pim.assets.visibility.asset_is_downloadable_for`):
    the product is publicly visible, the asset is available (public, valid from today or
    earlier, with a current file or a video link), and a link reaches the product — directly,
    through its product model, or through a category that contains the product or its
    product model (or any ancestor of such a category). Products that are not visible get an
    empty set.

    Only uploaded files and video links count. The PDF datasheet generated from the product
    data (:mod:`pim.assets.datasheet`) exists for every visible product, so it would tell a
    searcher nothing: it is not reported as a ``datasheet``.

    Bulk: two queries for any number of products, a third when category links exist (a full
    reindex calls this once per batch of documents).
    """
    ids = sorted({int(pk) for pk in product_ids})
    result: dict[int, set[str]] = {pk: set() for pk in ids}
    model_of = dict(
        Product.objects.publicly_visible().filter(pk__in=ids).values_list("pk", "product_model_id")
    )
    if not model_of:
        return result
    variants_of = defaultdict(list)
    for product_id, model_id in model_of.items():
        if model_id:
            variants_of[model_id].append(product_id)
    # The links of these products and models, and every category link (they are few: a
    # certificate on a top category). Plain id lists: with IN subqueries SQLite started from
    # the assets and probed every asset against every product.
    subtrees: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    links = (
        Asset.objects.filter(asset_is_available_condition())
        .filter(
            Q(links__product_id__in=list(model_of))
            | Q(links__product_model_id__in=list(variants_of))
            | Q(links__category__isnull=False)
        )
        .values_list(
            "links__product_id",
            "links__product_model_id",
            "links__category__tree_id",
            "links__category__lft",
            "links__category__rght",
            "kind",
        )
        .distinct()
        .order_by()
    )
    for product_id, model_id, tree_id, lft, rght, kind in links:
        if tree_id is not None:
            subtrees[tree_id].append((lft, rght, kind))
        else:
            for reached in [product_id] if product_id else variants_of[model_id]:
                result[reached].add(kind)
    if not subtrees:
        return result

    # Place the products' categories (and their product models') inside the linked subtrees
    # (MPTT: same tree, lft within the subtree's range).
    trees = list(subtrees)
    own = (
        Product.categories.through.objects.filter(product_id__in=list(model_of), category__tree_id__in=trees)
        .annotate(through_model=Value(False))
        .values_list("product_id", "through_model", "category__tree_id", "category__lft")
        .order_by()
    )
    of_models = (
        ProductModel.categories.through.objects.filter(
            productmodel_id__in=list(variants_of), category__tree_id__in=trees
        )
        .annotate(through_model=Value(True))
        .values_list("productmodel_id", "through_model", "category__tree_id", "category__lft")
        .order_by()
    )
    for owner_id, through_model, tree_id, position in own.union(of_models, all=True):
        kinds = {kind for lft, rght, kind in subtrees[tree_id] if lft <= position <= rght}
        for reached in variants_of[owner_id] if through_model else [owner_id]:
            result[reached] |= kinds
    return result
