"""Stored completeness per product, channel and language, kept current by change events.

The rules are the catalog's (:mod:`pim.catalog.completeness`); which requirements apply per
family and channel is configured on the channel (:class:`~pim.exports.models.ChannelRequirement`).
Results are recomputed when a product or its family changes (catalog signals, on commit, as a
background task) and when a channel's requirements change — not by a cron.

Completeness is computed from the product as stored (its published state; a product that was
never published is stored as its draft), for every product of the channel's families and
categories, whatever its lifecycle: editors see what is missing before publishing.
"""

from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q

from .models import Channel, ProductCompleteness
from .source import ExportContext, in_channel_scope, iter_ids

TASK_CHUNK = 2000


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


def schedule_recompute(product_ids) -> None:
    """Queue recomputation (a background task; inline with the immediate backend)."""
    from .tasks import recompute_completeness

    ids = sorted({int(pk) for pk in product_ids})
    for start in range(0, len(ids), TASK_CHUNK):
        recompute_completeness.enqueue(ids[start : start + TASK_CHUNK])


def schedule_channel_recompute(channel_id: int) -> None:
    from .tasks import recompute_channel_completeness

    recompute_channel_completeness.enqueue(channel_id)


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
