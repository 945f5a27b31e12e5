"""HTTPS deliveries: the connection goes to a checked address while TLS verifies the
certificate against the host name of the URL (SNI)."""

import shutil
import ssl
import subprocess

import pytest

from pim.webhooks import delivery, events
from pim.webhooks.models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

from .conftest import Receiver

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for the name localhost (no IP address in it)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.fixture
def tls_receiver(certificate, monkeypatch):
    # The sender trusts the system CAs; here the test certificate stands in for them.
    original = ssl.create_default_context
    monkeypatch.setattr(delivery.ssl, "create_default_context", lambda: original(cafile=certificate[0]))
    server = Receiver(tls=certificate)
    server.start()
    yield server
    server.stop()


def _send_one(url):
    WebhookSubscription.objects.create(name="TLS", url=url, event_types=[EventType.PRODUCT_PUBLISHED])
    events.record(
        EventType.PRODUCT_PUBLISHED, [{"product": events.product_reference(1, "KH-1", public=True)}]
    )
    return delivery.drain()


def test_https_to_the_named_host_is_verified_and_delivered(tls_receiver, settings):
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    assert _send_one(f"https://localhost:{tls_receiver.port}/in")["delivered"] == 1
    (request,) = tls_receiver.requests
    assert request["headers"]["Host"] == f"localhost:{tls_receiver.port}"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_certificate_for_another_name_is_refused(tls_receiver, settings):
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert _send_one(f"https://127.0.0.1:{tls_receiver.port}/in")["failed"] == 1
    assert tls_receiver.requests == []
    assert "SSLCertVerificationError" in WebhookAttempt.objects.get().error
