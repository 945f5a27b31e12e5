from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiriesConfig(AppConfig):
    """What visitors ask the manufacturer for and what they want to be told: the selection,
    requests for quote (inquiries) and change-notice subscriptions."""

    name = "pim.inquiries"
    label = "inquiries"
    verbose_name = _("Inquiries")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pim.catalog.signals import demo_catalog_built

        from . import signals  # noqa: F401  (connects the notice engine's listeners)
        from .demo import on_demo_catalog_built

        demo_catalog_built.connect(on_demo_catalog_built, dispatch_uid="pim.inquiries.demo")
