"""Exports in the Wagtail admin: menu "Exports" (channels, runs, tokens, completeness), and
buttons on channel and product listings."""

from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet

from pim.catalog.models import Product

from . import admin_views
from .models import Channel

register_snippet(admin_views.ChannelViewSet)

CHANNELS = "wagtailsnippets_exports_channel"


@hooks.register("register_admin_urls")
def register_export_admin_urls():
    urls = [
        path("runs/", admin_views.run_index, name="runs"),
        path("runs/<int:pk>/", admin_views.run_detail, name="run_detail"),
        path("runs/<int:pk>/download/", admin_views.run_download, name="run_download"),
        path("channels/<int:channel_pk>/export/", admin_views.run_start, name="run_start"),
        path("tokens/", admin_views.token_index, name="tokens"),
        path("tokens/<int:pk>/revoke/", admin_views.token_revoke, name="token_revoke"),
        path("completeness/", admin_views.completeness_dashboard, name="completeness"),
        path(
            "completeness/product/<int:product_pk>/",
            admin_views.product_completeness,
            name="product_completeness",
        ),
    ]
    return [path("exports/", include((urls, "exports_admin"), namespace="exports_admin"))]


class _PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        self.permission = permission
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_exports_menu():
    items = [
        (gettext_lazy("Channels"), reverse(f"{CHANNELS}:list"), "upload", "exports.view_channel"),
        (gettext_lazy("Runs"), reverse("exports_admin:runs"), "history", "exports.view_exportrun"),
        (
            gettext_lazy("Receiver tokens"),
            reverse("exports_admin:tokens"),
            "key",
            "exports.view_receivertoken",
        ),
        (
            gettext_lazy("Completeness"),
            reverse("exports_admin:completeness"),
            "tasks",
            "exports.view_channel",
        ),
    ]
    menu = Menu(
        items=[
            _PermissionMenuItem(label, url, icon_name=icon, order=100 * (index + 1), permission=permission)
            for index, (label, url, icon, permission) in enumerate(items)
        ]
    )
    return SubmenuMenuItem(gettext_lazy("Exports"), menu, icon_name="upload", order=260)


@hooks.register("register_snippet_listing_buttons")
def export_listing_buttons(snippet, user, next_url=None):
    if isinstance(snippet, Channel) and user.has_perm("exports.add_exportrun"):
        return [
            Button(
                _("Export now"),
                url=reverse("exports_admin:run_start", args=[snippet.pk]),
                icon_name="upload",
                priority=5,
            ),
            Button(
                _("Runs"),
                url=reverse("exports_admin:runs") + f"?channel={snippet.code}",
                icon_name="history",
                priority=6,
            ),
        ]
    if isinstance(snippet, Product) and user.has_perm("exports.view_channel"):
        return [
            Button(
                _("Completeness"),
                url=reverse("exports_admin:product_completeness", args=[snippet.pk]),
                icon_name="tasks",
                priority=50,
            )
        ]
    return []
