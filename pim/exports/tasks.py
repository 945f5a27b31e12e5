"""Background tasks (django-tasks; the database backend in production, inline in tests)."""

from django_tasks import task

from .models import Channel, ExportRun, RunStatus


@task()
def run_export_task(run_id: int) -> str:
    """Execute a queued export run; returns its final status."""
    from .runs import execute_run

    run = ExportRun.objects.select_related("channel").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return run.status  # already picked up (e.g. a retried task)
    return execute_run(run).status


@task()
def recompute_completeness(product_ids: list[int] | None = None) -> int:
    """Recompute every pending product (see :func:`~pim.exports.completeness.drain_pending`);
    returns how many were handled. ``product_ids``: tasks queued before the pending table
    existed carry their products; they are recorded as pending first."""
    from .completeness import drain_pending, mark_pending

    if product_ids:
        mark_pending(product_ids)
    return drain_pending()


@task()
def recompute_channel_completeness(channel_id: int) -> int:
    from .completeness import recompute_channel

    channel = Channel.objects.filter(pk=channel_id).first()
    return recompute_channel(channel) if channel is not None else 0
