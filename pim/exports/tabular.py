"""CSV and XLSX exports in two layouts, chosen per channel (``Channel.tabular_layout``):

- **Machine-readable** (:class:`MachineLayout`, the default): one row per product, one column
  per field, trade field, packing-unit field and attribute, headed by codes in the grammar of
  :mod:`pim.exports.layout`; option codes, ``true``/``false``, numbers in the header's unit.
  Stable for integrations, and the layout the Excel import reads back. Only the current
  tier-1 price per price type is in it (``net_list_price [EUR]``…); receivers that need tiers
  and future prices read the price list, JSON Lines or BMEcat.
- **Readable price list** (:class:`PriceListLayout`): for a buyer comparing suppliers. Column
  headers are labels in the channel's first language with the unit in brackets
  (``Nominal pressure [bar]``, ``Net list price [EUR]``, ``Net weight [kg]``); options,
  yes/no, order units, countries and packages are written as labels in that language; texts
  in that language, else in the channel's next one. **One row per price**: every tier and
  every current or future validity period of the channel's currency, with its price type,
  from-quantity, price unit and validity dates, so no price is lost; a product without a
  price still gets one row. Attribute columns are the channel's attribute selection, else the
  key attributes (``FamilyAttribute.in_listing``) of the families the channel exports. Dates
  are ISO dates in CSV and date cells in XLSX. Delta files start with a "Change" column. The
  price list is not read back by the import.

XLSX is written with openpyxl's write-only mode (rows are streamed to the file, memory stays
flat); CSV is UTF-8 (optionally with a byte order mark for Excel) with the channel's
delimiter, numbers plain (``1234.5``) or in the receiver's locale (``1234,5``).

Text that a spreadsheet would run as a formula is made inert by the project's one rule
(:mod:`pim.exports.spreadsheets`), in both layouts and in headers: an apostrophe before it in
CSV (which the import removes), a string cell with Excel's quote prefix in XLSX. Numbers,
negative ones included, stay numbers.
"""

import csv
import io
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from pim.catalog import trade
from pim.catalog.commercial import order_unit_label
from pim.catalog.localization import localize
from pim.catalog.models import AttributeType, FamilyAttribute, PackingUnit, PackingUnitCode, ProductPrice
from pim.catalog.units import format_number, round_significant

from .layout import (
    COMMERCIAL_COLUMNS,
    DECLARATION_COLUMNS,
    FIELD_COLUMNS,
    KEYWORDS_COLUMN,
    LIST_SEPARATOR,
    LOCALIZED_COLUMNS,
    LOGISTICS_COLUMNS,
    PACKING_UNIT_COLUMNS,
    PRICE_COLUMNS,
    REFERENCE_COLUMNS,
    REFERENCE_KINDS,
    TRADE_COLUMNS,
    Column,
    packing_unit_base,
)
from .models import NumberFormat, RunKind, TabularLayout, UnitPlacement
from .source import ExportRecord, channel_products, plain_number
from .spreadsheets import csv_text, xlsx_text
from .writers import BaseWriter


def _country_code(value) -> str:
    """The ISO code of a country field's value (a django-countries ``Country`` or a code)."""
    return str(getattr(value, "code", value) or "")


def _blank(value) -> bool:
    return value is None or value == ""


def packing_unit_groups(channel) -> int:
    """How many packing-unit column groups the channel's file needs: the most packing units
    one of its products has (one aggregate query). Every product a full or delta run writes is
    among ``channel_products``, so no packing unit is left without a column."""
    per_product = (
        PackingUnit.objects.filter(product__in=channel_products(channel))
        .values("product_id")
        .annotate(count=Count("pk"))
    )
    return per_product.aggregate(most=Max("count"))["most"] or 0


class MachineLayout:
    """Columns of a channel in the machine-readable layout and the typed cells of each record."""

    def __init__(self, context, *, delta: bool, packing_unit_groups: int = 0):
        self.context = context
        self.delta = delta
        self.packing_unit_groups = packing_unit_groups
        self.separate_units = context.channel.unit_placement == UnitPlacement.COLUMN
        self.columns: list[Column] = []
        self._cells = []  # one function per column: record -> value
        self._features = {}  # features of the row being built, by attribute id
        self._category_codes = {c.pk: c.code for c in context.categories()}
        if delta:
            self._add(Column("action"), lambda r: r.action)
        for name in FIELD_COLUMNS:
            self._add(Column(name), self._field(name))
        for name in LOCALIZED_COLUMNS:
            for language in context.languages:
                self._add(Column(name, language=language), self._localized(name, language))
        for name in COMMERCIAL_COLUMNS:
            self._add(Column(name), self._field(name))
        for name in TRADE_COLUMNS:
            self._add(Column(name), self._trade(name))
        for language in context.languages:
            self._add(Column(KEYWORDS_COLUMN, language=language), self._keywords(language))
        for name in DECLARATION_COLUMNS:
            self._add(Column(name), self._trade(name))
        for name, unit in LOGISTICS_COLUMNS.items():
            self._add(Column(name, unit=unit), self._field(name))
        for number in range(1, packing_unit_groups + 1):
            for name, unit in PACKING_UNIT_COLUMNS.items():
                self._add(
                    Column(packing_unit_base(number, name), unit=unit), self._packing_unit(number, name)
                )
        for name in PRICE_COLUMNS:
            self._add(Column(name, unit=context.currency), self._price(name.removesuffix("_price")))
        for name in REFERENCE_COLUMNS:
            self._add(Column(name), self._references(name))
        for attribute, name, unit in context.columns():
            self._add_attribute(attribute, name, unit)

    def _add(self, column: Column, cell) -> None:
        self.columns.append(column)
        self._cells.append(cell)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def problems(self, record: ExportRecord) -> list[str]:
        """A product that got more packing units after the columns were laid out cannot be
        written whole; it is listed instead of losing a package, and goes out next time."""
        if len(record.packing_units) > self.packing_unit_groups:
            return [
                _(
                    "It has %(count)s packing units, but this file has columns for %(columns)s (a "
                    "packing unit was added while the export ran). Export again to include it."
                )
                % {"count": len(record.packing_units), "columns": self.packing_unit_groups}
            ]
        return []

    def rows(self, record: ExportRecord) -> list[list]:
        return [self.row(record)]

    def row(self, record: ExportRecord) -> list:
        if record.is_deletion:
            return [record.action, record.article_number] + [None] * (len(self.columns) - 2)
        self._features = {feature.attribute.pk: feature for feature in self.context.features(record)}
        return [cell(record) for cell in self._cells]

    # -- cells -------------------------------------------------------------------------
    def _field(self, name):
        def cell(record):
            product = record.product
            if name == "family":
                return product.family.code
            if name == "product_model":
                return product.product_model.code if product.product_model_id else None
            if name == "categories":
                codes = [self._category_codes.get(pk) for pk in record.category_ids]
                return LIST_SEPARATOR.join(code for code in codes if code) or None
            value = getattr(product, name)
            return value if value not in ("", None) else None

        return cell

    @staticmethod
    def _localized(name, language):
        def cell(record):
            return record.text(name, language) or None

        return cell

    @staticmethod
    def _trade(name):
        def cell(record):
            value = record.trade.get(name)
            if name == "country_of_origin":
                value = _country_code(value)
            return None if _blank(value) else value

        return cell

    @staticmethod
    def _keywords(language):
        def cell(record):
            # ", " is the catalog's own keyword syntax: the cell can be stored back unchanged.
            return ", ".join(record.keywords(language)) or None

        return cell

    @staticmethod
    def _packing_unit(number, name):
        def cell(record):
            if number > len(record.packing_units):
                return None
            value = getattr(record.packing_units[number - 1], name)
            return None if _blank(value) else value

        return cell

    def _price(self, price_type):
        today = self.context.today

        def cell(record):
            current = [
                p
                for p in record.prices
                if p.price_type == price_type and (p.valid_from is None or p.valid_from <= today)
            ]
            if not current:
                return None
            return min(current, key=lambda p: (p.min_quantity, -(p.valid_from or today).toordinal())).amount

        return cell

    @staticmethod
    def _references(name):
        kind = REFERENCE_KINDS.get(name, "successor")

        def cell(record):
            numbers = [r.article_number for r in record.references if r.kind == kind]
            return LIST_SEPARATOR.join(numbers) or None

        return cell

    def _add_attribute(self, attribute, name, column_unit) -> None:
        kind = attribute.type
        pk = attribute.pk
        symbol = column_unit.symbol if column_unit is not None else ""

        def feature_of(record):
            return self._features.get(pk)

        def number(value, feature):
            if value is None:
                return None
            unit = feature.unit if self.separate_units else column_unit
            return round_significant(unit.from_canonical(value)) if unit is not None else value

        def unit_cell(record):
            feature = feature_of(record)
            return feature.unit.symbol if feature is not None and feature.unit is not None else None

        if kind == AttributeType.NUMBER:

            def value_cell(record):
                feature = feature_of(record)
                return number(feature.rows[0].number, feature) if feature else None

            if self.separate_units and attribute.quantity_id:
                self._add(Column(name), value_cell)
                self._add(Column(name, part="unit"), unit_cell)
            else:
                self._add(Column(name, unit=symbol), value_cell)
            return
        if kind == AttributeType.RANGE:
            for part, field_name in (("min", "number_min"), ("max", "number_max")):

                def end_cell(record, field_name=field_name):
                    feature = feature_of(record)
                    return number(getattr(feature.rows[0], field_name), feature) if feature else None

                self._add(Column(name, part=part, unit="" if self.separate_units else symbol), end_cell)
            if self.separate_units and attribute.quantity_id:
                self._add(Column(name, part="unit"), unit_cell)
            return
        if kind == AttributeType.TEXT and attribute.localizable:
            for language in self.context.languages:

                def text_cell(record, language=language):
                    feature = feature_of(record)
                    return (feature.text(language) or None) if feature else None

                self._add(Column(name, language=language), text_cell)
            return

        def plain_cell(record):
            feature = feature_of(record)
            if feature is None:
                return None
            if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
                return LIST_SEPARATOR.join(option.code for option in feature.options()) or None
            if kind == AttributeType.BOOLEAN:
                return feature.boolean()
            return feature.text(self.context.default_language) or None

        self._add(Column(name), plain_cell)


def key_attribute_columns(context) -> list:
    """(attribute, header label or "", unit) of the price list's attribute columns: the
    channel's attribute selection, else the key attributes (``in_listing``) of the families
    of the channel's products, by family, then display order."""
    if context.selection:
        attributes = context.attributes(attribute_id for attribute_id, _name in context.selection)
        return [
            (attributes[attribute_id], export_name, context.export_unit(attributes[attribute_id], None))
            for attribute_id, export_name in context.selection
        ]
    family_ids = channel_products(context.channel).values("family_id")
    attribute_ids = list(
        FamilyAttribute.objects.filter(in_listing=True, family_id__in=family_ids)
        .order_by("family__code", "sort_order", "attribute__code")
        .values_list("attribute_id", flat=True)
    )
    attributes = context.attributes(attribute_ids)
    chosen = []
    for attribute_id in dict.fromkeys(attribute_ids):
        attribute = attributes[attribute_id]
        chosen.append((attribute, "", context.export_unit(attribute, None)))
    return chosen


PRICE_TYPE_LABELS = dict(ProductPrice.PriceType.choices)
# The action of a delta row as the price list names it.
CHANGE_LABELS = {
    "new": gettext_lazy("New"),
    "update": gettext_lazy("Changed"),
    "delete": gettext_lazy("Removed"),
}


class PriceListLayout:
    """Columns of the readable price list and its rows: one per price row of a product."""

    def __init__(self, context, *, delta: bool):
        self.context = context
        self.delta = delta
        self.language = context.default_language
        self.headers: list[str] = []
        self._cells = []  # one function per column: (record, price row or None) -> value
        self._features = {}
        self._unit_labels: dict[str, str] = {}
        self._price_types = list(PRICE_TYPE_LABELS)
        with translation.override(self.language):
            self._build(delta)

    def _add(self, label, cell, unit: str = "") -> None:
        self.headers.append(f"{label} [{unit}]" if unit else str(label))
        self._cells.append(cell)

    def _build(self, delta: bool) -> None:
        context = self.context
        labels = trade.FIELD_LABELS
        if delta:
            # Translators: header of a delta price list's first column (New / Changed / Removed)
            self._add(_("Change"), lambda record, price: self._change_label(record.action))
        self._add(_("Article number"), lambda record, price: record.article_number)
        self._add(_("GTIN"), lambda record, price: record.product.gtin or None)
        self._add(_("Name"), lambda record, price: self._text(record, "name"))
        self._add(_("Short description"), lambda record, price: self._text(record, "short_description"))
        self._add(_("Manufacturer"), lambda record, price: record.product.manufacturer_name or None)
        self._add(labels["brand"], lambda record, price: record.trade.get("brand") or None)
        for attribute, label, unit in key_attribute_columns(context):
            self._add_attribute(
                attribute, label or localize(attribute.name, self.language) or attribute.code, unit
            )
        self._add(_("Order unit"), lambda record, price: self._unit_label(record.product.order_unit))
        self._add(_("Minimum order quantity"), lambda record, price: record.product.min_order_quantity)
        self._add(_("Order quantity step"), lambda record, price: record.product.order_quantity_step)
        self._add(_("Price type"), self._price_type)
        self._add(_("From quantity"), lambda record, price: price.min_quantity if price else None)
        self._add(_("Price unit"), self._price_unit)
        for price_type, type_label in PRICE_TYPE_LABELS.items():
            self._add(type_label, self._amount(price_type), unit=context.currency)
        self._add(_("Valid from"), lambda record, price: price.valid_from if price else None)
        self._add(_("Valid until"), lambda record, price: price.valid_to if price else None)
        self._add(labels["discount_group"], lambda record, price: record.trade.get("discount_group") or None)
        for name, unit in LOGISTICS_COLUMNS.items():
            self._add(labels[name], lambda record, price, name=name: getattr(record.product, name), unit=unit)
        self._add(labels["country_of_origin"], self._country)
        self._add(
            labels["customs_tariff_number"],
            lambda record, price: record.trade.get("customs_tariff_number") or None,
        )
        self._add(labels["delivery_time_days"], lambda record, price: record.trade.get("delivery_time_days"))
        self._add(_("Packing units"), self._packing_units)
        self._add(_("Successor"), self._successor)

    def problems(self, record: ExportRecord) -> list[str]:
        return []  # packing units share one cell: nothing can overflow

    def rows(self, record: ExportRecord) -> list[list]:
        with translation.override(self.language):
            if record.is_deletion:  # only in deltas, whose first column is the change
                first = [self._change_label(record.action), record.article_number]
                return [first + [None] * (len(self._cells) - len(first))]
            self._features = {feature.attribute.pk: feature for feature in self.context.features(record)}
            prices = sorted(record.prices, key=self._price_order) or [None]
            return [[cell(record, price) for cell in self._cells] for price in prices]

    # -- cells -------------------------------------------------------------------------
    def _price_order(self, price):
        kind = self._price_types.index(price.price_type) if price.price_type in self._price_types else 99
        return kind, price.valid_from or date.min, price.min_quantity

    @staticmethod
    def _change_label(action: str) -> str:
        return str(CHANGE_LABELS.get(action, action))

    def _text(self, record, name):
        # The price list is in one language: the first, else the channel's next one that has it.
        for language in self.context.languages:
            text = record.text(name, language)
            if text:
                return text
        return None

    def _unit_label(self, code: str) -> str | None:
        if not code:
            return None
        if code not in self._unit_labels:  # one query per unit code and run, not per row
            self._unit_labels[code] = order_unit_label(code, self.language)
        return self._unit_labels[code]

    @staticmethod
    def _price_type(record, price):
        if price is None:
            return None
        return str(PRICE_TYPE_LABELS.get(price.price_type, price.price_type))

    def _price_unit(self, record, price):
        if price is None:
            return None
        product = record.product
        return f"{trade.plain_decimal(product.price_quantity)} {self._unit_label(product.order_unit)}"

    @staticmethod
    def _amount(price_type):
        def cell(record, price):
            return price.amount if price is not None and price.price_type == price_type else None

        return cell

    @staticmethod
    def _country(record, price):
        return trade.country_name(_country_code(record.trade.get("country_of_origin"))) or None

    @staticmethod
    def _packing_units(record, price):
        parts = []
        for unit in record.packing_units:
            label = (
                str(PackingUnitCode(unit.code).label) if unit.code in PackingUnitCode.values else unit.code
            )
            parts.append(f"{label}: {trade.plain_decimal(unit.quantity)}")
        return "; ".join(parts) or None

    @staticmethod
    def _successor(record, price):
        return next((r.article_number for r in record.references if r.kind == "successor"), None)

    def _add_attribute(self, attribute, label: str, column_unit) -> None:
        kind = attribute.type
        pk = attribute.pk
        symbol = column_unit.symbol if column_unit is not None else ""

        def number(value):
            if value is None:
                return None
            return round_significant(column_unit.from_canonical(value)) if column_unit is not None else value

        def feature_of(record):
            return self._features.get(pk)

        if kind == AttributeType.NUMBER:

            def value_cell(record, price):
                feature = feature_of(record)
                return number(feature.rows[0].number) if feature else None

            self._add(label, value_cell, unit=symbol)
            return
        if kind == AttributeType.RANGE:
            for end_label, field_name in (
                # Translators: the lower and upper end of a range, e.g. "Medium temperature from [°C]"
                (_("%(attribute)s from") % {"attribute": label}, "number_min"),
                (_("%(attribute)s to") % {"attribute": label}, "number_max"),
            ):

                def end_cell(record, price, field_name=field_name):
                    feature = feature_of(record)
                    return number(getattr(feature.rows[0], field_name)) if feature else None

                self._add(end_label, end_cell, unit=symbol)
            return

        def plain_cell(record, price):
            feature = feature_of(record)
            if feature is None:
                return None
            if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
                names = [localize(option.name, self.language) or option.code for option in feature.options()]
                return ", ".join(names) or None
            if kind == AttributeType.BOOLEAN:
                value = feature.boolean()
                return None if value is None else (_("Yes") if value else _("No"))
            if attribute.localizable:
                return next((text for lang in self.context.languages if (text := feature.text(lang))), None)
            return feature.text(self.language) or None

        self._add(label, plain_cell)


class _TabularWriter(BaseWriter):
    def prepare(self):
        if self.channel.tabular_layout == TabularLayout.PRICE_LIST:
            self.layout = PriceListLayout(self.context, delta=self.is_delta)
        else:
            self.layout = MachineLayout(
                self.context, delta=self.is_delta, packing_unit_groups=packing_unit_groups(self.channel)
            )

    def problems(self, record: ExportRecord) -> list[str]:
        return self.layout.problems(record)

    def rows(self, items):
        for record in items:
            yield from self.layout.rows(record)

    @property
    def sheet_title(self) -> str:
        if self.channel.tabular_layout == TabularLayout.PRICE_LIST:
            with translation.override(self.context.default_language):
                return _("Price list") if self.kind == RunKind.FULL else _("Price list changes")
        return "Products" if self.kind == RunKind.FULL else "Changes"


class CsvWriter(_TabularWriter):
    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def text(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float | int | Decimal):
            if self.channel.number_format == NumberFormat.LOCALE:
                with translation.override(self.context.default_language):
                    return format_number(float(value))
            return plain_number(value)
        return csv_text(str(value))

    def write(self, stream, items) -> None:
        self.prepare()
        encoding = "utf-8-sig" if self.channel.csv_bom else "utf-8"
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            writer = csv.writer(text, delimiter=self.channel.csv_delimiter, lineterminator="\r\n")
            writer.writerow([csv_text(header) for header in self.layout.headers])
            for row in self.rows(items):
                writer.writerow([self.text(value) for value in row])
            text.flush()
        finally:
            text.detach()


class XlsxWriter(_TabularWriter):
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    @staticmethod
    def cell(sheet, value):
        if isinstance(value, str):
            return xlsx_text(sheet, value)
        if isinstance(value, Decimal):
            return float(value)
        return value

    def write(self, stream, items) -> None:
        self.prepare()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=self.sheet_title)
        sheet.freeze_panes = "A2"
        sheet.append([xlsx_text(sheet, header) for header in self.layout.headers])
        for row in self.rows(items):
            sheet.append([self.cell(sheet, value) for value in row])
        workbook.save(stream)
