"""Sending: down then up loses nothing, retries keep the delivery id, signatures verify,
backoff grows, failing subscriptions pause and resume, redirects are not followed."""

import hashlib
import hmac
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from pim.webhooks import delivery, events
from pim.webhooks.models import DeliveryStatus, EventType, WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db


def _record_events(count: int) -> list[WebhookDelivery]:
    events.record(
        EventType.PRODUCT_PUBLISHED,
        [{"product": events.product_reference(pk, f"KH-{pk}", public=True)} for pk in range(1, count + 1)],
    )
    return list(WebhookDelivery.objects.order_by("pk"))


def _make_due():
    """Time passes: every waiting retry is due."""
    WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_receiver_down_then_up_nothing_lost(receiver, subscribe):
    subscribe(EventType.PRODUCT_PUBLISHED)
    recorded = _record_events(3)

    before = timezone.now()
    assert delivery.drain() == {"delivered": 0, "failed": 3, "skipped": 0}
    waiting = list(WebhookDelivery.objects.order_by("pk"))
    assert {row.status for row in waiting} == {DeliveryStatus.PENDING}
    assert all(row.attempts == 1 and "ConnectionRefusedError" in row.last_error for row in waiting)
    # First retry after a minute; nothing is due before that.
    assert all(
        before + timedelta(seconds=59) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=61)
        for row in waiting
    )
    assert delivery.drain() == {"delivered": 0, "failed": 0, "skipped": 0}

    _make_due()
    before = timezone.now()
    assert delivery.drain()["failed"] == 3
    assert all(
        row.next_attempt_at >= before + timedelta(seconds=119) for row in WebhookDelivery.objects.all()
    )

    receiver.start()
    _make_due()
    assert delivery.drain() == {"delivered": 3, "failed": 0, "skipped": 0}
    assert sorted(receiver.delivery_ids()) == sorted(str(row.uuid) for row in recorded)
    assert [r["json"]["product"]["article_number"] for r in receiver.requests] == ["KH-1", "KH-2", "KH-3"]
    for row in WebhookDelivery.objects.all():
        assert row.status == DeliveryStatus.DELIVERED and row.attempts == 3 and row.delivered_at
        log = list(row.attempt_log.order_by("attempted_at", "pk"))
        assert [a.status_code for a in log] == [None, None, 200]
        assert log[0].error and log[2].response_excerpt == "ok"
    assert receiver.requests[0]["path"] == "/hooks/pim?source=test"
    assert delivery.drain() == {"delivered": 0, "failed": 0, "skipped": 0}  # nothing sent twice
    assert len(receiver.requests) == 3


def test_a_retry_repeats_the_delivery_id_and_body_new_events_get_new_ids(receiver, subscribe):
    subscribe(EventType.PRODUCT_PUBLISHED)
    receiver.status = lambda request: 503 if len(receiver.requests) == 1 else 200
    receiver.start()
    _record_events(2)

    assert delivery.drain() == {"delivered": 1, "failed": 1, "skipped": 0}
    _make_due()
    assert delivery.drain() == {"delivered": 1, "failed": 0, "skipped": 0}

    ids = receiver.delivery_ids()
    assert len(ids) == 3 and len(set(ids)) == 2
    first, _second, retry = receiver.requests
    assert retry["headers"]["X-PIM-Delivery"] == first["headers"]["X-PIM-Delivery"]
    assert retry["body"] == first["body"]
    failed = WebhookAttempt.objects.get(status_code=503)
    assert failed.response_excerpt == "receiver says no" and failed.duration_ms >= 0
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2


def test_the_signature_verifies_with_the_secret(receiver, subscribe, settings):
    settings.PIM_BASE_URL = "https://pim.example.com"
    subscription = subscribe(EventType.PRODUCT_PUBLISHED)
    assert len(subscription.secret) >= 40  # generated
    receiver.start()
    (row,) = _record_events(1)
    delivery.drain()

    (request,) = receiver.requests
    headers = request["headers"]
    expected = hmac.new(
        subscription.secret.encode(),
        headers["X-PIM-Timestamp"].encode() + b"." + request["body"],
        hashlib.sha256,
    ).hexdigest()
    assert headers["X-PIM-Signature"] == f"sha256={expected}"
    assert abs(int(headers["X-PIM-Timestamp"]) - timezone.now().timestamp()) < 60
    assert headers["X-PIM-Event"] == "product.published"
    assert headers["X-PIM-Delivery"] == str(row.uuid) == request["json"]["delivery"]
    assert headers["Content-Type"] == "application/json"
    payload = request["json"]
    assert payload["event"] == "product.published"
    assert payload["product"] == {
        "id": 1,
        "article_number": "KH-1",
        "public": True,
        "url": "https://pim.example.com/api/v1/products/KH-1/",
    }
    # A wrong secret does not verify.
    wrong = hmac.new(b"other", headers["X-PIM-Timestamp"].encode() + b"." + request["body"], hashlib.sha256)
    assert headers["X-PIM-Signature"] != f"sha256={wrong.hexdigest()}"


def test_backoff_doubles_up_to_the_ceiling(settings):
    settings.PIM_WEBHOOK_RETRY_BASE_SECONDS = 60
    settings.PIM_WEBHOOK_RETRY_MAX_SECONDS = 3600
    assert [delivery.backoff_seconds(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_failing_subscription_pauses_and_resuming_sends_what_waited(receiver, subscribe, settings):
    settings.PIM_WEBHOOK_PAUSE_AFTER_FAILURES = 3
    subscription = subscribe(EventType.PRODUCT_PUBLISHED)
    other = subscribe(
        EventType.PRODUCT_PUBLISHED, name="Shop", url=receiver.url.replace("127.0.0.1", "localhost")
    )
    receiver.status = lambda request: 500 if "127.0.0.1" in request["headers"]["Host"] else 200
    receiver.start()
    _record_events(5)

    stats = delivery.drain()
    subscription.refresh_from_db()
    assert subscription.is_paused and subscription.consecutive_failures == 3
    assert (
        "3 failed deliveries in a row" in subscription.paused_reason
        and "HTTP 500" in subscription.paused_reason
    )
    assert subscription.state().startswith("PAUSED")
    # The paused subscription stopped after three tries; the other one got everything.
    mine = WebhookDelivery.objects.filter(subscription=subscription)
    assert sorted(mine.values_list("attempts", flat=True)) == [0, 0, 1, 1, 1]
    assert WebhookDelivery.objects.filter(subscription=other, status=DeliveryStatus.DELIVERED).count() == 5
    assert stats == {"delivered": 5, "failed": 3, "skipped": 0}
    _make_due()
    assert delivery.drain()["failed"] == 0  # paused: nothing tried

    receiver.status = 200
    assert delivery.resume(subscription) == 5
    assert delivery.drain()["delivered"] == 5
    subscription.refresh_from_db()
    assert (
        not subscription.is_paused
        and subscription.consecutive_failures == 0
        and subscription.last_delivered_at
    )
    assert set(mine.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert subscription.state() == "Active"


def test_a_delivery_is_given_up_after_the_maximum_attempts(receiver, subscribe, settings):
    settings.PIM_WEBHOOK_MAX_ATTEMPTS = 2
    settings.PIM_WEBHOOK_PAUSE_AFTER_FAILURES = 100
    subscribe(EventType.PRODUCT_PUBLISHED)
    _record_events(1)
    delivery.drain()
    _make_due()
    delivery.drain()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and row.attempts == 2
    assert delivery.next_retry_at() is None


def test_redirects_are_not_followed(receiver, subscribe):
    subscribe(EventType.PRODUCT_PUBLISHED)
    receiver.status = 302
    receiver.headers_out = {"Location": "http://10.0.0.1/internal"}
    receiver.start()
    _record_events(1)
    assert delivery.drain()["failed"] == 1
    assert len(receiver.requests) == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 302 and not attempt.succeeded
    assert WebhookDelivery.objects.get().last_error.startswith("HTTP 302")


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(receiver, subscribe):
    subscribe(EventType.PRODUCT_PUBLISHED)
    receiver.start()
    (row,) = _record_events(1)
    # Another worker claimed it (moved its next attempt ahead) between our read and our claim.
    assert delivery._claim(row.pk, row.next_attempt_at, timezone.now())
    assert not delivery._claim(row.pk, row.next_attempt_at, timezone.now())
    assert delivery.drain() == {"delivered": 0, "failed": 0, "skipped": 0}
    assert receiver.requests == []


def test_the_command_sends_what_is_due(receiver, subscribe):
    subscribe(EventType.PRODUCT_PUBLISHED)
    receiver.start()
    _record_events(2)
    out = StringIO()
    call_command("send_webhooks", stdout=out)
    assert out.getvalue().strip() == "delivered 2, failed 0, skipped 0"
    assert len(receiver.requests) == 2
