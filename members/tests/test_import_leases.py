"""A large import's claim that lapses, in one process (tasks run at once here): the sweep queues a dead worker's
check or save again, a lingering worker whose claim was taken over saves nothing, and a job that keeps dying
fails with its reason. With real processes killed and a database restarted: test_import_faults.py."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from members import imports, tasks
from members.models import ImportJob, ImportStatus, Member
from members.tests.test_import_jobs import roster
from members.tests.test_imports import upload, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(client, sec_a, village_a, grid_a1, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    client.force_login(sec_a)
    upload(client, village_a, xlsx(roster(12)))  # queued: on_commit never runs in this test's transaction
    return ImportJob.objects.get()


def lapse(job, status, attempts=1):
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, worker="gone:1", attempts=attempts, lease_until=timezone.now() - timedelta(seconds=1)
    )


@pytest.mark.parametrize("status", [ImportStatus.CHECKING, ImportStatus.SAVING])
def test_a_job_whose_worker_died_is_taken_again(job, status, monkeypatch):
    queued = []
    for name in ("check_import", "save_import"):
        monkeypatch.setattr(tasks, name, SimpleNamespace(enqueue=lambda pk, name=name: queued.append((name, pk))))
    lapse(job, status)
    imports.recover_jobs()
    expected = "save_import" if status == ImportStatus.SAVING else "check_import"
    assert queued == [(expected, job.pk)]
    imports.run_job(job.pk, save=status == ImportStatus.SAVING)
    job.refresh_from_db()
    assert job.status == (ImportStatus.DONE if status == ImportStatus.SAVING else ImportStatus.CHECKED)
    assert job.attempts == 2 and Member.objects.count() == (12 if status == ImportStatus.SAVING else 0)


def test_a_worker_whose_claim_was_taken_over_saves_nothing(job, monkeypatch):
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.SAVING)
    kind = imports.KINDS["members"]
    real = kind.check

    def taken_over(*args, **kwargs):  # the lease ran out while this worker checked; another claimed the job
        ImportJob.objects.filter(pk=job.pk).update(worker="other:2", attempts=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(kind, "check", taken_over)
    imports.run_job(job.pk, save=True)
    job.refresh_from_db()
    assert job.status == ImportStatus.SAVING and job.worker == "other:2"  # the other worker's to finish
    assert not Member.objects.exists() and not Member.history.exists()  # rolled back: saved once, by the other


def test_a_job_that_keeps_dying_fails_with_its_reason(job):
    lapse(job, ImportStatus.SAVING, attempts=3)
    imports.recover_jobs()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "没有导入任何数据" in job.message
