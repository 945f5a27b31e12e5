"""The dry run of an import: every incoming product validated through the catalog's own
services and compared with the catalog, giving what would change (old → new, in display
units) and every problem at its sheet, row and column.

One :class:`Planner` lives for a whole file: it caches the catalog's families, attributes,
categories and units, and remembers every article number it met (duplicates in the file are
errors at the second occurrence). :meth:`Planner.plan_batch` loads the batch's existing
products with a fixed number of queries and returns one :class:`PlannedChange` per product;
:mod:`pim.imports.committing` writes one.

Comparison rules (so that an exported file imported unchanged changes nothing):

- Numbers are compared after conversion to the canonical unit, with the tolerance of the
  rounding an export applies (10 significant digits); options as sets; texts stripped.
- A variant is written by the exports with its effective data (the series' values, texts,
  categories and trade fields where it has none of its own): a cell equal to the series'
  value is no change while the variant has no own value.
- The price columns of the machine layout state the current tier-1 price of a type: its
  amount is changed (or the row created); other tiers and future prices stay. A file that
  states the whole price list (BMEcat, ``prices_replace_all``) replaces it.
- Relations to products the exports do not write (not public, discontinued) stay when the
  file does not name them.
- Relations to an article that is neither in the catalog nor earlier in the file are kept
  as :attr:`PlannedChange.deferred_relations` with a warning: the committer links them after
  the whole file is imported (:func:`pim.imports.committing.apply_deferred_relations`);
  :meth:`Planner.finish` reports those that never appeared in the file.
"""

import copy
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from wagtail.models import Revision

from pim.catalog import units as unit_service
from pim.catalog.commercial import order_unit_codes
from pim.catalog.forms import MEASURED_TRADE_FIELDS, StoredMeasurementField
from pim.catalog.identifiers import normalize_article_number
from pim.catalog.localization import clean_localized, localize
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
    Quantity,
    RelationKind,
    Unit,
)
from pim.catalog.trade import FIELD_LABELS, INHERITED_FIELDS, format_weight, plain_decimal, split_keywords
from pim.catalog.values import (
    build_value_rows,
    family_attributes_by_code,
    format_stored_value,
    validate_variant,
    variant_axis_values,
)

from .records import ERROR, WARNING, IncomingProduct, Location, Problem, Raw

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
INVALID = "invalid"

LOCALIZED_FIELDS = ("name", "short_description", "long_description", "keywords")
SUCCESSOR = "successor"
# Fields the file may not set: identity, bookkeeping and the draft machinery.
_NOT_IMPORTED = {
    "id",
    "article_number",
    "article_number_key",
    "live",
    "has_unpublished_changes",
    "first_published_at",
    "last_published_at",
    "live_revision",
    "latest_revision",
    "go_live_at",
    "expire_at",
    "expired",
    "created_at",
    "updated_at",
    "successor",
    "categories",
}
_TRUE = {"1", "true", "yes", "y", "ja", "j", "x", "wahr"}
_FALSE = {"0", "false", "no", "n", "nein", "falsch"}
# Relative tolerance of numbers read back from a file: exports round to 10 significant digits.
_NUMBER_TOLERANCE = 1e-9
PACKING_FIELDS = ("code", "quantity", "gtin", "gross_weight", "length", "width", "height", "package_break")


@dataclass(frozen=True, slots=True)
class RelatedProduct:
    """A product as the target of a relation or a successor: its number, and whether exports
    write relations to it (public and not discontinued): a file made by an export says
    nothing about the others."""

    pk: int
    article_number: str
    key: str
    exported: bool


@dataclass
class PricePlan:
    """The prices a product gets: ``replace_all`` (the whole list in ``rows``) or, per
    (type, currency), the current tier-1 amount to set (``None``: remove that row)."""

    replace_all: bool = False
    rows: list[dict] = field(default_factory=list)
    current: dict[tuple[str, str], Decimal | None] = field(default_factory=dict)


@dataclass
class Patch:
    """What the committer writes onto the product (only what changes)."""

    fields: dict[str, Any] = field(default_factory=dict)  # model field name -> Python value
    localized: dict[str, dict] = field(default_factory=dict)  # field -> whole new dict
    values: dict[str, list] = field(default_factory=dict)  # attribute code -> new rows ([] clears)
    prices: PricePlan | None = None
    categories: list | None = None  # Category objects
    # kind -> [(target product id, quantity)]; None: relations unchanged
    relations: dict[str, list] | None = None
    successor: Any = None  # the successor's pk, or "" to clear; None: unchanged
    packing_units: list[dict] | None = None

    def __bool__(self):
        return bool(
            self.fields
            or self.localized
            or self.values
            or self.prices is not None
            or self.categories is not None
            or self.relations is not None
            or self.successor is not None
            or self.packing_units is not None
        )


@dataclass
class PlannedChange:
    """The outcome of planning one incoming product."""

    incoming: IncomingProduct
    action: str
    product: Product | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    patch: Patch = field(default_factory=Patch)
    family: Family | None = None
    # relation kind (or "successor") -> article numbers met later in the file
    deferred_relations: dict[str, list[str]] = field(default_factory=dict)

    @property
    def article_number(self) -> str:
        return self.incoming.number

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == ERROR]


# Conversions remembered per file (the same cell text in many rows: a lifecycle, an order unit,
# a country, a material) are forgotten in one go when this many are kept, so that memory
# stays bounded on files of any size.
_MEMO_LIMIT = 20_000


_SCALARS = frozenset({str, int, float, bool, Decimal, type(None), date, datetime})


def _frozen(value):
    """A key for a raw value that tells ``1``, ``1.0`` and ``True`` apart (they hash alike);
    None for values that are not remembered (texts per language)."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)
    if isinstance(value, list | tuple):
        items = tuple(_frozen(item) for item in value)
        return None if None in items else (type(value).__name__, items)
    if isinstance(value, Mapping):
        return None
    if isinstance(value, models.Model):
        return (type(value).__name__, value.pk)
    try:
        hash(value)
    except TypeError:
        return None
    return (type(value).__name__, value)


def _blank(value) -> bool:
    """Nothing in the cell (a range or a localized text: nothing in any part)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(_blank(item) for item in value)
    if isinstance(value, Mapping):
        return all(_blank(item) for item in value.values())
    return False


def _text(value) -> str:
    """A cell as text: Excel turns numeric-looking codes (GTINs, tariff numbers) into
    numbers; ``4006381333931.0`` is read back as ``4006381333931``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value).strip()


def _decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(_("expected a number, got yes/no."))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": value})
        # The shortest repr: 12.5 stays 12.5, not 12.4999999999999.
        return Decimal(repr(unit_service.round_significant(value)))
    try:
        return Decimal(repr(unit_service.parse_number(str(value))))
    except (ValueError, InvalidOperation):
        raise ValidationError(
            _("“%(value)s” is not a number; write it like 12.5 or 12,5.") % {"value": value}
        ) from None


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(_("“%(value)s” is not yes or no; write true or false.") % {"value": value})


def _date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = models.DateField().to_python(_text(value))
    return parsed


def _display(value, name: str = "") -> str:
    """A model field value for the diff (weights and lengths with their unit)."""
    if value is None or value == "":
        return ""
    if name in ("net_weight", "gross_weight"):
        return format_weight(Decimal(value))
    if name in ("length", "width", "height"):
        return f"{plain_decimal(Decimal(value))} mm"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, Mapping):
        return localize(value)
    code = getattr(value, "code", None)
    if code is not None and not isinstance(value, str):
        return str(code)
    return str(value)


def _stored(instance, name: str):
    """A field's stored value; a country as its code ('' for none: the field's descriptor
    gives an empty Country object)."""
    value = getattr(instance, name)
    if name == "country_of_origin":
        return getattr(value, "code", value) or ""
    return value


def _labelled(label, exc: ValidationError | None = None, *, text: str = "") -> str:
    """A message that names the field it is about: ``Net weight: 2 bar is not a mass.``"""
    message = " ".join(exc.messages) if exc is not None else text
    return _("%(field)s: %(message)s") % {"field": label, "message": message}


_FIELD_LABELS: dict[tuple[str, str], str] = {}


def _field_label(name: str) -> str:
    """A field's label in the active language (looked up once per language: every new
    product's diff names each of its fields)."""
    key = (get_language() or "", name)
    label = _FIELD_LABELS.get(key)
    if label is None:
        if name in FIELD_LABELS:
            label = str(FIELD_LABELS[name])
        else:
            label = capfirst(str(Product._meta.get_field(name).verbose_name))
        _FIELD_LABELS[key] = label
    return label


def _same_number(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=_NUMBER_TOLERANCE, abs_tol=1e-12)


def same_values(old_rows: list, new_rows: list) -> bool:
    """Whether two sets of value rows of one attribute say the same (numbers compared in the
    canonical unit within the export's rounding, options as sets, texts stripped)."""
    if not old_rows or not new_rows:
        return not old_rows and not new_rows
    attribute = (new_rows or old_rows)[0].attribute
    kind = attribute.type
    if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
        return {r.option_id for r in old_rows} == {r.option_id for r in new_rows}
    old, new = old_rows[0], new_rows[0]
    if kind == AttributeType.BOOLEAN:
        return old.boolean == new.boolean
    if kind == AttributeType.TEXT:
        if attribute.localizable:
            return clean_localized(old.text_localized) == clean_localized(new.text_localized)
        return (old.text or "").strip() == (new.text or "").strip()
    if kind == AttributeType.NUMBER:
        return _same_number(old.number, new.number)
    return _same_number(old.number_min, new.number_min) and _same_number(old.number_max, new.number_max)


def _same_field(name: str, old, new) -> bool:
    if type(old) is type(new) and old == new:
        return True  # most cells of a file read back as they were stored
    if name == "country_of_origin":
        old = getattr(old, "code", old) or ""
        new = getattr(new, "code", new) or ""
    if name == "keywords":
        return _keyword_lists(old) == _keyword_lists(new)
    if isinstance(old, Mapping) or isinstance(new, Mapping):
        return clean_localized(old or {}) == clean_localized(new or {})
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(old) == Decimal(new)
        except (TypeError, InvalidOperation):
            return False
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    return old == new


def _axis_key(rows) -> tuple:
    """What a variant axis value is compared by (numbers in the canonical unit, without the
    noise of conversions)."""
    keys = []
    for row in rows:
        if row.option_id:
            keys.append(("o", row.option_id))
        elif row.number is not None:
            keys.append(("n", unit_service.round_significant(row.number)))
        elif row.boolean is not None:
            keys.append(("b", row.boolean))
        else:
            keys.append(("t", (row.text or "").strip()))
    return tuple(sorted(keys, key=str))


def _keyword_lists(value) -> dict:
    return {lang: split_keywords(text) for lang, text in clean_localized(value or {}).items()}


def current_price(prices, price_type: str, currency: str, today: date):
    """The price row a machine-layout price column stands for: of that type and currency,
    valid today, the lowest tier (the latest-starting one when two overlap), as the export
    chooses it."""
    current = [
        p
        for p in prices
        if p.price_type == price_type
        and p.currency == currency
        and (p.valid_from is None or p.valid_from <= today)
        and (p.valid_to is None or p.valid_to >= today)
    ]
    if not current:
        return None
    return min(current, key=lambda p: (p.min_quantity, -(p.valid_from or today).toordinal()))


class Planner:
    """Plans a whole file, batch by batch (see the module docstring)."""

    def __init__(self, *, user=None, mapping=None, languages=None, drafts=True):
        """``drafts``: a product with unpublished changes is planned against its pending draft
        (a change already in it is no change, so importing a file twice without publishing
        writes one revision). False for an import that publishes: it is planned against the
        published row, so that what the draft holds and the live row lacks is published."""
        self.user = user
        self.mapping = mapping
        self.drafts = drafts
        self.languages = list(languages or settings.PIM_LANGUAGES)
        self.today = timezone.localdate()
        self._seen: dict[str, Location] = {}  # article number key -> first location in the file
        # target key -> [(owner number, kind, location, target number)] of relations not yet linkable
        self._pending: dict[str, list[tuple]] = {}
        # digest of (series, axis values) -> article number of the file's first variant with them
        # (its place is in _seen): a few dozen bytes per variant of a large file
        self._axis_signatures: dict[bytes, str] = {}
        self._families = {f.code: f for f in Family.objects.all()}
        self._families_by_pk = {f.pk: f for f in self._families.values()}
        self._family_attributes: dict[int, dict] = {}
        self._categories = {c.code: c for c in Category.objects.all()}
        self._models: dict[str, ProductModel | None] = {}
        self._choices: dict[tuple, dict[str, str]] = {}
        self._option_map = (mapping.options if mapping is not None else None) or {}
        self._measured = self._measured_fields()
        self._memo: dict = {}
        self.order_units = set(order_unit_codes())
        # The batch's related products: by pk (stored relations, successors) and by article
        # number key (the targets the file names), see _related_products.
        self._related: dict[int, RelatedProduct] = {}
        self._targets: dict[str, RelatedProduct] = {}

    def remembered(self, key, compute):
        """``compute()`` once per ``key`` (its result or its ValidationError) for the file:
        converting the same cell text again gives the same answer."""
        if key is None:
            return compute()
        hit = self._memo.get(key)
        if hit is None:
            try:
                hit = (True, compute())
            except ValidationError as exc:
                hit = (False, exc)
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = hit
        if not hit[0]:
            raise hit[1]
        return hit[1]

    def value_rows(self, attribute, value, family_attribute) -> list:
        """``build_value_rows`` (the catalog's validation) of one value, remembered: the rows
        are shared between the products with the same value, so a plan copies them before it
        keeps them."""
        frozen = _frozen(value)
        key = None if frozen is None else ("value", attribute.pk, family_attribute.pk, frozen)
        return self.remembered(
            key, lambda: build_value_rows(attribute, value, family_attribute=family_attribute)
        )

    # -- lookup tables -----------------------------------------------------------------------
    def _measured_fields(self) -> dict:
        """Form fields of the catalog that turn "250 g" into the stored kilograms (the admin's
        own cleaning), by model field name; packing-unit fields under ``packing_unit_<name>``."""
        quantities = {
            q.code: q
            for q in Quantity.objects.filter(code__in={"mass", "length"}).prefetch_related(
                Prefetch("units", queryset=Unit.objects.select_related("quantity"))
            )
        }
        result = {}
        for name, (quantity_code, unit_code, _offered, example, _help) in MEASURED_TRADE_FIELDS.items():
            quantity = quantities.get(quantity_code)
            if quantity is None:
                continue
            units = list(quantity.units.all())
            stored = next((u for u in units if u.code == unit_code), None)
            if stored is None or not stored.pint_expression:
                continue
            for model, key in ((Product, name), (PackingUnit, f"packing_unit_{name}")):
                try:
                    model_field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                result[key] = (
                    StoredMeasurementField(
                        quantity=quantity,
                        units=units,
                        stored_unit=stored,
                        model_field=model_field,
                        example=example,
                        required=False,
                    ),
                    units,
                )
        return result

    def choice(self, model_field, value) -> str:
        """A choice field's code from its code or its label in a shipped language (looked up
        in a table made once per file: the countries alone are 250 lazy labels)."""
        key = (model_field.model, model_field.name)
        if key not in self._choices:
            table = {}
            for language in ("en", "de"):
                with override(language):
                    for code, label in model_field.flatchoices:
                        if code != "":
                            table.setdefault(str(label).casefold(), str(code))
            for code, _label in model_field.flatchoices:
                if code != "":
                    table[str(code).casefold()] = str(code)
            self._choices[key] = table
        text = _text(value)
        code = self._choices[key].get(text.casefold())
        if code is None:
            codes = sorted(set(self._choices[key].values()))
            more = "…" if len(codes) > 15 else ""
            raise ValidationError(
                _("“%(value)s” is not one of: %(choices)s%(more)s.")
                % {"value": text, "choices": ", ".join(codes[:15]), "more": more}
            )
        return code

    def _attributes_of(self, family) -> dict:
        if family.pk not in self._family_attributes:
            by_code = family_attributes_by_code(family)
            # Options and units are read for every value of the file: once per attribute.
            prefetch_related_objects(
                [row.attribute for row in by_code.values()],
                "options",
                Prefetch("quantity__units", queryset=Unit.objects.select_related("quantity")),
            )
            self._family_attributes[family.pk] = by_code
        return self._family_attributes[family.pk]

    def _load_models(self, codes) -> None:
        # Only the batch's series are kept (with their values and categories): a cache of
        # every series met would grow with the file.
        self._models = {code: self._models[code] for code in codes if code in self._models}
        missing = [code for code in codes if code not in self._models]
        if not missing:
            return
        found = {m.code: m for m in ProductModel.objects.filter(code__in=missing)}
        by_pk = {m.pk: m for m in found.values()}
        for model in found.values():
            model.family = self._families_by_pk[model.family_id]
        values: dict[int, list] = {pk: [] for pk in by_pk}
        for row in ProductModelValue.objects.filter(product_model_id__in=by_pk).order_by("pk"):
            values[row.product_model_id].append(row)
        self._attach_attributes(
            [row for rows in values.values() for row in rows], by_pk, owner="product_model_id"
        )
        categories_by_pk = {c.pk: c for c in self._categories.values()}
        categories: dict[int, list] = {pk: [] for pk in by_pk}
        axes: dict[int, list] = {pk: [] for pk in by_pk}
        category_links = ProductModel.categories.through.objects.filter(productmodel_id__in=by_pk)
        for model_id, category_id in category_links.values_list("productmodel_id", "category_id"):
            category = categories_by_pk.get(category_id) or Category.objects.get(pk=category_id)
            categories[model_id].append(category)
        axis_links = ProductModel.axes.through.objects.filter(productmodel_id__in=by_pk).select_related(
            "attribute"
        )
        for link in axis_links.order_by(*(f"attribute__{name}" for name in Attribute._meta.ordering)):
            axes[link.productmodel_id].append(link.attribute)
        for pk, model in by_pk.items():
            model.values = values[pk]
            model.categories = sorted(categories[pk], key=lambda c: c.pk)
            model.axes = axes[pk]
        for code in missing:
            self._models[code] = found.get(code)

    @staticmethod
    def _value_queryset():
        return ProductValue.objects.select_related("attribute", "option", "unit__quantity").order_by("pk")

    @staticmethod
    def _value_queryset_model():
        return ProductModelValue.objects.select_related("attribute", "option", "unit__quantity").order_by(
            "pk"
        )

    def _load_products(self, keys) -> dict[str, Product]:
        """The batch's stored products with their child rows, a fixed number of queries. The
        rows are read with one plain query per relation and handed to each product as its
        in-memory children (modelcluster's ``product.values = rows``; the planner never saves
        them): a prefetch through the cluster's managers built a queryset per product, which
        cost more than planning the product. Families, series, attributes and options come
        from the planner's tables instead of being read again for every row that names them;
        related products (relation targets, successors) with only what planning reads of them."""
        self._related = {}
        products = list(Product.objects.filter(article_number_key__in=keys))
        if not products:
            return {}
        # A product with unpublished changes is planned against its pending draft, the state
        # the committer edits (as the admin does): a change already in the draft is no change.
        drafts = self._pending_drafts(products) if self.drafts else {}
        products = [drafts.get(p.pk, p) for p in products]
        by_pk = {p.pk: p for p in products}
        stored = {pk: p for pk, p in by_pk.items() if pk not in drafts}  # rows from the tables
        for product in products:
            product.family = self._families_by_pk[product.family_id]
        values: dict[int, list] = {pk: [] for pk in stored}
        for row in ProductValue.objects.filter(product_id__in=stored).order_by("pk"):
            values[row.product_id].append(row)
        for pk, draft in drafts.items():
            values[pk] = list(draft.values.all())
        self._attach_attributes([row for rows in values.values() for row in rows], by_pk)
        children = {
            "values": values,
            "prices": ProductPrice.objects.all(),
            "relations": ProductRelation.objects.all(),
            "packing_units": PackingUnit.objects.all(),
        }
        for name, queryset in children.items():
            rows = queryset
            if not isinstance(queryset, dict):
                rows = {pk: [] for pk in stored}
                for row in queryset.filter(product_id__in=stored):
                    rows[row.product_id].append(row)
                for pk, draft in drafts.items():
                    rows[pk] = list(getattr(draft, name).all())
            for pk, product_rows in rows.items():
                setattr(by_pk[pk], name, product_rows)
        through = Product.categories.through
        categories_by_pk = {c.pk: c for c in self._categories.values()}
        links = list(through.objects.filter(product_id__in=stored).values_list("product_id", "category_id"))
        for pk, draft in drafts.items():
            links += [(pk, category.pk) for category in draft.categories.all()]
        missing = {category_id for _product_id, category_id in links} - set(categories_by_pk)
        if missing:  # created after the planner started (none in a plain import)
            categories_by_pk.update(Category.objects.in_bulk(missing))
        chosen: dict[int, list] = {pk: [] for pk in by_pk}
        for product_id, category_id in links:
            if category_id in categories_by_pk:  # a draft may name a category deleted since
                chosen[product_id].append(categories_by_pk[category_id])
        for pk, categories in chosen.items():
            by_pk[pk].categories = sorted(categories, key=lambda c: c.pk)
        # Related products (relation targets, successors): their number and whether exports
        # write them, read once for the batch (see _related_products).
        related = {p.successor_id for p in products if p.successor_id}
        related.update(row.target_id for p in products for row in p.relations.all())
        self._related = {r.pk: r for r in self._related_products(pk__in=related)} if related else {}
        return {p.article_number_key: p for p in products}

    @staticmethod
    def _pending_drafts(products) -> dict[int, Product]:
        """The latest revisions, as products, of those of ``products`` with unpublished
        changes (by pk): what ``get_latest_revision_as_object`` gives, read in one query."""
        pending = {
            p.latest_revision_id: p for p in products if p.has_unpublished_changes and p.latest_revision_id
        }
        if not pending:
            return {}
        drafts = {}
        for revision in Revision.objects.filter(pk__in=pending).only("pk", "content"):
            product = pending[revision.pk]
            drafts[product.pk] = product.with_content_json(revision.content)
        return drafts

    @staticmethod
    def _related_products(**lookup) -> list["RelatedProduct"]:
        """The products ``lookup`` selects as planning sees a relation's target: number, key and
        whether exports write it (the catalog's visibility rule for querysets, not discontinued),
        without building a product (and its series) for each."""
        products = Product.objects.filter(**lookup)
        visible = set(products.publicly_visible().values_list("pk", flat=True))
        return [
            RelatedProduct(pk, number, key, pk in visible and lifecycle != Lifecycle.DISCONTINUED)
            for pk, number, key, lifecycle in products.values_list(
                "pk", "article_number", "article_number_key", "lifecycle"
            )
        ]

    def _attach_attributes(self, rows, owners_by_pk, owner: str = "product_id") -> None:
        """Value rows get their attribute, option and unit from the planner's tables (one
        lookup per family, options and units prefetched); anything not found there (an
        attribute no longer in the product's family) is read in one query."""
        missing = []
        for row in rows:
            family = owners_by_pk[getattr(row, owner)].family
            family_attribute = self._attribute_rows(family).get(row.attribute_id)
            if family_attribute is None:
                missing.append(row)
                continue
            attribute = family_attribute.attribute
            row.attribute = attribute
            if row.option_id is not None:
                option = self._options_of(attribute).get(row.option_id)
                if option is not None:
                    row.option = option
            if row.unit_id is not None:
                unit = self._units_of(attribute).get(row.unit_id)
                if unit is not None:
                    row.unit = unit
        if missing:
            prefetch_related_objects(missing, "attribute", "option", "unit__quantity")

    def _attribute_rows(self, family) -> dict:
        """The family's FamilyAttribute rows by attribute pk (see :meth:`_attributes_of`)."""
        key = ("by_pk", family.pk)
        if key not in self._family_attributes:
            self._family_attributes[key] = {
                row.attribute_id: row for row in self._attributes_of(family).values()
            }
        return self._family_attributes[key]

    @staticmethod
    def _options_of(attribute) -> dict:
        options = attribute.__dict__.get("_import_options")
        if options is None:
            options = attribute._import_options = {o.pk: o for o in attribute.options.all()}
        return options

    @staticmethod
    def _units_of(attribute) -> dict:
        if attribute.quantity_id is None:
            return {}
        units = attribute.__dict__.get("_import_units")
        if units is None:
            units = attribute._import_units = {u.pk: u for u in attribute.quantity.units.all()}
        return units

    # -- planning ------------------------------------------------------------------------------
    def plan_batch(self, incoming: list[IncomingProduct]) -> list[PlannedChange]:
        """Validate and compare a batch of incoming products (in file order)."""
        keys = {normalize_article_number(item.number) for item in incoming if item.number}
        existing = self._load_products(keys)
        model_ids = {p.product_model_id for p in existing.values() if p.product_model_id}
        model_codes = set()
        if model_ids:
            model_codes = dict(ProductModel.objects.filter(pk__in=model_ids).values_list("pk", "code"))
            for product in existing.values():
                if product.product_model_id:
                    product._import_model_code = model_codes[product.product_model_id]
            model_codes = set(model_codes.values())
        for item in incoming:
            raw = item.fields.get("product_model")
            if raw is not None and not _blank(raw.value):
                model_codes.add(_text(raw.value))
        self._load_models(model_codes)
        # The stored variants' axis values of the batch's series, for the variant checks.
        self._siblings = variant_axis_values([m for m in self._models.values() if m is not None])
        for product in existing.values():
            if product.product_model_id:
                # One instance per series (with its values, axes and categories) for the batch.
                product.product_model = self._models[product._import_model_code]
        self._load_targets(incoming, existing)
        return [self._plan(item, existing) for item in incoming]

    def finish(self) -> list[Problem]:
        """Warnings for relations to articles that never appeared in the file (not linked)."""
        problems = []
        for _target_key, owners in sorted(self._pending.items()):
            for owner, kind, location, target in owners:
                problems.append(
                    Problem(
                        _(
                            "“%(target)s” (%(kind)s) is neither in the catalog nor in the file; the "
                            "relation was not linked. Import that article first, then this file again."
                        )
                        % {"target": target, "kind": kind},
                        location=location,
                        severity=WARNING,
                        value=target,
                        article_number=owner,
                    )
                )
        self._pending.clear()
        return problems

    def _load_targets(self, incoming, existing) -> None:
        wanted = set()
        for item in incoming:
            for raws in (item.relations or {}).values():
                for raw in raws:
                    for number in self._numbers(raw):
                        wanted.add(normalize_article_number(number))
        wanted -= set(existing)
        self._targets = (
            {r.key: r for r in self._related_products(article_number_key__in=wanted)} if wanted else {}
        )
        for key, product in existing.items():
            exported = product.lifecycle != Lifecycle.DISCONTINUED and product.is_publicly_visible()
            self._targets[key] = RelatedProduct(product.pk, product.article_number, key, exported)
            self._related.setdefault(product.pk, self._targets[key])

    @staticmethod
    def _numbers(raw: Raw) -> list[str]:
        value = raw.value
        if _blank(value):
            return []
        if isinstance(value, list | tuple):
            return [_text(v) for v in value if not _blank(v)]
        return [part.strip() for part in _text(value).split("|") if part.strip()]

    def _plan(self, item: IncomingProduct, existing: dict) -> PlannedChange:
        change = PlannedChange(incoming=item, action=UNCHANGED, problems=list(item.problems))
        number = item.number
        where = item.article_number.location if item.article_number.location != Location() else item.location
        if not number:
            change.problems.append(
                Problem(
                    _("The article number is missing: every row needs one."),
                    location=where,
                    value="",
                )
            )
            change.action = INVALID
            return change
        key = normalize_article_number(number)
        first = self._seen.get(key)
        if first is not None:
            change.problems.append(
                Problem(
                    _(
                        "Article number “%(number)s” is already in the file (%(first)s); each article "
                        "may appear once. Remove or merge one of the rows."
                    )
                    % {"number": number, "first": first.describe()},
                    location=where,
                    value=number,
                    article_number=number,
                )
            )
            change.action = INVALID
            return change
        self._seen[key] = item.location if item.location != Location() else where
        # The target of earlier rows' relations is in the file: linked after the import.
        self._pending.pop(key, None)
        if item.action == "delete":
            change.problems.append(
                Problem(
                    _("Deleting products by import is not supported; the row was ignored."),
                    location=item.location,
                    severity=WARNING,
                    article_number=number,
                )
            )
            change.product = existing.get(key)
            return change

        product = existing.get(key)
        change.product = product
        planner = _ProductPlan(self, item, change, product)
        planner.run()
        for problem in change.problems:
            problem.article_number = problem.article_number or number
        if change.errors:
            change.action = INVALID
        elif product is None:
            change.action = CREATE
        elif change.patch:
            change.action = UPDATE
        else:
            change.action = UNCHANGED
        return change


class _ProductPlan:
    """Planning of one product (a helper of :class:`Planner`, not shared)."""

    def __init__(self, planner: Planner, item: IncomingProduct, change: PlannedChange, product):
        self.planner = planner
        self.item = item
        self.change = change
        self.product = product
        self.patch = change.patch
        # The product as it would be after the import, for the model's own checks.
        if product is not None:
            self.candidate = copy.copy(product)
        else:
            self.candidate = Product(article_number=item.number, lifecycle=Lifecycle.DRAFT)
        self.model = product.product_model if product is not None and product.product_model_id else None
        self.family = product.family if product is not None else None
        self.field_errors = False

    def error(self, message, raw: Raw | None = None, *, location=None, severity=ERROR):
        value = (
            "" if raw is None else _text(raw.value) if not isinstance(raw.value, tuple) else str(raw.value)
        )
        self.change.problems.append(
            Problem(
                str(message),
                location=raw.location if raw is not None else location or self.item.location,
                severity=severity,
                value=value,
                article_number=self.item.number,
            )
        )

    def changed(self, label, old: str, new: str) -> None:
        self.change.changes.append((str(label), old, new))

    def run(self) -> None:
        if not self.resolve_family() or self.family is None:
            return  # values cannot be checked against a family the row does not have
        self.change.family = self.family
        self.plan_fields()
        self.plan_localized()
        self.check_product()
        self.plan_values()
        self.plan_prices()
        self.plan_categories()
        self.plan_relations()
        self.plan_packing_units()

    # -- family and series ----------------------------------------------------------------------
    def resolve_family(self) -> bool:
        fields = self.item.fields
        model_raw = fields.get("product_model")
        if model_raw is not None:
            if _blank(model_raw.value):
                if self.model is not None:
                    self.patch.fields["product_model"] = None
                    self.changed(_field_label("product_model"), self.model.code, "")
                self.model = None
            else:
                code = _text(model_raw.value)
                model = self.planner._models.get(code)
                if model is None:
                    self.error(
                        _(
                            "Unknown product model “%(code)s”: use the code of a series in the catalog, "
                            "or leave the cell empty for a product without series."
                        )
                        % {"code": code},
                        model_raw,
                    )
                    return False
                if self.model is None or self.model.pk != model.pk:
                    self.patch.fields["product_model"] = model
                    self.changed(
                        _field_label("product_model"), self.model.code if self.model else "", model.code
                    )
                self.model = model
        family_raw = fields.get("family")
        family = None
        if family_raw is not None and not _blank(family_raw.value):
            code = _text(family_raw.value)
            family = self.planner._families.get(code)
            if family is None:
                self.error(
                    _("Unknown family “%(code)s”: use the code of a family in the catalog.") % {"code": code},
                    family_raw,
                )
                return False
        if family is None and self.model is not None:
            family = self.model.family
        if family is None and self.family is None:
            mapping = self.planner.mapping
            if mapping is not None and mapping.default_family_id:
                family = self.planner._families_by_pk.get(mapping.default_family_id)
            if family is None:
                self.error(
                    _(
                        "A new product needs a family: fill the “family” column with a family code, "
                        "or choose the family of new products in the mapping."
                    ),
                    location=self.item.location,
                )
                return False
        if family is not None and self.model is not None and family.pk != self.model.family_id:
            self.error(
                _("A variant has the family of its product model %(model)s (%(family)s), not %(given)s.")
                % {"model": self.model.code, "family": self.model.family.code, "given": family.code},
                family_raw,
            )
            return False
        if family is not None and (self.family is None or family.pk != self.family.pk):
            if self.family is not None:
                self.patch.fields["family"] = family
                self.changed(_field_label("family"), self.family.code, family.code)
            self.family = family
        self.candidate.family = self.family
        self.candidate.product_model = self.model
        return True

    # -- plain fields ------------------------------------------------------------------------
    def convert_field(self, name: str, raw: Raw, model=Product, instance=None):
        """The Python value of ``raw`` for model field ``name``, cleaned by the field itself
        (validators such as the GTIN check digit), remembered per file. Raises
        ValidationError."""
        frozen = _frozen(raw.value)
        key = None if frozen is None else ("field", model, name, frozen, raw.unit)
        return self.planner.remembered(key, lambda: self._convert_field(name, raw, model, instance))

    def _convert_field(self, name: str, raw: Raw, model, instance):
        model_field = model._meta.get_field(name)
        value = raw.value
        measured_key = name if model is Product else f"packing_unit_{name}"
        if _blank(value):
            if model_field.null:
                return None
            if model_field.has_default() and not model_field.blank:
                return model_field.get_default()
            return model_field.to_python("") if isinstance(model_field, models.CharField) else None
        if measured_key in self.planner._measured:
            form_field, units = self.planner._measured[measured_key]
            unit = unit_service.find_unit(raw.unit, units) if raw.unit else None
            return form_field.clean([_text(value), unit.code if unit is not None else ""])
        if model_field.choices:
            value = self.planner.choice(model_field, value)
            # the code is one of the field's own choices; its other validators still apply
            model_field.run_validators(value)
            return value
        if isinstance(model_field, models.BooleanField):
            value = _boolean(value)
        elif isinstance(model_field, models.DecimalField):
            value = _decimal(value)
        elif isinstance(model_field, models.IntegerField):
            number = _decimal(value)
            if number != number.to_integral_value():
                raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": raw.value})
            value = int(number)
        elif isinstance(model_field, models.DateField):
            value = _date(value)
        else:
            value = _text(value)
            if name in ("order_unit", "content_unit", "country_of_origin"):
                value = value.upper()
        return model_field.clean(value, instance)

    def plan_fields(self) -> None:
        product, model = self.product, self.model
        for name, raw in self.item.fields.items():
            if name in ("family", "product_model"):
                continue
            if name in _NOT_IMPORTED or name in LOCALIZED_FIELDS:
                self.error(
                    _("“%(field)s” cannot be set by an import; the column was ignored.") % {"field": name},
                    raw,
                    severity=WARNING,
                )
                continue
            try:
                Product._meta.get_field(name)
            except FieldDoesNotExist:
                self.error(
                    _("“%(field)s” is not a product field; the column was ignored.") % {"field": name},
                    raw,
                    severity=WARNING,
                )
                continue
            try:
                new = self.convert_field(name, raw, instance=self.candidate)
            except ValidationError as exc:
                self.field_errors = True
                self.error(_labelled(_field_label(name), exc), raw)
                continue
            old = _stored(product, name) if product is not None else None
            if product is None:
                setattr(self.candidate, name, new)
                if not _blank(new):
                    self.patch.fields[name] = new
                    self.changed(_field_label(name), "", _display(new, name))
                continue
            if _same_field(name, old, new):
                continue
            if (
                name in INHERITED_FIELDS
                and model is not None
                and _blank(old)
                and _same_field(name, _stored(model, name), new)
            ):
                continue  # the series' value, written by the export for a variant without its own
            setattr(self.candidate, name, new)
            self.patch.fields[name] = new
            self.changed(_field_label(name), _display(old, name), _display(new, name))

    def plan_localized(self) -> None:
        product, model = self.product, self.model
        for name, by_language in self.item.localized.items():
            if name not in LOCALIZED_FIELDS:
                self.error(
                    _("“%(field)s” is not a text field of products; the column was ignored.")
                    % {"field": name},
                    next(iter(by_language.values()), None),
                    severity=WARNING,
                )
                continue
            old = clean_localized(getattr(product, name) if product is not None else {})
            new = dict(old)
            inherited = clean_localized(getattr(model, name) if model is not None else {})
            label = _field_label(name)
            for language, raw in by_language.items():
                text = "" if _blank(raw.value) else _text(raw.value)
                if self._same_text(name, old.get(language, ""), text):
                    continue
                if (
                    not old.get(language)
                    and text
                    and self._same_text(name, inherited.get(language, ""), text)
                ):
                    continue  # the series' text, written for a variant without its own
                if text:
                    new[language] = text
                else:
                    new.pop(language, None)
                self.changed(f"{label} ({language})", old.get(language, ""), text)
            if new != old:
                self.patch.localized[name] = new
            setattr(self.candidate, name, new)

    @staticmethod
    def _same_text(name, a: str, b: str) -> bool:
        if name == "keywords":
            return split_keywords(a) == split_keywords(b)
        return a.strip() == b.strip()

    def check_product(self) -> None:
        """The model's own cross-field rules (name required unless a variant, order units,
        trade and logistics rules), when something it checks changes."""
        if self.field_errors:
            return
        if self.product is not None and not (self.patch.fields or self.patch.localized):
            return
        try:
            # The batch's numbers were looked up (a stored one is this product) and the file's
            # duplicates are the planner's own error: the model checks the rest.
            self.candidate.clean(check_article_number=False, known_units=self.planner.order_units)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                raw = self.item.fields.get(name)
                if raw is None and name in self.item.localized:
                    raw = next(iter(self.item.localized[name].values()), None)
                label = _field_label(name) if name != "__all__" else ""
                if name == "name" and self.product is None and not self.item.localized.get("name"):
                    message = _("A new product needs a name: fill a “name” column in at least one language.")
                    self.error(message, location=self.item.location)
                    continue
                text = " ".join(messages)
                self.error(
                    _labelled(label, exc=None, text=text) if label else text,
                    raw,
                    location=None if raw else self.item.location,
                )

    # -- attribute values ----------------------------------------------------------------------
    def _raw_for_catalog(self, attribute, raw: Raw):
        """What build_value_rows accepts: a bare number gets the unit of its header."""
        value = raw.value
        if _blank(value):
            return None
        if attribute.type in (AttributeType.NUMBER, AttributeType.RANGE):
            if attribute.type == AttributeType.RANGE and isinstance(value, list | tuple):
                return tuple(self._measured_end(attribute, end, raw.unit) for end in value)
            return self._measured_end(attribute, value, raw.unit)
        if attribute.type in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            mapped = self.planner._option_map.get(attribute.code) or {}
            if isinstance(value, str) and attribute.type == AttributeType.MULTI_ENUM:
                value = [part.strip() for part in value.replace(";", "|").split("|") if part.strip()]
            items = value if isinstance(value, list | tuple) else [value]
            items = [mapped.get(_text(v), v) if not isinstance(v, AttributeOption) else v for v in items]
            return items if attribute.type == AttributeType.MULTI_ENUM else items[0]
        if (
            attribute.type == AttributeType.TEXT
            and not attribute.localizable
            and not isinstance(value, Mapping)
        ):
            return _text(value)
        return value

    @staticmethod
    def _measured_end(attribute, value, unit: str):
        if _blank(value):
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float | Decimal):
            return (float(value), unit) if unit and attribute.quantity_id else float(value)
        text = _text(value)
        if unit and attribute.quantity_id:
            try:
                return (unit_service.parse_number(text), unit)
            except ValueError:
                pass  # a unit in the cell wins over the header's
        return text

    def plan_values(self) -> None:
        by_code = self.planner._attributes_of(self.family)
        own: dict[str, list] = {}
        if self.product is not None:
            for row in self.product.values.all():
                own.setdefault(row.attribute.code, []).append(row)
        inherited: dict[str, list] = {}
        if self.model is not None:
            for row in self.model.values.all():
                inherited.setdefault(row.attribute.code, []).append(row)
        effective = {**inherited, **own}
        axis_codes = {a.code for a in self.model.axes.all()} if self.model is not None else set()
        touched_axes = False
        for code, raw in self._stated_values(own):
            family_attribute = by_code.get(code)
            if family_attribute is None and _blank(raw.value):
                continue  # a column of another family's attribute, empty in this row
            if family_attribute is None:
                self.error(
                    _(
                        "Attribute “%(code)s” is not part of family %(family)s: remove the column or "
                        "move the product to a family that has it."
                    )
                    % {"code": code, "family": self.family.code},
                    raw,
                )
                continue
            attribute = family_attribute.attribute
            value = self._raw_for_catalog(attribute, raw)
            if attribute.type == AttributeType.TEXT and attribute.localizable and isinstance(value, Mapping):
                old_text = own.get(code, inherited.get(code, []))
                merged = dict(clean_localized(old_text[0].text_localized) if old_text else {})
                for language, text in value.items():
                    text = "" if _blank(text) else _text(text)
                    if text:
                        merged[language] = text
                    else:
                        merged.pop(language, None)
                value = merged
            try:
                new_rows = self.planner.value_rows(attribute, value, family_attribute)
            except ValidationError as exc:
                self.error(" ".join(exc.messages), raw)
                continue
            old_rows = own.get(code, [])
            if same_values(old_rows, new_rows):
                continue
            if not old_rows and code in inherited and same_values(inherited[code], new_rows):
                continue  # the series' value, written for a variant without its own
            new_rows = [copy.copy(row) for row in new_rows]  # its own rows (see value_rows)
            self.patch.values[code] = new_rows
            effective[code] = new_rows
            touched_axes = touched_axes or code in axis_codes
            label = localize(attribute.name) or attribute.code
            self.changed(
                label,
                format_stored_value(old_rows or inherited.get(code, []), family_attribute=family_attribute),
                format_stored_value(new_rows, family_attribute=family_attribute),
            )
        if self.model is not None and (
            touched_axes or self.product is None or "product_model" in self.patch.fields
        ):
            self.candidate.product_model = self.model
            try:
                validate_variant(
                    self.candidate, effective, siblings=self.planner._siblings.get(self.model.pk)
                )
            except ValidationError as exc:
                self.error(" ".join(exc.messages), self._axis_raw(axis_codes), location=self.item.location)
                return
            self.check_axes_in_file(effective, axis_codes)

    def _stated_values(self, own: dict):
        """The row's values, then an empty value for each own value of the product whose
        column the file has and the row leaves empty (a spreadsheet states its attributes
        once for the file: see ``IncomingProduct.value_columns``)."""
        values = self.item.values
        yield from values.items()
        columns = self.item.value_columns
        if not columns:
            return
        row = self.item.location
        for code in own:
            if code not in values and code in columns:
                yield (
                    code,
                    Raw(None, Location(file=row.file, sheet=row.sheet, row=row.row, column=columns[code])),
                )

    def check_axes_in_file(self, effective: dict, axis_codes) -> None:
        """Two rows of one file that would make variants of a series with the same axis
        values (the catalog's check sees only the variants already stored)."""
        if not axis_codes:
            return
        signature = (self.model.pk, tuple(_axis_key(effective.get(code, [])) for code in sorted(axis_codes)))
        digest = hashlib.blake2b(repr(signature).encode(), digest_size=16).digest()
        first = self.planner._axis_signatures.setdefault(digest, self.item.number)
        if first != self.item.number:
            where = self.planner._seen.get(normalize_article_number(first), Location())
            self.error(
                _(
                    "Variant %(other)s (%(where)s) of %(model)s has the same variant axis values; each "
                    "variant of a series needs its own combination."
                )
                % {"other": first, "where": where.describe(), "model": self.model.code},
                self._axis_raw(axis_codes),
                location=self.item.location,
            )

    def _axis_raw(self, axis_codes) -> Raw | None:
        """The cell of the first variant axis the row gives (where a clash is reported)."""
        for code in sorted(axis_codes):
            if code in self.item.values:
                return self.item.values[code]
        return None

    # -- prices ------------------------------------------------------------------------------
    def plan_prices(self) -> None:
        incoming = self.item.prices
        if incoming is None:
            return
        existing = list(self.product.prices.all()) if self.product is not None else []
        if self.item.prices_replace_all:
            self._replace_prices(incoming, existing)
            return
        plan = PricePlan()
        for price in incoming:
            label = self._price_label(price.price_type, price.currency)
            current = self._current_price(existing, price.price_type, price.currency)
            if _blank(price.amount.value):
                if current is not None:
                    plan.current[(price.price_type, price.currency)] = None
                    self.changed(label, plain_decimal(current.amount), "")
                continue
            amount = self._price_amount(price.amount, label)
            if amount is None:
                continue
            if current is not None and current.amount == amount:
                continue
            plan.current[(price.price_type, price.currency)] = amount
            self.changed(label, plain_decimal(current.amount) if current else "", plain_decimal(amount))
        if plan.current:
            self.patch.prices = plan

    def _current_price(self, prices, price_type, currency):
        return current_price(prices, price_type, currency, self.planner.today)

    @staticmethod
    def _price_label(price_type, currency, min_quantity=None) -> str:
        types = dict(ProductPrice.PriceType.choices)
        label = f"{types.get(price_type, price_type)} ({currency}"
        if min_quantity is not None and min_quantity != 1:
            label += ", " + _("from %(quantity)s") % {"quantity": plain_decimal(Decimal(min_quantity))}
        return label + ")"

    def _price_amount(self, raw: Raw, label) -> Decimal | None:
        try:
            return ProductPrice._meta.get_field("amount").clean(_decimal(raw.value), None)
        except ValidationError as exc:
            self.error(_labelled(label, exc), raw)
            return None

    def _replace_prices(self, incoming, existing) -> None:
        rows = []
        for price in incoming:
            label = self._price_label(price.price_type, price.currency)
            row = {"price_type": price.price_type, "currency": (price.currency or "").upper()}
            amount = self._price_amount(price.amount, label)
            if amount is None:
                continue
            row["amount"] = amount
            try:
                ProductPrice._meta.get_field("currency").clean(row["currency"], None)
                ProductPrice._meta.get_field("price_type").clean(row["price_type"], None)
                for name, raw in (
                    ("min_quantity", price.min_quantity),
                    ("valid_from", price.valid_from),
                    ("valid_to", price.valid_to),
                    ("tax_rate", price.tax_rate),
                ):
                    if raw is None or _blank(raw.value):
                        continue
                    model_field = ProductPrice._meta.get_field(name)
                    value = _date(raw.value) if name.startswith("valid") else _decimal(raw.value)
                    row[name] = model_field.clean(value, None)
            except ValidationError as exc:
                self.error(_labelled(label, exc), price.amount)
                continue
            row.setdefault("min_quantity", Decimal(1))
            rows.append(row)

        def key(row):
            return (
                row["price_type"],
                row["currency"],
                Decimal(row["min_quantity"]).normalize(),
                row.get("valid_from"),
                row.get("valid_to"),
                Decimal(row["amount"]).normalize(),
            )

        old_rows = [
            {
                name: getattr(p, name)
                for name in (
                    "price_type",
                    "currency",
                    "amount",
                    "min_quantity",
                    "valid_from",
                    "valid_to",
                    "tax_rate",
                )
            }
            for p in existing
        ]
        # The file states the prices of its currencies (a channel exports one) from today on:
        # rows in other currencies, and expired rows no export writes, are kept.
        stated = {row["currency"] for row in rows} | {(price.currency or "").upper() for price in incoming}
        today = self.planner.today
        kept = [
            row
            for row in old_rows
            if row["currency"] not in stated or (row["valid_to"] is not None and row["valid_to"] < today)
        ]
        replaced = [row for row in old_rows if not any(row is other for other in kept)]
        if sorted(map(key, replaced), key=str) == sorted(map(key, rows), key=str):
            return
        self.patch.prices = PricePlan(replace_all=True, rows=rows + kept)
        old_by, new_by = {}, {}
        for target, source in ((old_by, replaced), (new_by, rows)):
            for row in source:
                label = self._price_label(row["price_type"], row["currency"], row["min_quantity"])
                target.setdefault(label, []).append(plain_decimal(Decimal(row["amount"])))
        for label in sorted(set(old_by) | set(new_by)):
            old, new = ", ".join(old_by.get(label, [])), ", ".join(new_by.get(label, []))
            if old != new:
                self.changed(label, old, new)

    # -- categories, relations, packing units --------------------------------------------------
    def plan_categories(self) -> None:
        raws = self.item.categories
        if raws is None:
            return
        chosen, names = [], []
        for raw in raws:
            for code in Planner._numbers(raw):
                category = self.planner._categories.get(code)
                if category is None:
                    self.error(
                        _("Unknown category “%(code)s”: use the code of a category in the catalog.")
                        % {"code": code},
                        raw,
                    )
                    continue
                if category not in chosen:
                    chosen.append(category)
                    names.append(category.code)
        old = list(self.product.categories.all()) if self.product is not None else []
        new_ids = {c.pk for c in chosen}
        if {c.pk for c in old} == new_ids:
            return
        if not old and self.model is not None and {c.pk for c in self.model.categories.all()} == new_ids:
            return  # the series' categories, written for a variant without its own
        self.patch.categories = chosen
        label = capfirst(str(Product._meta.get_field("categories").verbose_name))
        self.changed(label, ", ".join(sorted(c.code for c in old)), ", ".join(sorted(names)))

    def plan_relations(self) -> None:
        given = self.item.relations
        if given is None:
            return
        kinds = set(RelationKind.values)
        old_relations = list(self.product.relations.all()) if self.product is not None else []
        relations: dict[str, list] = {}
        labels = dict(RelationKind.choices)
        for kind, raws in given.items():
            if kind != SUCCESSOR and kind not in kinds:
                self.error(
                    _("Unknown relation kind “%(kind)s”.") % {"kind": kind},
                    raws[0] if raws else None,
                    severity=WARNING,
                )
                continue
            targets = []
            for raw in raws:
                for number in Planner._numbers(raw):
                    key = normalize_article_number(number)
                    target = self.planner._targets.get(key)
                    if key == normalize_article_number(self.item.number):
                        self.error(_("A product cannot be related to itself."), raw)
                        continue
                    if target is None:
                        self.change.deferred_relations.setdefault(kind, []).append(number)
                        if key not in self.planner._seen:
                            self.planner._pending.setdefault(key, []).append(
                                (self.item.number, kind, raw.location, number)
                            )
                        self.error(
                            _(
                                "“%(number)s” is not in the catalog yet; it is linked after the file's "
                                "products are imported if the file contains it."
                            )
                            % {"number": number},
                            raw,
                            severity=WARNING,
                        )
                        continue
                    targets.append(target)
            relations[kind] = targets
        related = self.planner._related
        if SUCCESSOR in relations:
            targets = relations.pop(SUCCESSOR)
            new = targets[0] if targets else None
            old_id = self.product.successor_id if self.product is not None else None
            if (new.pk if new else None) != old_id and not (
                new is None and old_id and not related[old_id].exported
            ):
                self.patch.successor = new.pk if new is not None else ""
                self.changed(
                    _field_label("successor"),
                    related[old_id].article_number if old_id else "",
                    new.article_number if new else "",
                )
        if not relations:
            return
        new_plan: dict[str, list] = {}
        changed = False
        for kind, targets in relations.items():
            old = [r for r in old_relations if r.kind == kind]
            kept_hidden = [r for r in old if not related[r.target_id].exported]
            old_ids = [r.target_id for r in old]
            quantities = {r.target_id: r.quantity for r in old}
            new_ids = [t.pk for t in targets] + [
                r.target_id for r in kept_hidden if r.target_id not in {t.pk for t in targets}
            ]
            new_plan[kind] = [(pk, quantities.get(pk)) for pk in new_ids]
            if set(old_ids) != set(new_ids):
                changed = True
                numbers = {r.target_id: related[r.target_id].article_number for r in old}
                numbers.update({t.pk: t.article_number for t in targets})
                self.changed(
                    labels.get(kind, kind),
                    ", ".join(sorted(numbers[pk] for pk in old_ids)),
                    ", ".join(sorted(numbers[pk] for pk in new_ids)),
                )
        if changed:
            self.patch.relations = new_plan

    def plan_packing_units(self) -> None:
        incoming = self.item.packing_units
        if incoming is None:
            return
        units = []
        for number, unit in enumerate(incoming, 1):
            if all(_blank(raw.value) for raw in unit.fields.values()):
                continue
            values = {}
            for name, raw in unit.fields.items():
                if name not in PACKING_FIELDS:
                    continue
                try:
                    values[name] = self.convert_field(name, raw, model=PackingUnit)
                except ValidationError as exc:
                    label = capfirst(str(PackingUnit._meta.get_field(name).verbose_name))
                    self.error(
                        _("Packing unit %(number)s, %(field)s: %(message)s")
                        % {"number": number, "field": label, "message": " ".join(exc.messages)},
                        raw,
                    )
            if not values.get("code") or values.get("quantity") is None:
                first = next(iter(unit.fields.values()))
                self.error(
                    _("Packing unit %(number)s needs its package code and quantity.") % {"number": number},
                    first,
                )
                continue
            units.append(values)
        old = list(self.product.packing_units.all()) if self.product is not None else []
        old_values = [{name: getattr(p, name) for name in PACKING_FIELDS} for p in old]
        # A format that cannot state a field (BMEcat 2005 has no package GTIN, weight or
        # dimensions) keeps it: fields the file leaves out come from the stored unit with the
        # same package code and quantity.
        unmatched = list(old_values)
        for values in units:
            match = next(
                (
                    row
                    for row in unmatched
                    if row["code"] == values["code"]
                    and _same_field("quantity", row["quantity"], values["quantity"])
                ),
                None,
            )
            if match is not None:
                unmatched.remove(match)
                for name in PACKING_FIELDS:
                    values.setdefault(name, match[name])
            values.setdefault("package_break", False)

        def same(a, b):
            return all(_same_field(name, a.get(name), b.get(name)) for name in PACKING_FIELDS)

        if len(old_values) == len(units) and all(same(a, b) for a, b in zip(old_values, units, strict=True)):
            return
        self.patch.packing_units = units
        label = capfirst(str(PackingUnit._meta.verbose_name_plural))

        def shown(rows):
            return "; ".join(f"{plain_decimal(Decimal(r['quantity']))} × {r['code']}" for r in rows)

        self.changed(label, shown(old_values), shown(units))
