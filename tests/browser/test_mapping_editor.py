"""The import mapping editor at desktop width: a product manager maps a supplier's columns and
an unknown option label without writing JSON, and the page passes axe."""

import re

import pytest
from django.urls import reverse

from pim.imports.models import ImportMapping
from tests.browser.axe import assert_no_serious_violations
from tests.browser.support import expect
from tests.browser.test_admin import admin_page, editor  # noqa: F401 - fixtures
from tests.factories import make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_map_a_suppliers_columns_and_labels(admin_page, screenshot):  # noqa: F811
    make_valve_family()
    mapping = ImportMapping.objects.create(
        name="Lieferant A",
        supplier="A GmbH",
        columns={"Artikel-Nr.": {"target": "field:article_number"}, "Druck max": {"target": "ignore"}},
    )
    page = admin_page
    page.goto(reverse("import_mappings:edit", args=[mapping.pk]))

    target = page.get_by_label("What column “Druck max” fills")
    expect(target).to_have_value("ignore")
    target.select_option("attribute:max_pressure")
    page.get_by_label("Unit of column “Druck max”").fill("bar")
    page.get_by_label("Header of the new column in row 3").fill("Werkstoff")
    page.get_by_label("What the new column in row 3 fills").select_option("attribute:body_material")
    page.get_by_label("Attribute in row 1").select_option("body_material")
    page.get_by_label("Label in the file in row 1").fill("Messing gelb")
    page.get_by_label("Option code in row 1").fill("brass")
    screenshot(page, "admin-import-mapping-editor")
    assert_no_serious_violations(page, label="import mapping editor")

    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page).to_have_url(re.compile(re.escape(reverse("import_mappings:index")) + "$"))
    mapping.refresh_from_db()
    assert mapping.columns == {
        "Artikel-Nr.": {"target": "field:article_number"},
        "Druck max": {"target": "attribute:max_pressure", "unit": "bar"},
        "Werkstoff": {"target": "attribute:body_material"},
    }
    assert mapping.options == {"body_material": {"Messing gelb": "brass"}}
