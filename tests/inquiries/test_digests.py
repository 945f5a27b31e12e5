"""Change-notice digests (pim.inquiries.digests): one message per address with every notice it
has not been sent, at most one per PIM_NOTICE_DIGEST_HOURS, in the subscriber's language, with
unsubscribe links; claimed digests are sent exactly once."""

import datetime
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pim.catalog.models import Lifecycle, ProductModel
from pim.inquiries import digests, notices
from pim.inquiries.models import Digest, DigestEntry, Notice, PendingCheck
from pim.inquiries.notice_tasks import detect_changes, send_digests
from pim.inquiries.subscriptions import email_to_unsubscribe
from tests.factories import make_product

from .notice_helpers import publish, subscribe, unsubscribe_targets

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_PUBLIC_BASE_URL = "https://catalog.example.com"
    settings.PIM_NOTICE_DIGEST_HOURS = 24


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def html_of(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def test_a_published_discontinuation_sends_exactly_one_digest_naming_the_successor(
    product, successor, commit, mailoutbox
):
    subscription = subscribe("buyer@example.com", product)
    subscribe("other@example.com", successor)  # not concerned
    with commit():
        publish(
            product,
            lifecycle=Lifecycle.DISCONTINUED,
            discontinued_date=datetime.date(2027, 3, 31),
            successor=successor,
        )

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["buyer@example.com"]
    assert message.subject == "Change notice: KH-1 Ball valve"
    assert "KH-1 Ball valve" in message.body
    assert "Discontinued as of" in message.body
    assert "Successor named: KH-2 Ball valve, new" in message.body
    assert "https://catalog.example.com/products/KH-1/" in message.body
    assert unsubscribe_targets(message.body) == [subscription.pk]
    assert "https://catalog.example.com/notices/manage/" in message.body
    html = html_of(message)
    assert "Successor named: KH-2 Ball valve, new" in html
    assert unsubscribe_targets(html) == [subscription.pk]
    # The header's one-click link ends every subscription of the address (the digest is one
    # message about all of them); the body has one link per subscription.
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<https://catalog.example.com/notices/unsubscribe-all/")
    assert email_to_unsubscribe(header.rstrip(">").rstrip("/").rsplit("/", 1)[1]) == "buyer@example.com"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    digest = Digest.objects.get()
    assert message.message()["Message-ID"] == digest.message_id
    assert digest.sent_at is not None

    assert digests.send_due().sent == 0  # never again
    assert len(mailoutbox) == 1


def test_the_digest_links_a_product_whose_article_number_has_a_slash_to_its_own_page(family, commit, mailoutbox):
    product = make_product(family, article_number="KH-1/2", name={"en": "Ball valve", "de": "Kugelhahn"})
    subscribe("buyer@example.com", product)
    with commit():
        publish(product, lifecycle=Lifecycle.PHASE_OUT, phase_out_date=datetime.date(2027, 1, 31))
    assert "https://catalog.example.com/products/KH-1/2/" in mailoutbox[0].body


def test_the_digest_is_in_the_subscribers_language(product, commit, mailoutbox):
    subscribe("kunde@example.com", product, language="de")
    with commit():
        publish(product, lifecycle=Lifecycle.PHASE_OUT, phase_out_date=datetime.date(2027, 1, 31))
    message = mailoutbox[0]
    assert "KH-1 Kugelhahn" in message.body
    assert "https://catalog.example.com/de/produkte/KH-1/" in message.body
    assert "/de/" in message.extra_headers["List-Unsubscribe"]
    assert Digest.objects.get().language == "de"


def test_two_changes_within_a_day_make_one_digest_then_the_next_waits(product, commit, mailoutbox):
    subscribe("buyer@example.com", product)
    with commit():
        publish(product, lifecycle=Lifecycle.PHASE_OUT)
    assert len(mailoutbox) == 1
    first = Digest.objects.get()

    with commit():
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
    with commit():
        publish(product, phase_out_date=datetime.date(2027, 5, 1))
    assert len(mailoutbox) == 1  # the second digest waits for the interval
    assert digests.due_addresses() == {"buyer@example.com": first.created_at + timedelta(hours=24)}
    outcome = digests.send_due()
    assert (outcome.sent, outcome.next_due) == (0, first.created_at + timedelta(hours=24))

    next_day = first.created_at + timedelta(hours=24, seconds=1)
    assert digests.send_due(next_day).sent == 1
    assert len(mailoutbox) == 2
    second = mailoutbox[1]
    assert "Discontinued." in second.body and "Phase-out announced" not in second.body
    assert Digest.objects.count() == 2
    assert not DigestEntry.objects.filter(digest__isnull=True).exists()


def test_changes_waiting_together_go_out_in_one_digest(
    product, successor, django_capture_on_commit_callbacks, mailoutbox
):
    subscribe("buyer@example.com", product)
    subscribe("buyer@example.com", successor)
    with django_capture_on_commit_callbacks(execute=False):  # the worker is busy elsewhere
        publish(product, lifecycle=Lifecycle.PHASE_OUT)
        publish(successor, lifecycle=Lifecycle.PHASE_OUT)
    notices.detect_pending()
    digests.send_due()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Change notice: 2 products changed"
    assert "KH-1 Ball valve" in mailoutbox[0].body and "KH-2 Ball valve, new" in mailoutbox[0].body


def test_a_product_and_its_series_subscription_share_one_digest_with_both_unsubscribe_links(
    family, django_capture_on_commit_callbacks, mailoutbox
):
    series = ProductModel.objects.create(code="BV", name={"en": "Ball valve BV"}, family=family, live=True)
    variant = make_product(family, article_number="BV-15", product_model=series, name={})
    direct = subscribe("both@example.com", variant)
    via_series = subscribe("both@example.com", series)
    with django_capture_on_commit_callbacks(execute=False):
        publish(variant, lifecycle=Lifecycle.PHASE_OUT)
        publish(make_product(family, article_number="BV-20", product_model=series, name={}, live=False))
    notices.detect_pending()
    digests.send_due()
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert body.count("Phase-out announced") == 1  # covered twice, told once
    assert "BV-20 Ball valve BV" in body and "Now available." in body
    assert sorted(unsubscribe_targets(body)) == sorted([direct.pk, via_series.pk])
    assert "Series BV Ball valve BV" in body


def test_dry_run_shows_what_would_go_out_and_changes_nothing(
    product, django_capture_on_commit_callbacks, capsys, mailoutbox
):
    subscribe("buyer@example.com", product)
    with django_capture_on_commit_callbacks(execute=False):
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
    assert PendingCheck.objects.count() == 1

    call_command("send_notices", "--dry-run")
    out = capsys.readouterr().out
    assert "to buyer@example.com (en), now:" in out
    assert "KH-1: Discontinued." in out
    assert mailoutbox == []
    assert (PendingCheck.objects.count(), Notice.objects.count(), Digest.objects.count()) == (1, 0, 0)

    call_command("send_notices")
    assert len(mailoutbox) == 1
    assert (PendingCheck.objects.count(), Digest.objects.filter(sent_at__isnull=False).count()) == (0, 1)


def test_a_claimed_digest_left_by_a_dead_worker_is_sent_by_the_next_run_once(
    product, django_capture_on_commit_callbacks, mailoutbox
):
    subscribe("buyer@example.com", product)
    with django_capture_on_commit_callbacks(execute=False):
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
    notices.detect_pending()
    digest = digests.claim("buyer@example.com")  # the worker died right after the claim
    assert digest is not None and mailoutbox == []

    outcome = digests.send_due()
    assert (outcome.claimed, outcome.sent) == (0, 1)
    assert mailoutbox[0].message()["Message-ID"] == digest.message_id
    assert digests.send_due().sent == 0
    assert len(mailoutbox) == 1


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_refused_digest_stays_claimed_and_is_retried_with_the_same_message_id(
    settings, product, django_capture_on_commit_callbacks
):
    settings.PIM_NOTICE_SEND_LEASE_SECONDS = 0
    subscribe("buyer@example.com", product)
    with django_capture_on_commit_callbacks(execute=False):
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
    notices.detect_pending()
    settings.EMAIL_BACKEND = "tests.inquiries.test_digests.RefusingBackend"
    outcome = digests.send_due()
    assert (outcome.claimed, outcome.sent, outcome.failed) == (1, 0, 1)
    assert outcome.next_due is not None
    digest = Digest.objects.get()
    assert (digest.sent_at, digest.attempts) == (None, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert digests.send_due().sent == 1
    assert mail.outbox[0].message()["Message-ID"] == digest.message_id
    assert Digest.objects.get().attempts == 2


def test_unsubscribing_after_the_claim_sends_nothing(product, django_capture_on_commit_callbacks, mailoutbox):
    subscription = subscribe("buyer@example.com", product)
    with django_capture_on_commit_callbacks(execute=False):
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
    notices.detect_pending()
    digests.claim("buyer@example.com")
    subscription.delete()
    assert digests.send_due().sent == 0
    assert mailoutbox == []
    assert not Digest.objects.exists()  # a digest that never went out does not count for the interval


def test_queries_per_digest_do_not_grow_with_its_notices(family, django_capture_on_commit_callbacks):
    def run(notices_per_address: int) -> int:
        DigestEntry.objects.all().delete()
        Digest.objects.all().delete()
        products = [make_product(family) for _ in range(notices_per_address)]
        for number in range(3):
            for item in products:
                subscribe(f"q{notices_per_address}-{number}@example.com", item)
        with django_capture_on_commit_callbacks(execute=False):
            for item in products:
                publish(item, lifecycle=Lifecycle.PHASE_OUT)
        notices.detect_pending()
        with CaptureQueriesContext(connection) as queries:
            assert digests.send_due().sent == 3
        return len(queries)

    assert run(1) == run(6)


def test_a_waiting_digest_queues_the_sender_for_the_moment_it_is_due(settings, product, commit, mailoutbox):
    subscribe("buyer@example.com", product)
    with commit():
        publish(product, lifecycle=Lifecycle.PHASE_OUT)
    first = Digest.objects.get()

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    DBTaskResult.objects.all().delete()
    with commit():
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
    queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert queued.filter(task_path=detect_changes.module_path).count() == 1

    detect_changes.call()  # what the worker does: run the detection, which queues the sender,
    picked_up = queued.filter(task_path=send_digests.module_path)
    assert picked_up.count() == 1
    picked_up.update(status=TaskResultStatus.RUNNING)  # then pick the sender up and run it
    send_digests.call()
    waiting = list(queued.filter(task_path=send_digests.module_path).values_list("run_after", flat=True))
    due = first.created_at + timedelta(hours=24)
    assert due in waiting
    # No safety net while nothing can be sent before then.
    assert not [moment for moment in waiting if timezone.now() < moment < due]
    assert len(mailoutbox) == 1
