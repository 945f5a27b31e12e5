"""Detect pending changes and send the due change-notice digests now (what the task worker
does after every change); ``--dry-run`` shows what would go out and changes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pim.inquiries import digests, notices
from pim.inquiries.notice_tasks import send_digests
from pim.task_queue import enqueue_once


class _DryRun(Exception):
    """Rolls back what a dry run detected."""


class Command(BaseCommand):
    help = (
        "Compare changed products with what their subscribers were told, then send every due "
        "change-notice digest (at most one per address per PIM_NOTICE_DIGEST_HOURS)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show per address what would go out (including changes not yet detected); change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        if dry_run:
            self._dry_run(now)
            return
        checked = notices.detect_pending()
        outcome = digests.send_due(now)
        if outcome.next_due is not None:
            enqueue_once(send_digests, run_after=outcome.next_due)
        self.stdout.write(
            _("changed products checked: %(checked)s; digests claimed: %(claimed)s, sent: %(sent)s")
            % {"checked": checked, "claimed": outcome.claimed, "sent": outcome.sent}
        )
        if outcome.next_due is not None:
            self.stdout.write(_("next digest due at %(moment)s") % {"moment": self._moment(outcome.next_due)})
        if outcome.failed:
            # A non-zero exit makes cron or a timer report it; the digests stay and are retried.
            raise CommandError(
                ngettext(
                    "%(count)s digest could not be sent (mail server refused or unreachable); it is retried",
                    "%(count)s digests could not be sent (mail server refused or unreachable); they are retried",
                    outcome.failed,
                )
                % {"count": outcome.failed}
            )

    def _dry_run(self, now):
        # Detection runs for real inside a transaction that is rolled back, so pending
        # changes show up without being recorded.
        try:
            with transaction.atomic():
                checked = notices.detect_pending()
                planned = digests.plan(now)
                raise _DryRun
        except _DryRun:
            pass
        self.stdout.write(
            _("dry run: %(checked)s changed products checked, nothing stored or sent") % {"checked": checked}
        )
        for item in planned:
            if item.due <= now:
                header = _("to %(email)s (%(language)s), now:")
            else:
                header = _("to %(email)s (%(language)s), at %(moment)s:")
            self.stdout.write(
                header % {"email": item.email, "language": item.language, "moment": self._moment(item.due)}
            )
            for line in item.lines:
                self.stdout.write(f"  - {line}")
        if not planned:
            self.stdout.write(_("no digest would go out"))

    @staticmethod
    def _moment(value):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
