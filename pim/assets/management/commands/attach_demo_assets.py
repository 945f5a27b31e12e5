from random import Random

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from pim.assets.demo import attach_demo_assets

HELP = gettext_lazy(
    "Attach demo assets (pictures, STEP/STL models, DXF drawings, manuals, a certificate) to the "
    "demo catalog's products. Safe to run again: identical files are linked, not stored twice."
)


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a str, not a lazy translation.
        return str(HELP)

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, seed, **options):
        from pim.catalog.demo.generator import demo_products

        products = demo_products()
        if not products.exists():
            raise CommandError(_("There are no demo products; run demo_catalog first."))

        def progress(items):
            return tqdm(
                items,
                desc=_("demo assets"),
                unit="series",
                disable=options["verbosity"] < 1,
                file=self.stderr,
            )

        summary = attach_demo_assets(products, Random(seed), progress=progress)
        self.stdout.write(
            _("Demo assets: %(created)s stored, %(reused)s reused, %(links)s links.")
            % {"created": summary.created, "reused": summary.reused, "links": summary.links}
        )
