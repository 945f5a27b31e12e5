"""The series configurator in a real browser: a phone narrowing a series to one article."""

import re

import pytest

from pim.catalog.models import Attribute, Lifecycle, ProductModel
from pim.catalog.values import set_values
from tests.browser.support import expect
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def make_series():
    family = make_valve_family()
    series = ProductModel.objects.create(
        code="BV",
        name={"en": "Ball valve BV with full bore", "de": "Kugelhahn BV mit vollem Durchgang"},
        short_description={"en": "Brass or stainless steel, DN 15 to 25."},
        family=family,
        live=True,
    )
    set_values(series, {"max_pressure": "40 bar", "body_material": "brass"}, family)
    series.save()
    series.axes.set(Attribute.objects.filter(code__in=["nominal_size", "body_material", "max_pressure"]))
    series.save()
    for article, size, material, pressure in [
        ("BV-15-MS-40", "15 mm", None, None),
        ("BV-20-MS-40", "20 mm", None, None),
        ("BV-15-SS-40", "15 mm", "ss316", None),
        ("BV-25-SS-40", "25 mm", "ss316", None),
        ("BV-25-SS-63", "25 mm", "ss316", "63 bar"),
    ]:
        values = {"nominal_size": size}
        if material:
            values["body_material"] = material
        if pressure:
            values["max_pressure"] = pressure
        make_product(family, article_number=article, product_model=series, name={}, values=values)
    make_product(
        family,
        article_number="BV-25-SS-100",
        product_model=series,
        name={},
        values={"nominal_size": "25 mm", "body_material": "ss316", "max_pressure": "100 bar"},
        lifecycle=Lifecycle.DRAFT,
    )
    return series


def choice(page, axis_label, value_label):
    fieldset = page.locator("fieldset", has=page.locator("legend", has_text=axis_label))
    return fieldset.locator("label.choice", has_text=value_label)


def radio(page, axis_label, value_label):
    return choice(page, axis_label, value_label).locator("input")


def assert_no_horizontal_overflow(page):
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], f"the page scrolls sideways at phone width: {widths}"


def serious_accessibility_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_phone_narrows_a_series_to_one_article_and_opens_it(phone_page, screenshot):
    make_series()
    page = phone_page
    console_errors, failed = [], []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    # The favicon is the site's (a 404 until it exists); every other request must succeed.
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and failed.append((response.status, response.url))
        ),
    )

    page.goto("/series/BV/")
    expect(page.locator("h1")).to_have_text("Ball valve BV with full bore")
    expect(page.locator("[data-configurator-status]")).to_have_text("5 of 5 variants match.")
    # The draft variant's pressure is no value of the series.
    expect(
        page.locator("fieldset", has=page.locator("legend", has_text="Max. operating pressure"))
    ).not_to_contain_text("100")
    # With the script, a choice applies at once: no submit button to find.
    expect(page.locator("[data-configurator-submit]")).to_be_hidden()
    assert_no_horizontal_overflow(page)
    assert serious_accessibility_violations(page) == []
    screenshot(page, "configurator-phone-start")

    choice(page, "Body material", "Stainless steel").click()
    expect(page).to_have_url(re.compile(r"/series/BV/\?body_material=ss316$"))
    expect(page.locator("[data-configurator-status]")).to_have_text("3 of 5 variants match.")
    # 20 mm exists only in brass: not selectable now.
    expect(radio(page, "Nominal size", "20")).to_be_disabled()
    expect(radio(page, "Body material", "Stainless steel")).to_be_checked()

    choice(page, "Nominal size", "25").click()
    expect(page.locator("[data-configurator-status]")).to_have_text("2 of 5 variants match.")
    expect(page.locator("[data-configurator-result]")).to_have_count(0)

    choice(page, "Max. operating pressure", "63").click()
    result = page.locator("[data-configurator-result]")
    expect(result).to_be_visible()
    expect(result.locator(".series-result__number")).to_have_text("BV-25-SS-63")
    assert "nominal_size=0.025" in page.url and "max_pressure=6300000" in page.url
    assert_no_horizontal_overflow(page)
    assert serious_accessibility_violations(page) == []
    screenshot(page, "configurator-phone-result")

    # The choice is in the URL: a reload shows the same state (server-rendered).
    page.reload()
    expect(page.locator("[data-configurator-result] .series-result__number")).to_have_text("BV-25-SS-63")

    # Back goes to the previous choice.
    page.go_back()
    expect(page.locator("[data-configurator-status]")).to_have_text("2 of 5 variants match.")
    page.go_forward()

    page.locator("[data-configurator-result]").get_by_role("link", name="Go to the product page").click()
    expect(page).to_have_url(re.compile(r"/products/BV-25-SS-63/$"))
    expect(page.locator("h1")).to_have_text("Ball valve BV with full bore")
    assert failed == []
    # No script error and no Content-Security-Policy refusal.
    assert [text for text in console_errors if not text.startswith("Failed to load resource")] == []


def test_without_javascript_the_form_submits(new_page):
    make_series()
    page = new_page(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page.goto("/series/BV/")
    expect(page.locator("[data-configurator-submit]")).to_be_visible()
    choice(page, "Body material", "Brass").click()
    choice(page, "Nominal size", "20").click()
    page.locator("[data-configurator-submit]").click()
    # "Any" on the third axis sends an empty value; the server redirects to the clean URL.
    expect(page).to_have_url(re.compile(r"/series/BV/\?body_material=brass&nominal_size=0\.02$"))
    expect(page.locator("[data-configurator-result] .series-result__number")).to_have_text("BV-20-MS-40")
    page.get_by_role("link", name="Reset choices").click()
    expect(page).to_have_url(re.compile(r"/series/BV/$"))
    expect(page.locator("[data-configurator-status]")).to_have_text("5 of 5 variants match.")
