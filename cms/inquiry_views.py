"""The request for quote: the form that sends the visitor's selection, and its confirmation page.

The inquiry page is never cached and uses Django's CSRF token (unlike the list buttons on
cached pages). Every POST counts against the client address's rate limit, every valid send
against the e-mail address's; a filled honeypot is refused without storing anything. The
rules live in ``pim.inquiries`` (forms, sending, abuse); this module only presents them.
"""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from pim.catalog.commercial import order_unit_label
from pim.inquiries import abuse
from pim.inquiries.forms import InquiryForm, note_field_name
from pim.inquiries.models import Inquiry
from pim.inquiries.selection import Selection
from pim.inquiries.sending import InquiryRefused, check_lines, send_selection

# The references of the inquiries this browser sent (newest last): only they have a
# confirmation page here, so a reference guessed or read elsewhere shows nothing.
SENT_SESSION_KEY = "pim.inquiries.sent"
SENT_KEPT = 10


def _sent_references(request) -> list[dict]:
    stored = request.session.get(SENT_SESSION_KEY)
    return [entry for entry in stored if isinstance(entry, dict)] if isinstance(stored, list) else []


def _remember_sent(request, reference: str, withdrawn: list[str]) -> None:
    kept = [entry for entry in _sent_references(request) if entry.get("reference") != reference]
    kept.append({"reference": reference, "withdrawn": withdrawn})
    request.session[SENT_SESSION_KEY] = kept[-SENT_KEPT:]


def _page(request, form, lines, *, status=200, **extra):
    selection = Selection(request.session)
    last_sent = _sent_references(request)
    line_problems = extra.pop("line_problems", None) or {
        line.id: problem for line in lines if (problem := line.quantity_problem())
    }
    context = {
        "form": form,
        "entries": [
            {"line": line, "note": form[note_field_name(line.id)], "problem": line_problems.get(line.id)}
            for line in lines
        ],
        "withdrawn": selection.withdrawn(),
        "last_sent": last_sent[-1]["reference"] if last_sent else "",
        "sales_email": settings.PIM_INQUIRY_EMAIL[0] if settings.PIM_INQUIRY_EMAIL else "",
        **extra,
    }
    return render(request, "cms/inquiry/inquiry_page.html", context, status=status)


def _limited(request, form, lines, retry_after: int):
    minutes = max(1, (retry_after + 59) // 60)
    response = _page(
        request,
        form,
        lines,
        status=429,
        refusal=ngettext(
            "Too many inquiries were sent from here in a short time. Please try again in %(minutes)s "
            "minute, or write to us by e-mail.",
            "Too many inquiries were sent from here in a short time. Please try again in %(minutes)s "
            "minutes, or write to us by e-mail.",
            minutes,
        )
        % {"minutes": minutes},
    )
    response["Retry-After"] = str(retry_after)
    return response


@never_cache
@csrf_protect
def inquiry(request):
    """The request for quote: the selection's lines with a note field each, the contact form
    and the consent; a valid send stores the inquiry and shows its confirmation page."""
    selection = Selection(request.session)
    lines = selection.lines()
    if request.method != "POST":
        return _page(request, InquiryForm(lines=lines), lines)

    form = InquiryForm(request.POST, lines=lines)
    retry = abuse.hit(
        "inquiry", "address", abuse.client_address(request), settings.PIM_INQUIRY_RATE_PER_ADDRESS
    )
    if retry is not None:
        return _limited(request, form, lines, retry)
    if request.POST.get(abuse.HONEYPOT_FIELD):
        # Neutral: a bot learns nothing about why; a person (an autofilling browser) can write.
        return _page(
            request,
            InquiryForm(lines=lines),
            lines,
            status=400,
            refusal=_("Your inquiry could not be sent. Please try again, or write to us by e-mail."),
        )
    if not form.is_valid():
        return _page(
            request,
            form,
            lines,
            status=400,
            refusal=_("Your inquiry was not sent yet. Correct the fields marked below."),
        )
    try:
        check_lines(lines)
    except InquiryRefused as refused:
        return _page(
            request, form, lines, status=400, refusal=refused.message, line_problems=refused.line_problems
        )
    retry = abuse.hit("inquiry", "email", form.cleaned_data["email"], settings.PIM_INQUIRY_RATE_PER_EMAIL)
    if retry is not None:
        return _limited(request, form, lines, retry)
    try:
        sent = send_selection(selection, form, language=translation.get_language() or settings.LANGUAGE_CODE)
    except InquiryRefused as refused:  # the selection changed since it was read above
        return _page(
            request, form, lines, status=400, refusal=refused.message, line_problems=refused.line_problems
        )
    _remember_sent(request, sent.inquiry.reference, sent.withdrawn)
    # 303: reloading the confirmation page must not post the form again.
    return HttpResponseRedirect(reverse("cms:inquiry_sent", args=[sent.inquiry.reference]), status=303)


@never_cache
def inquiry_sent(request, reference: str):
    """The confirmation of an inquiry sent from this browser (404 for any other reference)."""
    remembered = next(
        (entry for entry in _sent_references(request) if entry.get("reference") == reference), None
    )
    if remembered is None:
        raise Http404(_("No inquiry with this reference was sent from this browser."))
    inquiry = Inquiry.objects.filter(reference=reference).prefetch_related("lines").first()
    if inquiry is None:
        raise Http404(_("No inquiry with this reference was sent from this browser."))
    return render(
        request,
        "cms/inquiry/sent_page.html",
        {
            "inquiry": inquiry,
            "lines": [
                {"line": line, "unit": order_unit_label(line.order_unit) if line.order_unit else ""}
                for line in inquiry.lines.all()
            ],
            "withdrawn": remembered.get("withdrawn") or [],
        },
    )


urlpatterns = [
    path(gettext_lazy("inquiry/"), inquiry, name="inquiry"),
    path(gettext_lazy("inquiry/sent/<str:reference>/"), inquiry_sent, name="inquiry_sent"),
]
