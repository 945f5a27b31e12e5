"""The drain task on the database task backend (django-tasks-db, what ``db_worker`` runs):
however many changes arrive, at most one drain waits in the queue."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pim.search import indexing
from pim.search.tasks import drain_search_outbox
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PIM_SEARCH_BACKEND = "database"
    # module fixtures of other tests commit catalog changes, and with them a queued drain
    DBTaskResult.objects.all().delete()


def drains():
    return DBTaskResult.objects.filter(task_path=drain_search_outbox.module_path)


def test_forty_edits_queue_one_drain(database_tasks, django_capture_on_commit_callbacks):
    family = make_valve_family()
    for number in range(40):
        with django_capture_on_commit_callbacks(execute=True):  # one transaction per edit
            make_product(family, article_number=f"Q-{number}", values={"max_pressure": "10 bar"})
    assert drains().count() == 1
    # the backend stores "run now" as a far-future sentinel date: the drain must still be found
    assert drains().get().run_after > timezone.now() + timedelta(days=365)


def test_a_running_drain_does_not_count_as_waiting(database_tasks, django_capture_on_commit_callbacks):
    family = make_valve_family()
    with django_capture_on_commit_callbacks(execute=True):
        make_product(family, article_number="R-1")
    # the worker picked it up: it may have read its last batch before the next change
    drains().update(status=TaskResultStatus.RUNNING)
    for number in range(2, 5):
        with django_capture_on_commit_callbacks(execute=True):
            make_product(family, article_number=f"R-{number}")
    assert drains().filter(status=TaskResultStatus.READY).count() == 1
    assert drains().count() == 2


def test_retries_are_not_queued_behind_an_earlier_drain(database_tasks):
    now = timezone.now()
    indexing.schedule_drain(run_after=now + timedelta(seconds=60))
    indexing.schedule_drain(run_after=now + timedelta(seconds=120))  # the first one runs earlier
    assert drains().count() == 1
    indexing.schedule_drain(run_after=now - timedelta(seconds=1))  # due now (a busy drain's retry)
    indexing.schedule_drain()  # a change: the due one covers it
    indexing.schedule_drain(run_after=now + timedelta(seconds=30))
    assert drains().count() == 2
