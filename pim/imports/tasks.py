"""Background tasks of imports (django-tasks; run by ``manage.py db_worker``, inline in tests)."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .jobs import run_job
from .models import ImportJob, ImportStatus


@task()
def check_import_task(job_id: int) -> str:
    """The dry run of a queued job; returns its final status."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.CHECKING
    )
    job = ImportJob.objects.select_related("mapping", "user").get(pk=job_id)
    if not claimed:
        return job.status  # already picked up (a retried task)
    return run_job(job, commit=False).status


@task()
def commit_import_task(job_id: int) -> str:
    """The commit of a checked job (queued again by the user's word); returns its final status."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.IMPORTING
    )
    job = ImportJob.objects.select_related("mapping", "user").get(pk=job_id)
    if not claimed:
        return job.status
    return run_job(job, commit=True).status


def queue_check(job: ImportJob) -> None:
    """Run the dry run of ``job`` in the worker, once the job row is committed."""
    transaction.on_commit(lambda: check_import_task.enqueue(job.pk))


def queue_commit(job: ImportJob) -> None:
    """Run the commit of a checked ``job`` in the worker, once the job row is committed."""
    # The heartbeat doubles as "queued at" for reap_dead_jobs.
    job.status, job.heartbeat_at = ImportStatus.QUEUED, timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(status=job.status, heartbeat_at=job.heartbeat_at)
    transaction.on_commit(lambda: commit_import_task.enqueue(job.pk))
