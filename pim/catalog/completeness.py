"""Completeness rules: is a product complete for a set of requirements in a language?

The rules live here, with the data they judge. Which requirements apply (per family and
channel) is configured by the app that owns channels (``pim.exports``), which calls
:func:`evaluate` and stores the results; this module imports nothing outside the catalog.

A requirement names an attribute (a value must be present; localized text needs the
language itself, no fallback), a product field (:data:`FIELDS`) or an asset kind (the caller
passes the kinds a product has, e.g. from ``pim.assets``). Trade data a product takes from its
series (:mod:`pim.catalog.trade`) counts as present when the series has it; weights and
dimensions are the article's own; packing units are counted by the caller.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from . import trade
from .models import AttributeType
from .models.trade import ReachStatus

ATTRIBUTE = "attribute"
FIELD = "field"
ASSET = "asset"

# Product fields a requirement can name: code -> (label, localized?)
FIELDS = {
    "name": (_("Name"), True),
    "short_description": (_("Short description"), True),
    "long_description": (_("Long description"), True),
    "gtin": (_("GTIN"), False),
    "manufacturer_pid": (_("Manufacturer part number"), False),
    "manufacturer_name": (_("Manufacturer"), False),
    "category": (_("Category"), False),
    "price": (_("List price in the channel currency"), False),
    "etim_class": (_("ETIM class of the family"), False),
    # trade and logistics data; series-level fields count when the series has them
    "net_weight": (trade.FIELD_LABELS["net_weight"], False),
    "gross_weight": (trade.FIELD_LABELS["gross_weight"], False),
    "dimensions": (_("Dimensions (length × width × height)"), False),
    "country_of_origin": (trade.FIELD_LABELS["country_of_origin"], False),
    "customs_tariff_number": (trade.FIELD_LABELS["customs_tariff_number"], False),
    "delivery_time": (_("Delivery time"), False),
    "brand": (trade.FIELD_LABELS["brand"], False),
    "keywords": (trade.FIELD_LABELS["keywords"], True),
    "packing_unit": (_("Packing unit"), False),
    "reach": (trade.FIELD_LABELS["reach_status"], False),
    "rohs": (_("RoHS declaration"), False),
    "ce": (_("CE marking (yes or no stated)"), False),
}


@dataclass(frozen=True)
class Requirement:
    kind: str  # ATTRIBUTE, FIELD or ASSET
    code: str  # attribute code, field code or asset kind
    label: str = ""


@dataclass
class Result:
    language: str
    required: int
    missing: list[dict] = field(default_factory=list)

    @property
    def score(self) -> int:
        """Percent of requirements met (100 when nothing is required)."""
        if not self.required:
            return 100
        return int(100 * (self.required - len(self.missing)) // self.required)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass
class ProductFacts:
    """What the rules look at, gathered by the caller (so evaluation runs no queries)."""

    values: Mapping[str, list]  # effective values by attribute code (see values.effective_values)
    category_count: int = 0
    price_currencies: frozenset[str] = frozenset()
    asset_kinds: frozenset[str] = frozenset()
    packing_unit_count: int = 0


def localized_text(product, field_name: str, language: str) -> str:
    """A product text in exactly ``language`` (no fallback to other languages)."""
    own = (getattr(product, field_name, None) or {}).get(language, "")
    if own or product.product_model_id is None:
        return own
    # a variant shows its model's texts (see Product.description)
    return (getattr(product.product_model, field_name, None) or {}).get(language, "")


def _value_present(rows: list, language: str) -> bool:
    if not rows:
        return False
    attribute = rows[0].attribute
    if attribute.type == AttributeType.TEXT and attribute.localizable:
        return any(bool((row.text_localized or {}).get(language)) for row in rows)
    if attribute.type == AttributeType.TEXT:
        return any(row.text.strip() for row in rows)
    if attribute.type == AttributeType.BOOLEAN:
        return any(row.boolean is not None for row in rows)
    if attribute.type in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
        return any(row.option_id for row in rows)
    if attribute.type == AttributeType.NUMBER:
        return any(row.number is not None for row in rows)
    return any(row.number_min is not None or row.number_max is not None for row in rows)


def _has(value) -> bool:
    return value is not None and value != ""


# Trade requirements: TradeData fields judged by the inheritance rule (own, else the series').
_TRADE_FIELDS = {
    "country_of_origin": "country_of_origin",
    "customs_tariff_number": "customs_tariff_number",
    "delivery_time": "delivery_time_days",  # 0 working days (from stock) is a delivery time
    "brand": "brand",
    "rohs": "rohs_status",
    "ce": "ce_marking",  # "no CE marking" is a statement too (fittings and hoses carry none)
}


def _trade_present(product, code: str, language: str, facts: ProductFacts) -> bool | None:
    """Whether a trade/logistics requirement is met; None if ``code`` is not one."""
    if code in _TRADE_FIELDS:
        return _has(trade.trade_value(product, _TRADE_FIELDS[code]))
    if code in ("net_weight", "gross_weight"):
        return getattr(product, code) is not None
    if code == "dimensions":
        return None not in (product.length, product.width, product.height)
    if code == "keywords":
        return bool(trade.keywords(product, language))
    if code == "packing_unit":
        return facts.packing_unit_count > 0
    if code == "reach":
        # "no data" records that the supplier declared nothing: a receiver still has no declaration
        return trade.trade_value(product, "reach_status") in (ReachStatus.FREE, ReachStatus.CONTAINS)
    return None


def _field_present(product, code: str, language: str, facts: ProductFacts, currency: str) -> bool:
    if code in ("name", "short_description", "long_description"):
        return bool(localized_text(product, code, language))
    if code == "gtin":
        return bool(product.gtin)
    if code == "manufacturer_pid":
        return bool(product.manufacturer_pid)
    if code == "manufacturer_name":
        return bool(product.manufacturer_name)
    if code == "category":
        return facts.category_count > 0
    if code == "price":
        return currency in facts.price_currencies
    if code == "etim_class":
        return bool(product.family.etim_class_code)
    present = _trade_present(product, code, language, facts)
    if present is not None:
        return present
    raise ValueError(f"unknown completeness field {code!r}")


def is_localized(requirement: Requirement, values: Mapping[str, list] | None = None) -> bool:
    if requirement.kind == FIELD:
        return FIELDS[requirement.code][1]
    if requirement.kind == ATTRIBUTE and values and values.get(requirement.code):
        attribute = values[requirement.code][0].attribute
        return attribute.type == AttributeType.TEXT and attribute.localizable
    return False


def evaluate(
    product,
    requirements: Iterable[Requirement],
    languages: Iterable[str],
    facts: ProductFacts,
    *,
    currency: str = "EUR",
) -> dict[str, Result]:
    """Completeness of ``product`` per language: which requirements are not met.

    ``missing`` items are ``{"kind", "code", "label"}`` so a screen can say what to fill in.
    """
    requirements = list(requirements)
    results = {}
    for language in languages:
        result = Result(language=language, required=len(requirements))
        for requirement in requirements:
            if requirement.kind == ATTRIBUTE:
                ok = _value_present(list(facts.values.get(requirement.code, [])), language)
            elif requirement.kind == FIELD:
                ok = _field_present(product, requirement.code, language, facts, currency)
            elif requirement.kind == ASSET:
                ok = requirement.code in facts.asset_kinds
            else:
                raise ValueError(f"unknown requirement kind {requirement.kind!r}")
            if not ok:
                result.missing.append(
                    {"kind": requirement.kind, "code": requirement.code, "label": str(requirement.label)}
                )
        results[language] = result
    return results
