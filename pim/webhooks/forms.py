"""The subscription form of the admin: event types as checkboxes, the URL checked against the
SSRF rule when saved, and resuming a paused subscription."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import delivery, events
from .addresses import resolve_target
from .models import EventType


class WebhookSubscriptionForm(WagtailAdminModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The events this endpoint receives."),
    )
    resume = forms.BooleanField(
        label=_("resume deliveries"),
        required=False,
        help_text=_(
            "Only for a paused subscription: lift the pause and send every delivery that waited, oldest first."
        ),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            resolve_target(url)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"].strip()
        if len(secret) < 16:
            raise ValidationError(_("The secret must be at least 16 characters long."))
        return secret

    def save(self, commit=True):
        subscription = super().save(commit=commit)
        if commit and self.cleaned_data.get("resume") and subscription.is_paused:
            with transaction.atomic():
                delivery.resume(subscription)
                events.schedule_drain_on_commit()
        return subscription
