import os

import pytest
from django.db import connection


def pytest_report_header(config):
    return f"database: {os.environ.get('DATABASE_URL', 'sqlite (embedded default)')}"


@pytest.fixture(scope="session", autouse=True)
def _ci_requires_postgres(django_db_setup, django_db_blocker):
    """Under CI the suite must run on PostgreSQL, never silently fall back to SQLite."""
    if os.environ.get("CI") == "true":
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", (
                f"CI=true but the tests run on {connection.vendor}; scripts/test starts PostgreSQL"
            )


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL: they skip on SQLite locally and fail under CI.

    Transactional tests must also ask for ``serialized_rollback``: the flush after a
    transactional test deletes what the data migrations seeded (units, Wagtail's root page)
    and recreates content types with new ids, which breaks every later test that restores
    the serialized database."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: use @pytest.mark.django_db(transaction=True, serialized_rollback=True)"
            )
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI") == "true":
        return  # run them and let them fail loudly
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL, or run under CI=true)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test gets an empty cache of its own: the default (files in var/cache) outlives the
    test database, and a page cached by an earlier run or another test must not be served."""
    import uuid

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture(autouse=True)
def _isolated_media_root(settings, tmp_path_factory):
    """Files written by a test (uploads, demo assets, datasheets) never land in var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def database_search(settings):
    """The database search backend, with background tasks (outbox drains) run immediately."""
    from pim.search.backends import get_search_backend, reset_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_SEARCH_BACKEND = "database"
    reset_backends()
    yield get_search_backend()
    reset_backends()


@pytest.fixture(params=[False, True], ids=["production", "development"])
def debug_modes(request, settings):
    """The URLs as pim/urls.py builds them with DEBUG off and on (development served media
    by path once): what is public must not depend on it."""
    import importlib

    from django.urls import clear_url_caches

    import pim.urls

    original = settings.DEBUG
    settings.DEBUG = request.param
    importlib.reload(pim.urls)
    clear_url_caches()
    yield request.param
    settings.DEBUG = original
    importlib.reload(pim.urls)
    clear_url_caches()
