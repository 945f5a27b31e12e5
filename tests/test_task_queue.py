"""enqueue_once_on_commit: once per transaction, also after savepoint rollbacks, at a cost
that does not grow with the transaction."""

from types import SimpleNamespace

import pytest
from django.db import connection, transaction

import pim.task_queue as task_queue

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TASK = SimpleNamespace(module_path="tests.fake_task")


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(task_queue, "enqueue_once", lambda task, *args: calls.append((task.module_path, args)))
    return calls


def test_many_changes_in_one_transaction_enqueue_once_per_argument(enqueued):
    with transaction.atomic():
        for number in range(3000):
            task_queue.enqueue_once_on_commit(TASK, number % 2)
        leaders = task_queue._pending_leaders()
        assert sorted(args for (_path, args) in leaders) == [(0,), (1,)]
    assert sorted(enqueued) == [("tests.fake_task", (0,)), ("tests.fake_task", (1,))]


def test_a_rolled_back_savepoint_does_not_lose_the_enqueue(enqueued):
    with transaction.atomic():
        try:
            with transaction.atomic():
                task_queue.enqueue_once_on_commit(TASK, 7)  # the leader, dropped below
                raise RuntimeError
        except RuntimeError:
            pass
        task_queue.enqueue_once_on_commit(TASK, 7)
        task_queue.enqueue_once_on_commit(TASK, 7)
    assert enqueued == [("tests.fake_task", (7,))]


def test_a_rolled_back_transaction_enqueues_nothing(enqueued):
    with pytest.raises(RuntimeError), transaction.atomic():
        task_queue.enqueue_once_on_commit(TASK, 1)
        raise RuntimeError
    assert enqueued == []
    assert not connection.run_on_commit


def test_outside_a_transaction_it_enqueues_at_once(enqueued):
    task_queue.enqueue_once_on_commit(TASK, 3)
    assert enqueued == [("tests.fake_task", (3,))]
