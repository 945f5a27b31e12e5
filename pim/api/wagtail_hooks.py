"""API tokens under Settings in the Wagtail admin."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_api_admin_urls():
    urls = [
        path("", admin_views.token_index, name="tokens"),
        path("<int:pk>/revoke/", admin_views.token_revoke, name="token_revoke"),
    ]
    return [path("api-tokens/", include((urls, "api_admin"), namespace="api_admin"))]


class _TokenMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("api.view_apitoken")


@hooks.register("register_settings_menu_item")
def register_api_tokens_menu_item():
    return _TokenMenuItem(gettext_lazy("API tokens"), reverse("api_admin:tokens"), icon_name="key", order=900)
