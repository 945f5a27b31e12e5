"""Find the product a person typed: the rule the search box and the selection's "add many" share.

An engineer copies an article number from an old drawing, however loosely
(``hsb530m16x6588``), a GTIN from a label or a manufacturer part number; only publicly
visible products are ever found, so a draft's number behaves exactly like a number that
does not exist.
"""

import re

from django.utils.translation import get_language

from pim.catalog.identifiers import normalize_article_number
from pim.catalog.models import Product

from .backends import search as run_search
from .query import SearchQuery, SearchQueryError

_GTIN_SEPARATORS = re.compile(r"[\s\-]+")
GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_forms(text: str) -> list[str]:
    """The ways a GTIN may be stored: GTIN-8/12/13/14 are the same number with leading zeros
    (a GTIN-13 typed from a label is stored as 13 digits, or as a GTIN-14 with a zero)."""
    digits = _GTIN_SEPARATORS.sub("", text)
    if not digits.isdigit() or len(digits) not in GTIN_LENGTHS:
        return []
    significant = digits.lstrip("0")
    return sorted({significant.zfill(length) for length in GTIN_LENGTHS if len(significant) <= length})


def find_product(text: str) -> Product | None:
    """The publicly visible product ``text`` names exactly: its article number (loosely:
    case, spaces, dots, dashes, slashes ignored), else its GTIN, else its manufacturer part
    number. None when nothing or more than one product matches."""
    key = normalize_article_number(text)
    if not key:
        return None
    visible = Product.objects.publicly_visible().only("pk", "article_number")
    product = visible.by_article_number(text).first()
    if product is not None:
        return product
    gtins = gtin_forms(text)
    if gtins:
        found = list(visible.filter(gtin__in=gtins)[:2])
        if len(found) == 1:
            return found[0]
    if any(ch.isdigit() for ch in key) and len(key) >= 3:
        # Manufacturer part numbers have no index in the product table; both search backends
        # index them as exact keys, so ask the search and confirm the hits in the database.
        try:
            result = run_search(
                SearchQuery(text=text, language=get_language(), page_size=5, facets=False, suggestions=False)
            )
        except SearchQueryError:
            return None
        if result.ids:
            found = [
                product
                for product in visible.filter(pk__in=result.ids).only(
                    "pk", "article_number", "manufacturer_pid"
                )
                if product.manufacturer_pid and normalize_article_number(product.manufacturer_pid) == key
            ]
            if len(found) == 1:
                return found[0]
    return None
