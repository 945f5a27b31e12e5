"""An engineer lands on the food-and-beverage application page on a phone and follows its
product selection into the catalog, where the page's filters are applied."""

from urllib.parse import parse_qs, urlsplit

import pytest

from pim.search import indexing
from tests.browser.support import expect
from tests.cms.test_application_pages import make_pages
from tests.factories import make_category_shelf, make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_phone_visitor_follows_the_product_selection_into_the_filtered_catalog(phone_page, database_search):
    family = make_valve_family()
    shelf = make_category_shelf(family)
    for article, material in (("SS-1", "ss316"), ("SS-2", "ss316"), ("BR-1", "brass")):
        product = make_product(
            family, article_number=article, values={"body_material": material, "max_pressure": "16 bar"}
        )
        product.categories.set([shelf["ball"]])
        product.save()
    indexing.rebuild("database")
    make_pages(shelf["ball"])
    page = phone_page

    page.goto("/applications/food-and-beverage/")
    expect(page.locator("h1")).to_have_text("Food and beverage")
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"] == 390, widths
    selection = page.locator(".product-selection")
    expect(selection.locator("li")).to_have_count(2)
    expect(selection).not_to_contain_text("BR-1")
    # the FAQ opens and closes with the keyboard (details/summary)
    page.locator("summary", has_text="Which temperature?").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Up to 85 °C.")).to_be_visible()

    page.get_by_role("link", name="Show all 2 products in the catalog").click()
    page.wait_for_load_state()
    url = urlsplit(page.url)
    assert url.path == "/catalog/fluid/valves/ball-valves/"
    assert parse_qs(url.query) == {"filter[body_material]": ["ss316"], "filter[max_pressure][gte]": ["10 bar"]}
    main = page.locator("main")
    expect(main).to_contain_text("SS-1")
    expect(main).to_contain_text("SS-2")
    expect(main).not_to_contain_text("BR-1")

    # the German page and its language switcher
    page.goto("/de/anwendungen/lebensmittel-und-getraenke/")
    expect(page.locator("h1")).to_have_text("Lebensmittel und Getränke")
    page.locator('.languages a[hreflang="en"]').click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/applications/food-and-beverage/"
