"""Defences of the public forms (inquiries, change-notice subscriptions) against abuse.

Rate limits count in the Django cache (shared by every web process when PIM_CACHE_URL points
to a shared cache) in fixed windows of ``PIM_INQUIRY_RATE_WINDOW_SECONDS``; the client
address is the one axes uses for admin logins (``PIM_LOGIN_IP_HEADER`` behind a proxy). A
honeypot field, hidden from people and filled by bots, makes a submission count as refused.
"""

import hashlib
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache

# The honeypot: an input people never see (hidden by CSS, aria-hidden, tabindex -1) and a
# name form-filling bots like to fill.
HONEYPOT_FIELD = "website"


def client_address(request) -> str:
    return get_client_ip_address(request) or "unknown"


def _window() -> tuple[int, int]:
    """The current window's number and the seconds left in it."""
    size = max(1, settings.PIM_INQUIRY_RATE_WINDOW_SECONDS)
    now = int(time.time())
    return now // size, size - now % size


def _key(scope: str, kind: str, value: str, window: int) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"pim:rate:{scope}:{kind}:{digest}:{window}"


def hit(scope: str, kind: str, value: str, limit: int) -> int | None:
    """Count one attempt of ``scope`` (e.g. "inquiry") by ``kind`` ("address", "email") =
    ``value``. Returns None while the count is within ``limit``, else the seconds until the
    window ends (for a Retry-After header and the message)."""
    window, left = _window()
    key = _key(scope, kind, value, window)
    cache.add(key, 0, timeout=left + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=left + 1)
        count = 1
    return None if count <= limit else left


def is_limited(scope: str, kind: str, value: str, limit: int) -> int | None:
    """Like :func:`hit` without counting: the seconds left when ``value`` is over ``limit``."""
    window, left = _window()
    count = cache.get(_key(scope, kind, value, window), 0)
    return None if count < limit else left
