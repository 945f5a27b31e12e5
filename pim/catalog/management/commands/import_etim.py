import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pim.catalog.demo_classes import DEMO_ETIM_CLASSES
from pim.catalog.etim.importer import EtimSelectionError, import_etim
from pim.catalog.etim.reader import EtimFormatError


def _codes(values: list[str], prefix: str, option: str) -> set[str]:
    """Codes from repeated, comma-separated option values, checked against ETIM's format."""
    codes = set()
    pattern = re.compile(rf"^{prefix}\d{{6}}$")
    for value in values:
        for code in value.split(","):
            code = code.strip().upper()
            if not code:
                continue
            if not pattern.match(code):
                raise CommandError(
                    _("%(option)s: “%(code)s” is not an ETIM code (%(prefix)s followed by six digits).")
                    % {"option": option, "code": code, "prefix": prefix}
                )
            codes.add(code)
    return codes


class Command(BaseCommand):
    @property
    def help(self):
        # A property: argparse needs a real string, and the active language is known only now.
        return _(
            "Import the ETIM classification model (ETIMIXF 1.0, zip or xml): classes become families, "
            "features attributes, values options; ETIM units are matched onto the catalog's units. "
            "Validates the file first; idempotent; one transaction."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            help=gettext_lazy("ETIM IXF file (.zip or .xml). Default: settings.PIM_ETIM_ARCHIVE."),
        )
        parser.add_argument(
            "--classes",
            action="append",
            default=[],
            metavar="EC…,…",
            help=gettext_lazy("Import only these classes (comma-separated, may be repeated)."),
        )
        parser.add_argument(
            "--groups",
            action="append",
            default=[],
            metavar="EG…,…",
            help=gettext_lazy("Import only the classes of these groups (comma-separated, may be repeated)."),
        )
        parser.add_argument(
            "--demo-subset",
            action="store_true",
            help=gettext_lazy("Import the classes the demo catalog uses (pim.catalog.demo_classes)."),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=gettext_lazy("Do not show progress bars.")
        )

    def handle(self, *args, **options):
        classes = _codes(options["classes"], "EC", "--classes")
        groups = _codes(options["groups"], "EG", "--groups")
        if options["demo_subset"]:
            classes |= set(DEMO_ETIM_CLASSES)
        path = options["file"] or settings.PIM_ETIM_ARCHIVE
        verbosity = options["verbosity"]
        try:
            summary = import_etim(
                path,
                classes=classes or None,
                groups=groups or None,
                progress=verbosity > 0 and not options["no_progress"],
            )
        except (EtimFormatError, EtimSelectionError) as exc:
            raise CommandError(str(exc)) from exc
        if verbosity > 0:
            for line in summary.lines(verbose=verbosity > 1):
                self.stdout.write(line)
            if not summary.changed:
                self.stdout.write(
                    self.style.SUCCESS(_("Nothing to change: the catalog already matches the file."))
                )
