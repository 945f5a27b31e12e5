"""Recording events: one :class:`WebhookDelivery` per subscription and event, written in the
transaction of the change that caused it, and a drain queued for after the commit.

Payloads name things, they do not copy them: a product event carries the product's id,
article number, whether it is publicly visible now, and the link to its API resource. A
receiver reads the data through the API with its own token, so a payload never holds more
than that token may read, and a draft's content is never in it.
"""

import logging
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from pim.task_queue import enqueue_once_on_commit

from .models import WebhookDelivery, WebhookSubscription
from .tasks import send_webhooks

logger = logging.getLogger("pim.webhooks")


_CACHE_KEY = "pim.webhooks.active_subscriptions"
_CACHE_SECONDS = 300


def _active_subscriptions() -> list[tuple[int, list, bool]]:
    """(id, event types, include drafts) of the active subscriptions. Cached: every catalog
    change asks, and most installations have none or a few; saving or deleting a subscription
    clears the cache (:func:`forget_subscriptions`)."""
    found = cache.get(_CACHE_KEY)
    if found is None:
        found = [
            (pk, list(types or []), drafts)
            for pk, types, drafts in WebhookSubscription.objects.filter(active=True).values_list(
                "pk", "event_types", "include_drafts"
            )
        ]
        cache.set(_CACHE_KEY, found, _CACHE_SECONDS)
    return found


def forget_subscriptions() -> None:
    """Drop the cached subscriptions, now and again after the commit (so another process
    cannot cache the state from before it)."""
    cache.delete(_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(_CACHE_KEY))


def subscriptions_for(event_type: str, *, drafts: bool = False) -> list[int]:
    """Ids of the active subscriptions that asked for ``event_type`` (paused ones too: their
    deliveries wait for the resume). ``drafts``: only those that also asked for draft changes."""
    return [
        pk
        for pk, types, include_drafts in _active_subscriptions()
        if event_type in types and (include_drafts or not drafts)
    ]


def wanted_event_types() -> set[str]:
    """Every event type some active subscription asked for."""
    return {event_type for _pk, types, _drafts in _active_subscriptions() for event_type in types}


def product_url(article_number: str) -> str:
    return f"{settings.PIM_BASE_URL}/api/v1/products/{quote(article_number, safe='')}/"


def product_reference(pk: int, article_number: str, *, public: bool) -> dict:
    """How a payload names a product."""
    return {"id": pk, "article_number": article_number, "public": public, "url": product_url(article_number)}


def record(event_type: str, subjects: list[dict], *, drafts: bool = False, reason: str = "") -> int:
    """Write one delivery per subscription of ``event_type`` and subject. ``subjects``: the
    payload parts naming what the event is about (e.g. ``{"product": {...}}``). Returns the
    number of deliveries written."""
    if not subjects:
        return 0
    subscriptions = subscriptions_for(event_type, drafts=drafts)
    if not subscriptions:
        return 0
    now = timezone.now()
    rows = []
    for subscription_id in subscriptions:
        for subject in subjects:
            delivery = WebhookDelivery(
                subscription_id=subscription_id, event_type=event_type, created_at=now, next_attempt_at=now
            )
            delivery.payload = {
                "event": event_type,
                "delivery": str(delivery.uuid),
                "occurred_at": now.isoformat(),
                **({"reason": reason} if reason else {}),
                **({"draft": True} if drafts else {}),
                **subject,
            }
            rows.append(delivery)
    WebhookDelivery.objects.bulk_create(rows, batch_size=1000)
    schedule_drain_on_commit()
    return len(rows)


def _enqueue_failed(exc) -> None:
    # The deliveries are committed: the next event, a resume or `manage.py send_webhooks` sends them.
    logger.error("webhooks: could not queue the delivery task (deliveries wait): %s", exc)


def schedule_drain_on_commit() -> None:
    """Queue the delivery task after the current transaction commits (once per transaction)."""
    enqueue_once_on_commit(send_webhooks, on_error=_enqueue_failed)
