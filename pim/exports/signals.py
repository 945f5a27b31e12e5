"""Listeners to catalog changes: the change log deltas are computed from, and completeness
recomputation (on commit, as a background task)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from pim.catalog.signals import demo_catalog_built, products_changed

from . import delta
from .models import Channel, ChannelRequirement


def _recompute_on_commit(product_ids) -> None:
    from .completeness import schedule_recompute

    ids = list(product_ids)
    transaction.on_commit(lambda: schedule_recompute(ids))


@receiver(products_changed)
def _on_products_changed(sender, product_ids, reason, **kwargs):
    delta.record_changes(product_ids, reason)
    if reason != "deleted":
        _recompute_on_commit(product_ids)


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
    from .completeness import schedule_channel_recompute

    transaction.on_commit(lambda: schedule_channel_recompute(channel_id))


@receiver(demo_catalog_built)
def _create_demo_channels(sender, verbosity=1, stdout=None, **kwargs):
    """A newcomer can export at once: one demo channel per format."""
    from .demo import create_demo_channels

    channels = create_demo_channels()
    if stdout is not None and verbosity >= 1:
        stdout.write(f"Demo channels: {', '.join(channel.code for channel in channels)}")
