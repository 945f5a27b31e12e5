"""The OCI session: who punched out, where the cart goes back, and the cart itself.

It travels as a signed token in every link and form of the OCI pages (``s=…``), not in a
cookie: SAP SRM shows the catalog in a frame of its own site, where browsers hold back
SameSite and third-party cookies, and the entry call is a cross-site POST. The signature
(Django's ``signing`` with the secret key and a salt of its own) keeps the customer, HOOK_URL
and ``~TARGET`` from being changed; every page hands out a fresh token, which restarts the
expiry (``PIM_OCI_SESSION_HOURS``), and the customer must still be active and still allow the
HOOK_URL on each request."""

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.core import signing

SALT = "pim.oci.session"
MAX_LINES = 100


class SessionInvalid(Exception):
    """The token is missing, altered or expired."""


@dataclass(frozen=True)
class OciSession:
    customer_id: int
    hook_url: str
    target: str = "_top"
    ok_code: str = "ADDI"
    lines: tuple[tuple[int, Decimal], ...] = field(default_factory=tuple)  # (product id, quantity)

    def token(self) -> str:
        """The signed, compressed token for links and forms."""
        data = {
            "c": self.customer_id,
            "h": self.hook_url,
            "t": self.target,
            "o": self.ok_code,
            "l": [[product_id, str(quantity)] for product_id, quantity in self.lines],
        }
        return signing.dumps(data, salt=SALT, compress=True)

    @classmethod
    def from_token(cls, token: str) -> "OciSession":
        """The session a token carries; :class:`SessionInvalid` when it is missing, altered or expired."""
        if not token:
            raise SessionInvalid
        max_age = settings.PIM_OCI_SESSION_HOURS * 3600
        try:
            data = signing.loads(token, salt=SALT, max_age=max_age)
            return cls(
                customer_id=int(data["c"]),
                hook_url=str(data["h"]),
                target=str(data["t"]),
                ok_code=str(data["o"]),
                lines=tuple((int(pid), Decimal(quantity)) for pid, quantity in data["l"]),
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError, ArithmeticError):
            raise SessionInvalid from None

    def product_ids(self) -> list[int]:
        return [product_id for product_id, _quantity in self.lines]

    def quantity_of(self, product_id: int) -> Decimal | None:
        return next((quantity for pid, quantity in self.lines if pid == product_id), None)

    def with_quantity(self, product_id: int, quantity: Decimal) -> "OciSession":
        """The session with the product's line set to ``quantity`` (added at the end when new)."""
        if self.quantity_of(product_id) is None:
            return replace(self, lines=(*self.lines, (product_id, quantity)))
        return replace(
            self, lines=tuple((pid, quantity if pid == product_id else q) for pid, q in self.lines)
        )

    def without(self, product_id: int) -> "OciSession":
        return replace(self, lines=tuple(line for line in self.lines if line[0] != product_id))

    def keeping(self, product_ids) -> "OciSession":
        """The session with only the lines of ``product_ids`` (products still public)."""
        keep = set(product_ids)
        return replace(self, lines=tuple(line for line in self.lines if line[0] in keep))
