"""Inquiries made directly with the ORM for the inbox, export and reminder tests (the public
sending code is tested on its own)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from pim.inquiries.models import Inquiry, InquiryLine


def make_inquiry(*, lines=(), hours_ago: float = 0, **fields) -> Inquiry:
    """An inquiry received ``hours_ago``; ``lines``: dicts of InquiryLine fields (position is
    counted), a product given as ``product`` fills article number, name and unit as sent."""
    values = {
        "name": "Erika Mustermann",
        "company": "Hydraulik Nord GmbH",
        "email": "erika@hydraulik-nord.example",
        "country": "DE",
        "language": "de",
        "consent_text": "I agree that my data is processed to answer this inquiry.",
        "created_at": timezone.now() - timedelta(hours=hours_ago),
        **fields,
    }
    inquiry = Inquiry.objects.create(**values)
    for position, line in enumerate(lines, start=1):
        line = dict(line)
        product = line.get("product")
        if product is not None:
            line.setdefault("article_number", product.article_number)
            line.setdefault("product_name", product.name.get("en", ""))
            line.setdefault("order_unit", product.order_unit or "C62")
        line.setdefault("quantity", Decimal("1"))
        InquiryLine.objects.create(inquiry=inquiry, position=position, **line)
    return inquiry
