"""The visitor's selection: products and quantities kept for an inquiry.

A visitor adds products from product pages, result lists and the comparison, edits the
quantities and removes lines on the selection page. It lives in the visitor's Django session
(no account needed); only article keys (:func:`~pim.catalog.identifiers.normalize_article_number`)
and quantities are stored, so a product that stops being public (draft, discontinued,
deleted) silently drops out of :meth:`Selection.lines` and :meth:`Selection.count`, and a
product renumbered to an equal key stays in.

Hook for the inquiry (RFQ, a later issue): the inquiry form reads
``Selection(request.session).lines()`` — each :class:`SelectionLine` has the public
``product``, the requested ``quantity`` (a positive ``Decimal`` in the product's order unit)
and the product's order data — sends it with the visitor's contact data, and then calls
:meth:`Selection.clear`. Nothing else needs to change here: the storage format is private to
this module.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from pim.catalog.identifiers import normalize_article_number
from pim.catalog.models import Product

SESSION_KEY = "pim.selection"
# Enough for a real bill of materials, small enough to keep the session row small.
MAX_LINES = 100
MAX_QUANTITY = Decimal("1000000")
QUANTITY_DECIMALS = 3


class SelectionError(ValueError):
    """A change the selection refuses; the message says what was wrong and how to fix it."""


@dataclass
class SelectionLine:
    product: Product
    quantity: Decimal

    @property
    def below_minimum(self) -> bool:
        """Whether the quantity is below the product's minimum order quantity (an inquiry
        may still ask for it; the page points it out)."""
        minimum = self.product.min_order_quantity
        return minimum is not None and self.quantity < minimum


def parse_quantity(value) -> Decimal:
    """A quantity as typed (``3``, ``2.5``, ``2,5``): positive, at most three decimals."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    try:
        quantity = Decimal(text)
    except InvalidOperation:
        raise SelectionError(
            _("“%(value)s” is not a quantity. Enter a number such as 1 or 2.5.") % {"value": value}
        ) from None
    if not quantity.is_finite() or quantity <= 0:
        raise SelectionError(_("The quantity must be greater than 0, not “%(value)s”.") % {"value": value})
    if quantity > MAX_QUANTITY:
        raise SelectionError(
            _("The quantity %(value)s is too large; at most %(max)s.") % {"value": value, "max": MAX_QUANTITY}
        )
    if quantity != quantity.quantize(Decimal(1).scaleb(-QUANTITY_DECIMALS)):
        raise SelectionError(
            _("The quantity “%(value)s” has more than %(places)s decimal places.")
            % {"value": value, "places": QUANTITY_DECIMALS}
        )
    return quantity.normalize() if quantity == quantity.to_integral() else quantity


def _public_product(article_number: str) -> Product:
    key = normalize_article_number(article_number or "")
    # Control characters are in no article number (and PostgreSQL refuses NUL in a query).
    valid = key and not any(ord(char) < 32 for char in key)
    product = Product.objects.publicly_visible().filter(article_number_key=key).first() if valid else None
    if product is None:
        raise SelectionError(
            _("There is no product with article number “%(number)s” to select.") % {"number": article_number}
        )
    return product


class Selection:
    """The selection kept in ``session`` (a Django session). Reading costs no query until
    :meth:`lines` or :meth:`count`; a visitor without a session gets no session row."""

    def __init__(self, session):
        self._session = session

    # --- storage -----------------------------------------------------------------------------
    def _entries(self) -> list[list[str]]:
        stored = self._session.get(SESSION_KEY)
        if not isinstance(stored, list):
            return []
        return [entry for entry in stored if isinstance(entry, list) and len(entry) == 2]

    def _save(self, entries) -> None:
        self._session[SESSION_KEY] = entries
        self._session.modified = True

    def keys(self) -> list[str]:
        """The stored article keys in the order they were added (not checked for visibility)."""
        return [key for key, _quantity in self._entries()]

    def __contains__(self, product) -> bool:
        return product.article_number_key in self.keys()

    # --- changes ------------------------------------------------------------------------------
    def add(self, article_number: str, quantity=None) -> SelectionLine:
        """Add a public product (quantity: given, else its minimum order quantity, else 1). A
        product already selected keeps its line; a given quantity replaces the old one."""
        product = _public_product(article_number)
        entries = self._entries()
        for entry in entries:
            if entry[0] == product.article_number_key:
                if quantity is not None:
                    entry[1] = str(parse_quantity(quantity))
                    self._save(entries)
                return SelectionLine(product, Decimal(entry[1]))
        if len(entries) >= MAX_LINES:
            raise SelectionError(
                _("The selection holds at most %(max)s products. Remove some before adding more.")
                % {"max": MAX_LINES}
            )
        if quantity is None:
            amount = product.min_order_quantity if product.min_order_quantity else Decimal(1)
        else:
            amount = parse_quantity(quantity)
        entries.append([product.article_number_key, str(amount)])
        self._save(entries)
        return SelectionLine(product, Decimal(amount))

    def set_quantity(self, article_number: str, quantity) -> None:
        """Change the quantity of a selected product."""
        key = normalize_article_number(article_number)
        amount = parse_quantity(quantity)
        entries = self._entries()
        for entry in entries:
            if entry[0] == key:
                entry[1] = str(amount)
                self._save(entries)
                return
        raise SelectionError(_("“%(number)s” is not in your selection.") % {"number": article_number})

    def remove(self, article_number: str) -> bool:
        """Remove a product; whether it was there."""
        key = normalize_article_number(article_number)
        entries = self._entries()
        kept = [entry for entry in entries if entry[0] != key]
        if len(kept) == len(entries):
            return False
        self._save(kept)
        return True

    def clear(self) -> None:
        if SESSION_KEY in self._session:
            del self._session[SESSION_KEY]

    # --- reading ------------------------------------------------------------------------------
    def lines(self) -> list[SelectionLine]:
        """The selected products that are publicly visible now, in the order they were added,
        with their quantities (one query)."""
        entries = self._entries()
        if not entries:
            return []
        products = {
            product.article_number_key: product
            for product in Product.objects.publicly_visible()
            .filter(article_number_key__in=[key for key, _quantity in entries])
            .select_related("family", "product_model")
        }
        return [
            SelectionLine(products[key], Decimal(quantity)) for key, quantity in entries if key in products
        ]

    def count(self) -> int:
        """How many selected products are publicly visible (no query when empty)."""
        keys = self.keys()
        if not keys:
            return 0
        return Product.objects.publicly_visible().filter(article_number_key__in=keys).count()
