"""The admin's number-with-unit and range fields: their visible label names every control.

Before, Wagtail rendered ``<label>`` without ``for`` for these multi-part widgets, so the text
box and the unit list had no accessible name (axe rule "label")."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def edit_page(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.com", "secret")
    client.force_login(user)
    product = make_product(
        make_valve_family(),
        article_number="KH-LABEL-1",
        values={"max_pressure": "10 bar", "temperature_range": "-10 .. 120 °C"},
    )
    html = client.get(reverse("wagtailsnippets_catalog_product:edit", args=[product.pk])).content.decode()
    return BeautifulSoup(html, "html.parser")


def accessible_name_parts(page, control) -> list[str]:
    """The texts that ``aria-labelledby`` of ``control`` refers to, in order (every id must exist)."""
    texts = []
    for ref in control["aria-labelledby"].split():
        element = page.find(id=ref)
        assert element is not None, f"{control['name']}: aria-labelledby names missing id {ref}"
        texts.append(element.get_text(" ", strip=True))
    return texts


def field_label(page, field_name):
    wrapper = page.select_one(f'[data-attribute-field="{field_name}"]')
    return wrapper.select_one("label.w-field__label")


def test_measurement_label_is_tied_to_the_number_and_the_unit(edit_page):
    label = field_label(edit_page, "attr_max_pressure")
    number = edit_page.select_one("input[name=attr_max_pressure_0]")
    unit = edit_page.select_one("select[name=attr_max_pressure_1]")

    assert label["for"] == number["id"]  # clicking the label focuses the text box
    assert accessible_name_parts(edit_page, number) == ["Max. operating pressure", "value"]
    assert accessible_name_parts(edit_page, unit) == ["Max. operating pressure", "unit"]
    group = number.find_parent(attrs={"role": "group"})
    assert group is not None and group["aria-labelledby"] == label["id"]


def test_range_label_is_tied_to_minimum_maximum_and_unit(edit_page):
    label = field_label(edit_page, "attr_temperature_range")
    low = edit_page.select_one("input[name=attr_temperature_range_0]")
    high = edit_page.select_one("input[name=attr_temperature_range_1]")
    unit = edit_page.select_one("select[name=attr_temperature_range_2]")

    assert label["for"] == low["id"]
    assert accessible_name_parts(edit_page, low) == ["Medium temperature", "minimum"]
    assert accessible_name_parts(edit_page, high) == ["Medium temperature", "maximum"]
    assert accessible_name_parts(edit_page, unit) == ["Medium temperature", "unit"]


def test_every_control_of_the_attributes_tab_has_a_name(edit_page):
    controls = edit_page.select(
        "[data-attribute-field] input:not([type=hidden]), [data-attribute-field] select, "
        "[data-attribute-field] textarea"
    )
    assert len(controls) >= 8
    for control in controls:
        if control.get("aria-labelledby"):
            assert all(accessible_name_parts(edit_page, control)), control["name"]
        else:
            label = edit_page.find("label", attrs={"for": control["id"]})
            assert label is not None and label.get_text(strip=True), f"{control['name']} has no label"
