"""python manage.py export_channel CHANNEL [--format …] [--since ISO-TIMESTAMP] [--output PATH]"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from pim.exports import delta
from pim.exports.formats import WRITERS
from pim.exports.models import Channel, RunKind, RunStatus, RunTrigger
from pim.exports.runs import ExportError, create_run, execute_run

SHOWN_ISSUES = 20


def parse_since(text: str) -> datetime.datetime:
    try:
        return delta.parse_since(text)
    except ValueError as exc:
        raise CommandError(f"--since: {exc}") from exc


class Command(BaseCommand):
    help = (
        "Export a channel: the full catalog, or with --since the changes after a moment "
        "(BMEcat: T_UPDATE_PRODUCTS; --prices-only: T_UPDATE_PRICES). Without --output the "
        "file is published as the channel's current file (full exports) and kept in its history."
    )

    def add_arguments(self, parser):
        parser.add_argument("channel", help="Channel code.")
        parser.add_argument("--format", choices=list(WRITERS), help="Override the channel's format.")
        parser.add_argument("--since", help="Export changes after this ISO timestamp or date.")
        parser.add_argument("--prices-only", action="store_true", help="With --since: prices only (BMEcat).")
        parser.add_argument("--output", help="Write the file here instead of the export directory.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, channel, format, since, prices_only, output, no_progress, **options):
        found = Channel.objects.filter(code=channel).first()
        if found is None:
            known = ", ".join(Channel.objects.order_by("code").values_list("code", flat=True)) or _(
                "none yet"
            )
            raise CommandError(
                _("No channel “%(code)s”. Channels: %(known)s.") % {"code": channel, "known": known}
            )
        if prices_only and not since:
            raise CommandError(_("--prices-only needs --since (price updates are deltas)."))
        kind = RunKind.FULL
        if since:
            kind = RunKind.PRICES if prices_only else RunKind.DELTA
        try:
            run = create_run(
                found,
                format=format,
                kind=kind,
                since=parse_since(since) if since else None,
                trigger=RunTrigger.COMMAND,
            )
        except (ExportError, ValueError) as exc:
            raise CommandError(str(exc)) from exc

        quiet = no_progress or options["verbosity"] == 0
        bars = []

        def progress(advance, total):
            if not bars:
                bars.append(tqdm(total=total, unit=" products", disable=quiet))
            bar = bars[0]
            if bar.total != total:
                bar.total = total
                bar.refresh()
            if advance:
                bar.update(advance)

        try:
            run = execute_run(run, output=output, progress_callback=progress)
        finally:
            for bar in bars:
                bar.close()

        for issue in run.issues.all()[:SHOWN_ISSUES]:
            self.stderr.write(
                _("skipped %(product)s: %(reason)s")
                % {"product": issue.article_number, "reason": issue.message}
            )
        if run.skipped_count > SHOWN_ISSUES:
            self.stderr.write(
                _("… and %(count)s more (see export run #%(run)s in the admin)")
                % {"count": run.skipped_count - SHOWN_ISSUES, "run": run.pk}
            )
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(
                _("Export run #%(run)s failed: %(error)s") % {"run": run.pk, "error": run.error}
            )
        path = run.file_path()
        if path is None:
            self.stdout.write(
                _("Run #%(run)s: nothing changed since %(since)s; no file written.")
                % {"run": run.pk, "since": since}
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Run #%(run)s: %(products)s products, %(deletions)s deletions, %(skipped)s skipped, "
                    "%(size)s bytes → %(path)s"
                )
                % {
                    "run": run.pk,
                    "products": run.product_count,
                    "deletions": run.deleted_count,
                    "skipped": run.skipped_count,
                    "size": run.size_bytes,
                    "path": path,
                }
            )
        )
