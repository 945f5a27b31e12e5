"""Queue the exports whose schedule is due (run it every few minutes from cron or a timer)."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from pim.exports.scheduling import due_channels, queue_run


class Command(BaseCommand):
    help = "Queue a full export for every active channel whose schedule (hourly, daily, weekly) is due."

    def handle(self, *args, **options):
        now = timezone.now()
        queued = 0
        for channel in due_channels(now):
            run = queue_run(channel)
            queued += 1
            self.stdout.write(
                _("queued run #%(run)s of %(channel)s") % {"run": run.pk, "channel": channel.code}
            )
        if not queued:
            self.stdout.write(
                _("nothing due at %(time)s") % {"time": f"{timezone.localtime(now):%Y-%m-%d %H:%M}"}
            )
