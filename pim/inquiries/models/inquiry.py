"""A request for quote as the visitor sent it.

An inquiry keeps the product data as it was when it was sent (article number, name, order
unit): a later edit, renumbering or deletion of the product changes nothing in it; the link
to the product (``InquiryLine.product``) is only a convenience for the sales team and is
cleared when the product is deleted.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

# Field limits: the form refuses longer input with a message at the field (never a silent cut).
NAME_MAX = 200
COMPANY_MAX = 200
EMAIL_MAX = 254
PHONE_MAX = 50
MESSAGE_MAX = 5000
LINE_NOTE_MAX = 500
REQUIREMENT_MAX = 1000


class InquiryStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    QUOTED = "quoted", _("Quoted")
    CLOSED = "closed", _("Closed")


class Inquiry(models.Model):
    """A request for quote: the visitor's contact data and the lines of the selection."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=InquiryStatus.choices, default=InquiryStatus.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_inquiries",
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    company = models.CharField(_("company"), max_length=COMPANY_MAX)
    email = models.EmailField(_("e-mail"), max_length=EMAIL_MAX, db_index=True)
    phone = models.CharField(_("phone"), max_length=PHONE_MAX, blank=True)
    country = CountryField(_("country"))
    requested_delivery_date = models.DateField(_("requested delivery date"), null=True, blank=True)
    message = models.TextField(_("message"), max_length=MESSAGE_MAX, blank=True)
    # The visitor's language: the confirmation mail and any answer use it.
    language = models.CharField(_("language"), max_length=10)
    # The consent text exactly as the visitor accepted it (the wording may change later).
    consent_text = models.TextField(_("consent given"))
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Mails are sent by the task worker after the inquiry is stored; a stamp says one went out.
    visitor_mail_sent_at = models.DateTimeField(_("confirmation sent"), null=True, blank=True)
    sales_mail_sent_at = models.DateTimeField(_("sales notified"), null=True, blank=True)
    # The one reminder sent when the inquiry stayed new past PIM_INQUIRY_RESPONSE_HOURS.
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="inquiry_status_age_idx")]

    def __str__(self):
        return f"{self.reference} {self.company}".strip()

    def save(self, *args, **kwargs):
        if not self.reference:
            # Unique without a second query: the year and a random part, e.g. RFQ-2026-7K3M9Q.
            self.reference = f"RFQ-{timezone.now():%Y}-" + get_random_string(
                6, "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
            )
        super().save(*args, **kwargs)


class InquiryLine(models.Model):
    """One requested product with its quantity, or a free-text requirement for a custom product."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"))
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # As sent; empty for a custom requirement.
    article_number = models.CharField(_("article number"), max_length=64, blank=True)
    product_name = models.CharField(_("product name"), max_length=300, blank=True)
    order_unit = models.CharField(_("order unit"), max_length=3, blank=True)  # UN/ECE Rec. 20 code
    requirement = models.TextField(_("requirement"), max_length=REQUIREMENT_MAX, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=3)
    note = models.CharField(_("note"), max_length=LINE_NOTE_MAX, blank=True)

    class Meta:
        verbose_name = _("inquiry line")
        verbose_name_plural = _("inquiry lines")
        ordering = ["inquiry", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "position"], name="inquiry_line_position_unique"),
            models.CheckConstraint(
                condition=~models.Q(article_number="") | ~models.Q(requirement=""),
                name="inquiry_line_product_or_requirement",
            ),
        ]

    def __str__(self):
        return self.article_number or self.requirement[:60]

    @property
    def is_custom(self) -> bool:
        return not self.article_number
