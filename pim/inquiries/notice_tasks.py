"""Background tasks of the notice engine (django-tasks; run by ``manage.py db_worker``).

At most one of each waits (:func:`pim.task_queue.enqueue_once`): the pending checks and the
waiting digest entries are the durable record of the work, a task reads them when it runs.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from pim.task_queue import enqueue_once

from . import digests, notices

logger = logging.getLogger("pim.inquiries")


@task()
def detect_changes() -> int:
    """Compare every pending product with what its subscribers were told and record the
    notices; then queue the digests. Returns the number of products checked."""
    checked = notices.detect_pending()
    if digests.has_work():
        enqueue_once(send_digests)
    return checked


@task()
def send_digests() -> dict:
    """Send every due digest; queue the next run for when the next one is due."""
    if digests.has_work_now():
        # A safety net queued before anything is sent: if this worker dies mid-batch, that run
        # sends what it left (once the lease of the digest in flight has expired).
        enqueue_once(send_digests, run_after=timezone.now() + timedelta(seconds=digests.lease_seconds() + 1))
    outcome = digests.send_due()
    if outcome.next_due is not None:
        enqueue_once(send_digests, run_after=outcome.next_due)
    return {"claimed": outcome.claimed, "sent": outcome.sent, "failed": outcome.failed}
