from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pim.imports.jobs import detect_format
from pim.imports.models import SourceFormat

from ._common import ImportCommand


class Command(ImportCommand):
    help_text = gettext_lazy(
        "Check, or with --commit import, products from an Excel workbook (.xlsx) or a CSV file: by "
        "default the layout of this catalog's CSV/XLSX exports, else as a saved mapping says. Prints "
        "the changes and every error with its row and column; exits with 1 when errors block the import."
    )
    source_format = SourceFormat.TABULAR

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("An .xlsx or .csv file."))
        super().add_arguments(parser)
        parser.add_argument("--encoding", default="", help=gettext_lazy("CSV encoding (default: detected)."))
        parser.add_argument(
            "--delimiter", default="", help=gettext_lazy("CSV delimiter (default: detected).")
        )
        parser.add_argument("--sheet", default="", help=gettext_lazy("Excel sheet (default: the first)."))

    def handle(self, *args, file, **options):
        if not Path(file).is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": file})
        with open(file, "rb") as handle:
            head = handle.read(4096)
        if detect_format(file, head) != SourceFormat.TABULAR:
            raise CommandError(_("%(file)s looks like BMEcat: use import_bmecat.") % {"file": file})
        if len(options["delimiter"]) > 1:
            raise CommandError(_("The delimiter is one character, e.g. ';'."))
        mapping = self.named_mapping(options["mapping"])
        job = self.make_job(
            file,
            mapping=mapping,
            options=options,
            encoding=options["encoding"],
            delimiter=options["delimiter"],
            sheet=options["sheet"],
        )
        self.run(job, commit=options["commit"], verbosity=options["verbosity"])
