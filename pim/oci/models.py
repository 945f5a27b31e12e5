"""Buyers whose procurement systems (SAP SRM, Ariba, Coupa…) shop the catalog through OCI 4.0."""

from urllib.parse import urlsplit

from django.contrib.auth.hashers import check_password, make_password
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pim.catalog.models import ProductPrice


class MaterialGroupSource(models.TextChoices):
    NONE = "", _("Not sent")
    CATEGORY = "category", _("Category code (the product's first category)")
    ETIM_CLASS = "etim_class", _("ETIM class of the product's family")


class OciCustomer(models.Model):
    """One buying organisation: the login its SAP system sends in the entry call, where its
    cart may be posted back (HOOK_URL), and how prices and material groups are transferred.

    The password is kept only as a Django password hash: the entry call is compared with it,
    never sent anywhere."""

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    username = models.CharField(
        _("USERNAME"),
        max_length=100,
        unique=True,
        help_text=_("The USERNAME the buyer's system sends in the OCI entry call."),
    )
    password = models.CharField(_("PASSWORD (hashed)"), max_length=128, editable=False)
    hook_url_prefixes = models.TextField(
        _("allowed HOOK_URL prefixes"),
        help_text=_(
            "One per line, e.g. https://srm.example.com/sap/bc/. A punch-out whose HOOK_URL does not start "
            "with one of them (same scheme, host and port) is refused."
        ),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 currency code such as EUR."))],
    )
    price_type = models.CharField(
        _("price type"),
        max_length=16,
        choices=ProductPrice.PriceType.choices,
        default=ProductPrice.PriceType.NET_LIST,
    )
    material_group_source = models.CharField(
        _("MATGROUP from"),
        max_length=16,
        choices=MaterialGroupSource.choices,
        default=MaterialGroupSource.NONE,
        blank=True,
        help_text=_("OCI allows 10 characters; longer codes are cut."),
    )
    default_unit = models.CharField(
        _("default unit"),
        max_length=3,
        default="C62",
        validators=[RegexValidator(r"^[A-Z0-9]{1,3}$", _("Use a UN/ECE Rec. 20 unit code such as C62."))],
        help_text=_("UN/ECE code sent as NEW_ITEM-UNIT when a product has no order unit."),
    )
    vendor_number = models.CharField(
        _("vendor number (NEW_ITEM-VENDOR)"),
        max_length=10,
        blank=True,
        help_text=_("Our business partner number in the buyer's system; empty: not sent."),
    )
    manufacturer_code = models.CharField(
        _("manufacturer number (NEW_ITEM-MANUFACTCODE)"),
        max_length=10,
        blank=True,
        help_text=_("Our manufacturer number in the buyer's system; empty: not sent."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("OCI customer")
        verbose_name_plural = _("OCI customers")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def set_password(self, raw_password: str) -> None:
        """Store ``raw_password`` as a hash of the configured password hasher."""
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        """Whether ``raw_password`` is this customer's PASSWORD; an outdated hash is upgraded."""

        def upgrade(raw):
            self.set_password(raw)
            self.save(update_fields=["password"])

        return bool(self.password) and check_password(raw_password, self.password, upgrade)

    def prefixes(self) -> list[str]:
        return [line.strip() for line in self.hook_url_prefixes.splitlines() if line.strip()]

    def allows_hook_url(self, url: str) -> bool:
        """Whether the cart may be posted to ``url``: http(s), no credentials, and the same
        scheme, host and port as an allowed prefix with a path that starts with the prefix's.
        Comparing the parsed parts (not the strings) keeps ``https://srm.example.com.evil.net``
        out of the prefix ``https://srm.example.com``."""
        target = hook_url_parts(url)
        if target is None:
            return False
        for prefix in self.prefixes():
            allowed = hook_url_parts(prefix)
            if allowed is not None and allowed[:3] == target[:3] and target[3].startswith(allowed[3]):
                return True
        return False


def hook_url_parts(url: str):
    """(scheme, host, port, path) of an http(s) URL without credentials, else None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    port = port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname.lower(), port, parts.path or "/"


def hook_origin(url: str) -> str:
    """``scheme://host[:port]`` of a HOOK_URL, as CSP source lists name it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
