"""Who may change the catalog through the API: requests with a ``write`` token only."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ApiToken, TokenScope


class WriteScopeForChanges(BasePermission):
    """Reading is open (what is read is narrowed by :mod:`pim.api.access`); any other method
    needs a token with the ``write`` scope. Without a token DRF answers 401 (the
    authentication's challenge), with a token of another scope 403."""

    message = _("This token may not write; writing needs a token with the “write” scope.")

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        token = request.auth
        return isinstance(token, ApiToken) and token.scope == TokenScope.WRITE


class FullReadScope(BasePermission):
    """Internal data (channels and their export runs) needs a ``full_read`` or ``write``
    token. Without a token DRF answers 401, with a ``public_read`` token 403."""

    message = _("Channels are internal; reading them needs a token with the “full_read” or “write” scope.")

    def has_permission(self, request, view):
        token = request.auth
        return isinstance(token, ApiToken) and token.sees_unpublished
