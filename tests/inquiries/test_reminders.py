"""Overdue inquiries and their one reminder: detection, the mail, the task (run twice, one
mail), the cron command, failures retried, and the deferred task queued per inquiry."""

import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pim.inquiries import reminders
from pim.inquiries.models import Inquiry, InquiryStatus
from pim.inquiries.reminders import (
    is_overdue,
    overdue_inquiries,
    schedule_reminder,
    send_inquiry_reminders,
    send_reminders,
)

from .inbox_data import make_inquiry

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _sales(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PIM_INQUIRY_EMAIL = ["sales@example.com", "vertrieb@example.com"]
    settings.PIM_INQUIRY_RESPONSE_HOURS = 4
    settings.PIM_BASE_URL = "https://pim.example.com"
    settings.LANGUAGE_CODE = "en"


def test_overdue_is_new_beyond_the_response_time(settings):
    late = make_inquiry(hours_ago=4.5)
    early = make_inquiry(hours_ago=3.5)
    handled = make_inquiry(hours_ago=30, status=InquiryStatus.IN_PROGRESS)
    assert [inquiry.pk for inquiry in overdue_inquiries()] == [late.pk]
    assert is_overdue(late) and not is_overdue(early) and not is_overdue(handled)
    assert is_overdue(early, now=timezone.now() + timedelta(hours=1))
    settings.PIM_INQUIRY_RESPONSE_HOURS = 3
    assert {inquiry.pk for inquiry in overdue_inquiries()} == {late.pk, early.pk}


def test_task_run_twice_sends_one_reminder_per_overdue_inquiry(settings):
    settings.TASKS = IMMEDIATE_TASKS
    assignee = User.objects.create(username="jonas", email="jonas@example.com", first_name="Jonas")
    overdue = make_inquiry(
        hours_ago=6, company="Hydraulik Nord GmbH", assignee=assignee, lines=[{"requirement": "x"}]
    )
    make_inquiry(hours_ago=1)  # not yet due
    make_inquiry(hours_ago=8, status=InquiryStatus.QUOTED)  # answered

    assert send_inquiry_reminders.enqueue().return_value == 1
    assert send_inquiry_reminders.enqueue().return_value == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sales@example.com", "vertrieb@example.com", "jonas@example.com"]
    assert overdue.reference in message.subject and "Hydraulik Nord GmbH" in message.subject
    assert "\n" not in message.subject
    assert f"https://pim.example.com/admin/inquiries/edit/{overdue.pk}/" in message.body
    assert "still new 4 hours after it arrived" in message.body
    assert "Lines: 1" in message.body and "Assigned to: Jonas" in message.body
    overdue.refresh_from_db()
    assert overdue.reminder_sent_at is not None


def test_command_dry_run_sends_nothing_then_sends_once(capsys):
    inquiry = make_inquiry(hours_ago=5, company="Pneumatik Süd")
    call_command("remind_inquiries", "--dry-run")
    out = capsys.readouterr().out
    assert f"would remind: {inquiry.reference} Pneumatik Süd" in out
    assert mail.outbox == []
    inquiry.refresh_from_db()
    assert inquiry.reminder_sent_at is None

    call_command("remind_inquiries")
    assert f"reminded: {inquiry.reference}" in capsys.readouterr().out
    call_command("remind_inquiries")
    assert "no inquiry waits longer than 4 hours without a reminder" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_answered_before_the_claim_gets_no_reminder():
    inquiry = make_inquiry(hours_ago=5)
    candidate = Inquiry.objects.get(pk=inquiry.pk)
    now = timezone.now()
    Inquiry.objects.filter(pk=inquiry.pk).update(status=InquiryStatus.IN_PROGRESS)  # a colleague was faster
    assert reminders._claim(candidate, now) is False
    assert send_reminders().sent == []
    assert mail.outbox == []


def test_only_one_of_two_claims_wins():
    inquiry = make_inquiry(hours_ago=5)
    now = timezone.now()
    assert reminders._claim(inquiry, now) is True
    assert reminders._claim(inquiry, now + timedelta(seconds=1)) is False
    inquiry.refresh_from_db()
    assert inquiry.reminder_sent_at == now


def test_a_failed_mail_is_retried_by_the_next_run(monkeypatch, capsys):
    inquiry = make_inquiry(hours_ago=5)

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", refuse)
        with pytest.raises(CommandError, match=inquiry.reference):
            call_command("remind_inquiries")
    inquiry.refresh_from_db()
    assert inquiry.reminder_sent_at is None  # the claim was given back
    assert mail.outbox == []

    run = send_reminders()
    assert [sent.pk for sent in run.sent] == [inquiry.pk] and run.failed == []
    assert len(mail.outbox) == 1


def test_reminder_goes_to_sales_only_when_the_assignee_has_no_address():
    assignee = User.objects.create(username="noaddress", email="")
    make_inquiry(hours_ago=5, assignee=assignee)
    send_reminders()
    assert mail.outbox[0].to == ["sales@example.com", "vertrieb@example.com"]


def _waiting_reminder_tasks():
    return DBTaskResult.objects.filter(
        task_path=send_inquiry_reminders.module_path, status=TaskResultStatus.READY
    ).order_by("run_after")


def test_schedule_reminder_queues_one_task_for_when_the_inquiry_becomes_overdue(settings):
    settings.TASKS = DATABASE_TASKS
    first = make_inquiry(hours_ago=1)
    second = make_inquiry(hours_ago=0.5)

    assert schedule_reminder(first) is True
    assert schedule_reminder(first) is False  # already waiting
    # A task due earlier re-queues itself for the next inquiry when it has run.
    assert schedule_reminder(second) is False
    waiting = list(_waiting_reminder_tasks())
    assert len(waiting) == 1
    assert abs(waiting[0].run_after - (first.created_at + timedelta(hours=4))) < timedelta(seconds=1)


def test_the_task_queues_itself_for_the_next_inquiry_that_becomes_overdue(settings):
    settings.TASKS = DATABASE_TASKS
    due = make_inquiry(hours_ago=5)
    upcoming = make_inquiry(hours_ago=2)

    assert send_inquiry_reminders.call() == 1
    assert Inquiry.objects.get(pk=due.pk).reminder_sent_at is not None
    waiting = list(_waiting_reminder_tasks())
    assert len(waiting) == 1
    assert abs(waiting[0].run_after - (upcoming.created_at + timedelta(hours=4))) < timedelta(seconds=1)


def test_immediate_backend_cannot_defer_and_queues_nothing(settings):
    settings.TASKS = IMMEDIATE_TASKS
    assert schedule_reminder(make_inquiry(hours_ago=1)) is False
    assert mail.outbox == []
