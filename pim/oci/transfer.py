"""What a cart line becomes in the OCI 4.0 transfer: the ``NEW_ITEM-*`` fields.

Field names and lengths are those of SAP's OCI 4.0 specification; texts are cut to the
field's length (SAP refuses or cuts longer values itself, and a cut of our own keeps whole
characters), numbers are written with a decimal point and no thousands separator whatever the
page's language. A product without a price of the customer's price type and currency is
transferred with PRICE 0; the cart says so before the transfer (SAP then asks the buyer).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language

from pim.catalog.trade import plain_decimal, trade_value

from .models import MaterialGroupSource, OciCustomer

# Field lengths of OCI 4.0 (characters).
LENGTHS = {
    "DESCRIPTION": 40,
    "QUANTITY": 15,
    "UNIT": 3,
    "PRICE": 15,
    "PRICEUNIT": 5,
    "CURRENCY": 5,
    "LEADTIME": 5,
    "VENDOR": 10,
    "VENDORMAT": 40,
    "MANUFACTCODE": 10,
    "MANUFACTMAT": 40,
    "MATGROUP": 10,
    "EXT_PRODUCT_ID": 40,
}
CENT = Decimal("0.01")


def cut(text: str, length: int) -> str:
    """``text`` on one line, at most ``length`` characters."""
    return " ".join(str(text or "").split())[:length].rstrip()


def oci_number(value: Decimal) -> str:
    """A quantity or price as OCI reads it: decimal point, no thousands separator, no exponent."""
    return plain_decimal(Decimal(value))


def oci_amount(value: Decimal) -> str:
    """Money with at least two decimals (``12.50``), more only when the price has them."""
    value = Decimal(value)
    return f"{value.quantize(CENT)}" if value == value.quantize(CENT) else plain_decimal(value)


def price_for(product, customer: OciCustomer, quantity: Decimal):
    """The price row of the customer's price type and currency valid today for ``quantity``:
    the tier with the highest from-quantity not above it (the lowest tier when the quantity is
    below all). None when the product has no such price. Uses prefetched ``prices``."""
    rows = [
        price
        for price in product.valid_prices(customer.price_type, on=timezone.localdate())
        if price.currency == customer.currency
    ]
    if not rows:
        return None
    reached = [price for price in rows if price.min_quantity <= quantity]
    if reached:
        return max(reached, key=lambda price: price.min_quantity)
    return min(rows, key=lambda price: price.min_quantity)


def external_id(product) -> str:
    """NEW_ITEM-EXT_PRODUCT_ID, which SAP sends back as PRODUCTID (VALIDATE, DETAIL): the
    article number, or ``#<id>`` for the rare article number longer than the field."""
    if len(product.article_number) <= LENGTHS["EXT_PRODUCT_ID"]:
        return product.article_number
    return f"#{product.pk}"


def material_group(product, customer: OciCustomer) -> str:
    if customer.material_group_source == MaterialGroupSource.CATEGORY:
        categories = product.effective_categories()
        return categories[0].code if categories else ""
    if customer.material_group_source == MaterialGroupSource.ETIM_CLASS:
        return product.family.etim_class_code
    return ""


def long_text(product, language: str) -> str:
    """The full name (when DESCRIPTION had to be cut), short and long description."""
    name = product.display_name(language)
    parts = [name if len(name) > LENGTHS["DESCRIPTION"] else ""]
    parts += [
        product.description("short_description", language),
        product.description("long_description", language),
    ]
    return "\n".join(part.strip() for part in parts if part and part.strip())


@dataclass(frozen=True)
class TransferLine:
    """One cart line as the buyer sees it and as OCI transfers it."""

    product: object
    quantity: Decimal
    price: object  # ProductPrice or None

    @property
    def has_price(self) -> bool:
        return self.price is not None

    def fields(
        self, number: int, customer: OciCustomer, language: str | None = None
    ) -> list[tuple[str, str]]:
        """The ``NEW_ITEM-*`` (name, value) pairs of line ``number`` (1-based)."""
        language = language or get_language()
        product = self.product
        values = {
            "DESCRIPTION": product.display_name(language),
            "QUANTITY": oci_number(self.quantity),
            "UNIT": product.order_unit or customer.default_unit,
            "PRICE": oci_amount(self.price.amount) if self.price else "0",
            "PRICEUNIT": oci_number(product.price_quantity or Decimal(1)),
            "CURRENCY": customer.currency,
            "VENDORMAT": product.article_number,
            "MATGROUP": material_group(product, customer),
            "LEADTIME": _lead_time(product),
            "EXT_PRODUCT_ID": external_id(product),
            "MANUFACTMAT": product.manufacturer_pid,
        }
        if customer.manufacturer_code:
            values["MANUFACTCODE"] = customer.manufacturer_code
        if customer.vendor_number:
            values["VENDOR"] = customer.vendor_number
        pairs = [(f"NEW_ITEM-{name}[{number}]", cut(value, LENGTHS[name])) for name, value in values.items()]
        text = long_text(product, language)
        if text:
            pairs.append((f"NEW_ITEM-LONGTEXT_{number}:132[]", text))
        return pairs


def _lead_time(product) -> str:
    # The catalog's delivery time (trade data, working days; the series' when the product has
    # none). Availability pushed by an ERP does not exist yet.
    days = trade_value(product, "delivery_time_days")
    return str(days) if days is not None else ""


def transfer_fields(lines: list[TransferLine], customer: OciCustomer, language: str | None = None):
    """Every ``NEW_ITEM-*`` pair of the cart, lines numbered from 1."""
    return [
        pair for number, line in enumerate(lines, start=1) for pair in line.fields(number, customer, language)
    ]
