"""Comparison and selection in Chromium: adding from product pages with JavaScript (fetch,
header counts update without reload) and without (redirect back), the comparison with
differences highlighted and the only-differences toggle, the phone width."""

import re

import pytest

from tests.browser.support import expect
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VALUES = {"max_pressure": "16 bar", "temperature_range": "-10..120 °C", "body_material": "brass"}


def make_four():
    family = make_valve_family()
    return [
        make_product(family, article_number="KH-1", values=VALUES),
        make_product(family, article_number="KH-2", values={**VALUES, "max_pressure": "25 bar"}),
        make_product(family, article_number="KH-3", values={**VALUES, "body_material": "ss316"}),
        make_product(family, article_number="KH-4", values=VALUES),
    ]


def header_count(page, list_name):
    return page.locator(f'[data-visitor-list="{list_name}"] [data-count]')


def record_problems(page) -> list[str]:
    problems = []

    def on_console(message):
        # The refused fifth product is a 409 answer, which Chromium logs; anything else counts.
        if message.type == "error" and "status of 409" not in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_compare_four_products_added_from_their_pages(page, screenshot):
    products = make_four()
    problems = record_problems(page)

    for number, product in enumerate(products, start=1):
        page.goto(f"/products/{product.article_number}/")
        page.get_by_role("button", name=re.compile("^Add to comparison")).click()
        status = page.locator("[data-visitor-status]")
        expect(status).to_contain_text(f"{product.article_number} is in your comparison ({number} of 4)")
        # Updated in place: no reload happened (the status line would be empty again).
        expect(header_count(page, "comparison")).to_have_text(str(number))
    page.get_by_role("button", name=re.compile("^Add to selection")).click()
    expect(header_count(page, "selection")).to_have_text("1")
    expect(page.locator("[data-visitor-status]")).to_contain_text("KH-4 is in your selection.")

    # A fifth product is refused with a message, not silently swapped in.
    family = products[0].family
    make_product(family, article_number="KH-5", values=VALUES)
    page.goto("/products/KH-5/")
    page.get_by_role("button", name=re.compile("^Add to comparison")).click()
    expect(page.locator("[data-visitor-status]")).to_contain_text("You can compare up to 4 products")
    expect(header_count(page, "comparison")).to_have_text("4")

    page.get_by_role("link", name="Compare 4").click()
    expect(page.locator("h1")).to_have_text("Compare products")
    expect(page.locator("th.compare-table__product")).to_have_count(4)
    pressure = page.locator('tr[data-attribute="max_pressure"]')
    temperature = page.locator('tr[data-attribute="temperature_range"]')
    expect(pressure).to_have_class(re.compile(r"\bdiffers\b"))
    expect(page.locator('tr[data-attribute="body_material"]')).to_have_class(re.compile(r"\bdiffers\b"))
    expect(temperature).not_to_have_class(re.compile(r"\bdiffers\b"))
    # The highlight is visible: the differing row is tinted, the equal one is not.
    tint = pressure.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert tint != temperature.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    screenshot(page, "comparison-all-rows")

    toggle = page.locator("[data-diff-toggle]")
    toggle.click()
    expect(temperature).to_be_hidden()
    expect(pressure).to_be_visible()
    expect(toggle).to_have_text("Show all rows")
    expect(page).to_have_url(re.compile(r"/compare/\?diff=1$"))
    screenshot(page, "comparison-only-differences")
    toggle.click()
    expect(temperature).to_be_visible()
    expect(page).to_have_url(re.compile(r"/compare/$"))
    assert problems == [], problems


def test_without_javascript_the_buttons_work_by_redirect(new_page):
    make_four()
    page = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page.goto("/products/KH-2/")
    page.get_by_role("button", name=re.compile("^Add to comparison")).click()
    expect(page).to_have_url(re.compile(r"/products/KH-2/$"))
    expect(header_count(page, "comparison")).to_have_text("1")
    expect(page.get_by_role("link", name=re.compile("^In comparison"))).to_be_visible()

    page.goto("/products/KH-3/")
    page.get_by_role("button", name=re.compile("^Add to comparison")).click()
    page.get_by_role("button", name=re.compile("^Add to selection")).click()
    expect(header_count(page, "selection")).to_have_text("1")

    page.goto("/compare/")
    expect(page.locator("th.compare-table__product")).to_have_count(2)
    page.get_by_role("link", name="Show only differences").click()
    expect(page).to_have_url(re.compile(r"diff=1"))
    expect(page.locator('tr[data-attribute="temperature_range"]')).to_have_count(0)
    expect(page.locator('tr[data-attribute="max_pressure"]')).to_be_visible()
    page.get_by_role("button", name="Remove KH-2").click()
    expect(page.locator("th.compare-table__product")).to_have_count(1)

    page.goto("/selection/")
    page.get_by_label("Quantity of KH-3").fill("12")
    page.get_by_role("button", name="Update – KH-3").click()
    expect(page.get_by_label("Quantity of KH-3")).to_have_value("12")


def test_comparison_on_a_phone(phone_page, screenshot):
    make_four()
    page = phone_page
    page.goto("/compare/?p=KH-1&p=KH-2&p=KH-3&p=KH-4")
    expect(page.locator("th.compare-table__product")).to_have_count(4)
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], f"the page scrolls sideways at phone width: {widths}"
    # The table scrolls in its own box, the labels stay in view.
    box = page.locator(".compare-scroll")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    button = page.get_by_role("button", name=re.compile("^Add to selection")).first
    assert button.bounding_box()["height"] >= 44
    screenshot(page, "comparison-phone")
