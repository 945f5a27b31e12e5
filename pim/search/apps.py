from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "pim.search"
    label = "pim_search"
    verbose_name = _("Search")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # signals: the outbox writers; category_suggestions: invalidation of its cache
        from . import category_suggestions, signals  # noqa: F401
