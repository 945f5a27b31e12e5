"""Where a webhook may be sent: the SSRF rule, checked when a URL is saved and again before
every send (DNS answers change).

A URL is accepted when its scheme is http or https, it carries no credentials, and its host
resolves only to public addresses, unless the host is listed in ``PIM_WEBHOOK_ALLOWED_HOSTS``
(for receivers inside the company network, and loopback in tests). The sender connects to
the addresses returned by :func:`resolve_target`, never to the name again, so a DNS answer that
changes between the check and the connection (rebinding) cannot redirect it.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to one of ``addresses`` (in the resolver's order), name
    ``host`` in Host and TLS (SNI)."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    path: str


def allowed_hosts() -> set[str]:
    return {
        host.strip().lower() for host in getattr(settings, "PIM_WEBHOOK_ALLOWED_HOSTS", []) if host.strip()
    }


def is_public_address(address: str) -> bool:
    """Whether ``address`` is a public unicast address: not loopback, private, link-local,
    shared (CGNAT), multicast, reserved, unspecified or an IPv6 unique-local one, also when
    written as an IPv4-mapped or 6to4/Teredo IPv6 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None):
            if embedded is not None and not is_public_address(str(embedded)):
                return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback)


def _split(url: str):
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValidationError(_("The URL is malformed.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationError(_("The URL must start with http:// or https://."))
    if parts.username or parts.password:
        raise ValidationError(
            _("The URL must not contain a user name or password; use the secret to authenticate.")
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise ValidationError(_("The URL has no host name."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ValidationError(_("The port in the URL is not a number between 0 and 65535.")) from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port, path


def resolve_target(url: str) -> Target:
    """Check ``url`` against the SSRF rule and return the addresses to connect to. Raises
    ValidationError naming what is wrong (scheme, credentials, a host that does not resolve or
    resolves to a non-public address)."""
    scheme, host, port, path = _split(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationError(_("The host %(host)s could not be resolved.") % {"host": host}) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise ValidationError(_("The host %(host)s could not be resolved.") % {"host": host})
    if host not in allowed_hosts():
        # Every answer must be public, not just the first: the resolver's order is not ours.
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            raise ValidationError(
                _(
                    "The host %(host)s resolves to %(address)s, which is not a public address. Webhooks "
                    "go only to public addresses unless the host is listed in PIM_WEBHOOK_ALLOWED_HOSTS."
                )
                % {"host": host, "address": refused[0]}
            )
    return Target(scheme=scheme, host=host, port=port, addresses=tuple(addresses), path=path)
