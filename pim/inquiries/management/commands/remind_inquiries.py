"""Send the reminder of every overdue inquiry (run it every few minutes from cron or a timer)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from pim.inquiries.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Remind the sales team (PIM_INQUIRY_EMAIL and the assignee) of inquiries still new after "
        "PIM_INQUIRY_RESPONSE_HOURS; each inquiry gets one reminder."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the reminders that would go out; send nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        run = send_reminders(dry_run=dry_run, now=now)
        for inquiry in run.sent:
            values = {
                "reference": inquiry.reference,
                "company": inquiry.company,
                "age": timesince(inquiry.created_at, now),
            }
            if dry_run:
                self.stdout.write(_("would remind: %(reference)s %(company)s, waiting %(age)s") % values)
            else:
                self.stdout.write(_("reminded: %(reference)s %(company)s, waiting %(age)s") % values)
        if run.failed:
            # A non-zero exit makes cron or the timer report it; the next run retries them.
            raise CommandError(
                _("the mail server refused or was unreachable; not sent: %(references)s")
                % {"references": ", ".join(inquiry.reference for inquiry in run.failed)}
            )
        if not run.sent:
            self.stdout.write(
                _("no inquiry waits longer than %(hours)s hours without a reminder")
                % {"hours": f"{settings.PIM_INQUIRY_RESPONSE_HOURS:g}"}
            )
