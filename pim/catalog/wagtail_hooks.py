"""Registers the catalog's editors in the Wagtail admin (menu "Catalog")."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet

from .models import Family, ProductModel
from .views import CatalogViewSetGroup

register_snippet(CatalogViewSetGroup)


@hooks.register("insert_global_admin_css")
def catalog_admin_css():
    """Styles of the catalog widgets (numbers with units, localized inputs, child tables)."""
    return format_html('<link rel="stylesheet" href="{}">', static("catalog/admin/catalog-admin.css"))


@hooks.register("register_snippet_listing_buttons")
def add_product_buttons(snippet, user, next_url=None):
    """Buttons "Add product" on a family and "Add variant" on a product model: the new
    product's editor opens with them chosen, so the attributes show at once."""
    if not user.has_perm("catalog.add_product"):
        return []
    if isinstance(snippet, Family):
        label, parameter = _("Add product"), "family"
    elif isinstance(snippet, ProductModel):
        label, parameter = _("Add variant"), "product_model"
    else:
        return []
    url = reverse("wagtailsnippets_catalog_product:add") + "?" + urlencode({parameter: snippet.pk})
    return [Button(label, url=url, icon_name="plus", priority=5)]
