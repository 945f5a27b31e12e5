"""Forms of the change-notice pages: "notify me about changes" and "send me the manage link".

Both carry the honeypot (:data:`pim.inquiries.abuse.HONEYPOT_FIELD`); a filled one is not a
validation error for people to fix but a refused request, so the view asks
:meth:`is_trapped` before anything else.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .abuse import HONEYPOT_FIELD
from .models import NoticeKind
from .subscriptions import normalize_email, offered_kinds

# The longest article number or series code the view looks up; longer input is not one.
TARGET_MAX = 200
DEFAULT_KINDS = [NoticeKind.LIFECYCLE.value, NoticeKind.DOCUMENTS.value]


class _TrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Named in abuse.py, so every public form sets the same trap.
        self.fields[HONEYPOT_FIELD] = forms.CharField(required=False, max_length=500)

    def is_trapped(self) -> bool:
        """Whether a bot filled the field people never see."""
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


def _email_field():
    return forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address; the link is sent there."),
            "invalid": _("Enter a complete e-mail address, such as name@example.com."),
            "max_length": _("This e-mail address is too long (at most 254 characters)."),
        },
    )


class SubscriptionForm(_TrapForm):
    """The "notify me about changes" form: the address and the kinds. What it is about (the
    hidden ``product`` or ``series`` field) the view looks up first with
    :func:`~pim.inquiries.subscriptions.public_target`: an unknown target is no mistake for
    the visitor to correct at a field."""

    email = _email_field()
    kinds = forms.MultipleChoiceField(
        label=_("Notify me about"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one kind of change to be notified about."),
            "invalid_choice": _("“%(value)s” is not a kind of change you can subscribe to."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(NoticeKind.choices)
        self.fields["kinds"].choices = [(kind, labels[kind]) for kind in offered_kinds()]
        self.fields["kinds"].initial = DEFAULT_KINDS

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class ManageRequestForm(_TrapForm):
    """The "send me a link to manage my change notices" form."""

    email = _email_field()

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])
