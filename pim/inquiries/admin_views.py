"""The sales team's inbox in the Wagtail admin: the list of inquiries with filters and search,
one inquiry with its lines (contact data read-only; status and assignee editable), exports
for the ERP, and the overdue panel of the dashboard.

What the visitor sent is never edited here: the edit form has only status and assignee, and
nobody adds inquiries in the admin (they come from the public form).
"""

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.permission_policies import ModelPermissionPolicy

from pim.catalog.commercial import order_unit_label
from pim.catalog.models import Product

from . import exporting
from .models import Inquiry, InquiryLine, InquiryStatus
from .reminders import is_overdue, overdue_condition, overdue_inquiries

# -- permissions ------------------------------------------------------------------------------


class InquiryPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions on inquiries (view, change, delete), except that nobody adds
    one in the admin: an inquiry is what a visitor sent, nothing else."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([action for action in actions if action != "add"])


inquiry_permission_policy = InquiryPermissionPolicy(Inquiry)


def may_view_inquiries(user) -> bool:
    """Whether ``user`` may open the inbox (view, change or delete permission)."""
    return inquiry_permission_policy.user_has_any_permission(user, ["view", "change", "delete"])


def assignable_users(inquiry: Inquiry | None = None):
    """Active users who may work on inquiries (change permission, or superusers), plus the
    inquiry's current assignee so that the form keeps it even after they lost the permission."""
    users = Q(pk__in=inquiry_permission_policy.users_with_permission("change").values("pk"))
    if inquiry is not None and inquiry.assignee_id:
        users |= Q(pk=inquiry.assignee_id)
    return get_user_model().objects.filter(users).order_by("first_name", "last_name", "username")


# -- list ---------------------------------------------------------------------------------------

ASSIGNED_TO_ME = "me"
UNASSIGNED = "none"


class InquiryFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=InquiryStatus.choices,
        widget=forms.RadioSelect,
        empty_label=gettext_lazy("All"),
    )
    assignee = django_filters.ChoiceFilter(
        label=gettext_lazy("Assignee"), method="filter_assignee", choices=[], empty_label=gettext_lazy("All")
    )
    country = django_filters.ChoiceFilter(
        label=gettext_lazy("Country"), choices=[], empty_label=gettext_lazy("All")
    )
    received = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Received"), field_name="created_at", widget=DateRangePickerWidget
    )
    overdue = django_filters.BooleanFilter(
        label=gettext_lazy("Overdue"), method="filter_overdue", widget=BooleanRadioSelect
    )

    class Meta:
        model = Inquiry
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = [(str(user.pk), get_user_display_name(user)) for user in assignable_users()]
        self.filters["assignee"].extra["choices"] = [
            (ASSIGNED_TO_ME, _("Assigned to me")),
            (UNASSIGNED, _("Unassigned")),
            *people,
        ]
        codes = Inquiry.objects.order_by().values_list("country", flat=True).distinct()
        self.filters["country"].extra["choices"] = sorted(
            ((code, countries.name(code) or code) for code in codes), key=lambda choice: str(choice[1])
        )

    def filter_assignee(self, queryset, name, value):
        if value == ASSIGNED_TO_ME:
            return queryset.filter(assignee=self.request.user)
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))  # one of the offered choices

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_condition()) if value else queryset.exclude(overdue_condition())


class StatusColumn(Column):
    """The status, and an "Overdue" tag on inquiries still new after the response time."""

    cell_template_name = "inquiries/admin/status_cell.html"


class InquiryIndexView(generic.IndexView):
    search_fields = ["reference", "company", "name", "email", "lines__article_number"]

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("assignee")
            .annotate(
                line_count=Count("lines"),
                overdue=Case(
                    When(overdue_condition(), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                ),
            )
        )

    def search_queryset(self, queryset):
        # The lines' article numbers through a subquery: a join would repeat an inquiry once per
        # matching line and multiply its line count.
        if not self.is_searching:
            return queryset
        text = self.search_query.strip()
        lines = InquiryLine.objects.filter(article_number__icontains=text).values("inquiry_id")
        return queryset.filter(
            Q(reference__icontains=text)
            | Q(company__icontains=text)
            | Q(name__icontains=text)
            | Q(email__icontains=text)
            | Q(pk__in=lines)
        )

    @cached_property
    def columns(self):
        return [
            self._get_title_column("reference"),
            DateColumn("created_at", label=_("Received"), sort_key="created_at"),
            Column("company", label=_("Company"), sort_key="company"),
            Column("name", label=_("Name"), sort_key="name"),
            Column(
                "country",
                label=_("Country"),
                accessor=lambda inquiry: inquiry.country.name,
                sort_key="country",
            ),
            Column("line_count", label=_("Lines"), sort_key="line_count"),
            StatusColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            UserColumn("assignee", label=_("Assignee"), blank_display_name=_("Unassigned")),
        ]


# -- one inquiry ----------------------------------------------------------------------------------


class InquiryForm(WagtailAdminModelForm):
    """Status and assignee: all the sales team changes on an inquiry."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = assignable_users(self.instance)
            self.fields["assignee"].label_from_instance = get_user_display_name
            self.fields["assignee"].empty_label = _("Unassigned")


def _quantity(value) -> str:
    return number_format(exporting.plain_quantity(value), use_l10n=True)


def inquiry_context(inquiry: Inquiry, user) -> dict:
    """What the inquiry page shows besides the form: the customer, the lines with links to
    the products that still exist, the consent, the mails sent and the export links."""
    lines = list(inquiry.lines.select_related("product").order_by("position"))
    product_ids = [line.product_id for line in lines if line.product_id]
    public_ids = set(
        Product.objects.publicly_visible().filter(pk__in=product_ids).values_list("pk", flat=True)
    )
    may_edit_products = user.has_perm("catalog.change_product")
    language = translation.get_language()
    unit_labels = {}
    rows = []
    for line in lines:
        if line.order_unit and line.order_unit not in unit_labels:
            unit_labels[line.order_unit] = order_unit_label(line.order_unit, language)
        product = line.product
        rows.append(
            {
                "line": line,
                "quantity": _quantity(line.quantity),
                "unit": unit_labels.get(line.order_unit, ""),
                "admin_url": (
                    reverse("wagtailsnippets_catalog_product:edit", args=[product.pk])
                    if product is not None and may_edit_products
                    else ""
                ),
                "public_url": _public_url(product)
                if product is not None and product.pk in public_ids
                else "",
                # The product was renumbered since: sales quote what was asked, and see what it is now.
                "current_number": (
                    product.article_number
                    if product is not None and product.article_number != line.article_number
                    else ""
                ),
            }
        )
    return {
        "inquiry": inquiry,
        "lines": rows,
        "overdue": is_overdue(inquiry),
        "language_name": dict(settings.LANGUAGES).get(inquiry.language, inquiry.language),
        "mails": [
            (_("Confirmation to the visitor"), inquiry.visitor_mail_sent_at),
            (_("Sales team notified"), inquiry.sales_mail_sent_at),
            (_("Reminder (overdue)"), inquiry.reminder_sent_at),
        ],
        "csv_url": reverse("inquiries:export_csv", args=[inquiry.pk]),
        "xlsx_url": reverse("inquiries:export_xlsx", args=[inquiry.pk]),
    }


def _public_url(product: Product) -> str:
    try:
        return reverse("cms:product", args=[product.article_number])
    except NoReverseMatch:  # an article number the public URL pattern cannot carry
        return ""


class InquiryContextMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(inquiry_context(self.object, self.request.user))
        return context


class InquiryEditView(InquiryContextMixin, generic.EditView):
    def get_success_url(self):
        # Back to the inquiry: the next step (a quote, a call) starts from it.
        return self.get_edit_url()


class InquiryInspectView(InquiryContextMixin, generic.InspectView):
    """The same page without the form, for users who may only view inquiries."""


def export_inquiry(request, pk, file_format):
    """One inquiry as CSV or XLSX for the ERP (see :mod:`pim.inquiries.exporting`)."""
    if not may_view_inquiries(request.user):
        raise PermissionDenied
    inquiry = get_object_or_404(Inquiry, pk=pk)
    if file_format == "xlsx":
        data, content_type = exporting.inquiry_xlsx(inquiry), exporting.XLSX_CONTENT_TYPE
    else:
        data, content_type = exporting.inquiry_csv(inquiry), exporting.CSV_CONTENT_TYPE
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, exporting.filename(inquiry, file_format)
    )
    add_never_cache_headers(response)  # customer data: no copies in shared caches
    return response


# -- viewset and menu -----------------------------------------------------------------------------


class InquiryMenuItem(MenuItem):
    """The "Inquiries" item of the sidebar with the number of new ones; only for users who may see them."""

    def is_shown(self, request):
        return may_view_inquiries(request.user)

    def render_component(self, request):
        label = self.label
        count = Inquiry.objects.filter(status=InquiryStatus.NEW).count()
        if count:
            # Wagtail's sidebar has no count badge for links, so the count goes into the label.
            label = _("%(label)s (%(count)s new)") % {"label": self.label, "count": count}
        return LinkMenuItem(
            self.name, label, self.url, icon_name=self.icon_name, classname=self.classname, attrs=self.attrs
        )


class InquiryViewSet(ModelViewSet):
    model = Inquiry
    icon = "mail"
    menu_label = gettext_lazy("Inquiries")
    menu_name = "inquiries"
    menu_order = 240
    add_to_admin_menu = True
    template_prefix = "inquiries/admin/"
    index_view_class = InquiryIndexView
    edit_view_class = InquiryEditView
    inspect_view_class = InquiryInspectView
    inspect_view_enabled = True
    inspect_view_fields = ["reference"]
    copy_view_enabled = False
    # Customer requests are not "usages" of products: keep them out of the reference index.
    add_to_reference_index = False
    filterset_class = InquiryFilterSet
    ordering = "-created_at"
    list_per_page = 50
    edit_handler = ObjectList(
        [FieldRowPanel([FieldPanel("status"), FieldPanel("assignee")])], base_form_class=InquiryForm
    )

    @cached_property
    def menu_item_class(self):
        return InquiryMenuItem

    def get_permissions_to_register(self):
        # The group editor offers view, change and delete: "add" would grant nothing.
        return super().get_permissions_to_register().exclude(codename="add_inquiry")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("export/<int:pk>/csv/", export_inquiry, {"file_format": "csv"}, name="export_csv"),
            path("export/<int:pk>/xlsx/", export_inquiry, {"file_format": "xlsx"}, name="export_xlsx"),
        ]


inquiry_viewset = InquiryViewSet("inquiries", url_prefix="inquiries")


# -- dashboard ----------------------------------------------------------------------------------


class OverdueInquiriesPanel(Component):
    """Dashboard panel: how many inquiries wait past the response time, and the oldest few."""

    name = "overdue_inquiries"
    template_name = "inquiries/admin/dashboard_panel.html"
    order = 50  # above Wagtail's own panels: an answer to a customer comes first
    shown = 5

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        request = parent_context["request"]
        overdue = overdue_inquiries().select_related("assignee")
        may_change = inquiry_permission_policy.user_has_permission(request.user, "change")
        oldest = [
            (
                inquiry,
                reverse("inquiries:edit" if may_change else "inquiries:inspect", args=[inquiry.pk]),
            )
            for inquiry in overdue[: self.shown]
        ]
        context.update(
            {
                "count": overdue.count() if len(oldest) == self.shown else len(oldest),
                "oldest": oldest,
                "now": timezone.now(),
                "list_url": reverse("inquiries:index") + "?overdue=true",
                "hours": f"{settings.PIM_INQUIRY_RESPONSE_HOURS:g}",
            }
        )
        return context
