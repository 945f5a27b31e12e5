"""The public product page in a real browser at phone width."""

import re

import pytest

from tests.browser.support import expect
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VALUES = {
    "max_pressure": "16 bar",
    "temperature_range": "-10..120 °C",
    "body_material": "brass",
    "approvals": ["fda", "atex"],
}


def value_cell(page, code):
    return page.locator(f'tr[data-attribute="{code}"] td')


def label_cell(page, code):
    return page.locator(f'tr[data-attribute="{code}"] th')


def assert_no_horizontal_overflow(page):
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["inner"] == 390
    assert widths["scroll"] <= widths["inner"], f"the page scrolls sideways at phone width: {widths}"


def test_product_page_on_a_phone_in_both_languages(phone_page, screenshot):
    family = make_valve_family()
    product = make_product(
        family,
        article_number="KH-DN25-PN16-MS-FULLBORE-2WAY",
        values=VALUES,
        gtin="4006381333931",
        manufacturer_pid="BV-16-BR-DN25-FB",
        name={"en": "Two-way brass ball valve with full bore", "de": "2-Wege-Kugelhahn aus Messing"},
        short_description={"en": "Full bore, blow-out-proof stem, PTFE seats, DVGW-approved variants."},
    )
    german = make_product(
        family,
        article_number="KH-15",
        values={**VALUES, "max_pressure": "1.5 bar"},
    )
    page = phone_page

    page.goto(f"/products/{product.article_number}/")
    expect(page.locator("h1")).to_have_text("Two-way brass ball valve with full bore")
    expect(label_cell(page, "max_pressure")).to_have_text("Max. operating pressure")
    assert value_cell(page, "max_pressure").text_content() == "16\xa0bar"
    assert value_cell(page, "temperature_range").text_content() == "-10 … 120\xa0°C"
    assert value_cell(page, "body_material").text_content() == "Brass"
    assert value_cell(page, "approvals").text_content() == "FDA, ATEX"
    # The table is stacked on a phone: the value sits below its label, not beside it.
    label_box = label_cell(page, "max_pressure").bounding_box()
    value_box = value_cell(page, "max_pressure").bounding_box()
    assert value_box["y"] >= label_box["y"] + label_box["height"] - 1
    assert_no_horizontal_overflow(page)
    screenshot(page, "product-page-phone-en")

    # The language switcher goes to the German page of the same product.
    switch_to_german = page.locator('.languages a[hreflang="de"]')
    expect(switch_to_german).to_be_visible()
    switch_to_german.click()
    expect(page).to_have_url(re.compile(rf"/de/produkte/{product.article_number}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_text("2-Wege-Kugelhahn aus Messing")
    expect(label_cell(page, "max_pressure")).to_have_text("Max. Betriebsdruck")
    assert value_cell(page, "body_material").text_content() == "Messing"
    assert_no_horizontal_overflow(page)

    # ... and back.
    page.locator('.languages a[hreflang="en"]').click()
    expect(page).to_have_url(re.compile(rf"/products/{product.article_number}/$"))
    assert "/de/" not in page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # German numbers have a decimal comma.
    page.goto(f"/de/produkte/{german.article_number}/")
    expect(label_cell(page, "max_pressure")).to_have_text("Max. Betriebsdruck")
    assert value_cell(page, "max_pressure").text_content() == "1,5\xa0bar"
    assert_no_horizontal_overflow(page)
