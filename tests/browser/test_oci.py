"""The OCI punch-out in Chromium: SAP's entry URL opens the catalog, the buyer searches, fills
the cart and presses "Transfer to cart"; a fake SAP hook page (a plain ``http.server`` on
127.0.0.1, another origin than the catalog) records the form post. The page's CSP must let the
form go there, and the fields must be what OCI 4.0 expects. axe-core on the OCI pages, and
the phone width without sideways scrolling."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pytest

from pim.search import indexing
from tests.browser.axe import assert_no_serious_violations
from tests.browser.support import expect
from tests.oci.conftest import PASSWORD, USERNAME, make_catalog, make_customer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RECEIVED_PAGE = b"<!DOCTYPE html><html lang='en'><title>SAP SRM</title><h1>Cart received</h1></html>"


@pytest.fixture
def sap_hook():
    """(HOOK_URL, list of received form posts as dicts of name -> values)."""
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            received.append(parse_qs(body, keep_blank_values=True))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(RECEIVED_PAGE)))
            self.end_headers()
            self.wfile.write(RECEIVED_PAGE)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sap/bc/hook?sap-client=100", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def punch_out(database_search, sap_hook):
    """The entry URL SAP would open, with a customer that allows the fake hook."""
    hook_url, received = sap_hook
    make_customer(prefixes=hook_url.split("/bc/")[0] + "/")
    products = make_catalog()
    indexing.rebuild("database")
    entry = "/oci/?" + urlencode({"USERNAME": USERNAME, "PASSWORD": PASSWORD, "HOOK_URL": hook_url,
                                  "~OkCode": "ADDI", "~TARGET": "_top", "~CALLER": "CTLG"})  # fmt: skip
    return entry, received, products


def item(page, number):
    return page.locator(
        ".oci-item", has=page.get_by_text(re.compile(rf"Article number: {re.escape(number)}$"))
    )


def test_transfer_to_cart_posts_the_oci_fields_to_the_hook(page, punch_out):
    entry, received, _products = punch_out
    page.goto(entry)
    expect(page.get_by_role("heading", name="Search the catalog")).to_be_visible()
    assert_no_serious_violations(page, label="OCI catalog")

    page.get_by_label("Article number or text").fill("KH-1")
    page.get_by_role("button", name="Search", exact=True).click()
    valve = item(page, "KH-1")
    valve.get_by_label(re.compile(r"^Quantity")).fill("12")
    valve.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Cart")).to_be_visible()

    page.get_by_role("link", name="Search").click()
    item(page, "KH-2").get_by_role("button", name="Add to cart").click()  # at its minimum, 10 pairs
    expect(page.locator(".oci-count")).to_have_text("(2)")
    assert_no_serious_violations(page, label="OCI cart")

    page.get_by_role("button", name="Transfer to cart").click()
    expect(page.get_by_role("heading", name="Cart received")).to_be_visible()
    assert len(received) == 1
    fields = {name: values[0] for name, values in received[0].items()}
    assert fields["NEW_ITEM-VENDORMAT[1]"] == "KH-1"
    assert fields["NEW_ITEM-QUANTITY[1]"] == "12"
    assert fields["NEW_ITEM-UNIT[1]"] == "C62"
    assert fields["NEW_ITEM-PRICE[1]"] == "10.25"  # the tier from 10 pieces
    assert fields["NEW_ITEM-CURRENCY[1]"] == "EUR"
    assert fields["NEW_ITEM-DESCRIPTION[1]"] == "Ball valve brass DN15"
    assert fields["NEW_ITEM-LONGTEXT_1:132[]"] == "Full bore, PN 40."
    assert fields["NEW_ITEM-VENDORMAT[2]"] == "KH-2"
    assert fields["NEW_ITEM-QUANTITY[2]"] == "10"
    assert fields["NEW_ITEM-UNIT[2]"] == "PR"
    assert fields["NEW_ITEM-PRICE[2]"] == "1234.50"
    assert fields["~OkCode"] == "ADDI" and fields["~TARGET"] == "_top" and fields["~CALLER"] == "CTLG"


def test_validate_submits_the_form_by_itself(page, punch_out):
    entry, received, _products = punch_out
    page.goto(entry + "&" + urlencode({"FUNCTION": "VALIDATE", "PRODUCTID": "KH-2", "QUANTITY": "20"}))
    expect(page.get_by_role("heading", name="Cart received")).to_be_visible()
    assert received[0]["NEW_ITEM-VENDORMAT[1]"] == ["KH-2"]
    assert received[0]["NEW_ITEM-QUANTITY[1]"] == ["20"]


def test_phone_width_without_sideways_scrolling(phone_page, punch_out):
    entry, _received, _products = punch_out
    page = phone_page
    page.goto(entry)
    pages = {"catalog": page.url}
    item(page, "KH-1").get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Cart")).to_be_visible()
    pages["cart"] = page.url
    page.goto(pages["catalog"])
    page.get_by_role("link", name="Ball valve brass DN15").click()
    expect(page.get_by_role("heading", name="Ball valve brass DN15")).to_be_visible()
    pages["product"] = page.url
    for name, url in pages.items():
        page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the OCI {name} page scrolls sideways at phone width: {width}px"
    assert_no_serious_violations(page, label="OCI product page")
