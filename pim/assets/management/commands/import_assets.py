from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from pim.assets.archives import ArchiveError
from pim.assets.bulk import DEFAULT_RULE, RuleError, import_assets


class Command(BaseCommand):
    help = (
        "Import assets from a folder or a ZIP archive of files named after article numbers, "
        f"e.g. with the default rule {DEFAULT_RULE}: KH-100_cad_de.step, KH-100_datasheet_en.pdf. "
        "Files are validated, stored and linked; a report lists what was linked, skipped and why."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="A folder or a .zip file.")
        parser.add_argument(
            "--rule",
            default=DEFAULT_RULE,
            help="Naming rule with <article>, <kind>, <lang>, <title>, <any>, <ext> (default: %(default)s).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; store nothing.")

    def handle(self, *args, source, rule, dry_run, **options):
        def progress(items):
            return tqdm(items, desc="assets", unit="file", disable=options["verbosity"] < 1, file=self.stderr)

        try:
            report = import_assets(source, rule=rule, dry_run=dry_run, progress=progress)
        except (RuleError, ArchiveError, FileNotFoundError, IsADirectoryError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.as_text())
        counts = report.counts()
        if counts.get("failed"):
            self.stderr.write(self.style.WARNING(f"{counts['failed']} file(s) failed validation; see above."))
