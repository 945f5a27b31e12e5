"""Demo inquiries, so that a newcomer's sales inbox shows what arrives: built when
``demo_catalog`` has built the products (``demo_catalog_built``).

Three requests for quote from invented customers over public demo products: one still new and
past the response time (overdue, on the dashboard), one in progress, one quoted. Mails are not
sent and reminders not queued for them: they stand for inquiries that arrived earlier.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pim.catalog.models import Product

from .models import Inquiry, InquiryLine, InquiryStatus

CUSTOMERS = [
    # name, company, e-mail, country, language, status, hours ago, message
    (
        "Erika Brandt",
        "Brandt Lebensmitteltechnik GmbH",
        "e.brandt@example.com",
        "DE",
        "de",
        InquiryStatus.NEW,
        7,
        "Bitte mit Lieferzeit anbieten; wir planen die Montage Ende des Quartals.",
    ),
    (
        "Tom Hughes",
        "Hughes Mobile Hydraulics Ltd",
        "tom.hughes@example.com",
        "GB",
        "en",
        InquiryStatus.IN_PROGRESS,
        30,
        "Framework order for the coming year; please quote the tier prices.",
    ),
    (
        "Lucie Martin",
        "Martin Automatisation SARL",
        "l.martin@example.com",
        "FR",
        "en",
        InquiryStatus.QUOTED,
        75,
        "",
    ),
]


def create_demo_inquiries(products, seed: int = 1) -> list[Inquiry]:
    """The demo inquiries over ``products`` (public ones are chosen); none when inquiries exist."""
    if Inquiry.objects.exists():
        return []
    chooser = random.Random(seed)
    public = list(
        Product.objects.publicly_visible()
        .filter(pk__in=products.values("pk"))
        .select_related("product_model")
        .order_by("pk")[:400]
    )
    if len(public) < 4:
        return []
    now = timezone.now()
    created = []
    with transaction.atomic():
        for name, company, email, country, language, status, hours, message in CUSTOMERS:
            inquiry = Inquiry.objects.create(
                name=name,
                company=company,
                email=email,
                country=country,
                language=language,
                status=status,
                message=message,
                consent_text="(demo data)",
                created_at=now - timedelta(hours=hours),
                requested_delivery_date=(now + timedelta(days=42)).date() if status != InquiryStatus.NEW else None,
            )
            lines = []
            for position, product in enumerate(chooser.sample(public, chooser.randint(2, 4)), start=1):
                step = product.order_quantity_step or Decimal(1)
                quantity = (product.min_order_quantity or Decimal(1)) + step * chooser.randint(0, 9)
                lines.append(
                    InquiryLine(
                        inquiry=inquiry,
                        position=position,
                        product=product,
                        article_number=product.article_number,
                        product_name=product.display_name(language)[:300],
                        order_unit=product.order_unit,
                        quantity=quantity,
                    )
                )
            if status == InquiryStatus.NEW:
                lines.append(
                    InquiryLine(
                        inquiry=inquiry,
                        position=len(lines) + 1,
                        requirement="Sonderanfertigung: Verschraubung wie oben, Gehäuse aus 1.4404, FDA-konforme Dichtung",
                        order_unit="C62",
                        quantity=Decimal(50),
                        note="Zeichnung folgt per E-Mail",
                    )
                )
            InquiryLine.objects.bulk_create(lines)
            created.append(inquiry)
    return created


def on_demo_catalog_built(sender, products=None, seed=1, verbosity=1, stdout=None, **kwargs):
    """``demo_catalog_built`` receiver (connected in ``InquiriesConfig.ready``)."""
    if products is None:
        return
    inquiries = create_demo_inquiries(products, seed)
    if inquiries and stdout is not None and verbosity >= 1:
        stdout.write(
            f"Demo inquiries: {', '.join(inquiry.reference for inquiry in inquiries)} "
            f"(sales address {', '.join(settings.PIM_INQUIRY_EMAIL)})"
        )
