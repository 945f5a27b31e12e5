"""What every reader hands the planner: products as a file states them, with where each value
came from, before any validation.

Readers (:mod:`pim.imports.tabular` for XLSX/CSV, :mod:`pim.imports.bmecat` for BMEcat) turn
a file into :class:`IncomingProduct` objects and :class:`Problem` s about the file itself
(an unreadable row, an unknown column, an ignored element). They do not look at the catalog
beyond what they need to name columns. The planner (:mod:`pim.imports.planning`) validates
every value through the catalog's own services (``pim.catalog.values.build_value_rows``,
model field validation, ``Product.clean``), compares with the catalog and says what would
change; the committer writes it. One record shape for every format keeps one validation path.

Raw values are what the file says, as text or the typed cell value (number, bool, date), never
converted: ``"16 bar"``, ``232`` (in ``unit`` when the header or a unit column names one),
``"Messing"`` (an option label in any content language, or its code), ``"true"``/``"ja"``.

Only what the file states is changed: a field the file has no column (or element) for is
absent from the record and stays as it is in the catalog; a present but empty cell clears
the value. For variants, exports write effective values (the series' where the variant has
none): a value equal to the effective one is no change (see the planner).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value stands in the file, for messages: ``Sheet "Products", row 12, column
    "max_pressure [bar]"`` or ``line 1834, element FVALUE``."""

    file: str = ""
    sheet: str = ""
    row: int | None = None  # 1-based row of a spreadsheet (the header is row 1)
    column: str = ""  # the header text (spreadsheets) or element path (XML)
    line: int | None = None  # XML source line

    def describe(self) -> str:
        """A short place for people, e.g. ``row 12, column “max_pressure [bar]”``."""
        parts = []
        if self.sheet:
            parts.append(_("sheet “%(sheet)s”") % {"sheet": self.sheet})
        if self.row is not None:
            parts.append(_("row %(row)s") % {"row": self.row})
        if self.line is not None:
            parts.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            parts.append(_("column “%(column)s”") % {"column": self.column})
        return ", ".join(parts)


ERROR = "error"
WARNING = "warning"


@dataclass
class Problem:
    """Something wrong or ignored. ``error``: the product (or the file) cannot be imported as
    it is; ``warning``: something was ignored or assumed and the import can go on."""

    message: str
    location: Location = field(default_factory=Location)
    severity: str = ERROR
    value: str = ""  # the cell or element text as found (for the error report)
    article_number: str = ""


@dataclass(slots=True)
class Raw:
    """One value as the file gives it, with its place and, for numbers, the unit the header
    or a unit column names (a unit typed in the cell wins over it)."""

    value: Any
    location: Location = field(default_factory=Location)
    unit: str = ""  # unit symbol/code from the header ("bar", "kg") or a unit column


@dataclass
class IncomingPrice:
    price_type: str  # "net_list" | "gros_list"
    currency: str
    amount: Raw
    min_quantity: Raw | None = None  # None: 1
    valid_from: Raw | None = None
    valid_to: Raw | None = None
    tax_rate: Raw | None = None


@dataclass
class IncomingPackingUnit:
    """One packing unit; fields by PackingUnit field name (weights kg, lengths mm unless the
    Raw names a unit)."""

    fields: dict[str, Raw]


@dataclass
class IncomingMedia:
    """A MIME reference of a BMEcat product (recorded; the file itself when the import is a
    ZIP that contains it)."""

    source: str
    mime_type: str = ""
    purpose: str = ""
    descriptions: dict[str, str] = field(default_factory=dict)
    code: str = ""  # ETIM MIME code (MD01…)
    location: Location = field(default_factory=Location)


@dataclass
class IncomingProduct:
    """A product as a file states it. ``None`` means "the file says nothing about it"."""

    article_number: Raw
    location: Location = field(default_factory=Location)  # the row or PRODUCT element
    action: str = ""  # "", or a delta file's "new" / "update" / "delete"
    # Plain model fields of Product by name (gtin, manufacturer_pid, order_unit, lifecycle,
    # TradeData and LogisticsData fields…) plus the references "family" and "product_model"
    # (codes).
    fields: dict[str, Raw] = field(default_factory=dict)
    # Localized fields (name, short_description, long_description, keywords): field ->
    # language -> Raw.
    localized: dict[str, dict[str, Raw]] = field(default_factory=dict)
    # Attribute values by attribute code (resolved from ETIM codes or a mapping by the
    # reader): a Raw whose value build_value_rows accepts; ranges as a Raw of (low, high).
    values: dict[str, Raw] = field(default_factory=dict)
    # The attributes a spreadsheet has a column for (code -> the column's header), one mapping
    # shared by every row of the file: such an attribute that is not in ``values`` is stated
    # empty by the row (its own value is cleared). None: the file states only ``values``.
    value_columns: Mapping[str, str] | None = None
    prices: list[IncomingPrice] | None = None
    # When the file states only the current tier-1 price per type (the machine layout), only
    # that row is replaced; tiers and future prices stay. BMEcat states the whole list.
    prices_replace_all: bool = False
    categories: list[Raw] | None = None  # category codes (or BMEcat group ids, mapped)
    relations: dict[str, list[Raw]] | None = None  # relation kind (or "successor") -> article numbers
    packing_units: list[IncomingPackingUnit] | None = None
    media: list[IncomingMedia] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # the reader's, for this product
    # The row's original cells in file order (spreadsheets), so a rejected row can be written
    # back unchanged into the error file with an error column.
    cells: list | None = None

    @property
    def number(self) -> str:
        return str(self.article_number.value or "").strip()
