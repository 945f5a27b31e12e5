"""Trade and logistics data as a page, a datasheet or an export reads it: a product's own
value, else its series' (the inheritance rule), and the units receivers expect.

Stored units: weights in kilograms, lengths in millimetres (see
:mod:`pim.catalog.models.trade`). Conversions are exact decimal arithmetic, so an export
never writes binary noise.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .localization import localize
from .models.trade import TradeData

# TradeData fields a product takes from its product model when its own is empty (local_fields,
# not get_fields(): this module is imported while models load, via pim.exports.models).
INHERITED_FIELDS = tuple(field.name for field in TradeData._meta.local_fields)
# Labels of every trade/logistics field (completeness, tabular headers, pages).
FIELD_LABELS = {
    "brand": _("Brand"),
    "country_of_origin": _("Country of origin"),
    "customs_tariff_number": _("Customs tariff number"),
    "delivery_time_days": _("Delivery time (working days)"),
    "discount_group": _("Discount group"),
    "keywords": _("Keywords"),
    "reach_status": _("REACH declaration"),
    "scip_number": _("SCIP number"),
    "rohs_status": _("RoHS"),
    "ce_marking": _("CE marking"),
    "un_number": _("UN number"),
    "hazard_class": _("Dangerous-goods class"),
    "packing_group": _("Packing group"),
    "net_weight": _("Net weight"),
    "gross_weight": _("Gross weight"),
    "length": _("Length"),
    "width": _("Width"),
    "height": _("Height"),
}

_KEYWORD_SEPARATORS = re.compile(r"[,;\n]+")
THOUSAND = Decimal(1000)


def _empty(value) -> bool:
    return value is None or value == "" or value == {}


def trade_value(product, name: str):
    """The effective value of trade field ``name``: the product's own, else its series'.
    Uses ``product.product_model`` (select it with the product when reading many)."""
    own = getattr(product, name)
    if not _empty(own) or product.product_model_id is None:
        return own
    return getattr(product.product_model, name)


def effective_trade(product) -> dict:
    """Every trade field by name as stored (the country as its ISO code string), inherited
    where the product has none. Reads the loaded field values directly: exports call this
    for every product, and the country field's descriptor builds an object per access."""
    own = _stored(product)
    if product.product_model_id is None:
        return own
    series = _stored(product.product_model)
    return {name: series[name] if _empty(value) else value for name, value in own.items()}


def _stored(instance) -> dict:
    loaded = instance.__dict__
    return {name: loaded[name] if name in loaded else getattr(instance, name) for name in INHERITED_FIELDS}


def split_keywords(text: str) -> list[str]:
    """Keywords of one language's text, separated by commas, semicolons or lines; no
    duplicates (case-insensitive), in the order written."""
    seen, result = set(), []
    for part in _KEYWORD_SEPARATORS.split(text or ""):
        word = " ".join(part.split())
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            result.append(word)
    return result


def keywords(product, language: str, *, fallback: bool = False) -> list[str]:
    """The product's keywords in ``language`` (exports: exactly that language; pages may
    ask for the fallback chain)."""
    value = trade_value(product, "keywords") or {}
    text = localize(value, language) if fallback else value.get(language, "")
    return split_keywords(text)


def country_name(code) -> str:
    """The country's name in the active language ('' for none)."""
    code = str(code or "")
    return str(countries.name(code) or code) if code else ""


# --- units -------------------------------------------------------------------------------


def mm_to_m(value: Decimal | None) -> Decimal | None:
    """Millimetres to metres, exactly (BMEcat and EDXF dimensions are in metres)."""
    return None if value is None else value / THOUSAND


def volume_m3(length_mm, width_mm, height_mm) -> Decimal | None:
    """Outer volume in cubic metres from dimensions in millimetres (None if one is missing)."""
    if length_mm is None or width_mm is None or height_mm is None:
        return None
    return (length_mm * width_mm * height_mm) / Decimal(10**9)


def plain_decimal(value: Decimal) -> str:
    """``Decimal`` as plain text without exponent or trailing zeros (``0.250000`` → ``0.25``)."""
    text = format(value.normalize(), "f")
    return text


def localized_decimal(value: Decimal) -> str:
    """``Decimal`` for people in the active language (``1,5`` in German), no trailing zeros."""
    return formats.number_format(Decimal(plain_decimal(value)), use_l10n=True)


@dataclass(frozen=True)
class Weight:
    """A weight for people: grams below one kilogram, kilograms above."""

    kg: Decimal

    def __str__(self):
        return self.format()

    def format(self, number=plain_decimal) -> str:
        if self.kg < 1:
            return f"{number(self.kg * THOUSAND)} g"
        return f"{number(self.kg)} kg"


def format_weight(kg: Decimal | None, number=plain_decimal) -> str:
    """``250 g`` / ``1.5 kg``; pages pass ``number=localized_decimal`` (``1,5 kg``)."""
    return "" if kg is None else Weight(kg).format(number)


def format_dimensions(length, width, height, number=plain_decimal) -> str:
    """``120 × 80 × 45 mm`` (length × width × height), '' if incomplete; ``number`` as in
    :func:`format_weight`."""
    if length is None or width is None or height is None:
        return ""
    return f"{number(length)} × {number(width)} × {number(height)} mm"
