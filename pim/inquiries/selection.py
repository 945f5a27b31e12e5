"""The visitor's selection: products and quantities kept for an inquiry.

A visitor adds products from product pages, result lists and the comparison, edits the
quantities and notes and removes lines on the selection page; a line may also be a free-text
requirement for a custom product (no article number). It lives in the visitor's Django
session (no account needed); only article keys
(:func:`~pim.catalog.identifiers.normalize_article_number`), quantities and notes are stored,
so a product that stops being public (draft, discontinued, deleted) drops out of
:meth:`Selection.lines` and :meth:`Selection.count` (:meth:`Selection.withdrawn` names it),
and a product renumbered to an equal key stays in.

The inquiry (``pim.inquiries.sending``) reads :meth:`Selection.lines`, refuses lines whose
:meth:`SelectionLine.quantity_problem` is not None, sends the rest and then calls
:meth:`Selection.clear`. The storage format is private to this module.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from functools import cached_property

from django.utils.crypto import get_random_string
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from pim.catalog.commercial import order_unit_label
from pim.catalog.identifiers import normalize_article_number
from pim.catalog.models import Product

from .models.inquiry import LINE_NOTE_MAX, REQUIREMENT_MAX

SESSION_KEY = "pim.selection"
# Enough for a real bill of materials, small enough to keep the session row small.
MAX_LINES = 100
MAX_QUANTITY = Decimal("1000000")
QUANTITY_DECIMALS = 3
# The order units (UN/ECE Rec. 20) a custom requirement may be asked in: piece, pair, set,
# pack, metre, kilogram, litre.
CUSTOM_UNITS = ("C62", "PR", "SET", "PK", "MTR", "KGM", "LTR")
_ID_CHARS = "abcdefghijkmnpqrstuvwxyz23456789"


class SelectionError(ValueError):
    """A change the selection refuses; the message says what was wrong and how to fix it."""


def format_quantity(value: Decimal) -> str:
    """A quantity as people read it in the current language (``2,5`` in German, no ``.000``)."""
    return number_format(_plain(value))


def _plain(value: Decimal) -> Decimal:
    # normalize() alone turns 10 into 1E+1.
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def valid_quantities_near(quantity: Decimal, minimum: Decimal | None, step: Decimal | None) -> list[Decimal]:
    """The orderable quantities nearest to ``quantity`` (empty when it is orderable itself).

    Orderable are ``minimum``, ``minimum + step``, ``minimum + 2·step`` …; a missing minimum
    means any positive quantity in steps, a missing step any quantity from the minimum on."""
    minimum = minimum if minimum and minimum > 0 else None
    step = step if step and step > 0 else None
    if minimum is not None and quantity < minimum:
        return [minimum]
    if step is None:
        return []
    base = minimum if minimum is not None else Decimal(0)
    steps = (quantity - base) / step
    if steps == steps.to_integral_value():
        return []
    lower = base + steps.to_integral_value(rounding=ROUND_FLOOR) * step
    upper = lower + step
    return [lower, upper] if lower > 0 and (minimum is None or lower >= minimum) else [upper]


@dataclass
class SelectionLine:
    """One line: a public ``product`` with its ``quantity`` in the product's order unit, or a
    custom ``requirement`` (free text, ``product`` None) with a ``quantity`` in ``custom_unit``
    (a UN/ECE code of :data:`CUSTOM_UNITS`)."""

    product: Product | None
    quantity: Decimal
    id: str = ""
    note: str = ""
    requirement: str = ""
    custom_unit: str = "C62"

    @property
    def is_custom(self) -> bool:
        return self.product is None

    @property
    def order_unit(self) -> str:
        """The UN/ECE code of the unit the quantity is in."""
        return self.custom_unit if self.product is None else self.product.order_unit

    @cached_property
    def unit_label(self) -> str:
        """The unit the quantity is in, as people read it (``piece``, ``m``); measured units
        cost a query, so it is read once per line."""
        return order_unit_label(self.order_unit)

    @property
    def below_minimum(self) -> bool:
        """Whether the quantity is below the product's minimum order quantity."""
        minimum = self.product.min_order_quantity if self.product is not None else None
        return minimum is not None and self.quantity < minimum

    def valid_quantities(self) -> list[Decimal]:
        """The nearest orderable quantities when this one is not orderable, else empty."""
        if self.product is None:
            return []
        return valid_quantities_near(
            self.quantity, self.product.min_order_quantity, self.product.order_quantity_step
        )

    def quantity_problem(self) -> str | None:
        """Why this quantity cannot be ordered and which quantities can, or None."""
        near = self.valid_quantities()
        if not near:
            return None
        product = self.product
        unit = self.unit_label
        values = {
            "number": product.article_number,
            "quantity": format_quantity(self.quantity),
            "unit": unit,
            "minimum": format_quantity(product.min_order_quantity),
            "step": format_quantity(product.order_quantity_step),
        }
        if self.below_minimum:
            return (
                _(
                    "%(number)s: the minimum order quantity is %(minimum)s %(unit)s; %(quantity)s %(unit)s "
                    "is less. Enter %(minimum)s or more."
                )
                % values
            )
        choices = [format_quantity(value) for value in near]
        if len(choices) == 2:
            values["choices"] = _("%(lower)s or %(upper)s") % {"lower": choices[0], "upper": choices[1]}
        else:
            values["choices"] = choices[0]
        return (
            _(
                "%(number)s is ordered in steps of %(step)s %(unit)s from %(minimum)s %(unit)s on; "
                "%(quantity)s %(unit)s is not an orderable quantity. Enter %(choices)s %(unit)s."
            )
            % values
        )


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
    return _plain(quantity)


def clean_note(note) -> str:
    """A line note as typed, refused when longer than the inquiry keeps."""
    text = str(note or "").strip()
    if len(text) > LINE_NOTE_MAX:
        raise SelectionError(
            _("The note has %(length)s characters; at most %(max)s fit. Shorten it.")
            % {"length": len(text), "max": LINE_NOTE_MAX}
        )
    return text


def _custom_unit(code) -> str:
    code = (code or "C62").strip().upper()
    if code not in CUSTOM_UNITS:
        raise SelectionError(
            _("Choose the unit from the list (piece, pair, set, pack, m, kg, l), not “%(unit)s”.")
            % {"unit": code[:20]}
        )
    return code


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
    :meth:`lines` or :meth:`count`; a visitor without a session gets no session row.

    Each line has a stable ``id`` (kept in the session) by which the page edits or removes it;
    product lines can also be addressed by article number."""

    def __init__(self, session):
        self._session = session

    # --- storage -----------------------------------------------------------------------------
    # An entry is a dict: "id", "qty" (a Decimal as text), "note", and either "key" (the article
    # key) + "number" (the article number as shown when added) or "req" (the requirement) +
    # "unit". Sessions written before lines had ids hold [key, quantity] pairs; they are read
    # as product lines.
    def _entries(self) -> list[dict]:
        stored = self._session.get(SESSION_KEY)
        if not isinstance(stored, list):
            return []
        entries = []
        for position, entry in enumerate(stored):
            if isinstance(entry, list) and len(entry) == 2:
                key, quantity = entry
                entry = {"id": f"p{position}", "key": key, "number": key, "qty": quantity, "note": ""}
            if isinstance(entry, dict) and entry.get("id") and ("key" in entry or "req" in entry):
                entries.append(entry)
        return entries

    def _save(self, entries) -> None:
        self._session[SESSION_KEY] = entries
        self._session.modified = True

    def _new_id(self, entries) -> str:
        taken = {entry["id"] for entry in entries}
        while True:
            candidate = get_random_string(8, _ID_CHARS)
            if candidate not in taken:
                return candidate

    def _find(self, entries, line: str) -> dict:
        """The entry with id ``line``, else the product entry with that article number."""
        for entry in entries:
            if entry["id"] == line:
                return entry
        key = normalize_article_number(line or "")
        for entry in entries:
            if key and entry.get("key") == key:
                return entry
        raise SelectionError(_("“%(number)s” is not in your selection.") % {"number": line})

    def keys(self) -> list[str]:
        """The stored article keys in the order they were added (not checked for visibility)."""
        return [entry["key"] for entry in self._entries() if "key" in entry]

    def __contains__(self, product) -> bool:
        return product.article_number_key in self.keys()

    def __len__(self) -> int:
        """How many lines are stored (withdrawn products included; no query)."""
        return len(self._entries())

    # --- changes ------------------------------------------------------------------------------
    def add(self, article_number: str, quantity=None, note=None) -> SelectionLine:
        """Add a public product (quantity: given, else its minimum order quantity, else 1). A
        product already selected keeps its line; a given quantity or note replaces the old one."""
        return self.add_product(_public_product(article_number), quantity, note)

    def add_product(self, product: Product, quantity=None, note=None) -> SelectionLine:
        """:meth:`add` for a product the caller has already found (and checked to be public)."""
        amount = parse_quantity(quantity) if quantity is not None else None
        note = clean_note(note) if note is not None else None
        entries = self._entries()
        for entry in entries:
            if entry.get("key") == product.article_number_key:
                if amount is not None:
                    entry["qty"] = str(amount)
                if note is not None:
                    entry["note"] = note
                self._save(entries)
                return self._line(entry, product)
        self._check_room(entries)
        if amount is None:
            amount = _plain(product.min_order_quantity) if product.min_order_quantity else Decimal(1)
        entry = {
            "id": self._new_id(entries),
            "key": product.article_number_key,
            "number": product.article_number,
            "qty": str(amount),
            "note": note or "",
        }
        entries.append(entry)
        self._save(entries)
        return self._line(entry, product)

    def add_requirement(self, requirement: str, quantity, unit: str = "C62", note: str = "") -> SelectionLine:
        """Add a free-text requirement for a product that is not in the catalog."""
        text = (requirement or "").strip()
        if not text:
            raise SelectionError(
                _("Describe the product you need, e.g. its dimensions, material and ratings.")
            )
        if len(text) > REQUIREMENT_MAX:
            raise SelectionError(
                _("The description has %(length)s characters; at most %(max)s fit. Shorten it.")
                % {"length": len(text), "max": REQUIREMENT_MAX}
            )
        unit = _custom_unit(unit)
        amount = parse_quantity(quantity)
        note = clean_note(note)
        entries = self._entries()
        self._check_room(entries)
        entry = {"id": self._new_id(entries), "req": text, "unit": unit, "qty": str(amount), "note": note}
        entries.append(entry)
        self._save(entries)
        return self._line(entry, None)

    def _check_room(self, entries) -> None:
        if len(entries) >= MAX_LINES:
            raise SelectionError(
                _("The selection holds at most %(max)s lines. Remove some before adding more.")
                % {"max": MAX_LINES}
            )

    def update(self, line: str, *, quantity=None, note=None, requirement=None, unit=None) -> None:
        """Change a line (by id, or a product line by article number): only what is given.
        Everything is checked before anything changes."""
        entries = self._entries()
        entry = self._find(entries, line)
        changes = {}
        if quantity is not None:
            changes["qty"] = str(parse_quantity(quantity))
        if note is not None:
            changes["note"] = clean_note(note)
        if "req" in entry and requirement is not None:
            text = requirement.strip()
            if not text or len(text) > REQUIREMENT_MAX:
                raise SelectionError(
                    _("Describe the product you need in 1 to %(max)s characters.") % {"max": REQUIREMENT_MAX}
                )
            changes["req"] = text
        if "req" in entry and unit is not None:
            changes["unit"] = _custom_unit(unit)
        entry.update(changes)
        self._save(entries)

    def set_quantity(self, article_number: str, quantity) -> None:
        """Change the quantity of a selected product (or of the line with that id)."""
        self.update(article_number, quantity=quantity)

    def remove(self, line: str) -> bool:
        """Remove a line (by id, or a product by article number); whether it was there."""
        entries = self._entries()
        try:
            entry = self._find(entries, line)
        except SelectionError:
            return False
        self._save([kept for kept in entries if kept is not entry])
        return True

    def clear(self) -> None:
        if SESSION_KEY in self._session:
            del self._session[SESSION_KEY]

    # --- reading ------------------------------------------------------------------------------
    def _line(self, entry: dict, product: Product | None) -> SelectionLine:
        return SelectionLine(
            product=product,
            quantity=Decimal(entry["qty"]),
            id=entry["id"],
            note=entry.get("note", ""),
            requirement=entry.get("req", ""),
            custom_unit=entry.get("unit") or "C62",
        )

    def _public_products(self, entries) -> dict[str, Product]:
        keys = [entry["key"] for entry in entries if "key" in entry]
        if not keys:
            return {}
        return {
            product.article_number_key: product
            for product in Product.objects.publicly_visible()
            .filter(article_number_key__in=keys)
            .select_related("family", "product_model")
        }

    def lines(self) -> list[SelectionLine]:
        """The lines in the order they were added: products that are publicly visible now and
        custom requirements (one query; none without product lines)."""
        entries = self._entries()
        products = self._public_products(entries)
        return [
            self._line(entry, products.get(entry.get("key")))
            for entry in entries
            if "req" in entry or entry["key"] in products
        ]

    def withdrawn(self) -> list[str]:
        """Article numbers in the selection whose products are no longer public (one query);
        they are not sent with an inquiry."""
        entries = self._entries()
        products = self._public_products(entries)
        return [
            entry.get("number") or entry["key"]
            for entry in entries
            if "key" in entry and entry["key"] not in products
        ]

    def count(self) -> int:
        """How many lines: publicly visible products plus custom requirements (no query when
        there are no product lines)."""
        entries = self._entries()
        custom = sum(1 for entry in entries if "req" in entry)
        keys = [entry["key"] for entry in entries if "key" in entry]
        if not keys:
            return custom
        return custom + Product.objects.publicly_visible().filter(article_number_key__in=keys).count()
