"""The column layout of machine-readable tabular exports (CSV, XLSX) — also what the Excel
import reads. (The readable price list of :mod:`pim.exports.tabular` is for people and is not
read back.)

One row per product, one header row. Headers follow one grammar so a reader can map every
column back to a field or attribute:

    header := base [" (" language ")"] [" [" unit "]"]
    base   := a product field (``article_number``, ``name``, ``net_list_price``…), a trade
              field (``brand``, ``net_weight``…), a packing-unit field
              (``packing_unit_<n>_<field>``) or an attribute's code (or the receiver's name
              for it, from the channel), optionally followed by " min" / " max" (range ends)
              or " unit" (a separate unit column)

Examples: ``name (de)``, ``max_pressure [bar]``, ``temperature_range min [°C]``,
``nominal_size`` + ``nominal_size unit``, ``net_list_price [EUR]``, ``keywords (de)``,
``net_weight [kg]``, ``packing_unit_2_length [mm]``.

Column order: product fields, localized texts per language, commercial fields, trade fields
(:data:`TRADE_COLUMNS`, keywords per language, :data:`DECLARATION_COLUMNS`), weights and
dimensions (:data:`LOGISTICS_COLUMNS`), packing units, prices, references, attributes.

Cell values: numbers in the unit of the header (or of the unit column), option codes
(several joined by ``|``), ``true``/``false``, article/category codes joined by ``|``.
Trade fields hold the stored codes (``country_of_origin`` as ISO 3166 alpha-2, ``reach_status``
``free``…, ``hazard_class`` ``2.1``…), inherited from the series where the product has none;
keywords are one language's keywords joined by ``, `` (the catalog's own keyword syntax, so
the cell can be stored back as it is). Weights are in kg, lengths in mm.

Packing units are numbered column groups (``packing_unit_1_code``, ``packing_unit_1_quantity``,
``packing_unit_1_gtin``, ``packing_unit_1_gross_weight [kg]``, ``packing_unit_1_length [mm]``,
``…_width [mm]``, ``…_height [mm]``, ``packing_unit_1_package_break``), in the editor's order,
as many groups as the channel's product with the most packing units needs; ``code`` is the
packaging code (``CT`` carton, ``PF`` pallet…), ``quantity`` the order units per package.

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
# Trade data (pim.catalog.trade): series-level fields, then keywords (one column per
# language), then declarations and dangerous goods.
TRADE_COLUMNS = [
    "brand",
    "country_of_origin",
    "customs_tariff_number",
    "delivery_time_days",
    "discount_group",
]
KEYWORDS_COLUMN = "keywords"
DECLARATION_COLUMNS = [
    "reach_status",
    "scip_number",
    "rohs_status",
    "ce_marking",
    "un_number",
    "hazard_class",
    "packing_group",
]
# The article's own weights and outer dimensions, with the unit they are stored and written in.
LOGISTICS_COLUMNS = {"net_weight": "kg", "gross_weight": "kg", "length": "mm", "width": "mm", "height": "mm"}
# The fields of one packing unit column group, with their units.
PACKING_UNIT_COLUMNS = {
    "code": "",
    "quantity": "",
    "gtin": "",
    "gross_weight": "kg",
    "length": "mm",
    "width": "mm",
    "height": "mm",
    "package_break": "",
}
PRICE_COLUMNS = ["net_list_price", "gros_list_price"]
REFERENCE_COLUMNS = ["successor", "accessories", "spare_parts", "replacements", "compatible"]
REFERENCE_KINDS = {
    "accessories": "accessory",
    "spare_parts": "spare_part",
    "replacements": "replacement",
    "compatible": "compatible",
}

_PACKING_UNIT_BASE = re.compile(r"^packing_unit_(?P<number>[1-9][0-9]*)_(?P<field>[a-z_]+)$")
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


def packing_unit_base(number: int, field_name: str) -> str:
    """The base of the column of ``field_name`` of the ``number``-th packing unit (from 1)."""
    return f"packing_unit_{number}_{field_name}"


def parse_packing_unit_base(base: str) -> tuple[int, str] | None:
    """(number, field) of a packing-unit column base (inverse of :func:`packing_unit_base`);
    None for any other column."""
    match = _PACKING_UNIT_BASE.match(base)
    if not match or match["field"] not in PACKING_UNIT_COLUMNS:
        return None
    return int(match["number"]), match["field"]
