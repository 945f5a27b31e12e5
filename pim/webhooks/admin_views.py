"""The delivery log of a subscription in the Wagtail admin: what was sent, what the receiver
answered, what waits. Read only; viewing needs ``webhooks.view_webhooksubscription``."""

from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription

SHOWN_DELIVERIES = 100
SHOWN_ATTEMPTS = 5


@permission_required("webhooks.view_webhooksubscription")
def delivery_log(request, pk):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    deliveries = list(
        WebhookDelivery.objects.filter(subscription=subscription)
        .order_by("-created_at", "-pk")
        .prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-attempted_at", "-pk"))
        )[:SHOWN_DELIVERIES]
    )
    for row in deliveries:
        row.recent_attempts = list(row.attempt_log.all())[:SHOWN_ATTEMPTS]
    return TemplateResponse(
        request,
        "webhooks/admin/delivery_log.html",
        {
            "page_title": _("Deliveries to %(name)s") % {"name": subscription.name},
            "subscription": subscription,
            "deliveries": deliveries,
            "waiting": WebhookDelivery.objects.filter(
                subscription=subscription, status=DeliveryStatus.PENDING
            ).count(),
        },
    )
