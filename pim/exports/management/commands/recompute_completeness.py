from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from pim.exports.completeness import store
from pim.exports.models import Channel, ProductCompleteness
from pim.exports.source import ExportContext, in_channel_scope, iter_ids


class Command(BaseCommand):
    help = (
        "Recompute stored completeness of every product for every active channel (or one). "
        "Normally not needed: changes recompute it; use after bulk database edits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--channel", help="Only this channel (code).")

    def handle(self, *args, channel=None, **options):
        channels = Channel.objects.filter(active=True)
        if channel:
            channels = Channel.objects.filter(code=channel)
            if not channels.exists():
                raise CommandError(_("No channel “%(code)s”.") % {"code": channel})
        for item in channels:
            context = ExportContext(item)
            scope = in_channel_scope(item)
            ProductCompleteness.objects.filter(channel=item).exclude(
                product_id__in=scope.values("pk")
            ).delete()
            bar = tqdm(
                total=scope.count(), desc=item.code, unit=" products", disable=options["verbosity"] == 0
            )
            written = 0
            for ids in iter_ids(scope):
                written += store(context, ids)
                bar.update(len(ids))
            bar.close()
            self.stdout.write(_("%(channel)s: %(count)s results") % {"channel": item.code, "count": written})
