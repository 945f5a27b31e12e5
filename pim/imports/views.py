"""Admin screens of imports: upload and dry run, the job page (progress, diff, problems, the
commit), the history, the error file; mappings are a Wagtail model viewset.

Only users who may change products import (``catalog.change_product``). Files up to
``PIM_IMPORT_INLINE_ROWS`` rows are checked and imported in the request; larger ones by the
task worker, while the job page refreshes itself (a meta refresh: the admin's CSP allows no
script of ours to be needed)."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.views.generic import CreateView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.base import BasePermissionPolicy

from pim.assets.filenames import safe_filename
from pim.catalog.models import Product
from pim.exports.layout import packing_unit_base, parse_header

from .forms import DRAFT_RULE, CommitForm, ImportMappingForm, UploadForm
from .jobs import (
    RUNNING,
    estimated_rows,
    inline_rows_limit,
    live_progress,
    reap_dead_jobs,
    run_job,
    source_columns,
)
from .models import ImportFinding, ImportJob, ImportMapping, ImportStatus
from .tasks import queue_check, queue_commit
from .widgets import UNIT_OF

PERMISSION = "catalog.change_product"
PAGE_SIZE = 50
PROBLEM_KINDS = [ImportFinding.Kind.ERROR, ImportFinding.Kind.WARNING]
CHANGE_KINDS = [ImportFinding.Kind.CREATE, ImportFinding.Kind.UPDATE]


def can_import(user) -> bool:
    """Whoever may change products may import them."""
    return user.is_active and user.has_perm(PERMISSION)


@permission_required(PERMISSION, raise_exception=True)
def upload(request):
    """Upload a file; it is checked at once (small files) or by the worker (large ones)."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload_file = data["file"]
        job = ImportJob(
            original_name=upload_file.name[:255],
            source_format=data["source_format"],
            mapping=data["mapping"],
            user=request.user,
            encoding=data["encoding"],
            delimiter=data["delimiter"],
            sheet=data["sheet"],
            skip_invalid=data["skip_invalid"],
            publish=data["publish"],
        )
        job.file.save(safe_filename(upload_file.name), upload_file, save=False)
        job.save()
        rows = estimated_rows(job)
        if rows is not None and rows <= inline_rows_limit():
            run_job(job, commit=False)
        else:
            queue_check(job)
            messages.success(
                request,
                _("%(file)s is checked in the background; this page follows its progress.")
                % {"file": job.original_name},
            )
        return redirect("imports_admin:job", job.pk)
    return TemplateResponse(
        request,
        "imports/admin/upload.html",
        {
            "page_title": _("Import products"),
            "form": form,
            "inline_rows": inline_rows_limit(),
            "recent": ImportJob.objects.select_related("user")[:5],
            "draft_rule": DRAFT_RULE,
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def job_index(request):
    """The history of imports: file, user, mapping, counts, status, date."""
    reap_dead_jobs()
    jobs = ImportJob.objects.select_related("user", "mapping").order_by("-created_at", "-pk")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("p"))
    return TemplateResponse(
        request, "imports/admin/job_index.html", {"page_title": _("Imports"), "page": page}
    )


@permission_required(PERMISSION, raise_exception=True)
def job_detail(request, pk):
    """A job: status and progress while it runs, then counts, the changes and the problems
    (each paged), the commit form after a dry run, the error file."""
    reap_dead_jobs()
    job = get_object_or_404(ImportJob.objects.select_related("user", "mapping"), pk=pk)
    rows_done, heartbeat = live_progress(job)
    findings = job.findings.all()
    problem_kind = request.GET.get("kind") if request.GET.get("kind") in PROBLEM_KINDS else ""
    problems = findings.filter(kind=problem_kind) if problem_kind else findings.filter(kind__in=PROBLEM_KINDS)
    changes = findings.filter(kind__in=CHANGE_KINDS)
    problem_page = Paginator(problems, PAGE_SIZE).get_page(request.GET.get("pp"))
    in_progress = job.status in (ImportStatus.QUEUED, *RUNNING)
    percent = None
    if job.rows_total:
        percent = min(100, round(100 * rows_done / job.rows_total))
    return TemplateResponse(
        request,
        "imports/admin/job_detail.html",
        {
            "page_title": _("Import of %(file)s") % {"file": job.original_name},
            "job": job,
            "rows_done": rows_done,
            "heartbeat": heartbeat,
            "percent": percent,
            "in_progress": in_progress,
            "problems": problem_page,
            # Sheets are named in workbooks, lines in XML: columns only where the file has them.
            "show_sheet": any(f.sheet for f in problem_page),
            "show_line": any(f.line is not None for f in problem_page),
            "problem_kind": problem_kind,
            "changes": Paginator(changes, PAGE_SIZE).get_page(request.GET.get("cp")),
            "commit_form": CommitForm(initial={"skip_invalid": job.skip_invalid, "publish": job.publish})
            if job.status == ImportStatus.CHECKED
            else None,
            "can_commit": job.status == ImportStatus.CHECKED,
        },
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def job_commit(request, pk):
    """Import a checked job: inline when small, else by the worker. Only a job whose dry run
    finished can be imported, and only with the confirmation ticked."""
    job = get_object_or_404(ImportJob, pk=pk)
    if job.status != ImportStatus.CHECKED:
        messages.error(
            request,
            _("Only a checked file can be imported; this one is “%(status)s”.")
            % {"status": job.get_status_display()},
        )
        return redirect("imports_admin:job", job.pk)
    form = CommitForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("imports_admin:job", job.pk)
    job.skip_invalid = form.cleaned_data["skip_invalid"]
    job.publish = form.cleaned_data["publish"]
    job.save(update_fields=["skip_invalid", "publish"])
    if job.rows_total is not None and job.rows_total <= inline_rows_limit():
        run_job(job, commit=True)
    else:
        queue_commit(job)
        messages.success(request, _("%(file)s is imported in the background.") % {"file": job.original_name})
    return redirect("imports_admin:job", job.pk)


@permission_required(PERMISSION, raise_exception=True)
def job_error_file(request, pk):
    """The rejected rows of a job, with an error column, to fix and import again."""
    job = get_object_or_404(ImportJob, pk=pk)
    if not job.error_file:
        raise Http404(_("This import has no error file."))
    try:
        handle = job.error_file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The error file of this import is no longer kept.")) from None
    return FileResponse(handle, as_attachment=True, filename=job.error_file.name.rsplit("/", 1)[-1])


# -- mappings --------------------------------------------------------------------------------


class ProductEditorsPolicy(BasePermissionPolicy):
    """Mappings are edited by whoever may import, that is change products."""

    def user_has_permission(self, user, action):
        return can_import(user)

    def user_has_any_permission(self, user, actions):
        return can_import(user)

    def users_with_any_permission(self, actions):
        return ModelPermissionPolicy(Product).users_with_permission("change")


class MappingCreateView(CreateView):
    """``?from_job=<id>``: a new mapping starts from the columns of that job's file, each with
    the target the reader gave it ("ignore" where it understood none), to be corrected."""

    def get_initial_form_instance(self):
        job_id = self.request.GET.get("from_job", "")
        job = ImportJob.objects.filter(pk=job_id).first() if job_id.isdigit() else None
        if job is None:
            return super().get_initial_form_instance()
        return ImportMapping(
            name=PurePath(job.original_name).stem[:100],
            source_format=job.source_format,
            columns=prefilled_columns(source_columns(job)),
        )


def prefilled_columns(understood: list[tuple[str, str]]) -> dict:
    """The mapping columns of a file as the reader understood it (``(header, target)`` pairs,
    "" when ignored), in the mapping's own grammar: the unit in a header (``max_pressure
    [psi]``) becomes the row's unit, since a mapped header is no longer read for it, and the
    reader's unit columns (``nominal_size unit``) name the header whose unit they give."""
    understood = [(header, target) for header, target in understood if header]
    header_of = {target: header for header, target in understood if target}
    columns = {}
    for header, target in understood:
        if target.startswith(UNIT_OF):
            measured = target.removeprefix(UNIT_OF)
            kind, _sep, rest = measured.partition(":")
            if kind == "packing_unit":
                number, _sep, name = rest.partition(":")
                measured = f"field:{packing_unit_base(int(number), name)}" if number.isdigit() else ""
            other = header_of.get(measured)
            columns[header] = {"target": f"{UNIT_OF}{other}" if other else "ignore"}
            continue
        columns[header] = {"target": target or "ignore"}
        if not target.startswith(("localized:", "ignore")):
            try:
                unit = parse_header(header).unit
            except ValueError:
                unit = ""
            if unit:
                columns[header]["unit"] = unit
    return columns


class ImportMappingViewSet(ModelViewSet):
    model = ImportMapping
    add_view_class = MappingCreateView
    icon = "table"
    menu_label = gettext_lazy("Mappings")
    add_to_admin_menu = False
    list_display = ["name", "supplier", "source_format", "updated_at"]
    list_filter = ["source_format"]
    search_fields = ["name", "supplier"]

    def get_form_class(self, for_update=False):
        return ImportMappingForm


mapping_viewset = ImportMappingViewSet("import_mappings")
