"""Send due webhook deliveries now, without waiting for the task worker."""

from django.core.management.base import BaseCommand

from pim.webhooks import delivery


class Command(BaseCommand):
    help = (
        "Send every due webhook delivery of active, unpaused subscriptions (what the send_webhooks task "
        "does) and print the counts. Deliveries that fail wait for their retry as usual."
    )

    def handle(self, *args, **options):
        stats = delivery.drain()
        waiting = delivery.next_retry_at()
        self.stdout.write(
            f"delivered {stats['delivered']}, failed {stats['failed']}, skipped {stats['skipped']}"
            + (f"; next retry due {waiting.isoformat()}" if waiting else "")
        )
