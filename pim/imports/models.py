"""Import jobs, their findings, and the saved column mappings of foreign files."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceFormat(models.TextChoices):
    TABULAR = "tabular", _("Excel or CSV")
    BMECAT = "bmecat", _("BMEcat")


class ImportMapping(models.Model):
    """How a supplier's or source's files map onto the catalog, saved and reused.

    ``columns``: ``{header: {"target": "field:<name>" | "localized:<field>:<lang>" |
    "attribute:<code>" | "attribute:<code>:min|max" | "unit_of:<header>" | "price:<type>" |
    "ignore", "unit": "<unit code or symbol>"}}``. ``options``: ``{attribute code: {label in
    the file: option code}}`` for labels the catalog does not know. ``features``: BMEcat
    feature names (ECLASS or the supplier's own) to attribute codes, same shape as columns.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    source_format = models.CharField(
        _("format"), max_length=16, choices=SourceFormat.choices, default=SourceFormat.TABULAR
    )
    supplier = models.CharField(_("supplier or source"), max_length=100, blank=True)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    options = models.JSONField(_("option values"), default=dict, blank=True)
    features = models.JSONField(_("features"), default=dict, blank=True)
    default_family = models.ForeignKey(
        "catalog.Family",
        verbose_name=_("family of new products"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For files without a family column."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking (dry run)")
    CHECKED = "checked", _("Checked")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One file on its way in: a dry run first, then (on the user's word) the commit."""

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    source_format = models.CharField(_("format"), max_length=16, choices=SourceFormat.choices)
    mapping = models.ForeignKey(
        ImportMapping, verbose_name=_("mapping"), on_delete=models.SET_NULL, null=True, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True
    )
    # reading options: encoding and delimiter of CSV ("" = detect), sheet of XLSX ("" = first)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    skip_invalid = models.BooleanField(
        _("import the valid rows, skip the rest"),
        default=False,
        help_text=_("Otherwise nothing is imported while one row has an error."),
    )
    publish = models.BooleanField(
        _("publish the changes"),
        default=False,
        help_text=_(
            "Otherwise changes to published products are saved as drafts, and new products arrive as drafts."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # counts of the dry run (checked) or of the commit (imported)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    invalid_count = models.PositiveIntegerField(_("with errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    error_file = models.FileField(
        _("error file"), upload_to="imports/errors/%Y/%m/", blank=True, max_length=300
    )
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"


class ImportFinding(models.Model):
    """A problem or a planned change of one job's latest pass (dry run or commit)."""

    class Kind(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Warning")
        CREATE = "create", _("New product")
        UPDATE = "update", _("Change")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, db_index=True)
    article_number = models.CharField(_("article number"), max_length=64, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    column = models.CharField(_("column"), max_length=300, blank=True)
    value = models.TextField(_("value"), blank=True)
    message = models.TextField(_("message"), blank=True)
    # changes of an update/create: [[label, old, new], …] in display units
    changes = models.JSONField(_("changes"), default=list, blank=True)

    class Meta:
        verbose_name = _("import finding")
        verbose_name_plural = _("import findings")
        ordering = ["pk"]
        indexes = [models.Index(fields=["job", "kind"], name="import_finding_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.article_number or self.row or self.line} {self.message}".strip()
