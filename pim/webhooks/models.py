"""Webhook subscriptions, their outbox of deliveries and the record of every attempt."""

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    PRODUCT_CREATED = "product.created", _("Product created (first published)")
    PRODUCT_UPDATED = "product.updated", _("Product updated")
    PRODUCT_PUBLISHED = "product.published", _("Product published")
    PRODUCT_DISCONTINUED = "product.discontinued", _("Product discontinued")
    PRODUCT_DELETED = "product.deleted", _("Product deleted")
    PRICE_CHANGED = "price.changed", _("Price changed")
    ASSET_CHANGED = "asset.changed", _("Downloads changed")
    EXPORT_FINISHED = "export.finished", _("Export finished")


def generate_secret() -> str:
    """A random signing secret (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """An integrator's endpoint and the events it wants.

    The secret is stored as given, not hashed: the sender needs it to sign every delivery, so
    unlike an API token it cannot be reduced to a hash."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("URL"), max_length=500, help_text=_("Where deliveries are POSTed (http or https, public address).")
    )
    secret = models.CharField(
        _("secret"),
        max_length=200,
        default=generate_secret,
        help_text=_(
            "Signs every delivery (X-PIM-Signature: HMAC-SHA256 over timestamp, a dot and the body). "
            "Give it to the receiver; change it to rotate."
        ),
    )
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    include_drafts = models.BooleanField(
        _("include drafts"),
        default=False,
        help_text=_(
            "Also send product.updated when a draft is saved (unpublished changes). Payloads never "
            "contain product data, only the article number and a link; reading a draft through the "
            "link needs a full-read API token."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    paused_reason = models.TextField(_("reason for the pause"), blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_delivered_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def state(self) -> str:
        """What the admin list shows: paused and failing subscriptions stand out."""
        if not self.active:
            return str(_("Inactive"))
        if self.paused_at is not None:
            return str(
                _("PAUSED since %(time)s")
                % {"time": timezone.localtime(self.paused_at).strftime("%Y-%m-%d %H:%M")}
            )
        if self.consecutive_failures:
            return str(_("Failing (%(count)s in a row)") % {"count": self.consecutive_failures})
        return str(_("Active"))

    state.short_description = _("state")

    def wants(self, event_type: str) -> bool:
        return self.active and event_type in (self.event_types or [])


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Given up")


class WebhookDelivery(models.Model):
    """One event for one subscription: a row of the outbox, written in the transaction of the
    change. ``uuid`` is sent as ``X-PIM-Delivery`` and stays the same across retries."""

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event_type = models.CharField(_("event"), max_length=32, choices=EventType.choices)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx")]

    def __str__(self):
        return f"{self.event_type} {self.uuid}"


class WebhookAttempt(models.Model):
    """One try to deliver: what the receiver answered, or why nothing was sent."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(_("attempted"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_excerpt = models.TextField(_("response (start)"), blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["-attempted_at", "-pk"]

    def __str__(self):
        return f"{self.delivery} #{self.pk}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
