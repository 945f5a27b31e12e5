"""Change tracking for deltas.

A delta since a moment contains the channel's products changed after it — edited (their
``updated_at``), or touched by a catalog change event (family/attribute edits, publish,
unpublish; recorded in :class:`~pim.exports.models.ProductChange`) — plus products deleted
after it. Products that are no longer public (unpublished, discontinued, moved out of the
channel's lifecycle states) are sent as deletions; so are deleted products, whose article
number the change log keeps.

A deletion is only announced to receivers that may have the product: one a run of the
channel has written before (:class:`~pim.exports.models.ExportedProduct`). A draft created and
deleted, or a product of another channel's scope, never appears in a delta, not even as an
article number.

Change events are recorded inside the transaction that makes the change, with the time of the
event, which may commit slightly after a concurrent export took its snapshot; every delta
therefore starts ``PIM_EXPORT_DELTA_OVERLAP_SECONDS`` early. Re-sending a product is
harmless, missing one is not.
"""

import datetime
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from pim.catalog.models import Product

from .models import EXPORTABLE_LIFECYCLES, Channel, ExportedProduct, ProductChange, RunKind
from .source import ACTION_DELETE, ACTION_NEW, ACTION_UPDATE, ExportRecord, in_channel_scope, iter_ids

REMOVAL_REASONS = {"unpublished", "deleted", "model_unpublished"}


def record_changes(product_ids, reason: str) -> None:
    """Upsert the change log for ``product_ids`` (existing products)."""
    now = timezone.now()
    removed = reason in REMOVAL_REASONS
    ids = list(product_ids)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = [
            ProductChange(
                product_id=pk, article_number=number, changed_at=now, removed=removed, reason=reason[:32]
            )
            for pk, number in Product.objects.filter(pk__in=chunk).values_list("pk", "article_number")
        ]
        if rows:
            ProductChange.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["product_id"],
                update_fields=["article_number", "changed_at", "removed", "reason"],
            )


def record_deletion(product_id: int, article_number: str) -> None:
    ProductChange.objects.update_or_create(
        product_id=product_id,
        defaults={
            "article_number": article_number,
            "changed_at": timezone.now(),
            "removed": True,
            "reason": "deleted",
        },
    )


def parse_since(text: str) -> datetime.datetime:
    """An ISO 8601 timestamp, or a date meaning its midnight; naive ones are in TIME_ZONE.
    Raises ValueError with a message for people (what was wrong, what is accepted)."""
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.datetime.combine(day, datetime.time()) if day is not None else None
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30 or 2026-13-45
        moment = None
    if moment is None:
        raise ValueError(
            _(
                "“%(text)s” is not a valid ISO 8601 date or timestamp; use e.g. 2025-03-01, "
                "2025-03-01T08:00:00 or 2025-03-01T08:00:00+01:00."
            )
            % {"text": text[:64]}
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def effective_since(since):
    return since - timedelta(seconds=settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS)


def changed_queryset(channel: Channel, since):
    """Existing products of the channel's scope changed after ``since``."""
    since = effective_since(since)
    logged = ProductChange.objects.filter(changed_at__gt=since).values("product_id")
    return in_channel_scope(channel).filter(Q(updated_at__gt=since) | Q(pk__in=logged))


def remember_exported(channel: Channel, run, product_ids) -> None:
    """Record that a run of ``channel`` wrote these products (see :func:`deleted_queryset`)."""
    ExportedProduct.objects.bulk_create(
        [ExportedProduct(channel=channel, product_id=pk, first_run=run) for pk in product_ids],
        ignore_conflicts=True,
    )


def deleted_queryset(channel: Channel, since):
    """Change-log rows of products deleted after ``since`` that a run of ``channel`` had
    written: a receiver is never told the article number of a product it could not have."""
    sent = ExportedProduct.objects.filter(channel=channel, product_id=OuterRef("product_id"))
    return (
        ProductChange.objects.filter(changed_at__gt=effective_since(since), removed=True)
        .filter(~Exists(Product.objects.filter(pk=OuterRef("product_id"))))  # not NOT IN: see completeness
        .filter(Exists(sent))
        .order_by("product_id")
    )


def action_for(channel: Channel, since, exported: set[int]):
    """new / update / delete for a changed product as the channel sees it; ``exported``
    holds the ids (of the batch) a run of the channel has written before."""
    states = set(channel.lifecycle_list) & EXPORTABLE_LIFECYCLES

    def decide(product) -> str | None:
        if product.is_publicly_visible() and product.lifecycle in states:
            first = product.first_published_at
            return ACTION_NEW if first is None or first > since else ACTION_UPDATE
        if product.pk not in exported:
            return None  # the receiver never had it: not even its article number is sent
        return ACTION_DELETE

    return decide


def delta_total(channel: Channel, since, kind: str) -> int:
    total = changed_queryset(channel, since).count()
    if kind == RunKind.DELTA:
        total += deleted_queryset(channel, since).count()
    return total


def iter_delta_records(context, since, kind: str):
    """Batches of records of a delta: changed products, then deleted ones."""
    channel = context.channel
    exported: set[int] = set()
    decide = action_for(channel, since, exported)
    queryset = changed_queryset(channel, since)
    for ids in iter_ids(queryset, selective=True):
        exported.clear()
        exported.update(
            ExportedProduct.objects.filter(channel=channel, product_id__in=ids).values_list(
                "product_id", flat=True
            )
        )
        batch = [record for record in context.load(ids, action_for=decide) if record.action is not None]
        if kind == RunKind.PRICES:
            batch = [record for record in batch if record.action != ACTION_DELETE]
        yield len(ids), batch
    if kind != RunKind.DELTA:
        return
    last = 0
    deleted = deleted_queryset(channel, since)
    while True:
        rows = list(deleted.filter(product_id__gt=last)[:500])
        if not rows:
            return
        last = rows[-1].product_id
        yield (
            len(rows),
            [
                ExportRecord(product=None, article_number=row.article_number, action=ACTION_DELETE)
                for row in rows
            ],
        )
