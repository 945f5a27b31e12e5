"""The demo catalog generator: realistic products of real ETIM classes, inserted in chunks.

Memory stays flat with catalog size: products are generated and bulk-inserted ``chunk_size``
at a time and only bounded pools of earlier product ids are kept (for successors and
relations). Families, attributes, options and units are loaded once.

Determinism: everything is drawn from one ``random.Random(seed)`` in a fixed order, and
dates are relative to ``reference_date``, so the same seed, size, chunk size and reference
date give the same catalog (article numbers, values, prices, relations); only database ids
and timestamps of the insert differ.

Trade and logistics data (:mod:`.trade`: origin, customs tariff number, weights, packing
units…) are drawn from a second ``Random`` seeded from the same seed, so adding them left
every other value of a seed's catalog as it was.

Values go through :func:`pim.catalog.values.build_value_rows`, the path every writer of
values uses, so demo values obey the same bounds, options and units as an editor's. Bulk
inserts bypass ``Product.save()``, so ``article_number_key`` is set here, and Wagtail
revisions are not created (a live object without revisions is valid for Wagtail).
"""

import itertools
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from .. import signals
from ..demo_classes import DEMO_ETIM_CLASSES
from ..identifiers import gtin_check_digit, normalize_article_number
from ..localization import localize
from ..models import (
    AttributeType,
    Category,
    Family,
    FamilyAttribute,
    Lifecycle,
    PackingUnit,
    Product,
    ProductModel,
    ProductModelValue,
    ProductPrice,
    ProductRelation,
    ProductValue,
    RelationKind,
    Unit,
)
from ..units import Measurement, round_significant
from ..values import build_value_rows
from . import texts, trade
from .company import prepare_families
from .profiles import FEATURE_SPECS, PROFILES_BY_CLASS, FamilyProfile, _pack_content
from .specs import (
    QUANTITY_NUMBERS,
    QUANTITY_RANGES,
    Derived,
    Flag,
    Never,
    Num,
    OneOf,
    Pick,
    Span,
    Spec,
    generic_number_spec,
)
from .vocabulary import CATEGORIES, DEMO_MANUFACTURER_NAMES, MANUFACTURERS

DEFAULT_CHUNK_SIZE = 2000
POOL_SIZE = 200  # ids kept per (class, fit) for successors and relations
BASE_EMPTY = 0.06  # share of attributes left empty (completeness has something to show)
DRAFT_EMPTY = 0.25
GTIN_ITEM_DIGITS = 6
USD_RATE = Decimal("1.09")
CENT = Decimal("0.01")


class DemoCatalogError(Exception):
    """The catalog is not ready for demo data (message says what to do)."""


class DemoSetupError(DemoCatalogError):
    pass


# --- specs that need the attribute -----------------------------------------------------------


@dataclass(frozen=True)
class _PairOf(Spec):
    """A range from two draws of a number spec (fallback for range attributes)."""

    number: Num = None
    unit: str | None = None
    empty: float = 0.0

    def draw(self, rng, ctx, options=None):
        low, high = sorted((self.number.draw(rng, ctx), self.number.draw(rng, ctx)))
        return (low, high)


@dataclass(frozen=True)
class _TextSpec(Spec):
    localizable: bool = False

    def draw(self, rng, ctx, options=None):
        series = ctx.get("__series__", "")
        if self.localizable:
            return {"en": f"See data sheet {series}.", "de": f"Siehe Datenblatt {series}."}
        return series


# --- prepared families ---------------------------------------------------------------------------


@dataclass
class FamilyPlan:
    """A family with everything the generator needs, loaded once."""

    family: Family
    profile: FamilyProfile
    label: dict
    family_attributes: dict  # code -> FamilyAttribute
    attributes: dict  # code -> Attribute
    order: list  # codes in drawing order
    specs: dict  # code -> Spec
    options: dict  # code -> {English label: AttributeOption}
    labels: dict  # code -> [English labels]
    display_units: dict  # code -> Unit | None
    axes: tuple
    variant_codes: frozenset
    key_codes: frozenset  # never left empty: axes and what names and article numbers show
    categories: list
    series_counter: itertools.count = field(default_factory=lambda: itertools.count(0))


@dataclass
class Pending:
    """One product waiting for its chunk to be inserted."""

    product: Product
    plan: FamilyPlan
    values: list
    categories: list
    prices: list
    fit: str | None
    wants_successor: bool
    model: ProductModel | None = None
    model_live: bool = True
    packing_units: list = field(default_factory=list)

    @property
    def visible(self) -> bool:
        """Publicly visible once inserted (the catalog's rule: live, public lifecycle, live model)."""
        product = self.product
        return product.live and product.lifecycle != Lifecycle.DRAFT and self.model_live


@dataclass
class PendingModel:
    model: ProductModel
    values: list
    categories: list
    axes: list


@dataclass
class Summary:
    products: int = 0
    models: int = 0
    variants: int = 0
    product_values: int = 0
    model_values: int = 0
    prices: int = 0
    packing_units: int = 0
    relations: int = 0
    categories: int = 0
    families: int = 0
    seconds: float = 0.0
    lifecycles: Counter = field(default_factory=Counter)
    not_visible: int = 0

    @property
    def rate(self) -> float:
        return self.products / self.seconds if self.seconds else 0.0


def demo_products():
    return Product.objects.filter(manufacturer_name__in=DEMO_MANUFACTURER_NAMES)


def demo_product_models():
    return ProductModel.objects.filter(manufacturer_name__in=DEMO_MANUFACTURER_NAMES)


def reset_demo_catalog(progress=None, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Delete the products and product models of the demo manufacturers (in chunks, with
    the usual deletion signals). Categories stay: other products may use them."""
    deleted = 0
    while True:
        ids = list(demo_products().order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not ids:
            break
        with transaction.atomic():
            # Relations first: cascading them from both ends is what makes deletes slow.
            ProductRelation.objects.filter(Q(product_id__in=ids) | Q(target_id__in=ids)).delete()
            Product.objects.filter(successor_id__in=ids).update(successor=None)
            Product.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if progress:
            progress(len(ids))
    demo_product_models().delete()
    return deleted


class DemoCatalogGenerator:
    """Generate ``products`` demo products into the database.

    ``progress`` is called with the number of products inserted after every chunk.
    """

    def __init__(
        self,
        *,
        products: int = 2000,
        seed: int = 1,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        reference_date: date | None = None,
        classes=None,
        progress=None,
    ):
        if products < 1:
            raise DemoCatalogError(_("The number of products must be at least 1."))
        self.target = products
        self.seed = seed
        self.rng = Random(seed)
        self.trade_rng = Random(f"{seed}-trade")
        self.chunk_size = max(1, chunk_size)
        self.today = reference_date or date.today()
        self.classes = list(classes or DEMO_ETIM_CLASSES)
        self.progress = progress
        self.summary = Summary()
        self.unmatched: Counter = Counter()  # (class, code, value) a spec drew but the data lacks
        self.missing_classes: list[str] = []
        self.pools: dict = {}
        self.gtin_counters: Counter = Counter()
        self.used_keys: set = set()  # article number keys of the current chunk
        self._pending: list[Pending] = []
        self._pending_models: list[PendingModel] = []
        self._generated = 0

    # --- setup -------------------------------------------------------------------------------

    def load(self):
        units = Unit.objects.select_related("quantity")
        self.units = {unit.code: unit for unit in units}
        family_attributes = FamilyAttribute.objects.select_related(
            "attribute__quantity",
            "attribute__display_unit__quantity",
            "display_unit__quantity",
        ).prefetch_related(
            "allowed_options",
            "attribute__options",
            Prefetch("attribute__quantity__units", queryset=Unit.objects.select_related("quantity")),
        )
        families = Family.objects.filter(
            Q(etim_class_code__in=self.classes) | Q(code__in=self.classes)
        ).order_by("code")
        # Company attributes and key attributes first: the plans read the family attributes.
        prepare_families(self._families_by_class(families), PROFILES_BY_CLASS)
        by_class = self._families_by_class(
            families.prefetch_related(Prefetch("family_attributes", queryset=family_attributes))
        )
        self.missing_classes = [code for code in self.classes if code not in by_class]
        usable = [code for code in self.classes if code in by_class and code in PROFILES_BY_CLASS]
        if not usable:
            raise DemoSetupError(
                _(
                    "None of the demo's ETIM classes (%(classes)s) is in the catalog. Import them "
                    "first: python manage.py import_etim --demo-subset"
                )
                % {"classes": ", ".join(self.classes[:6]) + ("…" if len(self.classes) > 6 else "")}
            )
        self.categories = self.ensure_categories()
        self.plans = [self._plan(by_class[code], PROFILES_BY_CLASS[code]) for code in usable]
        self.summary.families = len(self.plans)
        self.summary.categories = len(self.categories)
        # Families are chosen per series; weigh by products per series so that the share of
        # products matches the profile weights.
        self.plan_weights = []
        for plan in self.plans:
            profile = plan.profile
            per_series = profile.series_share * min(profile.max_variants, 6) + (1 - profile.series_share)
            self.plan_weights.append(profile.weight / max(per_series, 1.0))
        self.plans_by_class = {plan.profile.etim_class: plan for plan in self.plans}

    def _families_by_class(self, families) -> dict:
        by_class = {}
        for family in families:
            key = family.etim_class_code if family.etim_class_code in self.classes else family.code
            by_class.setdefault(key, family)
        return by_class

    def ensure_categories(self) -> dict:
        existing = {category.code: category for category in Category.objects.all()}
        for order, (code, name_en, name_de, parent_code) in enumerate(CATEGORIES):
            if code in existing:
                continue
            existing[code] = Category.objects.create(
                code=code,
                name={"en": name_en, "de": name_de},
                parent=existing.get(parent_code) if parent_code else None,
                sort_order=order,
            )
        return existing

    def _plan(self, family, profile) -> FamilyPlan:
        family_attributes, attributes, options, labels, units, specs = {}, {}, {}, {}, {}, {}
        for row in family.family_attributes.all():
            attribute = row.attribute
            code = attribute.code
            family_attributes[code] = row
            attributes[code] = attribute
            allowed = list(row.allowed_options.all()) or list(attribute.options.all())
            allowed.sort(key=lambda option: (option.sort_order, option.code))
            options[code] = {}
            for option in allowed:
                options[code].setdefault(localize(option.name, "en") or option.code, option)
            labels[code] = list(options[code])
            units[code] = attribute.get_display_unit(row)
            specs[code] = self._spec_for(profile, attribute, units[code])
        ordered = [code for code in profile.specs if code in attributes]
        ordered += sorted(
            (code for code in attributes if code not in profile.specs),
            key=lambda code: (family_attributes[code].sort_order, code),
        )
        axes = tuple(
            code for code in profile.axes if code in attributes and self._can_be_axis(attributes[code])
        )
        label = profile.label or family.name or {"en": family.code}
        return FamilyPlan(
            family=family,
            profile=profile,
            label={**(family.name or {}), **label} if profile.label else dict(label),
            family_attributes=family_attributes,
            attributes=attributes,
            order=ordered,
            specs=specs,
            options=options,
            labels=labels,
            display_units=units,
            axes=axes,
            variant_codes=frozenset(axes) | frozenset(c for c in profile.variant_specs if c in attributes),
            # Key attributes (result-list columns) are never left empty either: a list of
            # fittings with gaps in its FDA column would be useless.
            key_codes=frozenset(axes)
            | frozenset().union(
                *(texts.template_codes(part) for part in profile.name_parts),
                texts.template_codes(profile.article),
                profile.key_attributes,
            ),
            categories=[self.categories[code] for code in profile.categories if code in self.categories],
        )

    @staticmethod
    def _can_be_axis(attribute) -> bool:
        return attribute.type in (AttributeType.ENUM, AttributeType.NUMBER, AttributeType.BOOLEAN)

    def _spec_for(self, profile, attribute, display_unit) -> Spec:
        """The profile's spec, else the shared feature spec, else a fallback by type and
        quantity. A spec in a unit of another quantity than the attribute's (the data
        changed) falls back too."""
        kind = attribute.type
        spec = profile.specs.get(attribute.code) or FEATURE_SPECS.get(attribute.code)
        if spec is not None and not self._fits(spec, attribute, kind):
            self.unmatched[(profile.etim_class, attribute.code, "spec")] += 1
            spec = None
        if spec is not None:
            return spec
        if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            return Pick()
        if kind == AttributeType.BOOLEAN:
            return Flag(0.4)
        if kind == AttributeType.TEXT:
            return _TextSpec(localizable=attribute.localizable)
        quantity = attribute.quantity.code if attribute.quantity_id else None
        if kind == AttributeType.RANGE:
            if quantity in QUANTITY_RANGES:
                return QUANTITY_RANGES[quantity]
            number = QUANTITY_NUMBERS.get(quantity) or generic_number_spec(localize(attribute.name, "en"))
            return _PairOf(number=number, unit=number.unit)
        if quantity in QUANTITY_NUMBERS:
            return QUANTITY_NUMBERS[quantity]
        if quantity is not None:
            # A quantity without a fallback: small numbers in its display unit.
            return Num(None, low=1, high=100)
        return generic_number_spec(localize(attribute.name, "en"))

    def _fits(self, spec, attribute, kind) -> bool:
        if isinstance(spec, Derived | Never):
            return True
        if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            return isinstance(spec, Pick)
        if kind == AttributeType.BOOLEAN:
            return isinstance(spec, Flag)
        if kind == AttributeType.NUMBER and not isinstance(spec, Num):
            return False
        if kind == AttributeType.RANGE and not isinstance(spec, Span):
            return False
        if kind == AttributeType.TEXT:
            return False
        return self._unit_fits(spec.unit, attribute)

    def _unit_fits(self, unit_code, attribute) -> bool:
        if unit_code is None:
            return True
        unit = self.units.get(unit_code)
        return (
            unit is not None
            and attribute.quantity_id is not None
            and unit.quantity_id == attribute.quantity_id
        )

    # --- main loop ---------------------------------------------------------------------------

    def run(self) -> Summary:
        started = time.perf_counter()
        self.load()
        with transaction.atomic():
            while self._generated < self.target:
                self._generate_unit()
                if len(self._pending) >= self.chunk_size:
                    self._flush()
            self._flush()
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def _generate_unit(self):
        plan = self.rng.choices(self.plans, weights=self.plan_weights)[0]
        profile = plan.profile
        number = next(plan.series_counter)
        series = profile.series_format.format(prefix=profile.prefix, number=100 + 10 * number)
        maker = self._manufacturer(profile)
        categories = [plan.categories[0]] if plan.categories else []
        if len(plan.categories) > 1 and self.rng.random() < 0.35:
            categories.append(self.rng.choice(plan.categories[1:]))
        base_price = self._log_uniform(*profile.price)
        as_series = bool(plan.axes) and self.rng.random() < profile.series_share
        ctx = {"__series__": series}
        if as_series:
            for code, label in profile.series_fixed.items():
                if code in plan.attributes:
                    ctx[code] = label
        for code in plan.order:
            if code not in ctx:
                ctx[code] = self._draw(plan, code, ctx)
        combos = self._combos(plan, ctx) if as_series else []
        remaining = self.target - self._generated
        combos = combos[:remaining]
        if len(combos) < 2:
            self._redraw_until_made(plan, ctx)
            self._standalone(plan, series, maker, categories, base_price, ctx)
            return
        self._series(plan, series, maker, categories, base_price, ctx, combos)

    def _series_trade(self, plan, maker, ctx) -> dict:
        profile = trade.TRADE_PROFILES.get(plan.profile.etim_class)
        return trade.series_trade(profile, maker, ctx, self.trade_rng) if profile else {}

    def _redraw_until_made(self, plan, ctx):
        """A standalone product, too, must be a combination the series filter allows (no
        8-pin M8 connector)."""
        axis_filter = plan.profile.axis_filter
        if axis_filter is None or not plan.axes:
            return
        for _attempt in range(20):
            try:
                if axis_filter(ctx):
                    return
            except (KeyError, TypeError, ValueError):
                pass
            for code in plan.order:
                if code in plan.variant_codes:
                    ctx[code] = self._draw(plan, code, ctx)

    def _manufacturer(self, profile):
        keys = profile.manufacturers
        if len(keys) == 1 or self.rng.random() < 0.8:
            return MANUFACTURERS[keys[0]]
        return MANUFACTURERS[self.rng.choice(keys[1:])]

    def _log_uniform(self, low, high) -> float:
        return math.exp(self.rng.uniform(math.log(low), math.log(high)))

    # --- values ------------------------------------------------------------------------------

    def _draw(self, plan, code, ctx):
        spec = plan.specs[code]
        try:
            value = spec.draw(self.rng, ctx, plan.labels.get(code))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            # A derived value whose inputs are empty does not apply.
            value = None
        if plan.attributes[code].type == AttributeType.MULTI_ENUM and isinstance(value, str):
            extra = [spec.draw(self.rng, ctx, plan.labels.get(code)) for _i in range(self.rng.randint(0, 2))]
            value = list(dict.fromkeys([value, *filter(None, extra)]))
        return value

    def _combos(self, plan, ctx) -> list[dict]:
        profile = plan.profile
        windows = []
        for code in plan.axes:
            candidates = plan.specs[code].candidates(ctx, plan.labels.get(code))
            if not candidates:
                return []
            low, high = profile.axis_values
            count = min(len(candidates), self.rng.randint(low, high))
            start = self.rng.randrange(len(candidates) - count + 1)
            windows.append(candidates[start : start + count])
        combos = []
        for values in itertools.product(*windows):
            combo = dict(zip(plan.axes, values, strict=True))
            if profile.axis_filter is not None:
                try:
                    if not profile.axis_filter({**ctx, **combo}):
                        continue
                except (KeyError, TypeError, ValueError):
                    continue
            combos.append(combo)
        if len(combos) > profile.max_variants:
            keep = sorted(self.rng.sample(range(len(combos)), profile.max_variants))
            combos = [combos[index] for index in keep]
        return combos

    def _rows(self, plan, codes, ctx, row_class, empty_share, never_empty=()):
        """Validated value rows and what they read like, for ``codes`` of ``ctx``."""
        rows, shown = [], {}
        for code in codes:
            value = ctx.get(code)
            if value is None or (isinstance(value, list) and not value):
                continue
            spec = plan.specs[code]
            if code not in never_empty and self.rng.random() < empty_share + spec.empty:
                continue
            raw, view = self._raw(plan, code, value, spec)
            if raw is None:
                continue
            family_attribute = plan.family_attributes[code]
            try:
                rows.extend(
                    build_value_rows(
                        family_attribute.attribute,
                        raw,
                        family_attribute=family_attribute,
                        row_class=row_class,
                    )
                )
            except ValidationError as exc:
                raise DemoCatalogError(
                    _("Demo value %(value)r for %(code)s in family %(family)s is invalid: %(error)s")
                    % {
                        "value": value,
                        "code": code,
                        "family": plan.family.code,
                        "error": "; ".join(exc.messages),
                    }
                ) from exc
            shown[code] = view
        return rows, shown

    def _raw(self, plan, code, value, spec):
        """The raw input for build_value_rows and the Shown of a drawn value."""
        attribute = plan.attributes[code]
        kind = attribute.type
        if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            if isinstance(value, OneOf):
                value = next((label for label in value if label in plan.options[code]), value[0])
            labels = value if isinstance(value, list) else [value]
            options = []
            for label in labels:
                option = plan.options[code].get(label)
                if option is None:
                    self.unmatched[(plan.profile.etim_class, code, label)] += 1
                    continue
                options.append(option)
            if not options:
                return None, None
            raw = options if kind == AttributeType.MULTI_ENUM else options[0]
            first = options[0]
            names = {lang: ", ".join(localize(o.name, lang) for o in options) for lang in texts.LANGUAGES}
            return raw, texts.Shown("option", names, label_en=localize(first.name, "en") or first.code)
        if kind == AttributeType.BOOLEAN:
            return bool(value), texts.Shown("boolean", bool(value))
        if kind == AttributeType.TEXT:
            return value, texts.Shown("text", value)
        unit = plan.display_units[code]
        source = self.units.get(spec.unit) if spec.unit else None
        if kind == AttributeType.NUMBER:
            if isinstance(value, tuple):
                value = value[1]
            magnitude = self._in_display_unit(attribute, float(value), source, unit)
            raw = Measurement(magnitude, unit) if unit is not None else magnitude
            canonical = unit.to_canonical(magnitude) if unit is not None else None
            return raw, texts.Shown("number", magnitude, unit.symbol if unit else None, canonical=canonical)
        if not isinstance(value, tuple):
            value = (value, value)
        low, high = (
            None if v is None else self._in_display_unit(attribute, float(v), source, unit) for v in value
        )
        if low is not None and high is not None and low > high:
            low, high = high, low
        raw = tuple(
            None if v is None else (Measurement(v, unit) if unit is not None else v) for v in (low, high)
        )
        canonical = None
        if unit is not None:
            canonical = tuple(None if v is None else unit.to_canonical(v) for v in (low, high))
        return raw, texts.Shown("range", (low, high), unit.symbol if unit else None, canonical=canonical)

    @staticmethod
    def _in_display_unit(attribute, magnitude, source, unit) -> float:
        """``magnitude`` (in ``source``, or already in the display unit) in the display unit,
        kept inside the attribute's bounds."""
        if unit is None:
            canonical = magnitude
        elif source is not None and source.pk != unit.pk:
            canonical = source.to_canonical(magnitude)
        else:
            canonical = unit.to_canonical(magnitude)
        low, high = attribute.min_value, attribute.max_value
        clamped = False
        if low is not None and canonical < low:
            canonical, clamped = low, True
        if high is not None and canonical > high:
            canonical, clamped = high, True
        shown = unit.from_canonical(canonical) if unit is not None else canonical
        return shown if clamped else round_significant(shown, 6)

    # --- products ----------------------------------------------------------------------------

    def _standalone(self, plan, series, maker, categories, base_price, ctx):
        lifecycle = self._lifecycle()
        empty = DRAFT_EMPTY if lifecycle == "draft" else BASE_EMPTY
        rows, shown = self._rows(plan, plan.order, ctx, ProductValue, empty, never_empty=plan.key_codes)
        self._add_product(
            plan,
            series,
            maker,
            categories,
            base_price,
            ctx,
            rows,
            shown,
            lifecycle,
            None,
            0,
            series_trade=self._series_trade(plan, maker, ctx),
        )

    def _series(self, plan, series, maker, categories, base_price, ctx, combos):
        profile = plan.profile
        shared_codes = [code for code in plan.order if code not in plan.variant_codes]
        model_rows, model_shown = self._rows(
            plan, shared_codes, ctx, ProductModelValue, BASE_EMPTY, never_empty=plan.key_codes
        )
        live = self.rng.random() >= 0.02
        published = self._published_at()
        shared_parts = [p for p in profile.name_parts if not (texts.template_codes(p) & plan.variant_codes)]
        model = ProductModel(
            code=series,
            name=texts.product_name(plan.label, series, shared_parts, model_shown, self.units),
            short_description=texts.short_description(
                plan.label, series, maker, plan.attributes, profile.facts, model_shown
            ),
            long_description=texts.long_description(
                profile, plan.label, series, plan.family, plan.attributes, model_shown, self.rng
            ),
            family=plan.family,
            manufacturer_name=maker.name,
            live=live,
            has_unpublished_changes=not live,
            first_published_at=published[0],
            last_published_at=published[1],
        )
        series_trade = self._series_trade(plan, maker, ctx)
        for name, value in series_trade.items():
            setattr(model, name, value)
        self._pending_models.append(
            PendingModel(model, model_rows, categories, [plan.attributes[c] for c in plan.axes])
        )
        self.summary.models += 1
        for rank, combo in enumerate(combos):
            vctx = {**ctx, **combo}
            for code in plan.order:
                if code in plan.variant_codes and code not in combo:
                    vctx[code] = self._draw(plan, code, vctx)
            lifecycle = self._lifecycle()
            empty = DRAFT_EMPTY if lifecycle == "draft" else BASE_EMPTY
            codes = [code for code in plan.order if code in plan.variant_codes]
            rows, shown = self._rows(plan, codes, vctx, ProductValue, empty, never_empty=plan.key_codes)
            self._add_product(
                plan,
                series,
                maker,
                categories,
                base_price,
                vctx,
                rows,
                {**model_shown, **shown},
                lifecycle,
                model,
                rank / max(len(combos) - 1, 1),
                model_live=live,
                series_trade=series_trade,
            )
            self.summary.variants += 1

    def _lifecycle(self) -> str:
        r = self.rng.random()
        if r < 0.02:
            return "draft"
        if r < 0.04:
            return "unpublished"
        if r < 0.09:
            return Lifecycle.PHASE_OUT
        if r < 0.13:
            return Lifecycle.DISCONTINUED
        return Lifecycle.ACTIVE

    def _published_at(self):
        first = datetime.combine(
            self.today - timedelta(days=self.rng.randint(60, 2500)), datetime.min.time(), UTC
        )
        first += timedelta(hours=self.rng.randint(7, 17), minutes=self.rng.randint(0, 59))
        span = max((datetime.combine(self.today, datetime.min.time(), UTC) - first).days, 1)
        return first, first + timedelta(days=self.rng.randint(0, span))

    def _add_product(
        self,
        plan,
        series,
        maker,
        categories,
        base_price,
        ctx,
        rows,
        shown,
        state,
        model,
        position,
        model_live=True,
        series_trade=None,
    ):
        profile = plan.profile
        rng = self.rng
        article = texts.article_number(profile.article, series, plan.axes, profile.codes, shown) or series
        article = self._unique_article(article)
        name = texts.product_name(plan.label, series, profile.name_parts, shown, self.units)
        product = Product(
            article_number=article,
            article_number_key=normalize_article_number(article),
            gtin=self._gtin(maker) if rng.random() < 0.97 else "",
            manufacturer_pid=f"{maker.code}{rng.randrange(1000000, 9999999)}",
            manufacturer_name=maker.name,
            name=name,
            short_description=texts.short_description(
                plan.label, series, maker, plan.attributes, profile.facts, shown
            ),
            long_description=(
                {}
                if model is not None
                else texts.long_description(
                    profile, plan.label, series, plan.family, plan.attributes, shown, rng
                )
            ),
            family=plan.family,
        )
        first, last = self._published_at()
        product.available_from = first.date()
        if state == "draft":
            product.lifecycle, product.live, product.has_unpublished_changes = Lifecycle.DRAFT, False, True
            product.available_from = self.today + timedelta(days=rng.randint(30, 180))
        else:
            product.lifecycle = Lifecycle.ACTIVE if state == "unpublished" else state
            product.live = state != "unpublished"
            product.has_unpublished_changes = state == "unpublished"
            product.first_published_at, product.last_published_at = first, last
        if state == Lifecycle.PHASE_OUT:
            product.phase_out_date = self.today + timedelta(days=rng.randint(-120, 365))
        elif state == Lifecycle.DISCONTINUED:
            product.phase_out_date = self.today - timedelta(days=rng.randint(200, 700))
            product.discontinued_date = min(
                product.phase_out_date + timedelta(days=rng.randint(90, 180)), self.today
            )
        self._commercial(product, profile, ctx, base_price)
        # Larger sizes of a series cost more: up to 2.5 times the smallest.
        amount = base_price * (1 + 1.5 * position)
        prices = self._prices(product, amount)
        packing_units = self._logistics(product, profile, ctx, amount, series_trade or {}, model)
        fit = None
        if profile.fit is not None:
            try:
                fit = profile.fit(ctx)
            except (KeyError, TypeError, ValueError):
                fit = None
        self._pending.append(
            Pending(
                product,
                plan,
                rows,
                categories,
                prices,
                fit,
                state == Lifecycle.DISCONTINUED,
                model,
                model_live,
                packing_units,
            )
        )
        self._generated += 1

    def _logistics(self, product, profile, ctx, amount, series_trade, model) -> list:
        """Set the product's trade fields (its series' on a standalone product; its own
        tariff number where its size changes it) and weights; return its packing units."""
        trade_profile = trade.TRADE_PROFILES.get(profile.etim_class)
        if trade_profile is None:
            return []
        if model is None:
            for name, value in series_trade.items():
                setattr(product, name, value)
        else:
            own_tariff = trade.tariff_number(trade_profile, ctx)
            if own_tariff != series_trade.get("customs_tariff_number"):
                product.customs_tariff_number = own_tariff  # e.g. a motor above 7.5 kW
        low, high = profile.price
        # where the price lies in the class's range (the largest size costs up to 2.5 × high)
        size = math.log(max(amount, low) / low) / math.log(2.5 * high / low)
        result = trade.logistics(trade_profile, ctx, product, size, self.trade_rng)
        product.net_weight, product.gross_weight = result.net_weight, result.gross_weight
        product.length, product.width, product.height = result.dimensions
        return result.packing_units

    def _unique_article(self, article: str) -> str:
        candidate, suffix = article, 0
        while normalize_article_number(candidate) in self.used_keys:
            suffix += 1
            candidate = f"{article}-{_letters(suffix)}"
        self.used_keys.add(normalize_article_number(candidate))
        return candidate

    def _gtin(self, maker) -> str:
        number = self.gtin_counters[maker.code]
        if number >= 10**GTIN_ITEM_DIGITS:
            return ""
        self.gtin_counters[maker.code] += 1
        body = f"{maker.gtin_prefix}{number:0{GTIN_ITEM_DIGITS}d}"
        return f"{body}{gtin_check_digit(body)}"

    def _commercial(self, product, profile, ctx, base_price):
        if profile.commercial == "pack":
            product.order_unit, product.content_unit = "PK", "C62"
            product.content_quantity = Decimal(_pack_content(ctx))
        elif profile.commercial == "metre":
            product.order_unit, product.content_unit = "MTR", "MTR"
            product.min_order_quantity = Decimal(self.rng.choice((1, 5, 10)))
        else:
            product.order_unit, product.content_unit = "C62", "C62"
            if base_price < 20:
                product.min_order_quantity = Decimal(self.rng.choice((1, 1, 5, 10)))
                product.order_quantity_step = product.min_order_quantity

    def _prices(self, product, amount) -> list[ProductPrice]:
        rng = self.rng
        year = self.today.year
        valid_from, valid_to = date(year, 1, 1), date(year, 12, 31)
        base = Decimal(str(round(amount, 2))).quantize(CENT, ROUND_HALF_UP)
        tiers = [(Decimal(1), Decimal(1))]
        if rng.random() < 0.7:
            tiers.append((Decimal(10), Decimal(1) - Decimal(rng.choice((5, 6, 8))) / 100))
            if rng.random() < 0.5:
                tiers.append((Decimal(50), Decimal(1) - Decimal(rng.choice((10, 12, 15))) / 100))
        minimum = product.min_order_quantity
        prices = []
        for quantity, factor in tiers:
            prices.append(
                ProductPrice(
                    currency="EUR",
                    amount=(base * factor).quantize(CENT, ROUND_HALF_UP),
                    min_quantity=max(quantity, minimum),
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )
        if rng.random() < 0.3:
            prices.append(
                ProductPrice(
                    currency="USD",
                    amount=(base * USD_RATE).quantize(CENT, ROUND_HALF_UP),
                    min_quantity=minimum,
                    tax_rate=Decimal(0),
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )
        if rng.random() < 0.15:  # next year's price list is already known
            prices.append(
                ProductPrice(
                    currency="EUR",
                    amount=(base * Decimal(str(1 + rng.choice((0.025, 0.03, 0.04))))).quantize(
                        CENT, ROUND_HALF_UP
                    ),
                    min_quantity=minimum,
                    valid_from=date(year + 1, 1, 1),
                )
            )
        # Tiers with the same "from" quantity (a minimum order above 10) collapse into one.
        seen, unique = set(), []
        for price in prices:
            key = (price.currency, price.min_quantity, price.valid_from)
            if key not in seen:
                seen.add(key)
                unique.append(price)
        return unique

    # --- insert ------------------------------------------------------------------------------

    def _flush(self):
        if not self._pending and not self._pending_models:
            return
        self._resolve_clashes()
        models = [pending.model for pending in self._pending_models]
        ProductModel.objects.bulk_create(models)
        model_values, model_categories, model_axes = [], [], []
        category_through = ProductModel._meta.get_field("categories")
        axes_through = ProductModel._meta.get_field("axes")
        for pending in self._pending_models:
            for row in pending.values:
                row.product_model_id = pending.model.pk
                model_values.append(row)
            model_categories += [
                _through(category_through, pending.model.pk, category.pk) for category in pending.categories
            ]
            model_axes += [
                _through(axes_through, pending.model.pk, attribute.pk) for attribute in pending.axes
            ]
        ProductModelValue.objects.bulk_create(model_values)
        category_through.remote_field.through.objects.bulk_create(model_categories)
        axes_through.remote_field.through.objects.bulk_create(model_axes)

        products = []
        for pending in self._pending:
            if pending.model is not None:
                pending.product.product_model_id = pending.model.pk
            products.append(pending.product)
        Product.objects.bulk_create(products)

        values, product_categories, prices, packing_units = [], [], [], []
        product_category_field = Product._meta.get_field("categories")
        for pending in self._pending:
            pk = pending.product.pk
            for row in pending.values:
                row.product_id = pk
                values.append(row)
            product_categories += [
                _through(product_category_field, pk, category.pk) for category in pending.categories
            ]
            for price in pending.prices:
                price.product_id = pk
                prices.append(price)
            for unit in pending.packing_units:
                unit.product_id = pk
                packing_units.append(unit)
        ProductValue.objects.bulk_create(values)
        product_category_field.remote_field.through.objects.bulk_create(product_categories)
        ProductPrice.objects.bulk_create(prices)
        PackingUnit.objects.bulk_create(packing_units)

        relations = self._link()
        ProductRelation.objects.bulk_create(relations)

        summary = self.summary
        summary.products += len(products)
        summary.product_values += len(values)
        summary.model_values += len(model_values)
        summary.prices += len(prices)
        summary.packing_units += len(packing_units)
        summary.relations += len(relations)
        for pending in self._pending:
            summary.lifecycles[pending.product.lifecycle] += 1
            summary.not_visible += not pending.visible
        signals.notify([product.pk for product in products], "demo_created")
        if self.progress:
            self.progress(len(products))
        self._pending, self._pending_models = [], []
        self.used_keys = set()

    def _resolve_clashes(self):
        """Article numbers and series codes already in the database get a letter suffix."""
        keys = [pending.product.article_number_key for pending in self._pending]
        taken = set()
        for start in range(0, len(keys), 500):
            taken.update(
                Product.objects.filter(article_number_key__in=keys[start : start + 500]).values_list(
                    "article_number_key", flat=True
                )
            )
        if taken:
            in_chunk = set(keys)
            for pending in self._pending:
                product = pending.product
                if product.article_number_key not in taken:
                    continue
                suffix = 0
                while True:
                    suffix += 1
                    candidate = f"{product.article_number}-{_letters(suffix)}"
                    key = normalize_article_number(candidate)
                    if key not in in_chunk and not Product.objects.filter(article_number_key=key).exists():
                        break
                product.article_number, product.article_number_key = candidate, key
                in_chunk.add(key)
        codes = [pending.model.code for pending in self._pending_models]
        taken_codes = set(ProductModel.objects.filter(code__in=codes).values_list("code", flat=True))
        for pending in self._pending_models:
            if pending.model.code in taken_codes:
                suffix = 0
                while True:
                    suffix += 1
                    candidate = f"{pending.model.code}-{_letters(suffix)}"
                    if not ProductModel.objects.filter(code=candidate).exists():
                        break
                pending.model.code = candidate

    def _pool(self, etim_class, fit):
        return self.pools.get((etim_class, fit)) or self.pools.get((etim_class, None)) or ()

    def _link(self) -> list[ProductRelation]:
        """Pool the new visible active products, then give discontinued products a successor
        and every product its accessories, spare parts, replacements and compatible parts."""
        for pending in self._pending:
            product = pending.product
            if pending.visible and product.lifecycle == Lifecycle.ACTIVE:
                cls = pending.plan.profile.etim_class
                for key in ((cls, pending.fit), (cls, None)):
                    self.pools.setdefault(key, deque(maxlen=POOL_SIZE)).append(product.pk)
        rng = self.rng
        relations, successors = [], []
        for pending in self._pending:
            product = pending.product
            profile = pending.plan.profile
            order = itertools.count()
            chosen = set()

            def relate(kind, pool, count, quantity=None, product=product, chosen=chosen, order=order):
                candidates = [pk for pk in pool if pk != product.pk and (kind, pk) not in chosen]
                for pk in rng.sample(candidates, min(count, len(candidates))):
                    chosen.add((kind, pk))
                    relations.append(
                        ProductRelation(
                            product_id=product.pk,
                            kind=kind,
                            target_id=pk,
                            quantity=quantity,
                            sort_order=next(order),
                        )
                    )

            if pending.wants_successor:
                pool = [pk for pk in self._pool(profile.etim_class, pending.fit) if pk != product.pk]
                if pool:
                    product.successor_id = rng.choice(pool)
                    relate(RelationKind.REPLACEMENT, [product.successor_id], 1)
                else:  # nothing to succeed it yet: it is only being phased out
                    product.lifecycle, product.discontinued_date = Lifecycle.PHASE_OUT, None
                successors.append(product)
            elif product.lifecycle == Lifecycle.PHASE_OUT and rng.random() < 0.7:
                relate(RelationKind.REPLACEMENT, self._pool(profile.etim_class, pending.fit), 1)
            for rule in profile.relations:
                if rng.random() >= rule.p:
                    continue
                fit = pending.fit if rule.fit == "same" else rule.fit
                quantity = Decimal(rng.choice((1, 1, 2, 4))) if rule.kind == RelationKind.SPARE_PART else None
                relate(rule.kind, self._pool(rule.target, fit), rng.randint(1, rule.count), quantity)
        if successors:
            Product.objects.bulk_update(successors, ["successor", "lifecycle", "discontinued_date"])
        return relations


def _through(m2m_field, source_pk, target_pk):
    through = m2m_field.remote_field.through
    return through(
        **{
            f"{m2m_field.m2m_field_name()}_id": source_pk,
            f"{m2m_field.m2m_reverse_field_name()}_id": target_pk,
        }
    )


def _letters(number: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    text = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        text = chr(65 + rest) + text
    return text


__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DemoCatalogError",
    "DemoCatalogGenerator",
    "DemoSetupError",
    "Summary",
    "demo_product_models",
    "demo_products",
    "reset_demo_catalog",
]
