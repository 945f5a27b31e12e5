from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiriesConfig(AppConfig):
    """What a visitor asks the manufacturer for. For now only the selection (the products a
    visitor keeps for an inquiry); the inquiry (RFQ) that sends it is a later step."""

    name = "pim.inquiries"
    label = "inquiries"
    verbose_name = _("Inquiries")
    default_auto_field = "django.db.models.BigAutoField"
