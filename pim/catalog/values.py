"""Attribute values: validation against the family, normalization, inheritance, display.

Every path that writes values (admin form, ETIM/Excel imports, demo data, API) goes
through :func:`build_value_rows`, so the same rules and messages apply everywhere.
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import units as unit_service
from .localization import clean_localized, localize
from .models import AttributeOption, AttributeType, Unit
from .models.products import AttributeValueBase, Product, ProductModelValue, ProductValue

# A value entered in psi and shown in bar is rounded to this many significant digits.
CONVERTED_SIGNIFICANT_DIGITS = 4

_TRUE = {"1", "true", "yes", "y", "ja", "j", "x", "on", "wahr"}
_FALSE = {"0", "false", "no", "n", "nein", "off", "falsch"}


def _error(attribute, message, code="invalid"):
    return ValidationError(
        _("%(attribute)s: %(message)s")
        % {"attribute": localize(attribute.name) or attribute.code, "message": message},
        code=code,
    )


def _measurement(attribute, raw, display_unit) -> unit_service.Measurement:
    if isinstance(raw, unit_service.Measurement):
        return raw
    if isinstance(raw, bool):
        raise _error(attribute, _("expected a number, got yes/no."))
    if isinstance(raw, int | float):
        if display_unit is None and attribute.quantity_id:
            raise _error(attribute, _("give a unit."))
        return unit_service.Measurement(float(raw), display_unit)
    if isinstance(raw, tuple) and len(raw) == 2:
        magnitude, unit = raw
        if not isinstance(unit, Unit):
            unit = _unit_by_code(attribute, unit)
        return unit_service.Measurement(float(magnitude), unit)
    if isinstance(raw, str):
        if attribute.quantity_id is None:
            try:
                return unit_service.Measurement(unit_service.parse_number(raw), None)
            except ValueError:
                raise _error(attribute, _("“%(text)s” is not a number.") % {"text": raw}) from None
        try:
            return unit_service.parse_measurement(raw, attribute.quantity, display_unit)
        except unit_service.UnitError as exc:
            raise _error(attribute, exc.messages[0]) from None
    raise _error(attribute, _("expected a number with a unit, got %(value)r.") % {"value": raw})


def _unit_by_code(attribute, code):
    units = list(attribute.quantity.units.all()) if attribute.quantity_id else []
    unit = unit_service.find_unit(str(code), units)
    if unit is None:
        raise _error(
            attribute,
            _("“%(unit)s” is not a unit of %(quantity)s.") % {"unit": code, "quantity": attribute.quantity},
        )
    return unit


def _canonical(attribute, measurement) -> float:
    if measurement.unit is None:
        return float(measurement.magnitude)
    if attribute.quantity_id and measurement.unit.quantity_id != attribute.quantity_id:
        raise _error(
            attribute,
            _("%(unit)s is not a unit of %(quantity)s.")
            % {"unit": measurement.unit, "quantity": attribute.quantity},
        )
    return measurement.to_canonical()


def _check_bounds(attribute, value: float, display_unit):
    def shown(canonical):
        if display_unit is None:
            return unit_service.format_number(canonical)
        return unit_service.format_value(display_unit.from_canonical(canonical), display_unit)

    if attribute.min_value is not None and value < attribute.min_value - 1e-9 * abs(attribute.min_value):
        raise _error(
            attribute,
            _("%(value)s is below the minimum of %(min)s.")
            % {"value": shown(value), "min": shown(attribute.min_value)},
            code="min_value",
        )
    if attribute.max_value is not None and value > attribute.max_value + 1e-9 * abs(attribute.max_value):
        raise _error(
            attribute,
            _("%(value)s is above the maximum of %(max)s.")
            % {"value": shown(value), "max": shown(attribute.max_value)},
            code="max_value",
        )


def _option(attribute, raw, allowed: list[AttributeOption] | None) -> AttributeOption:
    options = allowed if allowed is not None else list(attribute.options.all())
    if isinstance(raw, AttributeOption):
        if raw.attribute_id != attribute.pk:
            raise _error(attribute, _("option %(code)s belongs to another attribute.") % {"code": raw.code})
        if allowed is not None and raw.pk not in {o.pk for o in allowed}:
            raise _error(attribute, _("option “%(option)s” is not allowed in this family.") % {"option": raw})
        return raw
    text = str(raw).strip()
    for option in options:
        if text in (option.code, option.etim_code):
            return option
    folded = text.casefold()
    for option in options:
        if any(folded == label.casefold() for label in option.name.values()):
            return option
    choices = ", ".join(f"{o.code} ({localize(o.name)})" for o in options[:12])
    more = "…" if len(options) > 12 else ""
    raise _error(
        attribute,
        _("“%(value)s” is not one of the options: %(choices)s%(more)s.")
        % {"value": text, "choices": choices, "more": more},
        code="invalid_choice",
    )


def _boolean(attribute, raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _error(attribute, _("“%(value)s” is not yes or no.") % {"value": raw})


def is_empty(raw) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str | list | tuple | set | dict) and not raw:
        return True
    if isinstance(raw, str) and not raw.strip():
        return True
    return isinstance(raw, Mapping) and not clean_localized(raw)


def build_value_rows(
    attribute,
    raw,
    *,
    family_attribute=None,
    row_class: type[AttributeValueBase] = ProductValue,
) -> list[AttributeValueBase]:
    """Validate ``raw`` for ``attribute`` and return unsaved value rows (empty: no value).

    ``raw`` is what a person or a file gives: ``"16 bar"``, ``232`` (in the display unit),
    a :class:`~pim.catalog.units.Measurement`, ``"-10 .. 120 °C"`` or a pair for ranges, an
    option code/label or list of them, ``True``/``"ja"``, a text or ``{"de": …, "en": …}``.
    Raises :class:`ValidationError` with a message that names the attribute.
    """
    if is_empty(raw):
        return []
    display_unit = attribute.get_display_unit(family_attribute)
    kind = attribute.type
    if kind == AttributeType.TEXT:
        if attribute.localizable:
            text = clean_localized(raw)
            return [row_class(attribute=attribute, text_localized=text)] if text else []
        if isinstance(raw, Mapping):
            raw = localize(raw)
        return [row_class(attribute=attribute, text=str(raw).strip())]
    if kind == AttributeType.BOOLEAN:
        return [row_class(attribute=attribute, boolean=_boolean(attribute, raw))]
    if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
        allowed = None
        if family_attribute is not None and family_attribute.pk:
            restricted = list(family_attribute.allowed_options.all())
            allowed = restricted or None
        items = raw if isinstance(raw, Iterable) and not isinstance(raw, str | AttributeOption) else [raw]
        if isinstance(raw, str) and kind == AttributeType.MULTI_ENUM and ("|" in raw or ";" in raw):
            items = [part for part in raw.replace(";", "|").split("|") if part.strip()]
        items = list(items)
        if kind == AttributeType.ENUM and len(items) > 1:
            raise _error(attribute, _("choose one option, not %(count)s.") % {"count": len(items)})
        options = []
        for item in items:
            option = _option(attribute, item, allowed)
            if option not in options:
                options.append(option)
        return [row_class(attribute=attribute, option=option) for option in options]
    if kind == AttributeType.NUMBER:
        measurement = _measurement(attribute, raw, display_unit)
        value = _canonical(attribute, measurement)
        _check_bounds(attribute, value, display_unit)
        return [row_class(attribute=attribute, number=value, unit=measurement.unit)]
    if kind == AttributeType.RANGE:
        if isinstance(raw, str):
            if attribute.quantity_id is None:
                parts = raw.replace("…", "..").split("..")
                if len(parts) != 2:
                    raise _error(attribute, _("“%(text)s” is not a range, e.g. “1 .. 5”.") % {"text": raw})
                low, high = parts
            else:
                try:
                    low, high = unit_service.parse_range(raw, attribute.quantity, display_unit)
                except unit_service.UnitError as exc:
                    raise _error(attribute, exc.messages[0]) from None
        else:
            low, high = raw
        low = None if is_empty(low) else _measurement(attribute, low, display_unit)
        high = None if is_empty(high) else _measurement(attribute, high, display_unit)
        if low is None and high is None:
            return []
        low_value = _canonical(attribute, low) if low else None
        high_value = _canonical(attribute, high) if high else None
        for value in (low_value, high_value):
            if value is not None:
                _check_bounds(attribute, value, display_unit)
        if low_value is not None and high_value is not None and low_value > high_value:
            raise _error(
                attribute,
                _("the lower end %(low)s is above the upper end %(high)s.") % {"low": low, "high": high},
            )
        unit = (high or low).unit
        return [row_class(attribute=attribute, number_min=low_value, number_max=high_value, unit=unit)]
    raise _error(attribute, _("unknown attribute type %(type)s.") % {"type": kind})


def family_attributes_in_display_order(family_id) -> list:
    """A family's attribute rows in display order (group, then position), with what showing a
    value needs loaded in advance: the attribute, its quantity with all units (for unit
    conversions such as imperial display) and the display units. Product pages, series pages
    and the configurator show values in this order."""
    from django.db.models import Prefetch

    from .models import FamilyAttribute

    return list(
        FamilyAttribute.objects.filter(family_id=family_id)
        .select_related(
            "group",
            "attribute__quantity",
            "attribute__display_unit__quantity",
            "display_unit__quantity",
        )
        .prefetch_related(
            Prefetch("attribute__quantity__units", queryset=Unit.objects.select_related("quantity"))
        )
        .order_by("group__sort_order", "group__code", "sort_order", "attribute__code")
    )


def family_attributes_by_code(family) -> dict:
    rows = family.family_attributes.select_related(
        "attribute__quantity",
        "attribute__display_unit__quantity",
        "display_unit__quantity",
    ).prefetch_related("allowed_options")
    return {row.attribute.code: row for row in rows}


def build_owner_values(owner, data: Mapping, family, *, replace: bool = True) -> list[AttributeValueBase]:
    """Validate ``{attribute code: raw}`` for ``owner`` (a Product or ProductModel) of
    ``family`` and return the rows. Collects every error before raising, keyed by code."""
    row_class = ProductModelValue if owner.__class__.__name__ == "ProductModel" else ProductValue
    by_code = family_attributes_by_code(family)
    rows, errors = [], {}
    for code, raw in data.items():
        family_attribute = by_code.get(code)
        if family_attribute is None:
            errors.setdefault(code, []).append(
                ValidationError(
                    _("Attribute %(code)s is not part of family %(family)s.")
                    % {"code": code, "family": family}
                )
            )
            continue
        try:
            rows.extend(
                build_value_rows(
                    family_attribute.attribute, raw, family_attribute=family_attribute, row_class=row_class
                )
            )
        except ValidationError as exc:
            errors.setdefault(code, []).append(exc)
    if errors:
        raise ValidationError(errors)
    return rows


def set_values(owner, data: Mapping, family=None) -> None:
    """Replace the owner's values (in memory, on its ParentalKey relation ``values``).
    Saving the owner, or publishing a revision of it, commits them."""
    owner.values = build_owner_values(owner, data, family or owner.family)


def effective_values(product) -> dict[str, list[AttributeValueBase]]:
    """Values by attribute code: the product model's rows, replaced attribute by attribute
    by the variant's own rows."""
    result: dict[str, list[AttributeValueBase]] = {}
    if product.product_model_id:
        for row in product.product_model.values.all():
            result.setdefault(row.attribute.code, []).append(row)
    own: dict[str, list[AttributeValueBase]] = {}
    for row in product.values.all():
        own.setdefault(row.attribute.code, []).append(row)
    result.update(own)
    return result


def raw_value(rows: list[AttributeValueBase]):
    """The editable value of stored rows (what a form field shows)."""
    if not rows:
        return None
    attribute = rows[0].attribute
    kind = attribute.type
    row = rows[0]
    if kind == AttributeType.TEXT:
        return row.text_localized if attribute.localizable else row.text
    if kind == AttributeType.BOOLEAN:
        return row.boolean
    if kind == AttributeType.ENUM:
        return row.option
    if kind == AttributeType.MULTI_ENUM:
        return [r.option for r in rows]
    unit = row.unit
    if kind == AttributeType.NUMBER:
        return unit_service.Measurement(_from_canonical(row.number, unit), unit)
    low = (
        None
        if row.number_min is None
        else unit_service.Measurement(_from_canonical(row.number_min, unit), unit)
    )
    high = (
        None
        if row.number_max is None
        else unit_service.Measurement(_from_canonical(row.number_max, unit), unit)
    )
    return (low, high)


def _from_canonical(value, unit):
    if value is None:
        return None
    # Strip conversion noise so an editor sees the 25 they typed, not 25.000000000000004.
    return unit_service.round_significant(unit.from_canonical(value)) if unit is not None else value


def format_stored_value(rows, language: str | None = None, unit=None, family_attribute=None) -> str:
    """Human-readable value in ``unit`` (default: the display unit of the attribute, or of
    ``family_attribute`` when the family overrides it)."""
    if isinstance(rows, AttributeValueBase):
        rows = [rows]
    if not rows:
        return ""
    attribute = rows[0].attribute
    kind = attribute.type
    row = rows[0]
    if kind == AttributeType.TEXT:
        return localize(row.text_localized, language) if attribute.localizable else row.text
    if kind == AttributeType.BOOLEAN:
        return _("Yes") if row.boolean else _("No")
    if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
        return ", ".join(localize(r.option.name, language) or r.option.code for r in rows if r.option_id)
    unit = unit or attribute.get_display_unit(family_attribute) or row.unit
    decimals = attribute.decimals

    def number(value) -> str:
        if unit is None:
            return unit_service.format_number(value, decimals)
        magnitude = unit.from_canonical(value)
        if decimals is None and row.unit_id and row.unit_id != unit.pk:
            # Converted from another unit: do not pretend more precision than was entered.
            magnitude = unit_service.round_significant(magnitude, CONVERTED_SIGNIFICANT_DIGITS)
        return unit_service.format_number(magnitude, decimals)

    def with_unit(text: str) -> str:
        return unit_service.with_symbol(text, unit)

    if kind == AttributeType.NUMBER:
        return "" if row.number is None else with_unit(number(row.number))
    if row.number_min is not None and row.number_max is not None:
        low, high = number(row.number_min), number(row.number_max)
        # ETIM gives fixed ratings as ranges with equal ends (230 … 230 V): show one value.
        return with_unit(low if low == high else f"{low} … {high}")
    if row.number_min is not None:
        return _("from %(value)s") % {"value": with_unit(number(row.number_min))}
    if row.number_max is not None:
        return _("up to %(value)s") % {"value": with_unit(number(row.number_max))}
    return ""


def variant_axis_values(models) -> dict[int, list[tuple[int, str, dict]]]:
    """The stored variants of ``models`` with their axis values, for
    :func:`validate_variant` when many variants are checked at once (the import): model pk ->
    [(variant pk, article number, {axis code: [value rows]})], two queries for all models."""
    axes = {model.pk: {a.pk: a.code for a in model.axes.all()} for model in models}
    result: dict[int, list] = {pk: [] for pk in axes}
    variants = {}
    for pk, number, model_id in Product.objects.filter(product_model_id__in=axes).values_list(
        "pk", "article_number", "product_model_id"
    ):
        variants[pk] = (model_id, number, {})
    wanted = {attribute_id for by_pk in axes.values() for attribute_id in by_pk}
    rows = ProductValue.objects.filter(product_id__in=variants, attribute_id__in=wanted).order_by("pk")
    for row in rows:
        model_id, _number, by_code = variants[row.product_id]
        code = axes[model_id].get(row.attribute_id)
        if code is not None:
            by_code.setdefault(code, []).append(row)
    for pk, (model_id, number, by_code) in variants.items():
        result[model_id].append((pk, number, by_code))
    return result


def validate_variant(product, values: dict[str, list[AttributeValueBase]], *, siblings=None) -> None:
    """A variant needs a value on every axis of its model, and no sibling may have the same
    combination. ``siblings``: the model's entry of :func:`variant_axis_values`, when the
    caller read them for many variants at once (else they are read here)."""
    model = product.product_model
    if model is None:
        return
    axes = list(model.axes.all())
    missing = [localize(a.name) or a.code for a in axes if not values.get(a.code)]
    if missing:
        raise ValidationError(
            _("A variant of %(model)s needs a value for each variant axis; missing: %(missing)s.")
            % {"model": model.code, "missing": ", ".join(missing)}
        )

    def signature(rows_by_code):
        return tuple(tuple(sorted(str(_row_key(r)) for r in rows_by_code.get(a.code, []))) for a in axes)

    mine = signature(values)
    if siblings is None:
        siblings = variant_axis_values([model])[model.pk]
    for pk, number, other in siblings:
        if pk != product.pk and signature(other) == mine:
            raise ValidationError(
                _("Variant %(other)s of %(model)s already has these axis values.")
                % {"other": number, "model": model.code}
            )


def _row_key(row):
    if row.option_id:
        return ("o", row.option_id)
    if row.number is not None:
        return ("n", round(unit_service.round_significant(row.number), 9))
    if row.boolean is not None:
        return ("b", row.boolean)
    return ("t", row.text)
