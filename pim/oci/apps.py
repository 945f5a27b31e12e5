from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OciConfig(AppConfig):
    name = "pim.oci"
    label = "oci"
    verbose_name = _("OCI punch-out")
    default_auto_field = "django.db.models.BigAutoField"
