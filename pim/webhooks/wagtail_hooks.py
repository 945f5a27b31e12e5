"""Webhook subscriptions under Settings in the Wagtail admin."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_views
from .forms import WebhookSubscriptionForm
from .models import WebhookSubscription


class WebhookSubscriptionViewSet(ModelViewSet):
    model = WebhookSubscription
    icon = "link-external"
    menu_label = _("Webhooks")
    menu_order = 910
    add_to_settings_menu = True
    copy_view_enabled = False
    list_display = [
        "name",
        "url",
        "state",
        "consecutive_failures",
        "last_delivered_at",
        TitleColumn(
            "delivery_log",
            label=_("Deliveries"),
            accessor=lambda subscription: _("Delivery log"),
            get_url=lambda subscription: reverse("webhooks_admin:delivery_log", args=[subscription.pk]),
        ),
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("url"),
            FieldPanel("secret"),
            FieldPanel("event_types"),
            FieldPanel("include_drafts"),
            FieldPanel("active"),
            FieldPanel("paused_reason", read_only=True),
            FieldPanel("resume"),
        ],
        base_form_class=WebhookSubscriptionForm,
    )


@hooks.register("register_admin_viewset")
def register_webhook_viewset():
    return WebhookSubscriptionViewSet("webhooks")


@hooks.register("register_admin_urls")
def register_webhook_admin_urls():
    urls = [path("<int:pk>/", admin_views.delivery_log, name="delivery_log")]
    return [path("webhook-deliveries/", include((urls, "webhooks_admin"), namespace="webhooks_admin"))]
