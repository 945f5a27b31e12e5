"""Abuse of the inquiry form: rate limits per client address and per e-mail address (429 with
Retry-After), the honeypot, CSRF, oversize and malformed input. Every refusal stores nothing
and sends nothing; bad input gets a message at its field, never a 500."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from pim.inquiries.models import Inquiry
from pim.inquiries.models.inquiry import COMPANY_MAX, LINE_NOTE_MAX, MESSAGE_MAX, NAME_MAX, PHONE_MAX
from pim.inquiries.selection import Selection
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_INQUIRY_RATE_PER_ADDRESS = 10
    settings.PIM_INQUIRY_RATE_PER_EMAIL = 5
    settings.PIM_INQUIRY_RATE_WINDOW_SECONDS = 3600


@pytest.fixture
def product():
    return make_product(make_valve_family(), article_number="KH-1")


def select(client):
    client.post("/selection/add/", {"article": "KH-1"}, headers={"origin": SITE})


def valid(**changes):
    data = {
        "name": "Erika Muster",
        "company": "Muster Hydraulik GmbH",
        "email": "erika@muster.example",
        "country": "DE",
        "consent": "on",
    }
    data.update(changes)
    return data


def field_error(page, field_id):
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


def test_rapid_submissions_from_one_address_are_limited(client, product):
    statuses = []
    for number in range(100):
        select(client)  # adding is not limited; each send empties the selection
        response = client.post(
            "/inquiry/", valid(email=f"buyer{number}@example.com"), REMOTE_ADDR="203.0.113.7"
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [303] * 10
    assert statuses[10:] == [429] * 90
    assert Inquiry.objects.count() == 10
    limited = client.post("/inquiry/", valid(email="late@example.com"), REMOTE_ADDR="203.0.113.7")
    assert 0 < int(limited["Retry-After"]) <= 3600
    assert "Too many inquiries were sent from here in a short time" in limited.content.decode()
    # Another address is not affected.
    select(client)
    assert (
        client.post("/inquiry/", valid(email="other@example.com"), REMOTE_ADDR="198.51.100.1").status_code
        == 303
    )


def test_one_email_address_is_limited_across_addresses(client, product):
    for number in range(5):
        select(client)
        response = client.post("/inquiry/", valid(), REMOTE_ADDR=f"198.51.100.{number + 1}")
        assert response.status_code == 303
    select(client)
    response = client.post("/inquiry/", valid(email="ERIKA@muster.example"), REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 429 and response["Retry-After"]
    assert Inquiry.objects.count() == 5
    assert Selection(client.session).count() == 1  # kept for a later try


def test_the_honeypot_refuses_without_storing(client, product):
    select(client)
    response = client.post("/inquiry/", valid(website="http://spam.example"))
    assert response.status_code == 400
    assert "Your inquiry could not be sent" in response.content.decode()
    assert Inquiry.objects.count() == 0 and mail.outbox == []
    assert Selection(client.session).count() == 1


def test_csrf_token_is_required(product):
    client = Client(enforce_csrf_checks=True)
    select(client)
    assert client.post("/inquiry/", valid()).status_code == 403
    page = client.get("/inquiry/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post("/inquiry/", valid(csrfmiddlewaretoken=token)).status_code == 303


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "x" * (NAME_MAX + 1), f"at most {NAME_MAX} characters"),
        ("company", "x" * (COMPANY_MAX + 1), f"at most {COMPANY_MAX} characters"),
        ("message", "x" * (MESSAGE_MAX + 1), f"at most {MESSAGE_MAX} characters"),
        ("phone", "1" * (PHONE_MAX + 1), f"at most {PHONE_MAX} characters"),
        ("email", "a" * 250 + "@example.com", "at most 254 characters"),
        ("email", "erika(at)muster", "valid email address"),
        ("phone", "call me maybe", "Enter a phone number with digits"),
        ("country", "XX", "Select a valid choice"),
        ("country", "", "This field is required"),
        ("name", "", "This field is required"),
        ("company", "Evil\r\nBcc: victim@example.com", "Enter this on one line"),
        ("requested_delivery_date", "31.02.2027", "Enter the date as YYYY-MM-DD"),
        ("requested_delivery_date", "2001-01-01", "is in the past"),
        ("requested_delivery_date", "2999-01-01", "years ahead"),
        ("consent", "", "Without your consent we cannot process the inquiry"),
        ("name", "nul\x00byte", "Null characters are not allowed"),
    ],
)
def test_bad_input_gets_a_message_at_its_field(client, product, field, value, message):
    select(client)
    data = valid(**{field: value})
    if field == "consent":
        del data["consent"]
    response = client.post("/inquiry/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Correct the fields marked below" in page
    error = field_error(page, f"id_{field}")
    assert error is not None and message in error.replace("&#x27;", "'"), error
    assert Inquiry.objects.count() == 0 and mail.outbox == []
    assert Selection(client.session).count() == 1


def test_an_oversize_line_note_is_refused_at_the_line(client, product):
    select(client)
    line = Selection(client.session).lines()[0]
    response = client.post("/inquiry/", valid(**{f"note-{line.id}": "x" * (LINE_NOTE_MAX + 1)}))
    assert response.status_code == 400
    error = field_error(response.content.decode(), f"id_note-{line.id}")
    assert f"at most {LINE_NOTE_MAX} characters" in error
    assert Inquiry.objects.count() == 0


def test_a_valid_date_and_the_kept_input(client, product):
    select(client)
    date = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post("/inquiry/", valid(requested_delivery_date=date, email="bad"))
    page = response.content.decode()
    # What the visitor typed stays in the form.
    assert f'value="{date}"' in page and 'value="Muster Hydraulik GmbH"' in page
    response = client.post("/inquiry/", valid(requested_delivery_date=date))
    assert response.status_code == 303
    assert Inquiry.objects.get().requested_delivery_date.isoformat() == date
