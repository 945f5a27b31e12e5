"""Subscriptions in the Wagtail admin: under Settings, the URL checked when saved, paused and
failing subscriptions flagged in the list, resuming sends what waited."""

import pytest
from django.utils import timezone

from pim.webhooks import delivery, events
from pim.webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "/admin/webhooks/"


def test_menu_item_under_settings(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert URL in response.content.decode()


def test_create_shows_a_generated_secret_and_checks_the_url(admin_client, settings):
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = []
    page = admin_client.get(f"{URL}new/")
    assert page.status_code == 200
    generated = page.context["form"]["secret"].value()
    assert len(generated) >= 40 and generated in page.content.decode()

    data = {
        "name": "ERP",
        "url": "http://192.168.0.10/hook",
        "secret": generated,
        "event_types": ["price.changed"],
    }
    refused = admin_client.post(f"{URL}new/", data)
    assert refused.status_code == 200 and not WebhookSubscription.objects.exists()
    assert "192.168.0.10, which is not a public address" in refused.content.decode()

    settings.PIM_WEBHOOK_ALLOWED_HOSTS = ["192.168.0.10"]
    saved = admin_client.post(f"{URL}new/", {**data, "active": "on"})
    assert saved.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret == generated and subscription.event_types == ["price.changed"]


def test_paused_and_failing_subscriptions_are_flagged_in_the_list(admin_client, allow_loopback):
    WebhookSubscription.objects.create(name="Healthy", url="http://127.0.0.1/a", event_types=[])
    WebhookSubscription.objects.create(
        name="Flaky", url="http://127.0.0.1/b", event_types=[], consecutive_failures=2
    )
    WebhookSubscription.objects.create(
        name="Broken",
        url="http://127.0.0.1/c",
        event_types=[],
        paused_at=timezone.now(),
        consecutive_failures=10,
    )
    listing = admin_client.get(URL).content.decode()
    assert "PAUSED since" in listing and "Failing (2 in a row)" in listing and "Active" in listing


def test_resuming_in_the_admin_sends_what_waited(
    admin_client, receiver, subscribe, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_WEBHOOK_PAUSE_AFTER_FAILURES = 2
    subscription = subscribe(EventType.PRODUCT_PUBLISHED)
    events.record(
        EventType.PRODUCT_PUBLISHED,
        [{"product": events.product_reference(pk, f"KH-{pk}", public=True)} for pk in (1, 2, 3)],
    )
    delivery.drain()  # the receiver is down
    subscription.refresh_from_db()
    assert subscription.is_paused

    receiver.start()
    form = {
        "name": subscription.name,
        "url": subscription.url,
        "secret": subscription.secret,
        "event_types": subscription.event_types,
        "active": "on",
        "resume": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{URL}edit/{subscription.pk}/", form)
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_paused
    assert [r["json"]["product"]["article_number"] for r in receiver.requests] == ["KH-1", "KH-2", "KH-3"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_the_delivery_log_shows_attempts_and_what_waits(admin_client, receiver, subscribe, settings):
    settings.PIM_WEBHOOK_PAUSE_AFTER_FAILURES = 1
    subscription = subscribe(EventType.PRODUCT_PUBLISHED)
    events.record(
        EventType.PRODUCT_PUBLISHED, [{"product": events.product_reference(1, "KH-1", public=True)}]
    )
    delivery.drain()
    listing = admin_client.get(URL).content.decode()
    log_url = f"/admin/webhook-deliveries/{subscription.pk}/"
    assert log_url in listing
    page = admin_client.get(log_url).content.decode()
    row = WebhookDelivery.objects.get()
    assert str(row.uuid) in page and "ConnectionRefusedError" in page
    assert "Paused since" in page and "1 delivery waits." in page


def test_the_delivery_log_needs_the_view_permission(client, django_user_model, subscribe):
    subscription = subscribe(EventType.PRODUCT_PUBLISHED)
    user = django_user_model.objects.create_user("editor", password="pw-123456789")
    client.force_login(user)
    response = client.get(f"/admin/webhook-deliveries/{subscription.pk}/")
    assert response.status_code in (302, 403)
