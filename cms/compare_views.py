"""The comparison (``/compare/``) and the selection (``/selection/``) pages, and the small
POST endpoints that change a visitor's lists.

The buttons that post to the endpoints sit on cached public pages, so they carry no CSRF
token: :func:`cms.same_origin.same_origin_required` refuses requests from other sites
instead. The lists live in the Django session; the first change creates the session cookie,
after which that visitor's pages bypass the shared page cache (cms.page_cache). Without
JavaScript the endpoints redirect back (``next``, same-site paths only); ``visitor.js`` posts
with ``Accept: application/json`` and gets the new count to show in the header.
"""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from pim.catalog.commercial import order_unit_label
from pim.catalog.units import unit_system
from pim.inquiries.bulk import MAX_TEXT_CHARS, MAX_UPLOAD_BYTES, BulkError, add_many
from pim.inquiries.models.inquiry import LINE_NOTE_MAX, REQUIREMENT_MAX
from pim.inquiries.selection import CUSTOM_UNITS, MAX_LINES, Selection, SelectionError

from .comparison import (
    MAX_PRODUCTS,
    ComparisonError,
    ComparisonFull,
    ComparisonList,
    build_comparison,
    comparison_csv,
    load_products,
    public_product,
    share_url,
)
from .same_origin import same_origin_required


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _next_url(request, default: str) -> str:
    """Where to go back to: the ``next`` path if it is on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _answer(request, *, ok: bool, list_name: str, count: int, message: str, list_url: str, status=200):
    """JSON for visitor.js, else a redirect back (errors go to the list page with a message)."""
    if _wants_json(request):
        return JsonResponse(
            {"ok": ok, "list": list_name, "count": count, "message": message, "url": list_url},
            status=status,
        )
    if not ok:
        messages.error(request, message)
        return HttpResponseRedirect(list_url)
    return HttpResponseRedirect(_next_url(request, list_url))


# --- comparison ---------------------------------------------------------------------------------------
@never_cache
def compare(request):
    """The comparison: ``?p=<article>`` (repeatable) compares exactly those public products (the
    shareable URL); without ``p`` the visitor's own list. ``diff=1`` shows only the rows that
    differ, ``units=imperial`` converts, ``format=csv`` downloads the table."""
    shared = request.GET.getlist("p")
    session_list = ComparisonList(request.session)
    if shared:
        products, missing = load_products(shared)
        too_many = len({number for number in shared if number.strip()}) > MAX_PRODUCTS
    else:
        products, missing = load_products(session_list.keys())
        missing, too_many = [], False  # the visitor's own list just drops withdrawn products
    system = unit_system(request.GET.get("units"))
    comparison = build_comparison(products, missing=missing, system=system)
    only_differences = request.GET.get("diff") == "1"
    groups = comparison.only_differences() if only_differences else comparison.groups

    if request.GET.get("format") == "csv":
        if only_differences:
            comparison.groups = groups
        response = HttpResponse(
            comparison_csv(comparison, request.build_absolute_uri), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="comparison.csv"'
        return response

    pending = None
    if request.GET.get("full") and not shared:
        pending = public_product(request.GET["full"])
        if pending is not None and pending in session_list:
            pending = None

    def link(**changes):
        params = [(key, value) for key, values in request.GET.lists() for value in values]
        params = [
            (key, value) for key, value in params if key not in changes and key not in ("format", "full")
        ]
        params += [(key, value) for key, value in changes.items() if value]
        return f"{request.path}?{urlencode(params)}" if params else request.path

    share = share_url([item.product for item in comparison.products])
    if shared:
        # Removing a product from a shared comparison is a link to the URL without it.
        for item in comparison.products:
            others = [other.product.article_number for other in comparison.products if other is not item]
            item.remove_url = share_url_from_numbers(others)
    return render(
        request,
        "cms/compare_page.html",
        {
            "comparison": comparison,
            "groups": groups,
            "shared": bool(shared),
            "too_many": too_many,
            "max_products": MAX_PRODUCTS,
            "only_differences": only_differences,
            "imperial": system == "imperial",
            "pending": pending,
            "share_url": request.build_absolute_uri(share) if comparison.products else "",
            "all_rows_url": link(diff=""),
            "differences_url": link(diff="1"),
            "metric_url": link(units=""),
            "imperial_url": link(units="imperial"),
            "csv_url": link(format="csv"),
            "column_count": len(comparison.products) + 1,
        },
    )


def share_url_from_numbers(numbers) -> str:
    base = reverse("cms:compare")
    return f"{base}?{urlencode([('p', number) for number in numbers])}" if numbers else base


@same_origin_required
def compare_add(request):
    """Add ``article`` to the visitor's comparison (``replace``: the article that gives up its
    place when the list is full)."""
    comparison = ComparisonList(request.session)
    compare_url = reverse("cms:compare")
    article = request.POST.get("article", "")
    try:
        product = comparison.add(article, replace=request.POST.get("replace", ""))
    except ComparisonFull as full:
        url = f"{compare_url}?{urlencode({'full': full.product.article_number})}"
        return _answer(
            request, ok=False, list_name="comparison", count=comparison.count(), message=str(full),
            list_url=url, status=409,
        )  # fmt: skip
    except ComparisonError as error:
        return _answer(
            request, ok=False, list_name="comparison", count=comparison.count(), message=str(error),
            list_url=compare_url, status=400,
        )  # fmt: skip
    count = comparison.count()
    message = _("%(number)s is in your comparison (%(count)s of %(max)s).") % {
        "number": product.article_number,
        "count": count,
        "max": MAX_PRODUCTS,
    }
    return _answer(
        request, ok=True, list_name="comparison", count=count, message=message, list_url=compare_url
    )


@same_origin_required
def compare_remove(request):
    comparison = ComparisonList(request.session)
    comparison.remove(request.POST.get("article", ""))
    compare_url = reverse("cms:compare")
    return _answer(
        request, ok=True, list_name="comparison", count=comparison.count(), message=_("Removed."),
        list_url=compare_url,
    )  # fmt: skip


@same_origin_required
def compare_keep(request):
    """Make a shared comparison (``p`` articles) the visitor's own list."""
    comparison = ComparisonList(request.session)
    products, _missing = load_products(request.POST.getlist("p"))
    comparison.clear()
    for product in products:
        comparison.add(product.article_number)
    compare_url = reverse("cms:compare")
    return _answer(
        request, ok=True, list_name="comparison", count=len(products),
        message=_("These products are now your comparison."), list_url=compare_url,
    )  # fmt: skip


@same_origin_required
def compare_clear(request):
    ComparisonList(request.session).clear()
    compare_url = reverse("cms:compare")
    return _answer(
        request, ok=True, list_name="comparison", count=0, message=_("Your comparison is empty."),
        list_url=compare_url,
    )  # fmt: skip


# --- selection ----------------------------------------------------------------------------------------
def _selection_page(request, *, status=200, **extra):
    """The selection page; POST handlers that show field errors or a bulk report render it too."""
    chosen = Selection(request.session)
    lines = [{"line": line, "problem": line.quantity_problem()} for line in chosen.lines()]
    context = {
        "lines": lines,
        "withdrawn": chosen.withdrawn(),
        "has_problems": any(entry["problem"] for entry in lines),
        "custom_units": [(code, order_unit_label(code)) for code in CUSTOM_UNITS],
        "bulk_max_lines": MAX_LINES,
        "bulk_max_chars": MAX_TEXT_CHARS,
        "bulk_max_kb": MAX_UPLOAD_BYTES // 1024,
        "requirement_max": REQUIREMENT_MAX,
        "note_max": LINE_NOTE_MAX,
        "requirement_form": {"requirement": "", "quantity": "1", "unit": "C62", "note": ""},
        # The header's count reads the session only when the request brought a cookie; a POST
        # that just created the session would show 0.
        "selection_count": len(lines),
        **extra,
    }
    return render(request, "cms/selection_page.html", context, status=status)


@never_cache
def selection(request):
    """The visitor's selection: public products and custom requirements with quantities, kept
    for an inquiry; quantities that cannot be ordered are marked at their line."""
    return _selection_page(request)


@same_origin_required
def selection_add(request):
    chosen = Selection(request.session)
    selection_url = reverse("cms:selection")
    quantity = request.POST.get("quantity") or None
    try:
        line = chosen.add(request.POST.get("article", ""), quantity)
    except SelectionError as error:
        return _answer(
            request, ok=False, list_name="selection", count=chosen.count(), message=str(error),
            list_url=selection_url, status=400,
        )  # fmt: skip
    message = _("%(number)s is in your selection.") % {"number": line.product.article_number}
    return _answer(
        request, ok=True, list_name="selection", count=chosen.count(), message=message, list_url=selection_url
    )


@same_origin_required
def selection_update(request):
    """Change one line (``line`` id, or ``article``): its quantity, note and, for a custom
    requirement, its description and unit; fields not posted stay as they are."""
    chosen = Selection(request.session)
    selection_url = reverse("cms:selection")
    line = request.POST.get("line") or request.POST.get("article", "")
    label = request.POST.get("article") or _("The custom requirement")
    try:
        chosen.update(
            line,
            quantity=request.POST.get("quantity"),
            note=request.POST.get("note"),
            requirement=request.POST.get("requirement"),
            unit=request.POST.get("unit"),
        )
    except SelectionError as error:
        return _answer(
            request, ok=False, list_name="selection", count=chosen.count(),
            message=_("%(number)s: %(error)s") % {"number": label, "error": error},
            list_url=selection_url, status=400,
        )  # fmt: skip
    return _answer(
        request, ok=True, list_name="selection", count=chosen.count(),
        message=_("%(number)s is updated.") % {"number": label}, list_url=selection_url,
    )  # fmt: skip


@same_origin_required
def selection_remove(request):
    chosen = Selection(request.session)
    chosen.remove(request.POST.get("line") or request.POST.get("article", ""))
    selection_url = reverse("cms:selection")
    return _answer(
        request, ok=True, list_name="selection", count=chosen.count(), message=_("Removed."),
        list_url=selection_url,
    )  # fmt: skip


@same_origin_required
def selection_clear(request):
    Selection(request.session).clear()
    selection_url = reverse("cms:selection")
    return _answer(
        request, ok=True, list_name="selection", count=0, message=_("Your selection is empty."),
        list_url=selection_url,
    )  # fmt: skip


@same_origin_required
def selection_add_many(request):
    """“Add many”: a pasted list (``articles``) and/or a CSV file (``file``). The page comes
    back with what was added and every line that was not, the latter left in the box to
    correct; a list over the limits is refused as a whole (400, nothing added)."""
    text = request.POST.get("articles", "")
    upload = request.FILES.get("file")
    try:
        result = add_many(Selection(request.session), text=text, upload=upload)
    except BulkError as error:
        return _selection_page(request, status=400, bulk_error=str(error), bulk_text=text[:MAX_TEXT_CHARS])
    status = 400 if result.problems and not result.added else 200
    return _selection_page(request, status=status, bulk_result=result, bulk_text=result.rejected_text())


@same_origin_required
def selection_add_requirement(request):
    """Add a free-text requirement for a product that is not in the catalog; a refused one
    comes back with the message at the form and the text kept."""
    chosen = Selection(request.session)
    posted = {name: request.POST.get(name, "") for name in ("requirement", "quantity", "unit", "note")}
    try:
        chosen.add_requirement(posted["requirement"], posted["quantity"], posted["unit"], posted["note"])
    except SelectionError as error:
        if _wants_json(request):
            return JsonResponse(
                {"ok": False, "list": "selection", "count": chosen.count(), "message": str(error)}, status=400
            )
        return _selection_page(
            request,
            status=400,
            requirement_error=str(error),
            requirement_form={**posted, "requirement": posted["requirement"][: 2 * REQUIREMENT_MAX]},
        )
    return _answer(
        request, ok=True, list_name="selection", count=chosen.count(),
        message=_("Your requirement is in the selection."), list_url=reverse("cms:selection"),
    )  # fmt: skip


urlpatterns = [
    path(gettext_lazy("compare/"), compare, name="compare"),
    path(gettext_lazy("compare/add/"), compare_add, name="compare_add"),
    path(gettext_lazy("compare/remove/"), compare_remove, name="compare_remove"),
    path(gettext_lazy("compare/keep/"), compare_keep, name="compare_keep"),
    path(gettext_lazy("compare/clear/"), compare_clear, name="compare_clear"),
    path(gettext_lazy("selection/"), selection, name="selection"),
    path(gettext_lazy("selection/add/"), selection_add, name="selection_add"),
    path(gettext_lazy("selection/update/"), selection_update, name="selection_update"),
    path(gettext_lazy("selection/remove/"), selection_remove, name="selection_remove"),
    path(gettext_lazy("selection/clear/"), selection_clear, name="selection_clear"),
    path(gettext_lazy("selection/add-many/"), selection_add_many, name="selection_add_many"),
    path(
        gettext_lazy("selection/add-requirement/"),
        selection_add_requirement,
        name="selection_add_requirement",
    ),
]
