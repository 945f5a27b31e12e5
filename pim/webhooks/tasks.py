"""Background task of the webhooks app (django-tasks; run by ``manage.py db_worker``)."""

from django.utils import timezone
from django_tasks import task

from pim.task_queue import enqueue_once

from . import delivery


@task()
def send_webhooks() -> dict:
    """Send due deliveries; if some wait for a retry, queue the next run for when the first is due."""
    stats = delivery.drain()
    retry_at = delivery.next_retry_at()
    if retry_at is not None:
        enqueue_once(send_webhooks, run_after=max(retry_at, timezone.now()))
    return stats
