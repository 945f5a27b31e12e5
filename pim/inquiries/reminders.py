"""Overdue inquiries and the one reminder mail each of them gets.

An inquiry is overdue while it is still new ``PIM_INQUIRY_RESPONSE_HOURS`` after it arrived.
The inbox marks it and the dashboard lists it; once, the sales address (and the assignee, if
any) get a reminder. ``Inquiry.reminder_sent_at`` is the record that it went out: it is set by
the same statement that claims the inquiry, so two workers, a worker and cron, or a retried
task never send the same reminder twice.

Two triggers share :func:`send_reminders`: the task :func:`send_inquiry_reminders`, queued for
the moment an inquiry becomes overdue (:func:`schedule_reminder`) and re-queued by itself for
the next one, and the management command ``remind_inquiries`` run from cron, which catches
anything a lost task would miss.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince
from django_tasks import task

from pim.task_queue import enqueue_once

from .models import Inquiry, InquiryStatus

# A reminder whose mail failed is tried again this much later (cron may be sooner).
RETRY_AFTER = timedelta(minutes=10)

logger = logging.getLogger("pim.inquiries")


def response_time() -> timedelta:
    """How long an inquiry may stay new before it is overdue."""
    return timedelta(hours=settings.PIM_INQUIRY_RESPONSE_HOURS)


def overdue_condition(now: datetime | None = None) -> Q:
    """The filter of overdue inquiries at ``now`` (default: the current time)."""
    return Q(status=InquiryStatus.NEW, created_at__lte=(now or timezone.now()) - response_time())


def overdue_inquiries(now: datetime | None = None) -> QuerySet:
    """Inquiries still new after the response time, oldest first."""
    return Inquiry.objects.filter(overdue_condition(now)).order_by("created_at", "pk")


def is_overdue(inquiry: Inquiry, now: datetime | None = None) -> bool:
    """Whether ``inquiry`` is overdue at ``now``; the same rule as :func:`overdue_condition`."""
    return (
        inquiry.status == InquiryStatus.NEW
        and inquiry.created_at <= (now or timezone.now()) - response_time()
    )


def reminder_recipients(inquiry: Inquiry) -> list[str]:
    """The configured sales addresses, plus the assignee's address if someone has the inquiry."""
    recipients = list(settings.PIM_INQUIRY_EMAIL)
    assignee = inquiry.assignee
    known = {address.lower() for address in recipients}
    if assignee is not None and assignee.is_active and assignee.email and assignee.email.lower() not in known:
        recipients.append(assignee.email)
    return recipients


def admin_url(inquiry: Inquiry) -> str:
    """The absolute address of the inquiry in the admin (for mails)."""
    return settings.PIM_BASE_URL + reverse("inquiries:edit", args=[inquiry.pk])


def reminder_message(inquiry: Inquiry, now: datetime | None = None) -> EmailMessage:
    """The reminder mail of one overdue inquiry, in the site's default language (it goes to
    the sales team, not to the visitor)."""
    now = now or timezone.now()
    line_count = getattr(inquiry, "line_count", None)
    if line_count is None:
        line_count = inquiry.lines.count()
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "inquiry": inquiry,
            "age": timesince(inquiry.created_at, now),
            "received": timezone.localtime(inquiry.created_at),
            "hours": f"{settings.PIM_INQUIRY_RESPONSE_HOURS:g}",
            "line_count": line_count,
            "country": inquiry.country.name,
            "url": admin_url(inquiry),
        }
        # A subject is one line whatever the template's line breaks.
        subject = " ".join(render_to_string("inquiries/email/reminder_subject.txt", context).split())
        body = render_to_string("inquiries/email/reminder_body.txt", context)
    return EmailMessage(subject, body, to=reminder_recipients(inquiry))


def _claim(inquiry: Inquiry, now: datetime) -> bool:
    """Take the reminder of ``inquiry`` for this run: one conditional UPDATE claims and stamps
    in a single statement. A concurrent claim of the same row waits for this one's row lock
    (PostgreSQL re-checks the condition after it, SQLite runs one writer at a time) and then
    matches nothing, so exactly one claimant sends. Nothing is read and held in between, which
    is what ``select_for_update(skip_locked=True)`` plus a save would need a transaction for."""
    claimed = Inquiry.objects.filter(
        overdue_condition(now), pk=inquiry.pk, reminder_sent_at__isnull=True
    ).update(reminder_sent_at=now)
    return claimed == 1


@dataclass
class ReminderRun:
    """What one run did: the inquiries reminded, and those whose mail failed (retried by the
    next run)."""

    sent: list[Inquiry]
    failed: list[Inquiry]


def due_for_reminder(now: datetime | None = None) -> QuerySet:
    """Overdue inquiries that have not had their reminder, oldest first."""
    return (
        overdue_inquiries(now)
        .filter(reminder_sent_at__isnull=True)
        .select_related("assignee")
        .annotate(line_count=Count("lines"))
    )


def send_reminders(*, dry_run: bool = False, now: datetime | None = None) -> ReminderRun:
    """Send the reminder of every overdue inquiry that has none yet; ``dry_run`` sends
    nothing and returns what would go out (as ``sent``).

    Call it outside a transaction: each claim must be committed before its mail leaves, so
    that a rollback cannot leave a sent mail without its stamp."""
    now = now or timezone.now()
    candidates = list(due_for_reminder(now))
    if dry_run:
        return ReminderRun(sent=candidates, failed=[])
    run = ReminderRun(sent=[], failed=[])
    for inquiry in candidates:
        # Built before the claim: a template error must not leave a stamp without a mail.
        message = reminder_message(inquiry, now)
        if not _claim(inquiry, now):
            continue  # another worker has it, or it was answered meanwhile
        try:
            message.send()
        except OSError:  # SMTP errors are OSErrors: the server refused or was unreachable
            # Give the claim back (only if it is still ours) so that the next run retries.
            Inquiry.objects.filter(pk=inquiry.pk, reminder_sent_at=now).update(reminder_sent_at=None)
            logger.exception("Reminder of inquiry %s could not be sent", inquiry.reference)
            run.failed.append(inquiry)
            continue
        inquiry.reminder_sent_at = now
        run.sent.append(inquiry)
    return run


def schedule_reminder(inquiry: Inquiry) -> bool:
    """Queue :func:`send_inquiry_reminders` for the moment ``inquiry`` becomes overdue (call it
    when an inquiry is stored). Returns whether a task was queued: not when one already waits
    to run no later than that (it re-queues itself for the next due inquiry), nor on task
    backends that cannot defer (the cron command covers them)."""
    return enqueue_once(send_inquiry_reminders, run_after=inquiry.created_at + response_time())


def schedule_next_reminder(now: datetime | None = None) -> bool:
    """Queue the task for the next inquiry that will become overdue, if any."""
    now = now or timezone.now()
    upcoming = (
        Inquiry.objects.filter(
            status=InquiryStatus.NEW, reminder_sent_at__isnull=True, created_at__gt=now - response_time()
        )
        .order_by("created_at")
        .first()
    )
    return schedule_reminder(upcoming) if upcoming is not None else False


@task()
def send_inquiry_reminders() -> int:
    """Remind the sales team of every overdue inquiry (once each) and queue the next run for
    the next inquiry that will become overdue; returns how many reminders went out."""
    run = send_reminders()
    if run.failed:
        enqueue_once(send_inquiry_reminders, run_after=timezone.now() + RETRY_AFTER)
    schedule_next_reminder()
    return len(run.sent)
