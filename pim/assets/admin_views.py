"""The asset library in the Wagtail admin: listing with filters and thumbnails, create/edit
with revisions and links, bulk upload, and the download statistics with a chart."""

import django_filters
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError, TooManyFilesSent
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn, UpdatedAtColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from .bulk import ImportReport, import_assets
from .charts import daily_bar_chart
from .delivery import StoredFile, protect, serve
from .formats import FORMATS
from .forms import AssetForm, BulkUploadForm, language_choices
from .models import Asset, AssetKind, AssetRevision, DownloadCount, ImportJob
from .previews import thumbnail
from .services import restore_revision
from .stats import asset_totals, daily_totals, top_assets
from .validation import spooled_copy


class AssetFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Kind"), choices=AssetKind.choices)
    file_format = django_filters.ChoiceFilter(
        label=gettext_lazy("Format"),
        field_name="current_revision__file_format",
        choices=[(code, fmt.label) for code, fmt in FORMATS.items()],
    )
    language = django_filters.ChoiceFilter(
        label=gettext_lazy("Language"), method="filter_language", choices=[]
    )
    linked = django_filters.ChoiceFilter(
        label=gettext_lazy("Linked"),
        method="filter_linked",
        choices=[("yes", gettext_lazy("Linked")), ("no", gettext_lazy("Unlinked"))],
    )
    public = django_filters.BooleanFilter(label=gettext_lazy("Public"))

    class Meta:
        model = Asset
        fields = ["kind", "file_format", "language", "linked", "public"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["language"].extra["choices"] = language_choices()

    def filter_language(self, queryset, name, value):
        return queryset.with_language(value) if value else queryset

    def filter_linked(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(links__isnull=False).distinct()
        if value == "no":
            return queryset.filter(links__isnull=True)
        return queryset


class ThumbnailColumn(Column):
    cell_template_name = "assets/admin/thumbnail_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        revision = instance.current_revision
        context["thumbnail_url"] = (
            reverse("assets_admin:thumbnail", args=[revision.pk])
            if revision is not None and revision.file_format in ("png", "jpeg", "webp", "pdf", "svg")
            else ""
        )
        context["format_code"] = revision.file_format if revision else instance.kind
        return context


class AssetIndexView(generic.IndexView):
    filterset_class = AssetFilterSet
    search_fields = ["title", "links__product__article_number", "current_revision__original_filename"]
    default_ordering = "-updated_at"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("current_revision")
            .annotate(link_count=Count("links", distinct=True))
        )

    def search_queryset(self, queryset):
        return super().search_queryset(queryset).distinct()

    @property
    def columns(self):
        return [
            ThumbnailColumn("thumbnail", label=_("Preview")),
            TitleColumn(
                "title",
                label=_("Title"),
                accessor=lambda asset: str(asset),
                get_url=lambda asset: self.get_edit_url(asset),
            ),
            Column("kind", label=_("Kind"), accessor="get_kind_display", sort_key="kind"),
            Column(
                "format",
                label=_("Format"),
                accessor=lambda a: a.current_revision.format_label if a.current_revision else "—",
            ),
            Column("languages", label=_("Languages"), accessor=lambda a: ", ".join(a.language_list) or "—"),
            Column("link_count", label=_("Links"), sort_key="link_count"),
            Column(
                "revision",
                label=_("Revision"),
                accessor=lambda a: a.current_revision.number if a.current_revision else "—",
            ),
            BooleanColumn("public", label=_("Public"), sort_key="public"),
            UpdatedAtColumn(),
        ]


def unreadable_upload_message(exc: Exception) -> str:
    """What to tell a person whose upload Django could not parse. Django caps the headers of
    each uploaded part at 1 KB, so a file name of several hundred characters ends here."""
    if "header size" in str(exc):
        return _(
            "The upload was refused because the file name is too long (the name and type of one "
            "file may take at most 1 KB). Rename the file to a shorter name and upload it again."
        )
    return _("The upload could not be read (%(error)s). Upload the file again.") % {"error": exc}


class UnreadableUploadMixin:
    """Re-show the form with a clear message instead of Django's bare 400 page when the
    multipart body cannot be parsed (e.g. a file name of 1,000 characters)."""

    unreadable_upload = None

    def setup(self, request, *args, **kwargs):
        # Wagtail's views read request.POST in setup(); parse it first. After a failed parse
        # Django leaves POST and FILES empty, so the rest of the view runs normally.
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parses the body
            except (MultiPartParserError, TooManyFilesSent) as exc:
                self.unreadable_upload = exc
        super().setup(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.unreadable_upload is not None:
            messages.error(request, unreadable_upload_message(self.unreadable_upload))
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)


class AssetCreateView(UnreadableUploadMixin, generic.CreateView):
    def save_instance(self):
        return self.form.save(user=self.request.user)

    def get_success_message(self, instance):
        if self.form.duplicate_of is not None:
            return " ".join(self.form.notes)
        return super().get_success_message(instance)


class AssetEditView(UnreadableUploadMixin, generic.EditView):
    template_name = "assets/admin/edit.html"

    def save_instance(self):
        return self.form.save(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset = self.object
        links = asset.links.select_related("product", "product_model", "category")
        downloads = asset.downloads.aggregate(total=Sum("count"))["total"] or 0
        revision = asset.current_revision
        context.update(
            {
                "revisions": asset.revisions.select_related("created_by").order_by("-number"),
                "asset_links": links,
                "download_total": downloads,
                "thumbnail_url": reverse("assets_admin:thumbnail", args=[revision.pk]) if revision else "",
                "public_url": _public_url(asset),
            }
        )
        return context


def _public_url(asset):
    from .downloads import asset_url

    if asset.current_revision is None:
        return ""
    return asset_url(asset) if Asset.objects.publicly_downloadable().filter(pk=asset.pk).exists() else ""


class AssetViewSet(ModelViewSet):
    model = Asset
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("Assets")
    menu_order = 250
    add_to_admin_menu = False
    index_view_class = AssetIndexView
    add_view_class = AssetCreateView
    edit_view_class = AssetEditView
    inspect_view_enabled = False
    copy_view_enabled = False
    list_per_page = 50

    def get_form_class(self, for_update=False):
        return AssetForm


asset_viewset = AssetViewSet("asset_library")


def _can_view(request):
    if not request.user.has_perm("assets.view_asset") and not request.user.has_perm("assets.change_asset"):
        raise PermissionDenied


def revision_thumbnail(request, revision_id: int):
    _can_view(request)
    revision = get_object_or_404(AssetRevision, pk=revision_id)
    if revision.file_format == "svg":
        return _serve_revision(request, revision, inline=True)
    data = thumbnail(revision)
    if data is None:
        raise Http404
    response = protect(HttpResponse(data, content_type="image/png"))
    response["Cache-Control"] = "private, max-age=86400"
    return response


def _serve_revision(request, revision, *, inline=False):
    stored = StoredFile(
        storage=revision.file.storage,
        name=revision.file.name,
        size=revision.size,
        etag=revision.etag,
        last_modified=revision.created_at,
        content_type=revision.mime_type,
        filename=revision.original_filename,
    )
    response = serve(request, stored, inline=inline, mode="django")
    response["Cache-Control"] = "private, max-age=0"
    return response


def revision_download(request, revision_id: int):
    """Any revision, current or earlier, for editors (never counted as a public download)."""
    _can_view(request)
    return _serve_revision(request, get_object_or_404(AssetRevision, pk=revision_id))


@require_POST
@permission_required("assets.change_asset", raise_exception=True)
def revision_restore(request, revision_id: int):
    revision = get_object_or_404(AssetRevision.objects.select_related("asset"), pk=revision_id)
    try:
        new = restore_revision(revision.asset, revision, user=request.user)
    except ValidationError as exc:
        # An earlier revision stored before a check existed (e.g. a PDF with JavaScript)
        # is validated again and may be refused: say why instead of a server error.
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("asset_library:edit", args=[revision.asset_id]))
    messages.success(
        request,
        _("Revision %(old)s is current again (as revision %(new)s).")
        % {"old": revision.number, "new": new.number},
    )
    return redirect(reverse("asset_library:edit", args=[revision.asset_id]))


def inline_import_bytes() -> int:
    return settings.PIM_ASSET_INLINE_IMPORT_MB * 1024 * 1024


@permission_required("assets.add_asset", raise_exception=True)
def bulk_upload(request):
    """Small archives are imported in the request and the report shown at once; larger
    ones (``PIM_ASSET_INLINE_IMPORT_MB``) become an :class:`ImportJob` for the task worker,
    so no request spends minutes unpacking."""
    report = None
    form = None
    if request.method == "POST":
        try:
            request.POST  # noqa: B018 - parses the body
        except (MultiPartParserError, TooManyFilesSent) as exc:
            messages.error(request, unreadable_upload_message(exc))
            form = BulkUploadForm()
    if request.method == "POST" and form is None:
        form = BulkUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["archive"]
            options = {
                "rule": form.cleaned_data["rule"],
                "dry_run": form.cleaned_data["dry_run"],
                "revise_shared": form.cleaned_data["revise_shared"],
            }
            if upload.size > inline_import_bytes():
                job = _queue_import(upload, request.user, **options)
                messages.success(
                    request,
                    _("%(file)s is imported in the background; this page shows the report when it is done.")
                    % {"file": upload.name},
                )
                return redirect(reverse("assets_admin:import_job", args=[job.pk]))
            report = ImportReport(source=upload.name, dry_run=options["dry_run"])
            try:
                import_assets(spooled_copy(upload), user=request.user, report=report, **options)
            except ValueError as exc:
                form.add_error("archive", str(exc))
                report = None
    elif form is None:
        form = BulkUploadForm()
    return TemplateResponse(
        request,
        "assets/admin/bulk_upload.html",
        {
            "form": form,
            "report": report,
            "jobs": ImportJob.objects.all()[:10],
            "inline_limit_mb": settings.PIM_ASSET_INLINE_IMPORT_MB,
            "page_title": _("Bulk upload of assets"),
        },
    )


def _queue_import(upload, user, *, rule, dry_run, revise_shared) -> ImportJob:
    from .filenames import safe_filename
    from .tasks import run_import_job

    job = ImportJob(
        source_name=upload.name[:255],
        size=upload.size,
        rule=rule[:255],
        dry_run=dry_run,
        revise_shared=revise_shared,
        created_by=user,
    )
    job.archive.save(safe_filename(upload.name, extension="zip"), upload, save=False)
    job.save()
    # After the commit: a worker must find the job row when it picks the task up.
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


@permission_required("assets.add_asset", raise_exception=True)
def import_job(request, job_id: int):
    """A background import: its status while it runs (the page refreshes itself), then its
    report."""
    job = get_object_or_404(ImportJob, pk=job_id)
    report = ImportReport.from_dict(job.report) if job.report else None
    return TemplateResponse(
        request,
        "assets/admin/import_job.html",
        {"job": job, "report": report, "page_title": _("Asset import: %(file)s") % {"file": job.source_name}},
    )


CAD_KINDS = [AssetKind.CAD_3D, AssetKind.CAD_2D]
DATASHEET_KINDS = [AssetKind.DATASHEET]


@permission_required("assets.view_asset", raise_exception=True)
def download_statistics(request):
    try:
        days = max(7, min(int(request.GET.get("days", 30)), 365))
    except ValueError:
        days = 30
    series = daily_totals(days)
    cad_series = daily_totals(days, kinds=CAD_KINDS)
    generated = (
        DownloadCount.objects.filter(kind=DownloadCount.Kind.GENERATED_DATASHEET, product__isnull=False)
        .values("product__article_number")
        .annotate(total=Sum("count"))
        .order_by("-total")[:10]
    )
    top_cad = top_assets(kinds=CAD_KINDS, days=days)
    top_sheets = top_assets(kinds=DATASHEET_KINDS, days=days)
    totals = asset_totals([a.pk for a, _n in top_cad + top_sheets])
    context = {
        "page_title": _("Downloads"),
        "days": days,
        "chart_all": daily_bar_chart(series, title=_("Downloads per day, with the 7-day average")),
        "chart_cad": daily_bar_chart(cad_series, title=_("CAD downloads per day")),
        "total": sum(v for _d, v in series),
        "cad_total": sum(v for _d, v in cad_series),
        "top_cad": [(asset, count, totals.get(asset.pk, count)) for asset, count in top_cad],
        "top_sheets": top_sheets,
        "generated": generated,
        "day_choices": [7, 30, 90, 365],
        "unlinked": Asset.objects.filter(links__isnull=True).count(),
        "not_public": Asset.objects.filter(~Q(public=True)).count(),
        "base_url": settings.PIM_PUBLIC_BASE_URL,
    }
    return TemplateResponse(request, "assets/admin/statistics.html", context)
