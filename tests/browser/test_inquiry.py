"""The request for quote in Chromium: a product from the catalog's results and one from the
comparison go into the selection, five pasted article numbers (one unknown, which is listed)
are added, the quote is requested and sent; the confirmation page shows the reference, both
mails carry the lines, and the sales team finds the inquiry in the admin inbox. axe-core runs
on the selection, inquiry and confirmation pages, and a phone never scrolls sideways."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from pim.inquiries.models import Inquiry
from pim.search import indexing
from tests.browser.axe import assert_no_serious_violations
from tests.browser.support import expect
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

USERNAME, PASSWORD = "sales", "a-long-browser-test-password"


@pytest.fixture
def catalog(database_search, settings):
    settings.PIM_INQUIRY_EMAIL = ["sales@example.com"]
    family = make_valve_family()
    products = {
        number: make_product(family, article_number=number, name={"en": f"Ball valve {number}"})
        for number in ("KH-1", "KH-2", "KH-3", "KH-4", "KH-5", "KH-6", "KH-7")
    }
    products["KH-7"].min_order_quantity = Decimal(10)
    products["KH-7"].order_quantity_step = Decimal(5)
    products["KH-7"].save()
    indexing.rebuild("database")
    return products


def header_count(page):
    return page.locator('[data-visitor-list="selection"] [data-count]')


def no_sideways_scroll(page):
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], f"{page.url} scrolls sideways: {widths}"


def test_selection_to_sent_inquiry(page, catalog, screenshot):
    # From the catalog's results (with JavaScript: in place, the header count follows).
    page.goto("/catalog/")
    page.get_by_role("button", name="Add to selection – KH-1").click()
    expect(header_count(page)).to_have_text("1")
    # From the comparison.
    page.goto("/compare/?p=KH-2&p=KH-3")
    page.get_by_role("button", name="Add to selection – KH-2").click()
    expect(header_count(page)).to_have_text("2")

    page.goto("/selection/")
    expect(page.locator("tr[data-product]")).to_have_count(2)
    assert_no_serious_violations(page, label="selection page")
    page.get_by_label("Article numbers and quantities").fill("KH-3; 2\nKH-4\t5\nkh 5,3\nNOPE-404; 1\nKH-6")
    page.locator("form[action='/selection/add-many/']").get_by_role("button", name="Add to selection").click()
    report = page.locator("#bulk-report")
    expect(report).to_contain_text("4 lines were added to your selection. 1 line could not be added")
    expect(report.locator("tr.is-rejected")).to_have_count(1)
    expect(report.locator("tr.is-rejected")).to_contain_text("Line 4")
    expect(report.locator("tr.is-rejected")).to_contain_text("NOPE-404")
    expect(page.get_by_label("Article numbers and quantities")).to_have_value("NOPE-404; 1")
    expect(page.locator("tr[data-product]")).to_have_count(6)
    expect(header_count(page)).to_have_text("6")
    assert_no_serious_violations(page, label="selection page with a bulk report")
    screenshot(page, "inquiry-selection")

    page.get_by_role("link", name="Request a quote").click()
    expect(page.locator("h1")).to_have_text("Request a quote")
    expect(page.locator(".inquiry-lines__item")).to_have_count(6)
    assert_no_serious_violations(page, label="inquiry page")
    page.get_by_label("Name (required)", exact=True).fill("Erika Muster")
    page.get_by_label("Company (required)", exact=True).fill("Muster Hydraulik GmbH")
    page.get_by_label("E-mail (required)", exact=True).fill("erika@muster.example")
    page.get_by_label("Country (required)", exact=True).select_option("DE")
    page.get_by_label("Requested delivery date (optional)").fill(
        (timezone.localdate() + timedelta(days=21)).isoformat()
    )
    page.get_by_label("Note on KH-4 (optional)").fill("with ATEX certificate")
    page.get_by_label("Message (optional)").fill("Delivery to plant 2, gate 4.")
    # Sending without consent is refused at the field, with everything kept.
    page.get_by_role("button", name="Send inquiry").click()
    expect(page.locator("#id_consent-error")).to_contain_text("Without your consent")
    expect(page.get_by_label("Company (required)", exact=True)).to_have_value("Muster Hydraulik GmbH")
    assert_no_serious_violations(page, label="inquiry page with errors")
    page.get_by_label("I agree that the data in this form").check()
    page.get_by_role("button", name="Send inquiry").click()

    expect(page.locator("h1")).to_contain_text("your inquiry is sent")
    reference = page.locator("[data-reference]").inner_text()
    assert re.fullmatch(r"RFQ-\d{4}-[2-9A-Z]{6}", reference)
    expect(page.locator(".inquiry-sent-table tbody tr")).to_have_count(6)
    expect(header_count(page)).to_have_text("0")
    assert_no_serious_violations(page, label="confirmation page")
    screenshot(page, "inquiry-sent")

    inquiry = Inquiry.objects.get(reference=reference)
    assert list(inquiry.lines.values_list("article_number", "quantity")) == [
        ("KH-1", Decimal(1)),
        ("KH-2", Decimal(1)),
        ("KH-3", Decimal(2)),
        ("KH-4", Decimal(5)),
        ("KH-5", Decimal(3)),
        ("KH-6", Decimal(1)),
    ]
    assert inquiry.lines.get(article_number="KH-4").note == "with ATEX certificate"
    # The mails went out from the server thread of this process (locmem backend).
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    sales, visitor = by_recipient[("sales@example.com",)], by_recipient[("erika@muster.example",)]
    for message in (sales, visitor):
        assert reference in message.subject
        for number in ("KH-1", "KH-2", "KH-3", "KH-4", "KH-5", "KH-6"):
            assert number in message.body
        assert "with ATEX certificate" in message.body
        assert "NOPE-404" not in message.body

    # The sales team finds it in the inbox.
    get_user_model().objects.create_superuser(USERNAME, "sales@example.com", PASSWORD)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto("/admin/inquiries/")
    expect(page.get_by_text(reference)).to_be_visible()


def test_quantity_off_the_order_step_is_fixed_before_sending(page, catalog):
    page.goto("/products/KH-7/")
    page.get_by_role("button", name=re.compile("^Add to selection")).click()
    expect(header_count(page)).to_have_text("1")
    page.goto("/selection/")
    page.get_by_label("Quantity of KH-7").fill("12")
    page.get_by_role("button", name="Update – KH-7").click()
    expect(page.locator("tr[data-product='KH-7'] .field-error")).to_contain_text("Enter 10 or 15 piece.")
    page.get_by_role("link", name="Request a quote").click()
    expect(page.locator(".inquiry-lines__item.has-problem")).to_contain_text("Enter 10 or 15 piece.")
    page.get_by_role("link", name="Correct it in your selection").click()
    page.get_by_label("Quantity of KH-7").fill("15")
    page.get_by_role("button", name="Update – KH-7").click()
    expect(page.locator(".field-error")).to_have_count(0)


def test_phone_layout(phone_page, catalog):
    page = phone_page
    page.goto("/products/KH-1/")
    page.get_by_role("button", name=re.compile("^Add to selection")).click()
    expect(header_count(page)).to_have_text("1")
    page.goto("/selection/")
    page.get_by_label("Description").fill("Special manifold, 4 stations, CETOP 3, with pressure gauge ports")
    page.get_by_role("button", name="Add requirement").click()
    expect(page.locator("tr.selection-table__custom")).to_have_count(1)
    no_sideways_scroll(page)
    page.get_by_role("link", name="Request a quote").click()
    expect(page.locator(".inquiry-lines__item")).to_have_count(2)
    no_sideways_scroll(page)
    page.get_by_label("Name (required)", exact=True).fill("Erika Muster")
    page.get_by_label("Company (required)", exact=True).fill("Muster Hydraulik GmbH")
    page.get_by_label("E-mail (required)", exact=True).fill("erika@muster.example")
    page.get_by_label("Country (required)", exact=True).select_option("AT")
    page.get_by_label("I agree that the data in this form").check()
    page.get_by_role("button", name="Send inquiry").click()
    expect(page.locator("[data-reference]")).to_be_visible()
    no_sideways_scroll(page)


def test_without_javascript(new_page, catalog):
    page = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page.goto("/catalog/")
    page.get_by_role("button", name="Add to selection – KH-3").click()
    expect(page).to_have_url(re.compile(r"/catalog/$"))
    expect(header_count(page)).to_have_text("1")
    page.goto("/selection/")
    page.get_by_label("Or upload a CSV file").set_input_files(
        files=[{"name": "list.csv", "mimeType": "text/csv", "buffer": b"Artikel;Menge\nKH-4;2\nKH-9;1\n"}]
    )
    page.locator("form[action='/selection/add-many/']").get_by_role("button", name="Add to selection").click()
    expect(page.locator("#bulk-report tr.is-rejected")).to_contain_text("KH-9")
    expect(page.locator("tr[data-product]")).to_have_count(2)
    page.get_by_role("link", name="Request a quote").click()
    page.get_by_label("Name (required)", exact=True).fill("Erika Muster")
    page.get_by_label("Company (required)", exact=True).fill("Muster Hydraulik GmbH")
    page.get_by_label("E-mail (required)", exact=True).fill("erika@muster.example")
    page.get_by_label("Country (required)", exact=True).select_option("CH")
    page.get_by_label("I agree that the data in this form").check()
    page.get_by_role("button", name="Send inquiry").click()
    expect(page.locator("[data-reference]")).to_be_visible()
    expect(page.locator(".inquiry-sent-table tbody tr")).to_have_count(2)
