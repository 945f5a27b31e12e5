"""axe-core in Chromium on every public page type, at desktop and phone size: no serious or
critical violation (labels, names, landmarks, contrast, ARIA). Plus the admin's attribute
fields, whose number-with-unit labels were not tied to their controls."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pim.assets import samples
from pim.assets.services import create_asset, link_asset
from tests.browser.axe import assert_no_serious_violations, axe_violations, describe
from tests.browser.conftest import PHONE
from tests.browser.support import expect
from tests.cms.test_application_pages import make_pages
from tests.factories import make_category_shelf, make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(database_search):
    """A small catalog with one page of every type (search index filled as it is created)."""
    from django.core.files.base import ContentFile

    family = make_valve_family()
    shelf = make_category_shelf(family)
    valve = make_product(
        family,
        article_number="KH-A11Y",
        name={"en": "Ball valve DN15", "de": "Kugelhahn DN15"},
        values={"max_pressure": "16 bar", "body_material": "brass", "temperature_range": "-10 .. 120 °C"},
    )
    valve.categories.set([shelf["ball"]])
    valve.save()
    manual = create_asset(
        ContentFile(samples.simple_pdf("Manual", ["Manual"]), name="manual.pdf"),
        kind="manual",
        title={"en": "Operating manual"},
        languages=["en"],
    ).asset
    link_asset(manual, valve)
    application = make_pages(shelf["ball"])
    return {
        "home": "/",
        "home (German)": "/de/",
        "product": "/products/KH-A11Y/",
        "catalog": "/catalog/",
        "category": "/catalog/fluid/valves/",
        "category with filters": "/catalog/fluid/valves/?filter[body_material]=brass",
        "search": "/search/?q=valve",
        "series": "/series/S/",
        "application index": application.get_parent().url,
        "application": application.url,
        "download center": "/download-center/",
        "download center (product)": "/download-center/?q=kha11y",
        "compare": "/compare/?p=KH-A11Y&p=V-1",
        "selection": "/selection/",
        "not found": "/no-such-page/",
    }


PAGE_TYPES = [
    "home",
    "home (German)",
    "product",
    "catalog",
    "category",
    "category with filters",
    "search",
    "series",
    "application index",
    "application",
    "download center",
    "download center (product)",
    "compare",
    "selection",
    "not found",
]


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_type_has_no_serious_accessibility_violations(new_page, site, page_type):
    url = site[page_type]
    problems = []
    for viewport, options in [("desktop", {"viewport": {"width": 1280, "height": 900}}), ("phone", PHONE)]:
        page = new_page(**options)
        response = page.goto(url)
        expected = 404 if page_type == "not found" else 200
        assert response.status == expected, f"{page_type} {url}: {response.status}"
        violations = axe_violations(page)
        if violations:
            problems.append(f"--- {viewport} ---\n{describe(violations)}")
    assert not problems, f"axe-core on {page_type} ({url}):\n" + "\n".join(problems)


def test_admin_attribute_fields_have_no_serious_violations(new_page, live_server):
    user = get_user_model().objects.create_superuser("editor", "editor@example.com", "a-long-a11y-password")
    product = make_product(
        make_valve_family(),
        article_number="KH-ADMIN-A11Y",
        values={"max_pressure": "10 bar", "temperature_range": "-10 .. 120 °C"},
    )
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("a-long-a11y-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto(reverse("wagtailsnippets_catalog_product:edit", args=[product.pk]))
    page.get_by_role("tab", name="Attributes").click()
    # The label names the controls: Playwright finds them by it, as a screen reader would.
    expect(page.get_by_role("textbox", name="Max. operating pressure value")).to_have_value("10")
    expect(page.get_by_role("combobox", name="Max. operating pressure unit")).to_have_value("bar")
    expect(page.get_by_role("textbox", name="Medium temperature minimum")).to_have_value("-10")
    expect(page.get_by_role("textbox", name="Medium temperature maximum")).to_have_value("120")
    # Only the catalog's own fields: Wagtail's admin chrome is Wagtail's to fix.
    assert_no_serious_violations(page, include=[".pim-attribute"], label="admin product attributes")


def test_the_harness_reports_serious_violations_with_rule_target_and_help(page):
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<input type="text" id="nameless"><img src="data:," id="wordless">'
        "</main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        assert_no_serious_violations(page, label="a broken page")
    report = str(failure.value)
    assert "a broken page" in report
    assert "[critical] label:" in report and "#nameless" in report  # unlabelled text box
    assert "image-alt" in report and "#wordless" in report
