"""CSV and XLSX exports: one row per product, one column per attribute (see
:mod:`pim.exports.layout` for the header grammar the Excel import reads back).

XLSX is written with openpyxl's write-only mode (rows are streamed to the file, memory stays
flat); CSV is UTF-8 (optionally with a byte order mark for Excel) with the channel's
delimiter, numbers plain (``1234.5``) or in the receiver's locale (``1234,5``).

Text that a spreadsheet would run as a formula is made inert by the project's one rule
(:mod:`pim.exports.spreadsheets`): an apostrophe before it in CSV (which the import removes),
a string cell with Excel's quote prefix in XLSX. Numbers, negative ones included, stay numbers.
"""

import csv
import io
from decimal import Decimal

from django.utils import translation
from openpyxl import Workbook

from pim.catalog.models import AttributeType
from pim.catalog.units import format_number, round_significant

from .layout import (
    COMMERCIAL_COLUMNS,
    FIELD_COLUMNS,
    LIST_SEPARATOR,
    LOCALIZED_COLUMNS,
    PRICE_COLUMNS,
    REFERENCE_COLUMNS,
    REFERENCE_KINDS,
    Column,
)
from .models import NumberFormat, RunKind, UnitPlacement
from .source import ExportRecord, plain_number
from .spreadsheets import csv_text, xlsx_text
from .writers import BaseWriter


class TabularLayout:
    """Columns of a channel and the typed cells of each record."""

    def __init__(self, context, *, delta: bool):
        self.context = context
        self.delta = delta
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


class _TabularWriter(BaseWriter):
    def prepare(self):
        self.layout = TabularLayout(self.context, delta=self.is_delta)

    def rows(self, items):
        for record in items:
            yield self.layout.row(record)


class CsvWriter(_TabularWriter):
    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def text(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
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
        sheet = workbook.create_sheet(title="Products" if self.kind == RunKind.FULL else "Changes")
        sheet.freeze_panes = "A2"
        sheet.append([xlsx_text(sheet, header) for header in self.layout.headers])
        for row in self.rows(items):
            sheet.append([self.cell(sheet, value) for value in row])
        workbook.save(stream)
