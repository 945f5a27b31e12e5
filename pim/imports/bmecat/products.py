"""One PRODUCT (BMEcat 2005, ETIM guideline 5.0) or ARTICLE (BMEcat 1.2) element as an
:class:`~pim.imports.records.IncomingProduct`.

Element names are matched by local name (any namespace or none); BMEcat 1.2's names are
read as their 2005 equivalents (ARTICLE_DETAILS as PRODUCT_DETAILS, SUPPLIER_AID as
SUPPLIER_PID, EAN as a GTIN…). What the catalog cannot hold, or an element the reader does
not know, is reported as a warning with its line and otherwise ignored; a detail element
standing directly in the product instead of its details block is read with a warning.

Mapping decisions (the writers in :mod:`pim.exports.bmecat` and :mod:`pim.exports.bmecat12`
are the reference, so our own files read back to what was exported):

- DESCRIPTION_SHORT is the product name, DESCRIPTION_LONG the long description (our
  writers put the long description there, or the short one when there is no long one: such
  a product reads back with that text as its long description).
- Numbers keep the unit of the file: FUNIT (ETIM EU… code or UN/ECE code, resolved to the
  catalog's unit), metres and kilograms for dimensions and weights. A feature without FUNIT
  (the ETIM guideline's rule: the ETIM model fixes the unit) is read in the family's unit.
- ETIM ``-`` values ("not applicable") state nothing and are skipped.
- Prices: net_list, gros_list and ETIM's nrp (recommended retail = our gross list price);
  on_request states "no price". Other price types are reported and ignored. A start date
  equal to the file's generation date is read as "no start date" (the ETIM guideline
  requires a start date, so writers put the file's date on open-ended prices).
- References: accessories, sparepart, similar (replacement), others (compatible) and
  followup (successor); other types are reported and ignored. Quantities of references
  are not read. When a product has references, kinds it does not name are cleared.
- Variants: the ETIM variant's UDX.EDXF.PRODUCT_SERIES names the series; it sets the
  product model when exactly one model has that name or code. Plain 2005 and 1.2 carry no
  series: a variant reads as a plain product (its effective values as its own values).
"""

from collections import Counter

from django.conf import settings
from django.utils.translation import gettext as _

from pim.catalog.models import AttributeType, Lifecycle, ReachStatus, RohsStatus
from pim.exports.bmecat import REFERENCE_TYPES
from pim.exports.xml import ISO639_2

from ..records import (
    ERROR,
    WARNING,
    IncomingMedia,
    IncomingPackingUnit,
    IncomingPrice,
    IncomingProduct,
    Location,
    Problem,
    Raw,
)
from .codes import CatalogCodes

# ISO 639-2 (T and B forms) to the catalog's language codes.
LANGUAGES = {three: two for two, three in ISO639_2.items()} | {
    "ger": "de",
    "dut": "nl",
    "fre": "fr",
    "cze": "cs",
    "slo": "sk",
    "chi": "zh",
}
RELATION_KINDS = {bmecat: kind for kind, bmecat in REFERENCE_TYPES.items()}
PRICE_TYPES = {"net_list": "net_list", "gros_list": "gros_list", "nrp": "gros_list"}
ROHS = {"true": RohsStatus.COMPLIANT, "false": RohsStatus.NOT_COMPLIANT, "exempt": RohsStatus.EXEMPT}
REACH = {"true": ReachStatus.CONTAINS, "false": ReachStatus.FREE, "no data": ReachStatus.NO_DATA}
HAZARD_CLASS_TYPES = {"ADR", "GGVS", "GGVSEB", "RID"}
# BMEcat 1.2 names read as their 2005 equivalents.
CANONICAL = {
    "ARTICLE": "PRODUCT",
    "SUPPLIER_AID": "SUPPLIER_PID",
    "ARTICLE_DETAILS": "PRODUCT_DETAILS",
    "ARTICLE_FEATURES": "PRODUCT_FEATURES",
    "ARTICLE_ORDER_DETAILS": "PRODUCT_ORDER_DETAILS",
    "ARTICLE_PRICE_DETAILS": "PRODUCT_PRICE_DETAILS",
    "ARTICLE_PRICE": "PRODUCT_PRICE",
    "ARTICLE_REFERENCE": "PRODUCT_REFERENCE",
    "ART_ID_TO": "PROD_ID_TO",
    "ARTICLE_STATUS": "PRODUCT_STATUS",
    "MANUFACTURER_AID": "MANUFACTURER_PID",
    "ARTICLE_LOGISTIC_DETAILS": "PRODUCT_LOGISTIC_DETAILS",
}
# Elements our writers add that follow from what is read (order, derived volume, the
# packing unit's label, the upper quantity equal to the lower): understood, not stored.
DERIVED = {
    "FORDER",
    "MIME_ORDER",
    "UDX.EDXF.MIME_ORDER",
    "VOLUME",
    "UDX.EDXF.NETVOLUME",
    "UDX.EDXF.VOLUME",
    "QUANTITY_MAX",
    "UDX.EDXF.QUANTITY_MAX",
    "PACKING_UNIT_DESCR",
    "PRODUCT_TYPE",
    "DAILY_PRICE",
}
DETAIL_ELEMENTS = {
    "DESCRIPTION_SHORT",
    "DESCRIPTION_LONG",
    "INTERNATIONAL_PID",
    "EAN",
    "MANUFACTURER_PID",
    "MANUFACTURER_NAME",
    "DELIVERY_TIME",
    "SPECIAL_TREATMENT_CLASS",
    "KEYWORD",
    "PRODUCT_STATUS",
}
# How many times one ignored element is reported per product before a file-level count.
REPORT_LIMIT = 20


_NAMES: dict[str, str] = {}


def local_name(element) -> str:
    """The element's name without namespace, BMEcat 1.2 names as their 2005 equivalents."""
    tag = element.tag
    name = _NAMES.get(tag)
    if name is None:
        if not isinstance(tag, str):
            return ""
        name = tag.rpartition("}")[2]
        # a file has a few dozen distinct tags: remember them, not one per element
        name = _NAMES[tag] = CANONICAL.get(name, name)
    return name


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split()) if len(element) else (element.text or "").strip()


def children(element):
    for child in element:
        name = local_name(child)
        if name:
            yield name, child


def child_text(element, name: str) -> str:
    for child_name, child in children(element):
        if child_name == name:
            return text_of(child)
    return ""


class Reporter:
    """Warnings about ignored elements: each one on its product, up to REPORT_LIMIT times
    per element path in a file, then counted for one file-level summary."""

    def __init__(self, file_name: str):
        self.file_name = file_name
        self.reported = Counter()
        self.more = Counter()

    def location(self, element, path: str) -> Location:
        return Location(file=self.file_name, line=element.sourceline, column=path)

    def ignored(self, product: IncomingProduct, element, path: str, reason: str = "") -> None:
        if self.reported[path] >= REPORT_LIMIT:
            self.more[path] += 1
            return
        self.reported[path] += 1
        message = reason or _("The element %(element)s is not imported and was ignored.") % {"element": path}
        product.problems.append(
            Problem(
                message,
                self.location(element, path),
                WARNING,
                value=text_of(element)[:200],
                article_number=product.number,
            )
        )

    def summary(self) -> list[Problem]:
        return [
            Problem(
                _("%(element)s was ignored in %(count)s more places (only the first %(limit)s are listed).")
                % {"element": path, "count": count, "limit": REPORT_LIMIT},
                Location(file=self.file_name, column=path),
                WARNING,
            )
            for path, count in sorted(self.more.items())
        ]


class ProductReader:
    """Turns product elements of one file into records; holds what the file's header says
    (languages, currency) and the catalog's code tables."""

    def __init__(self, *, file_name: str, codes: CatalogCodes, mapping=None, reporter: Reporter):
        self.file_name = file_name
        self.codes = codes
        self.features_map = dict(getattr(mapping, "features", None) or {})
        self.reporter = reporter
        self.default_language = settings.PIM_LANGUAGES[0]
        self.currency = ""
        self.mime_root = ""
        self.generation_date = ""  # YYYY-MM-DD of the file's header
        self.languages = set(settings.PIM_LANGUAGES)
        self.foreign_languages: Counter = Counter()

    # -- header ------------------------------------------------------------------------
    def read_header(self, header) -> None:
        catalog = next((child for name, child in children(header) if name == "CATALOG"), None)
        if catalog is None:
            return
        first = ""
        for name, child in children(catalog):
            if name == "LANGUAGE":
                code = self.language_code(text_of(child))
                first = first or code
                if child.get("default") == "true":
                    first = code
            elif name == "CURRENCY":
                self.currency = text_of(child)
            elif name == "MIME_ROOT":
                self.mime_root = text_of(child)
            elif name == "GENERATION_DATE":
                self.generation_date = text_of(child)[:10]
            elif name == "DATETIME" and child.get("type") == "generation_date":
                self.generation_date = child_text(child, "DATE")[:10]
        if first:
            self.default_language = first

    @staticmethod
    def language_code(code: str) -> str:
        code = code.strip().lower()
        return LANGUAGES.get(code, code if len(code) == 2 else "")

    def language(self, element) -> str:
        """The catalog language of a text element ('' when the catalog has no such language:
        counted for a file-level warning)."""
        attribute = element.get("lang")
        code = self.language_code(attribute) if attribute else self.default_language
        if code in self.languages:
            return code
        self.foreign_languages[attribute or code] += 1
        return ""

    # -- product -----------------------------------------------------------------------
    def loc(self, element, path: str) -> Location:
        return Location(file=self.file_name, line=element.sourceline, column=path)

    def raw(self, element, path: str, value=None, unit: str = "") -> Raw:
        return Raw(text_of(element) if value is None else value, self.loc(element, path), unit)

    def read(self, element, *, action: str = "", prices_only: bool = False) -> IncomingProduct:
        """The record of one PRODUCT/ARTICLE element. ``action``: the transaction's
        (update files: "update", or the element's mode); ``prices_only``: T_UPDATE_PRICES."""
        kind = local_name(element)
        pid = next((child for name, child in children(element) if name == "SUPPLIER_PID"), None)
        product = IncomingProduct(
            article_number=self.raw(pid, "SUPPLIER_PID")
            if pid is not None
            else Raw("", self.loc(element, kind)),
            location=self.loc(element, kind),
            action=action,
            prices_replace_all=True,
        )
        if not product.number:
            product.problems.append(
                Problem(
                    _(
                        "This %(element)s has no supplier article number (SUPPLIER_PID); it cannot be "
                        "imported. Add the article number."
                    )
                    % {"element": "ARTICLE" if element.tag.endswith("ARTICLE") else "PRODUCT"},
                    product.location,
                    ERROR,
                )
            )
            return product
        if action == "delete":
            return product
        for name, child in children(element):
            handler = self.PRODUCT_CHILDREN.get(name)
            if handler is not None:
                if prices_only and name != "PRODUCT_PRICE_DETAILS":
                    self.reporter.ignored(product, child, name)
                    continue
                handler(self, product, child)
            elif name in DETAIL_ELEMENTS:
                self.reporter.ignored(
                    product,
                    child,
                    name,
                    _("%(element)s belongs inside PRODUCT_DETAILS; it was read anyway.") % {"element": name},
                )
                self.detail(product, name, child, name)
            elif name not in ("SUPPLIER_PID",) and name not in DERIVED:
                self.reporter.ignored(product, child, name)
        return product

    # -- details -----------------------------------------------------------------------
    def details(self, product, element) -> None:
        for name, child in children(element):
            self.detail(product, name, child, f"PRODUCT_DETAILS/{name}")

    def localized(self, product, field_name: str, element, path: str, text=None) -> None:
        language = self.language(element)
        if language:
            product.localized.setdefault(field_name, {})[language] = self.raw(element, path, text)

    def field(self, product, name: str, element, path: str, value=None, unit: str = "") -> None:
        product.fields[name] = self.raw(element, path, value, unit)

    def detail(self, product, name: str, child, path: str) -> None:
        if name == "DESCRIPTION_SHORT":
            self.localized(product, "name", child, path)
        elif name == "DESCRIPTION_LONG":
            self.localized(product, "long_description", child, path)
        elif name == "INTERNATIONAL_PID":
            if (child.get("type") or "gtin").lower() in ("gtin", "ean"):
                self.field(product, "gtin", child, path)
            else:
                self.reporter.ignored(product, child, f"{path}[@type={child.get('type')}]")
        elif name == "EAN":
            self.field(product, "gtin", child, path)
        elif name == "MANUFACTURER_PID":
            self.field(product, "manufacturer_pid", child, path)
        elif name == "MANUFACTURER_NAME":
            self.field(product, "manufacturer_name", child, path)
        elif name == "DELIVERY_TIME":
            self.field(product, "delivery_time_days", child, path)
        elif name == "SPECIAL_TREATMENT_CLASS":
            kind = (child.get("type") or "").upper()
            if kind == "UN":
                self.field(product, "un_number", child, path)
            elif kind in HAZARD_CLASS_TYPES:
                self.field(product, "hazard_class", child, path)
            else:
                self.reporter.ignored(product, child, f"{path}[@type={child.get('type')}]")
        elif name == "KEYWORD":
            language = self.language(child)
            if language:
                words = product.localized.setdefault("keywords", {})
                previous = words.get(language)
                text = text_of(child)
                joined = f"{previous.value}, {text}" if previous is not None and previous.value else text
                words[language] = self.raw(child, path, joined)
        elif name == "PRODUCT_STATUS":
            if child.get("type") == "old_product":
                self.field(product, "lifecycle", child, path, Lifecycle.PHASE_OUT.value)
            else:
                self.reporter.ignored(product, child, f"{path}[@type={child.get('type')}]")
        elif name not in DERIVED:
            self.reporter.ignored(product, child, path)

    # -- features ----------------------------------------------------------------------
    def features(self, product, element) -> None:
        system_name = child_text(element, "REFERENCE_FEATURE_SYSTEM_NAME")
        upper = system_name.upper()
        if not system_name:
            system = "own"
        elif upper.startswith("ETIM"):
            system = "etim"
        elif upper.startswith(("ECLASS", "ECL@SS")):
            system = "eclass"
        else:
            system = "other"
        for name, child in children(element):
            path = f"PRODUCT_FEATURES/{name}"
            if name == "REFERENCE_FEATURE_GROUP_ID":
                self.family(product, child, path)
            elif name == "FEATURE":
                self.feature(product, child, system, system_name)
            elif name not in ("REFERENCE_FEATURE_SYSTEM_NAME", "REFERENCE_FEATURE_GROUP_NAME"):
                self.reporter.ignored(product, child, path)

    def family(self, product, element, path: str) -> None:
        families = self.codes.family_for(text_of(element))
        if len(families) == 1:
            self.field(product, "family", element, path, families[0])

    def feature(self, product, element, system: str, system_name: str) -> None:
        names = [(child, text_of(child)) for name, child in children(element) if name == "FNAME"]
        values = [child for name, child in children(element) if name == "FVALUE"]
        unit_element = next((child for name, child in children(element) if name == "FUNIT"), None)
        label = names[0][1] if names else ""
        path = f"PRODUCT_FEATURES/FEATURE[{label}]"
        if not names or not label:
            self.reporter.ignored(
                product, element, "PRODUCT_FEATURES/FEATURE", _("A feature without FNAME was ignored.")
            )
            return
        attribute_code, unit_code = "", ""
        for _element, text in names:
            mapped = self.features_map.get(text)
            if mapped is None:
                continue
            target = str(mapped.get("target", "") if isinstance(mapped, dict) else mapped)
            if target == "ignore":
                return
            attribute_code = target.removeprefix("attribute:")
            unit_code = mapped.get("unit", "") if isinstance(mapped, dict) else ""
            break
        if not attribute_code:
            candidates = []
            family = product.fields["family"].value if "family" in product.fields else ""
            for _fname, text in names if system != "other" else ():
                candidates = self.codes.attribute_for(system, text, family)
                if candidates:
                    break
            if len(candidates) != 1:
                if candidates:
                    reason = _(
                        "The feature “%(feature)s” fits several attributes (%(codes)s); map it to one in "
                        "the import mapping. It was ignored."
                    ) % {"feature": label, "codes": ", ".join(candidates)}
                else:
                    reason = _(
                        "The feature “%(feature)s” (%(system)s) matches no attribute of the catalog; map it "
                        "in the import mapping or give the attribute this code. It was ignored."
                    ) % {"feature": label, "system": system_name or _("no feature system")}
                self.reporter.ignored(product, element, path, reason)
                return
            attribute_code = candidates[0]
        attribute = self.codes.attributes.get(attribute_code)
        if attribute is None:
            self.reporter.ignored(
                product,
                element,
                path,
                _(
                    "The import mapping sends the feature “%(feature)s” to the attribute “%(code)s”, which does not exist."
                )
                % {"feature": label, "code": attribute_code},
            )
            return
        if unit_element is not None and text_of(unit_element):
            unit_code = self.codes.unit_for(text_of(unit_element), attribute)
        texts = [(child, text_of(child)) for child in values]
        if system == "etim":
            texts = [(child, text) for child, text in texts if text != "-"]
        if not texts:
            return
        if attribute_code in product.values:
            self.reporter.ignored(
                product,
                element,
                path,
                _("The attribute “%(code)s” is given twice; the second feature was ignored.")
                % {"code": attribute_code},
            )
            return
        first = texts[0][0]
        kind = attribute.type
        if kind == AttributeType.MULTI_ENUM:
            value = [text for _child, text in texts]
        elif kind == AttributeType.RANGE:
            low, high = texts[0][1], texts[-1][1]
            value = (low, high)
        elif kind == AttributeType.TEXT and attribute.localizable:
            value = {}
            for child, text in texts:
                language = self.language(child)
                if language:
                    value[language] = text
            if not value:
                return
        elif self.one_per_language(texts):
            # The same value written once per language (option labels, a text the catalog
            # keeps in one language): the file's default language, else the first the
            # catalog has, stands for all.
            value = self.in_first_language(texts)
        else:
            value = texts[0][1]
            if len(texts) > 1:
                self.reporter.ignored(
                    product,
                    texts[1][0],
                    path,
                    _("The attribute “%(code)s” takes one value; only the first FVALUE was imported.")
                    % {"code": attribute_code},
                )
        product.values[attribute_code] = Raw(value, self.loc(first, path), unit_code)

    def one_per_language(self, texts) -> bool:
        """Whether several FVALUEs differ only by their ``lang`` (each names another language)."""
        if len(texts) < 2 or any(not child.get("lang") for child, _text in texts):
            return False
        languages = [self.language_code(child.get("lang")) or child.get("lang") for child, _text in texts]
        return len(set(languages)) == len(languages)

    def in_first_language(self, texts) -> str:
        """The text of the file's default language, else of the first language the catalog has,
        else the first text."""
        by_language = {}
        for child, text in texts:
            by_language.setdefault(self.language_code(child.get("lang")), text)
        if self.default_language in by_language:
            return by_language[self.default_language]
        return next((text for code, text in by_language.items() if code in self.languages), texts[0][1])

    # -- commercial --------------------------------------------------------------------
    ORDER_FIELDS = {
        "ORDER_UNIT": "order_unit",
        "CONTENT_UNIT": "content_unit",
        "NO_CU_PER_OU": "content_quantity",
        "PRICE_QUANTITY": "price_quantity",
        "QUANTITY_MIN": "min_order_quantity",
        "QUANTITY_INTERVAL": "order_quantity_step",
    }

    def order_details(self, product, element) -> None:
        for name, child in children(element):
            path = f"PRODUCT_ORDER_DETAILS/{name}"
            if name in self.ORDER_FIELDS:
                self.field(product, self.ORDER_FIELDS[name], child, path)
            elif name == "PACKING_UNITS":
                self.packing_units(product, child, path, edxf=False)
            elif name not in DERIVED:
                self.reporter.ignored(product, child, path)

    def packing_units(self, product, element, path: str, *, edxf: bool) -> None:
        prefix = "UDX.EDXF." if edxf else ""
        names = {
            f"{prefix}QUANTITY_MIN": ("quantity", ""),
            f"{prefix}PACKING_UNIT_CODE": ("code", ""),
            "UDX.EDXF.PACKAGE_BREAK": ("package_break", ""),
            "UDX.EDXF.WEIGHT": ("gross_weight", "kg"),
            "UDX.EDXF.LENGTH": ("length", "m"),
            "UDX.EDXF.WIDTH": ("width", "m"),
            "UDX.EDXF.DEPTH": ("height", "m"),
            "UDX.EDXF.GTIN": ("gtin", ""),
        }
        units = []
        for name, child in children(element):
            if name != f"{prefix}PACKING_UNIT":
                self.reporter.ignored(product, child, f"{path}/{name}")
                continue
            fields = {}
            for part, leaf in children(child):
                leaf_path = f"{path}/{name}/{part}"
                target = names.get(part)
                if target is not None:
                    fields[target[0]] = self.raw(leaf, leaf_path, unit=target[1])
                elif part not in DERIVED:
                    self.reporter.ignored(product, leaf, leaf_path)
            units.append(IncomingPackingUnit(fields))
        product.packing_units = units

    def price_details(self, product, element) -> None:
        if product.prices is None:
            product.prices = []
        start = end = None
        rows = []
        for name, child in children(element):
            path = f"PRODUCT_PRICE_DETAILS/{name}"
            if name == "DATETIME":
                date = next((leaf for part, leaf in children(child) if part == "DATE"), None)
                kind = child.get("type")
                if date is not None and kind == "valid_start_date":
                    start = self.raw(date, f"{path}[@type=valid_start_date]/DATE")
                elif date is not None and kind == "valid_end_date":
                    end = self.raw(date, f"{path}[@type=valid_end_date]/DATE")
                else:
                    self.reporter.ignored(product, child, f"{path}[@type={kind}]")
            elif name == "VALID_START_DATE":
                start = self.raw(child, path)
            elif name == "VALID_END_DATE":
                end = self.raw(child, path)
            elif name == "PRODUCT_PRICE":
                rows.append(child)
            elif name not in DERIVED:
                self.reporter.ignored(product, child, path)
        if start is not None and start.value == self.generation_date:
            # The ETIM guideline makes a start date mandatory; writers (ours too) give an
            # open-ended price the file's date, which says no more than "valid now".
            start = None
        for row in rows:
            price = self.price(product, row)
            if price is not None:
                price.valid_from, price.valid_to = start, end
                product.prices.append(price)

    def price(self, product, element) -> IncomingPrice | None:
        path = "PRODUCT_PRICE_DETAILS/PRODUCT_PRICE"
        bmecat_type = element.get("price_type") or ""
        if bmecat_type == "on_request":
            return None
        price_type = PRICE_TYPES.get(bmecat_type)
        if price_type is None:
            self.reporter.ignored(
                product,
                element,
                f"{path}[@price_type={bmecat_type}]",
                _("Prices of type “%(type)s” are not imported (only net_list, gros_list and nrp).")
                % {"type": bmecat_type},
            )
            return None
        amount = currency = tax = lower = None
        for name, child in children(element):
            leaf_path = f"{path}/{name}"
            if name == "PRICE_AMOUNT":
                amount = self.raw(child, leaf_path)
            elif name == "PRICE_CURRENCY":
                currency = text_of(child)
            elif name == "TAX":
                tax = self.raw(child, leaf_path)
            elif name == "TAX_DETAILS":
                tax_element = next((leaf for part, leaf in children(child) if part == "TAX"), None)
                if tax_element is not None:
                    tax = self.raw(tax_element, f"{leaf_path}/TAX")
            elif name == "LOWER_BOUND":
                lower = self.raw(child, leaf_path)
            elif name == "PRICE_FACTOR" and text_of(child) in ("1", "1.0", "1.00"):
                continue
            else:
                self.reporter.ignored(product, child, leaf_path)
        if amount is None:
            self.reporter.ignored(product, element, path, _("A price without PRICE_AMOUNT was ignored."))
            return None
        return IncomingPrice(
            price_type=price_type,
            currency=currency or self.currency,
            amount=amount,
            min_quantity=lower,
            tax_rate=tax,
        )

    # -- media, references, logistics ---------------------------------------------------
    def mime_info(self, product, element) -> None:
        for name, child in children(element):
            if name != "MIME":
                self.reporter.ignored(product, child, f"MIME_INFO/{name}")
                continue
            media = IncomingMedia(source="", location=self.loc(child, "MIME_INFO/MIME"))
            for part, leaf in children(child):
                if part == "MIME_SOURCE":
                    media.source = text_of(leaf)
                elif part == "MIME_TYPE":
                    media.mime_type = text_of(leaf)
                elif part == "MIME_PURPOSE":
                    media.purpose = text_of(leaf)
                elif part == "MIME_DESCR":
                    language = self.language(leaf)
                    if language:
                        media.descriptions[language] = text_of(leaf)
                elif part not in DERIVED:
                    self.reporter.ignored(product, leaf, f"MIME_INFO/MIME/{part}")
            if media.source:
                product.media.append(media)

    def edxf_mime_info(self, product, element, path: str) -> None:
        for name, child in children(element):
            if name != "UDX.EDXF.MIME":
                self.reporter.ignored(product, child, f"{path}/{name}")
                continue
            media = IncomingMedia(source="", location=self.loc(child, f"{path}/{name}"))
            for part, leaf in children(child):
                if part == "UDX.EDXF.MIME_SOURCE":
                    media.source = text_of(leaf)
                elif part == "UDX.EDXF.MIME_CODE":
                    media.code = text_of(leaf)
                elif part == "UDX.EDXF.MIME_DESIGNATION":
                    language = self.language(leaf)
                    if language:
                        media.descriptions[language] = text_of(leaf)
                elif part not in DERIVED:
                    self.reporter.ignored(product, leaf, f"{path}/{name}/{part}")
            if media.source:
                product.media.append(media)

    def reference(self, product, element) -> None:
        if product.relations is None:
            product.relations = {kind: [] for kind in RELATION_KINDS.values()}
        bmecat_type = element.get("type") or ""
        kind = RELATION_KINDS.get(bmecat_type)
        path = "PRODUCT_REFERENCE"
        if kind is None:
            self.reporter.ignored(
                product,
                element,
                f"{path}[@type={bmecat_type}]",
                _("References of type “%(type)s” are not imported.") % {"type": bmecat_type},
            )
            return
        target = next((child for name, child in children(element) if name == "PROD_ID_TO"), None)
        if target is None or not text_of(target):
            self.reporter.ignored(product, element, path, _("A reference without PROD_ID_TO was ignored."))
            return
        product.relations[kind].append(self.raw(target, f"{path}[@type={bmecat_type}]/PROD_ID_TO"))

    DIMENSIONS = {
        "WEIGHT": ("net_weight", "kg"),
        "LENGTH": ("length", "m"),
        "WIDTH": ("width", "m"),
        "DEPTH": ("height", "m"),
    }

    def logistic_details(self, product, element) -> None:
        for name, child in children(element):
            path = f"PRODUCT_LOGISTIC_DETAILS/{name}"
            if name == "CUSTOMS_TARIFF_NUMBER":
                number = next((leaf for part, leaf in children(child) if part == "CUSTOMS_NUMBER"), None)
                if number is not None:
                    self.field(product, "customs_tariff_number", number, f"{path}/CUSTOMS_NUMBER")
            elif name == "COUNTRY_OF_ORIGIN":
                self.field(product, "country_of_origin", child, path)
            elif name == "PRODUCT_DIMENSIONS":
                for part, leaf in children(child):
                    target = self.DIMENSIONS.get(part)
                    if target is not None:
                        self.field(product, target[0], leaf, f"{path}/{part}", unit=target[1])
                    elif part not in DERIVED:
                        self.reporter.ignored(product, leaf, f"{path}/{part}")
            else:
                self.reporter.ignored(product, child, path)

    # -- UDX.EDXF ------------------------------------------------------------------------
    EDXF_NET = {
        "UDX.EDXF.NETWEIGHT": ("net_weight", "kg"),
        "UDX.EDXF.NETLENGTH": ("length", "m"),
        "UDX.EDXF.NETWIDTH": ("width", "m"),
        "UDX.EDXF.NETDEPTH": ("height", "m"),
    }

    def extensions(self, product, element) -> None:
        for name, child in children(element):
            path = f"USER_DEFINED_EXTENSIONS/{name}"
            if name == "UDX.EDXF.MIME_INFO":
                self.edxf_mime_info(product, child, path)
            elif name == "UDX.EDXF.BRAND_NAME":
                self.field(product, "brand", child, path)
            elif name == "UDX.EDXF.DISCOUNT_GROUP":
                for part, leaf in children(child):
                    if part == "UDX.EDXF.DISCOUNT_GROUP_SUPPLIER":
                        self.field(product, "discount_group", leaf, f"{path}/{part}")
                    else:
                        self.reporter.ignored(product, leaf, f"{path}/{part}")
            elif name == "UDX.EDXF.PRODUCT_SERIES":
                self.series(product, child, path)
            elif name == "UDX.EDXF.PACKING_UNITS":
                self.packing_units(product, child, path, edxf=True)
            elif name == "UDX.EDXF.PRODUCT_LOGISTIC_DETAILS":
                for part, leaf in children(child):
                    target = self.EDXF_NET.get(part)
                    if target is not None:
                        self.field(product, target[0], leaf, f"{path}/{part}", unit=target[1])
                    elif part not in DERIVED:
                        self.reporter.ignored(product, leaf, f"{path}/{part}")
            elif name == "UDX.EDXF.ROHS_INDICATOR":
                self.coded(product, "rohs_status", child, path, ROHS)
            elif name == "UDX.EDXF.CE_MARKING":
                self.field(product, "ce_marking", child, path)
            elif name == "UDX.EDXF.REACH":
                for part, leaf in children(child):
                    if part == "UDX.EDXF.REACH.INFO":
                        self.coded(product, "reach_status", leaf, f"{path}/{part}", REACH)
                    elif part == "UDX.EDXF.SCIP_NUMBER":
                        self.field(product, "scip_number", leaf, f"{path}/{part}")
                    else:
                        self.reporter.ignored(product, leaf, f"{path}/{part}")
            elif name == "UDX.EDXF.SPECIAL_TREATMENT_CLASS_DETAILS":
                self.dangerous_goods(product, child, path)
            else:
                self.reporter.ignored(product, child, path)

    def coded(self, product, field_name: str, element, path: str, codes: dict) -> None:
        text = text_of(element).lower()
        if text in codes:
            self.field(product, field_name, element, path, str(codes[text]))
        else:
            self.reporter.ignored(
                product,
                element,
                path,
                _("“%(value)s” is not a value of %(element)s (%(choices)s); it was ignored.")
                % {"value": text_of(element), "element": path, "choices": ", ".join(codes)},
            )

    def dangerous_goods(self, product, element, path: str) -> None:
        for name, child in children(element):
            if name == "UDX.EDXF.HAZARDOUS_SUBSTANCES":
                for part, leaf in children(child):
                    if part == "UDX.EDXF.UN_NUMBER":
                        self.field(product, "un_number", leaf, f"{path}/{name}/{part}")
                    else:
                        self.reporter.ignored(product, leaf, f"{path}/{name}/{part}")
            elif name == "UDX.EDXF.PACKING_GROUP":
                self.field(product, "packing_group", child, f"{path}/{name}")
            elif name == "UDX.EDXF.HAZARD_CLASS":
                self.field(product, "hazard_class", child, f"{path}/{name}")
            else:
                self.reporter.ignored(product, child, f"{path}/{name}")

    def series(self, product, element, path: str) -> None:
        if "product_model" in product.fields:
            return  # one per language: the first that names a model decides
        models = self.codes.models_named(text_of(element))
        if len(models) == 1:
            self.field(product, "product_model", element, path, next(iter(models)))
            return
        reason = (
            _(
                "The series “%(name)s” names several product models (%(codes)s); the product was not assigned to one."
            )
            % {"name": text_of(element), "codes": ", ".join(sorted(models))}
            if models
            else _(
                "The series “%(name)s” is not a product model of the catalog; the product was not assigned to one."
            )
            % {"name": text_of(element)}
        )
        self.reporter.ignored(product, element, path, reason)

    PRODUCT_CHILDREN = {
        "PRODUCT_DETAILS": details,
        "PRODUCT_FEATURES": features,
        "PRODUCT_ORDER_DETAILS": order_details,
        "PRODUCT_PRICE_DETAILS": price_details,
        "MIME_INFO": mime_info,
        "USER_DEFINED_EXTENSIONS": extensions,
        "PRODUCT_REFERENCE": reference,
        "PRODUCT_LOGISTIC_DETAILS": logistic_details,
    }
