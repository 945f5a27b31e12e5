"""Sending the selection as a request for quote (/inquiry/, pim.inquiries.sending and the mail
task): exactly one inquiry with the product data copied as they were, both mails with the
lines in the visitor's language, no second mail on a retry, and a confirmation page only the
sender sees."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from pim.inquiries.models import Inquiry, InquiryLine
from pim.inquiries.selection import Selection
from pim.inquiries.tasks import send_inquiry_mails
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_INQUIRY_EMAIL = ["sales@example.com", "backoffice@example.com"]
    settings.DEFAULT_FROM_EMAIL = "catalog@example.com"
    settings.PIM_BASE_URL = "https://catalog.example.com"


@pytest.fixture
def products():
    family = make_valve_family()
    return [
        make_product(family, article_number="KH-1", name={"en": "Ball valve DN 15", "de": "Kugelhahn DN 15"}),
        make_product(
            family,
            article_number="KH-2",
            name={"en": "Ball valve DN 25", "de": "Kugelhahn DN 25"},
            min_order_quantity=Decimal(10),
            order_quantity_step=Decimal(5),
        ),
    ]


def select(client, *lines):
    for article, quantity in lines:
        client.post("/selection/add/", {"article": article, "quantity": quantity}, headers={"origin": SITE})


def add_requirement(client, requirement, quantity, unit="C62"):
    response = client.post(
        "/selection/add-requirement/",
        {"requirement": requirement, "quantity": quantity, "unit": unit},
        headers={"origin": SITE},
    )
    assert response.status_code == 302


def form_data(client, **changes):
    """The form as a person fills it in, with a note on each line."""
    data = {
        "name": "Erika Muster",
        "company": "Muster Hydraulik GmbH",
        "email": "erika@muster.example",
        "phone": "+49 711 123456",
        "country": "DE",
        "requested_delivery_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "message": "Please quote with delivery to Stuttgart.",
        "consent": "on",
        "website": "",
    }
    for number, line in enumerate(Selection(client.session).lines(), start=1):
        data[f"note-{line.id}"] = f"note {number}"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def send(client, django_capture_on_commit_callbacks, data, path="/inquiry/"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(path, data)


def test_the_inquiry_page_lists_the_lines_with_note_fields(client, products):
    select(client, ("KH-1", "3"))
    add_requirement(client, "Hose 2SN DN 12, 3 m", "4", "SET")
    response = client.get("/inquiry/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    page = response.content.decode()
    assert "csrfmiddlewaretoken" in page
    assert "Ball valve DN 15" in page and "3 piece" in page
    assert "Hose 2SN DN 12, 3 m" in page and "4 set" in page
    assert page.count('name="note-') == 2
    assert re.search(r'<div class="inquiry-form__trap" aria-hidden="true">', page)
    assert re.search(r'name="website"[^>]*tabindex="-1" autocomplete="off"', page)


def test_sending_stores_one_inquiry_with_copied_data_and_mails(
    client, products, django_capture_on_commit_callbacks
):
    select(client, ("KH-1", "3"), ("KH-2", "15"))
    add_requirement(client, "Special manifold, 4 stations, CETOP 3", "2")

    response = send(client, django_capture_on_commit_callbacks, form_data(client))
    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert response["Location"] == f"/inquiry/sent/{inquiry.reference}/"
    assert re.fullmatch(r"RFQ-\d{4}-[2-9A-Z]{6}", inquiry.reference)
    assert (inquiry.name, inquiry.company, inquiry.email, inquiry.country.code, inquiry.language) == (
        "Erika Muster",
        "Muster Hydraulik GmbH",
        "erika@muster.example",
        "DE",
        "en",
    )
    assert inquiry.consent_text.startswith("I agree that the data in this form are stored")
    lines = list(inquiry.lines.order_by("position"))
    assert [(line.position, line.article_number, line.product_name, line.order_unit, line.quantity, line.note)
            for line in lines] == [
        (1, "KH-1", "Ball valve DN 15", "C62", Decimal(3), "note 1"),
        (2, "KH-2", "Ball valve DN 25", "C62", Decimal(15), "note 2"),
        (3, "", "", "C62", Decimal(2), "note 3"),
    ]  # fmt: skip
    assert lines[2].requirement == "Special manifold, 4 stations, CETOP 3" and lines[2].product is None
    assert lines[0].product == products[0]
    # The selection is cleared only now.
    assert Selection(client.session).count() == 0

    # Both mails went out after the commit, stamped.
    inquiry.refresh_from_db()
    assert inquiry.sales_mail_sent_at and inquiry.visitor_mail_sent_at
    sales, visitor = mail.outbox
    assert sales.to == ["sales@example.com", "backoffice@example.com"]
    assert sales.reply_to == ["erika@muster.example"]
    assert inquiry.reference in sales.subject and "Muster Hydraulik GmbH" in sales.subject
    assert visitor.to == ["erika@muster.example"] and visitor.reply_to == [
        "sales@example.com",
        "backoffice@example.com",
    ]
    assert inquiry.reference in visitor.subject
    for message in (sales, visitor):
        html = message.alternatives[0].content
        for text in (message.body, html):
            assert "KH-1" in text and "Ball valve DN 15" in text and "KH-2" in text
            assert "Special manifold, 4 stations, CETOP 3" in text
            assert "note 2" in text
        assert "3 piece" in message.body and "15 piece" in message.body
    assert "https://catalog.example.com/admin/" in sales.body
    assert "+49 711 123456" in sales.body and "Germany" in sales.body
    assert "/admin/" not in visitor.body

    # The confirmation page: the reference and the lines, for this browser only.
    page = client.get(response["Location"]).content.decode()
    assert inquiry.reference in page and "Ball valve DN 15" in page and "Special manifold" in page
    assert Client().get(response["Location"]).status_code == 404


def test_later_product_changes_do_not_change_the_inquiry(
    client, products, django_capture_on_commit_callbacks
):
    select(client, ("KH-1", "3"), ("KH-2", "10"))
    send(client, django_capture_on_commit_callbacks, form_data(client))
    inquiry = Inquiry.objects.get()
    products[0].article_number = "KH-1-NEW"
    products[0].name = {"en": "Renamed valve"}
    products[0].order_unit = "PR"
    products[0].save()
    products[1].delete()
    rows = list(InquiryLine.objects.filter(inquiry=inquiry).order_by("position"))
    assert [(row.article_number, row.product_name, row.order_unit) for row in rows] == [
        ("KH-1", "Ball valve DN 15", "C62"),
        ("KH-2", "Ball valve DN 25", "C62"),
    ]
    assert rows[0].product_id == products[0].pk and rows[1].product_id is None


def test_a_german_visitor_gets_german_mails(client, products, django_capture_on_commit_callbacks):
    select(client, ("KH-1", "3"))
    with translation.override("de"):
        path = reverse("cms:inquiry")
    assert path.startswith("/de/")
    assert client.get(path).status_code == 200
    response = send(client, django_capture_on_commit_callbacks, form_data(client), path=path)
    assert response.status_code == 303 and response["Location"].startswith("/de/")
    inquiry = Inquiry.objects.get()
    assert inquiry.language == "de"
    line = inquiry.lines.get()
    assert line.product_name == "Kugelhahn DN 15"
    for message in mail.outbox:
        assert "Kugelhahn DN 15" in message.body
        assert "3 Stück" in message.body  # the order unit in German
    sales = mail.outbox[0]
    assert "Deutschland" in sales.body


def test_a_retried_task_sends_no_mail_twice(client, products, django_capture_on_commit_callbacks):
    select(client, ("KH-1", "3"))
    send(client, django_capture_on_commit_callbacks, form_data(client))
    inquiry = Inquiry.objects.get()
    assert len(mail.outbox) == 2
    assert send_inquiry_mails.call(inquiry.pk) == {"sales": False, "visitor": False}
    assert len(mail.outbox) == 2


def test_a_failing_mail_server_loses_no_mail(
    client, products, django_capture_on_commit_callbacks, monkeypatch
):
    original = EmailBackend.send_messages

    def refuse_sales(self, messages):
        if any("sales@example.com" in message.to for message in messages):
            raise ConnectionRefusedError("mail server down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_sales)
    select(client, ("KH-1", "3"))
    response = send(client, django_capture_on_commit_callbacks, form_data(client))
    # The visitor still gets the confirmation page: the inquiry is stored.
    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.sales_mail_sent_at is None and inquiry.visitor_mail_sent_at is not None
    assert [message.to for message in mail.outbox] == [["erika@muster.example"]]

    monkeypatch.setattr(EmailBackend, "send_messages", original)
    assert send_inquiry_mails.call(inquiry.pk) == {"sales": True, "visitor": False}
    assert len(mail.outbox) == 2
    inquiry.refresh_from_db()
    assert inquiry.sales_mail_sent_at is not None


def test_quantities_that_cannot_be_ordered_refuse_sending(
    client, products, django_capture_on_commit_callbacks
):
    select(client, ("KH-1", "3"), ("KH-2", "12"))
    response = send(client, django_capture_on_commit_callbacks, form_data(client))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Correct the quantities marked in the list before sending" in page
    assert re.search(r'class="field-error" id="line-problem-2">KH-2 is ordered in steps of 5', page)
    assert Inquiry.objects.count() == 0 and mail.outbox == []
    assert Selection(client.session).count() == 2


def test_an_empty_selection_cannot_be_sent(client, products, django_capture_on_commit_callbacks):
    page = client.get("/inquiry/").content.decode()
    assert "Your selection is empty" in page and 'name="email"' not in page
    response = send(client, django_capture_on_commit_callbacks, form_data(client))
    assert response.status_code == 400
    assert "Your selection is empty" in response.content.decode()
    assert Inquiry.objects.count() == 0


def test_withdrawn_products_are_not_sent_and_named(client, products, django_capture_on_commit_callbacks):
    select(client, ("KH-1", "3"), ("KH-2", "10"))
    data = form_data(client)
    products[1].live = False
    products[1].save()
    assert "KH-2 is no longer available" in client.get("/inquiry/").content.decode()
    response = send(client, django_capture_on_commit_callbacks, data)
    inquiry = Inquiry.objects.get()
    assert list(inquiry.lines.values_list("article_number", flat=True)) == ["KH-1"]
    page = client.get(response["Location"]).content.decode()
    assert "KH-2 was not sent: it is no longer available." in page


def test_with_the_worker_the_mails_wait_for_the_commit_and_retry_later(
    client, products, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    select(client, ("KH-1", "3"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/inquiry/", form_data(client))
    inquiry = Inquiry.objects.get()
    assert not DBTaskResult.objects.filter(task_path=send_inquiry_mails.module_path).exists()
    for callback in callbacks:
        callback()
    queued = DBTaskResult.objects.get(task_path=send_inquiry_mails.module_path)
    assert queued.args_kwargs["args"] == [inquiry.pk]
    # The overdue reminder is queued for when the response time is over.
    assert DBTaskResult.objects.filter(task_path__endswith="send_inquiry_reminders").exists()

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with pytest.raises(ConnectionRefusedError):
        send_inquiry_mails.call(inquiry.pk)
    retry = DBTaskResult.objects.filter(task_path=send_inquiry_mails.module_path).exclude(pk=queued.pk).get()
    assert retry.args_kwargs["args"] == [inquiry.pk, 1]
    assert retry.run_after > timezone.now()
    assert mail.outbox == []
