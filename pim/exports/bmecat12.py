"""BMEcat 1.2 for receivers that still require it.

1.2 differs from 2005 in ways that matter here: one language per catalog (the channel's
first language; texts missing in it fall back along the catalog's fallback chain so the
mandatory short description is never empty), ARTICLE instead of PRODUCT, one namespace per
transaction, an 80-character DESCRIPTION_SHORT, no "on request" price (an article without a
list price in the channel currency is skipped and listed), and identity constraints
(a feature name once per feature block, each value once per feature).

Trade data: 1.2 has places for the delivery time (DELIVERY_TIME, working days), dangerous
goods (SPECIAL_TREATMENT_CLASS, written as in BMEcat 2005: ``type="UN"`` with the UN number,
``type="ADR"`` with the class) and keywords (KEYWORD in the catalog's language only, each
once: the schema makes a repeated keyword invalid). It has no logistic details (customs
tariff number, origin, weights, dimensions), no packing units and no element for brand,
discount group or declarations; nothing is invented for them.
"""

import json
import tempfile

from django.utils.translation import gettext as _

from pim.catalog.localization import localize
from pim.catalog.models import AttributeType

from .bmecat import (
    GENERATOR,
    REFERENCE_TYPES,
    ROOT_GROUP_ID,
    SUPPLIER_PID_MAX,
    _validity_groups,
    write_price_validity,
    write_trade_details,
)
from .models import RunKind
from .source import ExportRecord, Feature, plain_number
from .writers import BaseWriter, schema_unit_codes
from .xml import StreamOut, bmecat_language, clean_text, clip

NS_12 = {
    RunKind.FULL: "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog",
    RunKind.DELTA: "http://www.bmecat.org/XMLSchema/1.2/bmecat_update_products",
    RunKind.PRICES: "http://www.bmecat.org/XMLSchema/1.2/bmecat_update_prices",
}
SCHEMAS_12 = {
    RunKind.FULL: "bmecat/1.2/bmecat_new_catalog_1_2.xsd",
    RunKind.DELTA: "bmecat/1.2/bmecat_update_products_1_2.xsd",
    RunKind.PRICES: "bmecat/1.2/bmecat_update_prices_1_2.xsd",
}
PURPOSES_12 = {"thumbnail", "normal", "detail", "data_sheet", "logo", "others"}


class Bmecat12Writer(BaseWriter):
    extension = "xml"
    content_type = "application/xml"
    kinds = (RunKind.FULL, RunKind.DELTA, RunKind.PRICES)

    @property
    def requires_items(self):
        return self.is_delta

    @property
    def namespace(self) -> str:
        return NS_12[self.kind]

    @property
    def language(self) -> str:
        return self.context.default_language

    def text(self, record: ExportRecord, field_name: str) -> str:
        product = record.product
        if product is None:
            return ""
        exact = record.text(field_name, self.language)
        if exact or field_name != "name":
            return exact
        return product.display_name(self.language)

    def problems(self, record: ExportRecord) -> list[str]:
        issues = []
        if len(record.article_number) > SUPPLIER_PID_MAX:
            issues.append(
                _("The article number has %(count)s characters; BMEcat allows %(max)s (SUPPLIER_AID).")
                % {"count": len(record.article_number), "max": SUPPLIER_PID_MAX}
            )
        if record.is_deletion or record.product is None:
            return issues
        if not record.prices:
            issues.append(
                _("The product has no list price in %(currency)s; BMEcat 1.2 needs a price amount.")
                % {"currency": self.context.currency}
            )
        if self.kind == RunKind.PRICES:
            return issues
        if not clean_text(self.text(record, "name")):
            issues.append(_("The product has no name (DESCRIPTION_SHORT is required)."))
        units = schema_unit_codes(SCHEMAS_12[RunKind.FULL])
        product = record.product
        for label, code in ((_("order unit"), product.order_unit), (_("content unit"), product.content_unit)):
            if units is not None and code not in units:
                issues.append(
                    _("The %(field)s “%(code)s” is not a unit code BMEcat 1.2 accepts (e.g. C62 for piece).")
                    % {"field": label, "code": code}
                )
        for entry in record.mime:
            source = entry.bmecat_file()[0]
            if len(source) > 250:
                issues.append(
                    _("The asset reference %(source)s is longer than 250 characters.")
                    % {"source": source[:60] + "…"}
                )
        return issues

    # -- document ----------------------------------------------------------------------
    def write(self, stream, items) -> None:
        out_class = self.out_class or StreamOut
        transaction = {
            RunKind.FULL: "T_NEW_CATALOG",
            RunKind.DELTA: "T_UPDATE_PRODUCTS",
            RunKind.PRICES: "T_UPDATE_PRICES",
        }[self.kind]
        attrs = {"prev_version": str(self.prev_version)} if self.is_delta else {}
        with (
            tempfile.TemporaryFile("w+", encoding="utf-8") as group_map,
            out_class.document(stream, self.namespace, "BMECAT", {"version": "1.2"}) as out,
        ):
            self.write_header(out)
            with out.el(transaction, attrs):
                if self.kind == RunKind.FULL:
                    self.write_group_system(out)
                group_ids = self.context.category_group_ids()
                for record in items:
                    if self.kind == RunKind.PRICES:
                        with out.el("ARTICLE", {"mode": "update"}):
                            out.leaf("SUPPLIER_AID", record.article_number)
                            self.write_prices(out, record)
                        continue
                    self.write_article(out, record)
                    if not record.is_deletion:
                        for category_id in record.category_ids:
                            if category_id in group_ids:
                                group_map.write(
                                    json.dumps([record.article_number, group_ids[category_id]]) + "\n"
                                )
                if self.kind != RunKind.PRICES:
                    group_map.seek(0)
                    seen = set()
                    for line in group_map:
                        pair = tuple(json.loads(line))
                        if pair in seen:  # key (ART_ID, CATALOG_GROUP_ID) is unique
                            continue
                        seen.add(pair)
                        map_attrs = {"mode": "new"} if self.is_delta else None
                        with out.el("ARTICLE_TO_CATALOGGROUP_MAP", map_attrs):
                            out.leaf("ART_ID", pair[0])
                            out.leaf("CATALOG_GROUP_ID", pair[1])

    def write_header(self, out) -> None:
        channel = self.channel
        with out.el("HEADER"):
            out.leaf("GENERATOR_INFO", GENERATOR)
            with out.el("CATALOG"):
                out.leaf("LANGUAGE", bmecat_language(self.language))
                out.leaf("CATALOG_ID", channel.effective_catalog_id)
                out.leaf("CATALOG_VERSION", self.catalog_version)
                out.leaf("CATALOG_NAME", clip(channel.catalog_name or channel.name, 100))
                generated = self.generated_at.astimezone()
                with out.el("DATETIME", {"type": "generation_date"}):
                    out.leaf("DATE", generated.date().isoformat())
                    out.leaf("TIME", generated.strftime("%H:%M:%S"))
                    out.leaf("TIMEZONE", generated.strftime("%z")[:3] + ":" + generated.strftime("%z")[3:])
                if channel.territory:
                    out.leaf("TERRITORY", channel.territory)
                out.leaf("CURRENCY", channel.currency)
                if channel.media_base_url:
                    out.leaf("MIME_ROOT", clip(channel.media_base_url, 100))
            if channel.buyer_name:
                with out.el("BUYER"):
                    if channel.buyer_id:
                        out.leaf("BUYER_ID", channel.buyer_id, {"type": "buyer_specific"})
                    out.leaf("BUYER_NAME", clip(channel.buyer_name, 50))
            with out.el("SUPPLIER"):
                if channel.supplier_id:
                    out.leaf("SUPPLIER_ID", channel.supplier_id, {"type": channel.supplier_id_type})
                out.leaf("SUPPLIER_NAME", clip(channel.supplier_name, 50))

    def write_group_system(self, out) -> None:
        categories = self.context.categories()
        if not categories:
            return
        ids = self.context.category_group_ids()
        parents = {category.parent_id for category in categories}
        name = clip(self.channel.catalog_name or self.channel.name, 50)
        with out.el("CATALOG_GROUP_SYSTEM"):
            out.leaf("GROUP_SYSTEM_ID", self.channel.effective_catalog_id)
            out.leaf("GROUP_SYSTEM_NAME", name)
            with out.el("CATALOG_STRUCTURE", {"type": "root"}):
                out.leaf("GROUP_ID", ROOT_GROUP_ID)
                out.leaf("GROUP_NAME", name)
                out.leaf("PARENT_ID", "0")
            for order, category in enumerate(categories, 1):
                with out.el("CATALOG_STRUCTURE", {"type": "node" if category.pk in parents else "leaf"}):
                    out.leaf("GROUP_ID", ids[category.pk])
                    out.leaf("GROUP_NAME", clip(localize(category.name, self.language) or category.code, 50))
                    description = clean_text(localize(category.description, self.language))
                    if description:
                        out.leaf("GROUP_DESCRIPTION", clip(description, 250))
                    out.leaf("PARENT_ID", ids.get(category.parent_id, ROOT_GROUP_ID))
                    out.leaf("GROUP_ORDER", str(order))

    # -- articles ----------------------------------------------------------------------
    def write_article(self, out, record: ExportRecord) -> None:
        attrs = {"mode": record.action} if self.is_delta else None
        product = record.product
        with out.el("ARTICLE", attrs):
            out.leaf("SUPPLIER_AID", record.article_number)
            with out.el("ARTICLE_DETAILS"):
                name = clean_text(self.text(record, "name")) or record.article_number
                out.leaf("DESCRIPTION_SHORT", clip(name, 80))
                if product is not None and not record.is_deletion:
                    long_text = self.text(record, "long_description") or self.text(
                        record, "short_description"
                    )
                    if clean_text(long_text):
                        out.leaf("DESCRIPTION_LONG", clip(long_text, 64000))
                    if product.gtin:
                        out.leaf("EAN", product.gtin)
                    if product.manufacturer_pid:
                        out.leaf("MANUFACTURER_AID", clip(product.manufacturer_pid, 50))
                    if product.manufacturer_name:
                        out.leaf("MANUFACTURER_NAME", clip(product.manufacturer_name, 50))
                    write_trade_details(out, record, [self.language])
            if product is not None and not record.is_deletion:
                self.write_features(out, record)
            with out.el("ARTICLE_ORDER_DETAILS"):
                if product is None:
                    out.leaf("ORDER_UNIT", "C62")
                else:
                    out.leaf("ORDER_UNIT", product.order_unit)
                    out.leaf("CONTENT_UNIT", product.content_unit)
                    out.leaf("NO_CU_PER_OU", plain_number(product.content_quantity))
                    out.leaf("PRICE_QUANTITY", plain_number(product.price_quantity))
                    out.leaf("QUANTITY_MIN", plain_number(product.min_order_quantity))
                    out.leaf("QUANTITY_INTERVAL", plain_number(product.order_quantity_step))
            self.write_prices(out, record)
            if not record.is_deletion:
                self.write_mime(out, record)
                self.write_references(out, record)

    def write_prices(self, out, record: ExportRecord) -> None:
        groups = _validity_groups(record.prices) if not record.is_deletion else []
        if not groups:
            # Deletions only (problems() rejects articles without price): a zero price.
            with out.el("ARTICLE_PRICE_DETAILS"), out.el("ARTICLE_PRICE", {"price_type": "net_list"}):
                out.leaf("PRICE_AMOUNT", "0")
            return
        for (start, end), prices in groups:
            with out.el("ARTICLE_PRICE_DETAILS"):
                write_price_validity(out, start, end)
                for price in prices:
                    with out.el("ARTICLE_PRICE", {"price_type": price.price_type}):
                        out.leaf("PRICE_AMOUNT", plain_number(price.amount))
                        out.leaf("PRICE_CURRENCY", price.currency)
                        out.leaf("TAX", plain_number(price.tax_rate))
                        out.leaf("LOWER_BOUND", plain_number(price.min_quantity))

    # -- features ----------------------------------------------------------------------
    def _values(self, feature: Feature, coded: bool) -> list[str]:
        kind = feature.type
        if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            if coded:
                values = [self.context.option_code(option) for option in feature.options()]
                return values if all(values) else []
            return [localize(option.name, self.language) or option.code for option in feature.options()]
        if kind == AttributeType.BOOLEAN:
            value = feature.boolean()
            return [] if value is None else ["true" if value else "false"]
        if kind == AttributeType.NUMBER:
            return [plain_number(n) for n in feature.numbers()]
        if kind == AttributeType.RANGE:
            low, high = feature.range_bounds()
            if coded and (low is None or high is None):
                return []
            return [plain_number(v) for v in (low, high) if v is not None]
        if feature.attribute.localizable:
            text = localize(feature.rows[0].text_localized, self.language)
        else:
            text = feature.text(self.language)
        return [text] if clean_text(text) else []

    def write_features(self, out, record: ExportRecord) -> None:
        family = record.product.family
        class_code = self.context.class_code(family)
        coded, other = [], []
        for feature in self.context.features(record):
            values = self._values(feature, coded=True) if feature.code and class_code else []
            if values:
                coded.append((feature, feature.code, values))
            elif self.context.include_other_attributes:
                values = self._values(feature, coded=False)
                if values:
                    label = feature.name if feature.name != feature.attribute.code else None
                    label = label or localize(feature.attribute.name, self.language) or feature.attribute.code
                    other.append((feature, label, values))
        if coded:
            with out.el("ARTICLE_FEATURES"):
                out.leaf("REFERENCE_FEATURE_SYSTEM_NAME", self.context.system_name(family))
                out.leaf("REFERENCE_FEATURE_GROUP_ID", class_code)
                self._features(out, coded, unit_code=True)
        if other:
            with out.el("ARTICLE_FEATURES"):
                self._features(out, other, unit_code=False)

    def _features(self, out, rows, *, unit_code: bool) -> None:
        seen_names = set()
        for order, (feature, name, values) in enumerate(rows, 1):
            name = clip(name, 60)
            if name in seen_names:  # FNAME is unique within a feature block
                continue
            seen_names.add(name)
            with out.el("FEATURE"):
                out.leaf("FNAME", name)
                seen_values = set()
                for value in values:
                    value = clip(value, 60)
                    if value not in seen_values:  # each FVALUE once per feature
                        seen_values.add(value)
                        out.leaf("FVALUE", value)
                unit = feature.unit
                if unit is not None:
                    code = (
                        (unit.etim_code or unit.unece_code)
                        if (unit_code and self.context.feature_system == "etim")
                        else ""
                    )
                    code = code or unit.unece_code or unit.symbol
                    if code:
                        out.leaf("FUNIT", clip(code, 20))
                out.leaf("FORDER", str(order))

    # -- media and references ----------------------------------------------------------
    def write_mime(self, out, record: ExportRecord) -> None:
        if not record.mime:
            return
        with out.el("MIME_INFO"):
            for position, entry in enumerate(record.mime, 1):
                # A picture goes out as its JPEG rendition, as in BMEcat 2005: receivers of
                # 1.2 know image/jpeg, not PNG or WebP.
                source, mime_type = entry.bmecat_file()
                with out.el("MIME"):
                    if mime_type:
                        out.leaf("MIME_TYPE", clip(mime_type, 30))
                    out.leaf("MIME_SOURCE", source)
                    text = (
                        clean_text(localize(entry.descriptions, self.language)) if entry.descriptions else ""
                    )
                    if text:
                        out.leaf("MIME_DESCR", clip(text, 250))
                    out.leaf("MIME_PURPOSE", entry.bmecat_purpose(PURPOSES_12))
                    out.leaf("MIME_ORDER", str(entry.order if entry.order is not None else position))

    def write_references(self, out, record: ExportRecord) -> None:
        seen = set()
        for reference in record.references:
            kind = REFERENCE_TYPES[reference.kind]
            if (kind, reference.article_number) in seen or len(reference.article_number) > SUPPLIER_PID_MAX:
                continue
            seen.add((kind, reference.article_number))
            attrs = {"type": kind}
            quantity = reference.quantity
            if quantity is not None and quantity == quantity.to_integral_value() and quantity > 0:
                attrs["quantity"] = str(int(quantity))
            with out.el("ARTICLE_REFERENCE", attrs):
                out.leaf("ART_ID_TO", reference.article_number)
