"""Public URLs (inside ``i18n_patterns``: English without prefix, ``/de/…`` for German).

Path words are translated (``catalog/`` → ``katalog/``) so every language has its own URLs;
each public area keeps its routes in its own module.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import (
    catalog_views,
    compare_views,
    download_views,
    inquiry_views,
    notice_views,
    search_views,
    series_views,
    views,
)

app_name = "cms"

urlpatterns = [
    path("", views.home_page, name="home"),
    path(_("products/<path:article_number>/"), views.product_detail, name="product"),
    # Product URLs were not localized before: /de/products/… answers with a permanent redirect
    # to /de/produkte/… (in English both patterns are the same and the first one wins).
    path("products/<path:article_number>/", views.legacy_product_path, name="legacy_product"),
    *catalog_views.urlpatterns,
    *search_views.urlpatterns,
    *series_views.urlpatterns,
    *compare_views.urlpatterns,
    *download_views.urlpatterns,
    *inquiry_views.urlpatterns,
    *notice_views.urlpatterns,
]
