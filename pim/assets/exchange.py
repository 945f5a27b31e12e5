"""What exports say about a product's assets (BMEcat MIME_INFO, JSON Lines ``assets``).

``pim.exports.mime`` calls :func:`mime_entries_for_products` for a batch of products it is
about to write (products it already knows to be publicly visible). Sources are paths of the
public download URLs relative to the site root, so a channel's ``media_base_url`` (BMEcat
MIME_ROOT) is the public site's base URL.
"""

from collections import defaultdict

from django.conf import settings
from django.db.models import Q

from pim.catalog.models import Category, Product

from .downloads import asset_url, datasheet_url
from .models import ROLE_ORDER, AssetKind, AssetLink, LinkRole
from .visibility import asset_is_available_condition

# BMEcat MIME_PURPOSE per link role; CAD, manuals, certificates… are "others".
_PURPOSE = {
    LinkRole.MAIN_IMAGE: "normal",
    LinkRole.GALLERY: "detail",
    LinkRole.DATASHEET: "data_sheet",
}
# ETIM guideline MIME codes we are sure of (MD01 product picture, per the official sample);
# the rest is written as MD99 by the exports.
_ETIM_CODE = {LinkRole.MAIN_IMAGE: "MD01", LinkRole.GALLERY: "MD01"}
_ROLE_RANK = {role.value: index for index, role in enumerate(ROLE_ORDER)}


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


def mime_entries_for_products(product_ids) -> dict[int, list[dict]]:
    """Per product id: the downloadable assets linked to the product, its product model or a
    category containing it (best first), then the generated datasheet per language."""
    products = list(
        Product.objects.filter(pk__in=product_ids)
        .only("pk", "article_number", "product_model_id")
        .prefetch_related("categories", "product_model__categories")
    )
    if not products:
        return {}
    categories_of = {p.pk: {c.pk for c in p.effective_categories()} for p in products}
    ancestors = _category_ancestors({c for cats in categories_of.values() for c in cats})
    reachable_categories = {
        p.pk: set().union(*(ancestors.get(c, set()) for c in categories_of[p.pk])) for p in products
    }
    model_ids = {p.product_model_id for p in products if p.product_model_id}
    all_categories = set().union(*reachable_categories.values()) if reachable_categories else set()
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

    result = {}
    for product in products:
        candidates = [
            *by_product_target.get(product.pk, []),
            *by_model.get(product.product_model_id, []),
            *[link for c in reachable_categories[product.pk] for link in by_category.get(c, [])],
        ]
        # The most specific link of an asset wins (product before model before category).
        seen, chosen = set(), []
        for link in candidates:
            if link.asset_id not in seen:
                seen.add(link.asset_id)
                chosen.append(link)
        chosen.sort(key=lambda link: _ROLE_RANK.get(link.role, len(_ROLE_RANK)))
        entries = [_entry(link, product, order) for order, link in enumerate(chosen, start=1)]
        entries += [
            {
                "source": datasheet_url(product, language).lstrip("/"),
                "purpose": "data_sheet",
                "kind": "generated_datasheet",
                "mime_type": "application/pdf",
                "descriptions": {language: _datasheet_title(language)},
                "order": len(entries) + index,
            }
            for index, language in enumerate(settings.PIM_LANGUAGES, start=1)
        ]
        result[product.pk] = entries
    return result


def _available_assets():
    from .models import Asset

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


def _datasheet_title(language: str) -> str:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext("Datasheet (generated from the product data)")
