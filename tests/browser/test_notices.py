"""Change notices in Chromium: subscribe on a product page, open the confirmation link from
the mail, confirm, unsubscribe from the link; without JavaScript and at phone width; axe
finds nothing serious on any of the pages."""

import re

import pytest

from pim.catalog.models import ProductModel
from pim.inquiries.models import Subscription
from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import PHONE
from tests.browser.support import expect
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(settings, live_server):
    """Mail links point to the live server."""
    settings.PIM_PUBLIC_BASE_URL = live_server.url
    family = make_valve_family()
    product = make_product(family, article_number="KH-1", name={"en": "Ball valve", "de": "Kugelhahn"})
    series = ProductModel.objects.create(code="BV", name={"en": "Ball valve BV"}, family=family, live=True)
    make_product(family, article_number="BV-15", product_model=series, name={})
    return {"product": product, "series": series}


def assert_fits_the_phone(page):
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"] == 390, f"the page scrolls sideways: {widths}"


def link_in(message, word: str) -> str:
    return next(line.strip() for line in message.body.splitlines() if f"/{word}/" in line)


def test_subscribe_confirm_and_unsubscribe_on_a_phone(new_page, site, mailoutbox, screenshot):
    page = new_page(**PHONE)
    page.goto("/products/KH-1/")
    notify = page.locator("section.notify-me")
    expect(notify.get_by_role("heading", name="Notify me about changes")).to_be_visible()
    # The trap is not visible to people nor in the accessibility tree.
    expect(page.locator('input[name="website"]')).not_to_be_in_viewport()
    expect(notify.get_by_role("textbox", name="Leave this field empty")).to_have_count(0)
    notify.scroll_into_view_if_needed()
    assert_fits_the_phone(page)
    assert_no_serious_violations(page)
    screenshot(page, "notify-me-phone")

    notify.get_by_label("Your e-mail address").fill("buyer@example.com")
    expect(notify.get_by_role("checkbox", name=re.compile("^Lifecycle"))).to_be_checked()
    expect(notify.get_by_role("checkbox", name=re.compile("^Documents"))).to_be_checked()
    notify.get_by_role("button", name="Notify me").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")
    expect(page.locator("main")).to_contain_text("We sent a confirmation link to buyer@example.com")
    assert_fits_the_phone(page)
    assert_no_serious_violations(page)
    assert Subscription.objects.get().confirmed_at is None

    assert len(mailoutbox) == 1
    page.goto(link_in(mailoutbox[0], "confirm"))
    expect(page.locator("h1")).to_have_text("Confirm your change notices")
    assert_fits_the_phone(page)
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("Subscription confirmed")
    expect(page.locator("main")).to_contain_text("Ball valve (KH-1)")
    assert_no_serious_violations(page)
    assert Subscription.objects.get().confirmed_at is not None
    screenshot(page, "notice-confirmed-phone")

    page.get_by_role("link", name="Unsubscribe").click()
    expect(page.locator("h1")).to_have_text("Unsubscribe")
    assert Subscription.objects.exists()  # opening the link changes nothing
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("h1")).to_have_text("Unsubscribed")
    expect(page.locator("main")).to_contain_text(
        "buyer@example.com no longer receives notices about Ball valve"
    )
    assert not Subscription.objects.exists()


def test_without_javascript_errors_are_shown_at_the_field(new_page, site, mailoutbox):
    page = new_page(java_script_enabled=False, **PHONE)
    page.goto("/series/BV/")
    notify = page.locator("section.notify-me")
    notify.get_by_label("Your e-mail address").fill("buyer@example.com")
    notify.get_by_role("checkbox", name=re.compile("^Lifecycle")).uncheck()
    notify.get_by_role("checkbox", name=re.compile("^Documents")).uncheck()
    notify.get_by_role("button", name="Notify me").click()

    expect(page.locator("h1")).to_have_text("Change notices for Ball valve BV (BV)")
    kinds = page.get_by_role("group", name="Tell me about")
    expect(kinds).to_contain_text("Choose at least one kind of change to be notified about.")
    expect(page.get_by_label("Your e-mail address")).to_have_value("buyer@example.com")
    assert_fits_the_phone(page)
    assert not Subscription.objects.exists() and not mailoutbox

    page.get_by_role("checkbox", name=re.compile("^Documents")).check()
    page.get_by_role("button", name="Notify me").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")
    assert Subscription.objects.get().product_model == site["series"]


def test_manage_page_on_a_phone(new_page, site, mailoutbox):
    Subscription.objects.create(email="buyer@example.com", product=site["product"], language="en")
    Subscription.objects.create(email="buyer@example.com", product_model=site["series"], language="en")
    page = new_page(**PHONE)
    page.goto("/products/KH-1/")
    page.get_by_role("link", name="Manage your change notices").click()
    expect(page.locator("h1")).to_have_text("Manage your change notices")
    assert_no_serious_violations(page)
    page.get_by_label("Your e-mail address").fill("buyer@example.com")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")

    page.goto(link_in(mailoutbox[0], "manage"))
    expect(page.locator("h1")).to_have_text("Your change notices")
    expect(page.locator(".notices__item")).to_have_count(2)
    assert_fits_the_phone(page)
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Remove – Ball valve (KH-1)").click()
    expect(page.locator(".messages")).to_contain_text("1 subscription removed.")
    expect(page.locator(".notices__item")).to_have_count(1)
    page.get_by_role("button", name="Remove all").click()
    expect(page.locator("main")).to_contain_text("This address has no subscriptions")
    assert not Subscription.objects.exists()
