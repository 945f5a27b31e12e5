"""Background tasks of the search app (django-tasks; run by ``manage.py db_worker``)."""

import logging

from django_tasks import task

logger = logging.getLogger("pim.search")


@task()
def drain_search_outbox() -> dict:
    """Write pending index changes. If an index was unreachable, queue a retry for when the
    first postponed entry is due (exponential backoff)."""
    from .indexing import drain, next_retry_at, schedule_drain

    stats = drain()
    if any(s["failed"] or s["busy"] for s in stats.values()):
        retry_at = next_retry_at()
        if retry_at is not None:
            schedule_drain(run_after=retry_at)
    return stats
