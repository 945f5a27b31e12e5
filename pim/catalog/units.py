"""Physical units: conversion, parsing of typed input and display, backed by pint.

Values of number and range attributes are stored in their quantity's canonical unit
(``Quantity.canonical_unit``) beside the unit the editor used. Everything that converts
goes through this module, so "16 bar" and "232 psi" compare correctly everywhere.
"""

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import pint
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=False, cache_folder=None)
# pint reads "Nm" as nanometre and "C" as coulomb: typed input is matched against our
# own unit symbols and aliases first, and only then handed to pint.

# Thousands groups only when exactly three digits follow a separator ("1.000,5", "1 000"),
# so "15.99583692" stays one number.
_NUMBER = r"[-+−]?(?:\d{1,3}(?:[ .']\d{3})+(?!\d)|\d+)?(?:[.,]\d+)?(?:[eE][-+]?\d+)?"
_MEASUREMENT_RE = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*(?P<unit>.*?)\s*$")
_RANGE_RE = re.compile(
    rf"^\s*(?P<low>{_NUMBER})\s*(?P<low_unit>[^.…]*?)\s*(?:\.\.|…|–| to | bis )\s*"
    rf"(?P<high>{_NUMBER})\s*(?P<high_unit>.*?)\s*$"
)


class UnitError(ValidationError):
    """A unit problem, with a message meant for the editor."""


@lru_cache(maxsize=512)
def pint_unit(expression: str) -> pint.Unit:
    return ureg.parse_units(expression)


def is_convertible(expression: str) -> bool:
    try:
        pint_unit(expression)
    except Exception:  # noqa: BLE001 - pint raises several unrelated types for bad input
        return False
    return True


@lru_cache(maxsize=4096)
def _factor_offset(source: str, target: str) -> tuple[float, float]:
    """(factor, offset) such that target = source * factor + offset.

    Computed once per unit pair with pint; the hot path (bulk imports, demo data,
    search filters) is then two float operations.
    """
    zero = ureg.Quantity(0.0, pint_unit(source)).to(pint_unit(target)).magnitude
    one = ureg.Quantity(1.0, pint_unit(source)).to(pint_unit(target)).magnitude
    return one - zero, zero


def convert(value: float, source: str, target: str) -> float:
    """Convert ``value`` from pint expression ``source`` to ``target`` (offsets included)."""
    if source == target:
        return float(value)
    try:
        factor, offset = _factor_offset(source, target)
    except pint.DimensionalityError as exc:
        raise UnitError(
            _("%(source)s cannot be converted to %(target)s.") % {"source": source, "target": target}
        ) from exc
    return float(value) * factor + offset


def dimensionality(expression: str) -> str:
    return str(pint_unit(expression).dimensionality)


def parse_number(text: str) -> float:
    """A number as editors type it: ``1.5``, ``1,5``, ``1 000``, ``1.000,5``, ``−3``."""
    raw = text.strip().replace("−", "-").replace("\u202f", " ").replace("\xa0", " ")
    if not raw:
        raise ValueError("empty")
    if "," in raw and "." in raw:
        # The later separator is the decimal separator.
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    elif "," in raw:
        raw = raw.replace(",", ".")
    raw = raw.replace(" ", "").replace("'", "")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


@dataclass(frozen=True)
class Measurement:
    """A magnitude in a unit (a ``catalog.Unit``)."""

    magnitude: float
    unit: object  # catalog.Unit

    def to_canonical(self) -> float:
        return self.unit.to_canonical(self.magnitude)

    def __str__(self):
        return format_value(self.magnitude, self.unit)


def find_unit(text: str, units):
    """The unit among ``units`` that ``text`` names: symbol, code, alias, then pint."""
    text = text.strip()
    if not text:
        return None
    for unit in units:
        if text == unit.symbol or text == unit.code:
            return unit
    lowered = text.casefold()
    for unit in units:
        names = [unit.symbol, unit.code, *unit.alias_list()]
        if any(lowered == name.casefold() for name in names if name):
            return unit
    try:
        typed = pint_unit(text)
    except Exception:  # noqa: BLE001
        return None
    for unit in units:
        if unit.pint_expression and is_convertible(unit.pint_expression):
            try:
                if math.isclose(convert(1.0, str(typed), unit.pint_expression), 1.0) and math.isclose(
                    convert(0.0, str(typed), unit.pint_expression), 0.0, abs_tol=1e-12
                ):
                    return unit
            except UnitError:
                continue
    return None


def parse_measurement(text: str, quantity, default_unit=None) -> Measurement:
    """Parse ``"16 bar"``, ``"232 psi"``, ``"-10 °C"`` or a bare number (in ``default_unit``).

    Raises :class:`UnitError` naming what was wrong and which units are allowed.
    """
    match = _MEASUREMENT_RE.match(text or "")
    if not match or not match.group("number"):
        raise UnitError(_("“%(text)s” is not a number with a unit, e.g. “16 bar”.") % {"text": text})
    try:
        magnitude = parse_number(match.group("number"))
    except ValueError as exc:
        raise UnitError(_("“%(text)s” is not a valid number.") % {"text": match.group("number")}) from exc
    unit_text = match.group("unit")
    if not unit_text:
        if default_unit is None:
            raise UnitError(_("Give a unit for “%(text)s”.") % {"text": text})
        return Measurement(magnitude, default_unit)
    units = list(quantity.units.all()) if quantity is not None else []
    unit = find_unit(unit_text, units)
    if unit is None:
        allowed = ", ".join(u.symbol for u in units) or _("none")
        if quantity is not None and is_convertible(unit_text) and quantity.canonical_unit:
            try:
                convert(1.0, unit_text, quantity.canonical_unit)
            except UnitError:
                raise UnitError(
                    _("“%(unit)s” is not a unit of %(quantity)s. Allowed units: %(allowed)s.")
                    % {"unit": unit_text, "quantity": quantity, "allowed": allowed}
                ) from None
            raise UnitError(
                _("“%(unit)s” is not configured for %(quantity)s. Allowed units: %(allowed)s.")
                % {"unit": unit_text, "quantity": quantity, "allowed": allowed}
            )
        raise UnitError(
            _("Unknown unit “%(unit)s”. Allowed units: %(allowed)s.")
            % {"unit": unit_text, "allowed": allowed}
        )
    return Measurement(magnitude, unit)


def parse_range(text: str, quantity, default_unit=None) -> tuple[Measurement, Measurement]:
    """Parse ``"-10 .. 120 °C"``, ``"-10 °C .. 250 °F"``, ``"0..16 bar"``."""
    match = _RANGE_RE.match(text or "")
    if not match:
        raise UnitError(_("“%(text)s” is not a range, e.g. “-10 .. 120 °C”.") % {"text": text})
    high_unit_text = match.group("high_unit")
    high = parse_measurement(f"{match.group('high')} {high_unit_text}", quantity, default_unit)
    low_default = high.unit if high_unit_text else default_unit
    low = parse_measurement(f"{match.group('low')} {match.group('low_unit')}", quantity, low_default)
    return low, high


def round_significant(value: float, digits: int = 10) -> float:
    """Remove float noise from conversions (119.99999999999997 -> 120.0)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def format_number(value: float, decimals: int | None = None) -> str:
    """A number in the active locale (``1,5`` in German), without float noise."""
    value = round_significant(value)
    if decimals is not None:
        value = round(value, decimals)
    if float(value).is_integer() and abs(value) < 1e15:
        return formats.number_format(int(value), use_l10n=True, force_grouping=False)
    text = f"{value:.10g}"
    if "e" in text:
        return text
    places = len(text.split(".")[1]) if "." in text else 0
    return formats.number_format(value, decimal_pos=places, use_l10n=True)


def format_value(magnitude: float, unit, decimals: int | None = None) -> str:
    return with_symbol(format_number(magnitude, decimals), unit)


def with_symbol(number: str, unit) -> str:
    """``number`` followed by the unit symbol: no space before the degree sign of angles
    (15°), a non-breaking space otherwise (16 bar, 20 °C)."""
    if unit is None:
        return number
    return f"{number}{unit.symbol}" if unit.symbol == "°" else f"{number}\u00a0{unit.symbol}"


# --- unit systems (the public site's metric/imperial toggle) -----------------------------------
METRIC = "metric"
IMPERIAL = "imperial"
UNIT_SYSTEMS = (METRIC, IMPERIAL)

# Metric unit code → the imperial unit (code) engineers in the US read the same value in.
# Units missing here (W, Pa, µm, K, ml…) have no customary imperial counterpart for technical
# data and stay as they are. Targets are seeded units (unit_data.py).
IMPERIAL_UNITS = {
    "bar": "psi",
    "kPa": "psi",
    "MPa": "psi",
    "mm": "in",
    "cm": "in",
    "m": "ft",
    "degC": "degF",
    "l_min": "gpm",
    "m3_h": "cfm",
    "kg": "lb",
    "N": "lbf",
    "kN": "lbf",
    "Nm": "lbf_ft",
    "kW": "hp",
    "l": "gal",
}
# The reverse, so that a family showing a value in inches can be read in millimetres.
METRIC_UNITS = {
    "psi": "bar",
    "in": "mm",
    "ft": "m",
    "degF": "degC",
    "gpm": "l_min",
    "cfm": "m3_h",
    "lb": "kg",
    "lbf": "N",
    "lbf_ft": "Nm",
    "hp": "kW",
    "gal": "l",
}
_SYSTEM_TABLES = {IMPERIAL: IMPERIAL_UNITS, METRIC: METRIC_UNITS}


def unit_system(value: str | None) -> str:
    """The unit system a visitor asked for (``?units=``); anything unknown is metric."""
    return IMPERIAL if (value or "").strip().casefold() == IMPERIAL else METRIC


def system_unit_codes(system: str) -> frozenset[str]:
    """The codes of the units values may be shown in under ``system`` (for loading them)."""
    return frozenset(_SYSTEM_TABLES.get(system, {}).values())


def unit_for_system(unit, system: str, units):
    """The unit of ``units`` (candidates, e.g. the quantity's units) to show a value whose
    display unit is ``unit`` in ``system`` (:data:`IMPERIAL` or :data:`METRIC`).

    ``None`` when the value stays in ``unit``: no counterpart in that system, the unit
    already belongs to it, or the counterpart is not among ``units`` or not of the same
    quantity. Values are then converted from their canonical value with
    ``Unit.from_canonical`` (pint), never from an already rounded display value."""
    if unit is None:
        return None
    target_code = _SYSTEM_TABLES.get(system, {}).get(unit.code)
    if target_code is None:
        return None
    for candidate in units:
        if candidate.code == target_code and candidate.quantity_id == unit.quantity_id:
            return candidate if candidate.pint_expression else None
    return None


def to_system(magnitude: float, unit, system: str, units) -> Measurement:
    """``magnitude`` in ``unit`` as shown in ``system``: ``16 bar`` → ``232.06… psi``."""
    target = unit_for_system(unit, system, units)
    if target is None:
        return Measurement(float(magnitude), unit)
    return Measurement(target.from_canonical(unit.to_canonical(magnitude)), target)
