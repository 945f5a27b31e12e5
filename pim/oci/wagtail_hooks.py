"""OCI customers under Settings in the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet

from .forms import OciCustomerForm
from .models import OciCustomer


class OciCustomerViewSet(ModelViewSet):
    model = OciCustomer
    icon = "globe"
    menu_label = _("OCI punch-out")
    menu_order = 920
    add_to_settings_menu = True
    copy_view_enabled = False
    list_display = ["name", "username", "currency", "active"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("active"),
            FieldPanel("username"),
            FieldPanel("new_password"),
            FieldPanel("hook_url_prefixes"),
            FieldPanel("currency"),
            FieldPanel("price_type"),
            FieldPanel("material_group_source"),
            FieldPanel("default_unit"),
            FieldPanel("vendor_number"),
            FieldPanel("manufacturer_code"),
        ],
        base_form_class=OciCustomerForm,
    )


@hooks.register("register_admin_viewset")
def register_oci_customer_viewset():
    return OciCustomerViewSet("oci_customers")
