import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from pim.api.models import ApiToken, TokenScope
from tests.factories import make_valve_family


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def family(db):
    return make_valve_family()


@pytest.fixture
def integrator(db):
    return get_user_model().objects.create_user("integrator", password="not-used-here-7Qx")


@pytest.fixture
def issue_token(integrator):
    """issue_token(scope) -> the secret of a new token of ``integrator``."""

    def issue(scope=TokenScope.PUBLIC_READ, name="ERP sync"):
        _token, secret = ApiToken.issue(name=name, owner=integrator, scope=scope)
        return secret

    return issue


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
