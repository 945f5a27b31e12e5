"""OCI customers in the Wagtail admin: under Settings, the PASSWORD stored only as a hash,
HOOK_URL prefixes checked when saved."""

import pytest

from pim.oci.models import OciCustomer

pytestmark = pytest.mark.django_db

URL = "/admin/oci_customers/"
DATA = {
    "name": "Acme",
    "username": "acme-srm",
    "new_password": "correct horse battery",
    "hook_url_prefixes": "https://srm.acme.example/sap/bc/\n\n",
    "currency": "EUR",
    "price_type": "net_list",
    "material_group_source": "",
    "default_unit": "C62",
    "active": "on",
}


def test_menu_item_under_settings(admin_client):
    assert URL in admin_client.get("/admin/").content.decode()


def test_create_stores_the_password_hashed(admin_client):
    response = admin_client.post(f"{URL}new/", DATA)
    assert response.status_code == 302, response.content.decode()
    customer = OciCustomer.objects.get()
    assert "correct horse battery" not in customer.password
    assert customer.check_password("correct horse battery")
    assert customer.hook_url_prefixes == "https://srm.acme.example/sap/bc/"
    # editing without a new password keeps the old one, and the form never shows it
    edit = admin_client.get(f"{URL}edit/{customer.pk}/")
    assert customer.password not in edit.content.decode()
    saved = admin_client.post(f"{URL}edit/{customer.pk}/", {**DATA, "new_password": "", "name": "Acme AG"})
    assert saved.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Acme AG" and customer.check_password("correct horse battery")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("new_password", "", "A new OCI customer needs a PASSWORD."),
        ("new_password", "short", "at least 8 characters"),
        ("hook_url_prefixes", "srm.acme.example/sap", "Not an http(s) URL with a host"),
        ("hook_url_prefixes", "https://u:p@srm.acme.example/", "Not an http(s) URL with a host"),
        ("currency", "eur", "ISO 4217"),
    ],
)
def test_bad_input_is_refused_naming_the_problem(admin_client, field, value, message):
    response = admin_client.post(f"{URL}new/", {**DATA, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OciCustomer.objects.exists()
