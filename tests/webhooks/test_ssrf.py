"""Webhook URLs are checked against SSRF when saved (a form error) and again when sending (not
sent, recorded); loopback only when the host is allowed by PIM_WEBHOOK_ALLOWED_HOSTS."""

import socket

import pytest

from pim.webhooks import addresses, delivery, events
from pim.webhooks.forms import WebhookSubscriptionForm
from pim.webhooks.models import EventType, WebhookAttempt, WebhookDelivery, WebhookSubscription
from pim.webhooks.wagtail_hooks import WebhookSubscriptionViewSet

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address refused, not bound
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "2002:0a00:0001::1",
        # IPv4-mapped addresses are refused whole (reserved range), a public one too.
        "::ffff:8.8.8.8",
    ],
)
def test_non_public_addresses(address):
    assert not addresses.is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses(address):
    assert addresses.is_public_address(address)


def _form(settings, url, **data):
    form_class = WebhookSubscriptionViewSet("webhooks_test").get_form_class()
    assert issubclass(form_class, WebhookSubscriptionForm)
    return form_class(
        data={
            "name": "ERP",
            "url": url,
            "secret": "a-secret-long-enough-1234",
            "event_types": ["product.published"],
            "active": "on",
            **data,
        }
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1, which is not a public address"),
        ("http://localhost/hook", "not a public address"),
        ("http://10.0.0.7/hook", "10.0.0.7, which is not a public address"),
        ("http://[::1]/hook", "::1, which is not a public address"),
        ("http://169.254.169.254/latest/meta-data", "not a public address"),
        ("ftp://example.com/hook", "http:// or https://"),
        ("https://user:pw@example.com/hook", "user name or password"),
        ("https://no-such-host.invalid/hook", "could not be resolved"),
    ],
)
def test_the_form_refuses_urls_that_are_not_public(settings, url, message):
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = []
    form = _form(settings, url)
    assert not form.is_valid()
    assert message in " ".join(form.errors.get("url", [])), form.errors
    assert not WebhookSubscription.objects.exists()


def test_an_allowed_host_may_be_loopback(settings):
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    form = _form(settings, "http://127.0.0.1:8080/hook")
    assert form.is_valid(), form.errors
    subscription = form.save()
    assert (
        subscription.event_types == ["product.published"]
        and subscription.secret == "a-secret-long-enough-1234"
    )


def test_a_short_secret_is_refused(settings):
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    form = _form(settings, "http://127.0.0.1:8080/hook", secret="short")
    assert not form.is_valid() and "at least 16 characters" in form.errors["secret"][0]


def test_a_url_refused_at_send_time_is_not_sent_and_recorded(receiver, subscribe, settings):
    subscribe(EventType.PRODUCT_PUBLISHED)  # saved while loopback was allowed
    receiver.start()
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = []
    events.record(
        EventType.PRODUCT_PUBLISHED, [{"product": events.product_reference(1, "KH-1", public=True)}]
    )
    assert delivery.drain()["failed"] == 1
    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error.startswith("Not sent:")
    assert "127.0.0.1, which is not a public address" in attempt.error
    assert WebhookDelivery.objects.get().attempts == 1


def test_the_sender_connects_to_the_address_it_checked(receiver, subscribe, settings, monkeypatch):
    """DNS rebinding: the name resolves to a public address when checked and to loopback
    afterwards; the connection goes to the checked address, never to a second answer."""
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = []
    subscription = subscribe(EventType.PRODUCT_PUBLISHED)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url="http://hooks.example.com/in")
    answers = iter(["203.0.113.10"])  # TEST-NET-3: documentation only, but is_global is False for it

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers, "127.0.0.1"), port))]

    connected = []

    def fake_create_connection(address, timeout=None, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError("test: not connecting anywhere")

    monkeypatch.setattr(addresses.socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(addresses, "is_public_address", lambda address: address == "203.0.113.10")
    monkeypatch.setattr(delivery.socket, "create_connection", fake_create_connection)
    events.record(
        EventType.PRODUCT_PUBLISHED, [{"product": events.product_reference(1, "KH-1", public=True)}]
    )
    delivery.drain()
    assert connected == [("203.0.113.10", 80)]
    assert receiver.requests == []
