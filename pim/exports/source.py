"""What a channel exports, read in batches: the product selection, and per product the
effective values, prices, categories, references and assets, resolved into plain records the
format writers turn into files.

Memory stays flat: products are walked by primary key in batches (keyset pagination), each
batch is loaded with a fixed number of queries, and only lookup tables that grow with the
model (attributes, options, units, categories), never with the number of products, are kept.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pim.catalog import completeness as rules
from pim.catalog import trade
from pim.catalog.models import (
    Attribute,
    AttributeOption,
    AttributeType,
    Category,
    Family,
    Lifecycle,
    PackingUnit,
    Product,
    ProductModel,
    ProductModelValue,
    ProductPrice,
    ProductRelation,
    ProductValue,
    Unit,
)
from pim.catalog.units import round_significant

from .mime import MimeEntry, mime_entries_for
from .models import EXPORTABLE_LIFECYCLES, Channel, ExportFormat, FeatureSystem

BATCH_SIZE = 500

ACTION_NEW = "new"
ACTION_UPDATE = "update"
ACTION_DELETE = "delete"


def plain_number(value) -> str:
    """A number as XML Schema ``decimal`` text: no exponent, no float noise (16, 0.0001)."""
    if isinstance(value, Decimal):
        number = value
    else:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"cannot export the number {value!r}")
        number = Decimal(repr(round_significant(value)))
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-0"):
        text = "0"
    return text


def group_id(category) -> str:
    """The BMEcat GROUP_ID of a category (its code; GROUP_ID allows 50 characters)."""
    return category.code if len(category.code) <= 50 else f"C{category.pk}"


def channel_products(channel: Channel, *, lifecycles=None):
    """Products the channel exports: publicly visible (the catalog's single rule), in the
    channel's lifecycle states, families and categories."""
    states = lifecycles if lifecycles is not None else channel.lifecycle_list
    # discontinued products are never exported as products, whatever a channel says
    states = [state for state in states if state in EXPORTABLE_LIFECYCLES]
    queryset = Product.objects.publicly_visible().filter(lifecycle__in=states)
    return _scope(channel, queryset)


def _scope(channel: Channel, queryset):
    family_ids = list(channel.families.values_list("pk", flat=True))
    if family_ids:
        queryset = queryset.filter(family_id__in=family_ids)
    roots = list(channel.categories.all())
    if roots:
        category_ids = Category.objects.get_queryset_descendants(
            Category.objects.filter(pk__in=[c.pk for c in roots]), include_self=True
        ).values("pk")
        in_categories = Product.categories.through.objects.filter(category_id__in=category_ids).values(
            "product_id"
        )
        queryset = queryset.filter(pk__in=in_categories)
    return queryset


def in_channel_scope(channel: Channel):
    """All products of the channel's families/categories, whatever their state (deltas)."""
    return _scope(channel, Product.objects.all())


def iter_ids(queryset, batch_size: int = BATCH_SIZE, *, selective: bool = False) -> Iterator[list[int]]:
    """Primary keys of ``queryset`` in ascending batches, without OFFSET and without a list
    of all ids in memory.

    By default the table is walked in primary-key windows and each window is filtered
    (``pk IN window``): every query is a short range scan whatever the filters are — a
    keyset query with the channel's filters lets a planner without statistics (SQLite)
    pick the visibility index and rescan the table for every batch. ``selective=True``
    (deltas: few rows, found by the ``updated_at`` index) pages the filtered query itself.
    """
    last = 0
    if selective:
        base = queryset.order_by("pk").values_list("pk", flat=True)
        while True:
            ids = list(base.filter(pk__gt=last)[:batch_size])
            if not ids:
                return
            yield ids
            last = ids[-1]
    table = queryset.model._base_manager.order_by("pk").values_list("pk", flat=True)
    while True:
        window = list(table.filter(pk__gt=last)[:batch_size])
        if not window:
            return
        ids = list(queryset.filter(pk__in=window).order_by("pk").values_list("pk", flat=True))
        if ids:
            yield ids
        last = window[-1]


@dataclass
class Feature:
    """One exported attribute of a product."""

    attribute: Attribute
    name: str  # the receiver's name (channel mapping) or the attribute code
    rows: list
    unit: Unit | None  # unit numbers are written in (numeric attributes)
    code: str  # code in the channel's feature system ("" if it has none there)

    @property
    def type(self) -> str:
        return self.attribute.type

    def convert(self, canonical: float | None) -> float | None:
        if canonical is None:
            return None
        if self.unit is None:
            return canonical
        return round_significant(self.unit.from_canonical(canonical))

    def numbers(self) -> list[float]:
        row = self.rows[0]
        if self.type == AttributeType.NUMBER:
            return [self.convert(row.number)] if row.number is not None else []
        return [v for v in (self.convert(row.number_min), self.convert(row.number_max)) if v is not None]

    def range_bounds(self) -> tuple[float | None, float | None]:
        row = self.rows[0]
        return self.convert(row.number_min), self.convert(row.number_max)

    def options(self) -> list[AttributeOption]:
        return [row.option for row in self.rows if row.option_id]

    def boolean(self) -> bool | None:
        return self.rows[0].boolean

    def text(self, language: str) -> str:
        row = self.rows[0]
        if self.attribute.localizable:
            return (row.text_localized or {}).get(language, "")
        return row.text


@dataclass
class Reference:
    kind: str  # accessory, spare_part, replacement, compatible, successor
    article_number: str
    quantity: Decimal | None = None


VALUE_FIELDS = (
    "attribute_id",
    "option_id",
    "number",
    "number_min",
    "number_max",
    "unit_id",
    "boolean",
    "text",
    "text_localized",
)
PRICE_FIELDS = ("price_type", "currency", "amount", "min_quantity", "tax_rate", "valid_from", "valid_to")
PACKING_FIELDS = ("code", "quantity", "gtin", "gross_weight", "length", "width", "height", "package_break")


class ValueRow:
    """A stored attribute value read without building a model instance (exports read
    millions; the attribute names are those of the catalog's value models)."""

    __slots__ = (*VALUE_FIELDS, "attribute", "option", "unit")

    def __init__(self, values):
        for name, value in zip(VALUE_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.attribute = self.option = self.unit = None


class PriceRow:
    """A list price, read like :class:`ValueRow`."""

    __slots__ = PRICE_FIELDS

    def __init__(self, values):
        for name, value in zip(PRICE_FIELDS, values, strict=True):
            setattr(self, name, value)


class PackingRow:
    """A packing unit of a product (kg, mm as stored), read like :class:`ValueRow`."""

    __slots__ = PACKING_FIELDS

    def __init__(self, values):
        for name, value in zip(PACKING_FIELDS, values, strict=True):
            setattr(self, name, value)


def merge_values(model_rows, own_rows) -> dict:
    """Effective values by attribute code: the product model's rows, replaced attribute by
    attribute by the variant's own (the rule of :func:`pim.catalog.values.effective_values`,
    applied to rows read in bulk)."""
    result: dict = {}
    for row in model_rows:
        result.setdefault(row.attribute.code, []).append(row)
    own: dict = {}
    for row in own_rows:
        own.setdefault(row.attribute.code, []).append(row)
    result.update(own)
    return result


@dataclass
class ExportRecord:
    """A product with everything a writer needs, resolved without further queries."""

    product: Product | None
    article_number: str
    action: str = ACTION_NEW
    values: dict = field(default_factory=dict)
    category_ids: list[int] = field(default_factory=list)
    prices: list = field(default_factory=list)  # PriceRow: current and future prices in the currency
    references: list[Reference] = field(default_factory=list)
    mime: list[MimeEntry] = field(default_factory=list)
    # effective trade data (own, else the series'): see pim.catalog.trade.INHERITED_FIELDS
    trade: dict = field(default_factory=dict)
    packing_units: list = field(default_factory=list)  # PackingRow, in the editor's order

    @property
    def is_deletion(self) -> bool:
        return self.action == ACTION_DELETE

    def text(self, field_name: str, language: str) -> str:
        """A localized product text in exactly this language ('' if not translated)."""
        if self.product is None:
            return ""
        return rules.localized_text(self.product, field_name, language)

    def name(self, language: str) -> str:
        return self.text("name", language)

    def keywords(self, language: str) -> list[str]:
        """Keywords in exactly this language (no fallback)."""
        return trade.split_keywords((self.trade.get("keywords") or {}).get(language, ""))


class ExportContext:
    """Per-run settings and lookup tables of a channel."""

    def __init__(
        self, channel: Channel, *, format: str | None = None, today: date | None = None, writing: bool = False
    ):
        """``writing``: the context of an export run, which writes a file (completeness only
        reads records): BMEcat 2005 and 1.2 runs then get the JPEG renditions of pictures,
        made on first use, which nothing else needs."""
        self.channel = channel
        self.format = format or channel.format
        self.jpeg_renditions = writing and self.format in (ExportFormat.BMECAT_2005, ExportFormat.BMECAT_12)
        self.languages = channel.language_list
        self.default_language = self.languages[0]
        self.currency = channel.currency
        self.today = today or timezone.localdate()
        self.feature_system = channel.feature_system
        self.include_other_attributes = channel.include_other_attributes and (
            self.format != ExportFormat.BMECAT_2005_ETIM
        )
        self._attributes: dict[int, Attribute] = {}  # loaded as met (an ETIM import has thousands)
        self._units = {u.pk: u for u in Unit.objects.select_related("quantity")}
        self._options: dict[int, AttributeOption] = {}
        self._family_attributes: dict[int, list] = {}
        self._display_units: dict[tuple, Unit | None] = {}
        self._canonical_units = None
        self.selection = [
            (row.attribute_id, row.export_name)
            for row in channel.channel_attributes.order_by("sort_order", "pk")
        ]
        self._categories = None
        # Families and series by id, loaded as met: a batch's products share a few, and a
        # model instance per product (select_related) was a tenth of an export's time.
        self._families: dict[int, Family] = {}
        self._series: dict[int, ProductModel] = {}
        self.requirements = self._load_requirements()
        self.needs_completeness = channel.min_completeness > 0

    # -- lookups -------------------------------------------------------------------------
    def categories(self) -> list[Category]:
        """The exported category tree (the channel's subtrees, or all), in tree order."""
        if self._categories is None:
            roots = list(self.channel.categories.all())
            if roots:
                queryset = Category.objects.get_queryset_descendants(
                    Category.objects.filter(pk__in=[c.pk for c in roots]), include_self=True
                )
            else:
                queryset = Category.objects.all()
            self._categories = list(queryset.order_by("tree_id", "lft"))
        return self._categories

    def category_group_ids(self) -> dict[int, str]:
        return {category.pk: group_id(category) for category in self.categories()}

    def family_attributes(self, family) -> list:
        rows = self._family_attributes.get(family.pk)
        if rows is None:
            rows = list(
                family.family_attributes.select_related("display_unit__quantity", "group").order_by(
                    "group__sort_order", "group__code", "sort_order", "attribute__code"
                )
            )
            self._family_attributes[family.pk] = rows
        return rows

    def export_unit(self, attribute, family_attribute) -> Unit | None:
        """The unit numbers are exported in: the family's (for ETIM families, the unit of
        the ETIM class feature), else the attribute's display unit, else the canonical one."""
        if not attribute.is_numeric or not attribute.quantity_id:
            return None
        key = (attribute.pk, getattr(family_attribute, "display_unit_id", None))
        if key not in self._display_units:
            unit = attribute.get_display_unit(family_attribute)
            self._display_units[key] = self._units.get(unit.pk, unit) if unit else None
        return self._display_units[key]

    def canonical_unit(self, quantity) -> Unit | None:
        """The unit record of a quantity's canonical unit (for its codes), if there is one."""
        if self._canonical_units is None:
            self._canonical_units = {
                unit.quantity_id: unit
                for unit in self._units.values()
                if unit.pint_expression and unit.pint_expression == unit.quantity.canonical_unit
            }
        return self._canonical_units.get(quantity.pk)

    def system_code(self, attribute) -> str:
        if self.feature_system == FeatureSystem.ETIM:
            return attribute.etim_code
        if self.feature_system == FeatureSystem.ECLASS:
            return attribute.eclass_code
        return ""

    def option_code(self, option) -> str:
        if self.feature_system == FeatureSystem.ETIM:
            return option.etim_code
        if self.feature_system == FeatureSystem.ECLASS:
            return option.eclass_code
        return ""

    def class_code(self, family) -> str:
        if self.feature_system == FeatureSystem.ETIM:
            return family.etim_class_code
        if self.feature_system == FeatureSystem.ECLASS:
            return family.eclass_code
        return ""

    def system_name(self, family) -> str:
        """REFERENCE_FEATURE_SYSTEM_NAME, e.g. ETIM-6.0 or ECLASS-12.0."""
        if self.feature_system == FeatureSystem.ETIM:
            version = self.channel.feature_system_version or family.etim_version or "6.0"
            return f"ETIM-{version}"
        if self.feature_system == FeatureSystem.ECLASS:
            return f"ECLASS-{self.channel.feature_system_version or '12.0'}"
        return ""

    def _load_requirements(self) -> dict:
        """Completeness requirements by family id (None: every family)."""
        by_family: dict = {}
        for row in self.channel.requirements.select_related("attribute"):
            label = ""
            if row.kind == rules.ATTRIBUTE and row.attribute_id:
                label = str(row.attribute)
            elif row.kind == rules.FIELD and row.field in rules.FIELDS:
                label = str(rules.FIELDS[row.field][0])
            else:
                label = row.asset_kind
            by_family.setdefault(row.family_id, []).append(rules.Requirement(row.kind, row.code, label))
        return by_family

    def requirements_for(self, family_id) -> list:
        return [*self.requirements.get(None, []), *self.requirements.get(family_id, [])]

    # -- features ------------------------------------------------------------------------
    def features(self, record: ExportRecord) -> list[Feature]:
        """The product's exported attributes in display order (or the channel's order)."""
        product = record.product
        family_rows = {row.attribute_id: row for row in self.family_attributes(product.family)}
        if self.selection:
            order = [(attr_id, name) for attr_id, name in self.selection if attr_id in family_rows]
        else:
            order = [(row.attribute_id, "") for row in family_rows.values()]
        features = []
        attributes = self.attributes(attribute_id for attribute_id, _name in order)
        for attribute_id, export_name in order:
            attribute = attributes[attribute_id]
            rows = record.values.get(attribute.code)
            if not rows:
                continue
            features.append(
                Feature(
                    attribute=attribute,
                    name=export_name or attribute.code,
                    rows=rows,
                    unit=self.export_unit(attribute, family_rows[attribute_id]),
                    code=self.system_code(attribute),
                )
            )
        return features

    def columns(self) -> list[tuple[Attribute, str, Unit | None]]:
        """Attribute columns of tabular formats: the channel's selection, or every attribute
        of the exported families (ordered by family, then display order)."""
        if self.selection:
            self.attributes(attribute_id for attribute_id, _name in self.selection)
            chosen = []
            for attribute_id, export_name in self.selection:
                attribute = self._attributes[attribute_id]
                chosen.append((attribute, export_name or attribute.code, self._column_unit(attribute)))
            return chosen
        from pim.catalog.models import FamilyAttribute

        family_ids = list(self.channel.families.values_list("pk", flat=True))
        rows = FamilyAttribute.objects.order_by("family__code", "sort_order", "attribute__code")
        if family_ids:
            rows = rows.filter(family_id__in=family_ids)
        seen, chosen = set(), []
        attribute_ids = list(rows.values_list("attribute_id", flat=True))
        self.attributes(attribute_ids)
        for attribute_id in attribute_ids:
            if attribute_id in seen:
                continue
            seen.add(attribute_id)
            attribute = self._attributes[attribute_id]
            chosen.append((attribute, attribute.code, self._column_unit(attribute)))
        return chosen

    def _column_unit(self, attribute) -> Unit | None:
        # One unit per column: the attribute's own display unit (family overrides differ per
        # family, a column cannot).
        return self.export_unit(attribute, None)

    # -- loading -------------------------------------------------------------------------
    def attributes(self, ids) -> dict[int, Attribute]:
        missing = {pk for pk in ids if pk not in self._attributes}
        if missing:
            self._attributes.update(
                Attribute.objects.select_related("quantity", "display_unit__quantity").in_bulk(missing)
            )
        return self._attributes

    def _attach(self, rows) -> None:
        self.attributes({row.attribute_id for row in rows})
        missing = {row.option_id for row in rows if row.option_id and row.option_id not in self._options}
        if missing:
            self._options.update(AttributeOption.objects.in_bulk(missing))
        for row in rows:
            row.attribute = self._attributes[row.attribute_id]
            if row.option_id:
                row.option = self._options[row.option_id]
            if row.unit_id:
                row.unit = self._units[row.unit_id]

    def _attach_owners(self, products) -> None:
        """Give each product its family and series from the run's lookup tables."""
        missing = {p.family_id for p in products} - self._families.keys()
        if missing:
            self._families.update(Family.objects.in_bulk(missing))
        missing = {p.product_model_id for p in products if p.product_model_id} - self._series.keys()
        if missing:
            self._series.update(ProductModel.objects.in_bulk(missing))
        for product in products:
            product.family = self._families[product.family_id]
            if product.product_model_id:
                product.product_model = self._series[product.product_model_id]

    def load(self, ids: list[int], *, action_for=None) -> list[ExportRecord]:
        """Records for the products ``ids`` (in id order) with a fixed number of queries.
        Values, prices and relations are read as plain rows, not model instances: that is
        most of the time an export takes otherwise."""
        products = list(Product.objects.filter(pk__in=ids).order_by("pk"))
        self._attach_owners(products)
        own: dict[int, list] = {}
        for product_id, *values in (
            ProductValue.objects.filter(product_id__in=ids)
            .order_by("pk")
            .values_list("product_id", *VALUE_FIELDS)
        ):
            own.setdefault(product_id, []).append(ValueRow(values))
        model_ids = {p.product_model_id for p in products if p.product_model_id}
        inherited: dict[int, list] = {}
        if model_ids:
            for model_id, *values in (
                ProductModelValue.objects.filter(product_model_id__in=model_ids)
                .order_by("pk")
                .values_list("product_model_id", *VALUE_FIELDS)
            ):
                inherited.setdefault(model_id, []).append(ValueRow(values))
        self._attach([row for rows in (*own.values(), *inherited.values()) for row in rows])

        prices: dict[int, list] = {}
        for product_id, *values in (
            ProductPrice.objects.filter(product_id__in=ids, currency=self.currency)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.today))
            .order_by(F("valid_from").asc(nulls_first=True), "price_type", "min_quantity", "pk")
            .values_list("product_id", *PRICE_FIELDS)
        ):
            prices.setdefault(product_id, []).append(PriceRow(values))

        categories: dict[int, list[int]] = {}
        for product_id, category_id in (
            Product.categories.through.objects.filter(product_id__in=ids)
            .order_by("pk")
            .values_list("product_id", "category_id")
        ):
            categories.setdefault(product_id, []).append(category_id)

        relations: dict[int, list] = {}
        for product_id, kind, target_id, quantity in (
            ProductRelation.objects.filter(product_id__in=ids)
            .order_by("kind", "sort_order", "pk")
            .values_list("product_id", "kind", "target_id", "quantity")
        ):
            relations.setdefault(product_id, []).append((kind, target_id, quantity))
        target_ids = {target for rows in relations.values() for _kind, target, _q in rows}
        target_ids |= {p.successor_id for p in products if p.successor_id}
        # references point only at products receivers can have (public, not discontinued)
        visible_targets = dict(
            Product.objects.publicly_visible()
            .exclude(lifecycle=Lifecycle.DISCONTINUED)
            .filter(pk__in=target_ids)
            .values_list("pk", "article_number")
        )
        packing_units: dict[int, list] = {}
        for product_id, *values in (
            PackingUnit.objects.filter(product_id__in=ids)
            .order_by("sort_order", "pk")
            .values_list("product_id", *PACKING_FIELDS)
        ):
            packing_units.setdefault(product_id, []).append(PackingRow(values))
        mime = mime_entries_for(products, jpeg_renditions=self.jpeg_renditions)

        records = []
        for product in products:
            references = [
                Reference(kind, visible_targets[target_id], quantity)
                for kind, target_id, quantity in relations.get(product.pk, [])
                if target_id in visible_targets
            ]
            if product.successor_id in visible_targets:
                references.append(Reference("successor", visible_targets[product.successor_id]))
            records.append(
                ExportRecord(
                    product=product,
                    article_number=product.article_number,
                    action=action_for(product) if action_for else ACTION_NEW,
                    values=merge_values(inherited.get(product.product_model_id, []), own.get(product.pk, [])),
                    category_ids=categories.get(product.pk, []),
                    prices=prices.get(product.pk, []),
                    references=references,
                    mime=mime.get(product.pk, []),
                    trade=trade.effective_trade(product),
                    packing_units=packing_units.get(product.pk, []),
                )
            )
        return records

    # -- requirements --------------------------------------------------------------------
    def completeness(self, record: ExportRecord) -> dict:
        product = record.product
        facts = rules.ProductFacts(
            values=record.values,
            category_count=len(record.category_ids),
            price_currencies=frozenset(p.currency for p in record.prices),
            asset_kinds=frozenset(entry.kind or entry.purpose for entry in record.mime),
            packing_unit_count=len(record.packing_units),
        )
        return rules.evaluate(
            product, self.requirements_for(product.family_id), self.languages, facts, currency=self.currency
        )

    def completeness_problems(self, record: ExportRecord) -> list[str]:
        if not self.needs_completeness or record.is_deletion:
            return []
        problems = []
        for language, result in self.completeness(record).items():
            if result.score < self.channel.min_completeness:
                missing = ", ".join(item["label"] or item["code"] for item in result.missing)
                problems.append(
                    _(
                        "Completeness %(score)s%% in %(language)s is below the channel's %(minimum)s%% "
                        "(missing: %(missing)s)."
                    )
                    % {
                        "score": result.score,
                        "language": language,
                        "minimum": self.channel.min_completeness,
                        "missing": missing,
                    }
                )
        return problems


def is_discontinued(product) -> bool:
    return product.lifecycle == Lifecycle.DISCONTINUED
