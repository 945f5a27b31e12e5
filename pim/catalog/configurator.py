"""Series configurator: narrowing the variants of a product model by their axis values.

The rule belongs to the catalog (pages, the API and exports ask the same question); the public
series page only presents it:

- a series is configurable when it is live and has at least one publicly visible variant
  (``Product.objects.publicly_visible()``): a draft, unpublished or future variant never
  appears and never counts;
- the axes are ``ProductModel.axes`` in the family's display order; the values offered on an
  axis are those present among the visible variants, each a stable **key** fit for a URL
  (option code, canonical number such as ``0.016`` for 16 mm, ``true``/``false``, the text);
- a variant's value on an axis is its own value, else the series' value (inheritance, as
  :func:`pim.catalog.values.effective_values`);
- a choice ``{axis code: key}`` leaves the variants that have every chosen value; a value of
  an axis counts the variants it would leave given the *other* choices (zero: disabled);
- exactly one remaining variant is the configured article.

Everything is loaded in a fixed number of queries, whatever the number of variants and axes.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _

from .localization import localize
from .models import (
    AttributeType,
    FamilyAttribute,
    Product,
    ProductModel,
    ProductModelValue,
    ProductValue,
)
from .units import round_significant
from .values import family_attributes_in_display_order, format_stored_value

_VALUE_RELATED = ("attribute__quantity", "attribute__display_unit__quantity", "option", "unit__quantity")


def number_key(value: float) -> str:
    """The URL key of a canonical number: ten significant digits, no float noise, no
    trailing zeros (``0.016``, ``16``, ``1e-05``)."""
    return format(round_significant(float(value)), ".10g")


def public_series(code: str) -> ProductModel | None:
    """The live series with this code (with its axes and categories), or None. Whether it has
    visible variants is :attr:`Configurator.variants`."""
    return (
        ProductModel.objects.filter(code=code, live=True)
        .select_related("family")
        .prefetch_related("axes", "categories")
        .first()
    )


def configurable_series():
    """The series that have a public page: live, with at least one publicly visible variant
    (for sitemaps and links; one query)."""
    visible = Product.objects.publicly_visible().filter(product_model__isnull=False)
    return ProductModel.objects.filter(live=True, pk__in=visible.values("product_model_id"))


@dataclass(frozen=True)
class AxisOption:
    """One value present on an axis: its URL key and its label in the active language."""

    key: str
    label: str


@dataclass
class Axis:
    """A variant axis and the values present among the visible variants, in display order."""

    code: str
    label: str
    attribute: object
    family_attribute: FamilyAttribute | None
    options: list[AxisOption]

    def match(self, raw: str) -> str | None:
        """The key of the option ``raw`` names (exact key, or loosely: ``16.0`` for ``16``,
        case-insensitive codes), None when no present value matches."""
        text = raw.strip()
        keys = {option.key for option in self.options}
        if text in keys:
            return text
        if self.attribute.type == AttributeType.NUMBER:
            try:
                candidate = number_key(float(text.replace(",", ".")))
            except (ValueError, OverflowError):
                return None
            return candidate if candidate in keys else None
        folded = text.casefold()
        for option in self.options:
            if folded in (option.key.casefold(), option.label.casefold()):
                return option.key
        return None


@dataclass
class Variant:
    """A visible variant with its axis values (keys and labels by axis code)."""

    product: Product
    keys: dict[str, frozenset[str]]
    labels: dict[str, str]

    def matches(self, chosen: Mapping[str, str], *, ignore: str | None = None) -> bool:
        return all(key in self.keys.get(code, ()) for code, key in chosen.items() if code != ignore)


@dataclass
class OptionState:
    """An axis value under the current choice."""

    key: str
    label: str
    count: int  # variants left when this value is chosen (with the other choices)
    selected: bool

    @property
    def disabled(self) -> bool:
        return self.count == 0 and not self.selected


@dataclass
class AxisState:
    code: str
    label: str
    options: list[OptionState]
    selected_key: str | None
    any_count: int  # variants left when this axis is left open

    @property
    def selected_label(self) -> str:
        return next((o.label for o in self.options if o.selected), "")


@dataclass
class Configuration:
    """The outcome of a choice: remaining variants, the axes with their counts, errors."""

    series: ProductModel
    axes: list[AxisState]
    variants: list[Variant]  # all visible variants
    remaining: list[Variant]
    chosen: dict[str, str]  # valid choices only, {axis code: key}
    errors: list[str] = field(default_factory=list)

    @property
    def result(self) -> Variant | None:
        """The configured article, when exactly one variant remains."""
        return self.remaining[0] if len(self.remaining) == 1 else None


class Configurator:
    """The axes and visible variants of a series, loaded once, to answer any choice."""

    def __init__(self, series: ProductModel, language: str | None = None):
        self.series = series
        self.language = language or translation.get_language()
        self.family_attributes = family_attributes_in_display_order(series.family_id)
        position = {fa.attribute_id: index for index, fa in enumerate(self.family_attributes)}
        by_attribute = {fa.attribute_id: fa for fa in self.family_attributes}
        axis_attributes = sorted(
            series.axes.all(),
            key=lambda attribute: (position.get(attribute.pk, len(position)), attribute.code),
        )
        axis_ids = [attribute.pk for attribute in axis_attributes]
        # The family's attribute instances come with their units loaded.
        axis_attributes = [
            by_attribute[a.pk].attribute if a.pk in by_attribute else a for a in axis_attributes
        ]
        self.series_values = _rows_by_code(
            ProductModelValue.objects.filter(product_model=series)
            .select_related(*_VALUE_RELATED)
            .order_by("pk")
        )
        products = list(
            Product.objects.publicly_visible()
            .filter(product_model=series)
            .select_related("successor__product_model")
            .prefetch_related(
                Prefetch(
                    "values",
                    queryset=ProductValue.objects.filter(attribute_id__in=axis_ids)
                    .select_related(*_VALUE_RELATED)
                    .order_by("pk"),
                )
            )
            .order_by("article_number_key")
        )
        options: dict[str, dict[str, tuple]] = {a.code: {} for a in axis_attributes}
        self.variants = []
        for product in products:
            # The series is loaded already: inherited values and names cost no query.
            product.product_model = series
            own = _rows_by_code(product.values.all())
            keys, labels = {}, {}
            for attribute in axis_attributes:
                rows = own.get(attribute.code) or self.series_values.get(attribute.code, [])
                family_attribute = by_attribute.get(attribute.pk)
                found = [_option_of(row, family_attribute, self.language) for row in rows]
                found = [item for item in found if item is not None]
                keys[attribute.code] = frozenset(key for key, _label, _order in found)
                labels[attribute.code] = ", ".join(label for _key, label, _order in found)
                for key, label, order in found:
                    options[attribute.code].setdefault(key, (order, label))
            self.variants.append(Variant(product=product, keys=keys, labels=labels))
        self.axes = [
            Axis(
                code=attribute.code,
                label=localize(attribute.name, self.language) or attribute.code,
                attribute=attribute,
                family_attribute=by_attribute.get(attribute.pk),
                options=[
                    AxisOption(key, label)
                    for key, (_order, label) in sorted(options[attribute.code].items(), key=lambda i: i[1][0])
                ],
            )
            for attribute in axis_attributes
        ]
        # Variants in the order of their axis values (M8 before M10, 25 mm before 30 mm), as
        # an engineer reads a size table; the article number decides among equals.
        positions = {axis.code: {o.key: i for i, o in enumerate(axis.options)} for axis in self.axes}

        def reading_order(variant):
            return (
                *(
                    min(
                        (positions[code][key] for key in variant.keys.get(code, ())),
                        default=len(positions[code]),
                    )
                    for code in positions
                ),
                variant.product.article_number_key,
            )

        self.variants.sort(key=reading_order)

    def configure(self, choice: Mapping) -> Configuration:
        """Apply ``choice`` (``{axis code: key}``; a QueryDict or lists of values are fine;
        other keys are ignored). Unknown values are reported in ``errors`` and left out."""
        chosen, errors = {}, []
        for axis in self.axes:
            given = _given(choice, axis.code)
            if not given:
                continue
            if len(given) > 1:
                errors.append(
                    _("Choose one value for “%(axis)s”, not %(count)s; the choice was left open.")
                    % {"axis": axis.label, "count": len(given)}
                )
                continue
            key = axis.match(given[0])
            if key is None:
                errors.append(
                    _("“%(value)s” is not a value of “%(axis)s” in this series; choose one of: %(choices)s.")
                    % {
                        "value": given[0],
                        "axis": axis.label,
                        "choices": ", ".join(o.label for o in axis.options),
                    }
                )
                continue
            chosen[axis.code] = key
        remaining = [variant for variant in self.variants if variant.matches(chosen)]
        if chosen and not remaining:
            errors.append(
                _("No variant of this series combines %(choice)s. Change or reset one of the choices.")
                % {"choice": ", ".join(self._describe(code, key) for code, key in chosen.items())}
            )
        states = []
        for axis in self.axes:
            open_variants = [v for v in self.variants if v.matches(chosen, ignore=axis.code)]
            counts = Counter(key for variant in open_variants for key in variant.keys.get(axis.code, ()))
            states.append(
                AxisState(
                    code=axis.code,
                    label=axis.label,
                    options=[
                        OptionState(
                            key=option.key,
                            label=option.label,
                            count=counts.get(option.key, 0),
                            selected=chosen.get(axis.code) == option.key,
                        )
                        for option in axis.options
                    ],
                    selected_key=chosen.get(axis.code),
                    any_count=len(open_variants),
                )
            )
        return Configuration(
            series=self.series,
            axes=states,
            variants=self.variants,
            remaining=remaining,
            chosen=chosen,
            errors=errors,
        )

    def _describe(self, code: str, key: str) -> str:
        axis = next(a for a in self.axes if a.code == code)
        label = next((o.label for o in axis.options if o.key == key), key)
        return f"{axis.label} {label}"

    def shared_values(self) -> dict[str, list]:
        """The series' own values that hold for every visible variant (by attribute code, in
        family order): not an axis and not overridden by any visible variant."""
        axis_codes = {axis.code for axis in self.axes}
        visible = Product.objects.publicly_visible().filter(product_model=self.series).values("pk")
        overridden = set(
            ProductValue.objects.filter(product__in=visible)
            .values_list("attribute__code", flat=True)
            .distinct()
        )
        order = {fa.attribute.code: index for index, fa in enumerate(self.family_attributes)}
        codes = sorted(
            (code for code in self.series_values if code not in axis_codes and code not in overridden),
            key=lambda code: (order.get(code, len(order)), code),
        )
        return {code: self.series_values[code] for code in codes}


def configure(series: ProductModel, choice: Mapping, language: str | None = None) -> Configuration:
    """Shortcut: :class:`Configurator` for ``series``, then :meth:`Configurator.configure`."""
    return Configurator(series, language).configure(choice)


def _given(choice: Mapping, code: str) -> list[str]:
    if hasattr(choice, "getlist"):
        values = choice.getlist(code)
    else:
        value = choice.get(code)
        values = value if isinstance(value, list | tuple) else [] if value is None else [value]
    distinct = []
    for value in values:
        text = str(value).strip()
        if text and text not in distinct:
            distinct.append(text)
    return distinct


def _rows_by_code(rows) -> dict[str, list]:
    result: dict[str, list] = {}
    for row in rows:
        result.setdefault(row.attribute.code, []).append(row)
    return result


def _option_of(row, family_attribute, language) -> tuple[str, str, tuple] | None:
    """(key, label, sort order) of one stored axis value, None when it holds nothing."""
    attribute = row.attribute
    kind = attribute.type
    unit = attribute.get_display_unit(family_attribute) if family_attribute else None
    if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
        if row.option_id is None:
            return None
        option = row.option
        return option.code, localize(option.name, language) or option.code, (option.sort_order, option.code)
    if kind == AttributeType.NUMBER:
        if row.number is None:
            return None
        return number_key(row.number), format_stored_value([row], language, unit=unit), (row.number,)
    if kind == AttributeType.BOOLEAN:
        if row.boolean is None:
            return None
        return ("true" if row.boolean else "false"), format_stored_value([row], language), (row.boolean,)
    if kind == AttributeType.TEXT:
        if attribute.localizable:
            # The key stays the same in every language: the text of the site's default language.
            key = localize(row.text_localized, settings.LANGUAGE_CODE)
            label = localize(row.text_localized, language)
        else:
            key = label = row.text
        return (key, label, (label.casefold(),)) if key else None
    # Ranges cannot be axes (ProductModel.clean); shown but not keyed by canonical ends.
    label = format_stored_value([row], language, unit=unit)
    return (label, label, (row.number_min or 0, row.number_max or 0)) if label else None
