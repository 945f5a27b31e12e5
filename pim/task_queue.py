"""Queue a background task at most once: the project's task wiring that apps share.

Work that is recorded durably (an outbox, a table of pending ids) needs one waiting task to
process it, not one per change: a waiting task reads the pending work when it runs, so it
covers every change recorded before that. A running task does not count (it may have read its
last batch already), so a change that arrives meanwhile queues the next one.

With django-tasks-db (what ``db_worker`` runs) the check and the insert happen under one lock,
so two processes cannot both see no waiting task. Other backends (the immediate backend of
tests and ``PIM_TASKS_IMMEDIATE=1``) cannot be asked what is waiting: every call enqueues, and
the immediate backend runs the task inline.
"""

import json
import zlib

from django.db import connection, connections, router, transaction
from django_tasks import TaskResultStatus


def is_database_backend(backend) -> bool:
    try:
        from django_tasks_db import DatabaseBackend
    except ImportError:  # pragma: no cover - another task backend installed instead
        return False
    return isinstance(backend, DatabaseBackend)


def _queued(task):
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    return DBTaskResult.objects.filter(task_path=task.module_path, backend_name=backend.alias)


def _normalized(args) -> list:
    # What the backend stores: the arguments after a JSON round trip (tuples become lists).
    return json.loads(json.dumps(list(args)))


def waiting_args(task) -> list[list]:
    """The positional arguments of every call of ``task`` that waits in the queue (queued, not
    yet picked up by a worker), whenever it is due. Empty for backends that cannot be asked."""
    if not is_database_backend(task.get_backend()):
        return []
    rows = _queued(task).filter(status=TaskResultStatus.READY).values_list("args_kwargs", flat=True)
    return [list((row or {}).get("args") or []) for row in rows]


def is_waiting(task, args=(), *, run_after=None) -> bool:
    """Whether a call of ``task`` with ``args`` is queued that runs no later than
    ``run_after`` (None: now). Always False for backends that cannot be asked.

    ``ready()`` is django-tasks-db's own notion of "due now": it stores a task queued without
    ``run_after`` with a far-future sentinel date, so a plain ``run_after <= now`` misses
    exactly the tasks that run at once."""
    if not is_database_backend(task.get_backend()):
        return False
    queued = _queued(task)
    due = queued.ready()
    if run_after is not None:
        due = due | queued.filter(status=TaskResultStatus.READY, run_after__lte=run_after)
    # Compared in the database: per-object tasks (see pim.wagtail_tasks) may have thousands
    # of calls waiting, too many to read on every enqueue.
    return due.filter(args_kwargs__args=_normalized(args)).exists()


def enqueue_once(task, *args, run_after=None) -> bool:
    """Enqueue ``task(*args)`` unless the same call already waits to run no later than
    ``run_after`` (None: now). Returns whether a task was queued. Deferred calls on a backend
    without deferral are dropped (the caller's next change queues an immediate one)."""
    backend = task.get_backend()
    if run_after is not None and not backend.supports_defer:
        return False
    runnable = task.using(run_after=run_after) if run_after is not None else task
    if not is_database_backend(backend):
        runnable.enqueue(*args)
        return True
    from django_tasks_db.models import DBTaskResult

    using = router.db_for_write(DBTaskResult)
    # Check and insert under one lock: the write lock that BEGIN IMMEDIATE takes on SQLite (see
    # the DATABASES settings), a transaction-scoped advisory lock per task on PostgreSQL.
    with transaction.atomic(using=using):
        if connections[using].vendor == "postgresql":
            with connections[using].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(task)])
        if is_waiting(task, args, run_after=run_after):
            return False
        runnable.enqueue(*args)
        return True


def _lock_key(task) -> int:
    # A stable key per task (PostgreSQL advisory locks take a bigint).
    return zlib.crc32(f"pim.task_queue:{task.module_path}".encode())


class _EnqueueAfterCommit:
    """The on-commit callback of :func:`enqueue_once_on_commit`; ``fired`` once it ran.

    ``leader``: an equal callback registered earlier in the same transaction. At a commit the
    callbacks run in the order they were registered, so once the leader has run this one has
    nothing to do; it only enqueues if the leader did not run (a savepoint rollback dropped
    it, or a test helper ran only part of the transaction's callbacks)."""

    def __init__(self, task, args, on_error, leader=None):
        self.task = task
        self.args = tuple(args)
        self.on_error = on_error
        self.leader = leader
        self.fired = False

    def __call__(self) -> None:
        self.fired = True
        if self.leader is not None and self.leader.fired:
            return
        try:
            enqueue_once(self.task, *self.args)
        except Exception as exc:  # noqa: BLE001 - the change is committed, its work recorded
            if self.on_error is None:
                raise
            self.on_error(exc)


def enqueue_once_on_commit(task, *args, on_error=None) -> None:
    """After the current transaction commits, :func:`enqueue_once` ``task(*args)``, once per
    transaction however many changes it records. Django drops the callbacks of a rolled-back
    transaction or savepoint, so this cannot go stale. ``on_error(exc)``, if given, handles a
    failure to enqueue (for work that is recorded durably and picked up by the next task).

    The cost of a call does not grow with the transaction (an import writes tens of thousands
    of products in one): the leader is found in an index of the pending callbacks instead of
    by scanning them."""
    leader = None
    key = (task.module_path, tuple(args))
    if connection.in_atomic_block:
        leaders = _pending_leaders()
        leader = leaders.get(key)
        if leader is not None and leader.fired:
            leader = None
    callback = _EnqueueAfterCommit(task, args, on_error, leader)
    transaction.on_commit(callback)
    if connection.in_atomic_block and leader is None:
        leaders[key] = callback


def _pending_leaders() -> dict:
    """The connection's leader callbacks by (task, args), rebuilt when Django replaced its
    list of pending callbacks (a commit, a rollback or a savepoint rollback makes a new list;
    registering appends to it)."""
    pending = connection.run_on_commit
    state = getattr(connection, "_pim_enqueue_leaders", None)
    if state is not None and state[0] is pending:
        return state[1]
    leaders = {}
    for _sids, callback, _robust in pending:
        if isinstance(callback, _EnqueueAfterCommit) and callback.leader is None and not callback.fired:
            leaders.setdefault((callback.task.module_path, callback.args), callback)
    connection._pim_enqueue_leaders = (pending, leaders)
    return leaders
