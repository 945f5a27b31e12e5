"""Export channels (profiles), their completeness requirements, runs with history, receiver
tokens for pulls, and the change log deltas are computed from."""

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from pim.catalog.completeness import FIELDS as REQUIREMENT_FIELDS
from pim.catalog.models import Lifecycle


class ExportFormat(models.TextChoices):
    BMECAT_2005 = "bmecat2005", _("BMEcat 2005")
    BMECAT_2005_ETIM = "bmecat2005-etim", _("BMEcat 2005, ETIM guideline 5.0")
    BMECAT_12 = "bmecat12", _("BMEcat 1.2")
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")
    JSONL = "jsonl", _("JSON Lines")


class FeatureSystem(models.TextChoices):
    ETIM = "etim", _("ETIM (features by EF/EV/EU codes)")
    ECLASS = "eclass", _("ECLASS (properties by IRDI/code)")
    OWN = "own", _("The catalog's own attributes")


class NumberFormat(models.TextChoices):
    PLAIN = "plain", _("Plain (1234.5)")
    LOCALE = "locale", _("Receiver's locale (1234,5 in German)")


class UnitPlacement(models.TextChoices):
    HEADER = "header", _("Unit in the column header")
    COLUMN = "column", _("Separate unit column")


class TabularLayout(models.TextChoices):
    """How CSV and Excel files of a channel are laid out (see :mod:`pim.exports.tabular`)."""

    MACHINE = "machine", _("Machine-readable (codes; for integrations and the import)")
    PRICE_LIST = "price_list", _("Readable price list (labels; one row per price)")


class Schedule(models.TextChoices):
    OFF = "off", _("Not scheduled")
    HOURLY = "hourly", _("Every hour")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")


SCHEDULE_SECONDS = {Schedule.HOURLY: 3600, Schedule.DAILY: 86400, Schedule.WEEKLY: 7 * 86400}

DEFAULT_LIFECYCLES = "active,phase_out"
EXPORTABLE_LIFECYCLES = {Lifecycle.ACTIVE, Lifecycle.PHASE_OUT}

language_list_validator = RegexValidator(
    r"^[a-z]{2}(,[a-z]{2})*$", _("Comma-separated language codes, e.g. “de,en”.")
)
system_version_validator = RegexValidator(r"^\d{1,3}\.\d{1,3}$", _("A version such as 6.0."))
catalog_id_validator = RegexValidator(r"^\S{1,20}$", _("Up to 20 characters without spaces."))


class Channel(ClusterableModel):
    """An export profile: which products, languages, currency, attributes and format a
    receiver (shop, ERP, distributor) gets."""

    code = models.SlugField(
        _("code"), max_length=50, unique=True, help_text=_("Used in URLs and file names.")
    )
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    format = models.CharField(_("format"), max_length=20, choices=ExportFormat.choices)

    # -- which products
    categories = ParentalManyToManyField(
        "catalog.Category",
        verbose_name=_("categories"),
        blank=True,
        related_name="+",
        help_text=_("Products in these categories or below. Empty: all categories."),
    )
    families = ParentalManyToManyField(
        "catalog.Family",
        verbose_name=_("families"),
        blank=True,
        related_name="+",
        help_text=_("Empty: all families."),
    )
    lifecycles = models.CharField(
        _("lifecycle states"),
        max_length=64,
        default=DEFAULT_LIFECYCLES,
        help_text=_(
            "Comma-separated: active, phase_out. Discontinued products are never exported as "
            "products; they appear as deletions in delta files."
        ),
    )
    min_completeness = models.PositiveSmallIntegerField(
        _("minimum completeness (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Products below this completeness in any of the channel's languages are skipped."),
    )

    # -- what they look like
    languages = models.CharField(
        _("languages"),
        max_length=64,
        default="en,de",
        validators=[language_list_validator],
        help_text=_("Comma-separated; the first is the catalog's default language."),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code such as EUR."))],
    )
    feature_system = models.CharField(
        _("feature system"), max_length=10, choices=FeatureSystem.choices, default=FeatureSystem.ETIM
    )
    feature_system_version = models.CharField(
        _("feature system version"),
        max_length=8,
        blank=True,
        validators=[system_version_validator],
        help_text=_("e.g. 6.0 (ETIM) or 12.0 (ECLASS). Empty: the family's ETIM version."),
    )
    include_other_attributes = models.BooleanField(
        _("include attributes outside the feature system"),
        default=True,
        help_text=_(
            "Attributes without a code in the feature system are written as the catalog's own "
            "features (BMEcat: a second PRODUCT_FEATURES block). The ETIM guideline variant never "
            "includes them."
        ),
    )
    media_base_url = models.URLField(
        _("media base URL"),
        blank=True,
        help_text=_("Prefix of relative asset paths (BMEcat MIME_ROOT)."),
    )

    # -- BMEcat header
    catalog_id = models.CharField(
        _("catalog ID"), max_length=20, blank=True, validators=[catalog_id_validator]
    )
    catalog_name = models.CharField(_("catalog name"), max_length=100, blank=True)
    supplier_name = models.CharField(_("supplier name"), max_length=50, blank=True)
    supplier_id = models.CharField(
        _("supplier ID"), max_length=50, blank=True, help_text=_("e.g. the GLN of the supplier.")
    )
    supplier_id_type = models.CharField(
        _("supplier ID type"),
        max_length=20,
        default="gln",
        validators=[RegexValidator(r"^[a-z_]{1,20}$", _("e.g. gln, duns, supplier_specific."))],
    )
    buyer_name = models.CharField(
        _("buyer name"), max_length=50, blank=True, help_text=_("Required by the ETIM guideline.")
    )
    buyer_id = models.CharField(_("buyer ID"), max_length=50, blank=True)
    territory = models.CharField(
        _("territory"),
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("An ISO 3166 country code such as DE."))],
    )

    # -- CSV / XLSX
    csv_delimiter = models.CharField(_("CSV delimiter"), max_length=1, default=";")
    csv_bom = models.BooleanField(
        _("UTF-8 byte order mark"), default=True, help_text=_("Lets Excel detect UTF-8.")
    )
    number_format = models.CharField(
        _("numbers"), max_length=10, choices=NumberFormat.choices, default=NumberFormat.PLAIN
    )
    unit_placement = models.CharField(
        _("units"), max_length=10, choices=UnitPlacement.choices, default=UnitPlacement.HEADER
    )
    tabular_layout = models.CharField(
        _("layout"),
        max_length=12,
        choices=TabularLayout.choices,
        default=TabularLayout.MACHINE,
        help_text=_(
            "Machine-readable: one row per product, field and attribute codes as headers, option "
            "codes as values; stable for integrations and what the import reads back. Readable price "
            "list: for buyers comparing suppliers; headers and options as labels in the channel's "
            "first language, units in the headers, one row per price tier and validity period."
        ),
    )

    # -- delivery
    schedule = models.CharField(_("schedule"), max_length=10, choices=Schedule.choices, default=Schedule.OFF)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("export channel")
        verbose_name_plural = _("export channels")
        ordering = ["code"]

    def __str__(self):
        return self.name or self.code

    # -- derived settings -------------------------------------------------------------
    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    @property
    def lifecycle_list(self) -> list[str]:
        return [state.strip() for state in self.lifecycles.split(",") if state.strip()]

    @property
    def effective_catalog_id(self) -> str:
        return self.catalog_id or self.code[:20]

    def clean(self):
        errors = {}
        unknown = [code for code in self.language_list if code not in settings.PIM_LANGUAGES]
        if unknown:
            errors["languages"] = _("%(codes)s: not a content language (%(known)s).") % {
                "codes": ", ".join(unknown),
                "known": ", ".join(settings.PIM_LANGUAGES),
            }
        bad_states = [s for s in self.lifecycle_list if s not in EXPORTABLE_LIFECYCLES]
        if bad_states or not self.lifecycle_list:
            errors["lifecycles"] = _("Choose from: active, phase_out.")
        if self.format == ExportFormat.BMECAT_2005_ETIM:
            if self.feature_system != FeatureSystem.ETIM:
                errors["feature_system"] = _("The ETIM guideline variant needs the ETIM feature system.")
            if not self.buyer_name:
                errors["buyer_name"] = _("The ETIM guideline requires a buyer name.")
        bmecat = (ExportFormat.BMECAT_2005, ExportFormat.BMECAT_2005_ETIM, ExportFormat.BMECAT_12)
        if self.format in bmecat and not self.supplier_name:
            errors["supplier_name"] = _("BMEcat files name the supplier.")
        if self.csv_delimiter in ('"', "\n", "\r"):
            errors["csv_delimiter"] = _("Choose a delimiter other than a quote or line break.")
        if errors:
            raise ValidationError(errors)

    def export_directory(self) -> Path:
        return Path(settings.PIM_EXPORT_ROOT) / self.code

    def latest_run(self):
        """The run whose file is published (what a plain pull serves)."""
        return self.runs.filter(published=True).order_by("-finished_at", "-pk").first()


class ChannelAttribute(Orderable):
    """An attribute the channel exports, optionally under the receiver's name. A channel
    without any exports every attribute of each product's family."""

    channel = ParentalKey(Channel, on_delete=models.CASCADE, related_name="channel_attributes")
    attribute = models.ForeignKey("catalog.Attribute", verbose_name=_("attribute"), on_delete=models.CASCADE)
    export_name = models.CharField(
        _("name at the receiver"),
        max_length=60,
        blank=True,
        help_text=_("Column header or feature name the receiver expects. Empty: the attribute code."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("channel attribute")
        verbose_name_plural = _("channel attributes")
        constraints = [
            models.UniqueConstraint(fields=["channel", "attribute"], name="channel_attribute_unique")
        ]

    def __str__(self):
        return self.export_name or self.attribute.code


class RequirementKind(models.TextChoices):
    ATTRIBUTE = "attribute", _("Attribute value")
    FIELD = "field", _("Product field")
    ASSET = "asset", _("Asset")


class ChannelRequirement(models.Model):
    """What a family needs to be complete for a channel (see pim.catalog.completeness)."""

    channel = ParentalKey(Channel, on_delete=models.CASCADE, related_name="requirements")
    family = models.ForeignKey(
        "catalog.Family",
        verbose_name=_("family"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every family."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequirementKind.choices)
    attribute = models.ForeignKey(
        "catalog.Attribute",
        verbose_name=_("attribute"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    field = models.CharField(
        _("field"),
        max_length=32,
        blank=True,
        choices=[(code, label) for code, (label, _localized) in REQUIREMENT_FIELDS.items()],
    )
    asset_kind = models.CharField(
        _("asset kind"), max_length=32, blank=True, help_text=_("e.g. image, datasheet, cad.")
    )

    class Meta:
        verbose_name = _("completeness requirement")
        verbose_name_plural = _("completeness requirements")

    def __str__(self):
        return self.code

    @property
    def code(self) -> str:
        if self.kind == RequirementKind.ATTRIBUTE:
            return self.attribute.code if self.attribute_id else "?"
        if self.kind == RequirementKind.ASSET:
            return self.asset_kind
        return self.field

    def clean(self):
        if self.kind == RequirementKind.ATTRIBUTE and not self.attribute_id:
            raise ValidationError({"attribute": _("Choose the attribute.")})
        if self.kind == RequirementKind.FIELD and self.field not in REQUIREMENT_FIELDS:
            raise ValidationError(
                {"field": _("Choose one of: %(fields)s.") % {"fields": ", ".join(sorted(REQUIREMENT_FIELDS))}}
            )
        if self.kind == RequirementKind.ASSET and not self.asset_kind:
            raise ValidationError({"asset_kind": _("Name the asset kind, e.g. image.")})


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RunKind(models.TextChoices):
    FULL = "full", _("Full catalog")
    DELTA = "delta", _("Changes (products)")
    PRICES = "prices", _("Changes (prices only)")


class RunTrigger(models.TextChoices):
    ADMIN = "admin", _("Admin")
    COMMAND = "command", _("Command line")
    SCHEDULE = "schedule", _("Schedule")
    PULL = "pull", _("Pull by a receiver")


class ExportRun(models.Model):
    """One export of a channel: what was written, when, by whom, and what went wrong."""

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="runs"
    )
    format = models.CharField(_("format"), max_length=20, choices=ExportFormat.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=RunKind.choices, default=RunKind.FULL)
    since = models.DateTimeField(_("changes since"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    trigger = models.CharField(_("started from"), max_length=10, choices=RunTrigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    receiver = models.ForeignKey(
        "ReceiverToken",
        verbose_name=_("receiver"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
    )
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    snapshot_at = models.DateTimeField(
        _("data as of"),
        null=True,
        blank=True,
        help_text=_("Changes after this moment are in the next delta."),
    )
    total = models.PositiveIntegerField(_("products to check"), default=0)
    processed = models.PositiveIntegerField(_("products checked"), default=0)
    product_count = models.PositiveIntegerField(_("products written"), default=0)
    deleted_count = models.PositiveIntegerField(_("deletions written"), default=0)
    skipped_count = models.PositiveIntegerField(_("products skipped"), default=0)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    file = models.CharField(
        _("file"), max_length=255, blank=True, help_text=_("Relative to the export root.")
    )
    output_path = models.CharField(
        _("output path"),
        max_length=500,
        blank=True,
        help_text=_("Set when written to a path outside the export root."),
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    catalog_version = models.CharField(_("catalog version"), max_length=7, blank=True)
    published = models.BooleanField(
        _("published"), default=False, help_text=_("The file served by plain pulls of the channel.")
    )
    error = models.TextField(_("error"), blank=True)
    error_product = models.CharField(_("product that caused the error"), max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(
        _("last sign of life"),
        null=True,
        blank=True,
        help_text=_(
            "Renewed while the run writes; a running run whose heartbeat is too old is marked failed."
        ),
    )
    temp_path = models.CharField(
        _("temporary file"),
        max_length=500,
        blank=True,
        help_text=_("The file being written; removed when a dead run is cleaned up."),
    )

    class Meta:
        verbose_name = _("export run")
        verbose_name_plural = _("export runs")
        ordering = ["-queued_at", "-pk"]
        indexes = [
            models.Index(fields=["channel", "published", "finished_at"], name="exportrun_published_idx")
        ]

    def __str__(self):
        return f"{self.channel} #{self.pk} ({self.get_status_display()})"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def progress_percent(self) -> int:
        if self.status == RunStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.processed / self.total))

    def file_path(self) -> Path | None:
        if self.output_path:
            return Path(self.output_path)
        if self.file:
            return Path(settings.PIM_EXPORT_ROOT) / self.file
        return None


class ExportIssue(models.Model):
    """A product skipped by a run (and why), or the error that stopped the run."""

    run = models.ForeignKey(ExportRun, on_delete=models.CASCADE, related_name="issues")
    product_id = models.BigIntegerField(_("product ID"), null=True, blank=True)
    article_number = models.CharField(_("article number"), max_length=64, blank=True)
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("export issue")
        verbose_name_plural = _("export issues")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.article_number}: {self.message}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ReceiverToken(models.Model):
    """A revocable secret a receiver uses to pull a channel's files."""

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="tokens"
    )
    receiver = models.CharField(
        _("receiver"), max_length=100, help_text=_("Who uses this token, e.g. “Shop DE”.")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token starts with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_pull_at = models.DateTimeField(
        _("last successful pull"),
        null=True,
        blank=True,
        help_text=_("Data moment of the last file served; the next “changes since my last pull” start here."),
    )
    pull_count = models.PositiveIntegerField(_("pulls"), default=0)

    class Meta:
        verbose_name = _("receiver token")
        verbose_name_plural = _("receiver tokens")
        ordering = ["channel", "receiver"]

    def __str__(self):
        return f"{self.receiver} ({self.channel.code}, {self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(cls, channel, receiver: str, user=None) -> tuple["ReceiverToken", str]:
        """Create a token; returns (row, secret). Only the hash is stored: show the secret once."""
        secret = secrets.token_urlsafe(32)
        row = cls.objects.create(
            channel=channel,
            receiver=receiver,
            token_hash=hash_token(secret),
            prefix=secret[:8],
            created_by=user,
        )
        return row, secret

    @classmethod
    def authenticate(cls, channel, secret: str):
        if not secret:
            return None
        return cls.objects.filter(
            channel=channel, token_hash=hash_token(secret), revoked_at__isnull=True
        ).first()

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class ProductChange(models.Model):
    """The last change of each product as exports see it: deltas are the products changed
    (or removed) after a moment. One row per product, kept after the product is deleted so
    the deletion can be sent."""

    product_id = models.BigIntegerField(unique=True)
    article_number = models.CharField(max_length=64)
    changed_at = models.DateTimeField(db_index=True)
    removed = models.BooleanField(
        default=False,
        help_text=_("The last event took the product out of public view (unpublished or deleted)."),
    )
    reason = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("product change")
        verbose_name_plural = _("product changes")

    def __str__(self):
        return f"{self.article_number} {self.reason} {self.changed_at:%Y-%m-%d %H:%M}"


class ExportedProduct(models.Model):
    """A product a run of the channel has written (as a product, not a deletion): what its
    receivers may have. Deltas announce deletions only for these, so the article number of
    a product a receiver never got (a draft, a product of another channel) never reaches it."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    product_id = models.BigIntegerField()
    first_run = models.ForeignKey(
        ExportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("exported product")
        verbose_name_plural = _("exported products")
        constraints = [
            models.UniqueConstraint(fields=["channel", "product_id"], name="exported_product_unique")
        ]

    def __str__(self):
        return f"{self.channel_id}: {self.product_id}"


class ProductCompleteness(models.Model):
    """Completeness of one product for one channel and language (kept current by signals)."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="completeness")
    language = models.CharField(_("language"), max_length=8)
    score = models.PositiveSmallIntegerField(_("completeness (%)"))
    required = models.PositiveSmallIntegerField(_("requirements"), default=0)
    missing = models.JSONField(_("missing"), default=list)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("product completeness")
        verbose_name_plural = _("product completeness")
        constraints = [
            models.UniqueConstraint(fields=["product", "channel", "language"], name="completeness_unique")
        ]
        indexes = [models.Index(fields=["channel", "language", "score"], name="completeness_score_idx")]

    def __str__(self):
        return f"{self.product_id} {self.channel_id} {self.language}: {self.score}%"


class PendingCompleteness(models.Model):
    """A product whose stored completeness must be recomputed: written in the transaction of
    the change, so no recompute is lost; removed by the recompute task once it is done, unless
    a newer change (another ``token``) arrived meanwhile (see :mod:`pim.exports.completeness`)."""

    product_id = models.BigIntegerField(unique=True)
    token = models.UUIDField()
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pending completeness recompute")
        verbose_name_plural = _("pending completeness recomputes")

    def __str__(self):
        return f"{self.product_id} {self.changed_at:%Y-%m-%d %H:%M}"
