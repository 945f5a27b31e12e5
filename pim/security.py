"""Security defaults of the project package: secret-key strength and the content security policy.

``secret_key_problem`` is called from the settings module, so this module must not import
anything that needs configured settings at import time.
"""

import collections
import math
import zlib
from urllib.parse import parse_qsl

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

# The embedded development key: fine for scripts/run, refused when DEBUG is off.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"  # noqa: S105 - refused in production
# Django's own deploy check (security.W009) wants 50 characters; a generated key has them.
MIN_SECRET_KEY_LENGTH = 50
# A generated key estimates at 200-500 bits; a key typed by a person or a repeated pattern far less.
MIN_SECRET_KEY_BITS = 160
WEAK_PREFIXES = ("dev-only", "django-insecure-", "change-me", "changeme", "secret")
GENERATE_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def estimated_bits(key: str) -> float:
    """A conservative entropy estimate of ``key``: the smaller of its character-frequency
    (Shannon) entropy and what zlib cannot squeeze out of it. Frequencies miss repeated
    patterns ("abcdefghij" * 5), compression misses short keys of few distinct characters;
    together they catch both without refusing hex or base64 keys of the right length."""
    if not key:
        return 0.0
    counts = collections.Counter(key)
    length = len(key)
    shannon = -sum(count / length * math.log2(count / length) for count in counts.values()) * length
    # 2 bytes of zlib header, 4 of checksum and about 2 of block framing carry no key material.
    compressed = max(0, len(zlib.compress(key.encode(), 9)) - 8) * 8
    return min(shannon, compressed)


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is not fit to sign sessions and tokens in production, or None if it is."""
    if not key:
        return "it is empty"
    if key == DEVELOPMENT_SECRET_KEY or key.lower().startswith(WEAK_PREFIXES):
        return "it is a development or placeholder key"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"it has {len(key)} characters, at least {MIN_SECRET_KEY_LENGTH} are needed"
    bits = estimated_bits(key)
    if bits < MIN_SECRET_KEY_BITS:
        return (
            f"it is too predictable (about {bits:.0f} bits of entropy, at least "
            f"{MIN_SECRET_KEY_BITS} are needed; repeated characters or patterns)"
        )
    return None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with a second, looser policy for Wagtail's admin.

    The public pages run no inline code, so ``CONTENT_SECURITY_POLICY`` forbids it. The admin
    renders inline scripts and styles (Wagtail's configuration blocks, Draftail, Stimulus
    controllers that set style attributes) and previews pages in frames, so under
    ``PIM_ADMIN_URL_PREFIX`` the ``PIM_ADMIN_CONTENT_SECURITY_POLICY`` applies instead of no
    policy at all. A view's own ``@csp_override``/``@csp_exempt`` still wins."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if (
            not report_only
            and parts.config is None
            and request.path_info.startswith(settings.PIM_ADMIN_URL_PREFIX)
        ):
            parts.config = settings.PIM_ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts


def login_locked_out(request, original_response=None, credentials=None):
    """The answer to a sign-in attempt while django-axes has locked the username out from this
    address (``AXES_LOCKOUT_CALLABLE``): status 429 and a message that says for how long."""
    # axes.helpers fills in its settings when imported: not possible while settings import this module.
    from axes.helpers import get_cool_off, get_failure_limit

    limit = get_failure_limit(request, credentials)
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    message = ngettext(
        "Signing in is locked after %(limit)d failed attempt for this username from your network address.",
        "Signing in is locked after %(limit)d failed attempts for this username from your network address.",
        limit,
    ) % {"limit": limit}
    if minutes:
        message += " " + ngettext(
            "Try again in %(minutes)d minute, or ask an administrator to reset your password.",
            "Try again in %(minutes)d minutes, or ask an administrator to reset your password.",
            minutes,
        ) % {"minutes": minutes}
    else:
        message += " " + gettext("Ask an administrator to unlock it.")
    return render(request, "pim/login_locked.html", {"message": message}, status=429)


def reject_nul_characters(get_response):
    """Middleware: an API request whose path or query string contains a NUL character is a
    400 in the API's error shapes (a parameter's list of messages; a write's error list).
    PostgreSQL cannot compare text with one, so a lookup by such a code was a server error,
    and the API's views should not each have to know. The public pages answer odd input with
    their own messages (the search box, the comparison), so they are left to their views."""

    def middleware(request):
        query = request.META.get("QUERY_STRING", "")
        if not request.path.startswith("/api/") or ("\x00" not in request.path and "%00" not in query):
            return get_response(request)
        message = gettext("The address contains a NUL character.")
        names = [name for name, value in parse_qsl(query, keep_blank_values=True) if "\x00" in name + value]
        name = (names[0].replace("\x00", "") or "path") if names else "path"
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return JsonResponse({name: [message]}, status=400)
        return JsonResponse({"errors": [{"field": name, "message": message, "value": ""}]}, status=400)

    return middleware
