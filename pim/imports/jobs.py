"""Import jobs: read a file, plan it against the catalog in batches, keep what was found, and
on the user's word write it.

Every job is first a dry run (:func:`run_job` with ``commit=False``): the file is read and
planned batch by batch, nothing in the catalog is written, and the findings (errors, warnings,
the diff of every new or changed product) are stored with the counts. The commit reads and
plans the file again, because the catalog may have changed since the dry run, and then:

- **all or nothing** (default): the whole file is written in one transaction; a single row
  with an error (or a product the catalog refuses on saving) rolls everything back. While the
  transaction is open, the database row of the job cannot show progress to other connections,
  so progress and heartbeat go to the shared cache too (:func:`live_progress`), and findings
  are spooled to a temporary file and stored after the transaction ended, committed or not.
- **skip invalid** (``job.skip_invalid``): each batch is one transaction with a savepoint per
  product; rows with errors and products the catalog refuses are left out and written to an
  error file (the rejected rows with an error column, in the source's format for Excel/CSV;
  a list of products and problems for BMEcat) to fix and import again.

A job renews its heartbeat with every batch. :func:`reap_dead_jobs` marks failed the jobs
whose worker died; a commit that was reaped while it was still running notices it before
its transaction commits and rolls back.
"""

import contextlib
import csv
import gc
import io
import json
import logging
import shutil
import tempfile
import zipfile
from datetime import timedelta
from itertools import islice
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from pim.assets.filenames import safe_filename
from pim.assets.services import atomic_with_files
from pim.exports.spreadsheets import csv_text

from . import bmecat, committing, media, planning, tabular
from .models import ImportFinding, ImportJob, ImportStatus, SourceFormat
from .records import ERROR, WARNING, IncomingProduct, Location, Problem, Raw

logger = logging.getLogger(__name__)

BATCH = 500
FINDING_BATCH = 1000

RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)

TABULAR_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ".tsv"}
BMECAT_SUFFIXES = {".xml", ".bmecat", ".zip"}


class ImportAbandoned(Exception):
    """The job was marked failed by :func:`reap_dead_jobs` while it was still running."""


class _Rollback(Exception):
    """Leaves the all-or-nothing transaction without writing anything."""


def inline_rows_limit() -> int:
    """Files with at most this many rows (``PIM_IMPORT_INLINE_ROWS``) are checked and imported
    in the admin's request; larger ones go to the task worker."""
    return settings.PIM_IMPORT_INLINE_ROWS


def job_timeout_seconds() -> int:
    """Seconds a running job may go without a heartbeat (``PIM_IMPORT_JOB_TIMEOUT_SECONDS``)."""
    return settings.PIM_IMPORT_JOB_TIMEOUT_SECONDS


def queued_timeout_seconds() -> int:
    """Seconds a job may wait for a worker (``PIM_IMPORT_QUEUED_TIMEOUT_SECONDS``)."""
    return settings.PIM_IMPORT_QUEUED_TIMEOUT_SECONDS


def detect_format(name: str, head: bytes = b"") -> str:
    """The :class:`SourceFormat` of a file from its name, else from its first bytes. An XLSX is
    a ZIP too: a ZIP is BMEcat only when it holds no workbook."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix in TABULAR_SUFFIXES:
        return SourceFormat.TABULAR
    if suffix in {".xml", ".bmecat"}:
        return SourceFormat.BMECAT
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return SourceFormat.BMECAT
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(head)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            # Only the head was given: decide by the workbook's fixed first member instead.
            return SourceFormat.TABULAR if b"[Content_Types].xml" in head[:200] else SourceFormat.BMECAT
        return SourceFormat.TABULAR if "xl/workbook.xml" in names else SourceFormat.BMECAT
    return SourceFormat.TABULAR


def live_progress(job: ImportJob) -> tuple[int, object]:
    """(rows done, last heartbeat) of a job, from its row or, while an all-or-nothing commit
    holds its changes in one transaction, from the shared cache; whichever is newer."""
    rows_done, heartbeat = job.rows_done, job.heartbeat_at
    cached = cache.get(_cache_key(job.pk))
    if cached:
        cached_at = parse_datetime(cached["heartbeat_at"])
        if heartbeat is None or (cached_at and cached_at > heartbeat):
            rows_done, heartbeat = cached["rows_done"], cached_at
    return rows_done, heartbeat


def _cache_key(pk: int) -> str:
    return f"imports:job:{pk}:progress"


def reap_dead_jobs(now=None) -> list[ImportJob]:
    """Mark failed the running jobs without a heartbeat for ``PIM_IMPORT_JOB_TIMEOUT_SECONDS``
    and the queued ones no worker started within ``PIM_IMPORT_QUEUED_TIMEOUT_SECONDS``."""
    now = now or timezone.now()
    run_limit, queued_limit = job_timeout_seconds(), queued_timeout_seconds()
    candidates = ImportJob.objects.annotate(
        alive_at=Coalesce("heartbeat_at", "started_at", "created_at")
    ).filter(
        Q(status__in=RUNNING, alive_at__lt=now - timedelta(seconds=run_limit))
        | Q(status=ImportStatus.QUEUED, alive_at__lt=now - timedelta(seconds=queued_limit))
    )
    reaped = []
    for job in candidates:
        _rows, alive_at = live_progress(job)
        alive_at = alive_at or job.started_at or job.created_at
        if job.status in RUNNING:
            if alive_at >= now - timedelta(seconds=run_limit):
                continue  # an all-or-nothing commit beats in the cache only
            message = _(
                "The import worker stopped: no sign of life since %(time)s (the limit is %(seconds)s "
                "seconds). Nothing of an all-or-nothing import was written; start it again."
            ) % {"time": _local(alive_at), "seconds": run_limit}
        else:
            message = _(
                "No worker started this import since it was queued at %(time)s. Check that "
                "“manage.py db_worker” runs, then start the import again."
            ) % {"time": _local(alive_at)}
        claimed = ImportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
        ).update(status=ImportStatus.FAILED, finished_at=now, message=message)
        if claimed:
            logger.warning("import job %s marked failed: %s", job.pk, message)
            job.refresh_from_db()
            reaped.append(job)
    return reaped


def _local(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else "?"


def _open_source(job: ImportJob, stack: contextlib.ExitStack):
    """The reader of the job's file (closed with ``stack``)."""
    path = stack.enter_context(_local_path(job))
    if job.source_format == SourceFormat.BMECAT:
        source = bmecat.open_bmecat(path, mapping=job.mapping)
    else:
        handle = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - closed by the stack
        source = tabular.open_tabular(
            handle,
            name=job.original_name,
            encoding=job.encoding,
            delimiter=job.delimiter,
            sheet=job.sheet,
            mapping=job.mapping,
        )
    if hasattr(source, "close"):
        stack.callback(source.close)
    return source


def estimated_rows(job: ImportJob) -> int | None:
    """The reader's cheap estimate of the rows (products) of the job's file; None when it cannot
    tell without reading the file (BMEcat) or the file does not open (the job will say why)."""
    try:
        with contextlib.ExitStack() as stack:
            return getattr(_open_source(job, stack), "total_rows", None)
    except Exception:  # reported by the dry run, with the reader's own message
        logger.info("import job %s: no row estimate", job.pk, exc_info=True)
        return None


def source_columns(job: ImportJob) -> list[tuple[str, str]]:
    """(header, target in the mapping grammar, "" when ignored) of a spreadsheet job's columns
    as the reader understands them: where a mapping for a foreign layout starts from. Empty for
    BMEcat and for files that do not open."""
    if job.source_format != SourceFormat.TABULAR:
        return []
    try:
        with contextlib.ExitStack() as stack:
            return list(getattr(_open_source(job, stack), "columns", []))
    except Exception:  # the job page says why the file does not open
        logger.info("import job %s: columns not readable", job.pk, exc_info=True)
        return []


def run_job(job: ImportJob, *, commit: bool, progress=None) -> ImportJob:
    """Check (``commit=False``) or import (``commit=True``) the job's file; see the module
    docstring for what each writes. ``progress(rows_done, rows_total)`` is called after every
    batch (``rows_total`` may be None). Never raises for problems of the file or its rows: the
    job records them (status, message, findings, error file). Returns the job."""
    with _fewer_collections():
        return _JobRun(job, commit=commit, progress=progress).run()


# Allocations between two runs of the cyclic garbage collector's youngest generation while a
# job runs (Python's default is 700), and runs of the youngest between two of the middle one
# (default 10): the job collects the middle generation itself once per batch.
GC_THRESHOLD = 50_000
GC_MIDDLE_THRESHOLD = 1_000


@contextlib.contextmanager
def _fewer_collections():
    """Python's cyclic garbage collector runs every 700 allocations and its older generations
    walk every live object: an import allocates millions (model instances, rows, diffs) while
    the planner's tables and Django's own objects stay alive, and the collector took a quarter
    of a dry run. During a job, the objects that exist before it are frozen out of the
    collector's walks, the youngest generation runs every ``GC_THRESHOLD`` allocations and
    what survives it waits in the middle generation: the job collects that once per batch,
    when the batch's objects are garbage (see ``_JobRun._planned_batches``), so the reference
    cycles among a batch's products and rows are freed without walking what lives longer.
    Both are restored afterwards."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(GC_THRESHOLD, threshold[0]), max(GC_MIDDLE_THRESHOLD, threshold[1]), *threshold[2:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class _Findings:
    """Findings of one pass, stored in bulk. ``spool``: kept in a temporary file until
    :meth:`store` (an open all-or-nothing transaction would take them along on rollback)."""

    def __init__(self, job: ImportJob, *, spool: bool):
        self.job = job
        self.pending: list[ImportFinding] = []
        # Closed by store(), which every end of a pass calls.
        self.spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8") if spool else None  # noqa: SIM115

    def add(self, kind: str, *, article_number="", location=None, value="", message="", changes=None):
        row = {
            "kind": kind,
            "article_number": str(article_number or "")[:64],
            "sheet": (location.sheet if location else "")[:100],
            "row": location.row if location else None,
            "line": location.line if location else None,
            "column": str(location.column if location else "")[:300],
            "value": _text(value),
            "message": str(message),
            "changes": [[str(label), _text(old), _text(new)] for label, old, new in (changes or [])],
        }
        if self.spool is not None:
            self.spool.write(json.dumps(row) + "\n")
            return
        self.pending.append(ImportFinding(job=self.job, **row))
        if len(self.pending) >= FINDING_BATCH:
            self.flush()

    def problem(self, problem: Problem, article_number=""):
        self.add(
            ImportFinding.Kind.ERROR if problem.severity == ERROR else ImportFinding.Kind.WARNING,
            article_number=problem.article_number or article_number,
            location=problem.location,
            value=problem.value,
            message=problem.message,
        )

    def flush(self):
        if self.pending:
            ImportFinding.objects.bulk_create(self.pending, batch_size=FINDING_BATCH)
            self.pending = []

    def store(self):
        """Write what was spooled (outside any transaction that may roll back) and close."""
        if self.spool is not None:
            self.spool.seek(0)
            for line in self.spool:
                self.pending.append(ImportFinding(job=self.job, **json.loads(line)))
                if len(self.pending) >= FINDING_BATCH:
                    self.flush()
            self.spool.close()
            self.spool = None
        self.flush()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " – ".join(_text(item) for item in value)
    return str(value)


class _DeferredLinks:
    """The changes whose relations point to products later in the file, until the whole file
    is written: what linking needs of each (article number, place, action, the relations by
    kind), spooled to a temporary file, since a large file has tens of thousands of them."""

    def __init__(self):
        self.spool = None
        self.count = 0

    def add(self, change) -> None:
        if self.spool is None:
            self.spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed by chunks()
        location = change.incoming.location
        self.spool.write(
            json.dumps(
                {
                    "number": change.incoming.number,
                    "location": [location.file, location.sheet, location.row, location.column, location.line],
                    "action": change.action,
                    "relations": change.deferred_relations,
                }
            )
            + "\n"
        )
        self.count += 1

    def chunks(self, size: int):
        """The kept changes in file order, ``size`` at a time, as :class:`PlannedChange` s with
        just those parts (not the row's cells and values); closes the spool."""
        if self.spool is None:
            return
        self.spool.seek(0)
        try:
            while lines := list(islice(self.spool, size)):
                yield [self._change(json.loads(line)) for line in lines]
        finally:
            self.spool.close()
            self.spool = None

    @staticmethod
    def _change(data) -> planning.PlannedChange:
        file, sheet, row, column, line = data["location"]
        location = Location(file=file, sheet=sheet, row=row, column=column, line=line)
        incoming = IncomingProduct(article_number=Raw(data["number"], location), location=location)
        return planning.PlannedChange(
            incoming=incoming, action=data["action"], deferred_relations=data["relations"]
        )


class _JobRun:
    def __init__(self, job: ImportJob, *, commit: bool, progress=None):
        self.job = job
        self.commit = commit
        self.callback = progress
        # Inside the all-or-nothing transaction nothing written to the database is seen by
        # others (nor kept on rollback).
        self.atomic_commit = commit and not job.skip_invalid
        self.findings = _Findings(job, spool=self.atomic_commit)
        self.counts = {"create": 0, "update": 0, "unchanged": 0, "invalid": 0}
        self.warnings = 0
        self.file_problems_seen = 0
        self.file_errors: list[Problem] = []
        self.deferred = _DeferredLinks()  # changes with relations to products later in the file
        self.rejected: list[tuple] = []  # (IncomingProduct, [error Problem]) for the error file
        self.source = None
        self.media = None  # the files of a BMEcat ZIP (media.MediaImport)

    # -- the pass ------------------------------------------------------------------------

    def run(self) -> ImportJob:
        job = self.job
        self._start()
        try:
            with contextlib.ExitStack() as stack:
                self.source = self._open(stack)
                self._note_file_problems()
                if self.file_errors:
                    self._fail(self._file_error_message())
                elif not self.commit:
                    self._plan_all()
                elif self.atomic_commit:
                    self._commit_all_or_nothing()
                else:
                    self._commit_skipping_invalid()
        except ImportAbandoned:
            logger.warning("import job %s was given up while it ran; it stopped", job.pk)
            self.findings.store()
            job.refresh_from_db()
            return job
        except Exception as exc:  # a broken file or storage: the job says why, never a 500
            logger.exception("import job %s failed", job.pk)
            self.findings.store()
            self._fail(
                _("The import stopped unexpectedly (%(type)s: %(error)s). Nothing more was written.")
                % {"type": type(exc).__name__, "error": exc}
            )
        return job

    def _start(self):
        job = self.job
        now = timezone.now()
        job.findings.all().delete()  # findings are those of the latest pass
        if job.error_file:
            job.error_file.delete(save=False)
        job.status = ImportStatus.IMPORTING if self.commit else ImportStatus.CHECKING
        job.started_at = job.heartbeat_at = now
        job.finished_at = None
        job.rows_done = 0
        job.created_count = job.updated_count = job.unchanged_count = 0
        job.invalid_count = job.warning_count = 0
        job.message = ""
        job.save()
        cache.delete(_cache_key(job.pk))

    def _open(self, stack: contextlib.ExitStack):
        job = self.job
        source = _open_source(job, stack)
        if job.source_format == SourceFormat.BMECAT:
            # The first pass (catalog groups) reads the whole file: a break found there is a
            # file error before anything is written, whichever way the commit goes.
            source.categories  # noqa: B018
            self.media = media.MediaImport(source, user=job.user)
        total = getattr(source, "total_rows", None)
        if total is not None:
            job.rows_total = total
            ImportJob.objects.filter(pk=job.pk).update(rows_total=total)
        return source

    def _plan_all(self):
        for planned, size in self._planned_batches():
            self._check_batch(planned)
            del planned  # see _planned_batches
            self._after_batch(size)
        if self.file_errors:  # found while reading, e.g. a broken XML element
            self._fail(self._file_error_message())
        else:
            self._finish(ImportStatus.CHECKED, self._checked_message())

    def _check_batch(self, planned):
        for change in planned:
            self._plan_media(change)
            self._record(change)

    def _commit_all_or_nothing(self):
        job = self.job
        failure = ""
        try:
            # With the files: asset files stored for a BMEcat ZIP leave storage on rollback.
            with atomic_with_files():
                if job.source_format == SourceFormat.BMECAT:
                    bmecat.apply_categories(self.source)
                for planned, size in self._planned_batches():
                    self._write_batch(planned)
                    del planned  # see _planned_batches
                    self._after_batch(size)
                if self.counts["invalid"] or self.file_errors:
                    raise _Rollback()
                self._link_late_relations()
                if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING).exists():
                    raise ImportAbandoned()
        except _Rollback:
            failure = self._blocked_message()
        except _ApplyFailed as refused:
            self.findings.add(
                ImportFinding.Kind.ERROR,
                article_number=refused.change.incoming.number,
                location=refused.change.incoming.location,
                message=refused.message,
            )
            self.counts["invalid"] += 1
            failure = _(
                "The catalog refused product %(article)s (%(error)s). Nothing was imported: fix the "
                "row and import the file again."
            ) % {"article": refused.change.incoming.number, "error": refused.message}
        self.findings.store()
        if failure:
            self._fail(failure)
        else:
            self._finish(ImportStatus.IMPORTED, self._imported_message())

    def _write_batch(self, planned):
        """All-or-nothing: write a batch's changes (once the file has an error, only count)."""
        drafts = []  # new products written together at the end of the batch
        for change in planned:
            links = self._plan_media(change)
            self._record(change)
            if self.counts["invalid"] or self.file_errors:
                continue  # counting the errors of the whole file, writing nothing
            if self._bulk_creatable(change, links):
                drafts.append(change)
                self._defer(change)
                continue
            product = change.product
            if change.action in ("create", "update"):
                product = self._apply_or_raise(change)
            self._apply_media(links, product)
            self._defer(change)
        if drafts and not (self.counts["invalid"] or self.file_errors):
            self._create_drafts(drafts)

    def _commit_skipping_invalid(self):
        job = self.job
        if job.source_format == SourceFormat.BMECAT:
            with transaction.atomic():
                bmecat.apply_categories(self.source)
        for planned, size in self._planned_batches():
            self._write_batch_skipping_invalid(planned)
            del planned  # see _planned_batches
            self._after_batch(size)
        self._link_deferred_relations()
        self._note_file_problems()
        if self.rejected:
            self._write_error_file()
        if self.file_errors:
            # The rows before the break are in (the user chose to skip what cannot be imported).
            self._fail(
                _("The file could not be read to its end: %(problem)s. %(imported)s")
                % {"problem": _problem_text(self.file_errors[0]), "imported": self._imported_message()}
            )
        else:
            self._finish(ImportStatus.IMPORTED, self._imported_message())

    def _bulk_creatable(self, change, links) -> bool:
        """A new product written with the batch's other new drafts (:func:`committing.create_drafts`):
        not published by the import and without files to link."""
        return change.action == "create" and not self.job.publish and not links and not _errors(change)

    def _create_drafts(self, changes):
        """All-or-nothing: the batch's new drafts in bulk, in a savepoint; when the catalog
        refuses the bulk write, each is written on its own to name the row it refuses."""
        try:
            with transaction.atomic():
                committing.create_drafts(changes, user=self.job.user)
            return
        except Exception:
            logger.info("import job %s: bulk create refused; writing one by one", self.job.pk, exc_info=True)
        for change in changes:
            self._apply_or_raise(change)

    def _write_batch_skipping_invalid(self, planned):
        """Skip-invalid: write a batch's changes in one transaction, each product in a savepoint."""
        job = self.job
        with transaction.atomic():
            planned = [(change, self._plan_media(change)) for change in planned]
            # The batch's new drafts in bulk, in a savepoint; when the catalog refuses the
            # bulk write, each is written on its own below and only the refused row is rejected.
            drafts = [change for change, links in planned if self._bulk_creatable(change, links)]
            written = set()
            if drafts:
                try:
                    with transaction.atomic():
                        committing.create_drafts(drafts, user=job.user)
                    written = {id(change) for change in drafts}
                except Exception:
                    logger.info("import job %s: bulk create refused; one by one", job.pk, exc_info=True)
            for change, links in planned:
                product = change.product
                if id(change) in written:
                    pass
                elif change.action in ("create", "update") and not _errors(change):
                    try:
                        with atomic_with_files():
                            product = committing.apply(change, user=job.user, publish=job.publish)
                    except Exception as exc:  # the catalog refused it: reject this row only
                        logger.info("import job %s: %s refused: %s", job.pk, change.incoming.number, exc)
                        change.problems.append(
                            Problem(
                                _refusal(exc),
                                location=change.incoming.location,
                                article_number=change.incoming.number,
                            )
                        )
                        change.action = "invalid"
                self._record(change)
                if change.action != "invalid" and not _errors(change):
                    self._apply_media(links, product)
                self._defer(change)

    def _link_late_relations(self):
        """All-or-nothing: relations to products later in the file, once the whole file is
        written; the drafts this import created are linked in bulk."""
        for chunk in self.deferred.chunks(BATCH):
            drafts = [change for change in chunk if self._bulk_linkable(change)]
            if drafts:
                try:
                    with transaction.atomic():
                        committing.link_created(drafts, user=self.job.user)
                except Exception:
                    logger.info("import job %s: bulk linking refused; one by one", self.job.pk, exc_info=True)
                    for change in drafts:
                        self._apply_or_raise(change, committing.apply_deferred_relations)
            for change in chunk:
                if not self._bulk_linkable(change):
                    self._apply_or_raise(change, committing.apply_deferred_relations)
            gc.collect(1)  # the products linked in this chunk (see _fewer_collections)

    def _bulk_linkable(self, change) -> bool:
        """A draft this import created (not published by it): its late relations are linked
        in bulk (:func:`committing.link_created`)."""
        return change.action == "create" and not self.job.publish

    def _apply_or_raise(self, change, write=None):
        try:
            return (write or committing.apply)(change, user=self.job.user, publish=self.job.publish)
        except Exception as exc:  # any refusal ends the all-or-nothing import
            raise _ApplyFailed(change, _refusal(exc)) from exc

    def _defer(self, change):
        """Keep a change whose relations point to products later in the file: they are linked
        once the whole file is written (only these changes are kept, on disk, not the file)."""
        if change.deferred_relations and change.action != "invalid" and not _errors(change):
            self.deferred.add(change)

    def _link_deferred_relations(self):
        """Skip-invalid: link the late relations, the drafts of a chunk in bulk (in a
        savepoint), else each product in a savepoint of its own; a refusal leaves the product
        imported without them and is reported at its row."""
        with transaction.atomic():
            for chunk in self.deferred.chunks(BATCH):
                drafts = [change for change in chunk if self._bulk_linkable(change)]
                linked = False
                if drafts:
                    try:
                        with transaction.atomic():
                            committing.link_created(drafts, user=self.job.user)
                        linked = True
                    except Exception:
                        logger.info(
                            "import job %s: bulk linking refused; one by one", self.job.pk, exc_info=True
                        )
                for change in chunk:
                    if linked and self._bulk_linkable(change):
                        continue
                    try:
                        with transaction.atomic():
                            committing.apply_deferred_relations(
                                change, user=self.job.user, publish=self.job.publish
                            )
                    except Exception as exc:  # reported; the product itself is imported
                        self.findings.add(
                            ImportFinding.Kind.ERROR,
                            article_number=change.incoming.number,
                            location=change.incoming.location,
                            message=_(
                                "The product was imported, but its relations could not be linked: %(error)s"
                            )
                            % {"error": _refusal(exc)},
                        )
                gc.collect(1)  # the products linked in this chunk (see _fewer_collections)
        self.findings.flush()

    def _planned_batches(self):
        """(planned changes, rows) per batch of the source, planned by one planner for the whole
        file (it finds duplicate article numbers across batches)."""
        planner = planning.Planner(user=self.job.user, mapping=self.job.mapping, drafts=not self.job.publish)
        rows = iter(self.source)
        while batch := list(islice(rows, BATCH)):
            planned = planner.plan_batch(batch)
            if self.media is not None:
                self.media.prepare(planned)
            size = len(batch)
            del batch
            yield planned, size
            # The caller is done with the batch and holds none of it (it deletes its name), so
            # its objects are garbage now: the reference cycles among them are freed by walking
            # only what was made since the last batch (see _fewer_collections).
            del planned
            gc.collect(1)
        # Relations to articles that never came, and the references of a plain BMEcat XML.
        for problem in [*planner.finish(), *(self.media.finish() if self.media else [])]:
            self.findings.problem(problem)
            self.warnings += problem.severity == WARNING

    def _plan_media(self, change) -> list:
        """The files of a BMEcat ZIP ``change`` names that would be linked (they join the
        product's diff); the others are warnings at their reference."""
        if self.media is None or not change.incoming.media or change.action == "invalid" or _errors(change):
            return []
        links, rows, problems = self.media.plan(change)
        if rows and change.action == "unchanged":
            # Only files are new: the product stays unchanged (no revision), its diff shows them.
            self.findings.add(
                ImportFinding.Kind.UPDATE,
                article_number=change.incoming.number,
                location=change.incoming.location,
                changes=rows,
            )
        else:
            change.changes = [*change.changes, *rows]
        change.problems = [*change.problems, *problems]
        return links

    def _apply_media(self, links, product):
        if links and product is not None:
            for problem in self.media.apply(links, product):
                self.findings.problem(problem)
                self.warnings += 1

    # -- bookkeeping -----------------------------------------------------------------------

    def _record(self, change):
        incoming = change.incoming
        problems = _problems(change)
        action = "invalid" if any(p.severity == ERROR for p in problems) else change.action
        self.counts[action] = self.counts.get(action, 0) + 1
        for problem in problems:
            self.findings.problem(problem, incoming.number)
            if problem.severity == WARNING:
                self.warnings += 1
        if action in ("create", "update"):
            self.findings.add(
                ImportFinding.Kind.CREATE if action == "create" else ImportFinding.Kind.UPDATE,
                article_number=incoming.number,
                location=incoming.location,
                changes=change.changes,
            )
        elif action == "invalid" and self.commit and self.job.skip_invalid:
            self.rejected.append((incoming, [p for p in problems if p.severity == ERROR]))

    def _after_batch(self, size: int):
        self._note_file_problems()
        if self.findings.spool is None:
            self.findings.flush()
        job = self.job
        job.rows_done += size
        now = timezone.now()
        cache.set(
            _cache_key(job.pk),
            {"rows_done": job.rows_done, "heartbeat_at": now.isoformat()},
            timeout=job_timeout_seconds() * 2,
        )
        if not self.atomic_commit:
            renewed = ImportJob.objects.filter(pk=job.pk, status__in=RUNNING).update(
                rows_done=job.rows_done, heartbeat_at=now
            )
            if not renewed:
                raise ImportAbandoned()
            job.heartbeat_at = now
        if self.callback:
            self.callback(job.rows_done, job.rows_total)

    def _note_file_problems(self):
        """Store the file-level problems the source reported since the last look (a streaming
        reader finds some only while it reads)."""
        problems = list(getattr(self.source, "problems", None) or [])
        for problem in problems[self.file_problems_seen :]:
            self.findings.problem(problem)
            if problem.severity == ERROR:
                self.file_errors.append(problem)
            else:
                self.warnings += 1
        self.file_problems_seen = len(problems)

    def _write_error_file(self):
        job = self.job
        stem = PurePath(job.original_name).stem or "import"
        with tempfile.TemporaryFile() as stream:
            if job.source_format == SourceFormat.TABULAR:
                # The source knows the encoding and delimiter it read, so the fixed file reads alike.
                extension = self.source.write_error_file(stream, self.rejected)
            else:
                extension = "csv"
                write_product_error_list(stream, self.rejected)
            stream.seek(0)
            name = safe_filename(f"{stem}-{_('errors')}", extension=extension)
            job.error_file.save(name, File(stream), save=False)
        ImportJob.objects.filter(pk=job.pk).update(error_file=job.error_file.name)

    def _finish(self, status: str, message: str):
        job = self.job
        self.findings.store()
        job.status = status
        job.message = message
        job.finished_at = timezone.now()
        if job.rows_total is None or status != ImportStatus.FAILED:
            job.rows_total = job.rows_done
        job.created_count = self.counts["create"]
        job.updated_count = self.counts["update"]
        job.unchanged_count = self.counts["unchanged"]
        job.invalid_count = self.counts["invalid"]
        job.warning_count = self.warnings
        job.heartbeat_at = job.finished_at
        job.save(
            update_fields=[
                "status",
                "message",
                "finished_at",
                "rows_total",
                "rows_done",
                "created_count",
                "updated_count",
                "unchanged_count",
                "invalid_count",
                "warning_count",
                "heartbeat_at",
            ]
        )
        cache.delete(_cache_key(job.pk))

    def _fail(self, message: str):
        self._finish(ImportStatus.FAILED, message)

    # -- messages ----------------------------------------------------------------------------

    def _file_error_message(self) -> str:
        first = self.file_errors[0]
        place = first.location.describe()
        return _("The file cannot be imported: %(problem)s. Nothing was imported.") % {
            "problem": f"{first.message} ({place})" if place else first.message
        }

    def _checked_message(self) -> str:
        invalid = self.counts["invalid"]
        if not invalid:
            return _("Checked: no errors. Import the file to write the changes.")
        return _(
            "Checked: %(count)s row(s) with errors. Importing all or nothing writes nothing while "
            "they remain; fix them in the file and check it again, or import with “import the "
            "valid rows, skip the rest” and get the rejected rows as an error file."
        ) % {"count": invalid}

    def _blocked_message(self) -> str:
        if self.file_errors:
            return self._file_error_message()
        return _(
            "%(count)s row(s) have errors, so nothing was imported (all or nothing). Fix them in the "
            "file and import it again, or choose “import the valid rows, skip the rest”."
        ) % {"count": self.counts["invalid"]}

    def _imported_message(self) -> str:
        message = _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.") % {
            "created": self.counts["create"],
            "updated": self.counts["update"],
            "unchanged": self.counts["unchanged"],
        }
        if self.counts["invalid"]:
            message += " " + _(
                "%(count)s row(s) with errors were skipped: download the error file, fix the rows "
                "and import it again."
            ) % {"count": self.counts["invalid"]}
        if not self.job.publish:
            message += " " + _("Changes to published products are drafts until they are published.")
        return message


class _ApplyFailed(Exception):
    def __init__(self, change, message: str):
        super().__init__(message)
        self.change = change
        self.message = message


def _problems(change) -> list[Problem]:
    """The reader's problems of the product and the planner's, each once."""
    seen, problems = set(), []
    for problem in [*change.incoming.problems, *change.problems]:
        if id(problem) not in seen:
            seen.add(id(problem))
            problems.append(problem)
    return problems


def _errors(change) -> bool:
    return any(p.severity == ERROR for p in _problems(change))


def _problem_text(problem: Problem) -> str:
    place = problem.location.describe()
    return f"{place}: {problem.message}" if place else str(problem.message)


def _refusal(exc: Exception) -> str:
    messages = getattr(exc, "messages", None)  # a ValidationError says it best
    return "; ".join(str(m) for m in messages) if messages else str(exc) or type(exc).__name__


def write_product_error_list(stream, rejected) -> None:
    """The rejected products (``(incoming, problems)``) of a BMEcat import as a CSV list (UTF-8 with BOM, ``;``, as Excel
    opens it): article number, where in the file, what is wrong."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=";")
    writer.writerow([_("article number"), _("line"), _("error")])
    for incoming, problems in rejected:
        line = incoming.location.line
        message = "\n".join(_problem_text(p) for p in problems)
        writer.writerow([csv_text(incoming.number), "" if line is None else line, csv_text(message)])
    text.flush()
    text.detach()


@contextlib.contextmanager
def _local_path(job: ImportJob):
    """A local path of the job's file; a temporary copy when the storage has no paths (S3)."""
    try:
        path = job.file.path
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=PurePath(job.file.name).suffix) as copy:
        with job.file.open("rb") as stored:
            shutil.copyfileobj(stored, copy)
        copy.flush()
        yield copy.name
