"""What every public page's header shows: the navigation and the visitor's lists.

Values are lazy: a page that does not render the header costs nothing, and a visitor without
a session (every cached page) reads no session row.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from pim.inquiries.selection import Selection

from . import page_cache
from .comparison import ComparisonList
from .models import ApplicationIndexPage


def _has_session(request) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _comparison_count(request) -> int:
    return ComparisonList(request.session).count() if _has_session(request) else 0


def _selection_count(request) -> int:
    return Selection(request.session).count() if _has_session(request) else 0


def _applications_url(request) -> str:
    """The live industry index in the current language (else the default language's), or "".
    The URLs of all languages are looked up together and cached under the ``site`` stamp,
    which every Wagtail page change replaces."""
    try:
        stamp = page_cache.current_stamps([page_cache.SITE])[page_cache.SITE]
    except Exception:  # an unreachable cache: ask the database
        stamp = None
    key = f"cms:applications-urls:{stamp}:{request.get_host()}"
    urls = cache.get(key) if stamp is not None else None
    if urls is None:
        urls = {}
        for index in ApplicationIndexPage.objects.live().public().select_related("locale").order_by("path"):
            urls.setdefault(index.locale.language_code, index.get_url(request) or "")
        if stamp is not None:
            cache.set(key, urls, timeout=None)
    language = translation.get_language() or settings.LANGUAGE_CODE
    return urls.get(language) or urls.get(settings.LANGUAGE_CODE) or ""


def public_site(request):
    return {
        "comparison_count": SimpleLazyObject(lambda: _comparison_count(request)),
        "selection_count": SimpleLazyObject(lambda: _selection_count(request)),
        "applications_url": SimpleLazyObject(lambda: _applications_url(request)),
    }
