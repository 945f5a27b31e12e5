"""Catalog pages in Chromium: filtering with JavaScript (in place, URL pushed, back button),
without JavaScript (form submit), and the phone layout."""

import re

import pytest

from pim.search import indexing
from tests.browser.support import expect
from tests.search.catalog_data import build_catalog

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BALL = "/catalog/fluid-technology/valves/ball-valves/"


@pytest.fixture
def catalog(database_search):
    products = build_catalog()
    indexing.rebuild("database")
    return products


def rows(page):
    return page.locator(".results-table tbody tr")


def test_filtering_with_javascript_updates_in_place_and_back_restores(page, catalog):
    page.goto(BALL)
    expect(rows(page)).to_have_count(7)
    facet = page.locator('[data-facet="food_grade"]')
    page.evaluate("window.__sameDocument = true")  # survives only if no full page load happens
    facet.get_by_label(re.compile(r"^Yes")).check()
    expect(rows(page)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"filter%5Bfood_grade%5D=true|filter\[food_grade\]=true"))
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("#catalog-status")).to_have_text("2 products found")
    # facet counts of the other facets follow the selection
    expect(page.locator('[data-facet="body_material"] .facet__count')).to_have_text(["1", "1"])
    # a number typed with a unit, submitted with Enter
    page.get_by_label("at least").fill("30 bar")
    page.get_by_label("at least").press("Enter")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("KH-100")
    assert page.evaluate("window.__sameDocument") is True
    page.go_back()
    expect(rows(page)).to_have_count(2)
    expect(page.get_by_label("at least")).to_have_value("")
    page.go_back()
    expect(rows(page)).to_have_count(7)
    expect(page).to_have_url(re.compile(re.escape(BALL) + "$"))


def test_filtering_without_javascript_by_form_submit(new_page, catalog):
    page = new_page(java_script_enabled=False)
    page.goto(BALL)
    expect(rows(page)).to_have_count(7)
    page.locator('[data-facet="body_material"]').get_by_label(re.compile(r"^Stainless")).check()
    page.get_by_label("at least").fill("30 bar")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("KH-100")
    assert "filter%5Bbody_material%5D=ss316" in page.url
    expect(page.get_by_label("at least")).to_have_value("30 bar")
    # a chip removes its filter
    page.get_by_role("link", name=re.compile(r"^Max. operating pressure")).click()
    expect(rows(page)).to_have_count(2)


def test_phone_has_no_horizontal_scroll_and_filters_behind_a_button(phone_page, catalog):
    page = phone_page
    for path in ("/catalog/", BALL, BALL + "?view=grid"):
        page.goto(path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at phone width: {width}px"
    page.goto(BALL)
    toggle = page.get_by_role("button", name=re.compile(r"^Filters"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#catalog-facets")).to_be_hidden()
    toggle.click()
    expect(page.locator("#catalog-facets")).to_be_visible()
    page.locator('[data-facet="food_grade"]').get_by_label(re.compile(r"^Yes")).check()
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#catalog-facets")).to_be_visible()  # stays open while filtering
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
