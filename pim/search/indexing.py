"""Lossless indexing: the outbox, its drain, and full rebuilds.

A change records one :class:`~pim.search.models.OutboxEntry` per product and index target in
the transaction that makes it (:func:`record_changes`, called from the signal handlers). After
the commit a drain task is queued (django-tasks; the database task backend in production,
immediate in tests). The drain takes a lease on its target, reads due entries in batches,
builds the documents and writes them with one bulk request; entries are deleted only after
the write succeeded, and only if no newer change arrived meanwhile. If the engine is down the
entries stay, with exponential backoff, and a retry is queued; nothing is lost.
"""

import logging
import math
import multiprocessing
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from pim.catalog.models import Product
from pim.task_queue import enqueue_once

from .backends import BackendUnavailable, get_search_backend, index_targets
from .documents import DocumentBuilder
from .models import IndexTarget, OutboxEntry

logger = logging.getLogger("pim.search")

LEASE_SECONDS = 120


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- recording ----------------------------------------------------------------------------------
def record_changes(product_ids: Iterable[int], reason: str, *, targets: list[str] | None = None) -> int:
    """Record that the documents of ``product_ids`` must be rebuilt, in the current
    transaction, and queue a drain for after the commit. Returns the number of rows written."""
    ids = sorted({int(pk) for pk in product_ids if pk is not None})
    if not ids:
        return 0
    now = timezone.now()
    rows = [
        OutboxEntry(
            target=target,
            product_id=pk,
            token=uuid.uuid4(),
            reason=reason[:64],
            created_at=now,
            changed_at=now,
            next_attempt_at=now,
        )
        for target in (targets or index_targets())
        for pk in ids
    ]
    OutboxEntry.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["target", "product_id"],
        update_fields=["token", "reason", "changed_at"],
    )
    _schedule_drain_on_commit()
    return len(rows)


class _DrainAfterCommit:
    """The on-commit callback that queues a drain; ``fired`` once it ran (a test helper that
    runs callbacks without committing leaves them registered)."""

    fired = False

    def __call__(self) -> None:
        self.fired = True
        try:
            schedule_drain()
        except Exception:  # noqa: BLE001 - the change is committed and in the outbox; never fail the request
            logger.exception("search: could not queue the outbox drain (entries stay in the outbox)")


def _schedule_drain_on_commit() -> None:
    # One callback per transaction, however many rows it records. Django drops the callbacks
    # of a rolled-back transaction, so this cannot go stale.
    if connection.in_atomic_block and any(
        isinstance(callback, _DrainAfterCommit) and not callback.fired
        for _sids, callback, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_DrainAfterCommit())


def schedule_drain(*, run_after=None) -> None:
    """Queue the drain task unless one is already waiting that runs no later than
    ``run_after`` (None: now). At most one drain waits at a time: a waiting drain reads the
    outbox when it runs, so it covers every change recorded before that; a running one does
    not count (it may have read its last batch already). On a task backend without deferral a
    retry is dropped: the next change or a rebuild drains."""
    from .tasks import drain_search_outbox

    enqueue_once(drain_search_outbox, run_after=run_after)


# --- the lease ----------------------------------------------------------------------------------
class Lease:
    """One writer per index target at a time (several db_worker processes may run)."""

    def __init__(self, target: str, seconds: int = LEASE_SECONDS):
        self.target = target
        self.seconds = seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self) -> bool:
        IndexTarget.objects.get_or_create(name=self.target)
        now = timezone.now()
        taken = (
            IndexTarget.objects.filter(name=self.target)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=self.owner))
            .update(lease_owner=self.owner, lease_until=now + timedelta(seconds=self.seconds))
        )
        return taken == 1

    def renew(self) -> None:
        IndexTarget.objects.filter(name=self.target, lease_owner=self.owner).update(
            lease_until=timezone.now() + timedelta(seconds=self.seconds)
        )

    def release(self) -> None:
        IndexTarget.objects.filter(name=self.target, lease_owner=self.owner).update(
            lease_until=None, lease_owner=""
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def backoff_seconds(attempts: int) -> float:
    ceiling = _setting("PIM_SEARCH_RETRY_MAX_SECONDS", 300)
    return min(ceiling, 2 ** min(attempts, 20))


# --- draining -----------------------------------------------------------------------------------
def drain_target(target: str, *, batch_size: int | None = None, max_batches: int | None = None) -> dict:
    """Write due outbox entries of ``target``. Returns counts: ``indexed`` (documents written
    or deleted), ``failed`` (entries kept for a retry), ``busy`` (another drain holds the
    lease), ``unavailable`` (the engine could not be reached)."""
    batch_size = batch_size or _setting("PIM_SEARCH_OUTBOX_BATCH", 500)
    stats = {"indexed": 0, "failed": 0, "busy": False, "unavailable": False}
    lease = Lease(target)
    if not lease.acquire():
        stats["busy"] = True
        return stats
    with lease:
        try:
            backend = get_search_backend(target)
        except BackendUnavailable as exc:  # e.g. ELASTICSEARCH_URL missing: keep everything
            _note_error(target, str(exc))
            logger.error("search: cannot write to %s: %s", target, exc)
            stats["unavailable"] = True
            return stats
        builder = DocumentBuilder()
        batches = 0
        while max_batches is None or batches < max_batches:
            now = timezone.now()
            rows = list(
                OutboxEntry.objects.filter(target=target, next_attempt_at__lte=now)
                .order_by("id")
                .values("id", "product_id", "token", "attempts")[:batch_size]
            )
            if not rows:
                break
            batches += 1
            documents = builder.build(row["product_id"] for row in rows)
            try:
                errors = backend.apply(documents)
            except BackendUnavailable as exc:
                _postpone(rows, str(exc))
                _note_error(target, str(exc))
                stats["failed"] += len(rows)
                stats["unavailable"] = True
                logger.warning("search: %s unavailable, %s entries postponed: %s", target, len(rows), exc)
                break
            done = [row for row in rows if row["product_id"] not in errors]
            failed = [row for row in rows if row["product_id"] in errors]
            OutboxEntry.objects.filter(
                pk__in=[row["id"] for row in done], token__in=[row["token"] for row in done]
            ).delete()
            if failed:
                first = next(iter(errors.items()))
                _postpone(failed, f"product {first[0]}: {first[1]}")
                _note_error(target, f"{len(failed)} documents rejected, e.g. product {first[0]}: {first[1]}")
                stats["failed"] += len(failed)
            stats["indexed"] += len(done)
            lease.renew()
        if not stats["unavailable"] and stats["indexed"]:
            IndexTarget.objects.filter(name=target).update(last_success_at=timezone.now())
    return stats


def _postpone(rows, error: str) -> None:
    now = timezone.now()
    for attempts, group in _group_by_attempts(rows).items():
        OutboxEntry.objects.filter(pk__in=[row["id"] for row in group]).update(
            attempts=attempts + 1,
            next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts + 1)),
            last_error=error[:2000],
        )


def _group_by_attempts(rows) -> dict[int, list]:
    groups: dict[int, list] = {}
    for row in rows:
        groups.setdefault(row["attempts"], []).append(row)
    return groups


def _note_error(target: str, error: str) -> None:
    IndexTarget.objects.filter(name=target).update(last_error=error[:2000], last_error_at=timezone.now())


def drain(targets: list[str] | None = None, **options) -> dict[str, dict]:
    """Drain every index target (see :func:`drain_target`)."""
    return {target: drain_target(target, **options) for target in (targets or index_targets())}


def next_retry_at(targets: list[str] | None = None):
    return OutboxEntry.objects.filter(target__in=targets or index_targets()).aggregate(
        at=Min("next_attempt_at")
    )["at"]


# --- full rebuild -------------------------------------------------------------------------------
def visible_id_batches(batch_size: int) -> Iterator[list[int]]:
    """Ids of every publicly visible product, in ascending batches (keyset pagination)."""
    last = 0
    while True:
        ids = list(
            Product.objects.publicly_visible()
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _can_fork_workers() -> bool:
    """Worker processes read the database on their own connections: only possible outside a
    transaction (they would not see its rows) and not on an in-memory SQLite database."""
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return False
    return "fork" in multiprocessing.get_all_start_methods()


def reindex_workers(requested: int | None = None) -> int:
    """Processes that build documents in a full rebuild (``PIM_SEARCH_REINDEX_WORKERS``,
    default: the machine's cores)."""
    if requested is None:
        requested = _setting("PIM_SEARCH_REINDEX_WORKERS", 0) or os.cpu_count() or 1
    return max(1, int(requested))


# State of a document-building worker process (one per process, set by the pool's initializer).
_worker: dict = {}


def _worker_start(transform) -> None:
    _worker["builder"] = DocumentBuilder()
    _worker["transform"] = transform


def _worker_build(ids: list[int]):
    documents = _worker["builder"].build(ids)
    transform = _worker["transform"]
    return len(ids), transform(documents) if transform else documents


def document_batches(
    batch_size: int,
    progress: Callable[[int], None] | None = None,
    *,
    transform: Callable[[dict[int, dict | None]], object] | None = None,
    workers: int = 1,
) -> Iterator:
    """Documents of every publicly visible product, one ``{id: document}`` batch at a time, in
    id order; with ``transform``, what it returns for each batch instead (e.g. an encoded bulk
    request body, built where the documents are).

    With ``workers`` > 1 the batches are built in that many forked processes, each with its own
    database connection and caches, while this process only reads ids and hands the results
    on: building documents (analysis in Python) is what a rebuild spends its CPU on. At most
    two batches per worker are in flight, so memory does not grow with the catalog."""
    if workers <= 1 or not _can_fork_workers():
        builder = DocumentBuilder()
        for ids in visible_id_batches(batch_size):
            documents = builder.build(ids)
            yield transform(documents) if transform else documents
            if progress:
                progress(len(ids))
        return

    # The children must not inherit open connections (two processes on one socket): close
    # them here; this process reconnects on its next query.
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_start, initargs=(transform,))
    try:
        pending: deque = deque()
        for ids in visible_id_batches(batch_size):
            pending.append(pool.apply_async(_worker_build, (ids,)))
            if len(pending) >= workers * 2:
                count, result = pending.popleft().get()
                yield result
                if progress:
                    progress(count)
        while pending:
            count, result = pending.popleft().get()
            yield result
            if progress:
                progress(count)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def rebuild(
    target: str,
    *,
    batch_size: int = 1000,
    threads: int = 2,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    expected: int | None = None,
) -> dict:
    """Rebuild ``target`` from the database. Elasticsearch: into a new index (sized for
    ``expected`` documents, default: the visible products now), then the alias swaps. Database: in place, under the target's lease (searches keep working: every batch
    replaces its entries in one transaction). Outbox entries written before the rebuild
    started are satisfied by it and removed."""
    started_at = timezone.now()
    started = time.perf_counter()
    backend = get_search_backend(target)
    workers = reindex_workers(workers)
    if target == "elasticsearch":

        def batches(transform):
            return document_batches(batch_size, progress, transform=transform, workers=workers)

        if expected is None:
            expected = Product.objects.publicly_visible().count()
        stats = backend.rebuild(batches, threads=threads, documents=expected)
    else:
        lease = Lease(target, seconds=600)
        deadline = time.monotonic() + 300
        while not lease.acquire():
            if time.monotonic() > deadline:
                raise RuntimeError(f"another process holds the {target} index lease; try again later")
            time.sleep(1)
        with lease:
            indexed = 0
            for batch in document_batches(batch_size, progress, workers=workers):
                backend.apply(batch)
                indexed += sum(1 for doc in batch.values() if doc)
                lease.renew()
            removed = backend.remove_stale(Product.objects.publicly_visible().values("pk"))
        stats = {"indexed": indexed, "removed": removed, "errors": {}}
    OutboxEntry.objects.filter(target=target, changed_at__lt=started_at).delete()
    IndexTarget.objects.update_or_create(name=target, defaults={"last_success_at": timezone.now()})
    seconds = time.perf_counter() - started
    stats["seconds"] = seconds
    stats["per_second"] = stats["indexed"] / seconds if seconds > 0 else math.inf
    return stats


# --- status ---------------------------------------------------------------------------------------
def outbox_status(target: str) -> dict:
    now = timezone.now()
    entries = OutboxEntry.objects.filter(target=target)
    summary = entries.aggregate(
        pending=Count("id"),
        failing=Count("id", filter=Q(attempts__gt=0)),
        oldest=Min("created_at"),
        max_attempts=Max("attempts"),
    )
    summary["lag_seconds"] = (now - summary["oldest"]).total_seconds() if summary["oldest"] else 0.0
    summary["last_error"] = entries.filter(attempts__gt=0).values_list("last_error", flat=True).first() or ""
    return summary
