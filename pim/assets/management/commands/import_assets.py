from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from pim.assets.archives import ArchiveError
from pim.assets.bulk import DEFAULT_RULE, ImportReport, RuleError, import_assets

HELP = gettext_lazy(
    "Import assets from a folder or a ZIP archive of files named after article numbers, "
    "e.g. with the default rule %(rule)s: KH-100_cad_de.step, KH-100_datasheet_en.pdf. "
    "Files are validated, stored and linked; a report lists what was linked, skipped and why."
)


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a str, not a lazy translation.
        return str(HELP) % {"rule": DEFAULT_RULE}

    def add_arguments(self, parser):
        parser.add_argument("source", help=gettext_lazy("A folder or a .zip file."))
        parser.add_argument(
            "--rule",
            default=DEFAULT_RULE,
            help=gettext_lazy(
                "Naming rule with <article>, <kind>, <lang>, <title>, <any>, <ext> (default: %(default)s)."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("Validate and report; store nothing.")
        )
        parser.add_argument(
            "--revise-shared",
            action="store_true",
            help=gettext_lazy(
                "A file for one product may add a revision to an asset other products show too "
                "(they all get the new file). Without it such a file becomes a new asset of that product."
            ),
        )

    def handle(self, *args, source, rule, dry_run, revise_shared, **options):
        def progress(items):
            return tqdm(
                items, desc=_("assets"), unit="file", disable=options["verbosity"] < 1, file=self.stderr
            )

        report = ImportReport(source="", dry_run=dry_run)
        try:
            import_assets(
                source,
                rule=rule,
                dry_run=dry_run,
                progress=progress,
                revise_shared=revise_shared,
                report=report,
            )
        except (RuleError, ArchiveError, FileNotFoundError, IsADirectoryError) as exc:
            raise CommandError(str(exc)) from None
        finally:
            # Also when interrupted (Ctrl-C) or broken: what was imported so far is listed.
            if report.items:
                self.stdout.write(report.as_text())
        if not report.items:
            self.stdout.write(report.as_text())
        counts = report.counts()
        if counts.get("failed"):
            self.stderr.write(
                self.style.WARNING(
                    _("%(count)s file(s) failed validation; see above.") % {"count": counts["failed"]}
                )
            )
