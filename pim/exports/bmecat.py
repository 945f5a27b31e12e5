"""BMEcat 2005 and its ETIM guideline 5.0 variant, streamed.

BMEcat 2005 (``http://www.bmecat.org/bmecat/2005``): T_NEW_CATALOG with the category tree as
CATALOG_GROUP_SYSTEM, T_UPDATE_PRODUCTS (new/update/delete) and T_UPDATE_PRICES for deltas.

ETIM BMEcat guideline 5.0 (``https://www.etim-international.com/bmecat/50``): the ETIM
profile of BMEcat 2005 — a buyer in the header, UDX.EDXF extensions, every product classified
in ETIM with coded features, no catalog group system.

Features: a product's attributes that have a code in the channel's feature system (ETIM EF…
with EV… values, or ECLASS) go into a PRODUCT_FEATURES block named after the system
(``ETIM-6.0``) and classed by the family (EC…); numbers are converted from the canonical value
into the unit of the feature (the family's unit, which the ETIM import sets to the ETIM
unit). Other attributes go into a second block of the catalog's own features with localized
names and values (not in the ETIM guideline variant).
"""

import json
import tempfile
from itertools import groupby

from django.utils import translation
from django.utils.translation import gettext as _

from pim.catalog.localization import localize
from pim.catalog.models import AttributeType, Lifecycle

from .mime import bmecat2005_mime_type
from .models import RunKind
from .source import ACTION_DELETE, ExportRecord, Feature, plain_number
from .writers import BaseWriter, schema_unit_codes
from .xml import StreamOut, bmecat_language, clean_text, clip

NS_2005 = "http://www.bmecat.org/bmecat/2005"
NS_ETIM_50 = "https://www.etim-international.com/bmecat/50"
GENERATOR = "PIM (open-source product information management)"
ROOT_GROUP_ID = "ROOT"

REFERENCE_TYPES = {
    "accessory": "accessories",
    "spare_part": "sparepart",
    "replacement": "similar",
    "compatible": "others",
    "successor": "followup",
}

SUPPLIER_PID_MAX = 32


def write_price_validity(out, start, end) -> None:
    """``DATETIME type="valid_start_date"``/``valid_end_date`` of a price block: the form every
    BMEcat version has and receivers read (BMEcat 1.2, 2005 and the ETIM guideline)."""
    if start:
        with out.el("DATETIME", {"type": "valid_start_date"}):
            out.leaf("DATE", start.isoformat())
    if end:
        with out.el("DATETIME", {"type": "valid_end_date"}):
            out.leaf("DATE", end.isoformat())


def _validity_groups(prices):
    """Prices grouped by validity period (one PRODUCT_PRICE_DETAILS each)."""
    ordered = sorted(
        prices,
        key=lambda p: (str(p.valid_from or ""), str(p.valid_to or ""), p.price_type, p.min_quantity),
    )
    return [(key, list(group)) for key, group in groupby(ordered, key=lambda p: (p.valid_from, p.valid_to))]


class Bmecat2005Writer(BaseWriter):
    extension = "xml"
    content_type = "application/xml"
    namespace = NS_2005
    schema = "bmecat/2005/bmecat_2005.xsd"
    kinds = (RunKind.FULL, RunKind.DELTA, RunKind.PRICES)
    version = "2005"
    supports_group_system = True

    @property
    def requires_items(self):
        return self.is_delta  # T_UPDATE_PRODUCTS / T_UPDATE_PRICES need at least one PRODUCT

    # -- checks ------------------------------------------------------------------------
    def problems(self, record: ExportRecord) -> list[str]:
        issues = []
        if len(record.article_number) > SUPPLIER_PID_MAX:
            issues.append(
                _("The article number has %(count)s characters; BMEcat allows %(max)s (SUPPLIER_PID).")
                % {"count": len(record.article_number), "max": SUPPLIER_PID_MAX}
            )
        if record.is_deletion or record.product is None:
            return issues
        product = record.product
        if self.kind != RunKind.PRICES:
            if not self._short_descriptions(record):
                issues.append(_("The product has no name in any language (DESCRIPTION_SHORT is required)."))
            units = schema_unit_codes(self.schema)
            for label, code in (
                (_("order unit"), product.order_unit),
                (_("content unit"), product.content_unit),
            ):
                if units is not None and code not in units:
                    issues.append(
                        _(
                            "The %(field)s “%(code)s” is not a unit code the %(format)s schema accepts (e.g. C62 for piece)."
                        )
                        % {"field": label, "code": code, "format": self.format_label}
                    )
            for entry in record.mime:
                source = self.mime_file(entry)[0]
                if len(source) > self.mime_source_max:
                    issues.append(
                        _("The asset reference %(source)s is longer than %(max)s characters.")
                        % {"source": source[:60] + "…", "max": self.mime_source_max}
                    )
        return issues

    format_label = "BMEcat 2005"
    mime_source_max = 255

    # -- document ----------------------------------------------------------------------
    def write(self, stream, items) -> None:
        out_class = self.out_class or StreamOut
        with (
            tempfile.TemporaryFile("w+", encoding="utf-8") as group_map,
            out_class.document(stream, self.namespace, "BMECAT", {"version": self.version}) as out,
        ):
            self.write_header(out)
            with out.el(self.transaction_element(), self.transaction_attrs()):
                if self.kind == RunKind.FULL and self.supports_group_system:
                    self.write_group_system(out)
                group_ids = self.context.category_group_ids() if self.supports_group_system else {}
                for record in items:
                    if self.kind == RunKind.PRICES:
                        self.write_price_update(out, record)
                        continue
                    self.write_product(out, record)
                    if not record.is_deletion:
                        for category_id in record.category_ids:
                            if category_id in group_ids:
                                group_map.write(
                                    json.dumps([record.article_number, group_ids[category_id]]) + "\n"
                                )
                if self.kind != RunKind.PRICES and self.supports_group_system:
                    self.write_group_map(out, group_map)

    def transaction_element(self) -> str:
        return {
            RunKind.FULL: "T_NEW_CATALOG",
            RunKind.DELTA: "T_UPDATE_PRODUCTS",
            RunKind.PRICES: "T_UPDATE_PRICES",
        }[self.kind]

    def transaction_attrs(self) -> dict:
        return {"prev_version": str(self.prev_version)} if self.is_delta else {}

    def lang(self, language: str) -> dict:
        return {"lang": bmecat_language(language)}

    def write_header(self, out) -> None:
        channel = self.channel
        with out.el("HEADER"):
            out.leaf("GENERATOR_INFO", GENERATOR)
            with out.el("CATALOG"):
                self.write_catalog_fields(out)
            if channel.buyer_name:
                with out.el("BUYER"):
                    if channel.buyer_id:
                        out.leaf("BUYER_ID", channel.buyer_id, {"type": "buyer_specific"})
                    out.leaf("BUYER_NAME", clip(channel.buyer_name, 50))
            self.write_supplier(out)

    def write_catalog_fields(self, out) -> None:
        channel = self.channel
        for index, language in enumerate(self.context.languages):
            out.leaf("LANGUAGE", bmecat_language(language), {"default": "true"} if index == 0 else None)
        out.leaf("CATALOG_ID", channel.effective_catalog_id)
        out.leaf("CATALOG_VERSION", self.catalog_version)
        out.leaf("CATALOG_NAME", clip(channel.catalog_name or channel.name, 100))
        out.leaf("GENERATION_DATE", self.generated_at.astimezone().isoformat(timespec="seconds"))
        if channel.territory:
            out.leaf("TERRITORY", channel.territory)
        out.leaf("CURRENCY", channel.currency)
        if channel.media_base_url:
            out.leaf("MIME_ROOT", clip(channel.media_base_url, 250))

    def write_supplier(self, out) -> None:
        channel = self.channel
        with out.el("SUPPLIER"):
            if channel.supplier_id:
                out.leaf("SUPPLIER_ID", channel.supplier_id, {"type": channel.supplier_id_type})
            out.leaf("SUPPLIER_NAME", clip(channel.supplier_name, 50))

    # -- category tree -----------------------------------------------------------------
    def write_group_system(self, out) -> None:
        categories = self.context.categories()
        if not categories:
            return
        ids = self.context.category_group_ids()
        parents = {category.parent_id for category in categories}
        with out.el("CATALOG_GROUP_SYSTEM"):
            out.leaf("GROUP_SYSTEM_ID", self.channel.effective_catalog_id)
            out.leaf("GROUP_SYSTEM_NAME", clip(self.channel.catalog_name or self.channel.name, 50))
            with out.el("CATALOG_STRUCTURE", {"type": "root"}):
                out.leaf("GROUP_ID", ROOT_GROUP_ID)
                out.leaf("GROUP_NAME", clip(self.channel.catalog_name or self.channel.name, 50))
                out.leaf("PARENT_ID", "0")
            for order, category in enumerate(categories, 1):
                kind = "node" if category.pk in parents else "leaf"
                with out.el("CATALOG_STRUCTURE", {"type": kind}):
                    out.leaf("GROUP_ID", ids[category.pk])
                    names = [(lang, (category.name or {}).get(lang)) for lang in self.context.languages]
                    names = [(lang, name) for lang, name in names if name and clean_text(name)]
                    for language, name in names:
                        out.leaf("GROUP_NAME", clip(name, 50), self.lang(language))
                    if not names:
                        out.leaf("GROUP_NAME", clip(localize(category.name) or category.code, 50))
                    for language in self.context.languages:
                        text = clean_text((category.description or {}).get(language, ""))
                        if text:
                            out.leaf("GROUP_DESCRIPTION", clip(text, 250), self.lang(language))
                    out.leaf("PARENT_ID", ids.get(category.parent_id, ROOT_GROUP_ID))
                    out.leaf("GROUP_ORDER", str(order))

    def write_group_map(self, out, group_map) -> None:
        group_map.seek(0)
        attrs = {"mode": "new"} if self.is_delta else None
        for line in group_map:
            article_number, group = json.loads(line)
            with out.el("PRODUCT_TO_CATALOGGROUP_MAP", attrs):
                out.leaf("PROD_ID", article_number)
                out.leaf("CATALOG_GROUP_ID", group)

    # -- products ----------------------------------------------------------------------
    def write_product(self, out, record: ExportRecord) -> None:
        attrs = {"mode": record.action} if self.is_delta else None
        with out.el("PRODUCT", attrs):
            out.leaf("SUPPLIER_PID", record.article_number)
            self.write_details(out, record)
            if record.product is not None and not record.is_deletion:
                self.write_features(out, record)
            self.write_order_details(out, record)
            self.write_price_details(out, record)
            if not record.is_deletion:
                self.write_product_media(out, record)
                self.write_references(out, record)

    def write_product_media(self, out, record: ExportRecord) -> None:
        """Where a product's documents go: MIME_INFO here; the ETIM guideline puts them in
        its user-defined extensions."""
        self.write_mime(out, record)

    def _short_descriptions(self, record) -> list[tuple[str, str]]:
        return [(lang, record.name(lang)) for lang in self.context.languages if clean_text(record.name(lang))]

    def write_descriptions(self, out, record: ExportRecord) -> None:
        names = self._short_descriptions(record)
        for language, name in names:
            out.leaf("DESCRIPTION_SHORT", clip(name, 150), self.lang(language))
        if not names:
            # Only deletions get here (problems() rejects others): the receiver needs the id.
            fallback = record.product.display_name() if record.product else ""
            out.leaf("DESCRIPTION_SHORT", clip(fallback or record.article_number, 150))
        if record.product is None or record.is_deletion:
            return
        for language in self.context.languages:
            text = record.text("long_description", language) or record.text("short_description", language)
            if clean_text(text):
                out.leaf("DESCRIPTION_LONG", clip(text, 64000), self.lang(language))

    def write_details(self, out, record: ExportRecord) -> None:
        product = record.product
        with out.el("PRODUCT_DETAILS"):
            self.write_descriptions(out, record)
            if product is None or record.is_deletion:
                return
            if product.gtin:
                out.leaf("INTERNATIONAL_PID", product.gtin, {"type": "gtin"})
            if product.manufacturer_pid:
                out.leaf("MANUFACTURER_PID", clip(product.manufacturer_pid, 50))
            if product.manufacturer_name:
                out.leaf("MANUFACTURER_NAME", clip(product.manufacturer_name, 50))
            self.write_status(out, record)
            self.write_product_type(out)

    def write_product_type(self, out) -> None:
        """The ETIM guideline adds PRODUCT_TYPE; plain BMEcat 2005 has none here."""

    def write_status(self, out, record) -> None:
        if record.product.lifecycle != Lifecycle.PHASE_OUT:
            return
        for language in self.context.languages:
            with translation.override(language):
                text = _("Phase-out product")
            out.leaf("PRODUCT_STATUS", text, {"type": "old_product", **self.lang(language)})

    # -- features ----------------------------------------------------------------------
    def system_values(self, feature: Feature) -> list[str] | None:
        """Values of ``feature`` in the feature system (codes, numbers, true/false), or None
        when the system cannot express them (e.g. an option without a code)."""
        kind = feature.type
        if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            codes = [self.context.option_code(option) for option in feature.options()]
            return codes if codes and all(codes) else None
        if kind == AttributeType.BOOLEAN:
            value = feature.boolean()
            return None if value is None else ["true" if value else "false"]
        if kind == AttributeType.NUMBER:
            numbers = feature.numbers()
            return [plain_number(numbers[0])] if numbers else None
        if kind == AttributeType.RANGE:
            low, high = feature.range_bounds()
            if low is None or high is None:
                return None
            return [plain_number(low), plain_number(high)]
        text = clean_text(feature.text(self.context.default_language))
        return [clip(text, 60)] if text else None

    def system_unit(self, feature: Feature) -> str:
        unit = feature.unit
        if unit is None:
            return ""
        if self.context.feature_system == "etim":
            return unit.etim_code or unit.unece_code
        return unit.unece_code

    def split_features(self, record: ExportRecord):
        """(features in the feature system with their values, other features)."""
        class_code = self.context.class_code(record.product.family)
        coded, other = [], []
        for feature in self.context.features(record):
            values = self.system_values(feature) if (feature.code and class_code) else None
            if values is not None:
                coded.append((feature, values))
            else:
                other.append(feature)
        return class_code, coded, other

    def write_features(self, out, record: ExportRecord) -> None:
        class_code, coded, other = self.split_features(record)
        family = record.product.family
        if coded:
            with out.el("PRODUCT_FEATURES"):
                out.leaf("REFERENCE_FEATURE_SYSTEM_NAME", self.context.system_name(family))
                out.leaf("REFERENCE_FEATURE_GROUP_ID", class_code)
                for order, (feature, values) in enumerate(coded, 1):
                    with out.el("FEATURE"):
                        out.leaf("FNAME", feature.code)
                        for value in values:
                            out.leaf("FVALUE", value)
                        unit = self.system_unit(feature)
                        if unit:
                            out.leaf("FUNIT", unit)
                        out.leaf("FORDER", str(order))
        if other and self.context.include_other_attributes:
            self.write_own_features(out, other)

    def write_own_features(self, out, features: list[Feature]) -> None:
        languages = self.context.languages
        rows = [(feature, self.own_values(feature)) for feature in features]
        rows = [(feature, values) for feature, values in rows if values]
        if not rows:
            return
        with out.el("PRODUCT_FEATURES"):
            for order, (feature, values) in enumerate(rows, 1):
                with out.el("FEATURE"):
                    if feature.name != feature.attribute.code:
                        out.leaf("FNAME", clip(feature.name, 60))
                    else:
                        labels = [(lang, (feature.attribute.name or {}).get(lang)) for lang in languages]
                        labels = [(lang, label) for lang, label in labels if label and clean_text(label)]
                        for language, label in labels:
                            out.leaf("FNAME", clip(label, 60), self.lang(language))
                        if not labels:
                            out.leaf("FNAME", clip(feature.attribute.code, 60))
                    for value, language in values:
                        out.leaf("FVALUE", clip(value, 60), self.lang(language) if language else None)
                    unit = feature.unit
                    if unit is not None and (unit.unece_code or unit.symbol):
                        out.leaf("FUNIT", clip(unit.unece_code or unit.symbol, 20))
                    out.leaf("FORDER", str(order))

    def own_values(self, feature: Feature) -> list[tuple[str, str | None]]:
        """(value, language or None) pairs of an attribute outside the feature system."""
        kind = feature.type
        languages = self.context.languages
        if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
            pairs = []
            for option in feature.options():
                labels = [(option.name or {}).get(lang) for lang in languages]
                if any(labels):
                    pairs += [(label, lang) for label, lang in zip(labels, languages, strict=True) if label]
                else:
                    pairs.append((option.code, None))
            return pairs
        if kind == AttributeType.BOOLEAN:
            value = feature.boolean()
            return [] if value is None else [("true" if value else "false", None)]
        if kind in (AttributeType.NUMBER, AttributeType.RANGE):
            return [(plain_number(number), None) for number in feature.numbers()]
        if feature.attribute.localizable:
            return [(feature.text(lang), lang) for lang in languages if clean_text(feature.text(lang))]
        text = clean_text(feature.text(self.context.default_language))
        return [(text, None)] if text else []

    # -- commercial --------------------------------------------------------------------
    def write_order_details(self, out, record: ExportRecord) -> None:
        product = record.product
        with out.el("PRODUCT_ORDER_DETAILS"):
            if product is None:
                out.leaf("ORDER_UNIT", "C62")
                return
            out.leaf("ORDER_UNIT", product.order_unit)
            out.leaf("CONTENT_UNIT", product.content_unit)
            out.leaf("NO_CU_PER_OU", plain_number(product.content_quantity))
            out.leaf("PRICE_QUANTITY", plain_number(product.price_quantity))
            out.leaf("QUANTITY_MIN", plain_number(product.min_order_quantity))
            out.leaf("QUANTITY_INTERVAL", plain_number(product.order_quantity_step))

    def price_type(self, price) -> str:
        return price.price_type

    def write_price_details(self, out, record: ExportRecord) -> None:
        groups = _validity_groups(record.prices) if record.action != ACTION_DELETE else []
        if not groups:
            with out.el("PRODUCT_PRICE_DETAILS"), out.el("PRODUCT_PRICE", {"price_type": "on_request"}):
                pass
            return
        for (start, end), prices in groups:
            with out.el("PRODUCT_PRICE_DETAILS"):
                self.write_validity(out, start, end)
                for price in prices:
                    self.write_price(out, price)

    def write_validity(self, out, start, end) -> None:
        """A price block's validity as ``DATETIME type="valid_start_date"``/``valid_end_date``.

        The 2005 schema also allows VALID_START_DATE/VALID_END_DATE here, but receivers read
        only the DATETIME form (the one BMEcat 1.2 and the ETIM guideline use): with the other
        they ignore the dates and see a current and a future block as two conflicting prices."""
        write_price_validity(out, start, end)

    def write_price(self, out, price) -> None:
        with out.el("PRODUCT_PRICE", {"price_type": self.price_type(price)}):
            out.leaf("PRICE_AMOUNT", plain_number(price.amount))
            out.leaf("PRICE_CURRENCY", price.currency)
            out.leaf("TAX", plain_number(price.tax_rate))
            out.leaf("LOWER_BOUND", plain_number(price.min_quantity))

    def write_price_update(self, out, record: ExportRecord) -> None:
        with out.el("PRODUCT"):
            out.leaf("SUPPLIER_PID", record.article_number)
            self.write_price_details(out, record)

    # -- media and references ----------------------------------------------------------
    def write_mime(self, out, record: ExportRecord) -> None:
        if not record.mime:
            return
        with out.el("MIME_INFO"):
            for position, entry in enumerate(record.mime, 1):
                source, mime_type = self.mime_file(entry)
                with out.el("MIME"):
                    # Always a MIME_TYPE: a widely used reader drops media without one.
                    mime_type = bmecat2005_mime_type(mime_type)
                    if mime_type:
                        out.leaf("MIME_TYPE", mime_type)
                    out.leaf("MIME_SOURCE", source)
                    for language in self.context.languages:
                        text = clean_text(entry.descriptions.get(language, ""))
                        if text:
                            out.leaf("MIME_DESCR", clip(text, 250), self.lang(language))
                    out.leaf("MIME_PURPOSE", entry.bmecat_purpose())
                    out.leaf("MIME_ORDER", str(entry.order if entry.order is not None else position))

    def mime_file(self, entry) -> tuple[str, str]:
        """(source, media type) a MIME element names: a picture's JPEG rendition (the
        schema has no image/png or image/webp), else the file itself."""
        return entry.bmecat_file()

    def reference_items(self, record: ExportRecord):
        seen = set()
        for reference in record.references:
            kind = REFERENCE_TYPES[reference.kind]
            if (kind, reference.article_number) in seen:
                continue
            seen.add((kind, reference.article_number))
            attrs = {"type": kind}
            quantity = reference.quantity
            if quantity is not None and quantity == quantity.to_integral_value() and quantity > 0:
                attrs["quantity"] = str(int(quantity))
            yield attrs, reference.article_number

    def write_references(self, out, record: ExportRecord) -> None:
        for attrs, article_number in self.reference_items(record):
            with out.el("PRODUCT_REFERENCE", attrs):
                out.leaf("PROD_ID_TO", article_number)


class BmecatEtimWriter(Bmecat2005Writer):
    """The ETIM BMEcat guideline 5.0 profile."""

    namespace = NS_ETIM_50
    schema = "bmecat/etim-guideline-5.0/bmecat_etim_50.xsd"
    supports_group_system = False
    requires_items = True  # T_NEW_CATALOG needs a product too
    format_label = "ETIM BMEcat 5.0"
    mime_source_max = 512
    ETIM_VERSION = "5.0"
    PRICE_TYPES = {"net_list": "net_list", "gros_list": "nrp"}
    PARTY_ID_TYPES = {"gln", "duns", "buyer_specific"}

    def problems(self, record: ExportRecord) -> list[str]:
        issues = super().problems(record)
        if record.is_deletion or record.product is None:
            return issues
        if self.kind != RunKind.PRICES and not record.product.family.etim_class_code:
            issues.append(
                _("The family %(family)s has no ETIM class; the ETIM guideline needs one.")
                % {"family": record.product.family.code}
            )
        if not record.prices:
            issues.append(
                _("The product has no list price in %(currency)s; the ETIM guideline needs one.")
                % {"currency": self.context.currency}
            )
        return issues

    def write_catalog_fields(self, out) -> None:
        channel = self.channel
        for index, language in enumerate(self.context.languages):
            out.leaf("LANGUAGE", bmecat_language(language), {"default": "true"} if index == 0 else None)
        out.leaf("CATALOG_ID", channel.effective_catalog_id)
        out.leaf("CATALOG_VERSION", self.catalog_version)
        out.leaf("CATALOG_NAME", clip(channel.catalog_name or channel.name, 100))
        with out.el("DATETIME", {"type": "generation_date"}):
            out.leaf("DATE", self.generated_at.astimezone().date().isoformat())
        if channel.territory:
            out.leaf("TERRITORY", channel.territory)
        out.leaf("CURRENCY", channel.currency)
        if channel.media_base_url:
            out.leaf("MIME_ROOT", clip(channel.media_base_url, 250))

    def write_header(self, out) -> None:
        channel = self.channel
        with out.el("HEADER"):
            out.leaf("GENERATOR_INFO", GENERATOR)
            with out.el("CATALOG"):
                self.write_catalog_fields(out)
            with out.el("BUYER"):
                if channel.buyer_id:
                    out.leaf("BUYER_ID", channel.buyer_id, {"type": "buyer_specific"})
                out.leaf("BUYER_NAME", clip(channel.buyer_name or "-", 50))
            with out.el("SUPPLIER"):
                if channel.supplier_id and channel.supplier_id_type in self.PARTY_ID_TYPES:
                    out.leaf("SUPPLIER_ID", channel.supplier_id, {"type": channel.supplier_id_type})
                out.leaf("SUPPLIER_NAME", clip(channel.supplier_name, 50))
            with out.el("USER_DEFINED_EXTENSIONS"):
                out.leaf("UDX.EDXF.VERSION", self.ETIM_VERSION)

    def write_product_media(self, out, record: ExportRecord) -> None:
        self.write_udx(out, record)

    def mime_file(self, entry) -> tuple[str, str]:
        # UDX.EDXF.MIME carries no media type: the original file goes out as it is.
        return entry.source, entry.mime_type

    def write_product_type(self, out) -> None:
        out.leaf("PRODUCT_TYPE", "physical")

    def write_features(self, out, record: ExportRecord) -> None:
        class_code, coded, _other = self.split_features(record)
        with out.el("PRODUCT_FEATURES"):
            out.leaf("REFERENCE_FEATURE_SYSTEM_NAME", self.context.system_name(record.product.family))
            out.leaf("REFERENCE_FEATURE_GROUP_ID", class_code)
            for feature, values in coded:
                with out.el("FEATURE"):
                    out.leaf("FNAME", feature.code)
                    for value in values:
                        out.leaf("FVALUE", value)

    def write_order_details(self, out, record: ExportRecord) -> None:
        product = record.product
        with out.el("PRODUCT_ORDER_DETAILS"):
            if product is None:
                out.leaf("ORDER_UNIT", "C62")
                out.leaf("CONTENT_UNIT", "C62")
                return
            out.leaf("ORDER_UNIT", product.order_unit)
            out.leaf("CONTENT_UNIT", product.content_unit)
            out.leaf("NO_CU_PER_OU", plain_number(product.content_quantity))
            out.leaf("PRICE_QUANTITY", plain_number(product.price_quantity))
            out.leaf("QUANTITY_MIN", plain_number(product.min_order_quantity))
            out.leaf("QUANTITY_INTERVAL", plain_number(product.order_quantity_step))

    def price_type(self, price) -> str:
        return self.PRICE_TYPES.get(price.price_type, "net_list")

    def write_price_details(self, out, record: ExportRecord) -> None:
        groups = _validity_groups(record.prices) if record.action != ACTION_DELETE else []
        if not groups:
            # A deletion: the guideline still wants a price block; zero marks "no price".
            with out.el("PRODUCT_PRICE_DETAILS"):
                with out.el("DATETIME", {"type": "valid_start_date"}):
                    out.leaf("DATE", self.context.today.isoformat())
                with out.el("PRODUCT_PRICE", {"price_type": "net_list"}):
                    out.leaf("PRICE_AMOUNT", "0")
            return
        for (start, end), prices in groups:
            with out.el("PRODUCT_PRICE_DETAILS"):
                # The guideline makes the start date mandatory: open-ended prices start today.
                self.write_validity(out, start or self.context.today, end)
                for price in prices:
                    self.write_price(out, price)

    def write_udx(self, out, record: ExportRecord) -> None:
        with out.el("USER_DEFINED_EXTENSIONS"):
            if record.mime:
                with out.el("UDX.EDXF.MIME_INFO"):
                    for position, entry in enumerate(record.mime, 1):
                        with out.el("UDX.EDXF.MIME"):
                            out.leaf("UDX.EDXF.MIME_SOURCE", self.mime_file(entry)[0])
                            out.leaf("UDX.EDXF.MIME_CODE", entry.etim_mime_code())
                            for language in self.context.languages:
                                text = clean_text(entry.descriptions.get(language, ""))
                                if text:
                                    out.leaf(
                                        "UDX.EDXF.MIME_DESIGNATION", clip(text, 250), self.lang(language)
                                    )
                            out.leaf(
                                "UDX.EDXF.MIME_ORDER",
                                str(entry.order if entry.order is not None else position),
                            )
            model = record.product.product_model
            if model is not None:
                names = [(lang, (model.name or {}).get(lang)) for lang in self.context.languages]
                for language, name in names:
                    if name and clean_text(name):
                        out.leaf("UDX.EDXF.PRODUCT_SERIES", clip(name, 50), self.lang(language))
