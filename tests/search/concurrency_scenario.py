"""Steps of the concurrency tests (tests/search/test_concurrency.py), each run as its own
process against a real database named by ``DATABASE_URL``, like the web server and
``manage.py db_worker`` in production:

    python -m tests.search.concurrency_scenario setup EDITS BACKLOG
    python -m tests.search.concurrency_scenario edit EDITS THREADS
    python -m tests.search.concurrency_scenario drain STOP_FILE
    python -m tests.search.concurrency_scenario check EDITS TIMEOUT tasks|outbox
    python -m tests.search.concurrency_scenario ids ARTICLE_PREFIX

Each step prints one JSON object on its last line of output.
"""

import json
import os
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

EDITOR = "concurrency-editor"


def article(number: int) -> str:
    return f"CC-{number:03d}"


def new_name(number: int) -> str:
    return f"Edited valve {number}"


def setup(edits: int, backlog: int) -> dict:
    """A family, ``edits`` draft products the editors will publish, and ``backlog`` live
    products whose index changes wait in the outbox (the worker drains them meanwhile)."""
    from django.contrib.auth import get_user_model

    from tests.factories import make_product, make_valve_family

    family = make_valve_family()
    get_user_model().objects.create_superuser(EDITOR, "editor@example.com", "secret")
    for number in range(edits):
        make_product(family, article_number=article(number), live=False, values={"max_pressure": "10 bar"})
    for number in range(backlog):
        make_product(family, article_number=f"BL-{number:04d}", values={"max_pressure": f"{number % 40} bar"})
    return {"products": edits + backlog}


def _waiting_drains() -> int:
    from django_tasks_db.models import DBTaskResult

    from pim.search.tasks import drain_search_outbox

    return DBTaskResult.objects.ready().filter(task_path=drain_search_outbox.module_path).count()


def edit(edits: int, threads: int) -> dict:
    """Publish each draft with a new name through the admin's product editor (the views an
    editor's browser posts to), from ``threads`` concurrent clients."""
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections
    from django.test import Client
    from django.urls import reverse

    from pim.catalog.models import Product
    from tests.catalog.test_admin import post_form

    user = get_user_model().objects.get(username=EDITOR)
    ids = dict(Product.objects.filter(article_number__startswith="CC-").values_list("article_number", "pk"))
    errors: list[str] = []
    most_waiting = 0
    done = threading.Event()

    def watch():
        nonlocal most_waiting
        while not done.is_set():
            try:
                most_waiting = max(most_waiting, _waiting_drains())
            except Exception as exc:  # noqa: BLE001 - reported as an error of the run
                errors.append(f"watching the queue: {exc!r}")
            time.sleep(0.01)
        close_old_connections()

    def publish(number: int) -> None:
        client = Client()
        client.force_login(user)
        url = reverse("wagtailsnippets_catalog_product:edit", args=[ids[article(number)]])
        try:
            response = post_form(client, url, {"name_0": new_name(number)}, publish=True)
            if response.status_code != 302:
                errors.append(f"{article(number)}: HTTP {response.status_code}")
        except Exception:  # noqa: BLE001 - every failure is counted and shown
            errors.append(f"{article(number)}: {traceback.format_exc(limit=3)}")
        finally:
            close_old_connections()

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(publish, range(edits)))
    finally:
        done.set()
        watcher.join()
    return {"errors": errors, "most_waiting_drains": most_waiting, "seconds": time.monotonic() - started}


def drain(stop_file: str) -> dict:
    """Drain the outbox one small batch at a time (the lease is given up between batches, so
    another drainer can take over) until ``stop_file`` exists and the outbox is empty; returns
    the products whose documents this process wrote, once per write."""
    from pathlib import Path

    from pim.search import indexing
    from pim.search.backends import get_search_backend
    from pim.search.models import OutboxEntry

    backend = get_search_backend("database")
    written: list[int] = []
    apply = backend.apply

    def counting_apply(documents):
        rejected = apply(documents)
        written.extend(pk for pk in documents if pk not in rejected)
        return rejected

    backend.apply = counting_apply
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        stats = indexing.drain_target("database", batch_size=5, max_batches=1)
        idle = not stats["busy"] and not stats["indexed"]
        if idle and Path(stop_file).exists() and not OutboxEntry.objects.exists():
            break
        time.sleep(0.002)  # a moment for the other drainer to take the lease
    return {"written": written}


def check(edits: int, timeout: float, wait_for: str) -> dict:
    """Wait until the outbox is drained (``wait_for`` "tasks": and the worker ran every queued
    task); then what search finds."""
    from django.db.models import Q
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from pim.search.backends.database import DatabaseSearchBackend
    from pim.search.models import OutboxEntry
    from pim.search.query import SearchQuery
    from pim.search.tasks import drain_search_outbox

    deadline = time.monotonic() + timeout
    unfinished = Q(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
    while time.monotonic() < deadline:
        tasks_done = wait_for != "tasks" or not DBTaskResult.objects.filter(unfinished).exists()
        if tasks_done and not OutboxEntry.objects.exists():
            break
        time.sleep(0.2)
    missing = []
    backend = DatabaseSearchBackend()
    for number in range(edits):
        result = backend.search(SearchQuery(text=article(number), language="en", page_size=5))
        names = {hit.name for hit in result.hits if hit.article_number == article(number)}
        if names != {new_name(number)}:
            missing.append(f"{article(number)}: found {sorted(names)}")
    failed = [
        f"{row.task_path}: {row.exception_class_path}: {row.traceback[-500:]}"
        for row in DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    ]
    return {
        "missing": missing,
        "failed_tasks": failed,
        "outbox": OutboxEntry.objects.count(),
        "unfinished_tasks": DBTaskResult.objects.filter(unfinished).count(),
        "drain_tasks": DBTaskResult.objects.filter(task_path=drain_search_outbox.module_path).count(),
    }


def ids(prefix: str) -> dict:
    from pim.catalog.models import Product

    return {
        "ids": list(Product.objects.filter(article_number__startswith=prefix).values_list("pk", flat=True))
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pim.settings")
    import django

    django.setup()
    step, *args = argv
    if step == "setup":
        result = setup(int(args[0]), int(args[1]))
    elif step == "edit":
        result = edit(int(args[0]), int(args[1]))
    elif step == "drain":
        result = drain(args[0])
    elif step == "check":
        result = check(int(args[0]), float(args[1]), args[2])
    elif step == "ids":
        result = ids(args[0])
    else:
        raise SystemExit(f"unknown step {step!r}: use setup, edit, drain, check or ids")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
