"""Health endpoints for load balancers, orchestrators and monitoring.

``/healthz`` (liveness) answers as long as the process serves requests: it touches neither the
database nor anything else, so a failing database never gets healthy processes restarted.
``/readyz`` (readiness) runs the checks in ``PIM_READY_CHECKS`` (default: database, search,
storage) and answers 503 naming the ones that failed, so a load balancer sends no traffic to an
instance that cannot serve it. The answers say only which check failed and the kind of error;
the details go to the log, not to whoever can reach the URL.
"""

import logging
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pim.search.backends import configured_backend, get_search_backend
from pim.search.models import IndexEntry

logger = logging.getLogger(__name__)


class CheckFailed(Exception):
    """A readiness check found its dependency unusable; the message is safe to show."""


def check_database() -> dict:
    """The default database answers a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def check_search() -> dict:
    """The configured search backend is reachable: the Elasticsearch cluster when it is the
    backend (searches would fall back to the database, slower and without its relevance),
    otherwise the database index's table."""
    name = configured_backend()
    if name == "elasticsearch":
        if not get_search_backend("elasticsearch").ping():
            raise CheckFailed("Elasticsearch does not answer")
    else:
        IndexEntry.objects.exists()
    return {"backend": name}


def check_storage() -> dict:
    """The storage of asset files (and of the default files, if another) can write, read back
    and delete a small file: a full disk, a read-only mount or a wrong bucket policy shows here
    instead of in an editor's upload."""
    aliases = list(dict.fromkeys(["default", settings.PIM_ASSET_STORAGE]))
    for alias in aliases:
        storage = storages[alias]
        payload = uuid.uuid4().hex.encode()
        name = storage.save(f"health/readyz-{uuid.uuid4().hex}.txt", ContentFile(payload))
        try:
            with storage.open(name, "rb") as handle:
                if handle.read() != payload:
                    raise CheckFailed(f"storage {alias!r} returned other bytes than were written")
        finally:
            storage.delete(name)
    return {"storages": aliases}


CHECKS = {"database": check_database, "search": check_search, "storage": check_storage}


@never_cache
@require_safe
def liveness(request):
    """The process is alive and serves requests."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readiness(request):
    """Every configured check passes (200), or the failed ones are named (503)."""
    results = {}
    for name in settings.PIM_READY_CHECKS:
        started = time.perf_counter()
        try:
            result = {"ok": True, **CHECKS[name]()}
        except CheckFailed as exc:
            result = {"ok": False, "error": str(exc)}
            logger.warning("readiness check %s failed: %s", name, exc)
        except Exception as exc:  # noqa: BLE001 - any error means "not ready"; the log has the details
            result = {"ok": False, "error": type(exc).__name__}
            # one line, not a traceback: probes repeat every few seconds while a dependency is down
            logger.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    failed = [name for name, result in results.items() if not result["ok"]]
    return JsonResponse(
        {"status": "unavailable" if failed else "ok", "failed": failed, "checks": results},
        status=503 if failed else 200,
    )
