"""Counting wrong credentials per client address, for endpoints outside the admin's login
(django-axes guards that one): export pulls with a wrong token, OCI entry calls with a wrong
password.

Counts live in fixed windows in the shared cache (``PIM_CACHE_URL``), so every web process
sees the same count; the address is resolved like the admin's login throttling
(``PIM_LOGIN_IP_HEADER`` behind a proxy).
"""

import time

from axes.helpers import get_client_ip_address
from django.core.cache import cache


class FailureCounter:
    """At most ``limit()`` failures per client address in a window of ``window()`` seconds
    (callables, so that settings are read at each request)."""

    def __init__(self, name: str, *, limit, window):
        self.name = name
        self.limit = limit
        self.window = window

    def _key(self, request) -> tuple[str, int]:
        """(cache key of the client's current window, seconds until the window ends)."""
        window = self.window()
        now = time.time()
        address = get_client_ip_address(request) or "unknown"
        return f"pim-failures:{self.name}:{address}:{int(now // window)}", int(window - now % window) + 1

    def locked_out(self, request) -> int | None:
        """Seconds the client must wait, if it failed too often in this window."""
        key, remaining = self._key(request)
        if cache.get(key, 0) >= self.limit():
            return remaining
        return None

    def count(self, request) -> None:
        key, _remaining = self._key(request)
        cache.add(key, 0, timeout=self.window() + 1)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window() + 1)
