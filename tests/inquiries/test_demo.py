"""Demo inquiries: a newcomer's inbox shows an overdue, an in-progress and a quoted inquiry
over public demo products, with quantities the products can be ordered in."""

from decimal import Decimal

import pytest

from pim.catalog.models import Lifecycle, Product
from pim.inquiries.demo import create_demo_inquiries
from pim.inquiries.models import Inquiry, InquiryLine, InquiryStatus
from pim.inquiries.reminders import is_overdue
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_demo_inquiries_fill_the_inbox_with_public_products_and_orderable_quantities(family):
    for number in range(6):
        make_product(
            family,
            article_number=f"KH-{number}",
            min_order_quantity=Decimal(10),
            order_quantity_step=Decimal(5),
        )
    make_product(family, article_number="KH-DRAFT", lifecycle=Lifecycle.DRAFT)

    inquiries = create_demo_inquiries(Product.objects.all(), seed=1)

    assert [inquiry.status for inquiry in inquiries] == [
        InquiryStatus.NEW,
        InquiryStatus.IN_PROGRESS,
        InquiryStatus.QUOTED,
    ]
    assert is_overdue(inquiries[0])  # the dashboard and the inbox show an overdue one
    lines = InquiryLine.objects.exclude(article_number="")
    assert lines.exists()
    assert "KH-DRAFT" not in set(lines.values_list("article_number", flat=True))
    for line in lines:
        assert line.quantity >= 10 and (line.quantity - 10) % 5 == 0, line.quantity
    assert InquiryLine.objects.filter(article_number="", inquiry=inquiries[0]).count() == 1  # a custom requirement

    assert create_demo_inquiries(Product.objects.all(), seed=1) == []  # never twice
    assert Inquiry.objects.count() == 3
