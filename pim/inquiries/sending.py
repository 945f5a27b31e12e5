"""Sending the selection as a request for quote.

Everything is checked before anything is written: the form, an empty selection, quantities
that cannot be ordered. Then one transaction stores the inquiry with all its lines, copying
the product data as they are now (article number, name in the visitor's language, order
unit), and queues the mails and the overdue reminder for after the commit; only then is the
selection cleared. A failure leaves no inquiry and the selection as it was.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .forms import CONSENT_TEXT, InquiryForm
from .models import Inquiry, InquiryLine
from .reminders import schedule_reminder
from .selection import Selection, SelectionLine
from .tasks import send_inquiry_mails

# Field lengths of InquiryLine the copied product data must fit.
_ARTICLE_NUMBER_MAX = InquiryLine._meta.get_field("article_number").max_length
_PRODUCT_NAME_MAX = InquiryLine._meta.get_field("product_name").max_length


class InquiryRefused(Exception):
    """The selection cannot be sent as it is. ``message`` says why for the page;
    ``line_problems`` maps line ids to the message shown at that line."""

    def __init__(self, message: str, line_problems: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.line_problems = line_problems or {}


@dataclass
class SentInquiry:
    """The stored inquiry and the article numbers left out because they are no longer public."""

    inquiry: Inquiry
    withdrawn: list[str] = field(default_factory=list)


def check_lines(lines: list[SelectionLine]) -> None:
    """Refuse an empty selection and lines whose quantity cannot be ordered."""
    if not lines:
        raise InquiryRefused(
            _("Your selection is empty. Add products (or a custom requirement) before requesting a quote.")
        )
    problems = {line.id: problem for line in lines if (problem := line.quantity_problem())}
    if problems:
        raise InquiryRefused(
            _(
                "Correct the quantities marked in the list before sending; they cannot be ordered as they are."
            ),
            problems,
        )


def _inquiry_lines(lines: list[SelectionLine], notes: dict[str, str], language: str) -> list[InquiryLine]:
    rows = []
    for position, line in enumerate(lines, start=1):
        note = notes.get(line.id, line.note)
        if line.product is None:
            rows.append(
                InquiryLine(
                    position=position,
                    requirement=line.requirement,
                    order_unit=line.order_unit,
                    quantity=line.quantity,
                    note=note,
                )
            )
            continue
        product = line.product
        rows.append(
            InquiryLine(
                position=position,
                product=product,
                article_number=product.article_number[:_ARTICLE_NUMBER_MAX],
                product_name=product.display_name(language)[:_PRODUCT_NAME_MAX],
                order_unit=product.order_unit,
                quantity=line.quantity,
                note=note,
            )
        )
    return rows


def send_selection(selection: Selection, form: InquiryForm, *, language: str) -> SentInquiry:
    """Store the visitor's selection with the contact data of the valid ``form`` as an
    inquiry, queue its mails and clear the selection. Raises :class:`InquiryRefused` (nothing
    stored, selection unchanged) when the selection cannot be sent."""
    lines = selection.lines()
    withdrawn = selection.withdrawn()
    check_lines(lines)
    data = form.cleaned_data
    notes = form.notes()
    fields = {
        "name": data["name"],
        "company": data["company"],
        "email": data["email"],
        "phone": data.get("phone", ""),
        "country": data["country"],
        "requested_delivery_date": data.get("requested_delivery_date"),
        "message": data.get("message", ""),
        "language": language,
        # The wording exactly as the visitor saw it (the page is rendered in ``language``).
        "consent_text": str(CONSENT_TEXT),
    }
    # The reference is random (RFQ-2026-7K3M9Q); a collision with an older one is retried
    # with a new reference rather than refused.
    for attempt in range(3):
        try:
            with transaction.atomic():
                inquiry = Inquiry.objects.create(**fields)
                rows = _inquiry_lines(lines, notes, language)
                for row in rows:
                    row.inquiry = inquiry
                InquiryLine.objects.bulk_create(rows)
                # robust: a queue that refuses the task must not turn a stored inquiry into an
                # error page; the inbox's overdue reminder still brings it to the sales team.
                transaction.on_commit(lambda pk=inquiry.pk: send_inquiry_mails.enqueue(pk), robust=True)
                transaction.on_commit(lambda stored=inquiry: schedule_reminder(stored), robust=True)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    selection.clear()
    return SentInquiry(inquiry=inquiry, withdrawn=withdrawn)
