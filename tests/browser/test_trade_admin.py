"""Trade and logistics data edited in the admin's "Trade & logistics" tab, published, and read
on the public product page on a phone."""

import re
from decimal import Decimal

import pytest

from pim.catalog.models import Product
from tests.browser.axe import assert_no_serious_violations
from tests.browser.support import expect
from tests.browser.test_admin import admin_page, editor, publish, url  # noqa: F401 - fixtures
from tests.browser.test_product_page import assert_no_horizontal_overflow
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_edit_the_trade_tab_publish_and_read_it_on_a_phone(admin_page, phone_page, screenshot):  # noqa: F811
    family = make_valve_family()
    product = make_product(family, article_number="KH-LOG-1", values={"max_pressure": "10 bar"})
    page = admin_page

    page.goto(url("product", "edit", product.pk))
    page.get_by_role("tab", name="Trade & logistics").click()
    net_weight = page.locator("input[name='net_weight_0']")
    expect(net_weight).to_be_visible()
    net_weight.fill("250")
    page.locator("select[name='net_weight_1']").select_option("g")
    page.locator("input[name='gross_weight_0']").fill("0.3 kg")
    page.locator("input[name='length_0']").fill("12 cm")
    page.locator("input[name='width_0']").fill("80")
    page.locator("input[name='height_0']").fill("4.5 cm")
    page.locator("select[name='country_of_origin']").select_option("DE")
    page.locator("input[name='customs_tariff_number']").fill("8481 80 81")
    page.locator("input[name='delivery_time_days']").fill("3")
    page.locator("select[name='ce_marking']").select_option("true")
    page.get_by_role("button", name=re.compile("Add packing unit", re.I)).click()
    page.locator("select[name='packing_units-0-code']").select_option("CT")
    page.locator("input[name='packing_units-0-quantity']").fill("50")
    page.locator("input[name='packing_units-0-gtin']").fill("4006381333931")
    screenshot(page, "admin-product-trade-tab")
    publish(page)
    expect(page).to_have_url(re.compile(re.escape(url("product", "list")) + "$"))
    expect(page.locator(".messages .success")).to_contain_text("published")

    stored = Product.objects.get(pk=product.pk)
    assert (stored.net_weight, stored.gross_weight) == (Decimal("0.25"), Decimal("0.3"))
    assert (stored.length, stored.width, stored.height) == (Decimal(120), Decimal(80), Decimal(45))
    assert [(p.code, p.quantity) for p in stored.packing_units.all()] == [("CT", Decimal(50))]

    phone = phone_page
    phone.goto(f"/products/{product.article_number}/")
    section = phone.locator("section.logistics")
    expect(section.locator("h2")).to_have_text("Logistics")
    expect(section).to_contain_text("250 g")
    expect(section).to_contain_text("120 × 80 × 45 mm")
    expect(section).to_contain_text("Germany")
    expect(section).to_contain_text("3 working days")
    expect(section.locator("table tbody tr")).to_have_count(1)
    expect(section.locator("table tbody th")).to_have_text("Carton")
    assert_no_horizontal_overflow(phone)
    assert_no_serious_violations(phone, label="product page with logistics (phone)")
    screenshot(phone, "product-page-logistics-phone")

    phone.goto(f"/de/produkte/{product.article_number}/")
    expect(phone.locator("section.logistics")).to_contain_text("Deutschland")
    assert_no_horizontal_overflow(phone)
    assert_no_serious_violations(phone, label="product page with logistics (phone, German)")
