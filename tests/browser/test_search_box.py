"""The search box in Chromium: autocomplete by keyboard on a phone, and the article-number jump
with and without JavaScript."""

import re

import pytest

from pim.catalog.models import Category, Lifecycle
from pim.search import indexing
from tests.browser.conftest import PHONE
from tests.browser.support import expect
from tests.factories import make_product, make_valve_family

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_search"),
]

BOLT = "HSB530.M16x65.88"
OLD = "HSB520.M16x65.88"
SUCCESSOR = "HSB540.M16x65.88"


@pytest.fixture
def bolts():
    family = make_valve_family()
    category = Category.objects.create(code="hex-bolts", name={"en": "Hex bolts", "de": "Sechskantschrauben"})
    successor = make_product(family, article_number=SUCCESSOR, name={"en": "Hex bolt M16x65 10.9"})
    products = [
        make_product(family, article_number=BOLT, name={"en": "Hex bolt M16x65 8.8"}),
        make_product(family, article_number="HSB531.M16x65.88", name={"en": "Hex bolt M16x65 8.8 zinc"}),
        make_product(
            family,
            article_number=OLD,
            name={"en": "Hex bolt M16x65 (old)"},
            lifecycle=Lifecycle.DISCONTINUED,
            successor=successor,
        ),
        make_product(
            family, article_number="HSB532.M16x65.88", name={"en": "Draft bolt"}, lifecycle=Lifecycle.DRAFT
        ),
        successor,
    ]
    for product in products:
        product.categories.set([category])
        product.save()
    indexing.drain()


def assert_no_horizontal_overflow(page):
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], f"the page scrolls sideways: {widths}"


def serious_accessibility_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_pick_an_article_number_suggestion_with_the_keyboard_on_a_phone(phone_page, bolts, screenshot):
    page = phone_page
    console_errors = []  # a Content-Security-Policy violation is reported here
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto(f"/products/{SUCCESSOR}/")
    box = page.get_by_role("combobox", name="Search by article number, name or property")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.click()
    box.press_sequentially("hsb53", delay=40)

    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", listbox.get_attribute("id"))
    products = listbox.get_by_role("group", name="Products").get_by_role("option")
    expect(products).to_have_count(2)  # HSB530 and HSB531; never the draft HSB532
    expect(listbox).not_to_contain_text("HSB532")
    expect(listbox.get_by_role("group", name="Categories")).to_have_count(0)  # "hsb53" names none
    expect(page.get_by_role("status")).to_contain_text("suggestions")
    assert_no_horizontal_overflow(page)
    screenshot(page, "search-box-suggestions-phone")
    box.press("ArrowDown")
    assert serious_accessibility_violations(page) == []  # open, with an option highlighted
    box.press("ArrowUp")
    box.press("ArrowUp")  # wraps from the first to the last option, and up again to the first

    first = products.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(box).to_be_focused()  # focus stays in the input (aria-activedescendant)
    box.press("ArrowDown")
    expect(products.nth(1)).to_have_attribute("aria-selected", "true")
    expect(first).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(first).to_contain_text(BOLT)
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/products/{re.escape(BOLT)}/$"))
    expect(page.locator("h1")).to_have_text("Hex bolt M16x65 8.8")
    assert console_errors == []


def test_escape_closes_and_categories_are_offered(page, bolts):
    page.goto(f"/products/{SUCCESSOR}/")
    box = page.get_by_role("combobox", name="Search by article number, name or property")
    box.fill("hex")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    category = listbox.get_by_role("group", name="Categories").get_by_role("option")
    expect(category).to_have_text("Hex bolts")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".+"))
    box.press("ArrowDown")  # opens again on the first option
    expect(listbox).to_be_visible()
    box.press("Escape")
    box.press("Escape")  # a second Escape empties the box
    expect(box).to_have_value("")


def test_a_loose_article_number_and_enter_lands_on_the_product_with_its_successor(phone_page, bolts):
    page = phone_page
    page.goto(f"/products/{BOLT}/")
    box = page.get_by_role("combobox", name="Search by article number, name or property")
    box.fill("hsb520m16x6588")
    box.press("Enter")  # nothing highlighted: the form is submitted, /search/ jumps
    expect(page).to_have_url(re.compile(rf"/products/{re.escape(OLD)}/$"))
    notice = page.locator(".notice--discontinued")
    expect(notice).to_contain_text("no longer available")
    successor = notice.get_by_role("link", name=re.compile(re.escape(SUCCESSOR)))
    successor.click()
    expect(page).to_have_url(re.compile(rf"/products/{re.escape(SUCCESSOR)}/$"))


def test_without_javascript_the_search_box_is_a_plain_form(new_page, bolts):
    page = new_page(java_script_enabled=False, **PHONE)
    page.goto(f"/products/{SUCCESSOR}/")
    box = page.get_by_role("searchbox", name="Search by article number, name or property")
    box.fill("hsb 530 m16x65 88")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/products/{re.escape(BOLT)}/$"))


def test_tap_a_category_suggestion_on_a_phone(phone_page, bolts):
    from cms.category_paths import category_path

    page = phone_page
    page.goto(f"/products/{SUCCESSOR}/")
    box = page.get_by_role("combobox", name="Search by article number, name or property")
    box.fill("hex bo")
    option = page.get_by_role("group", name="Categories").get_by_role("option", name="Hex bolts")
    option.tap()
    expect(page).to_have_url(re.compile(re.escape(category_path("hex-bolts", "en")) + "$"))
