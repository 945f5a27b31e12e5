"""Scheduled and admin-started runs: queue them for the task worker."""

from datetime import timedelta

from django.db import transaction

from .models import SCHEDULE_SECONDS, Channel, ExportRun, RunKind, RunStatus, RunTrigger, Schedule
from .runs import create_run, reap_dead_runs


def due_channels(now):
    """Active scheduled channels whose last full run is older than their interval and that
    have no run waiting or running (runs whose worker died are marked failed first, so
    they do not hold the schedule up)."""
    reap_dead_runs()
    for channel in Channel.objects.filter(active=True).exclude(schedule=Schedule.OFF):
        runs = ExportRun.objects.filter(channel=channel, kind=RunKind.FULL)
        if runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
            continue
        last = runs.filter(status=RunStatus.SUCCEEDED).order_by("-started_at").first()
        if last is None or last.started_at <= now - timedelta(seconds=SCHEDULE_SECONDS[channel.schedule]):
            yield channel


def queue_run(channel, *, user=None, trigger=RunTrigger.SCHEDULE, format=None) -> ExportRun:
    """Create a queued full run and enqueue it (after the transaction commits)."""
    from .tasks import run_export_task

    run = create_run(channel, format=format, trigger=trigger, user=user)
    transaction.on_commit(lambda: run_export_task.enqueue(run.pk))
    return run
