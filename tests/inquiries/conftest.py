"""Fixtures shared by the inquiry and change-notice tests: a valve family, a product and its successor."""

import pytest

from tests.factories import make_product, make_valve_family


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def product(family):
    return make_product(family, article_number="KH-1", name={"en": "Ball valve", "de": "Kugelhahn"})


@pytest.fixture
def successor(family):
    return make_product(family, article_number="KH-2", name={"en": "Ball valve, new", "de": "Kugelhahn, neu"})
