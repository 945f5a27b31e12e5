"""What ``import_products`` and ``import_bmecat`` share: the job from a file, the progress bar,
the summary, the exit code."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from pim.assets.filenames import safe_filename
from pim.imports.jobs import run_job
from pim.imports.models import ImportFinding, ImportJob, ImportMapping, ImportStatus

SHOWN = 20


class _ProgressBar(tqdm):
    """tqdm without its monitor thread: a large workbook is parsed in a forked process
    (``pim.imports.read_ahead``), which is done only while the command has one thread."""

    monitor_interval = 0


class ImportCommand(BaseCommand):
    """Base of the import commands: subclasses name the format and add their options."""

    source_format = ""
    help_text = ""

    @property
    def help(self):
        # argparse needs a str, not a lazy translation.
        return str(self.help_text)

    def add_arguments(self, parser):
        parser.add_argument("--mapping", help=gettext_lazy("Name of a saved import mapping."))
        parser.add_argument(
            "--commit",
            action="store_true",
            help=gettext_lazy("Write the changes. Without it the file is only checked (dry run)."),
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help=gettext_lazy(
                "Import the valid rows and skip the rest (written to an error file). Without it nothing "
                "is imported while one row has an error."
            ),
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help=gettext_lazy(
                "Publish the changes. Without it new products arrive as drafts and changes to published "
                "products are saved as draft revisions."
            ),
        )
        parser.add_argument("--user", help=gettext_lazy("Username the revisions are attributed to."))

    def make_job(self, path: str, *, mapping: ImportMapping | None, options: dict, **fields) -> ImportJob:
        source = Path(path)
        if not source.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path})
        user = None
        if options.get("user"):
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(_("No user is called “%(user)s”.") % {"user": options["user"]})
        job = ImportJob(
            original_name=source.name[:255],
            source_format=self.source_format,
            mapping=mapping,
            user=user,
            skip_invalid=options["skip_invalid"],
            publish=options["publish"],
            **fields,
        )
        with open(source, "rb") as handle:
            job.file.save(safe_filename(source.name), File(handle), save=False)
        job.save()
        return job

    def named_mapping(self, name: str | None) -> ImportMapping | None:
        if not name:
            return None
        mapping = ImportMapping.objects.filter(name=name).first()
        if mapping is None:
            known = ", ".join(ImportMapping.objects.values_list("name", flat=True)) or _("none")
            raise CommandError(
                _("No mapping is called “%(name)s” (saved: %(known)s).") % {"name": name, "known": known}
            )
        if mapping.source_format != self.source_format:
            raise CommandError(
                _("The mapping “%(name)s” is for %(format)s files.")
                % {"name": name, "format": mapping.get_source_format_display()}
            )
        return mapping

    def run(self, job: ImportJob, *, commit: bool, verbosity: int) -> None:
        """Run the job with a progress bar on stderr, print the summary; exit code 1 (a
        CommandError) when errors block the import."""
        with _ProgressBar(
            total=job.rows_total,
            unit=_(" rows"),
            desc=job.original_name,
            disable=verbosity < 1,
            file=self.stderr,
        ) as bar:

            def progress(done, total):
                if total is not None and bar.total != total:
                    bar.total = total
                bar.update(done - bar.n)

            run_job(job, commit=commit, progress=progress)
        job.refresh_from_db()
        self.summary(job)
        blocked = job.status == ImportStatus.FAILED or (
            not commit and job.invalid_count and not job.skip_invalid
        )
        if blocked:
            raise CommandError(job.message or _("Errors block the import."), returncode=1)

    def summary(self, job: ImportJob) -> None:
        write = self.stdout.write
        write(
            _(
                "%(status)s: %(created)s new, %(updated)s changed, %(unchanged)s unchanged, %(invalid)s with errors, %(warnings)s warnings."
            )
            % {
                "status": job.get_status_display(),
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "invalid": job.invalid_count,
                "warnings": job.warning_count,
            }
        )
        problems = job.findings.filter(kind__in=[ImportFinding.Kind.ERROR, ImportFinding.Kind.WARNING])
        total = problems.count()
        if total:
            write("")
            write(
                _("Errors and warnings (%(shown)s of %(total)s):")
                % {"shown": min(total, SHOWN), "total": total}
            )
            for finding in problems[:SHOWN]:
                write(
                    f"  {_place(finding)}: {finding.get_kind_display()}: {finding.message}"
                    + (f" [{finding.value}]" if finding.value else "")
                )
        changes = job.findings.filter(kind__in=[ImportFinding.Kind.CREATE, ImportFinding.Kind.UPDATE])
        total = changes.count()
        if total:
            write("")
            write(
                _("Changes (%(shown)s of %(total)s products):") % {"shown": min(total, SHOWN), "total": total}
            )
            for finding in changes[:SHOWN]:
                label = _("new") if finding.kind == ImportFinding.Kind.CREATE else _("changed")
                write(f"  {finding.article_number} ({label})")
                for field, old, new in finding.changes:
                    write(f"    {field}: {old or '–'} → {new or '–'}")
        if job.error_file:
            write("")
            write(
                _("Rejected rows: %(path)s")
                % {"path": job.error_file.path if _local(job.error_file) else job.error_file.name}
            )
        if job.message:
            write("")
            write(job.message)
        if job.status == ImportStatus.CHECKED:
            write(_("Nothing was written (dry run). Run again with --commit to import."))


def _place(finding: ImportFinding) -> str:
    parts = []
    if finding.sheet:
        parts.append(_("sheet %(sheet)s") % {"sheet": finding.sheet})
    if finding.row is not None:
        parts.append(_("row %(row)s") % {"row": finding.row})
    if finding.line is not None:
        parts.append(_("line %(line)s") % {"line": finding.line})
    if finding.column:
        parts.append(_("column %(column)s") % {"column": finding.column})
    return ", ".join(parts) or finding.article_number or _("file")


def _local(field) -> bool:
    try:
        field.path  # noqa: B018 - storages without paths raise
    except NotImplementedError:
        return False
    return True
