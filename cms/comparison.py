"""The product comparison: the visitor's list (session) and the side-by-side table.

Presentation only: which products are public is answered by
``Product.objects.publicly_visible()``, values come from ``pim.catalog.values``, downloads from
``pim.assets.downloads`` (the same functions as the product page), unit conversion from
``pim.catalog.units``. A comparison of up to :data:`MAX_PRODUCTS` products is built in a number
of queries that does not depend on how many attributes or values they have.
"""

import csv
import io
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from pim.assets.downloads import DownloadLink, first_image, public_assets_for
from pim.assets.models import AssetKind
from pim.catalog.identifiers import normalize_article_number
from pim.catalog.localization import localize
from pim.catalog.models import FamilyAttribute, Product, ProductModelValue, ProductValue, Unit
from pim.catalog.units import METRIC
from pim.catalog.values import effective_values, format_stored_value
from pim.exports.spreadsheets import csv_text

from .product_detail import shown_unit

MAX_PRODUCTS = 4
SESSION_KEY = "pim.comparison"
EMPTY = "–"
# Downloads an engineer compares products by (the rest is on the product page).
COMPARED_DOWNLOAD_KINDS = (AssetKind.DATASHEET, AssetKind.CAD_3D, AssetKind.CAD_2D)
_VALUE_RELATED = ("attribute__quantity", "attribute__display_unit__quantity", "option", "unit__quantity")


class ComparisonError(ValueError):
    """A change the comparison refuses; the message says why and what to do."""


class ComparisonFull(ComparisonError):
    """The comparison already holds :data:`MAX_PRODUCTS` products."""

    def __init__(self, message, product):
        super().__init__(message)
        self.product = product


def article_key(text: str) -> str:
    """The lookup key of a typed article number, "" for text no article number can have
    (control characters, which PostgreSQL would refuse in a query)."""
    key = normalize_article_number(text or "")
    return "" if any(ord(char) < 32 for char in key) else key


def public_product(article_number: str) -> Product | None:
    key = article_key(article_number)
    return Product.objects.publicly_visible().filter(article_number_key=key).first() if key else None


class ComparisonList:
    """The products a visitor collects for comparison, kept in the Django session as article
    keys in the order they were added. Products that stop being public drop out when read."""

    def __init__(self, session):
        self._session = session

    def keys(self) -> list[str]:
        stored = self._session.get(SESSION_KEY)
        return [key for key in stored if isinstance(key, str)] if isinstance(stored, list) else []

    def _save(self, keys) -> None:
        self._session[SESSION_KEY] = list(keys)

    def __contains__(self, product) -> bool:
        return product.article_number_key in self.keys()

    def add(self, article_number: str, *, replace: str = "") -> Product:
        """Add a public product. A full list refuses (:class:`ComparisonFull`) unless
        ``replace`` names the product to give up its place: nothing is dropped silently."""
        product = public_product(article_number)
        if product is None:
            raise ComparisonError(
                _("There is no product with article number “%(number)s” to compare.")
                % {"number": article_number}
            )
        keys = self._public_keys()
        if product.article_number_key in keys:
            return product
        if replace:
            replaced = normalize_article_number(replace)
            keys = [key for key in keys if key != replaced]
        if len(keys) >= MAX_PRODUCTS:
            raise ComparisonFull(
                _(
                    "You can compare up to %(max)s products. Remove one from the comparison "
                    "(or replace one) to add %(number)s."
                )
                % {"max": MAX_PRODUCTS, "number": product.article_number},
                product,
            )
        self._save([*keys, product.article_number_key])
        return product

    def remove(self, article_number: str) -> bool:
        key = normalize_article_number(article_number)
        keys = self.keys()
        if key not in keys:
            return False
        self._save([k for k in keys if k != key])
        return True

    def clear(self) -> None:
        if SESSION_KEY in self._session:
            del self._session[SESSION_KEY]

    def _public_keys(self) -> list[str]:
        """The stored keys that are public now: a product withdrawn since it was added does
        not hold a place."""
        keys = self.keys()
        if not keys:
            return []
        public = set(
            Product.objects.publicly_visible()
            .filter(article_number_key__in=keys)
            .values_list("article_number_key", flat=True)
        )
        return [key for key in keys if key in public]

    def count(self) -> int:
        return len(self._public_keys())


def share_url(products) -> str:
    """The shareable URL of a comparison of ``products``: ``/compare/?p=A&p=B``."""
    base = reverse("cms:compare")
    if not products:
        return base
    return f"{base}?{urlencode([('p', product.article_number) for product in products])}"


# --- the table -------------------------------------------------------------------------------------
@dataclass
class ComparedProduct:
    product: Product
    name: str
    url: str
    image: object = None  # a Wagtail image
    downloads: list[DownloadLink] = field(default_factory=list)
    remove_url: str = ""  # in a shared comparison: the URL without this product


@dataclass
class ComparisonRow:
    code: str
    label: str
    values: list[str]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


@dataclass
class ComparisonGroup:
    title: str
    rows: list[ComparisonRow]

    @property
    def has_differences(self) -> bool:
        return any(row.differs for row in self.rows)


@dataclass
class Comparison:
    products: list[ComparedProduct]
    groups: list[ComparisonGroup]
    missing: list[str] = field(default_factory=list)  # asked for, not public or unknown
    unit_system: str = METRIC

    @property
    def difference_count(self) -> int:
        return sum(row.differs for group in self.groups for row in group.rows)

    def only_differences(self) -> list[ComparisonGroup]:
        groups = [ComparisonGroup(g.title, [row for row in g.rows if row.differs]) for g in self.groups]
        return [group for group in groups if group.rows]


def _values_prefetch(lookup: str, model) -> Prefetch:
    return Prefetch(lookup, queryset=model.objects.select_related(*_VALUE_RELATED).order_by("pk"))


def load_products(article_numbers) -> tuple[list[Product], list[str]]:
    """The public products among ``article_numbers`` in the given order (duplicates once, at
    most :data:`MAX_PRODUCTS`), and the article numbers that are not public or unknown."""
    wanted: dict[str, str] = {}
    for number in article_numbers:
        key = article_key(number)
        if key and key not in wanted:
            wanted[key] = number
    wanted = dict(list(wanted.items())[:MAX_PRODUCTS])
    if not wanted:
        return [], []
    found = {
        product.article_number_key: product
        for product in Product.objects.publicly_visible()
        .filter(article_number_key__in=list(wanted))
        .select_related("family", "product_model")
        .prefetch_related(
            _values_prefetch("values", ProductValue),
            _values_prefetch("product_model__values", ProductModelValue),
        )
    }
    products = [found[key] for key in wanted if key in found]
    missing = [number for key, number in wanted.items() if key not in found]
    return products, missing


def _family_attributes(family_ids) -> list[FamilyAttribute]:
    """Every compared family's attributes in display order, with their units loaded."""
    return list(
        FamilyAttribute.objects.filter(family_id__in=family_ids)
        .select_related(
            "group", "attribute__quantity", "attribute__display_unit__quantity", "display_unit__quantity"
        )
        .prefetch_related(
            Prefetch("attribute__quantity__units", queryset=Unit.objects.select_related("quantity"))
        )
        .order_by("group__sort_order", "group__code", "sort_order", "attribute__code")
    )


def _header(product, language) -> ComparedProduct:
    links = public_assets_for(product, language, include_images=True)
    image = first_image(links)
    return ComparedProduct(
        product=product,
        name=product.display_name(language) or product.article_number,
        url=reverse("cms:product", kwargs={"article_number": product.article_number}),
        image=image,
        downloads=[link for link in links if link.kind in COMPARED_DOWNLOAD_KINDS],
    )


def build_comparison(
    products, *, missing=(), language: str | None = None, system: str = METRIC
) -> Comparison:
    """Arrange ``products`` (from :func:`load_products`) side by side: rows grouped like the
    technical data of their families (the union of the families' attributes; a product
    without the attribute shows “–”), values in the display unit or converted to
    ``system``."""
    language = language or translation.get_language()
    family_attributes = _family_attributes({product.family_id for product in products})
    by_family: dict[int, dict[str, FamilyAttribute]] = {}
    for family_attribute in family_attributes:
        by_family.setdefault(family_attribute.family_id, {})[family_attribute.attribute.code] = (
            family_attribute
        )
    # Row order: the first product's family in its display order, then what the other
    # families add, each attribute in its group.
    order: dict[str, FamilyAttribute] = {}
    for product in products:
        for family_attribute in family_attributes:
            if family_attribute.family_id == product.family_id:
                order.setdefault(family_attribute.attribute.code, family_attribute)
    values = [effective_values(product) for product in products]
    groups: dict = {}
    for code, first in order.items():
        attribute = first.attribute
        if not attribute.show_on_product_page:
            continue
        shown = []
        for product, product_values in zip(products, values, strict=True):
            family_attribute = by_family.get(product.family_id, {}).get(code)
            rows = product_values.get(code)
            text = ""
            if family_attribute is not None and rows:
                text = format_stored_value(rows, language, unit=shown_unit(family_attribute, system))
            shown.append(text or EMPTY)
        if all(text == EMPTY for text in shown):
            continue
        row = ComparisonRow(code=code, label=localize(attribute.name, language) or code, values=shown)
        groups.setdefault(first.group, []).append(row)
    ungrouped = groups.pop(None, [])
    result = [
        ComparisonGroup(localize(group.name, language) or group.code, rows) for group, rows in groups.items()
    ]
    if ungrouped:
        result.append(ComparisonGroup(_("Further data") if result else _("Technical data"), ungrouped))
    return Comparison(
        products=[_header(product, language) for product in products],
        groups=result,
        missing=list(missing),
        unit_system=system,
    )


# --- CSV ---------------------------------------------------------------------------------------------
def _cell(text) -> str:
    """A CSV cell a spreadsheet will not run, by the project's one rule (“-10 … 120 °C”
    included: every cell here is text)."""
    return csv_text("" if text is None else str(text))


def comparison_csv(comparison: Comparison, absolute_url) -> str:
    """The comparison as CSV (comma-separated, quoted as needed, UTF-8 with BOM so that
    spreadsheet programs read the umlauts and unit symbols): one column per product, the
    units inside the value cells as on the page. ``absolute_url(path)`` makes the product
    links absolute."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    products = comparison.products

    def write(group, label, cells):
        writer.writerow([_cell(group), _cell(label), *(_cell(cell) for cell in cells)])

    write(_("Group"), _("Attribute"), [item.product.article_number for item in products])
    write("", _("Name"), [item.name for item in products])
    write("", _("Lifecycle"), [item.product.get_lifecycle_display() for item in products])
    write("", _("Product page"), [absolute_url(item.url) for item in products])
    for group in comparison.groups:
        for row in group.rows:
            write(group.title, row.label, row.values)
    return "\ufeff" + buffer.getvalue()
