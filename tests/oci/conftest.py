"""OCI customers, a small public catalog with prices, and a reader of the transfer form."""

from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from pim.catalog.models import Lifecycle, ProductPrice
from pim.oci.models import MaterialGroupSource, OciCustomer
from pim.search import indexing
from tests.factories import make_product, make_valve_family

USERNAME = "srm-buyer"
PASSWORD = "punch-out-2026"
HOOK_URL = "https://srm.example.com/sap/bc/gui/sap/its/bbpsc02?sap-client=100"


def make_customer(prefixes="https://srm.example.com/sap/bc/\nhttps://ariba.example.net/") -> OciCustomer:
    customer = OciCustomer(
        name="Acme Procurement",
        username=USERNAME,
        hook_url_prefixes=prefixes,
        currency="EUR",
        material_group_source=MaterialGroupSource.ETIM_CLASS,
    )
    customer.set_password(PASSWORD)
    customer.save()
    return customer


@pytest.fixture
def customer(db):
    return make_customer()


def price(product, amount, currency="EUR", min_quantity=1, price_type=ProductPrice.PriceType.NET_LIST):
    return ProductPrice.objects.create(
        product=product,
        amount=Decimal(amount),
        currency=currency,
        min_quantity=Decimal(min_quantity),
        price_type=price_type,
    )


@pytest.fixture
def catalog(database_search):
    return make_catalog()


def make_catalog() -> dict:
    """KH-1 (priced, tiered, with delivery time), KH-2 (sold in tens), KH-NOPRICE (USD only),
    and the hidden ones: KH-DRAFT (unpublished) and KH-PLANNED (lifecycle draft)."""
    family = make_valve_family()
    valve = make_product(
        family,
        article_number="KH-1",
        name={"en": "Ball valve brass DN15", "de": "Kugelhahn Messing DN15"},
        short_description={"en": "Full bore, PN 40."},
        manufacturer_pid="MPN-4711",
        delivery_time_days=5,
        values={"max_pressure": "40 bar", "body_material": "brass"},
    )
    price(valve, "12.5")
    price(valve, "10.25", min_quantity=10)
    price(valve, "99", currency="USD")
    tens = make_product(
        family,
        article_number="KH-2",
        name={"en": "Ball valve stainless DN20"},
        min_order_quantity=Decimal(10),
        order_quantity_step=Decimal(5),
        order_unit="PR",
        values={"max_pressure": "16 bar", "body_material": "ss316"},
    )
    price(tens, "1234.5")
    unpriced = make_product(family, article_number="KH-NOPRICE", name={"en": "Ball valve special"})
    price(unpriced, "7", currency="USD")
    draft = make_product(family, article_number="KH-DRAFT", name={"en": "Ball valve secret"}, live=False)
    price(draft, "5")
    planned = make_product(
        family, article_number="KH-PLANNED", name={"en": "Ball valve planned"}, lifecycle=Lifecycle.DRAFT
    )
    indexing.rebuild("database")
    return {"valve": valve, "tens": tens, "unpriced": unpriced, "draft": draft, "planned": planned}


def entry(client, method="post", **fields):
    """The OCI entry call as SAP sends it."""
    data = {"USERNAME": USERNAME, "PASSWORD": PASSWORD, "HOOK_URL": HOOK_URL, "~OkCode": "ADDI",
            "~TARGET": "_top", "~CALLER": "CTLG", **fields}  # fmt: skip
    return getattr(client, method)("/oci/", data)


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = {}
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = attrs.get("id") or f"form-{len(self.forms)}"
            self.forms[self._current] = {"attrs": attrs, "fields": []}
        elif tag == "input" and self._current is not None:
            self.forms[self._current]["fields"].append((attrs.get("name"), attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def transfer_form(response) -> tuple[dict, dict]:
    """(form attributes, fields by name) of the page's transfer form."""
    parser = _Forms()
    parser.feed(response.content.decode())
    form = parser.forms["oci-transfer"]
    fields = dict(form["fields"])
    assert len(fields) == len(form["fields"]), "a field name appears twice"
    return form["attrs"], fields


def token_of(response) -> str:
    """The session token of a redirect into the OCI pages."""
    return parse_qs(urlsplit(response["Location"]).query)["s"][0]
