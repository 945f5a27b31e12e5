"""Change notices: subscribe from a product or series page, confirm, unsubscribe, manage.

The "notify me" form sits on cached product and series pages, so it carries no CSRF token:
its endpoint is protected by :func:`cms.same_origin.same_origin_required` like the
comparison buttons. Every page after it is ``never_cache`` and ``noindex``. Pages reached
from a mail carry a signed token in the URL, which is the proof that the visitor reads that
mailbox: confirming and unsubscribing need no CSRF token (mail clients post RFC 8058
one-click unsubscribes without cookies), and GET never changes anything, because mail
scanners open every link of a message. Answers never say whether an address is subscribed.
The rules (what may be subscribed to, what a link allows) are in
:mod:`pim.inquiries.subscriptions`.
"""

import math

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from pim.catalog.models import Product, ProductModel
from pim.inquiries import subscriptions
from pim.inquiries.abuse import client_address, hit
from pim.inquiries.subscription_forms import TARGET_MAX, ManageRequestForm, SubscriptionForm

from .same_origin import same_origin_required

SUBSCRIBE_SCOPE = "subscribe"
MANAGE_SCOPE = "notice_manage"


def _wait_message(seconds: int, who: str) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if who == "email":
        text = ngettext(
            "Too many requests for this e-mail address. Please try again in %(minutes)s minute.",
            "Too many requests for this e-mail address. Please try again in %(minutes)s minutes.",
            minutes,
        )
    else:
        text = ngettext(
            "Too many requests from your network. Please try again in %(minutes)s minute.",
            "Too many requests from your network. Please try again in %(minutes)s minutes.",
            minutes,
        )
    return text % {"minutes": minutes}


def _limited(request, scope: str, email: str | None = None) -> int | None:
    """Count one request of ``scope`` by client address (or, with ``email``, by that address);
    the seconds to wait when over the limit."""
    if email is None:
        return hit(scope, "address", client_address(request), settings.PIM_INQUIRY_RATE_PER_ADDRESS)
    return hit(scope, "email", email, settings.PIM_INQUIRY_RATE_PER_EMAIL)


def _too_many(response, seconds: int):
    response.status_code = 429
    response["Retry-After"] = str(seconds)
    return response


def _message(request, title, text, *, status=200, link_url="", link_text="", details=()):
    """A short page that says what happened and where to go from here."""
    return render(
        request,
        "cms/notices/message.html",
        {"title": title, "text": text, "details": details, "link_url": link_url, "link_text": link_text},
        status=status,
    )


def _refused(request):
    # The honeypot was filled: people never see that field, so the answer need not help a bot.
    return _message(
        request,
        _("Request refused"),
        _("This request could not be accepted. If you are a person, reload the page and try again."),
        status=400,
    )


def _mail_failed(request):
    return _message(
        request,
        _("The e-mail could not be sent"),
        _(
            "Our mail server did not accept the message just now. Nothing was changed; please try again later."
        ),
        status=503,
    )


def _target_page(target) -> str:
    """The path of the target's public page in the current language, or "" without one."""
    if target is None or not subscriptions.is_public(target):
        return ""
    if isinstance(target, Product):
        return reverse("cms:product", kwargs={"article_number": target.article_number})
    return reverse("cms:series", kwargs={"code": target.code})


def _link_error(request, error: subscriptions.NoticeLinkError, *, again_url="", again_text=""):
    """An unusable link: 400 with the reason and a way to start again."""
    if not again_url:
        again_url = _target_page(error.target)
        if again_url:
            series = isinstance(error.target, ProductModel)
            again_text = (
                _("Subscribe again on the series page")
                if series
                else _("Subscribe again on the product page")
            )
    if not again_url:
        again_url, again_text = reverse("cms:catalog"), _("Go to the catalog")
    return _message(
        request,
        _("This link cannot be used"),
        str(error),
        status=400,
        link_url=again_url,
        link_text=again_text,
    )


# --- subscribe ----------------------------------------------------------------------------------------
def _subscribe_form_page(request, form, target, *, status, error=""):
    return render(
        request,
        "cms/notices/subscribe.html",
        {
            "form": form,
            "target": target,
            "target_name": subscriptions.target_name(target),
            "target_url": _target_page(target),
            "error": error,
        },
        status=status,
    )


@same_origin_required
@never_cache
def notice_subscribe(request):
    """The "notify me about changes" form of a product or series page: a pending subscription
    and the opt-in mail, or the form again with the problem at the field."""
    target = subscriptions.public_target(
        product=request.POST.get("product", "")[:TARGET_MAX],
        series=request.POST.get("series", "")[:TARGET_MAX],
    )
    form = SubscriptionForm(request.POST)
    wait = _limited(request, SUBSCRIBE_SCOPE)
    if form.is_trapped():
        return _refused(request)
    if target is None:
        return _message(
            request,
            _("Not available"),
            _("This product or series is not in the public catalog, so you cannot subscribe to its changes."),
            status=404,
            link_url=reverse("cms:catalog"),
            link_text=_("Go to the catalog"),
        )
    if wait is not None:
        page = _subscribe_form_page(request, form, target, status=429, error=_wait_message(wait, "address"))
        return _too_many(page, wait)
    if not form.is_valid():
        return _subscribe_form_page(request, form, target, status=400)
    email = form.cleaned_data["email"]
    wait = _limited(request, SUBSCRIBE_SCOPE, email)
    if wait is not None:
        form.add_error("email", _wait_message(wait, "email"))
        return _too_many(_subscribe_form_page(request, form, target, status=429), wait)
    try:
        subscriptions.subscribe(email, target, form.cleaned_data["kinds"], translation.get_language())
    except subscriptions.NoticeMailError:
        return _mail_failed(request)
    # The same answer whether or not the address was subscribed already (no enumeration).
    return _message(
        request,
        _("Check your inbox"),
        _(
            "We sent a confirmation link to %(email)s. Notices about %(target)s start once you "
            "open the link and confirm."
        )
        % {"email": email, "target": subscriptions.target_name(target)}
        + " "
        + subscriptions.link_lifetime(),
        details=[_("No e-mail? Look in your spam folder, or check the address and subscribe again.")],
        link_url=_target_page(target),
        link_text=_("Back to %(target)s") % {"target": subscriptions.target_name(target)},
    )


# --- confirm ------------------------------------------------------------------------------------------
def _summary(target, kinds) -> dict:
    return {
        "target_name": subscriptions.target_name(target),
        "target_url": _target_page(target),
        "kinds": subscriptions.kind_labels(kinds),
    }


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def notice_confirm(request, token):
    """The opt-in link: GET shows what would be confirmed with one button, POST confirms."""
    try:
        confirmation = subscriptions.read_confirmation(token)
        if request.method == "POST":
            outcome, subscription = subscriptions.confirm(token)
        elif confirmation.already_done:
            outcome, subscription = subscriptions.ALREADY_CONFIRMED, confirmation.subscription
        else:
            outcome = subscription = None
    except subscriptions.NoticeLinkError as error:
        return _link_error(request, error)
    if outcome is None:
        context = {"confirmation": confirmation, **_summary(confirmation.target, confirmation.kinds)}
        return render(request, "cms/notices/confirm.html", context)
    context = {
        "outcome": outcome,
        "email": subscription.email,
        "unsubscribe_url": reverse(
            "cms:notice_unsubscribe", kwargs={"token": subscriptions.unsubscribe_token(subscription)}
        ),
        "rhythm": subscriptions.digest_rhythm(),
        **_summary(subscriptions.target_of(subscription), subscription.kinds()),
    }
    return render(request, "cms/notices/confirmed.html", context)


# --- unsubscribe --------------------------------------------------------------------------------------
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def notice_unsubscribe(request, token):
    """The link of every notice: GET asks (one button), POST ends the subscription; the
    RFC 8058 one-click POST of mail clients is the same POST."""
    try:
        subscription = subscriptions.subscription_to_end(token)
        if request.method == "POST" and subscription is not None:
            subscriptions.unsubscribe(token)
            done = True
        else:
            done = False
    except subscriptions.NoticeLinkError as error:
        return _link_error(request, error)
    if subscription is None:
        return _message(
            request,
            _("You are not subscribed"),
            _("There are no notices to stop for this link: the subscription has already ended."),
            link_url=reverse("cms:notice_manage_request"),
            link_text=_("Manage your change notices"),
        )
    target = subscriptions.target_of(subscription)
    context = {
        "done": done,
        "email": subscription.email,
        "kinds": subscriptions.kind_labels(subscription.kinds()),
        "target_name": subscriptions.target_name(target) if subscriptions.is_public(target) else "",
        "target_url": _target_page(target),
    }
    return render(request, "cms/notices/unsubscribe.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def notice_unsubscribe_all(request, token):
    """The ``List-Unsubscribe`` link of a digest: GET asks, POST (the button or a mail client's
    RFC 8058 one-click) ends every subscription of the address."""
    try:
        email = subscriptions.email_to_unsubscribe(token)
    except subscriptions.NoticeLinkError as error:
        return _link_error(request, error)
    count = subscriptions.subscriptions_of(email).count()
    done = request.method == "POST" and count > 0
    if done:
        subscriptions.unsubscribe_all(email)
    if not count:
        return _message(
            request,
            _("You are not subscribed"),
            _("There are no notices to stop for this link: the subscription has already ended."),
            link_url=reverse("cms:notice_manage_request"),
            link_text=_("Manage your change notices"),
        )
    return render(request, "cms/notices/unsubscribe.html", {"done": done, "email": email, "all": count})


# --- manage -------------------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def notice_manage_request(request):
    """Ask for the link to the page that lists an address's subscriptions (mailed, never shown)."""
    form = ManageRequestForm(request.POST or None)
    if request.method != "POST":
        return render(request, "cms/notices/manage_request.html", {"form": form})
    wait = _limited(request, MANAGE_SCOPE)
    if form.is_trapped():
        return _refused(request)
    if wait is not None:
        page = render(
            request,
            "cms/notices/manage_request.html",
            {"form": form, "error": _wait_message(wait, "address")},
        )
        return _too_many(page, wait)
    if not form.is_valid():
        return render(request, "cms/notices/manage_request.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    wait = _limited(request, MANAGE_SCOPE, email)
    if wait is not None:
        form.add_error("email", _wait_message(wait, "email"))
        return _too_many(render(request, "cms/notices/manage_request.html", {"form": form}), wait)
    try:
        subscriptions.send_manage_link(email, translation.get_language())
    except subscriptions.NoticeMailError:
        return _mail_failed(request)
    # The same answer whether or not the address has subscriptions (no enumeration).
    return _message(
        request,
        _("Check your inbox"),
        _("If %(email)s has subscriptions to change notices, we sent it a link to manage them.")
        % {"email": email}
        + " "
        + subscriptions.link_lifetime(),
        details=[_("No e-mail? Look in your spam folder, or check the address and ask again.")],
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def notice_manage(request, token):
    """Every subscription of the address of a manage link, with remove buttons."""
    try:
        email = subscriptions.manage_email(token)
    except subscriptions.NoticeLinkError as error:
        return _link_error(
            request, error, again_url=reverse("cms:notice_manage_request"), again_text=_("Ask for a new link")
        )
    if request.method == "POST":
        if request.POST.get("remove_all"):
            removed = subscriptions.remove(
                email, subscriptions.subscriptions_of(email).values_list("pk", flat=True)
            )
        else:
            ids = [value for value in request.POST.getlist("remove") if value.isdigit()]
            removed = subscriptions.remove(email, [int(value) for value in ids])
        if removed:
            messages.success(
                request,
                ngettext("%(count)s subscription removed.", "%(count)s subscriptions removed.", removed)
                % {"count": removed},
            )
        return HttpResponseRedirect(request.path)
    rows = []
    for subscription in subscriptions.subscriptions_of(email):
        target = subscriptions.target_of(subscription)
        public = subscriptions.is_public(target)
        rows.append(
            {
                "subscription": subscription,
                "is_series": subscription.product_model_id is not None,
                "name": subscriptions.target_name(target) if public else "",
                "url": _target_page(target) if public else "",
                "kinds": subscriptions.kind_labels(subscription.kinds()),
            }
        )
    return render(request, "cms/notices/manage.html", {"email": email, "rows": rows})


urlpatterns = [
    path(gettext_lazy("notices/subscribe/"), notice_subscribe, name="notice_subscribe"),
    path(gettext_lazy("notices/confirm/<str:token>/"), notice_confirm, name="notice_confirm"),
    path(gettext_lazy("notices/unsubscribe/<str:token>/"), notice_unsubscribe, name="notice_unsubscribe"),
    path(
        gettext_lazy("notices/unsubscribe-all/<str:token>/"),
        notice_unsubscribe_all,
        name="notice_unsubscribe_all",
    ),
    path(gettext_lazy("notices/manage/"), notice_manage_request, name="notice_manage_request"),
    path(gettext_lazy("notices/manage/<str:token>/"), notice_manage, name="notice_manage"),
]
