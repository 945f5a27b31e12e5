"""Root URLs for crawlers and browsers, included by ``pim/urls.py`` outside ``i18n_patterns``
(no namespace: the names are the sitemap framework's ``sitemap``/``sitemap_section``)."""

from django.urls import path

from . import seo_views

urlpatterns = [
    path("sitemap.xml", seo_views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", seo_views.sitemap_section, name=seo_views.SITEMAP_SECTION_URL_NAME),
    path("robots.txt", seo_views.robots_txt, name="robots_txt"),
    path("favicon.ico", seo_views.favicon, name="favicon"),
]
