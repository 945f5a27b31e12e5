"""API tokens: who may read (and later write) the catalog through ``/api/v1/``.

Only the SHA-256 of a token's secret is stored; the secret is shown once, when the token is
issued. A short prefix of the secret (not enough to guess it) identifies the token in the
admin and in logs.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# 32 random bytes give 43 URL-safe characters: well above the 40 an integrator's secret store
# and our log redaction expect, and as strong as the SHA-256 kept of it.
SECRET_BYTES = 32
PREFIX_LENGTH = 8
# A token's last use is written at most this often: a sync client making thousands of
# requests must not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenScope(models.TextChoices):
    PUBLIC_READ = "public_read", _("Public read")
    FULL_READ = "full_read", _("Full read (drafts and unpublished products)")
    WRITE = "write", _("Write (includes full read)")


# Scopes that see what is not publicly visible; write implies full read.
UNPUBLISHED_SCOPES = (TokenScope.FULL_READ, TokenScope.WRITE)


def hash_secret(secret: str) -> str:
    """The stored form of a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A revocable secret an integrator's system sends as ``Authorization: Bearer <secret>``."""

    name = models.CharField(
        _("name"), max_length=100, help_text=_("Who uses this token, e.g. “ERP sync” or “Shop DE”.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="pim_api_tokens",
        help_text=_("Writes made with this token are attributed to this user."),
    )
    scope = models.CharField(_("scope"), max_length=16, choices=TokenScope.choices)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token starts with"), max_length=PREFIX_LENGTH, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name", "-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def sees_unpublished(self) -> bool:
        """Drafts and products that are not publicly visible are readable with this token."""
        return self.scope in UNPUBLISHED_SCOPES

    @classmethod
    def issue(cls, *, name: str, owner, scope: str) -> tuple["ApiToken", str]:
        """Create a token; returns (row, secret). Only the hash is stored: show the secret once."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        row = cls.objects.create(
            name=name,
            owner=owner,
            scope=scope,
            secret_hash=hash_secret(secret),
            prefix=secret[:PREFIX_LENGTH],
        )
        return row, secret

    @classmethod
    def find(cls, secret: str) -> "ApiToken | None":
        """The token with this secret, revoked or not (the caller tells the two apart)."""
        if not secret:
            return None
        return cls.objects.select_related("owner").filter(secret_hash=hash_secret(secret)).first()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def record_use(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_RESOLUTION:
            # update(), not save(): no signals, no race with a revoke in another request.
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
