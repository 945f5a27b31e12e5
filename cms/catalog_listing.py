"""Rows of the catalog's result table: what an engineer scans in a list of hits.

A search hit carries name, article number, family, lifecycle and download kinds; the table
adds a thumbnail and the family's key attributes as columns. Everything for one page of hits
is loaded in a fixed number of queries, however many hits, attributes or images there are:
the visible products (1), the key attributes of the shown family (1), their values on the
products and on their series (2), the main images with their thumbnail renditions (2-3).

Columns: when the hits span several families, the columns are the key attributes of the
family with the most hits on the page (ties: the family of the first hit); a hit of another
family shows its value where it has the same attribute, a dash otherwise. The page offers
``family=`` links to narrow the list to one family.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from pim.assets.models import Asset, AssetLink, LinkRole
from pim.assets.visibility import asset_is_available_condition
from pim.catalog.localization import localize
from pim.catalog.models import (
    AttributeType,
    FamilyAttribute,
    Lifecycle,
    Product,
    ProductModelValue,
    ProductValue,
)
from pim.catalog.values import format_stored_value

from . import page_cache

MAX_COLUMNS = 4
THUMBNAIL_FILTER = "fill-96x96"
# The attribute comes from the columns; the unit only matters for plain numbers without a
# display unit (format_stored_value falls back to the unit the editor used).
_VALUE_RELATED = ("option", "unit")
CAD_KINDS = ("cad_3d", "cad_2d")
DATASHEET_KINDS = ("datasheet",)


@dataclass
class Column:
    code: str
    label: str
    unit: str  # display symbol, shown in the header
    sortable: bool  # number and range attributes: the contract sorts by them
    family_attribute: FamilyAttribute
    unit_obj: object = None  # catalog.Unit of the column


@dataclass
class Row:
    hit: object  # pim.search.results.Hit
    url: str
    cells: list[tuple[str, str]] = field(default_factory=list)  # (column label, value)
    image: object = None  # a Wagtail image (renditions prefetched)
    has_cad: bool = False
    has_datasheet: bool = False
    lifecycle_label: str = ""  # phase-out / discontinued; empty when active


@dataclass
class Listing:
    rows: list[Row]
    columns: list[Column]
    family_code: str = ""
    family_name: str = ""
    families: list[tuple[str, str, int]] = field(default_factory=list)  # (code, name, hits on the page)


def key_attributes(family_code: str) -> list[FamilyAttribute]:
    """The family's key attributes (``in_listing``), else its first filterable attributes,
    in display order; at most :data:`MAX_COLUMNS`. One query, then remembered until the
    catalog changes (:func:`cms.page_cache.catalog_memo`)."""
    return page_cache.catalog_memo(("key_attributes", family_code), lambda: _load_key_attributes(family_code))


def _load_key_attributes(family_code: str) -> list[FamilyAttribute]:
    rows = list(
        FamilyAttribute.objects.filter(family__code=family_code)
        .filter(Q(in_listing=True) | Q(attribute__filterable=True))
        .exclude(attribute__type=AttributeType.TEXT)
        .select_related("attribute__quantity", "attribute__display_unit__quantity", "display_unit__quantity")
        .order_by("sort_order", "pk")
    )
    chosen = [row for row in rows if row.in_listing] or rows
    return chosen[:MAX_COLUMNS]


def _dominant_family(hits) -> tuple[str, str, list[tuple[str, str, int]]]:
    counts = Counter(hit.family_code for hit in hits if hit.family_code)
    names = {hit.family_code: hit.family_name for hit in hits}
    families = [(code, names[code] or code, count) for code, count in counts.most_common()]
    if not counts:
        return "", "", families
    best = max(counts.values())
    code = next(hit.family_code for hit in hits if counts.get(hit.family_code) == best)
    return code, names[code] or code, families


def _values(products: dict[int, Product], attributes: dict) -> dict[int, dict[int, list]]:
    """Effective values (the series' rows replaced by the variant's own, attribute by
    attribute) of ``attributes`` (id → Attribute): product id → attribute id → rows. Two
    queries; the rows get the given attribute objects instead of joining them again."""
    attribute_ids = list(attributes)
    if not attribute_ids or not products:
        return {}
    model_ids = {p.product_model_id for p in products.values() if p.product_model_id}
    by_model: dict[int, dict[int, list]] = {}
    if model_ids:
        for row in (
            ProductModelValue.objects.filter(product_model_id__in=model_ids, attribute_id__in=attribute_ids)
            .select_related(*_VALUE_RELATED)
            .order_by("pk")
        ):
            row.attribute = attributes[row.attribute_id]
            by_model.setdefault(row.product_model_id, {}).setdefault(row.attribute_id, []).append(row)
    own: dict[int, dict[int, list]] = {}
    for row in (
        ProductValue.objects.filter(product_id__in=list(products), attribute_id__in=attribute_ids)
        .select_related(*_VALUE_RELATED)
        .order_by("pk")
    ):
        row.attribute = attributes[row.attribute_id]
        own.setdefault(row.product_id, {}).setdefault(row.attribute_id, []).append(row)
    result = {}
    for pk, product in products.items():
        values = dict(by_model.get(product.product_model_id, {}))
        values.update(own.get(pk, {}))
        result[pk] = values
    return result


def _main_images(products: dict[int, Product]) -> dict[int, object]:
    """The first public main (else gallery) image of each product, linked to the product or
    its series, with the thumbnail rendition prefetched. Category images are not product
    pictures and are left out of lists."""
    if not products:
        return {}
    model_ids = {p.product_model_id for p in products.values() if p.product_model_id}
    links = list(
        AssetLink.objects.filter(Q(product_id__in=list(products)) | Q(product_model_id__in=model_ids))
        .filter(role__in=(LinkRole.MAIN_IMAGE, LinkRole.GALLERY), asset__image__isnull=False)
        .filter(asset__in=Asset.objects.filter(asset_is_available_condition()))
        .values_list("product_id", "product_model_id", "role", "sort_order", "pk", "asset__image_id")
    )
    if not links:
        return {}
    from wagtail.images import get_image_model

    images = {
        image.pk: image
        for image in get_image_model()
        .objects.filter(pk__in={link[5] for link in links})
        .prefetch_renditions(THUMBNAIL_FILTER)
    }

    def rank(link):  # main image before gallery, the product's own before its series'
        return (link[2] != LinkRole.MAIN_IMAGE, link[0] is None, link[3], link[4])

    result = {}
    for pk, product in products.items():
        mine = [
            link
            for link in links
            if link[0] == pk or (product.product_model_id and link[1] == product.product_model_id)
        ]
        if mine:
            result[pk] = images.get(min(mine, key=rank)[5])
    return result


_LIFECYCLE_BADGES = {
    Lifecycle.PHASE_OUT: Lifecycle.PHASE_OUT.label,
    Lifecycle.DISCONTINUED: Lifecycle.DISCONTINUED.label,
}


def build_listing(hits, language: str) -> Listing:
    """Rows and columns for ``hits`` (one result page) in a fixed number of queries."""
    family_code, family_name, families = _dominant_family(hits)
    columns_rows = key_attributes(family_code) if family_code else []
    columns = []
    for fa in columns_rows:
        unit = fa.attribute.get_display_unit(fa)
        columns.append(
            Column(
                code=fa.attribute.code,
                label=localize(fa.attribute.name, language) or fa.attribute.code,
                unit=unit.symbol if unit is not None else "",
                sortable=fa.attribute.type in (AttributeType.NUMBER, AttributeType.RANGE),
                family_attribute=fa,
                unit_obj=unit,
            )
        )
    # The hits were checked for visibility by the backend; asking again costs one query and
    # keeps a lagging index from putting a hidden product's values on the page.
    products = {
        p.pk: p
        for p in Product.objects.publicly_visible()
        .filter(pk__in=[hit.id for hit in hits])
        .only("pk", "product_model_id", "article_number")
    }
    values = _values(
        products, {c.family_attribute.attribute_id: c.family_attribute.attribute for c in columns}
    )
    images = _main_images(products)
    rows = []
    for hit in hits:
        if hit.id not in products:
            continue
        own = values.get(hit.id, {})
        cells = []
        for column in columns:
            found = own.get(column.family_attribute.attribute_id)
            # every cell in the column's unit (the header's), whatever the hit's family
            cells.append(
                (column.label, format_stored_value(found, language, unit=column.unit_obj) if found else "")
            )
        rows.append(
            Row(
                hit=hit,
                url=reverse("cms:product", kwargs={"article_number": hit.article_number}),
                cells=cells,
                image=images.get(hit.id),
                has_cad=any(kind in hit.downloads for kind in CAD_KINDS),
                has_datasheet=any(kind in hit.downloads for kind in DATASHEET_KINDS),
                lifecycle_label=str(_LIFECYCLE_BADGES.get(hit.lifecycle, "")),
            )
        )
    return Listing(
        rows=rows, columns=columns, family_code=family_code, family_name=family_name, families=families
    )
