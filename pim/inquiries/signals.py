"""Listeners of the notice engine: catalog and asset changes of watched products are recorded
as pending checks in the transaction of the change, and a subscription that becomes
confirmed records the baseline it starts from (see :mod:`pim.inquiries.notices`)."""

import logging

from django.db.models.signals import post_save
from django.dispatch import receiver

from pim.catalog.signals import products_changed
from pim.task_queue import enqueue_once_on_commit

from . import notices
from .models import Subscription
from .notice_tasks import detect_changes

logger = logging.getLogger("pim.inquiries")


@receiver(products_changed)
def _on_products_changed(sender, product_ids, reason, **kwargs):
    if notices.record_changes(product_ids):
        enqueue_once_on_commit(detect_changes, on_error=_enqueue_failed)


def _enqueue_failed(exc: Exception) -> None:
    # The change is committed and its checks are pending: the task the next change queues
    # (or ``manage.py send_notices``) handles them. Never fail the editor's request.
    logger.exception("notices: could not queue the change detection (checks stay pending)")


@receiver(post_save, sender=Subscription)
def _on_subscription_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.confirmed_at is not None:
        notices.record_baselines(instance)
