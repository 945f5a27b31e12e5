"""Admin screens of exports: channels (snippet editor), runs with progress and history,
receiver tokens, and the completeness dashboard."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Avg
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.snippets.views.snippets import SnippetViewSet

from pim.catalog.models import Product

from .charts import percent_bars
from .completeness import missing_by_requirement, schedule_channel_recompute, summary_by_family
from .models import (
    Channel,
    ExportFormat,
    ExportRun,
    ProductCompleteness,
    ReceiverToken,
    RunStatus,
    RunTrigger,
)
from .runs import reap_dead_runs
from .scheduling import queue_run

# -- channels ------------------------------------------------------------------------------


class ChannelViewSet(SnippetViewSet):
    model = Channel
    icon = "upload"
    menu_label = gettext_lazy("Channels")
    add_to_admin_menu = False
    list_display = ["name", "code", "format", "active", "schedule"]
    list_filter = ["format", "active"]
    search_fields = ["name", "code"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("name"), FieldPanel("code")]),
                    FieldRowPanel([FieldPanel("format"), FieldPanel("active"), FieldPanel("schedule")]),
                    MultiFieldPanel(
                        [
                            FieldPanel("categories"),
                            FieldPanel("families"),
                            FieldRowPanel([FieldPanel("lifecycles"), FieldPanel("min_completeness")]),
                        ],
                        heading=gettext_lazy("Which products"),
                    ),
                ],
                heading=gettext_lazy("Channel"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("languages"), FieldPanel("currency")]),
                    FieldRowPanel(
                        [
                            FieldPanel("feature_system"),
                            FieldPanel("feature_system_version"),
                            FieldPanel("include_other_attributes"),
                        ]
                    ),
                    FieldPanel("media_base_url"),
                    InlinePanel(
                        "channel_attributes",
                        heading=gettext_lazy("Attributes (empty: all of each family)"),
                        label=gettext_lazy("Attribute"),
                    ),
                ],
                heading=gettext_lazy("Content"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("catalog_id"), FieldPanel("catalog_name")]),
                    FieldRowPanel(
                        [
                            FieldPanel("supplier_name"),
                            FieldPanel("supplier_id"),
                            FieldPanel("supplier_id_type"),
                        ]
                    ),
                    FieldRowPanel(
                        [FieldPanel("buyer_name"), FieldPanel("buyer_id"), FieldPanel("territory")]
                    ),
                ],
                heading=gettext_lazy("BMEcat"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("csv_delimiter"), FieldPanel("csv_bom")]),
                    FieldRowPanel([FieldPanel("number_format"), FieldPanel("unit_placement")]),
                    FieldPanel("tabular_layout"),
                ],
                heading=gettext_lazy("CSV and Excel"),
            ),
            ObjectList(
                [
                    InlinePanel(
                        "requirements",
                        heading=gettext_lazy("What a product needs to be complete for this channel"),
                        label=gettext_lazy("Requirement"),
                        panels=[
                            FieldRowPanel([FieldPanel("family"), FieldPanel("kind")]),
                            FieldRowPanel(
                                [FieldPanel("attribute"), FieldPanel("field"), FieldPanel("asset_kind")]
                            ),
                        ],
                    )
                ],
                heading=gettext_lazy("Completeness"),
            ),
        ]
    )


# -- runs ------------------------------------------------------------------------------------


class StartRunForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=ExportFormat.choices)


@permission_required("exports.view_exportrun")
def run_index(request):
    reap_dead_runs()  # the list shows dead runs as failed, not as running forever
    runs = ExportRun.objects.select_related("channel", "started_by").order_by("-queued_at", "-pk")
    channel = None
    if request.GET.get("channel"):
        channel = get_object_or_404(Channel, code=request.GET["channel"])
        runs = runs.filter(channel=channel)
    page = Paginator(runs, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "exports/admin/run_index.html",
        {"page_title": _("Export runs"), "page": page, "channel": channel, "channels": Channel.objects.all()},
    )


@permission_required("exports.view_exportrun")
def run_detail(request, pk):
    reap_dead_runs()
    run = get_object_or_404(ExportRun.objects.select_related("channel", "started_by", "receiver"), pk=pk)
    issues = run.issues.all()[:500]
    return TemplateResponse(
        request,
        "exports/admin/run_detail.html",
        {
            "page_title": _("Export run #%(run)s") % {"run": run.pk},
            "run": run,
            "issues": issues,
            "in_progress": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
            "file_exists": bool(run.file_path() and run.file_path().exists()),
        },
    )


@permission_required("exports.view_exportrun")
def run_download(request, pk):
    run = get_object_or_404(ExportRun, pk=pk)
    path = run.file_path()
    if path is None or not path.exists():
        raise Http404(_("The file of this run is no longer kept."))
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)  # noqa: SIM115


@permission_required("exports.add_exportrun")
def run_start(request, channel_pk):
    channel = get_object_or_404(Channel, pk=channel_pk)
    form = StartRunForm(request.POST or None, initial={"format": channel.format})
    if request.method == "POST" and form.is_valid():
        run = queue_run(
            channel, user=request.user, trigger=RunTrigger.ADMIN, format=form.cleaned_data["format"]
        )
        messages.success(request, _("Export of %(channel)s queued.") % {"channel": channel})
        return redirect("exports_admin:run_detail", run.pk)
    return TemplateResponse(
        request,
        "exports/admin/run_start.html",
        {
            "page_title": _("Export %(channel)s") % {"channel": channel},
            "channel": channel,
            "form": form,
            "last_runs": channel.runs.order_by("-queued_at")[:5],
        },
    )


# -- tokens ----------------------------------------------------------------------------------


class IssueTokenForm(forms.Form):
    channel = forms.ModelChoiceField(label=gettext_lazy("Channel"), queryset=Channel.objects.all())
    receiver = forms.CharField(label=gettext_lazy("Receiver"), max_length=100)


def pull_url(request, channel) -> str:
    return request.build_absolute_uri(reverse("exports:pull", args=[channel.code]))


@permission_required("exports.view_receivertoken")
def token_index(request):
    form = IssueTokenForm(request.POST or None)
    issued = None
    if request.method == "POST":
        if not request.user.has_perm("exports.add_receivertoken"):
            raise Http404
        if form.is_valid():
            row, secret = ReceiverToken.issue(
                form.cleaned_data["channel"], form.cleaned_data["receiver"], user=request.user
            )
            issued = {"token": row, "secret": secret, "url": pull_url(request, row.channel)}
            form = IssueTokenForm()
    tokens = ReceiverToken.objects.select_related("channel").order_by(
        "channel__code", "receiver", "-created_at"
    )
    return TemplateResponse(
        request,
        "exports/admin/token_index.html",
        {
            "page_title": _("Receiver tokens"),
            "tokens": tokens,
            "form": form,
            "issued": issued,
        },
    )


@require_POST
@permission_required("exports.change_receivertoken")
def token_revoke(request, pk):
    token = get_object_or_404(ReceiverToken, pk=pk)
    if token.active:
        token.revoke()
        messages.success(request, _("The token of %(receiver)s is revoked.") % {"receiver": token.receiver})
    return redirect("exports_admin:tokens")


# -- completeness ----------------------------------------------------------------------------


@permission_required("exports.view_channel")
def completeness_dashboard(request):
    channels = list(Channel.objects.filter(active=True))
    if not channels:
        return TemplateResponse(
            request, "exports/admin/completeness.html", {"page_title": _("Completeness"), "channels": []}
        )
    channel = next((c for c in channels if c.code == request.GET.get("channel")), channels[0])
    language = request.GET.get("language")
    if language not in channel.language_list:
        language = channel.language_list[0]
    if request.method == "POST" and request.user.has_perm("exports.change_channel"):
        schedule_channel_recompute(channel.pk)
        messages.success(
            request, _("Completeness of %(channel)s is being recomputed.") % {"channel": channel}
        )
        return redirect(f"{reverse('exports_admin:completeness')}?channel={channel.code}&language={language}")

    families = list(summary_by_family(channel, language))
    family_chart = percent_bars(
        [
            (
                row["product__family__code"],
                row["average"] or 0,
                100 * row["complete"] / row["products"] if row["products"] else 0,
            )
            for row in families
        ],
        title=_("Average completeness per family (inner bar: share of complete products)"),
    )
    channel_rows = []
    for other in channels:
        average = ProductCompleteness.objects.filter(channel=other).aggregate(value=Avg("score"))["value"]
        channel_rows.append((other.name, average or 0))
    channel_chart = percent_bars(channel_rows, title=_("Average completeness per channel (all languages)"))
    missing = missing_by_requirement(channel, language)
    missing_chart = percent_bars(
        missing,
        title=_("Most often missing (products)"),
        maximum=max([count for _label, count in missing] or [1]),
        suffix="",
    )
    incomplete = (
        ProductCompleteness.objects.filter(channel=channel, language=language, score__lt=100)
        .select_related("product")
        .order_by("score", "product__article_number_key")
    )
    page = Paginator(incomplete, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "exports/admin/completeness.html",
        {
            "page_title": _("Completeness"),
            "channels": channels,
            "channel": channel,
            "language": language,
            "families": families,
            "family_chart": family_chart,
            "channel_chart": channel_chart,
            "missing_chart": missing_chart,
            "page": page,
            "languages": channel.language_list,
        },
    )


@permission_required("exports.view_channel")
def product_completeness(request, product_pk):
    product = get_object_or_404(Product, pk=product_pk)
    rows = (
        ProductCompleteness.objects.filter(product=product)
        .select_related("channel")
        .order_by("channel__code", "language")
    )
    return TemplateResponse(
        request,
        "exports/admin/product_completeness.html",
        {
            "page_title": _("Completeness of %(product)s") % {"product": product.article_number},
            "product": product,
            "rows": rows,
            "edit_url": reverse("wagtailsnippets_catalog_product:edit", args=[product.pk]),
        },
    )
