"""/healthz and /readyz (pim/health.py)."""

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.urls import reverse
from django.utils import translation

from pim.search.backends import reset_backends


@pytest.fixture
def elasticsearch_down(settings):
    """Elasticsearch configured as the search backend, at an address where nothing listens."""
    settings.PIM_SEARCH_BACKEND = "elasticsearch"
    settings.PIM_ELASTICSEARCH = {
        **settings.PIM_ELASTICSEARCH,
        "URLS": ["http://127.0.0.1:9"],  # discard port: connection refused at once
        "MAX_RETRIES": 0,
        "TIMEOUT": 2,
    }
    reset_backends()
    yield
    reset_backends()


def test_liveness_needs_no_database(client):
    # No django_db mark: pytest-django makes any database access in here an error.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_readiness_checks_database_search_and_storage(client, database_search):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "search", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["search"]["backend"] == "database"
    assert "no-store" in response.headers["Cache-Control"]
    assert client.head("/readyz").status_code == 200
    assert client.post("/readyz").status_code == 405


@pytest.mark.django_db
def test_readiness_leaves_no_file_behind(client, database_search, settings):
    assert client.get("/readyz").status_code == 200
    health_dir = settings.MEDIA_ROOT / "health"
    assert not health_dir.exists() or not any(health_dir.iterdir())


@pytest.mark.django_db
def test_readiness_fails_with_503_when_elasticsearch_is_unreachable(client, elasticsearch_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["search"]
    assert body["checks"]["search"]["ok"] is False
    assert body["checks"]["search"]["error"] == "Elasticsearch does not answer"
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    # liveness does not depend on it: the process need not be restarted
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readiness_without_the_search_check_stays_ready(client, elasticsearch_down, settings):
    settings.PIM_READY_CHECKS = ["database", "storage"]
    response = client.get("/readyz")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "storage"}


@pytest.mark.django_db
def test_readiness_fails_with_503_when_the_database_is_down(client, database_search, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert "database" in body["failed"]
    # the kind of error only: no host names or paths for whoever can reach the URL
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert "connection refused" not in response.content.decode()


@pytest.mark.django_db
def test_readiness_fails_with_503_when_storage_cannot_be_written(client, database_search, settings, tmp_path):
    # A media "folder" that is a file: writing fails even for root (a full disk or a read-only
    # mount fail the same way).
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(not_a_folder)},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["storage"]
    assert body["checks"]["storage"]["error"] in {"FileExistsError", "NotADirectoryError"}


def test_health_urls_have_no_language_prefix_and_no_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # load balancers probe over plain HTTP
    assert client.get("/healthz").status_code == 200
    with translation.override("de"):
        assert reverse("healthz") == "/healthz"
        assert reverse("readyz") == "/readyz"
