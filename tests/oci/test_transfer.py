"""The cart and the transfer form: OCI 4.0 field names, line numbering, units, prices with a
decimal point, tiers, quantities checked against minimum and step, LONGTEXT, truncation."""

from decimal import Decimal

import pytest

from pim.catalog.models import Category, Product
from pim.oci.models import MaterialGroupSource
from pim.oci.transfer import TransferLine, cut, oci_amount
from tests.factories import make_product
from tests.oci.conftest import entry, price, token_of, transfer_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(client, customer, catalog):
    return token_of(entry(client))


def add(client, token, product, quantity):
    return client.post("/oci/cart/", {"s": token, "add": product.pk, "quantity": quantity})


def cart_after(client, token, *additions):
    """The cart page after adding (product, quantity) pairs in order."""
    for product, quantity in additions:
        response = add(client, token, product, quantity)
        assert response.status_code == 302, response.content.decode()
        token = token_of(response)
    return client.get("/oci/cart/", {"s": token})


def test_the_transfer_form_has_the_oci_fields_of_every_line(client, token, catalog):
    cart = cart_after(client, token, (catalog["valve"], "2"), (catalog["tens"], "15"))
    assert cart.status_code == 200
    attrs, fields = transfer_form(cart)
    assert attrs["action"] == "https://srm.example.com/sap/bc/gui/sap/its/bbpsc02?sap-client=100"
    assert {name: value for name, value in fields.items() if name.endswith("[1]")} == {
        "NEW_ITEM-DESCRIPTION[1]": "Ball valve brass DN15",
        "NEW_ITEM-QUANTITY[1]": "2",
        "NEW_ITEM-UNIT[1]": "C62",
        "NEW_ITEM-PRICE[1]": "12.50",
        "NEW_ITEM-PRICEUNIT[1]": "1",
        "NEW_ITEM-CURRENCY[1]": "EUR",
        "NEW_ITEM-VENDORMAT[1]": "KH-1",
        "NEW_ITEM-MATGROUP[1]": "EC011111",  # the family's ETIM class, as configured
        "NEW_ITEM-LEADTIME[1]": "5",  # the catalog's delivery time in working days
        "NEW_ITEM-EXT_PRODUCT_ID[1]": "KH-1",
        "NEW_ITEM-MANUFACTMAT[1]": "MPN-4711",
    }
    assert fields["NEW_ITEM-LONGTEXT_1:132[]"] == "Full bore, PN 40."
    assert fields["NEW_ITEM-VENDORMAT[2]"] == "KH-2"
    assert fields["NEW_ITEM-UNIT[2]"] == "PR"  # the order unit's UN/ECE code
    assert fields["NEW_ITEM-QUANTITY[2]"] == "15"
    assert fields["NEW_ITEM-PRICE[2]"] == "1234.50"  # decimal point, no thousands separator
    assert fields["NEW_ITEM-LEADTIME[2]"] == ""
    assert "NEW_ITEM-LONGTEXT_2:132[]" not in fields  # no text to send
    assert not any("[3]" in name for name in fields)
    assert "NEW_ITEM-VENDOR[1]" not in fields and "NEW_ITEM-MANUFACTCODE[1]" not in fields


def test_vendor_and_manufacturer_numbers_and_the_category_as_material_group_when_configured(
    client, token, catalog, customer
):
    customer.vendor_number = "100042"
    customer.manufacturer_code = "M-7"
    customer.material_group_source = MaterialGroupSource.CATEGORY
    customer.save()
    category = Category.objects.create(code="ball-valves-brass-long", name={"en": "B"})
    catalog["valve"].categories.set([category])
    catalog["valve"].save()
    _attrs, fields = transfer_form(cart_after(client, token, (catalog["valve"], "1")))
    assert fields["NEW_ITEM-VENDOR[1]"] == "100042"
    assert fields["NEW_ITEM-MANUFACTCODE[1]"] == "M-7"
    assert fields["NEW_ITEM-MATGROUP[1]"] == "ball-valve"  # 10 characters, as OCI allows


def test_numbers_keep_the_decimal_point_in_german_pages(client, token, catalog):
    Product.objects.filter(pk=catalog["valve"].pk).update(order_quantity_step=Decimal("0.5"))
    response = client.post(
        "/oci/cart/", {"s": token, "add": catalog["valve"].pk, "quantity": "2,5"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 302
    cart = client.get("/oci/cart/", {"s": token_of(response)}, HTTP_ACCEPT_LANGUAGE="de")
    assert cart["Content-Language"] == "de"
    assert 'value="2,5"' in cart.content.decode()  # the buyer reads German numbers
    _attrs, fields = transfer_form(cart)
    assert fields["NEW_ITEM-QUANTITY[1]"] == "2.5"
    assert fields["NEW_ITEM-PRICE[1]"] == "12.50"
    assert fields["NEW_ITEM-DESCRIPTION[1]"] == "Kugelhahn Messing DN15"


def test_the_price_is_the_tier_the_quantity_reaches(client, token, catalog):
    _attrs, fields = transfer_form(cart_after(client, token, (catalog["valve"], "12")))
    assert fields["NEW_ITEM-PRICE[1]"] == "10.25"


def test_adding_again_adds_up_and_a_line_can_be_changed_and_removed(client, token, catalog):
    cart = cart_after(client, token, (catalog["valve"], "2"), (catalog["valve"], "3"))
    _attrs, fields = transfer_form(cart)
    assert fields["NEW_ITEM-QUANTITY[1]"] == "5"
    token = cart.context["token"]
    changed = client.post("/oci/cart/", {"s": token, "update": "1", f"quantity-{catalog['valve'].pk}": "7"})
    _attrs, fields = transfer_form(client.get(changed["Location"]))
    assert fields["NEW_ITEM-QUANTITY[1]"] == "7"
    removed = client.post("/oci/cart/", {"s": token_of(changed), "remove": catalog["valve"].pk})
    page = client.get(removed["Location"])
    assert "The cart is empty." in page.content.decode()
    assert "NEW_ITEM-" not in page.content.decode()


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("3", "KH-2: 3 pair cannot be ordered (minimum 10, in steps of 5). Enter 10."),
        ("12", "KH-2: 12 pair cannot be ordered (minimum 10, in steps of 5). Enter 10 or 15."),
        ("0", "KH-2: The quantity must be greater than 0"),
        ("ten", "KH-2: "),
    ],
)
def test_quantities_are_checked_against_minimum_and_step(client, token, catalog, quantity, message):
    response = add(client, token, catalog["tens"], quantity)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body.replace("&#x27;", "'")
    assert "NEW_ITEM-VENDORMAT" not in body  # nothing was added


def test_a_changed_quantity_that_is_not_orderable_changes_nothing(client, token, catalog):
    cart = cart_after(client, token, (catalog["tens"], "10"), (catalog["valve"], "1"))
    token = cart.context["token"]
    response = client.post(
        "/oci/cart/",
        {
            "s": token,
            "update": "1",
            f"quantity-{catalog['tens'].pk}": "11",
            f"quantity-{catalog['valve'].pk}": "4",
        },
    )
    assert response.status_code == 400
    assert "Enter 10 or 15" in response.content.decode()
    _attrs, fields = transfer_form(response)
    assert fields["NEW_ITEM-QUANTITY[1]"] == "10" and fields["NEW_ITEM-QUANTITY[2]"] == "1"


def test_drafts_cannot_be_added_and_a_product_that_left_the_catalog_drops_out(client, token, catalog):
    for hidden in (catalog["draft"], catalog["planned"]):
        response = add(client, token, hidden, "1")
        assert response.status_code == 400
        assert "This product is not available." in response.content.decode()
    cart = cart_after(client, token, (catalog["valve"], "1"), (catalog["tens"], "10"))
    Product.objects.filter(pk=catalog["valve"].pk).update(live=False)
    page = client.get("/oci/cart/", {"s": cart.context["token"]})
    _attrs, fields = transfer_form(page)
    assert fields["NEW_ITEM-VENDORMAT[1]"] == "KH-2"
    assert "NEW_ITEM-VENDORMAT[2]" not in fields
    assert "no longer available" in page.content.decode()


def test_a_product_without_a_price_in_the_currency_goes_with_price_zero_and_a_warning(client, token, catalog):
    cart = cart_after(client, token, (catalog["unpriced"], "1"))
    _attrs, fields = transfer_form(cart)
    assert fields["NEW_ITEM-PRICE[1]"] == "0"
    assert fields["NEW_ITEM-CURRENCY[1]"] == "EUR"
    assert "No EUR price for KH-NOPRICE" in cart.content.decode()


def test_long_texts_are_cut_to_the_field_lengths_and_the_full_name_goes_to_longtext(client, token, catalog):
    long_name = "Ball valve, stainless steel 1.4408, full bore, ISO 5211 mounting pad, DN 50"
    long_number = "KH-" + "9" * 45
    product = make_product(
        catalog["valve"].family,
        article_number=long_number,
        name={"en": long_name},
        manufacturer_pid="M" * 50,
        long_description={"en": "Line one.\nLine two."},
    )
    price(product, "1.005")
    cart = cart_after(client, token, (product, "1"))
    _attrs, fields = transfer_form(cart)
    assert fields["NEW_ITEM-DESCRIPTION[1]"] == long_name[:40].rstrip()
    assert len(fields["NEW_ITEM-DESCRIPTION[1]"]) <= 40
    assert fields["NEW_ITEM-VENDORMAT[1]"] == long_number[:40]
    assert fields["NEW_ITEM-MANUFACTMAT[1]"] == "M" * 40
    assert fields["NEW_ITEM-EXT_PRODUCT_ID[1]"] == f"#{product.pk}"  # an article number would be cut
    assert fields["NEW_ITEM-PRICE[1]"] == "1.005"
    assert fields["NEW_ITEM-LONGTEXT_1:132[]"].split() == f"{long_name}\nLine one.\nLine two.".split()
    # SAP's PRODUCTID for it finds it again
    response = entry(client, FUNCTION="VALIDATE", PRODUCTID=f"#{product.pk}")
    assert transfer_form(response)[1]["NEW_ITEM-VENDORMAT[1]"] == long_number[:40]


def test_cut_and_amount_formats():
    assert cut("  two\n lines  ", 40) == "two lines"
    assert cut("x" * 39 + " y", 40) == "x" * 39
    assert oci_amount(Decimal("1234567.5")) == "1234567.50"
    assert oci_amount(Decimal("0.1250")) == "0.125"
    assert oci_amount(Decimal("12.5000")) == "12.50"


def test_price_unit_is_the_products_price_quantity(catalog, customer):
    product = catalog["valve"]
    product.price_quantity = Decimal("100.000")
    fields = dict(TransferLine(product=product, quantity=Decimal(200), price=None).fields(1, customer, "en"))
    assert fields["NEW_ITEM-PRICEUNIT[1]"] == "100"
    assert fields["NEW_ITEM-QUANTITY[1]"] == "200"
