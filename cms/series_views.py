"""Series (product model) pages with the configurator: ``/series/<code>/``.

The narrowing rule is the catalog's (:mod:`pim.catalog.configurator`); this module presents
it. The choice lives in the query string (``?<axis code>=<value key>``), so every state is a
plain GET URL that works without JavaScript; ``configurator.js`` only updates the page in
place. Query-less pages are cached (:mod:`cms.page_cache`) under the stamps of every variant
of the series, so an edit of any variant, of the series or of its downloads renews them.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pim.assets.downloads import DownloadLink, download_link, product_links
from pim.assets.models import AssetKind, LinkRole
from pim.catalog.configurator import Configurator, public_series
from pim.catalog.localization import localize
from pim.catalog.models import Product
from pim.catalog.values import format_stored_value

from . import page_cache
from .category_paths import category_tree

# More rows than an engineer reads; the choice narrows them (the count says how many remain).
MAX_VARIANT_ROWS = 200


@dataclass
class SharedRow:
    code: str
    label: str
    value: str


@dataclass
class SharedGroup:
    title: str
    rows: list[SharedRow]


@dataclass
class VariantRow:
    product: Product
    values: list[tuple[str, str]]  # (axis label, value)
    successor: Product | None


def _series_scopes(request, code):
    # Read before the page is built (cms.page_cache): every variant of the series, public or
    # not, because publishing one changes the page. A change to a variant replaces the
    # stamps of all its siblings (cms.signals), a change to the series those of all its
    # variants. Beyond PIM_PAGE_CACHE_MAX_PRODUCTS an edit replaces the catalog stamp
    # instead, and the page hangs on the listing stamp (any product change).
    limit = settings.PIM_PAGE_CACHE_MAX_PRODUCTS
    ids = list(Product.objects.filter(product_model__code=code).values_list("pk", flat=True)[: limit + 1])
    scopes = [page_cache.SITE, page_cache.CATALOG]
    if len(ids) > limit:
        scopes.append(page_cache.LISTING)
    else:
        scopes.extend(page_cache.product_scope(pk) for pk in ids)
    return scopes


@page_cache.cache_public_page(_series_scopes)
def series(request, code):
    """The page of a live series with at least one public variant, with its configurator."""
    model = public_series(code)
    configurator = Configurator(model) if model is not None else None
    if configurator is None or not configurator.variants:
        raise Http404(_("No public series with the code “%(code)s”.") % {"code": code})
    axis_codes = {axis.code for axis in configurator.axes}
    kept = [
        (key, value)
        for key, values in request.GET.lists()
        for value in values
        if key not in axis_codes or value.strip()
    ]
    if len(kept) != sum(len(values) for _key, values in request.GET.lists()):
        # "Any" sends an empty value: one URL per choice, without empty parameters.
        return HttpResponseRedirect(f"{request.path}?{urlencode(kept)}" if kept else request.path)
    configuration = configurator.configure(request.GET)
    if len(configurator.variants) <= settings.PIM_PAGE_CACHE_MAX_PRODUCTS:
        for variant in configurator.variants:
            page_cache.depends_on(request, page_cache.product_scope(variant.product.pk))
    language = translation.get_language()
    name = localize(model.name, language) or model.code
    short_description = localize(model.short_description, language)
    links = _series_links(model, configurator.variants[0].product)
    path_to_series = request.path
    categories = _category_trail(model)
    variant_rows = [_variant_row(variant, configurator.axes) for variant in configuration.remaining]
    context = {
        "series": model,
        "name": name,
        "short_description": short_description,
        "long_description": localize(model.long_description, language),
        "manufacturer": model.manufacturer_name,
        "meta_description": _meta_description(name, short_description, configurator),
        "configuration": configuration,
        "axis_labels": [axis.label for axis in configurator.axes],
        "variant_rows": variant_rows[:MAX_VARIANT_ROWS],
        "hidden_rows": max(0, len(variant_rows) - MAX_VARIANT_ROWS),
        "result_row": variant_rows[0] if configuration.result else None,
        "shared_groups": _shared_groups(configurator, language),
        "downloads": [_download(link, language) for link in links if link.asset.kind != AssetKind.IMAGE],
        "main_image": _main_image(links),
        "categories": categories,
        "reset_url": path_to_series,
        "structured_data": [
            _product_group(request, model, name, short_description, configurator),
            _breadcrumb_list(request, name, categories),
        ],
    }
    status = 400 if configuration.errors else 200
    return render(request, "cms/series_page.html", context, status=status)


def _variant_row(variant, axes) -> VariantRow:
    product = variant.product
    successor = product.successor
    if successor is not None and not successor.is_publicly_visible():
        successor = None
    return VariantRow(
        product=product,
        values=[(axis.label, variant.labels.get(axis.code, "")) for axis in axes],
        successor=successor,
    )


def _series_links(model, variant):
    """Public asset links of the series: images and downloads attached to the series
    itself (not to one variant, not to whole categories), through the assets' link rule."""
    # product_links asks for the variant's categories; the series' own links are enough.
    return list(product_links(variant).filter(product_model_id=model.pk))


def _download(link, language) -> DownloadLink:
    return download_link(link, language)


def _main_image(links):
    for role in (LinkRole.MAIN_IMAGE, LinkRole.GALLERY):
        for link in links:
            if link.role == role and link.asset.image_id:
                return link.asset.image
    return None


def _shared_groups(configurator, language) -> list[SharedGroup]:
    by_code = {fa.attribute.code: fa for fa in configurator.family_attributes}
    groups: dict = {}
    ungrouped: list[SharedRow] = []
    for code, rows in configurator.shared_values().items():
        family_attribute = by_code.get(code)
        attribute = family_attribute.attribute if family_attribute else rows[0].attribute
        if not attribute.show_on_product_page:
            continue
        unit = attribute.get_display_unit(family_attribute) if family_attribute else None
        value = format_stored_value(rows, language, unit=unit)
        if not value:
            continue
        row = SharedRow(code=code, label=localize(attribute.name, language) or code, value=value)
        group = family_attribute.group if family_attribute else None
        if group is None:
            ungrouped.append(row)
        else:
            groups.setdefault(group, []).append(row)
    result = [SharedGroup(localize(g.name, language) or g.code, rows) for g, rows in groups.items()]
    if ungrouped:
        result.append(SharedGroup(_("Further data") if result else _("Technical data"), ungrouped))
    return result


def _category_trail(model) -> list[dict]:
    """Root-to-leaf path of the series' first category, ``[{name, url}]``, from the catalog
    pages' cached category tree (their localized URLs)."""
    categories = sorted(model.categories.all(), key=lambda c: (c.tree_id, c.lft))
    if not categories:
        return []
    tree = category_tree()
    node = tree.node(categories[0].pk)
    if node is None:
        return []
    return [{"name": ancestor.label(), "url": tree.path(ancestor)} for ancestor in tree.ancestors(node)]


def _meta_description(name, short_description, configurator) -> str:
    if short_description:
        text = short_description
    else:
        count = len(configurator.variants)
        text = ngettext(
            "%(name)s: %(count)s variant, configurable by %(axes)s.",
            "%(name)s: %(count)s variants, configurable by %(axes)s.",
            count,
        ) % {"name": name, "count": count, "axes": ", ".join(axis.label for axis in configurator.axes)}
    return Truncator(" ".join(text.split())).chars(160)


def _product_group(request, model, name, description, configurator) -> dict:
    """Schema.org ``ProductGroup``: the series, what its variants vary by, its public variants."""
    data = {
        "@context": "https://schema.org",
        "@type": "ProductGroup",
        "name": name,
        "productGroupID": model.code,
        "url": request.build_absolute_uri(request.path),
        "variesBy": [axis.label for axis in configurator.axes],
        "hasVariant": [
            {
                "@type": "Product",
                "sku": variant.product.article_number,
                "name": variant.product.display_name() or variant.product.article_number,
                "url": request.build_absolute_uri(
                    reverse("cms:product", kwargs={"article_number": variant.product.article_number})
                ),
            }
            # As many as the page lists: the page's weight stays bounded for huge series.
            for variant in configurator.variants[:MAX_VARIANT_ROWS]
        ],
    }
    if description:
        data["description"] = description
    if model.manufacturer_name:
        data["brand"] = {"@type": "Brand", "name": model.manufacturer_name}
    return data


def _breadcrumb_list(request, name, categories) -> dict:
    items = [{"name": _("Home"), "url": request.build_absolute_uri(reverse("wagtail_serve", args=[""]))}]
    items += [
        {"name": node["name"], "url": request.build_absolute_uri(node["url"]) if node["url"] else ""}
        for node in categories
    ]
    items.append({"name": name, "url": request.build_absolute_uri(request.path)})
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": index,
                "name": item["name"],
                **({"item": item["url"]} if item["url"] else {}),
            }
            for index, item in enumerate(items, start=1)
        ],
    }


urlpatterns = [
    path(gettext_lazy("series/<path:code>/"), series, name="series"),
]
