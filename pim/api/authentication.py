"""Token authentication for ``/api/v1/``.

``Authorization: Bearer <secret>`` (or ``Token <secret>``, which DRF clients send by habit).
No header: anonymous, which reads what is publicly visible. A header with an unknown or
revoked secret is refused with 401, never downgraded to anonymous: an integrator whose token
was revoked must notice, not silently receive less data.
"""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import ApiToken

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(BaseAuthentication):
    """Authenticates with an :class:`~pim.api.models.ApiToken`; ``request.auth`` is the token."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Authorization header: send “Bearer <token>”, with the token and no spaces in it.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("Authorization header: the token is not a valid token.")
            ) from None
        token = ApiToken.find(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Authorization header: unknown token."))
        if not token.active:
            raise exceptions.AuthenticationFailed(
                _("Authorization header: this token was revoked; ask for a new one.")
            )
        if not token.owner.is_active:
            raise exceptions.AuthenticationFailed(
                _("Authorization header: the owner of this token is deactivated.")
            )
        token.record_use()
        return token.owner, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with this challenge) instead of 403 for a refused token.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes :class:`ApiTokenAuthentication`."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _(
                "An API token issued in the admin (Settings › API tokens). Without a token the API "
                "answers with publicly visible data only."
            ),
        }
