import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from pim import health
from pim.assets.media_views import serve_media

urlpatterns = [
    # Probes for load balancers and orchestrators: no language prefix, never cached (pim/health.py).
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    # sitemap.xml (+ sections), robots.txt, favicon.ico: one address whatever the language.
    path("", include("cms.seo_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("downloads/", include("pim.assets.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("exports/", include("pim.exports.urls")),
    path("api/v1/", include("pim.api.urls")),
    # SAP calls one fixed OCI entry URL, whatever the language.
    path("oci/", include("pim.oci.urls")),
]

urlpatterns += i18n_patterns(
    path("", include("cms.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

# Media files in development and production alike, but only what the visibility rule allows
# (renditions of public images), never the folder as it is: pim.assets.media_views.
if "://" not in settings.MEDIA_URL:
    media_prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns.insert(0, re_path(rf"^{media_prefix}(?P<name>.+)$", serve_media, name="media"))
