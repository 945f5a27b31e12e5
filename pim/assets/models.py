"""Assets: files engineers download (CAD models, datasheets, manuals, certificates) and
product images, with revisions, links to products and anonymous download counts.

An :class:`Asset` is what a person means ("the STEP model of the KH series"); each upload of
its file is an :class:`AssetRevision` (the current one is served, earlier ones are kept);
:class:`AssetLink` attaches it to products, product models or categories with a role and an
order. Product images additionally get a Wagtail image (renditions, focal point).
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model_string

from pim.catalog.localization import LocalizedTextField, localize

from .formats import FORMATS


class AssetKind(models.TextChoices):
    IMAGE = "image", _("Product image")
    DATASHEET = "datasheet", _("Datasheet")
    CAD_3D = "cad_3d", _("3D CAD model")
    CAD_2D = "cad_2d", _("2D CAD drawing")
    MANUAL = "manual", _("Manual")
    CERTIFICATE = "certificate", _("Certificate")
    DECLARATION = "declaration", _("Declaration of conformity")
    SOFTWARE = "software", _("Software / firmware")
    VIDEO = "video", _("Video link")


# Which content formats each kind accepts (format codes of pim.assets.formats).
KIND_FORMATS: dict[str, tuple[str, ...]] = {
    AssetKind.IMAGE: ("png", "jpeg", "webp", "svg"),
    AssetKind.DATASHEET: ("pdf",),
    AssetKind.CAD_3D: ("step", "iges", "stl", "parasolid", "native_cad", "zip"),
    AssetKind.CAD_2D: ("dxf", "dwg", "pdf", "svg", "iges"),
    AssetKind.MANUAL: ("pdf", "zip"),
    AssetKind.CERTIFICATE: ("pdf", "png", "jpeg"),
    AssetKind.DECLARATION: ("pdf",),
    AssetKind.SOFTWARE: ("zip",),
    AssetKind.VIDEO: (),
}


class LinkRole(models.TextChoices):
    MAIN_IMAGE = "main_image", _("Main image")
    GALLERY = "gallery", _("Gallery image")
    DATASHEET = "datasheet", _("Datasheet")
    CAD_3D = "cad_3d", _("3D CAD model")
    CAD_2D = "cad_2d", _("2D drawing")
    MANUAL = "manual", _("Manual")
    CERTIFICATE = "certificate", _("Certificate")
    DECLARATION = "declaration", _("Declaration of conformity")
    SOFTWARE = "software", _("Software / firmware")
    VIDEO = "video", _("Video")
    OTHER = "other", _("Other document")


# Order of roles in download lists: what engineers look for first comes first.
ROLE_ORDER = [
    LinkRole.MAIN_IMAGE,
    LinkRole.GALLERY,
    LinkRole.DATASHEET,
    LinkRole.CAD_3D,
    LinkRole.CAD_2D,
    LinkRole.MANUAL,
    LinkRole.CERTIFICATE,
    LinkRole.DECLARATION,
    LinkRole.SOFTWARE,
    LinkRole.VIDEO,
    LinkRole.OTHER,
]

DEFAULT_ROLE = {
    AssetKind.IMAGE: LinkRole.GALLERY,
    AssetKind.DATASHEET: LinkRole.DATASHEET,
    AssetKind.CAD_3D: LinkRole.CAD_3D,
    AssetKind.CAD_2D: LinkRole.CAD_2D,
    AssetKind.MANUAL: LinkRole.MANUAL,
    AssetKind.CERTIFICATE: LinkRole.CERTIFICATE,
    AssetKind.DECLARATION: LinkRole.DECLARATION,
    AssetKind.SOFTWARE: LinkRole.SOFTWARE,
    AssetKind.VIDEO: LinkRole.VIDEO,
}


def asset_storage():
    """The storage of asset files (an alias of ``STORAGES``; S3 in production)."""
    return storages[settings.PIM_ASSET_STORAGE]


def revision_upload_to(instance, filename):
    # Content-addressed: the same bytes are stored once, whatever asset they belong to.
    return f"assets/{instance.sha256[:2]}/{instance.sha256}/{filename}"


def datasheet_upload_to(instance, filename):
    return f"datasheets/{instance.product_id}/{filename}"


class AssetQuerySet(models.QuerySet):
    def publicly_downloadable(self):
        """Assets anyone may download: public, valid from today or earlier, with a current
        file (or a video link), and linked to at least one product that the catalog says is
        publicly visible — directly, through its product model, or through a category that
        contains it (or a subcategory of it)."""
        from .visibility import downloadable_assets

        return downloadable_assets(self)

    def with_language(self, code: str):
        return self.filter(
            Q(languages=code)
            | Q(languages__startswith=f"{code},")
            | Q(languages__endswith=f",{code}")
            | Q(languages__contains=f",{code},")
        )


class Asset(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=AssetKind.choices, db_index=True)
    title = LocalizedTextField(_("title"))
    description = LocalizedTextField(_("description"), blank=True, multiline=True)
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_("Languages the document is in, comma-separated codes (empty: language-neutral)."),
    )
    public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Downloadable without login once a publicly visible product links to it."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    external_url = models.URLField(_("video URL"), blank=True)
    current_revision = models.ForeignKey(
        "AssetRevision",
        verbose_name=_("current revision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("Wagtail image"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Product images: renditions and focal point."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["-updated_at", "pk"]

    def __str__(self):
        return localize(self.title) or f"{self.get_kind_display()} {self.pk}"

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    @property
    def file_format(self):
        revision = self.current_revision
        return FORMATS.get(revision.file_format) if revision else None

    def is_currently_valid(self) -> bool:
        return self.valid_from is None or self.valid_from <= timezone.localdate()

    def download_filename(self, article_number: str = "") -> str:
        """The name a download is saved under: ``KH-001_ball-valve-model.step``."""
        from .filenames import ascii_article, download_slug

        revision = self.current_revision
        extension = ""
        if revision is not None:
            fmt = FORMATS.get(revision.file_format)
            extension = (fmt.extension if fmt and fmt.extension else revision.extension) or ""
        title = localize(self.title, "en") or str(self.get_kind_display())
        name = download_slug(title, extension=extension)
        return f"{ascii_article(article_number)}_{name}" if article_number else name


class AssetRevision(models.Model):
    """One uploaded file of an asset. Revisions are never overwritten."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    file = models.FileField(_("file"), upload_to=revision_upload_to, storage=asset_storage, max_length=255)
    original_filename = models.CharField(_("original file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=16, db_index=True)
    mime_type = models.CharField(_("content type"), max_length=100)
    size = models.BigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("asset revision")
        verbose_name_plural = _("asset revisions")
        ordering = ["asset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="asset_revision_number_unique")
        ]

    def __str__(self):
        return f"{self.asset} r{self.number}"

    @property
    def extension(self) -> str:
        name = self.original_filename
        return name.rsplit(".", 1)[-1].lower() if "." in name else ""

    @property
    def format_label(self) -> str:
        fmt = FORMATS.get(self.file_format)
        return str(fmt.label) if fmt else self.file_format

    @property
    def etag(self) -> str:
        return f'"{self.sha256[:32]}"'


class AssetLink(models.Model):
    """An asset attached to exactly one product, product model or category."""

    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="links")
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="asset_links",
    )
    product_model = models.ForeignKey(
        "catalog.ProductModel",
        verbose_name=_("product model"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="asset_links",
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="asset_links",
    )
    role = models.CharField(_("role"), max_length=16, choices=LinkRole.choices)
    sort_order = models.IntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("asset link")
        verbose_name_plural = _("asset links")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(product__isnull=False, product_model__isnull=True, category__isnull=True)
                    | Q(product__isnull=True, product_model__isnull=False, category__isnull=True)
                    | Q(product__isnull=True, product_model__isnull=True, category__isnull=False)
                ),
                name="asset_link_one_target",
            ),
            models.UniqueConstraint(
                fields=["asset", "product", "role"],
                condition=Q(product__isnull=False),
                name="asset_link_product_unique",
            ),
            models.UniqueConstraint(
                fields=["asset", "product_model", "role"],
                condition=Q(product_model__isnull=False),
                name="asset_link_model_unique",
            ),
            models.UniqueConstraint(
                fields=["asset", "category", "role"],
                condition=Q(category__isnull=False),
                name="asset_link_category_unique",
            ),
        ]

    def __str__(self):
        return f"{self.asset} → {self.target} ({self.get_role_display()})"

    @property
    def target(self):
        return self.product or self.product_model or self.category


class DownloadCount(models.Model):
    """Downloads per day, asset and product. Deliberately nothing about who downloaded:
    no IP address, no user agent, no session."""

    class Kind(models.TextChoices):
        ASSET = "asset", _("Asset")
        GENERATED_DATASHEET = "generated_datasheet", _("Generated datasheet")
        ARCHIVE = "archive", _("All documents (ZIP)")

    day = models.DateField(_("day"), db_index=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.ASSET)
    asset = models.ForeignKey(
        Asset,
        verbose_name=_("asset"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="downloads",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        verbose_name = _("download count")
        verbose_name_plural = _("download counts")
        indexes = [models.Index(fields=["asset", "day"], name="download_asset_day_idx")]

    def __str__(self):
        return f"{self.day} {self.asset_id or self.kind}: {self.count}"


class GeneratedDatasheet(models.Model):
    """The cached PDF datasheet of a product in one language; ``content_hash`` is the hash of
    the data it shows, so any change of that data makes it stale."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language"), max_length=8)
    content_hash = models.CharField(_("content hash"), max_length=64)
    file = models.FileField(upload_to=datasheet_upload_to, storage=asset_storage, max_length=255)
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("generated datasheet")
        verbose_name_plural = _("generated datasheets")
        constraints = [
            models.UniqueConstraint(fields=["product", "language"], name="generated_datasheet_unique")
        ]

    def __str__(self):
        return f"{self.product_id} {self.language} {self.content_hash[:8]}"


def import_upload_to(instance, filename):
    return f"bulk-imports/{timezone.now():%Y/%m}/{filename}"


class ImportJob(models.Model):
    """A bulk upload too large to import inside the admin request: the archive waits in
    storage, a background task (``manage.py db_worker``) imports it and keeps the report
    here, where the admin shows it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    source_name = models.CharField(_("file"), max_length=255)
    archive = models.FileField(
        _("archive"), upload_to=import_upload_to, storage=asset_storage, max_length=255, blank=True
    )
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    rule = models.CharField(_("naming rule"), max_length=255)
    dry_run = models.BooleanField(_("dry run"), default=False)
    revise_shared = models.BooleanField(_("revise shared assets"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("asset import job")
        verbose_name_plural = _("asset import jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.source_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
