"""API tokens in the Wagtail admin (Settings › API tokens): issue (the secret is shown once),
list, revoke. Viewing needs ``api.view_apitoken``, issuing ``api.add_apitoken``, revoking
``api.change_apitoken`` (superusers have all)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .models import ApiToken, TokenScope


class IssueTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Who uses this token, e.g. “ERP sync” or “Shop DE”."),
    )
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=TokenScope.choices)
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        help_text=gettext_lazy("Writes made with the token are attributed to this user. Empty: you."),
    )


@permission_required("api.view_apitoken")
def token_index(request):
    form = IssueTokenForm(request.POST or None)
    issued = None
    if request.method == "POST":
        if not request.user.has_perm("api.add_apitoken"):
            raise PermissionDenied
        if form.is_valid():
            token, secret = ApiToken.issue(
                name=form.cleaned_data["name"],
                owner=form.cleaned_data["owner"] or request.user,
                scope=form.cleaned_data["scope"],
            )
            issued = {
                "token": token,
                "secret": secret,
                "base_url": request.build_absolute_uri(reverse("api:product-list")),
            }
            form = IssueTokenForm()
    return TemplateResponse(
        request,
        "api/admin/token_index.html",
        {
            "page_title": _("API tokens"),
            "tokens": ApiToken.objects.select_related("owner").order_by("revoked_at", "name", "-created_at"),
            "form": form,
            "issued": issued,
            "can_issue": request.user.has_perm("api.add_apitoken"),
            "can_revoke": request.user.has_perm("api.change_apitoken"),
        },
    )


@require_POST
@permission_required("api.change_apitoken")
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    if token.active:
        token.revoke()
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api_admin:tokens")
