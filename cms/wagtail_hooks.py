"""Admin additions of the public site: the download chooser of application pages."""

from wagtail import hooks

from .blocks import asset_chooser_viewset


@hooks.register("register_admin_viewset")
def register_asset_chooser():
    return asset_chooser_viewset
