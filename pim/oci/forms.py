"""The admin form of an OCI customer: the PASSWORD is typed, stored only as a hash."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import hook_url_parts


class OciCustomerForm(WagtailAdminModelForm):
    new_password = forms.CharField(
        label=_("PASSWORD"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "The PASSWORD the buyer's system sends in the entry call (at least 8 characters). It is stored "
            "hashed and cannot be shown again; leave empty to keep the current one."
        ),
    )

    def clean_new_password(self):
        password = self.cleaned_data["new_password"]
        if not password and not self.instance.password:
            raise ValidationError(_("A new OCI customer needs a PASSWORD."))
        if password and len(password) < 8:
            raise ValidationError(_("The PASSWORD must be at least 8 characters long."))
        return password

    def clean_hook_url_prefixes(self):
        text = self.cleaned_data["hook_url_prefixes"]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            raise ValidationError(_("Enter at least one allowed HOOK_URL prefix."))
        bad = [line for line in lines if hook_url_parts(line) is None]
        if bad:
            raise ValidationError(
                _("Not an http(s) URL with a host (and without user name or password): %(lines)s")
                % {"lines": ", ".join(bad)}
            )
        return "\n".join(lines)

    def save(self, commit=True):
        if self.cleaned_data.get("new_password"):
            self.instance.set_password(self.cleaned_data["new_password"])
        return super().save(commit=commit)
