"""A local webhook receiver (http.server in a thread on 127.0.0.1) and subscriptions to it."""

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pim.webhooks.models import EventType, WebhookSubscription
from tests.factories import make_valve_family


class Receiver:
    """Records every POST (headers, raw body, parsed JSON) and answers with ``status`` (an
    int, or a callable taking the request record). ``down`` until :meth:`start`."""

    def __init__(self, tls: tuple[str, str] | None = None):
        with socket.socket() as probe:  # a free port, closed again: connections are refused
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.requests: list[dict] = []
        self.status = 200
        self.headers_out: dict = {}
        self._server = None
        self.tls = tls  # (certificate file, key file): serve HTTPS

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/pim?source=test"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                record = {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                    "json": json.loads(body),
                }
                receiver.requests.append(record)
                status = receiver.status(record) if callable(receiver.status) else receiver.status
                self.send_response(status)
                for name, value in receiver.headers_out.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivery_ids(self) -> list[str]:
        return [request["headers"]["X-PIM-Delivery"] for request in self.requests]


@pytest.fixture
def receiver():
    """A receiver that is down; call ``start()`` to bring it up."""
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def allow_loopback(settings):
    settings.PIM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]


@pytest.fixture
def subscribe(receiver, allow_loopback):
    """Create a subscription to the local receiver for ``event_types`` (default: all)."""

    def make(*event_types, **fields):
        return WebhookSubscription.objects.create(
            name=fields.pop("name", "ERP"),
            url=fields.pop("url", receiver.url),
            event_types=list(event_types or EventType.values),
            **fields,
        )

    return make


@pytest.fixture
def family(db):
    return make_valve_family()
