"""Rate limits: per token, and per client address for anonymous requests.

Counts live in the Django cache (shared by the processes of one machine by default, by all
machines with Redis or Memcached: ``PIM_CACHE_URL``). The rates are read from settings at each
request (``PIM_API_RATE_TOKEN``, ``PIM_API_RATE_ANONYMOUS``, DRF's ``"100/minute"`` form).
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


def _token(request):
    return request.auth if isinstance(request.auth, ApiToken) else None


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token, whoever sends them."""

    scope = "api_token"

    def get_rate(self):
        return settings.PIM_API_RATE_TOKEN

    def get_cache_key(self, request, view):
        token = _token(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class AnonymousRateThrottle(SimpleRateThrottle):
    """Requests without a token, per client address (``PIM_API_NUM_PROXIES`` says how many
    proxies' X-Forwarded-For entries to trust; 0 takes the connection's address)."""

    scope = "api_anonymous"

    def get_rate(self):
        return settings.PIM_API_RATE_ANONYMOUS

    def get_cache_key(self, request, view):
        if _token(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
