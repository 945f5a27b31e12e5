from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "pim.catalog"
    label = "catalog"
    verbose_name = _("Catalog")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pim import wagtail_tasks

        from . import signals  # noqa: F401  (connects the change events)

        # Before Wagtail and modelsearch connect their save receivers (this app comes first
        # in INSTALLED_APPS): one waiting index task per object instead of one per save.
        wagtail_tasks.install()
