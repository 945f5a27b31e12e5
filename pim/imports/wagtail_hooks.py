"""Imports in the Wagtail admin: menu "Imports" (import a file, history, mappings)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from . import views
from .models import ImportMapping

register_permission_policy(ImportMapping, views.ProductEditorsPolicy(ImportMapping))


@hooks.register("register_admin_viewset")
def register_mapping_viewset():
    return views.mapping_viewset


@hooks.register("register_admin_urls")
def register_import_admin_urls():
    urls = [
        path("", views.job_index, name="jobs"),
        path("new/", views.upload, name="upload"),
        path("<int:pk>/", views.job_detail, name="job"),
        path("<int:pk>/import/", views.job_commit, name="commit"),
        path("<int:pk>/errors/", views.job_error_file, name="error_file"),
    ]
    return [path("imports/", include((urls, "imports_admin"), namespace="imports_admin"))]


class _ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return views.can_import(request.user)


@hooks.register("register_admin_menu_item")
def register_imports_menu():
    menu = Menu(
        items=[
            _ImportMenuItem(
                _("Import a file"), reverse("imports_admin:upload"), icon_name="download", order=100
            ),
            _ImportMenuItem(_("History"), reverse("imports_admin:jobs"), icon_name="history", order=200),
            _ImportMenuItem(
                _("Mappings"),
                reverse(views.mapping_viewset.get_url_name("index")),
                icon_name="table",
                order=300,
            ),
        ]
    )
    return SubmenuMenuItem(_("Imports"), menu, icon_name="download", order=255)
