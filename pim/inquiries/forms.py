"""The request-for-quote form: the visitor's contact data, a note per selection line, consent.

Every limit is the model's (``pim.inquiries.models.inquiry``): longer input gets a message at
the field, never a silent cut. The honeypot field (``abuse.HONEYPOT_FIELD``) is part of the
form so that it renders with the others; the view refuses a filled one before validation.
"""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .abuse import HONEYPOT_FIELD
from .models.inquiry import (
    COMPANY_MAX,
    EMAIL_MAX,
    LINE_NOTE_MAX,
    MESSAGE_MAX,
    NAME_MAX,
    PHONE_MAX,
    Inquiry,
)

# The wording the visitor agrees to; its translation at the time of sending is stored with
# the inquiry (``Inquiry.consent_text``).
CONSENT_TEXT = _(
    "I agree that the data in this form are stored and processed to answer my inquiry and to "
    "prepare a quote. I can withdraw this consent at any time by e-mail; the data are then deleted "
    "unless they must be kept by law."
)
# A date further ahead is almost certainly a typing error (2062 for 2026).
DELIVERY_DATE_MAX_YEARS = 5
_PHONE = re.compile(r"^[0-9+()./\- ]*$")


def note_field_name(line_id: str) -> str:
    return f"note-{line_id}"


class InquiryForm(forms.Form):
    """Contact data and one optional note per line of ``lines`` (the selection's lines)."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    company = forms.CharField(label=_("Company"), max_length=COMPANY_MAX)
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=EMAIL_MAX,
        help_text=_("The confirmation and our quote go to this address."),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=PHONE_MAX,
        required=False,
        help_text=_("With the country code, e.g. +49 711 123456."),
    )
    country = Inquiry._meta.get_field("country").formfield(label=_("Country"))
    requested_delivery_date = forms.DateField(
        label=_("Requested delivery date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"],
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, e.g. 2026-03-31.")},
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Application, operating conditions, delivery address or anything else we should know."),
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={
            "required": _("Without your consent we cannot process the inquiry. Tick the box to send it.")
        },
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        # Bots fill it, people never see it (hidden in the template and by CSS).
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )
        for line in self.lines:
            name = note_field_name(line.id)
            label = line.product.article_number if line.product is not None else line.requirement[:60]
            self.fields[name] = forms.CharField(
                label=_("Note on %(line)s (optional)") % {"line": label},
                max_length=LINE_NOTE_MAX,
                required=False,
                initial=line.note,
            )

    def note_fields(self):
        """Each line with its bound note field, in selection order."""
        return [(line, self[note_field_name(line.id)]) for line in self.lines]

    def honeypot(self):
        """The bound honeypot field (for the template)."""
        return self[HONEYPOT_FIELD]

    def _single_line(self, name):
        value = self.cleaned_data[name]
        if "\n" in value or "\r" in value:
            raise forms.ValidationError(_("Enter this on one line."))
        return value

    def clean_name(self):
        return self._single_line("name")

    def clean_company(self):
        return self._single_line("company")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not _PHONE.match(phone) or (phone and sum(char.isdigit() for char in phone) < 5):
            raise forms.ValidationError(
                _("Enter a phone number with digits, spaces and + - / ( ) only, e.g. +49 711 123456.")
            )
        return phone

    def clean_requested_delivery_date(self):
        date = self.cleaned_data["requested_delivery_date"]
        if date is None:
            return None
        today = timezone.localdate()
        if date < today:
            raise forms.ValidationError(
                _(
                    "The delivery date %(date)s is in the past. Enter today or a later date, or leave it empty."
                ),
                params={"date": date.isoformat()},
            )
        if date > today + datetime.timedelta(days=366 * DELIVERY_DATE_MAX_YEARS):
            raise forms.ValidationError(
                _("The delivery date %(date)s is more than %(years)s years ahead. Check the year."),
                params={"date": date.isoformat(), "years": DELIVERY_DATE_MAX_YEARS},
            )
        return date

    def notes(self) -> dict[str, str]:
        """The cleaned note of each line, by line id."""
        return {line.id: self.cleaned_data.get(note_field_name(line.id), "").strip() for line in self.lines}
