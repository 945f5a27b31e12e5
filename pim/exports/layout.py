"""The column layout of tabular exports (CSV, XLSX) — also what the Excel import reads.

One row per product, one header row. Headers follow one grammar so a reader can map every
column back to a field or attribute:

    header := base [" (" language ")"] [" [" unit "]"]
    base   := a product field (``article_number``, ``name``, ``net_list_price``…) or an
              attribute's code (or the receiver's name for it, from the channel), optionally
              followed by " min" / " max" (range ends) or " unit" (a separate unit column)

Examples: ``name (de)``, ``max_pressure [bar]``, ``temperature_range min [°C]``,
``nominal_size`` + ``nominal_size unit``, ``net_list_price [EUR]``.

Cell values: numbers in the unit of the header (or of the unit column), option codes
(several joined by ``|``), ``true``/``false``, article/category codes joined by ``|``.
Delta files start with an ``action`` column (new, update, delete).
"""

import re
from dataclasses import dataclass

LIST_SEPARATOR = "|"

# Product fields in column order (localized ones get one column per language).
FIELD_COLUMNS = [
    "article_number",
    "gtin",
    "manufacturer_pid",
    "manufacturer_name",
    "family",
    "product_model",
    "lifecycle",
]
LOCALIZED_COLUMNS = ["name", "short_description", "long_description"]
COMMERCIAL_COLUMNS = [
    "categories",
    "order_unit",
    "content_unit",
    "content_quantity",
    "price_quantity",
    "min_order_quantity",
    "order_quantity_step",
]
PRICE_COLUMNS = ["net_list_price", "gros_list_price"]
REFERENCE_COLUMNS = ["successor", "accessories", "spare_parts", "replacements", "compatible"]
REFERENCE_KINDS = {
    "accessories": "accessory",
    "spare_parts": "spare_part",
    "replacements": "replacement",
    "compatible": "compatible",
}

_HEADER = re.compile(r"^(?P<base>.+?)(?: \((?P<language>[a-z]{2,3})\))?(?: \[(?P<unit>[^\]]+)\])?$")


@dataclass(frozen=True)
class Column:
    base: str  # field name or attribute code/export name
    part: str = ""  # "", "min", "max" or "unit"
    language: str = ""
    unit: str = ""  # unit symbol or currency

    @property
    def header(self) -> str:
        text = self.base + (f" {self.part}" if self.part else "")
        if self.language:
            text += f" ({self.language})"
        if self.unit:
            text += f" [{self.unit}]"
        return text


def parse_header(header: str, names=None) -> Column:
    """The :class:`Column` a header names (inverse of :attr:`Column.header`).

    ``names`` (optional): the field/attribute names the reader knows; a base that is one of
    them is taken whole, so a receiver's name such as "Druck max" is not read as a range end.
    """
    match = _HEADER.match(header.strip())
    if not match:
        raise ValueError(f"not a column header: {header!r}")
    base = match["base"]
    part = ""
    for suffix in ("min", "max", "unit"):
        if names is not None and base in names:
            break
        if base.endswith(f" {suffix}"):
            base, part = base[: -len(suffix) - 1], suffix
            break
    return Column(base=base, part=part, language=match["language"] or "", unit=match["unit"] or "")
