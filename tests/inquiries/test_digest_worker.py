"""The real task worker (``manage.py db_worker``) sending digests is killed (SIGKILL) in the
middle of a batch and started again: every address gets exactly one digest with all its
notices — no duplicate, no loss."""

import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from pim.catalog.models import Lifecycle
from pim.inquiries.models import Digest, DigestEntry
from tests.factories import make_product, make_valve_family

from .notice_helpers import publish, subscribe

ROOT = Path(__file__).resolve().parents[2]
ADDRESSES = 8
MAIL_DELAY = 1.0


def worker_env(mail_dir: Path, tmp_path: Path) -> dict:
    """The worker runs on the test database (it sees what this test commits)."""
    config = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIM_", "ELASTICSEARCH_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=(
            f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"
        ),
        DJANGO_SETTINGS_MODULE="tests.inquiries.worker_settings",
        PYTHONPATH=str(ROOT),
        PIM_VAR_DIR=str(tmp_path / "var"),
        PIM_MEDIA_ROOT=str(tmp_path / "media"),
        PIM_SEARCH_BACKEND="database",
        PIM_TEST_MAIL_DIR=str(mail_dir),
        PIM_TEST_MAIL_DELAY=str(MAIL_DELAY),
    )
    return env


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-6000:]}")


def delivered(mail_dir: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(mail_dir.glob("*.eml"))]


def text_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError(message)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_batch_and_restarted_sends_every_digest_exactly_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    DBTaskResult.objects.all().delete()
    family = make_valve_family()
    shared = make_product(family, article_number="W-SHARED")
    own = {}
    for number in range(1, ADDRESSES + 1):
        address = f"w{number}@example.com"
        own[address] = make_product(family, article_number=f"W-{number}")
        subscribe(address, own[address])
        subscribe(address, shared)
    # Each publish commits and queues the detection for the worker (one waits at a time).
    for product in [shared, *own.values()]:
        publish(product, lifecycle=Lifecycle.DISCONTINUED)

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = worker_env(mail_dir, tmp_path)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        # Kill while the fourth message is being handed over (three were accepted).
        wait_for(lambda: len(list(mail_dir.glob(".sending-*"))) >= 4, 120, "the fourth message", log)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        accepted_before = len(delivered(mail_dir))
        assert 0 < accepted_before < ADDRESSES, "killed in the middle of the batch"
        assert Digest.objects.filter(sent_at__isnull=True).exists()

        worker = start_worker(env, log)
        wait_for(
            lambda: (
                Digest.objects.filter(sent_at__isnull=False).count() == ADDRESSES
                and not Digest.objects.filter(sent_at__isnull=True).exists()
            ),
            120,
            "every digest sent",
            log,
        )
        time.sleep(2 * MAIL_DELAY)  # nothing more arrives afterwards
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    messages = delivered(mail_dir)
    by_address = {}
    for message in messages:
        by_address.setdefault(message["To"], []).append(message)
    assert sorted(by_address) == sorted(own)
    assert {address: len(items) for address, items in by_address.items()} == dict.fromkeys(own, 1)
    for address, (message,) in by_address.items():
        body = text_of(message)
        assert f"W-{address[1:].split('@')[0]} Ball valve" in body
        assert "W-SHARED Ball valve" in body
        assert body.count("Discontinued") == 2
    assert len({message["Message-ID"] for message in messages}) == ADDRESSES
    assert not DigestEntry.objects.filter(digest__isnull=True).exists()
    assert DigestEntry.objects.count() == 2 * ADDRESSES
