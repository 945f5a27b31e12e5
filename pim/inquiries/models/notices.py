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


# --- the notice engine (pim.inquiries.notices, pim.inquiries.digests) -------------------------
# Products are referenced by plain ids where a row must outlive the product: a variant deleted
# from a series is still announced to the series' subscribers.


class WatchedState(models.Model):
    """The published state of one product as its subscribers were last told it: the baseline
    the next change is compared with. Kept only for products a confirmed subscription covers."""

    product_id = models.BigIntegerField(_("product"), primary_key=True)
    # Which series the product belonged to, so a deleted variant still reaches its series.
    product_model_id = models.BigIntegerField(_("series"), null=True, blank=True, db_index=True)
    state = models.JSONField(_("published state"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("watched product state")
        verbose_name_plural = _("watched product states")

    def __str__(self):
        return f"{self.state.get('article_number', self.product_id)}"


class PendingCheck(models.Model):
    """Outbox of the notice engine: a watched product changed and must be compared with its
    baseline. Written in the transaction of the change; the detection task deletes it."""

    product_id = models.BigIntegerField(_("product"), primary_key=True)
    # When the latest change was published: a subscriber confirmed later already saw it.
    changed_at = models.DateTimeField(_("changed"))
    # A new token per change: detection removes the row only if no newer change arrived.
    token = models.UUIDField(_("token"))

    class Meta:
        verbose_name = _("pending change check")
        verbose_name_plural = _("pending change checks")

    def __str__(self):
        return f"{self.product_id} @ {self.changed_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """What changed in one kind (lifecycle, documents, prices) of one product's published
    state. Keeps the article number and name as they were, so a digest can still say which
    product it was after the product is renamed or deleted."""

    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_notices",
    )
    product_model = models.ForeignKey(
        "catalog.ProductModel",
        verbose_name=_("series"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    article_number = models.CharField(_("article number"), max_length=64)
    product_name = models.JSONField(_("product name"), default=dict, blank=True)  # per language
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    # {"changes": [{"event": …, old/new values}, …]}; read by pim.inquiries.digests.
    details = models.JSONField(_("details"), default=dict)
    changed_at = models.DateTimeField(_("changed"), db_index=True)
    created_at = models.DateTimeField(_("detected"), default=timezone.now)

    class Meta:
        verbose_name = _("change notice")
        verbose_name_plural = _("change notices")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.article_number}: {self.get_kind_display()}"


class Digest(models.Model):
    """One message to one address with the notices it had not been sent yet.

    Claimed (created with its entries) in one transaction, then sent; ``sent_at`` says the
    mail server accepted it, after which it is never sent again."""

    email = models.EmailField(_("e-mail"), max_length=254, db_index=True)
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("claimed"), default=timezone.now)
    # Fixed at the claim, so a retried digest carries the same Message-ID (receivers dedupe).
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    # A sender holds the digest until then; a worker that died lets it go when it expires.
    lease_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("change notice digest")
        verbose_name_plural = _("change notice digests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email", "created_at"], name="digest_email_created_idx")]

    def __str__(self):
        return f"{self.email} {self.created_at:%Y-%m-%d %H:%M}"


class DigestEntry(models.Model):
    """A notice due to one address through one of its subscriptions; waiting while
    ``digest`` is empty. One row per address and notice: a notice reaches an address at most
    once, even when a product and its series subscription both cover it."""

    email = models.EmailField(_("e-mail"), max_length=254)
    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="+")
    # Unsubscribing deletes the subscription and with it what was still to be sent about it.
    subscription = models.ForeignKey(
        Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="+"
    )
    digest = models.ForeignKey(
        Digest,
        verbose_name=_("digest"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="entries",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("digest entry")
        verbose_name_plural = _("digest entries")
        constraints = [
            models.UniqueConstraint(fields=["email", "notice"], name="digest_entry_once_per_address")
        ]
        indexes = [
            models.Index(
                fields=["email"], condition=models.Q(digest__isnull=True), name="digest_entry_waiting_idx"
            )
        ]

    def __str__(self):
        return f"{self.email}: {self.notice_id}"
