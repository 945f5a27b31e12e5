"""Search backends, chosen by settings (like Wagtail's search backends and Django's caches).

``PIM_SEARCH_BACKEND`` names the backend that answers searches: ``"database"`` (embedded
default) or ``"elasticsearch"``. The database backend's index is always kept up to date: it
is the fallback while Elasticsearch is unreachable.
"""

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from .base import BackendUnavailable, BaseSearchBackend

BACKENDS = {
    "database": "pim.search.backends.database.DatabaseSearchBackend",
    "elasticsearch": "pim.search.backends.elasticsearch.ElasticsearchSearchBackend",
}

_instances: dict[str, BaseSearchBackend] = {}
_lock = threading.Lock()

__all__ = [
    "BACKENDS",
    "BackendUnavailable",
    "BaseSearchBackend",
    "get_search_backend",
    "index_targets",
    "reset_backends",
    "search",
]


def configured_backend() -> str:
    name = getattr(settings, "PIM_SEARCH_BACKEND", "database") or "database"
    if name not in BACKENDS:
        raise ValueError(f"PIM_SEARCH_BACKEND={name!r}: use one of {', '.join(BACKENDS)}")
    return name


def get_search_backend(name: str | None = None) -> BaseSearchBackend:
    """The backend ``name`` (default: the configured one), shared by the process."""
    name = name or configured_backend()
    if name not in BACKENDS:
        raise ValueError(f"unknown search backend {name!r}: use one of {', '.join(BACKENDS)}")
    with _lock:
        if name not in _instances:
            _instances[name] = import_string(BACKENDS[name])()
        return _instances[name]


def index_targets() -> list[str]:
    """The indexes every change must reach: always the database index (the embedded backend
    and the fallback), plus Elasticsearch when it is the configured backend."""
    targets = ["database"]
    if configured_backend() == "elasticsearch":
        targets.append("elasticsearch")
    return targets


def reset_backends() -> None:
    """Forget the shared instances (after settings change, in tests)."""
    with _lock:
        _instances.clear()


def search(query):
    """Run a :class:`~pim.search.query.SearchQuery` on the configured backend."""
    return get_search_backend().search(query)
