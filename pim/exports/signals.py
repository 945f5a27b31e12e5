"""Listeners to catalog changes: the change log deltas are computed from, and completeness
recomputation (on commit, as a background task)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from pim.catalog.signals import demo_catalog_built, products_changed
from pim.task_queue import enqueue_once_on_commit

from . import delta
from .models import Channel, ChannelRequirement


@receiver(products_changed)
def _on_products_changed(sender, product_ids, reason, **kwargs):
    delta.record_changes(product_ids, reason)
    if reason != "deleted":
        from .completeness import schedule_recompute

        # Pending in this transaction, the task queued after the commit (at most one waits).
        schedule_recompute(product_ids)


@receiver(post_delete, sender="catalog.Product")
def _on_product_deleted(sender, instance, **kwargs):
    # The catalog's products_changed("deleted") arrives after the row is gone; the article
    # number is only known here.
    delta.record_deletion(instance.pk, instance.article_number)


@receiver(post_save, sender=Channel)
@receiver(post_save, sender=ChannelRequirement)
@receiver(post_delete, sender=ChannelRequirement)
def _on_requirements_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    channel_id = instance.pk if sender is Channel else instance.channel_id
    from .tasks import recompute_channel_completeness

    # One full recompute per channel, queued after the commit unless one already waits:
    # saving a channel with its requirements fires this once per row.
    enqueue_once_on_commit(recompute_channel_completeness, channel_id)


@receiver(demo_catalog_built)
def _create_demo_channels(sender, verbosity=1, stdout=None, **kwargs):
    """A newcomer can export at once: one demo channel per format."""
    from .demo import create_demo_channels

    channels = create_demo_channels()
    if stdout is not None and verbosity >= 1:
        stdout.write(f"Demo channels: {', '.join(channel.code for channel in channels)}")
