"""Claims that lapse, in one process (tasks run at once here): the sweep queues a dead worker's part again, a late
finisher counts no more, a part that keeps dying fails its batch, a dead planner or joiner is replaced.
The same with real processes killed and a database restarted: test_worker_faults.py."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from commitments import services, tasks
from commitments.models import BatchPart, BatchStatus, DocumentKind, PrintBatch
from commitments.tests.test_batch_guards import letters  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

AGO = timedelta(seconds=1)


@pytest.fixture
def planned(monkeypatch, sec_a, village_a, letters):  # noqa: F811
    """A batch of village A's two letters in two parts, planned; its parts' tasks are in `planned.queued`."""
    monkeypatch.setattr(services, "PART_KEYS", 1)
    queued = []
    monkeypatch.setattr(tasks, "print_part", SimpleNamespace(enqueue=queued.append))
    batch = PrintBatch.objects.create(
        kind=DocumentKind.LETTER, village=village_a, town=village_a.town, requested_by=sec_a
    )
    services.run_batch(batch.pk)
    return SimpleNamespace(batch=batch, queued=queued, parts=list(batch.parts.order_by("index")))


def lapse(part, attempts=1):
    BatchPart.objects.filter(pk=part.pk).update(
        status=BatchStatus.RUNNING, worker="gone:1", attempts=attempts, lease_until=timezone.now() - AGO
    )


def test_a_part_whose_worker_died_is_queued_again_and_printed_once(planned):
    first, second = planned.parts
    lapse(first)
    BatchPart.objects.filter(pk=second.pk).update(status=BatchStatus.RUNNING, lease_until=timezone.now() + AGO * 60)
    services.recover_batches()
    first.refresh_from_db()
    assert first.status == BatchStatus.QUEUED and planned.queued == [first.pk, second.pk, first.pk]
    assert BatchPart.objects.get(pk=second.pk).status == BatchStatus.RUNNING  # its lease holds: left alone
    BatchPart.objects.filter(pk=second.pk).update(status=BatchStatus.QUEUED)
    assert services.run_part(first.pk) and services.run_part(second.pk)
    planned.batch.refresh_from_db()
    assert planned.batch.status == BatchStatus.DONE and planned.batch.document.pages == 2
    assert BatchPart.objects.get(pk=first.pk).attempts == 2


def test_a_late_finisher_of_a_lapsed_claim_counts_no_more(planned, monkeypatch):
    first, second = planned.parts
    real = services.render_pdf

    def outlived(sections, title):  # its lease runs out meanwhile, and another worker prints the part
        monkeypatch.setattr(services, "render_pdf", real)
        BatchPart.objects.filter(pk=first.pk).update(lease_until=timezone.now() - AGO)
        services.recover_batches()
        assert services.run_part(first.pk)
        return real(sections, title)

    monkeypatch.setattr(services, "render_pdf", outlived)
    assert services.run_part(first.pk) is False
    assert services.run_part(second.pk)
    planned.batch.refresh_from_db()
    assert planned.batch.status == BatchStatus.DONE and planned.batch.pages_done == 2
    assert planned.batch.document.pages == 2


def test_a_part_that_keeps_dying_fails_its_batch(planned):
    lapse(planned.parts[0], attempts=3)
    services.recover_batches()
    planned.batch.refresh_from_db()
    assert planned.batch.status == BatchStatus.FAILED and planned.batch.error == services.CRASHED
    assert planned.queued == [p.pk for p in planned.parts]  # not queued a fourth time


def test_a_dead_planner_and_a_dead_joiner_are_replaced(monkeypatch, planned, sec_a, village_a):
    plans = []
    monkeypatch.setattr(tasks, "print_batch", SimpleNamespace(enqueue=plans.append))
    waiting = PrintBatch.objects.create(kind=DocumentKind.LETTER, village=village_a, requested_by=sec_a)
    dead = PrintBatch.objects.create(
        kind=DocumentKind.LETTER, village=village_a, requested_by=sec_a, lease_until=timezone.now() - AGO
    )
    real_finish = services.finish
    monkeypatch.setattr(services, "finish", lambda batch_id: None)  # printed, but the worker died before joining
    for part in planned.parts:
        assert services.run_part(part.pk)
    monkeypatch.setattr(services, "finish", real_finish)
    BatchPart.objects.update(finished_at=timezone.now() - timedelta(minutes=5))
    services.recover_batches()
    assert plans == [dead.pk]  # the one still waiting for a worker is left to it
    assert PrintBatch.objects.get(pk=waiting.pk).lease_until is None
    planned.batch.refresh_from_db()
    assert planned.batch.status == BatchStatus.DONE and planned.batch.document.pages == 2
