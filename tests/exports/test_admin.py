"""Admin screens: channels editor, run now with progress and history, tokens, completeness dashboard."""

import re

import pytest
from django.urls import reverse

from pim.exports.completeness import recompute_channel
from pim.exports.models import ChannelRequirement, ExportRun, ReceiverToken, RunStatus
from pim.exports.runs import run_export

from .conftest import make_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def test_channel_editor_and_listing(admin, catalog):
    channel = make_channel()
    listing = admin.get(reverse("wagtailsnippets_exports_channel:list"))
    assert listing.status_code == 200
    content = listing.content.decode()
    assert channel.name in content
    assert reverse("exports_admin:run_start", args=[channel.pk]) in content  # "Export now"
    assert admin.get(reverse("wagtailsnippets_exports_channel:edit", args=[channel.pk])).status_code == 200
    assert admin.get(reverse("wagtailsnippets_exports_channel:add")).status_code == 200


def test_export_now_queues_a_run_and_shows_it(
    admin, catalog, export_root, django_capture_on_commit_callbacks
):
    channel = make_channel()
    page = admin.get(reverse("exports_admin:run_start", args=[channel.pk]))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("exports_admin:run_start", args=[channel.pk]), {"format": "csv"})
    run = ExportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exports_admin:run_detail", args=[run.pk]
    )
    assert run.status == RunStatus.SUCCEEDED and run.format == "csv"
    assert run.started_by.username == "admin"
    detail = admin.get(response["Location"]).content.decode()
    assert "Skipped products" not in detail  # CSV has no 32-character limit
    assert reverse("exports_admin:run_download", args=[run.pk]) in detail
    download = admin.get(reverse("exports_admin:run_download", args=[run.pk]))
    assert b"".join(download.streaming_content).decode("utf-8-sig").startswith("article_number")
    history = admin.get(reverse("exports_admin:runs") + f"?channel={channel.code}").content.decode()
    assert f">{run.pk}</a>" in history


def test_run_detail_lists_skipped_products_and_errors(admin, catalog, export_root):
    run = run_export(make_channel())
    detail = admin.get(reverse("exports_admin:run_detail", args=[run.pk])).content.decode()
    assert "Skipped products" in detail and "SUPPLIER_PID" in detail


def test_tokens_are_shown_once_and_revocable(admin, catalog):
    channel = make_channel(code="shop")
    response = admin.post(reverse("exports_admin:tokens"), {"channel": channel.pk, "receiver": "Shop DE"})
    content = response.content.decode()
    secret = re.search(r'<code id="issued-token">([^<]+)</code>', content).group(1)
    token = ReceiverToken.objects.get()
    assert ReceiverToken.authenticate(channel, secret) == token
    assert "/exports/shop/pull/" in content
    again = admin.get(reverse("exports_admin:tokens")).content.decode()
    assert secret not in again and token.prefix in again
    admin.post(reverse("exports_admin:token_revoke", args=[token.pk]))
    assert ReceiverToken.authenticate(channel, secret) is None


def test_completeness_dashboard_and_product_view(admin, catalog):
    channel = make_channel(min_completeness=50)
    ChannelRequirement.objects.create(channel=channel, kind="field", field="gtin")
    recompute_channel(channel)
    page = admin.get(reverse("exports_admin:completeness") + f"?channel={channel.code}&language=de")
    assert page.status_code == 200
    content = page.content.decode()
    assert content.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 3  # our three charts
    assert "valves" in content and "GTIN" in content
    psi = catalog.products["psi"]
    detail = admin.get(reverse("exports_admin:product_completeness", args=[psi.pk])).content.decode()
    assert channel.name in detail and "GTIN" in detail and "not exported" in detail
    listing = admin.get(reverse("wagtailsnippets_catalog_product:list")).content.decode()
    assert reverse("exports_admin:product_completeness", args=[psi.pk]) in listing


def test_export_screens_need_permissions(client, django_user_model, catalog):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("editor", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    for name in ("runs", "tokens", "completeness"):
        assert client.get(reverse(f"exports_admin:{name}")).status_code == 302  # to the login
    user.user_permissions.add(Permission.objects.get(codename="view_exportrun"))
    assert client.get(reverse("exports_admin:runs")).status_code == 200
    assert client.get(reverse("exports_admin:tokens")).status_code == 302
    channel = make_channel()
    assert (
        client.post(reverse("exports_admin:run_start", args=[channel.pk]), {"format": "csv"}).status_code
        == 302
    )
    assert not ExportRun.objects.exists()  # viewing runs does not allow starting one


def test_channel_can_be_created_in_the_admin(admin, catalog):
    from pim.exports.models import Channel

    data = {
        "name": "Shop",
        "code": "shop",
        "format": "bmecat2005",
        "active": "on",
        "schedule": "daily",
        "lifecycles": "active,phase_out",
        "min_completeness": "50",
        "languages": "de,en",
        "currency": "EUR",
        "feature_system": "etim",
        "feature_system_version": "",
        "include_other_attributes": "on",
        "media_base_url": "https://media.example.com/",
        "catalog_id": "SHOP-1",
        "catalog_name": "Shop catalog",
        "supplier_name": "Acme",
        "supplier_id": "",
        "supplier_id_type": "gln",
        "buyer_name": "",
        "buyer_id": "",
        "territory": "DE",
        "csv_delimiter": ";",
        "csv_bom": "on",
        "number_format": "plain",
        "unit_placement": "header",
        "tabular_layout": "machine",
        "channel_attributes-TOTAL_FORMS": "1",
        "channel_attributes-INITIAL_FORMS": "0",
        "channel_attributes-MIN_NUM_FORMS": "0",
        "channel_attributes-MAX_NUM_FORMS": "1000",
        "channel_attributes-0-attribute": str(catalog.family.attributes.get(code="max_pressure").pk),
        "channel_attributes-0-export_name": "Druck",
        "channel_attributes-0-ORDER": "1",
        "requirements-TOTAL_FORMS": "1",
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
        "requirements-0-family": str(catalog.family.pk),
        "requirements-0-kind": "field",
        "requirements-0-attribute": "",
        "requirements-0-field": "gtin",
        "requirements-0-asset_kind": "",
    }
    response = admin.post(reverse("wagtailsnippets_exports_channel:add"), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    channel = Channel.objects.get(code="shop")
    assert channel.language_list == ["de", "en"]
    assert [(a.attribute.code, a.export_name) for a in channel.channel_attributes.all()] == [
        ("max_pressure", "Druck")
    ]
    assert [(r.kind, r.field) for r in channel.requirements.all()] == [("field", "gtin")]

    data["languages"] = "de,xx"
    response = admin.post(reverse("wagtailsnippets_exports_channel:edit", args=[channel.pk]), data)
    assert response.status_code == 200
    assert "xx: not a content language" in response.content.decode()
