"""Anonymous download counts: one counter per day, asset (or generated file) and product.

Nothing about the person is stored — no IP address, no user agent, no session, no time
of day. The counters answer "which CAD models and datasheets are downloaded, and how
often over time", which is all the admin chart needs.
"""

import logging
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from .models import Asset, DownloadCount

logger = logging.getLogger(__name__)


def record_download(*, asset=None, product=None, kind: str = DownloadCount.Kind.ASSET) -> None:
    """Add one download. Counting must never break a download, so database errors are
    logged and swallowed."""
    day = timezone.localdate()
    filters = {
        "day": day,
        "kind": kind,
        "asset_id": getattr(asset, "pk", None),
        "product_id": getattr(product, "pk", None),
    }
    try:
        with transaction.atomic():
            updated = DownloadCount.objects.filter(**filters).update(count=F("count") + 1)
            if not updated:
                DownloadCount.objects.create(count=1, **filters)
    except DatabaseError:
        logger.exception("could not count a download of %s", filters)


def daily_totals(days: int = 30, *, kinds=None, today=None) -> list[tuple]:
    """``[(day, downloads), …]`` for the last ``days`` days, oldest first, zeros included."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = DownloadCount.objects.filter(day__gte=start, day__lte=today)
    if kinds:
        rows = rows.filter(asset__kind__in=kinds)
    totals = dict(rows.values_list("day").annotate(total=Sum("count")).values_list("day", "total"))
    return [(start + timedelta(days=i), totals.get(start + timedelta(days=i), 0)) for i in range(days)]


def top_assets(*, kinds=None, days: int = 30, limit: int = 10, today=None) -> list[tuple[Asset, int]]:
    """The most downloaded assets in the period: ``[(asset, downloads), …]``."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = DownloadCount.objects.filter(day__gte=start, day__lte=today, asset__isnull=False)
    if kinds:
        rows = rows.filter(asset__kind__in=kinds)
    ranking = list(
        rows.values("asset_id").annotate(total=Sum("count")).order_by("-total", "asset_id")[:limit]
    )
    assets = Asset.objects.in_bulk([row["asset_id"] for row in ranking])
    return [(assets[row["asset_id"]], row["total"]) for row in ranking if row["asset_id"] in assets]


def asset_totals(asset_ids) -> dict[int, int]:
    rows = (
        DownloadCount.objects.filter(asset_id__in=list(asset_ids)).values("asset_id").annotate(t=Sum("count"))
    )
    return {row["asset_id"]: row["t"] for row in rows}
