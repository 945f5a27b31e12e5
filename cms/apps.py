from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Public site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pim.catalog.signals import demo_catalog_built

        from . import demo_pages, signals

        signals.connect()  # catalog and Wagtail changes invalidate cached pages
        # The demo catalog gets application pages once its products (and their assets) exist.
        demo_catalog_built.connect(demo_pages.on_demo_catalog_built, dispatch_uid="cms_demo_pages")
