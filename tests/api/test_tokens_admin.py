"""API tokens in the Wagtail admin: issuing shows the secret once, only its hash is stored,
revoking ends access."""

import re

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from pim.api.models import ApiToken, TokenScope, hash_secret
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

URL = "/admin/api-tokens/"


def test_issue_shows_the_secret_once_and_stores_only_its_hash(admin_client, admin_user, family):
    response = admin_client.post(URL, {"name": "ERP sync", "scope": TokenScope.FULL_READ})
    assert response.status_code == 200
    secret = re.search(r'<code id="issued-token">([^<]+)</code>', response.content.decode()).group(1)
    assert len(secret) >= 40
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.owner) == ("ERP sync", TokenScope.FULL_READ, admin_user)
    assert token.secret_hash == hash_secret(secret) and secret not in token.secret_hash
    assert token.prefix == secret[:8]
    # The list shows the prefix, never the secret again.
    listing = admin_client.get(URL).content.decode()
    assert "ERP sync" in listing and f"{token.prefix}…" in listing and secret not in listing
    assert APIClient().get("/api/v1/products/", **bearer(secret)).status_code == 200


def test_issue_for_another_owner_and_validation(admin_client, django_user_model):
    erp = django_user_model.objects.create_user("erp")
    assert admin_client.post(URL, {"name": "", "scope": "root"}).status_code == 200
    assert not ApiToken.objects.exists()
    admin_client.post(URL, {"name": "ERP", "scope": TokenScope.WRITE, "owner": erp.pk})
    assert ApiToken.objects.get().owner == erp


def test_revoke_ends_access(admin_client, admin_user):
    token, secret = ApiToken.issue(name="Shop", owner=admin_user, scope=TokenScope.PUBLIC_READ)
    response = admin_client.post(f"{URL}{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in admin_client.get(URL).content.decode()
    assert APIClient().get("/api/v1/products/", **bearer(secret)).status_code == 401


def test_editors_without_the_permission_see_nothing(client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="x-secret-9Lp")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL, {"name": "x", "scope": TokenScope.WRITE}).status_code in (302, 403)
    assert not ApiToken.objects.exists()
    editor.user_permissions.add(
        Permission.objects.get(codename="view_apitoken", content_type__app_label="api")
    )
    editor = django_user_model.objects.get(pk=editor.pk)
    client.force_login(editor)
    assert client.get(URL).status_code == 200
    # Viewing is not issuing (Wagtail's admin answers a refusal with a redirect and a message).
    assert client.post(URL, {"name": "x", "scope": TokenScope.WRITE}).status_code in (302, 403)
    assert not ApiToken.objects.exists()
