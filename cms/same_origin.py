"""Same-origin check for the visitor's list endpoints (comparison, selection).

The "add to comparison/selection" buttons sit on cached public pages, which must not hold a
visitor's CSRF token (cms.page_cache never stores a page that used one). Those POST forms are
protected instead by what the browser says about where the request comes from: the ``Origin``
header (every current browser sends it on POST), else the ``Referer``, must name this site,
and a ``Sec-Fetch-Site: cross-site`` request is refused outright. A forged form on another
site can therefore not change a visitor's lists. The endpoints only change the visitor's own
session lists; anything with more weight (sending an inquiry) keeps Django's CSRF token.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseForbidden, HttpResponseNotAllowed
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def _allowed_origins(request) -> set[str]:
    own = f"{request.scheme}://{request.get_host()}".lower()
    # Behind a proxy that hides the scheme, the site's public origin is configured there.
    trusted = {
        origin.lower() for origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", []) if "*" not in origin
    }
    return {own, *trusted}


def is_same_origin(request) -> bool:
    """Whether a state-changing request was sent by a page of this site."""
    if request.META.get("HTTP_SEC_FETCH_SITE", "").lower() == "cross-site":
        return False
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        # "null" (sandboxed frames, some redirects) names no site: refused.
        return origin.lower() in _allowed_origins(request)
    referer = request.META.get("HTTP_REFERER", "")
    return bool(referer) and _origin_of(referer) in _allowed_origins(request)


def same_origin_required(view):
    """Accept only POSTs sent by this site's own pages (see the module docstring); no CSRF
    token needed, so the forms can sit on cached pages."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not is_same_origin(request):
            return HttpResponseForbidden(
                _(
                    "This request did not come from a page of this site, so it was refused. "
                    "Open the product page and use its buttons."
                )
            )
        return view(request, *args, **kwargs)

    return wrapped
