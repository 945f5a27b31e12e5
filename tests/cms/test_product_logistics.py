"""The product page's logistics section: weights, dimensions, origin, customs, delivery time,
packing units and declarations, the series' values where the article has none."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import page_cache
from pim.catalog.models import PackingUnit, ProductModel
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def series(family):
    return ProductModel.objects.create(
        code="HSB",
        name={"en": "Series HSB"},
        family=family,
        live=True,
        country_of_origin="DE",
        customs_tariff_number="84818081",
        delivery_time_days=3,
        ce_marking=True,
        rohs_status="compliant",
        reach_status="contains",
        scip_number="f5716c60-d07c-415c-b4c0-c1a796eaaf04",
    )


@pytest.fixture
def variant(family, series):
    product = make_product(
        family,
        article_number="HSB-15",
        product_model=series,
        net_weight=Decimal("0.25"),
        gross_weight=Decimal("1.5"),
        length=Decimal("120"),
        width=Decimal("80"),
        height=Decimal("45.5"),
        un_number="1950",
        hazard_class="2.1",
    )
    PackingUnit.objects.create(
        product=product,
        code="BG",
        quantity=10,
        gtin="4006381333931",
        gross_weight=Decimal("2.6"),
        length=200,
        width=150,
        height=50,
        sort_order=0,
    )
    PackingUnit.objects.create(product=product, code="CT", quantity=100, sort_order=1)
    return product


def logistics(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return soup.select_one("section.logistics")


def facts(section) -> dict[str, str]:
    return {
        div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in section.select("dl.facts > div")
    }


def package_rows(section) -> list[list[str]]:
    return [
        [cell.get_text(strip=True) for cell in row.select("th, td")]
        for row in section.select("table.logistics__packages tbody tr")
    ]


def test_section_shows_own_and_inherited_values(client, variant):
    section = logistics(client, "/products/HSB-15/")
    assert section is not None
    assert section.h2.get_text(strip=True) == "Logistics"
    shown = facts(section)
    assert shown["Net weight"] == "250 g"
    assert shown["Gross weight"] == "1.5 kg"
    assert shown["Dimensions (L × W × H)"] == "120 × 80 × 45.5 mm"
    # From the series: the variant leaves these empty.
    assert shown["Country of origin"] == "Germany"
    assert shown["Customs tariff number"] == "84818081"
    assert shown["Delivery time"] == "3 working days"
    assert shown["Dangerous goods"] == "UN 1950, class 2.1"
    assert shown["CE marking"] == "Yes"
    assert shown["RoHS"] == "Compliant"
    assert shown["REACH declaration"] == (
        "Contains SVHC above 0.1 % (SCIP number f5716c60-d07c-415c-b4c0-c1a796eaaf04)"
    )
    assert package_rows(section) == [
        ["Bag", "10 × piece", "4006381333931", "2.6 kg", "200 × 150 × 50 mm"],
        ["Carton", "100 × piece", "–", "–", "–"],
    ]
    # The table scrolls in its own named, focusable region (never the page).
    region = section.select_one(".logistics__scroll")
    assert region["role"] == "region" and region["tabindex"] == "0"
    assert section.find(id=region["aria-labelledby"]).get_text(strip=True) == "Packing units"


def test_section_in_german(client, variant):
    section = logistics(client, "/de/produkte/HSB-15/")
    text = " ".join(section.get_text(" ", strip=True).split())
    assert "1,5 kg" in text and "120 × 80 × 45,5 mm" in text and "2,6 kg" in text
    assert "Deutschland" in text and "Germany" not in text


def test_own_values_override_the_series(client, variant):
    variant.country_of_origin = "IT"
    variant.delivery_time_days = 1
    variant.ce_marking = False
    variant.save()
    shown = facts(logistics(client, "/products/HSB-15/"))
    assert shown["Country of origin"] == "Italy"
    assert shown["Delivery time"] == "1 working day"
    assert shown["CE marking"] == "No"


def test_nothing_shown_without_trade_data(client, family):
    make_product(family, article_number="KH-PLAIN")
    response = client.get("/products/KH-PLAIN/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="logistics"' not in html and "logistics__" not in html


def test_a_publish_replaces_the_cached_page(client, settings, variant, series):
    settings.PIM_PAGE_CACHE_TIMEOUT = 300
    path = "/products/HSB-15/"
    assert facts(logistics(client, path))["Net weight"] == "250 g"
    assert client.get(path)[page_cache.STATUS_HEADER] == "hit"

    # A draft changes nothing public; publishing the product does.
    variant.net_weight = Decimal("0.3")
    revision = variant.save_revision()
    assert facts(logistics(client, path))["Net weight"] == "250 g"
    revision.publish()
    assert facts(logistics(client, path))["Net weight"] == "300 g"

    # Publishing the series reaches its variants' pages.
    series.country_of_origin = "CH"
    series.save_revision().publish()
    assert facts(logistics(client, path))["Country of origin"] == "Switzerland"


def test_packing_units_do_not_cost_a_query_each(client, settings, variant):
    settings.PIM_PAGE_CACHE_TIMEOUT = 0  # every answer built from the database

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/products/HSB-15/").status_code == 200
        return len(captured)

    client.get("/")
    few = count()
    for number in range(5):
        PackingUnit.objects.create(product=variant, code="PF", quantity=1000 + number, sort_order=10 + number)
    assert count() <= few
    assert len(package_rows(logistics(client, "/products/HSB-15/"))) == 7


def test_a_packing_unit_written_directly_replaces_the_cached_page(client, settings, variant):
    settings.PIM_PAGE_CACHE_TIMEOUT = 300
    path = "/products/HSB-15/"
    assert len(package_rows(logistics(client, path))) == 2
    assert client.get(path)[page_cache.STATUS_HEADER] == "hit"
    PackingUnit.objects.create(product=variant, code="PF", quantity=1000, sort_order=5)
    assert package_rows(logistics(client, path))[-1][0] == "Pallet"
