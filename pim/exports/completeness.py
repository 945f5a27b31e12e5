"""Stored completeness per product, channel and language, kept current by change events.

The rules are the catalog's (:mod:`pim.catalog.completeness`); which requirements apply per
family and channel is configured on the channel (:class:`~pim.exports.models.ChannelRequirement`).
Results are recomputed when a product or its family changes and when a channel's requirements
change — not by a cron. A product change records the product in
:class:`~pim.exports.models.PendingCompleteness` in the transaction that makes it (so no
recompute is lost) and, after the commit, queues the recompute task unless one already waits:
one task drains every pending product, in batches with short transactions. A channel change
queues a full recompute of that channel (at most one waiting per channel); products pending
while such a recompute waits are left to it.

Completeness is computed from the product as stored (its published state; a product that was
never published is stored as its draft), for every product of the channel's families and
categories, whatever its lifecycle: editors see what is missing before publishing.
"""

import logging
import uuid

from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone

from pim.task_queue import enqueue_once, enqueue_once_on_commit, waiting_args

from .models import Channel, PendingCompleteness, ProductCompleteness
from .source import ExportContext, in_channel_scope, iter_ids

logger = logging.getLogger("pim.exports")

DRAIN_BATCH = 500


def recompute(product_ids, channels=None) -> int:
    """Recompute completeness of ``product_ids`` for ``channels`` (default: all active
    channels). Returns the number of rows written."""
    ids = sorted({int(pk) for pk in product_ids})
    if not ids:
        return 0
    channels = list(channels if channels is not None else Channel.objects.filter(active=True))
    written = 0
    for channel in channels:
        context = ExportContext(channel)
        in_scope = set(in_channel_scope(channel).filter(pk__in=ids).values_list("pk", flat=True))
        ProductCompleteness.objects.filter(channel=channel, product_id__in=set(ids) - in_scope).delete()
        for start in range(0, len(ids), 500):
            chunk = [pk for pk in ids[start : start + 500] if pk in in_scope]
            if chunk:
                written += store(context, chunk)
    return written


def recompute_channel(channel: Channel) -> int:
    """Recompute every product of a channel (after its requirements or scope changed)."""
    context = ExportContext(channel)
    scope = in_channel_scope(channel)
    # NOT EXISTS rather than NOT IN: PostgreSQL hashes NOT IN (subquery) only while it fits in
    # work_mem and probes row by row beyond that.
    ProductCompleteness.objects.filter(channel=channel).filter(
        ~Exists(scope.filter(pk=OuterRef("product_id")))
    ).delete()
    ProductCompleteness.objects.filter(channel=channel).exclude(language__in=context.languages).delete()
    written = 0
    for ids in iter_ids(scope):
        written += store(context, ids)
    return written


def store(context: ExportContext, ids: list[int]) -> int:
    rows = []
    for record in context.load(ids):
        for language, result in context.completeness(record).items():
            rows.append(
                ProductCompleteness(
                    product_id=record.product.pk,
                    channel=context.channel,
                    language=language,
                    score=result.score,
                    required=result.required,
                    missing=result.missing,
                )
            )
    with transaction.atomic():
        ProductCompleteness.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["product", "channel", "language"],
            update_fields=["score", "required", "missing", "computed_at"],
        )
    return len(rows)


def mark_pending(product_ids) -> int:
    """Record, in the current transaction, that the completeness of ``product_ids`` must be
    recomputed. Returns the number of products recorded."""
    ids = sorted({int(pk) for pk in product_ids if pk is not None})
    if not ids:
        return 0
    now = timezone.now()
    # A new token per change: the drain removes a row only if no newer change arrived while it
    # was computing (that product is then computed again by the next drain).
    PendingCompleteness.objects.bulk_create(
        [PendingCompleteness(product_id=pk, token=uuid.uuid4(), changed_at=now) for pk in ids],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["product_id"],
        update_fields=["token", "changed_at"],
    )
    return len(ids)


def schedule_recompute(product_ids) -> None:
    """Record ``product_ids`` as pending (in the current transaction) and, after the commit,
    queue the recompute task unless one already waits (inline with the immediate backend)."""
    from .tasks import recompute_completeness

    if mark_pending(product_ids):
        enqueue_once_on_commit(recompute_completeness, on_error=_enqueue_failed)


def _enqueue_failed(exc: Exception) -> None:
    # The change is committed and its products are pending: the task the next change queues
    # recomputes them (so does ``manage.py recompute_completeness``). Never fail the editor's
    # request.
    logger.exception("completeness: could not queue the recompute task (products stay pending)")


def drain_pending(batch_size: int = DRAIN_BATCH) -> int:
    """Recompute the pending products, ``batch_size`` at a time, each batch in its own short
    transactions. Returns the number of products handled.

    Rows are read once each (keyset pagination): a product changed again during the drain
    keeps its row with a new token and is left to the task its change queued, so a stream of
    edits cannot keep one drain running forever. Channels whose full recompute waits in the
    queue are skipped: that recompute starts after these changes were committed and covers
    them."""
    handled = 0
    last = 0
    while True:
        rows = list(
            PendingCompleteness.objects.filter(pk__gt=last)
            .order_by("pk")
            .values("pk", "product_id", "token")[:batch_size]
        )
        if not rows:
            return handled
        last = rows[-1]["pk"]
        covered = set(waiting_channel_recomputes())
        channels = [c for c in Channel.objects.filter(active=True) if c.pk not in covered]
        if channels:
            recompute([row["product_id"] for row in rows], channels)
        PendingCompleteness.objects.filter(
            pk__in=[row["pk"] for row in rows], token__in=[row["token"] for row in rows]
        ).delete()
        handled += len(rows)


def schedule_channel_recompute(channel_id: int) -> None:
    """Queue a full recompute of the channel unless one already waits for it."""
    from .tasks import recompute_channel_completeness

    enqueue_once(recompute_channel_completeness, int(channel_id))


def waiting_channel_recomputes() -> list[int]:
    """Ids of the channels whose full recompute waits in the queue (not yet started)."""
    from .tasks import recompute_channel_completeness

    return [int(args[0]) for args in waiting_args(recompute_channel_completeness) if args]


def summary_by_family(channel: Channel, language: str):
    """Per family: products, average score, complete products (dashboard rows)."""
    return (
        ProductCompleteness.objects.filter(channel=channel, language=language)
        .values("product__family__code", "product__family__name")
        .annotate(
            products=Count("pk"),
            average=Avg("score"),
            complete=Count("pk", filter=Q(score=100)),
            below=Count("pk", filter=Q(score__lt=channel.min_completeness)),
        )
        .order_by("product__family__code")
    )


def missing_by_requirement(channel: Channel, language: str, limit: int = 15) -> list[tuple[str, int]]:
    """The requirements most often missing (label, products)."""
    counts: dict[str, int] = {}
    rows = ProductCompleteness.objects.filter(channel=channel, language=language, score__lt=100)
    for missing in rows.values_list("missing", flat=True).iterator(chunk_size=2000):
        for item in missing:
            label = item.get("label") or item.get("code")
            counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
