"""Report the products of assets that became downloadable by date (run it once a day from cron).

An asset with a ``valid_from`` date becomes downloadable when that day comes, without any
change in the database, so no change event fires. This command sends the event for the
products such assets reach (search documents and export deltas follow it). Running it twice,
or with a longer ``--days`` to catch up after missed days, only reports the same products
again: the search outbox and the export change log keep one row per product.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pim.assets.signals import report_assets_becoming_valid

HELP = gettext_lazy(
    "Report the products of assets that became downloadable by their valid-from date in the "
    "last days (default: today's), so search and export deltas pick them up. Run it once a day."
)


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a str, not a lazy translation.
        return str(HELP)

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=1,
            help=str(
                gettext_lazy(
                    "How many days to look back: assets valid from a day after today minus DAYS, up to "
                    "today (default 1: today's)."
                )
            ),
        )

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError(_("--days must be 1 or more, not %(days)s.") % {"days": days})
        today = timezone.localdate()
        since = today - timedelta(days=days)
        with transaction.atomic():
            reported = report_assets_becoming_valid(since, today)
        self.stdout.write(
            ngettext(
                "Assets valid from %(first)s to %(last)s: %(count)s product reported.",
                "Assets valid from %(first)s to %(last)s: %(count)s products reported.",
                reported,
            )
            % {"first": since + timedelta(days=1), "last": today, "count": reported}
        )
