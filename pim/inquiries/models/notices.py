"""Change notices: visitors subscribe to a product or a series without an account.

A subscription counts once its address is confirmed (double opt-in). What a notice says is
worked out by the notice engine (``pim.inquiries.notices``) from the published state only;
these are the rows it keeps.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    LIFECYCLE = "lifecycle", _("Lifecycle: phase-out, discontinuation, successor")
    DOCUMENTS = "documents", _("Documents: new or revised datasheets, certificates, CAD models")
    PRICES = "prices", _("Prices: list price changes")


class Subscription(models.Model):
    """An address that wants to hear about one product, or every variant of one series."""

    email = models.EmailField(_("e-mail"), max_length=254, db_index=True)  # stored lower-cased
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notice_subscriptions",
    )
    product_model = models.ForeignKey(
        "catalog.ProductModel",
        verbose_name=_("series"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notice_subscriptions",
    )
    lifecycle = models.BooleanField(_("lifecycle"), default=True)
    documents = models.BooleanField(_("documents"), default=True)
    prices = models.BooleanField(_("prices"), default=False)
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    # None until the address confirmed the opt-in link; only confirmed subscriptions get notices.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("change notice subscription")
        verbose_name_plural = _("change notice subscriptions")
        ordering = ["email", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(product__isnull=False, product_model__isnull=True)
                | models.Q(product__isnull=True, product_model__isnull=False),
                name="subscription_product_xor_series",
            ),
            models.UniqueConstraint(
                fields=["email", "product"],
                condition=models.Q(product__isnull=False),
                name="subscription_product_unique",
            ),
            models.UniqueConstraint(
                fields=["email", "product_model"],
                condition=models.Q(product_model__isnull=False),
                name="subscription_series_unique",
            ),
        ]

    def __str__(self):
        target = self.product or self.product_model
        return f"{self.email}: {target}"

    def kinds(self) -> list[str]:
        """The notice kinds this subscription asked for."""
        return [kind for kind in NoticeKind.values if getattr(self, kind)]
