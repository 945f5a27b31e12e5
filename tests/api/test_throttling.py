"""Rate limits per token and, without a token, per client address."""

import pytest

from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_anonymous_requests_are_limited_per_address(api, family, settings):
    settings.PIM_API_RATE_ANONYMOUS = "3/minute"
    statuses = [api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.1").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Retry-After" in api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.1")
    # Another address has its own allowance; a forged X-Forwarded-For does not buy a new one.
    assert api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.2").status_code == 200
    forged = api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429


def test_tokens_are_limited_per_token_not_per_address(api, family, settings, issue_token):
    settings.PIM_API_RATE_TOKEN = "2/minute"
    settings.PIM_API_RATE_ANONYMOUS = "1/minute"
    first, second = bearer(issue_token(name="A")), bearer(issue_token(name="B"))
    assert api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.1", **first).status_code == 200
    assert api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.2", **first).status_code == 200
    response = api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.3", **first)
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"].lower() or "Request" in response.json()["detail"]
    # The other token, and anonymous requests, count separately.
    assert api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.1", **second).status_code == 200
    assert api.get("/api/v1/families/", REMOTE_ADDR="192.0.2.1").status_code == 200
