"""Sending deliveries: signing, the HTTP request to the checked address, retries with
exponential backoff, and pausing a subscription that keeps failing.

At least once: a delivery is marked delivered only after a 2xx answer, so a worker that dies
between the answer and the mark sends it again, with the same ``X-PIM-Delivery`` id; the
receiver deduplicates by that id. A delivery being sent is claimed by moving its next attempt
``CLAIM_SECONDS`` ahead (a conditional update), so two workers never send it at once and a
dead worker's claim runs out.
"""

import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .addresses import Target, resolve_target
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger("pim.webhooks")

TIMEOUT_SECONDS = 10
EXCERPT_CHARS = 1000
CLAIM_SECONDS = 60
USER_AGENT = "PIM-Webhooks/1"


def _setting(name: str, default):
    return getattr(settings, name, default)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The request body: the stored payload, serialized the same way on every attempt."""
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with the subscription's secret over ``timestamp.body``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff_seconds(attempts: int) -> int:
    """Wait after the ``attempts``-th failure: 1 min, 2, 4, … up to PIM_WEBHOOK_RETRY_MAX_SECONDS."""
    base = _setting("PIM_WEBHOOK_RETRY_BASE_SECONDS", 60)
    return min(_setting("PIM_WEBHOOK_RETRY_MAX_SECONDS", 3600), base * 2 ** min(max(attempts - 1, 0), 20))


def _connect_checked(target: Target, timeout: float) -> socket.socket:
    """A socket to the first checked address that accepts, whatever the host name resolves to now."""
    error: OSError | None = None
    for address in target.addresses:
        try:
            return socket.create_connection((address, target.port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked addresses only."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._target = target

    def connect(self):
        self.sock = _connect_checked(self._target, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address; the certificate is verified against the host name (SNI)."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._target = target

    def connect(self):
        sock = _connect_checked(self._target, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(target: Target, headers: dict, body: bytes) -> tuple[int, str]:
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout=TIMEOUT_SECONDS)
    try:
        # http.client never follows redirects: a 3xx is an answer like any other non-2xx.
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")[:EXCERPT_CHARS]
        return response.status, excerpt
    finally:
        connection.close()


def send(delivery: WebhookDelivery) -> WebhookAttempt:
    """Make one attempt and record it (not saved). The URL is checked again first; a refused
    address is recorded as the attempt's error and nothing is sent."""
    subscription = delivery.subscription
    attempt = WebhookAttempt(delivery=delivery, attempted_at=timezone.now())
    started = time.monotonic()
    try:
        target = resolve_target(subscription.url)
    except ValidationError as exc:
        attempt.error = _("Not sent: %(reason)s") % {"reason": " ".join(exc.messages)}
        return attempt
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-PIM-Delivery": str(delivery.uuid),
        "X-PIM-Event": delivery.event_type,
        "X-PIM-Timestamp": timestamp,
        "X-PIM-Signature": signature(subscription.secret, timestamp, body),
    }
    try:
        attempt.status_code, attempt.response_excerpt = _post(target, headers, body)
    except (OSError, http.client.HTTPException) as exc:
        attempt.error = f"{type(exc).__name__}: {exc}"[:2000]
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    return attempt


def _claim(delivery_id: int, due_at, now) -> bool:
    return (
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at=due_at
        ).update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        == 1
    )


def _describe_failure(attempt: WebhookAttempt) -> str:
    if attempt.error:
        return attempt.error
    return _("HTTP %(status)s: %(excerpt)s") % {
        "status": attempt.status_code,
        "excerpt": attempt.response_excerpt[:200],
    }


def _record(delivery: WebhookDelivery, attempt: WebhookAttempt) -> bool:
    """Store the attempt and its consequences in one transaction. Returns whether delivered."""
    now = timezone.now()
    with transaction.atomic():
        attempt.save()
        delivery.attempts += 1
        subscription_rows = WebhookSubscription.objects.filter(pk=delivery.subscription_id)
        if attempt.succeeded:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = ""
            delivery.save(update_fields=["status", "delivered_at", "last_error", "attempts"])
            subscription_rows.update(consecutive_failures=0, last_delivered_at=now)
            return True
        delivery.last_error = _describe_failure(attempt)[:2000]
        if delivery.attempts >= _setting("PIM_WEBHOOK_MAX_ATTEMPTS", 15):
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
        delivery.save(update_fields=["status", "next_attempt_at", "last_error", "attempts"])
        subscription_rows.update(consecutive_failures=F("consecutive_failures") + 1)
        limit = _setting("PIM_WEBHOOK_PAUSE_AFTER_FAILURES", 10)
        paused = subscription_rows.filter(paused_at__isnull=True, consecutive_failures__gte=limit).update(
            paused_at=now,
            paused_reason=_("Paused after %(count)s failed deliveries in a row. Last: %(error)s")
            % {"count": limit, "error": delivery.last_error[:500]},
        )
        if paused:
            logger.warning(
                "webhooks: subscription %s paused after %s failures", delivery.subscription_id, limit
            )
        return False


def drain(*, batch_size: int | None = None, max_batches: int | None = None) -> dict:
    """Send every due delivery of active, unpaused subscriptions, oldest first. Returns counts:
    ``delivered``, ``failed`` (attempts that did not succeed; the delivery waits for a retry or
    was given up), ``skipped`` (claimed by another worker meanwhile)."""
    batch_size = batch_size or _setting("PIM_WEBHOOK_BATCH", 100)
    stats = {"delivered": 0, "failed": 0, "skipped": 0}
    paused: set[int] = set()
    # Only what was due when the run started: a retry or a claim moves a delivery past it, so
    # every batch reads new rows and the run ends.
    started = timezone.now()
    batches = 0
    while max_batches is None or batches < max_batches:
        now = timezone.now()
        due = list(
            WebhookDelivery.objects.filter(
                status=DeliveryStatus.PENDING,
                next_attempt_at__lte=started,
                subscription__active=True,
                subscription__paused_at__isnull=True,
            )
            .select_related("subscription")
            .order_by("next_attempt_at", "pk")[:batch_size]
        )
        if not due:
            break
        batches += 1
        for delivery in due:
            # A subscription paused by an earlier failure in this run sends nothing more.
            if delivery.subscription_id in paused:
                continue
            if not _claim(delivery.pk, delivery.next_attempt_at, now):
                stats["skipped"] += 1
                continue
            if _record(delivery, send(delivery)):
                stats["delivered"] += 1
                continue
            stats["failed"] += 1
            if WebhookSubscription.objects.filter(
                pk=delivery.subscription_id, paused_at__isnull=False
            ).exists():
                paused.add(delivery.subscription_id)
    return stats


def next_retry_at():
    """When the first waiting delivery of an unpaused subscription is due (None: none waits)."""
    first = (
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, subscription__active=True, subscription__paused_at__isnull=True
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return first


def resume(subscription: WebhookSubscription) -> int:
    """Lift a pause: reset the failure count and make every waiting delivery due now, in the
    order they were recorded. Returns the number of waiting deliveries; the caller queues the
    drain (see :func:`pim.webhooks.events.schedule_drain_on_commit`)."""
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        paused_at=None, paused_reason="", consecutive_failures=0
    )
    subscription.paused_at, subscription.paused_reason, subscription.consecutive_failures = None, "", 0
    return WebhookDelivery.objects.filter(subscription=subscription, status=DeliveryStatus.PENDING).update(
        next_attempt_at=now
    )
