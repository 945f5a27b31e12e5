"""What the public product page shows, prepared for the template.

Presentation only: which products are public is answered by
``Product.objects.publicly_visible()``, values come from ``pim.catalog.values``. This
module loads a product with everything its page needs in a fixed number of queries and
arranges it (technical data grouped like the family, variants, relations, order data).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pim.assets.downloads import DownloadLink, first_image, product_zip_url, public_assets_for
from pim.assets.models import AssetKind
from pim.catalog import trade
from pim.catalog.commercial import order_unit_label
from pim.catalog.localization import localize
from pim.catalog.models import (
    Category,
    FamilyAttribute,
    PackingUnit,
    Product,
    ProductModelValue,
    ProductRelation,
    ProductValue,
    ReachStatus,
    RelationKind,
    RohsStatus,
)
from pim.catalog.units import IMPERIAL, METRIC, format_number, unit_for_system, unit_system
from pim.catalog.values import effective_values, family_attributes_in_display_order, format_stored_value

from . import page_cache

try:
    from cms.category_paths import category_path
except ImportError:  # the catalog pages bring it; until then the breadcrumb names no links
    category_path = None

_VALUE_RELATED = ("attribute__quantity", "attribute__display_unit__quantity", "option", "unit__quantity")


def _values_prefetch(lookup: str, model) -> Prefetch:
    return Prefetch(lookup, queryset=model.objects.select_related(*_VALUE_RELATED).order_by("pk"))


def public_products():
    """Publicly visible products with what their page needs, prefetched."""
    public_relations = (
        ProductRelation.objects.filter(target__in=Product.objects.publicly_visible())
        .select_related("target__product_model")
        .order_by("sort_order", "pk")
    )
    return (
        Product.objects.publicly_visible()
        .select_related("family", "product_model", "successor__product_model")
        .prefetch_related(
            "categories",
            "product_model__categories",
            "product_model__axes",
            _values_prefetch("values", ProductValue),
            _values_prefetch("product_model__values", ProductModelValue),
            Prefetch("packing_units", queryset=PackingUnit.objects.order_by("sort_order", "pk")),
            # Relations to hidden products are dropped here: a draft never leaks, not
            # even as an unlinked name.
            Prefetch("relations", queryset=public_relations, to_attr="public_relations"),
        )
    )


def get_public_product(article_number: str) -> Product | None:
    """The publicly visible product whose article number matches (normalized), or None."""
    return public_products().by_article_number(article_number).first()


@dataclass
class TechnicalRow:
    code: str
    label: str
    value: str
    etim_code: str = ""


@dataclass
class TechnicalGroup:
    title: str
    rows: list[TechnicalRow]


@dataclass
class VariantRow:
    product: Product
    axis_values: list[tuple[str, str]]  # (axis label, value)
    is_current: bool


@dataclass
class Breadcrumb:
    name: str
    url: str = ""  # empty: not a page of its own


@dataclass
class RelationGroup:
    kind: str
    title: str
    items: list[ProductRelation]


@dataclass
class PackageRow:
    """A packing unit as the page's table shows it."""

    package: str
    quantity: str
    gtin: str
    gross_weight: str
    dimensions: str


@dataclass
class Logistics:
    """The logistics section: facts and declarations as (label, value), packing units."""

    facts: list[tuple[str, str]] = field(default_factory=list)
    packages: list[PackageRow] = field(default_factory=list)
    declarations: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self):
        return bool(self.facts or self.packages or self.declarations)


@dataclass
class ProductDetail:
    """Everything the product page template shows, in the active language."""

    product: Product
    name: str
    short_description: str
    long_description: str
    manufacturer: str
    category_paths: list[list[Category]]
    technical_groups: list[TechnicalGroup]
    etim_class_code: str
    shows_etim: bool
    variant_axes: list[str] = field(default_factory=list)
    variants: list[VariantRow] = field(default_factory=list)
    relation_groups: list[RelationGroup] = field(default_factory=list)
    successor: Product | None = None
    order_unit: str = ""
    min_order_quantity: str = ""
    order_quantity_step: str = ""
    content: str = ""
    # The net list prices valid today (only when PIM_PUBLIC_PRICES): (amount, currency, from quantity or "").
    list_prices: list[tuple[str, str, str]] = field(default_factory=list)
    downloads: list[DownloadLink] = field(default_factory=list)
    documents_zip_url: str = ""
    main_image: object = None  # a Wagtail image
    unit_system: str = METRIC
    series_url: str = ""  # the configurator of the product's series (variants only)
    breadcrumbs: list[Breadcrumb] = field(default_factory=list)  # categories, root first
    logistics: Logistics = field(default_factory=Logistics)  # empty: the section is not shown

    @property
    def meta_description(self) -> str:
        if self.short_description:
            text = self.short_description
        else:
            facts = [f"{row.label}: {row.value}" for group in self.technical_groups for row in group.rows][:4]
            text = " · ".join([f"{self.name} {self.product.article_number}".strip(), *facts])
        return Truncator(" ".join(text.split())).chars(160)


def _family_attributes(family) -> list[FamilyAttribute]:
    """The family's attributes in display order (group, then position), with what formatting
    a value needs (units and their quantities) loaded in advance; remembered until the
    catalog changes (family, attribute and unit edits replace the catalog stamp)."""
    return page_cache.catalog_memo(
        ("family_attributes", family.pk), lambda: family_attributes_in_display_order(family.pk)
    )


def shown_unit(family_attribute, system: str = METRIC):
    """The unit a value of ``family_attribute`` is shown in: the family's display unit, or its
    imperial counterpart when the visitor asked for imperial units (``?units=imperial``).
    The display units as configured are the default, so sizes a family shows in inches stay
    in inches. Needs the attribute's quantity units loaded (as :func:`_family_attributes`)."""
    attribute = family_attribute.attribute
    unit = attribute.get_display_unit(family_attribute)
    if unit is None or system != IMPERIAL:
        return unit
    candidates = attribute.quantity.units.all() if attribute.quantity_id else []
    return unit_for_system(unit, system, candidates) or unit


def _technical_groups(family_attributes, values, language, system=METRIC) -> list[TechnicalGroup]:
    groups: dict = {}
    ungrouped: list[TechnicalRow] = []
    for family_attribute in family_attributes:
        attribute = family_attribute.attribute
        rows = values.get(attribute.code)
        if not attribute.show_on_product_page or not rows:
            continue
        shown = format_stored_value(rows, language, unit=shown_unit(family_attribute, system))
        if not shown:
            continue
        row = TechnicalRow(
            code=attribute.code,
            label=localize(attribute.name, language) or attribute.code,
            value=shown,
            etim_code=attribute.etim_code,
        )
        group = family_attribute.group
        if group is None:
            ungrouped.append(row)
        else:
            groups.setdefault(group, []).append(row)
    result = [TechnicalGroup(localize(g.name, language) or g.code, rows) for g, rows in groups.items()]
    if ungrouped:
        title = _("Further data") if result else _("Technical data")
        result.append(TechnicalGroup(title, ungrouped))
    return result


def _category_paths(categories) -> list[list[Category]]:
    """Root-to-leaf paths of the categories, from one query for all their ancestors."""
    categories = list(categories)
    if not categories:
        return []
    condition = Q()
    for category in categories:
        condition |= Q(tree_id=category.tree_id, lft__lte=category.lft, rght__gte=category.rght)
    ancestors = list(Category.objects.filter(condition).order_by("tree_id", "lft"))
    paths = []
    for category in sorted(categories, key=lambda c: (c.tree_id, c.lft)):
        paths.append(
            [
                node
                for node in ancestors
                if node.tree_id == category.tree_id
                and node.lft <= category.lft
                and node.rght >= category.rght
            ]
        )
    return paths


def _variants(product, family_attributes, language, system=METRIC) -> tuple[list[str], list[VariantRow]]:
    model = product.product_model
    if model is None:
        return [], []
    position = {fa.attribute_id: index for index, fa in enumerate(family_attributes)}
    by_attribute = {fa.attribute_id: fa for fa in family_attributes}
    # The family's attribute instances come with their units loaded.
    axes = sorted(
        (by_attribute[a.pk].attribute if a.pk in by_attribute else a for a in model.axes.all()),
        key=lambda a: (position.get(a.pk, len(position)), a.code),
    )
    siblings = list(
        Product.objects.publicly_visible()
        .filter(product_model_id=model.pk)
        .prefetch_related(_values_prefetch("values", ProductValue))
        .order_by("article_number_key")
    )
    labels = [localize(a.name, language) or a.code for a in axes]
    rows = []
    for sibling in siblings:
        # Share the already loaded model (and its prefetched values) so the inherited
        # values cost no query per variant.
        sibling.product_model = model
        values = effective_values(sibling)
        shown = []
        for axis in axes:
            family_attribute = by_attribute.get(axis.pk)
            unit = shown_unit(family_attribute, system) if family_attribute else None
            shown.append(format_stored_value(values.get(axis.code, []), language, unit=unit))
        rows.append(
            VariantRow(
                product=sibling,
                axis_values=list(zip(labels, shown, strict=True)),
                is_current=sibling.pk == product.pk,
            )
        )
    return labels, rows


def _relation_groups(product) -> list[RelationGroup]:
    by_kind: dict[str, list[ProductRelation]] = {}
    for relation in product.public_relations:
        by_kind.setdefault(relation.kind, []).append(relation)
    titles = {
        RelationKind.ACCESSORY: _("Accessories"),
        RelationKind.SPARE_PART: _("Spare parts"),
        RelationKind.REPLACEMENT: _("Replacements"),
        RelationKind.COMPATIBLE: _("Compatible with"),
    }
    return [
        RelationGroup(kind=kind.value, title=titles[kind], items=by_kind[kind.value])
        for kind in RelationKind
        if kind.value in by_kind
    ]


def _choice_label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def _dangerous_goods(data) -> str:
    """``UN 1950, class 2.1, packing group II`` ('' for goods without a UN number)."""
    if not data["un_number"]:
        return ""
    parts = [_("UN %(number)s") % {"number": data["un_number"]}]
    if data["hazard_class"]:
        parts.append(_("class %(class)s") % {"class": data["hazard_class"]})
    if data["packing_group"]:
        parts.append(_("packing group %(group)s") % {"group": data["packing_group"]})
    return ", ".join(parts)


def _logistics(product, order_unit: str) -> Logistics:
    """Weights, dimensions, origin, customs, delivery time, packing units and declarations
    of ``product``, its series' values where it has none (``pim.catalog.trade``)."""
    number = trade.localized_decimal
    data = trade.effective_trade(product)
    labels = trade.FIELD_LABELS
    facts = [
        (labels["net_weight"], trade.format_weight(product.net_weight, number)),
        (labels["gross_weight"], trade.format_weight(product.gross_weight, number)),
        (
            _("Dimensions (L × W × H)"),
            trade.format_dimensions(product.length, product.width, product.height, number),
        ),
        (labels["country_of_origin"], trade.country_name(data["country_of_origin"])),
        (labels["customs_tariff_number"], data["customs_tariff_number"]),
    ]
    days = data["delivery_time_days"]
    if days is not None:
        facts.append(
            (
                _("Delivery time"),
                ngettext("%(days)s working day", "%(days)s working days", days) % {"days": days},
            )
        )
    facts.append((_("Dangerous goods"), _dangerous_goods(data)))
    declarations = []
    if data["ce_marking"] is not None:
        declarations.append((labels["ce_marking"], _("Yes") if data["ce_marking"] else _("No")))
    if data["rohs_status"]:
        declarations.append((labels["rohs_status"], _choice_label(RohsStatus, data["rohs_status"])))
    if data["reach_status"]:
        reach = _choice_label(ReachStatus, data["reach_status"])
        if data["scip_number"]:
            reach = _("%(status)s (SCIP number %(number)s)") % {
                "status": reach,
                "number": data["scip_number"],
            }
        declarations.append((labels["reach_status"], reach))
    packages = [
        PackageRow(
            package=unit.get_code_display(),
            quantity=_("%(quantity)s × %(unit)s") % {"quantity": number(unit.quantity), "unit": order_unit},
            gtin=unit.gtin,
            gross_weight=trade.format_weight(unit.gross_weight, number),
            dimensions=trade.format_dimensions(unit.length, unit.width, unit.height, number),
        )
        for unit in product.packing_units.all()
    ]
    return Logistics(
        facts=[(str(label), value) for label, value in facts if value],
        packages=packages,
        declarations=[(str(label), value) for label, value in declarations],
    )


def _quantity(value) -> str:
    return format_number(float(value)) if value is not None else ""


def _breadcrumbs(category_paths) -> list[Breadcrumb]:
    if not category_paths:
        return []
    return [
        Breadcrumb(
            name=localize(node.name) or node.code,
            url=category_path(node) if category_path is not None else "",
        )
        for node in category_paths[0]
    ]


def build_product_detail(
    product: Product, language: str | None = None, *, units: str | None = None
) -> ProductDetail:
    """Arrange a product loaded by :func:`public_products` for its page; ``units`` is the
    visitor's ``?units=`` choice (``imperial`` converts metric display units)."""
    language = language or translation.get_language()
    system = unit_system(units)
    model = product.product_model
    family_attributes = _family_attributes(product.family)
    values = effective_values(product)
    groups = _technical_groups(family_attributes, values, language, system)
    shown_codes = {row.code for group in groups for row in group.rows}
    shows_etim_feature = any(
        fa.attribute.etim_code for fa in family_attributes if fa.attribute.code in shown_codes
    )
    categories = product.effective_categories()
    axes, variants = _variants(product, family_attributes, language, system)
    successor = product.successor
    if successor is not None and not successor.is_publicly_visible():
        successor = None
    order_unit = order_unit_label(product.order_unit, language)
    content = ""
    if product.content_quantity != 1 or product.content_unit != product.order_unit:
        content = _("%(quantity)s × %(unit)s") % {
            "quantity": _quantity(product.content_quantity),
            "unit": order_unit_label(product.content_unit, language),
        }
    step = _quantity(product.order_quantity_step) if product.order_quantity_step != 1 else ""
    # One pass over the product's asset links gives the download list and the main image
    # (main image before gallery, as main_image_for orders them).
    listed = public_assets_for(product, language, include_images=True)
    downloads = [d for d in listed if d.kind != AssetKind.IMAGE]
    main_image = first_image(listed)
    category_paths = _category_paths(categories)
    return ProductDetail(
        product=product,
        downloads=downloads,
        # The ZIP holds the uploaded documents; only worth offering when there are some.
        documents_zip_url=product_zip_url(product)
        if any(not d.generated and not d.external for d in downloads)
        else "",
        main_image=main_image,
        name=product.display_name(language) or product.article_number,
        short_description=product.description("short_description", language),
        long_description=product.description("long_description", language),
        manufacturer=product.manufacturer_name or (model.manufacturer_name if model else ""),
        category_paths=category_paths,
        breadcrumbs=_breadcrumbs(category_paths),
        unit_system=system,
        series_url=reverse("cms:series", kwargs={"code": model.code}) if model is not None else "",
        technical_groups=groups,
        etim_class_code=product.family.etim_class_code,
        shows_etim=bool(product.family.etim_class_code) or shows_etim_feature,
        variant_axes=axes,
        variants=variants,
        relation_groups=_relation_groups(product),
        successor=successor,
        order_unit=order_unit,
        min_order_quantity=_quantity(product.min_order_quantity),
        order_quantity_step=step,
        content=content,
        list_prices=_list_prices(product) if settings.PIM_PUBLIC_PRICES else [],
        logistics=_logistics(product, order_unit),
    )


def _list_prices(product) -> list[tuple[str, str, str]]:
    cents = Decimal("0.01")
    return [
        (
            # Two decimals as price lists print them, more only where the price has them.
            number_format(
                price.amount.quantize(cents) if price.amount % cents == 0 else price.amount.normalize()
            ),
            price.currency,
            _quantity(price.min_quantity) if price.min_quantity != 1 else "",
        )
        for price in product.valid_prices()
    ]


def structured_data(detail: ProductDetail, url: str) -> dict:
    """Schema.org ``Product`` for search engines (JSON-LD); no prices."""
    product = detail.product
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": detail.name,
        "sku": product.article_number,
        "url": url,
    }
    if detail.short_description:
        data["description"] = detail.short_description
    gtin = product.gtin
    if gtin and len(gtin) in (8, 12, 13, 14):
        data[f"gtin{len(gtin)}"] = gtin
    if product.manufacturer_pid:
        data["mpn"] = product.manufacturer_pid
    if detail.manufacturer:
        data["brand"] = {"@type": "Brand", "name": detail.manufacturer}
        data["manufacturer"] = {"@type": "Organization", "name": detail.manufacturer}
    if detail.category_paths:
        data["category"] = " > ".join(localize(node.name) or node.code for node in detail.category_paths[0])
    properties = [
        {"@type": "PropertyValue", "name": row.label, "value": row.value}
        for group in detail.technical_groups
        for row in group.rows
    ]
    if properties:
        data["additionalProperty"] = properties
    return data


def breadcrumb_structured_data(detail: ProductDetail, absolute_url) -> dict:
    """Schema.org ``BreadcrumbList`` of the product page: home, the categories of its first
    category path that have a page, the product. ``absolute_url(path)`` makes URLs absolute."""
    crumbs = [(_("Home"), reverse("wagtail_serve", args=[""]))]
    crumbs += [(crumb.name, crumb.url) for crumb in detail.breadcrumbs if crumb.url]
    product_path = reverse("cms:product", kwargs={"article_number": detail.product.article_number})
    crumbs.append((detail.name, product_path))
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute_url(url)}
            for position, (name, url) in enumerate(crumbs, start=1)
        ],
    }
