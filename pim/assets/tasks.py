"""Background tasks of the assets app (django-tasks; run by ``manage.py db_worker``)."""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from .models import ImportJob

logger = logging.getLogger(__name__)


@task()
def run_import_job(job_id: int) -> str:
    """Import the archive of a queued :class:`ImportJob`, keep its report, and remove the
    archive from storage. Returns the final status."""
    from .bulk import ImportReport, import_assets
    from .validation import spooled_copy

    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job.status  # already picked up (a retried task)
    report = ImportReport(source=job.source_name, dry_run=job.dry_run)
    try:
        # A local, seekable copy: the ZIP check and the import seek; object storage may not.
        with job.archive.open("rb") as stored, spooled_copy(stored) as copy:
            import_assets(
                copy,
                rule=job.rule,
                dry_run=job.dry_run,
                user=job.created_by,
                revise_shared=job.revise_shared,
                report=report,
            )
        job.status = ImportJob.Status.DONE
    except Exception as exc:  # an unsafe archive, a bad rule, storage down: the job says why
        logger.warning("asset import job %s failed", job_id, exc_info=True)
        job.status = ImportJob.Status.FAILED
        job.error = (
            str(exc)
            if isinstance(exc, ValueError)
            else _("%(type)s: %(error)s")
            % {
                "type": type(exc).__name__,
                "error": exc,
            }
        )
    report.source = job.source_name
    job.report = report.as_dict()
    job.counts = dict(report.counts())
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "report", "counts", "error", "finished_at"])
    if job.archive:
        job.archive.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(archive="")
    return job.status
