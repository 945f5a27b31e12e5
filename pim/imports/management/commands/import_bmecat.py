from django.utils.translation import gettext_lazy

from pim.imports.models import ImportMapping, SourceFormat

from ._common import ImportCommand


class Command(ImportCommand):
    help_text = gettext_lazy(
        "Check, or with --commit import, a supplier's BMEcat file (2005, ETIM guideline 5.0, 1.2), as "
        "XML or as a ZIP with the XML and its media files. New products arrive as drafts. Prints the "
        "changes and every problem with its line; exits with 1 when errors block the import."
    )
    source_format = SourceFormat.BMECAT

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("A BMEcat .xml file or a .zip with one."))
        super().add_arguments(parser)
        parser.add_argument(
            "--supplier",
            help=gettext_lazy("The supplier: its saved BMEcat mapping is used unless --mapping names one."),
        )

    def handle(self, *args, file, **options):
        mapping = self.named_mapping(options["mapping"])
        if mapping is None and options["supplier"]:
            mapping = ImportMapping.objects.filter(
                supplier__iexact=options["supplier"], source_format=SourceFormat.BMECAT
            ).first()
        job = self.make_job(file, mapping=mapping, options=options)
        self.run(job, commit=options["commit"], verbosity=options["verbosity"])
