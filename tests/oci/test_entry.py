"""The OCI entry call: login, HOOK_URL check, the session token, FUNCTION VALIDATE / DETAIL /
BACKGROUND_SEARCH, ~TARGET and the security headers of the punch-out pages."""

from urllib.parse import quote

import pytest

from pim.oci.session import OciSession
from tests.oci.conftest import HOOK_URL, PASSWORD, USERNAME, entry, token_of, transfer_form

pytestmark = pytest.mark.django_db


def assert_refused(response, text, status=403):
    assert response.status_code == status, response.content
    body = response.content.decode()
    assert text in body
    assert "NEW_ITEM-" not in body
    assert "?s=" not in body  # no session link
    assert not response.cookies  # no session either


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_valid_login_starts_a_session_without_cookies(client, customer, catalog, method):
    response = entry(client, method)
    assert response.status_code == 302
    assert response["Location"].startswith("/oci/catalog/?s=")
    assert not response.cookies
    session = OciSession.from_token(token_of(response))
    assert (session.customer_id, session.hook_url, session.target) == (customer.pk, HOOK_URL, "_top")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "KH-1" in page.content.decode()
    assert not page.cookies


@pytest.mark.parametrize(
    "fields",
    [
        {"PASSWORD": "wrong-password"},
        {"USERNAME": "nobody"},
        {"USERNAME": USERNAME.upper()},
        {"PASSWORD": ""},
    ],
    ids=["wrong password", "unknown user", "username case", "no password"],
)
def test_wrong_credentials_are_refused(client, customer, fields):
    assert_refused(entry(client, **fields), "USERNAME or PASSWORD is wrong")


def test_repeated_wrong_logins_from_one_address_are_held_off(client, customer, settings):
    settings.PIM_OCI_LOGIN_MAX_FAILURES = 3
    for _attempt in range(3):
        assert_refused(entry(client, PASSWORD="guess"), "USERNAME or PASSWORD is wrong")
    # Now even the right password waits: guessing cannot go on at full speed.
    held_off = entry(client)
    assert_refused(held_off, "Too many wrong logins", status=429)
    assert 0 < int(held_off["Retry-After"]) <= settings.PIM_OCI_LOGIN_FAILURE_WINDOW_SECONDS + 1
    # Another address is not held off.
    data = {"USERNAME": USERNAME, "PASSWORD": PASSWORD, "HOOK_URL": HOOK_URL}
    assert client.post("/oci/", data, REMOTE_ADDR="192.0.2.7").status_code == 302


def test_an_inactive_customer_is_refused(client, customer):
    customer.active = False
    customer.save()
    assert_refused(entry(client), "USERNAME or PASSWORD is wrong")


def test_the_password_is_stored_hashed(customer):
    assert PASSWORD not in customer.password
    assert customer.password.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt", "md5"))
    assert customer.check_password(PASSWORD)
    assert not customer.check_password(PASSWORD + "x")


@pytest.mark.parametrize(
    "hook_url",
    [
        "https://srm.example.com.evil.net/sap/bc/hook",  # the prefix's host as a prefix of another host
        "http://srm.example.com/sap/bc/hook",  # another scheme
        "https://srm.example.com:8443/sap/bc/hook",  # another port
        "https://srm.example.com/other/hook",  # outside the allowed path
        "https://user:pw@srm.example.com/sap/bc/hook",  # credentials
        "javascript:alert(1)//https://srm.example.com/sap/bc/",
    ],
)
def test_a_hook_url_not_allowed_is_refused(client, customer, hook_url):
    assert_refused(entry(client, HOOK_URL=hook_url), "is not allowed for this customer")


def test_no_hook_url_is_refused(client, customer):
    assert_refused(entry(client, HOOK_URL=""), "has no HOOK_URL")


def test_another_allowed_prefix_and_upper_case_host_are_accepted(client, customer):
    assert entry(client, HOOK_URL="https://ARIBA.example.net/punchout/return").status_code == 302


def test_an_altered_or_expired_token_is_refused(client, customer, catalog, settings):
    token = token_of(entry(client))
    assert client.get("/oci/catalog/", {"s": token}).status_code == 200
    assert_refused(client.get("/oci/catalog/", {"s": token[:-2] + "xx"}), "session has expired")
    assert_refused(client.get("/oci/cart/", {}), "session has expired")
    settings.PIM_OCI_SESSION_HOURS = -1
    assert_refused(client.get("/oci/catalog/", {"s": token}), "session has expired")


def test_a_session_ends_when_the_customer_is_deactivated_or_the_hook_no_longer_allowed(
    client, customer, catalog
):
    token = token_of(entry(client))
    customer.hook_url_prefixes = "https://ariba.example.net/"
    customer.save()
    assert_refused(client.get("/oci/catalog/", {"s": token}), "session has expired")


def test_target_is_honoured(client, customer, catalog):
    token = token_of(entry(client, **{"~TARGET": "srm_frame"}))
    response = client.post("/oci/cart/", {"s": token, "add": catalog["valve"].pk, "quantity": "1"})
    cart = client.get(response["Location"])
    attrs, fields = transfer_form(cart)
    assert attrs["action"] == HOOK_URL
    assert attrs["method"] == "post"
    assert attrs["target"] == "srm_frame"
    assert fields["~TARGET"] == "srm_frame"
    assert fields["~OkCode"] == "ADDI"
    assert fields["~CALLER"] == "CTLG"


def test_without_target_or_with_a_strange_one_the_form_replaces_the_whole_window(client, customer, catalog):
    for target in ("", 'x" onclick="alert(1)'):
        response = entry(client, FUNCTION="VALIDATE", PRODUCTID="KH-1", **{"~TARGET": target})
        attrs, fields = transfer_form(response)
        assert attrs["target"] == "_top"
        assert fields["~TARGET"] == "_top"


def test_csp_allows_the_hook_host_as_form_action_and_frame_ancestor_on_oci_pages_only(
    client, customer, catalog
):
    start = entry(client)
    catalog_page = client.get(start["Location"])
    policy = catalog_page["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["form-action"] == ["'self'", "https://srm.example.com"]
    assert directives["frame-ancestors"] == ["'self'", "https://srm.example.com"]
    assert "script-src 'self'" in policy  # the rest of the policy stays strict
    assert "X-Frame-Options" not in catalog_page
    assert catalog_page["Cross-Origin-Opener-Policy"] == "unsafe-none"  # ~TARGET may name the opener's frame
    # a refused call is not framed and posts nowhere else
    refused = entry(client, PASSWORD="wrong-password")
    assert "srm.example.com" not in refused["Content-Security-Policy"]
    assert refused["X-Frame-Options"] == "DENY"
    assert refused["Cross-Origin-Opener-Policy"] == "same-origin"


def test_validate_returns_the_transfer_form_for_the_product(client, customer, catalog):
    response = entry(client, FUNCTION="VALIDATE", PRODUCTID="KH-1", QUANTITY="3")
    assert response.status_code == 200
    attrs, fields = transfer_form(response)
    assert "data-oci-autosubmit" in attrs
    assert fields["NEW_ITEM-VENDORMAT[1]"] == "KH-1"
    assert fields["NEW_ITEM-QUANTITY[1]"] == "3"
    assert fields["NEW_ITEM-PRICE[1]"] == "12.50"
    assert "NEW_ITEM-VENDORMAT[2]" not in fields
    body = response.content.decode()
    assert "/static/oci/transfer.js" in body  # submits it; no inline script (CSP)
    assert "<script>" not in body
    assert "Transfer to cart" in body  # the button for browsers without JavaScript
    assert "https://srm.example.com" in response["Content-Security-Policy"]


def test_validate_raises_a_quantity_to_the_next_orderable_one(client, customer, catalog):
    _attrs, fields = transfer_form(entry(client, FUNCTION="VALIDATE", PRODUCTID="kh 2", QUANTITY="12"))
    assert fields["NEW_ITEM-VENDORMAT[1]"] == "KH-2"
    assert fields["NEW_ITEM-QUANTITY[1]"] == "15"


def test_detail_shows_the_product_inside_the_session(client, customer, catalog):
    response = entry(client, FUNCTION="DETAIL", PRODUCTID="KH-1")
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "Ball valve brass DN15" in body and "MPN-4711" in body and "Full bore, PN 40." in body
    assert 'name="add"' in body


@pytest.mark.parametrize("product_id", ["KH-DRAFT", "KH-PLANNED", "KH-404", ""])
@pytest.mark.parametrize("function", ["VALIDATE", "DETAIL"])
def test_drafts_and_unknown_products_are_never_validated_or_detailed(
    client, customer, catalog, function, product_id
):
    response = entry(client, FUNCTION=function, PRODUCTID=product_id)
    assert response.status_code == 404
    body = response.content.decode()
    assert "NEW_ITEM-" not in body and "secret" not in body and "planned" not in body


def test_the_detail_page_of_a_draft_is_not_found_inside_a_session(client, customer, catalog):
    token = token_of(entry(client))
    for key in ("KH-DRAFT", "KH-PLANNED", f"#{catalog['draft'].pk}"):
        response = client.get(f"/oci/product/{quote(key, safe='')}/", {"s": token})
        assert response.status_code == 404
        assert "secret" not in response.content.decode()


def test_background_search_transfers_the_public_hits(client, customer, catalog):
    response = entry(client, FUNCTION="BACKGROUND_SEARCH", SEARCHSTRING="ball valve")
    assert response.status_code == 200
    _attrs, fields = transfer_form(response)
    numbers = {value for name, value in fields.items() if name.startswith("NEW_ITEM-VENDORMAT[")}
    assert numbers == {"KH-1", "KH-2", "KH-NOPRICE"}
    lines = sorted(name for name in fields if name.startswith("NEW_ITEM-VENDORMAT["))
    assert lines == ["NEW_ITEM-VENDORMAT[1]", "NEW_ITEM-VENDORMAT[2]", "NEW_ITEM-VENDORMAT[3]"]
    # each at its minimum order quantity
    by_number = {fields[name]: name[len("NEW_ITEM-VENDORMAT") :] for name in lines}
    assert fields["NEW_ITEM-QUANTITY" + by_number["KH-2"]] == "10"


def test_background_search_by_article_number(client, customer, catalog):
    _attrs, fields = transfer_form(entry(client, FUNCTION="BACKGROUND_SEARCH", SEARCHSTRING="KH-2"))
    assert fields["NEW_ITEM-VENDORMAT[1]"] == "KH-2"


def test_an_unknown_function_is_a_clear_400(client, customer):
    response = entry(client, FUNCTION="DELETE_EVERYTHING")
    assert response.status_code == 400
    assert "FUNCTION DELETE_EVERYTHING is not supported" in response.content.decode()


def test_field_names_are_read_whatever_their_case(client, customer, catalog):
    response = client.post(
        "/oci/",
        {
            "username": USERNAME,
            "password": PASSWORD,
            "hook_url": HOOK_URL,
            "function": "validate",
            "productid": "KH-1",
        },  # fmt: skip
    )
    assert response.status_code == 200
    assert transfer_form(response)[1]["NEW_ITEM-VENDORMAT[1]"] == "KH-1"
