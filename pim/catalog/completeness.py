"""Completeness rules: is a product complete for a set of requirements in a language?

The rules live here, with the data they judge. Which requirements apply (per family and
channel) is configured by the app that owns channels (``pim.exports``), which calls
:func:`evaluate` and stores the results; this module imports nothing outside the catalog.

A requirement names an attribute (a value must be present; localized text needs the
language itself, no fallback), a product field (:data:`FIELDS`) or an asset kind (the caller
passes the kinds a product has, e.g. from ``pim.assets``).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import AttributeType

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
