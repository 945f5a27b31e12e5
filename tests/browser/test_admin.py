"""The catalog editors in Wagtail's admin, clicked through in a real browser.

The Django-client tests in tests/catalog/test_admin.py cover the forms' rules; these cover
what only a browser does: Wagtail's tabs and dropdown actions, the sidebar menu, and the
catalog's own JavaScript (the "Add row" button of child tables).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pim.catalog.models import Attribute, AttributeType, FamilyAttribute
from tests.browser.support import expect
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

USERNAME, PASSWORD = "editor", "a-long-browser-test-password"


def url(model, view, *args):
    return reverse(f"wagtailsnippets_catalog_{model}:{view}", args=args)


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser(USERNAME, "editor@example.com", PASSWORD)


@pytest.fixture
def admin_page(page, editor):
    """A page logged in to the admin through its login form."""
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


def technical_value(page, code):
    return page.locator(f'tr[data-attribute="{code}"] td')


def open_product_from_the_menu(page, product):
    """Catalog > Products > the product, as an editor gets there."""
    page.get_by_role("button", name="Catalog").click()
    page.get_by_role("link", name="Products", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(url("product", "list")) + "$"))
    page.get_by_role("link", name=product.article_number, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(url("product", "edit", product.pk)) + "$"))


def publish(page):
    """Wagtail's footer: "Publish" sits in the dropdown beside "Save draft"."""
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()


def test_publish_a_value_typed_in_psi(admin_page, screenshot):
    family = make_valve_family()
    product = make_product(family, article_number="KH-PSI-1", values={"max_pressure": "10 bar"})
    page = admin_page

    open_product_from_the_menu(page, product)
    page.get_by_role("tab", name="Attributes").click()
    number = page.locator("input[name='attr_max_pressure_0']")
    expect(number).to_be_visible()
    expect(number).to_have_value("10")
    number.fill("232 psi")
    screenshot(page, "admin-product-attributes-tab")
    publish(page)
    # Back on the listing with Wagtail's success message.
    expect(page).to_have_url(re.compile(re.escape(url("product", "list")) + "$"))
    expect(page.locator(".messages .success")).to_contain_text(product.article_number)
    expect(page.locator(".messages .success")).to_contain_text("published")

    page.goto(f"/products/{product.article_number}/")
    cell = technical_value(page, "max_pressure")
    expect(cell).to_have_text("16 bar")
    # 232 psi are 15.9958 bar: four significant digits round to 16.00, shown without zeros.
    assert cell.text_content() == "16\xa0bar"

    # The editor shows the value in the unit it was typed in.
    page.goto(url("product", "edit", product.pk))
    page.get_by_role("tab", name="Attributes").click()
    expect(page.locator("input[name='attr_max_pressure_0']")).to_have_value("232")
    expect(page.locator("select[name='attr_max_pressure_1']")).to_have_value("psi")

    # The history lists the publication by the editor.
    page.goto(url("product", "history", product.pk))
    history = page.locator("table.listing tbody tr")
    expect(history.first).to_contain_text("Published")
    expect(history.first).to_contain_text(USERNAME)
    product.refresh_from_db()
    assert product.live_revision is not None
    assert product.live_revision.user.username == USERNAME


def test_invalid_value_is_reported_at_its_field_and_nothing_is_published(admin_page):
    family = make_valve_family()
    product = make_product(family, article_number="KH-KG-1", values={"max_pressure": "16 bar"})
    revisions = product.revisions.count()
    page = admin_page

    page.goto(url("product", "edit", product.pk))
    page.get_by_role("tab", name="Attributes").click()
    page.locator("input[name='attr_max_pressure_0']").fill("16 kg")
    publish(page)

    # The form comes back on its first tab; the Attributes tab counts one error and
    # Wagtail's "Go to the first error" opens it.
    expect(page.get_by_role("tab", name=re.compile(r"^Attributes"))).to_contain_text("1")
    field = page.locator("[data-attribute-field='attr_max_pressure']")
    expect(field.locator(".error-message")).to_be_hidden()
    page.get_by_role("button", name="Go to the first error").click()
    expect(page.get_by_role("tab", name=re.compile(r"^Attributes"))).to_have_attribute(
        "aria-selected", "true"
    )
    expect(field.locator(".error-message")).to_be_visible()
    expect(field.locator(".error-message")).to_contain_text("“kg” is not a unit of Pressure")
    # The typed text stays for correction.
    expect(page.locator("input[name='attr_max_pressure_0']")).to_have_value("16 kg")
    assert product.revisions.count() == revisions

    page.goto(f"/products/{product.article_number}/")
    expect(technical_value(page, "max_pressure")).to_have_text("16 bar")


def test_family_add_row_button_adds_an_attribute_row(admin_page, screenshot):
    family = make_valve_family()
    flow = Attribute.objects.create(
        code="flow_coefficient",
        name={"en": "Flow coefficient Kv", "de": "Durchflusskoeffizient Kv"},
        type=AttributeType.NUMBER,
    )
    page = admin_page

    page.goto(url("family", "edit", family.pk))
    formset = page.locator("[data-pim-formset='family_attributes']")
    rows = formset.locator("[data-pim-formset-rows] > tr")
    total = formset.locator("input[name='family_attributes-TOTAL_FORMS']")
    expect(rows).to_have_count(8)  # seven attributes and one empty row
    expect(total).to_have_value("8")

    formset.get_by_role("button", name="Add row").click()
    expect(rows).to_have_count(9)
    expect(total).to_have_value("9")
    new_row = rows.nth(8)
    expect(new_row.locator("input[name='family_attributes-8-sort_order']")).to_be_attached()
    assert "__prefix__" not in new_row.inner_html()
    screenshot(page, "admin-family-added-row")

    # The chooser in the new row works (its init script ran): pick the attribute and save.
    new_row.get_by_role("button", name=re.compile("Choose")).click()
    modal = page.locator(".modal")
    modal.get_by_role("link", name=re.compile("flow_coefficient|Flow coefficient")).first.click()
    expect(new_row.locator("input[name='family_attributes-8-attribute']")).to_have_value(str(flow.pk))
    new_row.locator("input[name='family_attributes-8-sort_order']").fill("20")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages .success")).to_be_visible()

    row = FamilyAttribute.objects.get(family=family, attribute=flow)
    assert row.sort_order == 20
    assert FamilyAttribute.objects.filter(family=family).count() == 8
