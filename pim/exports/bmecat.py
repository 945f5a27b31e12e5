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

Trade and logistics data (each record's effective values, inherited from the series; an
empty field writes no element). Units are the BMEcat 2005 specification's: lengths in
metres, weights in kilograms, volumes in cubic metres (the catalog stores mm and kg).

- PRODUCT_DETAILS: DELIVERY_TIME (working days), SPECIAL_TREATMENT_CLASS and KEYWORD (one
  element per keyword and channel language, at most 50 characters).
- Dangerous goods as SPECIAL_TREATMENT_CLASS: ``type="UN"`` with the four-digit UN number
  (the type ETIM BMEcat data checks read) and ``type="ADR"`` with the dangerous-goods class
  as ADR numbers it (the specification's example type GGVS was the German road regulation
  that applied ADR). The packing group has no recognised type there; it goes out only in
  the ETIM variant's UDX.EDXF.SPECIAL_TREATMENT_CLASS_DETAILS.
- PRODUCT_ORDER_DETAILS/PACKING_UNITS (BMEcat 2005 only; the ETIM schema removed it): one
  PACKING_UNIT per packing unit with QUANTITY_MIN = QUANTITY_MAX = order units per package,
  PACKING_UNIT_CODE and PACKING_UNIT_DESCR (the code's label per language). The element has
  no place for a package's GTIN, weight or dimensions.
- PRODUCT_LOGISTIC_DETAILS (last in PRODUCT): CUSTOMS_TARIFF_NUMBER/CUSTOMS_NUMBER,
  COUNTRY_OF_ORIGIN, and in plain 2005 PRODUCT_DIMENSIONS: VOLUME (outer volume from the
  dimensions), WEIGHT (net weight), LENGTH, WIDTH and DEPTH (the height). A country the
  schema's code list does not know (2005 predates e.g. RS and ME) is left out rather than
  making the file invalid.
- Plain 2005 has no element for brand, discount group, REACH, RoHS, CE marking, the gross
  weight or a package's GTIN and dimensions; no user-defined extension is invented for them.
- The ETIM guideline variant writes them in its UDX.EDXF block (see
  :meth:`BmecatEtimWriter.write_udx`).
"""

import functools
import json
import re
import tempfile
from itertools import groupby
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from pim.catalog.localization import localize
from pim.catalog.models import AttributeType, Lifecycle, PackingUnitCode, ReachStatus, RohsStatus
from pim.catalog.trade import mm_to_m, volume_m3

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
KEYWORD_MAX = 50

# EDXF codes of the catalog's declarations.
ROHS_INDICATORS = {
    RohsStatus.COMPLIANT: "true",
    RohsStatus.NOT_COMPLIANT: "false",
    RohsStatus.EXEMPT: "exempt",
}
REACH_INFO = {ReachStatus.CONTAINS: "true", ReachStatus.FREE: "false", ReachStatus.NO_DATA: "no data"}


@functools.cache
def schema_country_pattern(relative_schema: str) -> re.Pattern | None:
    """The country codes (dtCOUNTRIES) a BMEcat schema accepts, as a compiled pattern (None
    when the standards kit is not installed)."""
    path = Path(settings.PIM_STANDARDS_DIR) / relative_schema
    if not path.exists():
        return None
    xs = "{http://www.w3.org/2001/XMLSchema}"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser).getroot()
    for node in root.iter(f"{xs}simpleType"):
        if node.get("name") == "dtCOUNTRIES":
            pattern = node.find(f".//{xs}pattern")
            return re.compile(pattern.get("value")) if pattern is not None else None
    return None


def keyword_texts(words: list[str]) -> list[str]:
    """Keywords as KEYWORD elements carry them: at most 50 characters, each once (BMEcat 1.2
    makes a repeated keyword invalid; clipping may make two equal)."""
    seen, result = set(), []
    for word in words:
        text = clip(word, KEYWORD_MAX)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return result


def special_treatment_classes(trade: dict) -> list[tuple[str, str]]:
    """(type, value) of the SPECIAL_TREATMENT_CLASS elements of dangerous goods."""
    classes = []
    if trade.get("un_number"):
        classes.append(("UN", trade["un_number"]))
    if trade.get("hazard_class"):
        classes.append(("ADR", trade["hazard_class"]))
    return classes


def write_trade_details(out, record: ExportRecord, languages, lang=None) -> None:
    """DELIVERY_TIME, SPECIAL_TREATMENT_CLASS and KEYWORD (their order in every BMEcat
    version's details); ``lang(language)`` gives a KEYWORD's attributes (BMEcat 1.2 has none)."""
    trade = record.trade
    days = trade.get("delivery_time_days")
    if days is not None:
        out.leaf("DELIVERY_TIME", str(days))
    for kind, value in special_treatment_classes(trade):
        out.leaf("SPECIAL_TREATMENT_CLASS", value, {"type": kind})
    for language in languages:
        for word in keyword_texts(record.keywords(language)):
            out.leaf("KEYWORD", word, lang(language) if lang else None)


def _metres(value):
    return None if value is None else plain_number(mm_to_m(value))


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
    # PRODUCT_LOGISTIC_DETAILS/PRODUCT_DIMENSIONS (the ETIM guideline moved them to its UDX)
    dimensions_in_logistic_details = True

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
                if record.product is not None:
                    self.write_logistic_details(out, record)

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
            write_trade_details(out, record, self.context.languages, self.lang)
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
            if record.packing_units and not record.is_deletion:
                self.write_packing_units(out, record)

    def write_packing_units(self, out, record: ExportRecord) -> None:
        """BMEcat 2005's PACKING_UNITS: how many order units each package holds."""
        with out.el("PACKING_UNITS"):
            for row in record.packing_units:
                quantity = plain_number(row.quantity)
                with out.el("PACKING_UNIT"):
                    out.leaf("QUANTITY_MIN", quantity)
                    out.leaf("QUANTITY_MAX", quantity)
                    out.leaf("PACKING_UNIT_CODE", row.code)
                    for language in self.context.languages:
                        label = self.packing_unit_labels[language].get(row.code)
                        if label:
                            out.leaf("PACKING_UNIT_DESCR", label, self.lang(language))

    @functools.cached_property
    def packing_unit_labels(self) -> dict[str, dict[str, str]]:
        """Package names by language and code (translated once per run, not per product)."""
        labels = {}
        for language in self.context.languages:
            with translation.override(language):
                labels[language] = {code: str(label) for code, label in PackingUnitCode.choices}
        return labels

    # -- logistics ---------------------------------------------------------------------
    def country_of_origin(self, trade: dict) -> str:
        """The ISO 3166 code if this format's schema knows it, else ''."""
        code = str(trade.get("country_of_origin") or "")
        if not code:
            return ""
        known = self._known_countries.get(code)
        if known is None:
            pattern = schema_country_pattern(self.schema)
            known = self._known_countries[code] = pattern is None or bool(pattern.fullmatch(code))
        return code if known else ""

    @functools.cached_property
    def _known_countries(self) -> dict[str, bool]:
        # Per run, a code's verdict: the schema's pattern runs once per country, not per product.
        return {}

    def write_logistic_details(self, out, record: ExportRecord) -> None:
        """PRODUCT_LOGISTIC_DETAILS: customs tariff number, origin and (plain 2005) the
        product's dimensions in metres, net weight in kg and volume in m³."""
        trade, product = record.trade, record.product
        tariff = trade.get("customs_tariff_number")
        country = self.country_of_origin(trade)
        dimensions = self.product_dimensions(product) if self.dimensions_in_logistic_details else []
        if not (tariff or country or dimensions):
            return
        with out.el("PRODUCT_LOGISTIC_DETAILS"):
            if tariff:
                with out.el("CUSTOMS_TARIFF_NUMBER"):
                    out.leaf("CUSTOMS_NUMBER", tariff)
            if country:
                out.leaf("COUNTRY_OF_ORIGIN", country)
            if dimensions:
                with out.el("PRODUCT_DIMENSIONS"):
                    for name, value in dimensions:
                        out.leaf(name, value)

    def product_dimensions(self, product) -> list[tuple[str, str]]:
        """(element, value) of PRODUCT_DIMENSIONS in schema order; height is BMEcat's DEPTH."""
        volume = volume_m3(product.length, product.width, product.height)
        pairs = (
            ("VOLUME", None if volume is None else plain_number(volume)),
            ("WEIGHT", None if product.net_weight is None else plain_number(product.net_weight)),
            ("LENGTH", _metres(product.length)),
            ("WIDTH", _metres(product.width)),
            ("DEPTH", _metres(product.height)),
        )
        return [(name, value) for name, value in pairs if value is not None]

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
    dimensions_in_logistic_details = False
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
        """USER_DEFINED_EXTENSIONS in the schema's order: media, UDX.EDXF.BRAND_NAME,
        DISCOUNT_GROUP (the supplier's), PRODUCT_SERIES, PACKING_UNITS, PRODUCT_LOGISTIC_DETAILS
        (net volume m³, weight kg, length/width/depth m), ROHS_INDICATOR, CE_MARKING, REACH
        and SPECIAL_TREATMENT_CLASS_DETAILS.

        Packing units carry quantity (QUANTITY_MIN = QUANTITY_MAX), code, PACKAGE_BREAK,
        volume, gross weight, dimensions and GTIN as the official sample does. No
        PACKING_UNIT_NAME: the schema allows only the level names f-pak, m-pak, d-pak, t-pak,
        Bas, Mellan and Topp there, not a package's name. The product's gross weight has no
        EDXF element outside a packing unit and is not written."""
        trade = record.trade
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
            brand = clip(trade.get("brand") or "", 50)
            if brand:
                out.leaf("UDX.EDXF.BRAND_NAME", brand)
            discount_group = clip(trade.get("discount_group") or "", 20)
            if discount_group:
                with out.el("UDX.EDXF.DISCOUNT_GROUP"):
                    out.leaf("UDX.EDXF.DISCOUNT_GROUP_SUPPLIER", discount_group)
            model = record.product.product_model
            if model is not None:
                names = [(lang, (model.name or {}).get(lang)) for lang in self.context.languages]
                for language, name in names:
                    if name and clean_text(name):
                        out.leaf("UDX.EDXF.PRODUCT_SERIES", clip(name, 50), self.lang(language))
            if record.packing_units:
                self.write_edxf_packing_units(out, record)
            net = self.product_dimensions(record.product)
            if net:
                with out.el("UDX.EDXF.PRODUCT_LOGISTIC_DETAILS"):
                    for name, value in net:
                        out.leaf(f"UDX.EDXF.NET{name}", value)
            self.write_edxf_declarations(out, trade)
            self.write_edxf_dangerous_goods(out, trade)

    def write_edxf_packing_units(self, out, record: ExportRecord) -> None:
        with out.el("UDX.EDXF.PACKING_UNITS"):
            for row in record.packing_units:
                quantity = plain_number(row.quantity)
                with out.el("UDX.EDXF.PACKING_UNIT"):
                    out.leaf("UDX.EDXF.QUANTITY_MIN", quantity)
                    out.leaf("UDX.EDXF.QUANTITY_MAX", quantity)
                    out.leaf("UDX.EDXF.PACKING_UNIT_CODE", row.code)
                    out.leaf("UDX.EDXF.PACKAGE_BREAK", "true" if row.package_break else "false")
                    volume = volume_m3(row.length, row.width, row.height)
                    if volume is not None:
                        out.leaf("UDX.EDXF.VOLUME", plain_number(volume))
                    if row.gross_weight is not None:
                        out.leaf("UDX.EDXF.WEIGHT", plain_number(row.gross_weight))
                    for name, value in (("LENGTH", row.length), ("WIDTH", row.width), ("DEPTH", row.height)):
                        if value is not None:
                            out.leaf(f"UDX.EDXF.{name}", _metres(value))
                    if row.gtin:
                        out.leaf("UDX.EDXF.GTIN", row.gtin)

    def write_edxf_declarations(self, out, trade: dict) -> None:
        """RoHS, CE marking and REACH (REACH.INFO: true = contains SVHC, false = free)."""
        rohs = ROHS_INDICATORS.get(trade.get("rohs_status"))
        if rohs:
            out.leaf("UDX.EDXF.ROHS_INDICATOR", rohs)
        ce_marking = trade.get("ce_marking")
        if ce_marking is not None:
            out.leaf("UDX.EDXF.CE_MARKING", "true" if ce_marking else "false")
        scip = trade.get("scip_number")
        # A SCIP number exists only for articles with SVHC, so it says "contains" by itself.
        reach = REACH_INFO.get(trade.get("reach_status")) or ("true" if scip else "")
        if reach:
            with out.el("UDX.EDXF.REACH"):
                out.leaf("UDX.EDXF.REACH.INFO", reach)
                if scip:
                    out.leaf("UDX.EDXF.SCIP_NUMBER", scip)

    def write_edxf_dangerous_goods(self, out, trade: dict) -> None:
        """UDX.EDXF.SPECIAL_TREATMENT_CLASS_DETAILS with what the catalog holds: the UN number
        (HAZARDOUS_SUBSTANCES, whose only required child it is), packing group and class."""
        un_number = trade.get("un_number")
        packing_group = trade.get("packing_group")
        hazard_class = trade.get("hazard_class")
        if not (un_number or packing_group or hazard_class):
            return
        with out.el("UDX.EDXF.SPECIAL_TREATMENT_CLASS_DETAILS"):
            if un_number:
                with out.el("UDX.EDXF.HAZARDOUS_SUBSTANCES"):
                    out.leaf("UDX.EDXF.UN_NUMBER", un_number)
            if packing_group:
                out.leaf("UDX.EDXF.PACKING_GROUP", packing_group)
            if hazard_class:
                out.leaf("UDX.EDXF.HAZARD_CLASS", hazard_class)
