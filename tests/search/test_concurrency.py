"""Editors and index workers at the same time, on real databases in separate processes (see
:mod:`tests.search.concurrency_scenario`): the embedded SQLite file with ``db_worker``
running, and PostgreSQL with two drainers sharing one outbox."""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[2]
EDITS = 50
THREADS = 4
BACKLOG = 100


def scenario_env(tmp_path: Path, database_url: str) -> dict:
    """The environment of a fresh deployment on ``database_url``: embedded defaults otherwise,
    the database task backend (what ``db_worker`` runs), the database search backend."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIM_", "ELASTICSEARCH_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=database_url,
        PIM_VAR_DIR=str(tmp_path / "var"),
        PIM_MEDIA_ROOT=str(tmp_path / "media"),
        PIM_DEBUG="1",
        PIM_SEARCH_BACKEND="database",
        DJANGO_SETTINGS_MODULE="pim.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def run_step(env: dict, *args: str, timeout: float = 600) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.search.concurrency_scenario", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"step {args[0]} failed ({proc.returncode}):\n{proc.stderr[-6000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def start_step(env: dict, log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.search.concurrency_scenario", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )


def migrate(env: dict) -> None:
    proc = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-6000:]


@pytest.mark.slow
def test_sqlite_admin_edits_while_the_worker_drains(tmp_path):
    """50 publishes through the admin's product editor from four concurrent clients while
    ``db_worker`` drains a backlog and runs every task the edits queue: no error anywhere
    (no "database is locked"), at most one drain waiting at any time, and every edit found."""
    env = scenario_env(tmp_path, f"sqlite:///{tmp_path / 'pim.sqlite3'}")
    migrate(env)
    run_step(env, "setup", str(EDITS), str(BACKLOG))
    worker_log = tmp_path / "db_worker.log"
    with worker_log.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                "0.05",
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            edited = run_step(env, "edit", str(EDITS), str(THREADS))
            checked = run_step(env, "check", str(EDITS), "300", "tasks")
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    assert edited["errors"] == []
    assert edited["most_waiting_drains"] <= 1
    assert checked["failed_tasks"] == []
    assert checked["missing"] == []
    assert (checked["outbox"], checked["unfinished_tasks"]) == (0, 0)
    assert "locked" not in worker_log.read_text()


@pytest.fixture
def postgres_database(tmp_path):
    """A database of its own beside the test database (the steps run in other processes and
    must see each other's commits), dropped afterwards."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_concurrency_{os.getpid()}"
    admin = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"],
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(**admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_two_drainers_share_one_outbox(tmp_path, postgres_database):
    """Two processes drain the same outbox in small batches while editors publish: every
    backlog document is written exactly once (by one drainer or the other), nothing is left
    behind, and every edit is found."""
    env = scenario_env(tmp_path, postgres_database)
    migrate(env)
    run_step(env, "setup", str(EDITS), str(BACKLOG))
    stop = tmp_path / "edits-done"
    drainers = [start_step(env, tmp_path / f"drainer{n}.log", "drain", str(stop)) for n in (1, 2)]
    try:
        edited = run_step(env, "edit", str(EDITS), str(THREADS))
    finally:
        stop.touch()
    results = []
    deadline = time.monotonic() + 300
    for number, drainer in enumerate(drainers, start=1):
        stdout, _stderr = drainer.communicate(timeout=max(1, deadline - time.monotonic()))
        log = (tmp_path / f"drainer{number}.log").read_text()
        assert drainer.returncode == 0, log[-6000:]
        results.append(json.loads(stdout.strip().splitlines()[-1])["written"])
    checked = run_step(env, "check", str(EDITS), "60", "outbox")

    assert edited["errors"] == []
    assert checked["missing"] == []
    assert checked["outbox"] == 0
    writes = Counter(pk for written in results for pk in written)
    assert all(results), "both drainers took part"
    backlog_ids = run_step(env, "ids", "BL-")["ids"]
    assert {pk: writes[pk] for pk in backlog_ids} == dict.fromkeys(backlog_ids, 1)
    edited_ids = run_step(env, "ids", "CC-")["ids"]
    assert all(writes[pk] >= 1 for pk in edited_ids)
