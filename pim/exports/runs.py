"""Export runs: write a channel's file to a temporary file, publish it atomically, keep the
history.

A run renews its heartbeat with every batch it writes. A run whose worker died (killed,
out of memory, machine restarted) stops renewing it: :func:`reap_dead_runs`, called by the
scheduler and before every run, marks it failed, removes its temporary file, and so lets the
channel's schedule go on. A run that was reaped but is in fact still alive notices it at its
next heartbeat and stops without publishing.

An export that fails half-way leaves the previously published file untouched (the new one
is only moved into place with ``os.replace`` once complete) and records the error with the
product being written. Products a channel or format cannot take are skipped and listed
(:class:`~pim.exports.models.ExportIssue`), never silently dropped.
"""

import hashlib
import logging
import os
import tempfile
import traceback
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from . import delta
from .formats import writer_class
from .models import Channel, ExportIssue, ExportRun, RunKind, RunStatus, RunTrigger
from .source import ExportContext, channel_products, iter_ids

logger = logging.getLogger(__name__)

ISSUE_BATCH = 500


class ExportError(Exception):
    """An export could not be written; the message says why and how to fix it."""


class RunAbandoned(Exception):
    """The run was marked failed by :func:`reap_dead_runs` while it was still writing."""


def reap_dead_runs(now=None) -> list[ExportRun]:
    """Mark failed the running runs without a heartbeat for PIM_EXPORT_RUN_TIMEOUT_SECONDS
    and the queued runs no worker started within PIM_EXPORT_QUEUED_TIMEOUT_SECONDS; remove
    their temporary files. Returns the runs marked failed."""
    now = now or timezone.now()
    run_timeout = settings.PIM_EXPORT_RUN_TIMEOUT_SECONDS
    queued_timeout = settings.PIM_EXPORT_QUEUED_TIMEOUT_SECONDS
    dead = ExportRun.objects.annotate(alive_at=Coalesce("heartbeat_at", "started_at", "queued_at")).filter(
        Q(status=RunStatus.RUNNING, alive_at__lt=now - timedelta(seconds=run_timeout))
        | Q(status=RunStatus.QUEUED, queued_at__lt=now - timedelta(seconds=queued_timeout))
    )
    reaped = []
    for run in dead:
        if run.status == RunStatus.RUNNING:
            error = _(
                "The export worker stopped: no heartbeat since %(time)s (the limit is %(seconds)s "
                "seconds). The run was marked failed and its temporary file removed; start the "
                "export again, or let the schedule start the next one."
            ) % {"time": _local(run.alive_at), "seconds": run_timeout}
        else:
            error = _(
                "No worker started this run since it was queued at %(time)s (the limit is %(seconds)s "
                "seconds). Check that “manage.py db_worker” runs, then start the export again."
            ) % {"time": _local(run.queued_at), "seconds": queued_timeout}
        # Only if nobody finished or renewed it in the meantime.
        claimed = ExportRun.objects.filter(
            pk=run.pk, status=run.status, heartbeat_at=run.heartbeat_at
        ).update(status=RunStatus.FAILED, finished_at=now, error=error)
        if not claimed:
            continue
        _remove_temp_file(run)
        logger.warning("export run %s of %s marked failed: %s", run.pk, run.channel_id, error)
        run.refresh_from_db()
        reaped.append(run)
    return reaped


def _local(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else "?"


def _remove_temp_file(run: ExportRun) -> None:
    if run.temp_path:
        Path(run.temp_path).unlink(missing_ok=True)
        ExportRun.objects.filter(pk=run.pk).update(temp_path="")
        run.temp_path = ""


def create_run(
    channel: Channel,
    *,
    format: str | None = None,
    kind: str = RunKind.FULL,
    since=None,
    trigger: str = RunTrigger.COMMAND,
    user=None,
    receiver=None,
) -> ExportRun:
    """A queued run (executed by :func:`execute_run`, inline or by the task worker)."""
    format = format or channel.format
    writer_class(format)  # unknown formats fail here, before anything is queued
    if kind != RunKind.FULL and since is None:
        raise ExportError(_("A delta export needs a moment to start from (since)."))
    return ExportRun.objects.create(
        channel=channel,
        format=format,
        kind=kind,
        since=since,
        trigger=trigger,
        started_by=user if getattr(user, "is_authenticated", False) else None,
        receiver=receiver,
    )


def _version_numbers(run: ExportRun) -> tuple[str, int]:
    """(CATALOG_VERSION, prev_version): full runs count the major number, deltas since the
    last full run the minor one (BMEcat's prev_version is the number of updates before)."""
    done = ExportRun.objects.filter(channel=run.channel, status=RunStatus.SUCCEEDED).exclude(pk=run.pk)
    last_full = done.filter(kind=RunKind.FULL).order_by("-finished_at").first()
    fulls = done.filter(kind=RunKind.FULL).count()
    updates = done.exclude(kind=RunKind.FULL)
    if last_full is not None:
        updates = updates.filter(finished_at__gt=last_full.finished_at)
    updates = updates.count()
    if run.kind == RunKind.FULL:
        return f"{fulls % 999 + 1}.0", 0
    return f"{max(fulls, 1) % 999 or 1}.{(updates + 1) % 1000}", updates


class _Progress:
    def __init__(self, run: ExportRun, callback=None):
        self.run = run
        self.callback = callback
        self.issues: list[ExportIssue] = []

    def set_total(self, total: int) -> None:
        self.run.total = total
        ExportRun.objects.filter(pk=self.run.pk).update(total=total)
        if self.callback:
            self.callback(0, total)

    def advance(self, count: int) -> None:
        self.run.processed += count
        self.beat(processed=F("processed") + count)
        if self.callback:
            self.callback(count, self.run.total)

    def beat(self, **fields) -> None:
        """Renew the heartbeat (with ``fields``); stop if the run was given up meanwhile."""
        now = timezone.now()
        renewed = ExportRun.objects.filter(pk=self.run.pk, status=RunStatus.RUNNING).update(
            heartbeat_at=now, **fields
        )
        if not renewed:
            raise RunAbandoned()
        self.run.heartbeat_at = now

    def skip(self, record, messages) -> None:
        self.run.skipped_count += 1
        self.issues.append(
            ExportIssue(
                run=self.run,
                product_id=record.product.pk if record.product else None,
                article_number=record.article_number[:64],
                message=" ".join(messages),
            )
        )
        if len(self.issues) >= ISSUE_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.issues:
            ExportIssue.objects.bulk_create(self.issues)
            self.issues = []


def _items(run: ExportRun, context: ExportContext, writer, progress: _Progress, state: dict):
    """The records the writer gets: loaded in batches, checked, counted."""
    if run.kind == RunKind.FULL:
        queryset = channel_products(run.channel)
        progress.set_total(queryset.count())
        batches = ((len(ids), context.load(ids)) for ids in iter_ids(queryset))
    else:
        progress.set_total(delta.delta_total(run.channel, run.since, run.kind))
        batches = delta.iter_delta_records(context, run.since, run.kind)
    for size, records in batches:
        written = []
        for record in records:
            problems = context.completeness_problems(record) + writer.problems(record)
            if problems:
                progress.skip(record, problems)
                continue
            state["current"] = record.article_number
            yield record
            if record.is_deletion:
                run.deleted_count += 1
            else:
                run.product_count += 1
                written.append(record.product.pk)
        state["current"] = ""
        # Per batch, not at the end, so memory stays flat. A run that fails afterwards leaves
        # rows for products no receiver got from it: at worst the deletion of a product that
        # was public in this channel's scope is announced, never one of a draft.
        delta.remember_exported(run.channel, run, written)
        progress.advance(size)


def _sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _destination(run: ExportRun, writer, output: str | None) -> Path:
    if output:
        return Path(output).resolve()
    directory = run.channel.export_directory()
    stamp = timezone.localtime(run.snapshot_at).strftime("%Y%m%d-%H%M%S")
    name = f"{run.channel.code}-{stamp}-{run.pk}-{run.kind}.{writer.extension}"
    return directory / name


def execute_run(
    run: ExportRun, *, output: str | None = None, progress_callback=None, out_class=None
) -> ExportRun:
    """Write the run's file and publish it. Never raises for export problems: the run
    records them (status, error, error_product, issues). ``out_class`` swaps the XML output
    (the benchmark builds the same document as one in-memory tree with it)."""
    channel = run.channel
    reap_dead_runs()
    now = timezone.now()
    run.status = RunStatus.RUNNING
    run.started_at = now
    run.snapshot_at = now
    run.heartbeat_at = now
    run.catalog_version, prev_version = _version_numbers(run)
    run.save(update_fields=["status", "started_at", "snapshot_at", "heartbeat_at", "catalog_version"])
    progress = _Progress(run, progress_callback)
    state = {"current": ""}
    temp_path = None
    try:
        context = ExportContext(channel, format=run.format, writing=True)
        if not context.languages:
            raise ExportError(_("The channel has no languages."))
        writer = writer_class(run.format)(
            context,
            kind=run.kind,
            generated_at=now,
            catalog_version=run.catalog_version,
            prev_version=prev_version,
            out_class=out_class,
        )
        destination = _destination(run, writer, output)
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, kept on success)
            dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp", delete=False
        )
        temp_path = Path(handle.name)
        run.temp_path = str(temp_path)
        progress.beat(temp_path=run.temp_path)  # so a dead run's file can be found and removed
        with handle:
            writer.write(handle, _items(run, context, writer, progress, state))
        progress.flush()
        written = run.product_count + run.deleted_count
        if written == 0 and writer.requires_items:
            temp_path.unlink()
            temp_path = None
            run.temp_path = ""
            if run.kind == RunKind.FULL:
                raise ExportError(
                    _(
                        "No product could be exported (%(skipped)s skipped, see the list); the format needs at least one."
                    )
                    % {"skipped": run.skipped_count}
                )
            # An empty delta: nothing changed, nothing to publish.
            return _finish(run, RunStatus.SUCCEEDED)
        run.sha256, run.size_bytes = _sha256_of(temp_path)
        progress.beat()  # still ours: a run given up as dead publishes nothing
        os.replace(temp_path, destination)
        temp_path = None
        run.temp_path = ""
        if output:
            run.output_path = str(destination)
        else:
            run.file = str(destination.relative_to(Path(settings.PIM_EXPORT_ROOT)))
        with transaction.atomic():
            if run.kind == RunKind.FULL and not output:
                ExportRun.objects.filter(channel=channel, published=True).update(published=False)
                run.published = True
            _finish(run, RunStatus.SUCCEEDED)
        _apply_retention(channel)
        return run
    except RunAbandoned:
        # reap_dead_runs marked it failed (and said why); only our file is left to remove
        if temp_path is not None:
            temp_path.unlink(missing_ok=True)
        run.refresh_from_db()
        return run
    except Exception as exc:  # the run records every failure; nothing half-written is kept
        progress.flush()
        if temp_path is not None and temp_path.exists():
            temp_path.unlink()
        run.temp_path = ""
        run.error_product = state["current"][:64]
        if isinstance(exc, ExportError):
            run.error = str(exc)
        else:
            logger.exception("export run %s failed at product %r", run.pk, state["current"])
            run.error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"
        if run.error_product:
            run.error = _("While writing product %(product)s: %(error)s") % {
                "product": run.error_product,
                "error": run.error,
            }
        return _finish(run, RunStatus.FAILED)


def _finish(run: ExportRun, status: str) -> ExportRun:
    run.status = status
    run.finished_at = timezone.now()
    run.save()
    return run


def run_export(
    channel: Channel, *, output: str | None = None, progress_callback=None, out_class=None, **options
) -> ExportRun:
    """Create and execute a run synchronously (command line, pulls, tests)."""
    run = create_run(channel, **options)
    return execute_run(run, output=output, progress_callback=progress_callback, out_class=out_class)


def _apply_retention(channel: Channel) -> None:
    """Delete files of old runs beyond PIM_EXPORT_KEEP_FILES (history rows stay)."""
    keep = settings.PIM_EXPORT_KEEP_FILES
    old = (
        ExportRun.objects.filter(channel=channel, published=False)
        .exclude(file="")
        .order_by("-finished_at", "-pk")[keep:]
    )
    for run in list(old):
        path = run.file_path()
        if path is not None and path.exists():
            path.unlink()
        ExportRun.objects.filter(pk=run.pk).update(file="")
