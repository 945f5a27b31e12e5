"""Cache of public pages without a query string (product, catalog, series, application and home
pages…), invalidated by catalog change events.

A crawler walking every product page must not cost a dozen database queries per page, yet no
page may be served stale after an edit that changes it. The scheme:

- **Version stamps.** A cached page records the version stamps of the *scopes* it was built
  from: ``site`` (Wagtail pages, sites, settings: header, footer, the home page),
  ``catalog`` (everything whose reach is not tracked per product: categories, families,
  units, deletions, events reaching many products), ``listing`` (any product change: lists
  of latest products) and ``product:<id>`` (one product's page: its own data, its variants'
  and related products' names, its downloads). A hit compares the page's stamps with the
  current ones; a change deletes the stamps of the scopes it reaches, so the next page built
  gets fresh random tokens (:func:`invalidate`), so a product edit invalidates that product's page (and the
  pages that show it), not a million others.
- **Shared store.** Stamps and pages live in Django's cache (``CACHES["default"]``, set by
  ``PIM_CACHE_URL``), which every process reads: an edit in the admin process reaches all
  gunicorn workers. A missing stamp (evicted, never set) becomes a fresh token, so eviction
  can only cause misses, never stale hits.
- **Order.** Stamps are read *before* the page is built from the database, and replaced when
  the change happens and again after its transaction commits: a page built from the old
  data is stored under stamps that are already outdated once the commit is visible.
- **Only anonymous, cookie-free requests** are answered from or stored in the cache; a
  response is stored only if it is a plain 200 that sets no cookie, used no CSRF token,
  changed no session and carries no messages.
"""

import functools
import hashlib
import logging
import os
import secrets
import time
from functools import partial, wraps

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

logger = logging.getLogger(__name__)

SITE = "site"
CATALOG = "catalog"
LISTING = "listing"
_PREFIX = "pim-page"
# Tells tests and benchmarks how a response was produced (hit, miss or bypass).
STATUS_HEADER = "X-Page-Cache"


def product_scope(product_id) -> str:
    return f"product:{int(product_id)}"


def _cache():
    return caches[getattr(settings, "PIM_PAGE_CACHE_ALIAS", "default")]


def is_enabled() -> bool:
    return getattr(settings, "PIM_PAGE_CACHE_TIMEOUT", 0) > 0


def _stamp_key(scope: str) -> str:
    return f"{_PREFIX}:stamp:{scope}"


def _new_token() -> str:
    return secrets.token_hex(8)


# --- invalidation -------------------------------------------------------------------------------
def _replace_stamps(scopes) -> None:
    # Deleting a stamp replaces it: a page stored under the old token no longer matches, and
    # the next page built creates a fresh token (``current_stamps``). A delete is also what
    # every store does cheaply: the default file cache lists its whole directory on every
    # ``set`` to decide whether to cull, which made a bulk change (thousands of asset links,
    # each invalidating its products) cost about a second per change on a large catalog.
    try:
        _cache().delete_many([_stamp_key(scope) for scope in scopes])
    except Exception:
        # An unreachable cache serves no pages either (reads fall back to rendering); the
        # catalog edit itself must not fail because of it.
        logger.exception("Could not invalidate cached pages %s", sorted(scopes))


def invalidate(scopes) -> None:
    """Make every cached page built from one of ``scopes`` a miss: now (a page rendered later
    in this transaction, e.g. by a test or a script, sees the change) and again when the
    transaction commits (a page another process rendered from the old data in between is
    dropped too)."""
    scopes = frozenset(scopes)
    if not scopes:
        return
    _replace_stamps(scopes)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(_replace_stamps, scopes), robust=True)


def current_stamps(scopes) -> dict[str, str]:
    """The current stamp of each scope; a missing one is created (a fresh token)."""
    cache = _cache()
    keys = {scope: _stamp_key(scope) for scope in scopes}
    found = cache.get_many(list(keys.values()))
    stamps = {}
    for scope, key in keys.items():
        token = found.get(key)
        if token is None:
            token = _new_token()
            if not cache.add(key, token, timeout=None):
                # Another process created it first; if it vanished again our token matches
                # nothing stored, which is a miss, never a stale hit.
                token = cache.get(key) or token
        stamps[scope] = token
    return stamps


# --- requests and responses ---------------------------------------------------------------------
def _is_anonymous_request(request) -> bool:
    """Whether the request may be answered from the cache: a plain GET/HEAD without query
    string, session, messages or credentials (so it cannot be a logged-in user's)."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return False
    return getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES


def _is_storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return False  # the page holds a CSRF token of this visitor
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    messages = getattr(request, "_messages", None)
    if messages is not None and getattr(messages, "_queued_messages", None):
        return False
    cache_control = response.get("Cache-Control", "")
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


_SKIPPED_DIRS = {".git", ".venv", "node_modules", "var", "__pycache__", "tests", "bench", "docs"}


def release() -> str:
    """See :func:`_release`; under DEBUG taken anew for every page (templates change while the
    development server runs)."""
    if settings.DEBUG:
        _release.cache_clear()
    return _release()


@functools.lru_cache(maxsize=1)
def _release() -> str:
    """What the code that renders pages looks like: ``PIM_RELEASE`` when the deployment sets
    it, else a fingerprint (names, sizes, modification times) of the templates, translation
    catalogs, static files manifest and Python modules of the checkout, taken once per
    process. Part of every page's cache key: after an upgrade no process serves a page
    rendered by the old templates (with links to static files the new manifest no longer
    has), even though no catalog stamp changed."""
    configured = getattr(settings, "PIM_RELEASE", "")
    if configured:
        return configured
    digest = hashlib.blake2b(digest_size=8)
    root = str(settings.BASE_DIR)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith((".html", ".mo", ".py", ".json", ".css", ".js")):
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{os.path.relpath(path, root)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    manifest = os.path.join(str(settings.STATIC_ROOT), "staticfiles.json")
    if os.path.exists(manifest):
        with open(manifest, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


# Settings that change what a public page shows; a restart with another value must not serve
# pages rendered with the old one (the file cache outlives processes).
_PAGE_SETTINGS = ("PIM_PUBLIC_PRICES", "PIM_NOTICE_DIGEST_HOURS", "PIM_LANGUAGES")


def _settings_key() -> str:
    return repr([getattr(settings, name, None) for name in _PAGE_SETTINGS])


def _entry_key(request) -> str:
    identity = "|".join(
        [
            release(),
            _settings_key(),
            request.scheme,
            request.get_host(),
            translation.get_language() or "",
            request.path,
        ]
    )
    return f"{_PREFIX}:page:{hashlib.sha256(identity.encode()).hexdigest()}"


def _finish(request, response, *, etag: str, last_modified: float, status: str):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Short: a browser or CDN may keep the page this long after an edit, this cache never.
    patch_cache_control(response, public=True, max_age=settings.PIM_PAGE_CACHE_MAX_AGE)
    patch_vary_headers(response, ("Cookie",))  # logged-in visitors get their own page
    response[STATUS_HEADER] = status
    return get_conditional_response(request, etag=etag, last_modified=int(last_modified), response=response)


def _cached_response(request):
    cache = _cache()
    entry = cache.get(_entry_key(request))
    if entry is None:
        return None
    stamps = entry["stamps"]
    current = cache.get_many([_stamp_key(scope) for scope in stamps])
    if any(current.get(_stamp_key(scope)) != token for scope, token in stamps.items()):
        return None
    response = HttpResponse(entry["content"], content_type=entry["content_type"])
    return _finish(request, response, etag=entry["etag"], last_modified=entry["last_modified"], status="hit")


def _store(request, response, stamps) -> str:
    etag = f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
    last_modified = time.time()
    entry = {
        "stamps": stamps,
        "content": response.content,
        "content_type": response["Content-Type"],
        "etag": etag,
        "last_modified": last_modified,
    }
    _cache().set(_entry_key(request), entry, timeout=settings.PIM_PAGE_CACHE_TIMEOUT)
    return _finish(request, response, etag=etag, last_modified=last_modified, status="miss")


def depends_on(request, scope: str) -> None:
    """Declare, from a cached view, that the page shows data of ``scope``. If its stamp was not
    read before the view ran (e.g. the product was created in between), the page is not
    stored: later changes of that scope could not invalidate it."""
    stamps = getattr(request, "_page_cache_stamps", None)
    if stamps is not None and scope not in stamps:
        request._page_cache_stamps = None


def cache_public_page(scopes):
    """Cache a public page view by path and language. ``scopes(request, *args, **kwargs)``
    names the scopes the page is built from; it runs on a miss, before the view, and may
    query the database (e.g. to find the product id behind an article number)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not is_enabled() or not _is_anonymous_request(request):
                response = view(request, *args, **kwargs)
                if settings.SESSION_COOKIE_NAME in request.COOKIES:
                    # Maybe a logged-in user's page: no shared cache may keep it.
                    patch_cache_control(response, private=True)
                    patch_vary_headers(response, ("Cookie",))
                response[STATUS_HEADER] = "bypass"
                return response
            try:
                cached = _cached_response(request)
                if cached is not None:
                    return cached
                stamps = current_stamps(scopes(request, *args, **kwargs))
            except Exception:
                logger.exception("Page cache unavailable; rendering %s", request.path)
                stamps = None
            request._page_cache_stamps = stamps
            response = view(request, *args, **kwargs)
            stamps = request._page_cache_stamps
            if not getattr(response, "is_rendered", True):
                response.render()  # a TemplateResponse (Wagtail pages): its content is stored
            if stamps is None or not _is_storable(request, response):
                response[STATUS_HEADER] = "bypass"
                return response
            try:
                return _store(request, response, stamps)
            except Exception:
                logger.exception("Could not store %s in the page cache", request.path)
                return response

        return wrapped

    return decorator


# --- per-process memo of catalog data -------------------------------------------------------------
_MEMO: dict[tuple, object] = {}
_MEMO_LIMIT = 2000


def catalog_memo(key: tuple, load):
    """``load()`` remembered in this process for as long as the ``catalog`` stamp is unchanged:
    for what every page asks again and that only family, attribute, unit or category edits
    change (a family's attribute rows, the result table's columns). Those edits replace the
    stamp (cms.signals), so a changed family is read again at the next request in every
    process. The result is shared by threads: treat it as read-only."""
    try:
        stamp = current_stamps([CATALOG])[CATALOG]
    except Exception:  # an unreachable cache: ask the database
        return load()
    memo_key = (*key, stamp)
    try:
        return _MEMO[memo_key]
    except KeyError:
        pass
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()  # old stamps' entries are never asked for again
    value = _MEMO[memo_key] = load()
    return value
