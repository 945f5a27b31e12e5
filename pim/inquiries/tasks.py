"""Background tasks of the inquiries app (django-tasks; run by ``manage.py db_worker``).

The mails of an inquiry leave after the inquiry is stored (queued on commit), so a slow or
failing mail server never loses an inquiry or holds up the visitor. Each mail is stamped on
the inquiry after it went out and skipped when stamped: a retried or repeated task sends no
mail twice. A mail server that fails is tried again later with growing pauses.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django_tasks import task

from pim.catalog.commercial import order_unit_label

from .models import Inquiry

logger = logging.getLogger("pim.inquiries")

# Pauses before the next try when the mail server refused: 1, 4, 16, 64 minutes, then 4 hours.
RETRY_MINUTES = (1, 4, 16, 64, 240)


def admin_url(inquiry: Inquiry) -> str:
    """The absolute address of the inquiry in the sales team's inbox (the admin's start page
    while the inbox is not installed)."""
    try:
        path = reverse("inquiries:edit", args=[inquiry.pk])
    except NoReverseMatch:
        path = reverse("wagtailadmin_home")
    return f"{settings.PIM_BASE_URL}{path}"


def _context(inquiry: Inquiry) -> dict:
    lines = [
        {
            "line": line,
            "unit": order_unit_label(line.order_unit, inquiry.language) if line.order_unit else "",
        }
        for line in inquiry.lines.order_by("position")
    ]
    return {
        "inquiry": inquiry,
        "lines": lines,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "admin_url": admin_url(inquiry),
        "response_hours": settings.PIM_INQUIRY_RESPONSE_HOURS,
    }


def _message(kind: str, inquiry: Inquiry, *, to, reply_to) -> EmailMultiAlternatives:
    context = _context(inquiry)
    prefix = f"inquiries/email/inquiry_{kind}"
    # A subject is one line: the template may wrap, the header may not.
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{prefix}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    return message


def visitor_mail(inquiry: Inquiry) -> EmailMultiAlternatives:
    """The confirmation to the visitor, in the visitor's language: reference, lines, what
    happens next. Replies go to the sales team."""
    with translation.override(inquiry.language):
        return _message("visitor", inquiry, to=[inquiry.email], reply_to=list(settings.PIM_INQUIRY_EMAIL))


def sales_mail(inquiry: Inquiry) -> EmailMultiAlternatives:
    """The inquiry for the sales team (``PIM_INQUIRY_EMAIL``), in the visitor's language, with
    the contact data, the lines and a link to the inbox. Replies go to the visitor."""
    with translation.override(inquiry.language):
        return _message("sales", inquiry, to=list(settings.PIM_INQUIRY_EMAIL), reply_to=[inquiry.email])


def _send_once(inquiry: Inquiry, stamp: str, build) -> bool:
    """Send the mail ``build`` makes unless ``stamp`` says it went out; stamp it after."""
    if getattr(inquiry, stamp) is not None:
        return False
    build(inquiry).send()
    # Stamped after sending: a worker that dies in between sends it again on the next try,
    # which is better for a request for quote than a mail that never leaves.
    now = timezone.now()
    Inquiry.objects.filter(pk=inquiry.pk, **{f"{stamp}__isnull": True}).update(**{stamp: now})
    setattr(inquiry, stamp, now)
    return True


def _retry_later(inquiry_id: int, attempt: int) -> bool:
    if attempt >= len(RETRY_MINUTES) or not send_inquiry_mails.get_backend().supports_defer:
        return False
    run_after = timezone.now() + datetime.timedelta(minutes=RETRY_MINUTES[attempt])
    send_inquiry_mails.using(run_after=run_after).enqueue(inquiry_id, attempt + 1)
    return True


@task()
def send_inquiry_mails(inquiry_id: int, attempt: int = 0) -> dict:
    """Send the sales mail and the visitor's confirmation of inquiry ``inquiry_id``, each
    unless it went out already. Returns which were sent now."""
    inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
    if inquiry is None:
        return {"sales": False, "visitor": False}
    sent, failed = {}, None
    # The sales team first: without its mail nobody answers.
    for kind, stamp, build in (
        ("sales", "sales_mail_sent_at", sales_mail),
        ("visitor", "visitor_mail_sent_at", visitor_mail),
    ):
        try:
            sent[kind] = _send_once(inquiry, stamp, build)
        except Exception as error:  # SMTP, DNS, TLS: the mail server's trouble, not the inquiry's
            sent[kind] = False
            failed = error
            logger.warning("inquiry %s: the %s mail could not be sent: %s", inquiry.reference, kind, error)
    if failed is not None:
        if _retry_later(inquiry_id, attempt):
            logger.info(
                "inquiry %s: mails are tried again later (attempt %s)", inquiry.reference, attempt + 2
            )
        raise failed
    return sent
