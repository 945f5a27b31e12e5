from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import admin_views, media_views


@hooks.register("before_serve_document")
def hide_unpublished_documents(document, request):
    # Wagtail serves any document by id and name; the PIM allows only linked ones.
    return media_views.document_gate(document, request)


@hooks.register("register_admin_viewset")
def register_asset_library():
    return admin_views.asset_viewset


@hooks.register("register_admin_urls")
def register_asset_admin_urls():
    urls = [
        path("thumbnail/<int:revision_id>/", admin_views.revision_thumbnail, name="thumbnail"),
        path("revision/<int:revision_id>/download/", admin_views.revision_download, name="revision_download"),
        path("revision/<int:revision_id>/restore/", admin_views.revision_restore, name="revision_restore"),
        path("bulk-upload/", admin_views.bulk_upload, name="bulk_upload"),
        path("bulk-upload/<int:job_id>/", admin_views.import_job, name="import_job"),
        path("downloads/", admin_views.download_statistics, name="statistics"),
    ]
    return [path("asset-tools/", include((urls, "assets_admin"), namespace="assets_admin"))]


class _PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        self.permission = permission
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_assets_menu():
    menu = Menu(
        items=[
            _PermissionMenuItem(
                _("Library"),
                reverse("asset_library:index"),
                icon_name="doc-full-inverse",
                order=100,
                permission="assets.view_asset",
            ),
            _PermissionMenuItem(
                _("Bulk upload"),
                reverse("assets_admin:bulk_upload"),
                icon_name="upload",
                order=200,
                permission="assets.add_asset",
            ),
            _PermissionMenuItem(
                _("Downloads"),
                reverse("assets_admin:statistics"),
                icon_name="doc-full",
                order=300,
                permission="assets.view_asset",
            ),
        ]
    )
    return SubmenuMenuItem(_("Assets"), menu, icon_name="folder-open-inverse", order=250)
