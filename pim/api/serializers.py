"""Read representations of the catalog for ``/api/v1/``.

Every serializer is read-only and documented field by field (the OpenAPI schema is generated
from these declarations). Texts are given in one language (``?lang=``, with the catalog's
fallbacks); numbers in the quantity's canonical unit (as pint names it, with its UN/ECE code)
and in the display unit the product page uses. What a product's representation needs beyond
its row (family attributes, downloads, which related products may be named) is loaded once per
page by :class:`ProductPage`, so the queries per page do not grow with the page size.
"""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pim.assets.downloads import asset_url, datasheet_url
from pim.assets.exchange import available_links_for_products
from pim.assets.models import ROLE_ORDER, AssetKind, LinkRole
from pim.catalog.localization import localize
from pim.catalog.models import AttributeType, Lifecycle, ProductPrice, RelationKind
from pim.catalog.units import round_significant
from pim.catalog.values import effective_values, family_attributes_in_display_order, format_stored_value
from pim.exports.models import ExportFormat, RunKind, RunStatus, Schedule

# Fields only full-read tokens get: whether the row is published and whether a newer draft
# exists. The public never learns that a draft exists.
DRAFT_STATE_FIELDS = ("live", "has_unpublished_changes")


def _number(value):
    """A stored measurement as the catalog shows and exports it: rounded to 10 significant
    digits (conversion noise removed), whole values as integers."""
    if value is None:
        return None
    number = round_significant(float(value))
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


class SparseFieldsMixin:
    """Keeps only the fields named in the context's ``fields`` (``?fields=``) and drops the
    draft-state fields for requests that may not see drafts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = self.context.get("fields")
        for name in list(self.fields):
            if (wanted is not None and name not in wanted) or (
                name in DRAFT_STATE_FIELDS and not self.context.get("sees_unpublished")
            ):
                self.fields.pop(name)


# -- values --------------------------------------------------------------------------------


class OptionRefSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("The option's code."))
    name = serializers.CharField(help_text=_("The option's label in the requested language."))
    etim_code = serializers.CharField(help_text=_("ETIM value code (EV…), empty if none."))


class ValueSerializer(serializers.Serializer):
    """One attribute value. Which fields are filled depends on ``type``: ``number`` (number),
    ``range`` (min, max), ``enum``/``multi_enum`` (options), ``boolean`` (boolean), ``text``
    (text); the others are null (options: empty)."""

    attribute = serializers.CharField(help_text=_("Attribute code."))
    type = serializers.ChoiceField(choices=AttributeType.choices, help_text=_("Attribute type."))
    number = serializers.FloatField(allow_null=True, help_text=_("Number in the canonical unit."))
    min = serializers.FloatField(allow_null=True, help_text=_("Lower end of a range, canonical unit."))
    max = serializers.FloatField(allow_null=True, help_text=_("Upper end of a range, canonical unit."))
    unit = serializers.CharField(
        allow_null=True, help_text=_("Canonical unit as pint names it (e.g. “pascal”); null without one.")
    )
    unit_code = serializers.CharField(
        allow_null=True, help_text=_("UN/ECE Rec. 20 code of the canonical unit, if it has one.")
    )
    display_number = serializers.FloatField(allow_null=True, help_text=_("Number in the display unit."))
    display_min = serializers.FloatField(allow_null=True, help_text=_("Lower end in the display unit."))
    display_max = serializers.FloatField(allow_null=True, help_text=_("Upper end in the display unit."))
    display_unit = serializers.CharField(
        allow_null=True, help_text=_("Symbol of the display unit (e.g. “bar”).")
    )
    options = OptionRefSerializer(many=True, help_text=_("Chosen options of an enumeration."))
    boolean = serializers.BooleanField(allow_null=True, help_text=_("A yes/no value."))
    text = serializers.CharField(allow_null=True, help_text=_("A text value, in the requested language."))
    display = serializers.CharField(help_text=_("The value as the product page shows it (“16 bar”)."))


def _canonical_unit(quantity):
    if quantity is None:
        return None
    for unit in quantity.units.all():
        if unit.pint_expression and unit.pint_expression == quantity.canonical_unit:
            return unit
    return None


VALUE_PARTS = (
    "number", "min", "max", "unit", "unit_code", "display_number", "display_min", "display_max", "display_unit",
    "boolean", "text",
)  # fmt: skip


def value_entry(family_attribute, rows, language: str) -> dict:
    """The API form of one attribute's stored rows (see :class:`ValueSerializer`)."""
    attribute = family_attribute.attribute
    kind = attribute.type
    row = rows[0]
    display_unit = attribute.get_display_unit(family_attribute) if attribute.is_numeric else None
    entry = {
        "attribute": attribute.code,
        "type": kind,
        **dict.fromkeys(VALUE_PARTS),
        "options": [],
    }
    entry["display"] = format_stored_value(
        rows, language, unit=display_unit, family_attribute=family_attribute
    )
    if attribute.is_numeric:
        quantity = attribute.quantity
        canonical = _canonical_unit(quantity)
        entry["unit"] = (quantity.canonical_unit or None) if quantity else None
        entry["unit_code"] = (canonical.unece_code or None) if canonical else None
        entry["display_unit"] = display_unit.symbol if display_unit else None

        def shown(value):
            if value is None or display_unit is None:
                return _number(value)
            return _number(display_unit.from_canonical(value))

        if kind == AttributeType.NUMBER:
            entry["number"], entry["display_number"] = _number(row.number), shown(row.number)
        else:
            entry["min"], entry["display_min"] = _number(row.number_min), shown(row.number_min)
            entry["max"], entry["display_max"] = _number(row.number_max), shown(row.number_max)
    elif attribute.has_options:
        entry["options"] = [
            {
                "code": r.option.code,
                "name": localize(r.option.name, language),
                "etim_code": r.option.etim_code,
            }
            for r in rows
            if r.option_id
        ]
    elif kind == AttributeType.BOOLEAN:
        entry["boolean"] = row.boolean
    else:
        entry["text"] = localize(row.text_localized, language) if attribute.localizable else row.text
    return entry


def values_in_family_order(family_attributes, values_by_code, language: str) -> list[dict]:
    return [
        value_entry(family_attribute, values_by_code[family_attribute.attribute.code], language)
        for family_attribute in family_attributes
        if values_by_code.get(family_attribute.attribute.code)
    ]


# -- products --------------------------------------------------------------------------------


class ProductPage:
    """What the products of one page need beyond their rows, loaded in a fixed number of
    queries: family attributes (with units) per family, downloadable files per product, and
    which related products the request may name."""

    def __init__(self, products, *, language: str, readable_products, sees_unpublished: bool):
        self.language = language
        self.sees_unpublished = sees_unpublished
        family_ids = {p.family_id for p in products} | {
            p.product_model.family_id for p in products if p.product_model_id
        }
        self.family_attributes = {family_id: [] for family_id in family_ids}
        for family_id in family_ids:
            self.family_attributes[family_id] = family_attributes_in_display_order(family_id)
        self.links = available_links_for_products([p.pk for p in products]) if products else {}
        referenced = {r.target_id for p in products for r in p.relations.all()} | {
            p.successor_id for p in products if p.successor_id
        }
        self.readable_ids = (
            set(readable_products.filter(pk__in=referenced).values_list("pk", flat=True))
            if referenced
            else set()
        )


class RelationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RelationKind.choices, help_text=_("Kind of relation."))
    article_number = serializers.CharField(help_text=_("Article number of the related product."))
    quantity = serializers.DecimalField(
        max_digits=10, decimal_places=3, coerce_to_string=False, allow_null=True,
        help_text=_("How many, e.g. of a spare part; null if not given."),
    )  # fmt: skip


class AssetSerializer(serializers.Serializer):
    title = serializers.CharField(help_text=_("Title in the requested language."))
    kind = serializers.CharField(help_text=_("Asset kind: image, datasheet, cad_3d, certificate…"))
    role = serializers.CharField(help_text=_("Role on the product page: main_image, datasheet…"))
    url = serializers.URLField(help_text=_("Absolute download URL (works while the product is public)."))
    mime_type = serializers.CharField(help_text=_("Content type of the current file."))
    size = serializers.IntegerField(allow_null=True, help_text=_("File size in bytes."))
    languages = serializers.ListField(
        child=serializers.CharField(), help_text=_("Languages of the document; empty: language-neutral.")
    )


class PriceSerializer(serializers.Serializer):
    price_type = serializers.ChoiceField(choices=ProductPrice.PriceType.choices, help_text=_("Price type."))
    currency = serializers.CharField(help_text=_("ISO 4217 currency code."))
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=False, help_text=_("Amount per price quantity.")
    )
    min_quantity = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        coerce_to_string=False,
        help_text=_("Tier: from this order quantity."),
    )
    tax_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, coerce_to_string=False, help_text=_("Tax rate, e.g. 0.19.")
    )
    valid_from = serializers.DateField(allow_null=True, help_text=_("First day of validity."))
    valid_to = serializers.DateField(allow_null=True, help_text=_("Last day of validity."))


class ProductSerializer(SparseFieldsMixin, serializers.Serializer):
    """A product (a standalone article or a variant of a series) as the API returns it."""

    article_number = serializers.CharField(help_text=_("The article number."))
    gtin = serializers.CharField(help_text=_("GTIN (EAN), empty if none."))
    manufacturer_pid = serializers.CharField(help_text=_("Manufacturer part number, empty if none."))
    manufacturer_name = serializers.CharField(help_text=_("Manufacturer, empty if none."))
    name = serializers.SerializerMethodField(help_text=_("Name (a variant without its own: the series')."))
    short_description = serializers.SerializerMethodField(help_text=_("Short description."))
    long_description = serializers.SerializerMethodField(help_text=_("Long description."))
    family = serializers.CharField(source="family.code", help_text=_("Family code."))
    series = serializers.CharField(
        source="product_model.code",
        allow_null=True,
        default=None,
        help_text=_("Series code, null if standalone."),
    )
    lifecycle = serializers.ChoiceField(choices=Lifecycle.choices, help_text=_("Lifecycle state."))
    successor = serializers.SerializerMethodField(help_text=_("Article number of the successor, if any."))
    categories = serializers.SerializerMethodField(
        help_text=_("Codes of the categories (own, else the series').")
    )
    order_unit = serializers.CharField(help_text=_("UN/ECE Rec. 20 order unit, e.g. C62."))
    price_quantity = serializers.DecimalField(max_digits=12, decimal_places=3, coerce_to_string=False)
    min_order_quantity = serializers.DecimalField(max_digits=12, decimal_places=3, coerce_to_string=False)
    order_quantity_step = serializers.DecimalField(max_digits=12, decimal_places=3, coerce_to_string=False)
    values = serializers.SerializerMethodField(help_text=_("Attribute values in the family's display order."))
    relations = serializers.SerializerMethodField(help_text=_("Related products the request may read."))
    assets = serializers.SerializerMethodField(
        help_text=_("Downloadable files, in the product page's order.")
    )
    datasheet_url = serializers.SerializerMethodField(help_text=_("Generated PDF datasheet in the language."))
    prices = serializers.SerializerMethodField(
        help_text=_("List prices valid today (public only when the site shows prices).")
    )
    live = serializers.BooleanField(help_text=_("Full read only: the product is published."))
    has_unpublished_changes = serializers.BooleanField(
        help_text=_(
            "Full read only: a draft newer than the published state exists (fields show the stored row)."
        )
    )
    updated_at = serializers.DateTimeField(help_text=_("Last change of the product row."))

    @property
    def page(self) -> ProductPage:
        return self.context["page"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, product):
        return product.display_name(self.page.language)

    @extend_schema_field(OpenApiTypes.STR)
    def get_short_description(self, product):
        return product.description("short_description", self.page.language)

    @extend_schema_field(OpenApiTypes.STR)
    def get_long_description(self, product):
        return product.description("long_description", self.page.language)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_successor(self, product):
        if product.successor_id and product.successor_id in self.page.readable_ids:
            return product.successor.article_number
        return None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, product):
        own = list(product.categories.all())
        if not own and product.product_model_id:
            own = list(product.product_model.categories.all())
        return sorted(category.code for category in own)

    @extend_schema_field(ValueSerializer(many=True))
    def get_values(self, product):
        family_attributes = self.page.family_attributes.get(product.family_id, [])
        return values_in_family_order(family_attributes, effective_values(product), self.page.language)

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, product):
        rows = [r for r in product.relations.all() if r.target_id in self.page.readable_ids]
        return RelationSerializer(
            [
                {"kind": r.kind, "article_number": r.target.article_number, "quantity": r.quantity}
                for r in rows
            ],
            many=True,
        ).data

    @extend_schema_field(AssetSerializer(many=True))
    def get_assets(self, product):
        entries = []
        for link in self.page.links.get(product.pk, []):
            asset, revision = link.asset, link.asset.current_revision
            entries.append(
                {
                    "title": localize(asset.title, self.page.language),
                    "kind": asset.kind,
                    "role": link.role,
                    "url": settings.PIM_BASE_URL + asset_url(asset, product),
                    "mime_type": revision.mime_type if revision else "",
                    "size": revision.size if revision else None,
                    "languages": asset.language_list,
                }
            )
        return AssetSerializer(entries, many=True).data

    @extend_schema_field(OpenApiTypes.URI)
    def get_datasheet_url(self, product):
        return settings.PIM_BASE_URL + datasheet_url(product, self.page.language)

    @extend_schema_field(PriceSerializer(many=True))
    def get_prices(self, product):
        if not self.context.get("shows_prices"):
            return []
        prices = [
            price
            for price_type in ProductPrice.PriceType.values
            for price in product.valid_prices(price_type)
        ]
        return PriceSerializer(prices, many=True).data


# -- series, families, attributes, categories -------------------------------------------------


class LocalizedMixin:
    def text(self, value) -> str:
        return localize(value, self.context["language"])


class SeriesSerializer(SparseFieldsMixin, LocalizedMixin, serializers.Serializer):
    """A series (product model): shared data of its variants and the axes they differ on."""

    code = serializers.CharField(help_text=_("Series code."))
    name = serializers.SerializerMethodField(help_text=_("Name in the requested language."))
    short_description = serializers.SerializerMethodField(help_text=_("Short description."))
    long_description = serializers.SerializerMethodField(help_text=_("Long description."))
    family = serializers.CharField(source="family.code", help_text=_("Family code."))
    manufacturer_name = serializers.CharField(help_text=_("Manufacturer, empty if none."))
    categories = serializers.SerializerMethodField(help_text=_("Category codes."))
    axes = serializers.SerializerMethodField(help_text=_("Codes of the attributes the variants differ on."))
    variants = serializers.SerializerMethodField(
        help_text=_("Article numbers of the variants the request may read.")
    )
    values = serializers.SerializerMethodField(help_text=_("Values shared by the variants."))
    live = serializers.BooleanField(help_text=_("Full read only: the series is published."))
    has_unpublished_changes = serializers.BooleanField(help_text=_("Full read only: a newer draft exists."))
    updated_at = serializers.DateTimeField(help_text=_("Last change of the series row."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, series):
        return self.text(series.name)

    @extend_schema_field(OpenApiTypes.STR)
    def get_short_description(self, series):
        return self.text(series.short_description)

    @extend_schema_field(OpenApiTypes.STR)
    def get_long_description(self, series):
        return self.text(series.long_description)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, series):
        return sorted(category.code for category in series.categories.all())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_axes(self, series):
        return sorted(attribute.code for attribute in series.axes.all())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_variants(self, series):
        return [variant.article_number for variant in series.readable_variants]

    @extend_schema_field(ValueSerializer(many=True))
    def get_values(self, series):
        by_code: dict = {}
        for row in series.values.all():
            by_code.setdefault(row.attribute.code, []).append(row)
        family_attributes = self.context["family_attributes"](series.family_id)
        return values_in_family_order(family_attributes, by_code, self.context["language"])


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Unit code."))
    symbol = serializers.CharField(help_text=_("Symbol as displayed."))
    unece_code = serializers.CharField(help_text=_("UN/ECE Rec. 20 code, empty if none."))
    etim_code = serializers.CharField(help_text=_("ETIM unit code (EU…), empty if none."))
    canonical = serializers.BooleanField(help_text=_("Values are stored in this unit."))


class OptionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Option code."))
    name = serializers.CharField(help_text=_("Label in the requested language."))
    etim_code = serializers.CharField(help_text=_("ETIM value code (EV…), empty if none."))
    eclass_code = serializers.CharField(help_text=_("ECLASS value, empty if none."))


class AttributeSerializer(SparseFieldsMixin, LocalizedMixin, serializers.Serializer):
    """A typed product property with its options or units."""

    code = serializers.CharField(help_text=_("Attribute code."))
    name = serializers.SerializerMethodField(help_text=_("Label in the requested language."))
    type = serializers.ChoiceField(choices=AttributeType.choices, help_text=_("Attribute type."))
    quantity = serializers.CharField(
        source="quantity.code",
        allow_null=True,
        default=None,
        help_text=_("Physical quantity code, if numeric."),
    )
    canonical_unit = serializers.CharField(
        source="quantity.canonical_unit", allow_null=True, default=None,
        help_text=_("Unit values are stored in (pint name)."),
    )  # fmt: skip
    display_unit = serializers.CharField(
        source="display_unit.symbol",
        allow_null=True,
        default=None,
        help_text=_("Default display unit symbol."),
    )
    units = serializers.SerializerMethodField(help_text=_("Units a value may be given in."))
    options = serializers.SerializerMethodField(help_text=_("Options of an enumeration."))
    filterable = serializers.BooleanField(help_text=_("Offered as a catalog filter."))
    etim_code = serializers.CharField(help_text=_("ETIM feature code (EF…), empty if none."))
    eclass_code = serializers.CharField(help_text=_("ECLASS property, empty if none."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, attribute):
        return self.text(attribute.name)

    @extend_schema_field(UnitSerializer(many=True))
    def get_units(self, attribute):
        if attribute.quantity_id is None:
            return []
        canonical = attribute.quantity.canonical_unit
        return UnitSerializer(
            [
                {
                    "code": unit.code,
                    "symbol": unit.symbol,
                    "unece_code": unit.unece_code,
                    "etim_code": unit.etim_code,
                    "canonical": bool(canonical) and unit.pint_expression == canonical,
                }
                for unit in attribute.quantity.units.all()
            ],
            many=True,
        ).data

    @extend_schema_field(OptionSerializer(many=True))
    def get_options(self, attribute):
        return OptionSerializer(
            [
                {
                    "code": o.code,
                    "name": self.text(o.name),
                    "etim_code": o.etim_code,
                    "eclass_code": o.eclass_code,
                }
                for o in attribute.options.all()
            ],
            many=True,
        ).data


class FamilyAttributeSerializer(serializers.Serializer):
    attribute = serializers.CharField(help_text=_("Attribute code."))
    group = serializers.CharField(allow_null=True, help_text=_("Attribute group code."))
    display_unit = serializers.CharField(allow_null=True, help_text=_("Display unit symbol in this family."))
    in_listing = serializers.BooleanField(help_text=_("A key attribute of the family (result columns)."))


class FamilySerializer(SparseFieldsMixin, LocalizedMixin, serializers.Serializer):
    """An attribute set (an ETIM class when it has an EC code)."""

    code = serializers.CharField(help_text=_("Family code."))
    name = serializers.SerializerMethodField(help_text=_("Name in the requested language."))
    description = serializers.SerializerMethodField(help_text=_("Description."))
    etim_class_code = serializers.CharField(help_text=_("ETIM class (EC…), empty if none."))
    etim_version = serializers.CharField(help_text=_("ETIM version of the class."))
    eclass_code = serializers.CharField(help_text=_("ECLASS class, empty if none."))
    attributes = serializers.SerializerMethodField(help_text=_("The family's attributes in display order."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, family):
        return self.text(family.name)

    @extend_schema_field(OpenApiTypes.STR)
    def get_description(self, family):
        return self.text(family.description)

    @extend_schema_field(FamilyAttributeSerializer(many=True))
    def get_attributes(self, family):
        rows = sorted(
            family.family_attributes.all(),
            key=lambda r: (
                r.group.sort_order if r.group else 0,
                r.group.code if r.group else "",
                r.sort_order,
                r.attribute.code,
            ),
        )
        return FamilyAttributeSerializer(
            [
                {
                    "attribute": row.attribute.code,
                    "group": row.group.code if row.group else None,
                    "display_unit": (unit.symbol if (unit := row.attribute.get_display_unit(row)) else None),
                    "in_listing": row.in_listing,
                }
                for row in rows
            ],
            many=True,
        ).data


class CategorySerializer(SparseFieldsMixin, LocalizedMixin, serializers.Serializer):
    """A node of the category tree."""

    code = serializers.CharField(help_text=_("Category code."))
    name = serializers.SerializerMethodField(help_text=_("Name in the requested language."))
    description = serializers.SerializerMethodField(help_text=_("Description."))
    parent = serializers.CharField(
        source="parent.code", allow_null=True, default=None, help_text=_("Parent code.")
    )
    sort_order = serializers.IntegerField(help_text=_("Position among its siblings."))
    etim_group_code = serializers.CharField(help_text=_("ETIM group (EG…), empty if none."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, category):
        return self.text(category.name)

    @extend_schema_field(OpenApiTypes.STR)
    def get_description(self, category):
        return self.text(category.description)


# -- search --------------------------------------------------------------------------------


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text=_("Option code, “true”/“false”, or an asset kind (downloads)."))
    label = serializers.CharField(help_text=_("Label in the requested language."))
    count = serializers.IntegerField(help_text=_("Products with this value, given the other filters."))
    selected = serializers.BooleanField(help_text=_("Chosen in this search."))


class FacetBucketSerializer(serializers.Serializer):
    low = serializers.FloatField(help_text=_("Lower end (included), in the facet's unit."))
    high = serializers.FloatField(help_text=_("Upper end (excluded), in the facet's unit."))
    count = serializers.IntegerField(help_text=_("Products in this interval."))


class FacetSerializer(serializers.Serializer):
    """Counts of one filterable attribute (or of the kinds of download), as the catalog page
    shows them: a facet's own selection does not change its counts."""

    attribute = serializers.CharField(help_text=_("Attribute code; empty for the downloads facet."))
    label = serializers.CharField(help_text=_("Label in the requested language."))
    kind = serializers.ChoiceField(
        choices=["options", "boolean", "number", "range", "downloads"], help_text=_("Kind of facet.")
    )
    options = FacetOptionSerializer(many=True, help_text=_("Options with counts."))
    min = serializers.FloatField(allow_null=True, help_text=_("Smallest value, in ``unit``."))
    max = serializers.FloatField(allow_null=True, help_text=_("Largest value, in ``unit``."))
    unit = serializers.CharField(help_text=_("Display unit symbol of min, max and buckets."))
    buckets = FacetBucketSerializer(many=True, help_text=_("Intervals with counts."))
    selected = serializers.BooleanField(help_text=_("A filter on this attribute is set."))


class ProductSearchSerializer(serializers.Serializer):
    """One page of a catalog search: total, facets and the products of the page."""

    total = serializers.IntegerField(help_text=_("Products matching the search."))
    next = serializers.URLField(allow_null=True, help_text=_("The next page; null on the last page."))
    facets = FacetSerializer(many=True, help_text=_("Counts for the filterable attributes."))
    results = ProductSerializer(many=True, help_text=_("The products of this page, in the search's order."))


# -- assets --------------------------------------------------------------------------------

# Fields only full-read tokens get: an asset's own visibility settings. The public sees only
# downloadable assets, for which these say nothing.
ASSET_STATUS_FIELDS = ("public", "downloadable")


class AssetPage:
    """What the assets of one page need beyond their rows, in a fixed number of queries: the
    roles of the links the request may know of and the article numbers of the readable
    products they lead to (directly or through a series)."""

    def __init__(self, assets, *, links, readable_products, downloadable_ids):
        self.roles = {asset.pk: set() for asset in assets}
        self.article_numbers = {asset.pk: set() for asset in assets}
        self.downloadable_ids = downloadable_ids
        rows = list(links.values_list("asset_id", "role", "product_id", "product_model_id")) if assets else []
        product_ids = {product_id for _a, _r, product_id, _m in rows if product_id}
        model_ids = {model_id for _a, _r, _p, model_id in rows if model_id}
        by_product, by_model = {}, {}
        if product_ids or model_ids:
            for pk, model_id, article_number in readable_products.filter(
                Q(pk__in=product_ids) | Q(product_model_id__in=model_ids)
            ).values_list("pk", "product_model_id", "article_number"):
                by_product[pk] = article_number
                by_model.setdefault(model_id, set()).add(article_number)
        for asset_id, role, product_id, model_id in rows:
            self.roles[asset_id].add(role)
            if product_id in by_product:
                self.article_numbers[asset_id].add(by_product[product_id])
            if model_id:
                self.article_numbers[asset_id] |= by_model.get(model_id, set())


class AssetRecordSerializer(SparseFieldsMixin, LocalizedMixin, serializers.Serializer):
    """An asset (a file engineers download, or a video link) with its current file."""

    id = serializers.IntegerField(help_text=_("The asset's id (stable; also in its download URL)."))
    title = serializers.SerializerMethodField(help_text=_("Title in the requested language."))
    description = serializers.SerializerMethodField(help_text=_("Description in the requested language."))
    kind = serializers.ChoiceField(choices=AssetKind.choices, help_text=_("Asset kind."))
    roles = serializers.SerializerMethodField(
        help_text=_("Roles of its links (main_image, datasheet…), as far as the request may see them.")
    )
    languages = serializers.ListField(
        source="language_list",
        child=serializers.CharField(),
        help_text=_("Languages of the document; empty: language-neutral."),
    )
    file_name = serializers.CharField(
        source="current_revision.original_filename",
        allow_null=True,
        default=None,
        help_text=_("Name of the uploaded file; null for a video link."),
    )
    size = serializers.IntegerField(
        source="current_revision.size", allow_null=True, default=None, help_text=_("File size in bytes.")
    )
    mime_type = serializers.CharField(
        source="current_revision.mime_type",
        allow_null=True,
        default=None,
        help_text=_("Content type of the current file; null for a video link."),
    )
    sha256 = serializers.CharField(
        source="current_revision.sha256",
        allow_null=True,
        default=None,
        help_text=_("SHA-256 of the current file (hex); null for a video link."),
    )
    revision = serializers.IntegerField(
        source="current_revision.number",
        allow_null=True,
        default=None,
        help_text=_("Number of the current file's revision."),
    )
    valid_from = serializers.DateField(
        allow_null=True, help_text=_("First day the asset may be downloaded; null: no restriction.")
    )
    url = serializers.SerializerMethodField(
        help_text=_(
            "Absolute download URL (a video link: its address). It answers only while the asset is "
            "public, valid and linked to a publicly visible product; otherwise 404."
        )
    )
    article_numbers = serializers.SerializerMethodField(
        help_text=_(
            "Article numbers of the readable products it is linked to, directly or through their series "
            "(links to categories are not expanded)."
        )
    )
    public = serializers.BooleanField(
        help_text=_("Full read only: downloadable without login once a publicly visible product links to it.")
    )
    downloadable = serializers.SerializerMethodField(
        help_text=_(
            "Full read only: the download URL answers now (public, valid, linked to a visible product)."
        )
    )
    updated_at = serializers.DateTimeField(help_text=_("Last change of the asset."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.context.get("sees_unpublished"):
            for name in ASSET_STATUS_FIELDS:
                self.fields.pop(name, None)

    @property
    def page(self) -> AssetPage:
        return self.context["asset_page"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_title(self, asset):
        return self.text(asset.title)

    @extend_schema_field(OpenApiTypes.STR)
    def get_description(self, asset):
        return self.text(asset.description)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=LinkRole.choices)))
    def get_roles(self, asset):
        return [role for role in ROLE_ORDER if role in self.page.roles.get(asset.pk, ())]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, asset):
        if asset.current_revision_id is None:
            return asset.external_url or None
        return settings.PIM_BASE_URL + asset_url(asset)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_article_numbers(self, asset):
        return sorted(self.page.article_numbers.get(asset.pk, ()))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_downloadable(self, asset):
        return asset.pk in self.page.downloadable_ids


# -- channels --------------------------------------------------------------------------------


class ExportRunSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The run's id."))
    kind = serializers.ChoiceField(choices=RunKind.choices, help_text=_("Full catalog or changes."))
    status = serializers.ChoiceField(choices=RunStatus.choices, help_text=_("Outcome of the run."))
    since = serializers.DateTimeField(allow_null=True, help_text=_("Delta: changes since this moment."))
    snapshot_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Data as of this moment; later changes are in the next delta.")
    )
    started_at = serializers.DateTimeField(allow_null=True, help_text=_("When writing began."))
    finished_at = serializers.DateTimeField(allow_null=True, help_text=_("When writing ended."))
    product_count = serializers.IntegerField(help_text=_("Products written."))
    deleted_count = serializers.IntegerField(help_text=_("Deletions written (delta files)."))
    size_bytes = serializers.IntegerField(help_text=_("Size of the file in bytes."))
    sha256 = serializers.CharField(help_text=_("SHA-256 of the file (hex), empty if not recorded."))
    published = serializers.BooleanField(
        help_text=_("The file a plain pull of the channel serves (the pull URL without since).")
    )


class ChannelSerializer(SparseFieldsMixin, serializers.Serializer):
    """An export channel: format, what it selects, and its latest successful runs."""

    code = serializers.CharField(help_text=_("Channel code (in URLs and file names)."))
    name = serializers.CharField(help_text=_("Name in the admin."))
    active = serializers.BooleanField(help_text=_("Inactive channels neither run nor answer pulls."))
    format = serializers.ChoiceField(choices=ExportFormat.choices, help_text=_("File format."))
    languages = serializers.ListField(
        source="language_list", child=serializers.CharField(), help_text=_("Languages; the first is default.")
    )
    currency = serializers.CharField(help_text=_("ISO 4217 currency of prices."))
    lifecycles = serializers.ListField(
        source="lifecycle_list",
        child=serializers.CharField(),
        help_text=_("Lifecycle states exported as products."),
    )
    min_completeness = serializers.IntegerField(
        help_text=_("Products below this completeness (%) in a channel language are skipped.")
    )
    categories = serializers.SerializerMethodField(
        help_text=_("Codes of the selected categories (and below); empty: all.")
    )
    families = serializers.SerializerMethodField(help_text=_("Codes of the selected families; empty: all."))
    schedule = serializers.ChoiceField(choices=Schedule.choices, help_text=_("Automatic runs."))
    pull_url = serializers.SerializerMethodField(
        help_text=_(
            "Absolute URL a receiver pulls with its own receiver token: plain, the published full file; "
            "?since=<ISO 8601>|last, the changes since then."
        )
    )
    latest_full_run = serializers.SerializerMethodField(
        help_text=_("The latest successful full run, null if none.")
    )
    latest_delta_run = serializers.SerializerMethodField(
        help_text=_("The latest successful delta run, null if none.")
    )
    updated_at = serializers.DateTimeField(help_text=_("Last change of the channel's settings."))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, channel):
        return sorted(category.code for category in channel.categories.all())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_families(self, channel):
        return sorted(family.code for family in channel.families.all())

    @extend_schema_field(OpenApiTypes.URI)
    def get_pull_url(self, channel):
        return settings.PIM_BASE_URL + reverse("exports:pull", args=[channel.code])

    @extend_schema_field(ExportRunSerializer(allow_null=True))
    def get_latest_full_run(self, channel):
        run = self.context["runs"].get(channel.latest_full_run_id)
        return ExportRunSerializer(run).data if run else None

    @extend_schema_field(ExportRunSerializer(allow_null=True))
    def get_latest_delta_run(self, channel):
        run = self.context["runs"].get(channel.latest_delta_run_id)
        return ExportRunSerializer(run).data if run else None
