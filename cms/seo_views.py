"""Root files for crawlers and browsers: ``/sitemap.xml`` (+ sections), ``/robots.txt``,
``/favicon.ico``. Routed in ``pim/urls.py`` outside ``i18n_patterns``: they have one address,
whatever the language."""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition, require_safe

from .seo import site_languages, sitemaps

SITEMAP_SECTION_URL_NAME = "sitemap_section"
# Sitemaps are read by crawlers a few times a day; an hour spares a big catalog the queries.
SITEMAP_MAX_AGE = 3600
FAVICON_MAX_AGE = 30 * 24 * 3600  # the icon hardly ever changes; its URL cannot carry a version

# Areas without content of their own for search engines: visitor-specific lists, search
# result and suggestion states (endless parameter combinations of pages that are crawled
# through the catalog and the sitemap anyway), the admin and machine endpoints.
# /downloads/ stays crawlable on purpose: public datasheets and manuals are what engineers
# search the web for; only the ZIP archives (big, streamed, a copy of the single files) are
# kept out.
_DISALLOWED_ROUTES = (
    "cms:compare",
    "cms:selection",
    "cms:search",
    "cms:suggest",
    "cms:inquiry",
    "cms:notice_subscribe",
    "cms:notice_manage_request",
)
_DISALLOWED_PATHS = ("/admin/", "/exports/", "/i18n/", "/downloads/products/*/documents.zip")


def _with_cache_headers(response, max_age):
    patch_cache_control(response, public=True, max_age=max_age)
    return response


@require_safe
def sitemap_index(request):
    response = sitemap_views.index(
        request,
        sitemaps(),
        template_name="cms/seo/sitemap_index.xml",
        sitemap_url_name=SITEMAP_SECTION_URL_NAME,
    )
    return _with_cache_headers(response, SITEMAP_MAX_AGE)


@require_safe
def sitemap_section(request, section):
    response = sitemap_views.sitemap(
        request, sitemaps(), section=section, template_name="cms/seo/sitemap.xml"
    )
    return _with_cache_headers(response, SITEMAP_MAX_AGE)


def _localized_paths(route: str) -> list[str]:
    paths = []
    for code in site_languages():
        with translation.override(code):
            try:
                paths.append(reverse(route))
            except NoReverseMatch:
                continue
    return paths


@require_safe
def robots_txt(request):
    disallowed = list(_DISALLOWED_PATHS)
    for route in _DISALLOWED_ROUTES:
        disallowed += _localized_paths(route)
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in dict.fromkeys(disallowed)]
    lines += ["Allow: /", "", f"Sitemap: {settings.PIM_BASE_URL}{reverse('sitemap')}", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    return _with_cache_headers(response, SITEMAP_MAX_AGE)


@cache
def _favicon() -> tuple[bytes, str]:
    data = (Path(__file__).parent / "static" / "cms" / "favicon.ico").read_bytes()
    return data, f'"{hashlib.sha256(data).hexdigest()[:32]}"'


@require_safe
@condition(etag_func=lambda request: _favicon()[1])
def favicon(request):
    """``/favicon.ico``: browsers ask for it on every site whatever the page links to."""
    data, _etag = _favicon()
    return _with_cache_headers(HttpResponse(data, content_type="image/x-icon"), FAVICON_MAX_AGE)
