"""A large import survives its worker being killed (SIGKILL) mid-check and mid-save, and its database restarting.

Real `manage.py worker` processes on the test database, with a short lease (TASK_LEASE_SECONDS) so that a dead
worker's claim runs out within seconds. The import must end with every row saved exactly once: as many members
and history rows as the file has rows, by the person who uploaded it, and nothing saved while it was half done.
"""

import datetime
import os
import signal
import socket

import pytest
from django.db import connection

from commitments.tests.test_worker_faults import wait_for
from conftest import new_id_number
from members.models import ImportJob, ImportStatus, Member
from members.tests.test_import_workers import follow
from members.tests.test_imports import upload, xlsx

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROWS = 3000
SETTINGS = {"IMPORT_PROGRESS_ROWS": "100", "TASK_LEASE_SECONDS": "2"}


@pytest.fixture
def uploaded(client, sec_a, village_a, grid_a1):
    """A roster of ROWS new members uploaded by sec_a (queued: no worker yet): (job page, ID numbers)."""
    rows = [["姓名", "公民身份号码", "网格", "文化程度", "入党时间"]]
    for i in range(ROWS):
        birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=i * 3)
        rows.append([f"党员{i}", new_id_number(birth, male=i % 2 == 0), "第一网格", "高中", "1990-07-01"])
    client.force_login(sec_a)
    response = upload(client, village_a, xlsx(rows))
    assert response.status_code == 302
    return response.url, {r[1] for r in rows[1:]}


def working(process, status, saving=False):
    """The job while `process` holds it in `status`: checking (some rows checked), or saving (all checked)."""
    job = ImportJob.objects.get()
    held = job.status == status and job.worker == f"{socket.gethostname()}:{process.pid}"
    return held and (job.rows_checked == ROWS if saving else 0 < job.rows_checked < ROWS)


def kill(process):
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def assert_saved_exactly_once(numbers, sec_a):
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.DONE and job.counts == {"新增": ROWS, "更新": 0, "不变": 0}
    saved = list(Member.objects.values_list("id_number", flat=True))
    assert len(saved) == ROWS and set(saved) == numbers  # every row once
    assert Member.history.count() == ROWS  # one history row each: the save ran once
    assert set(Member.history.values_list("history_user", flat=True)) == {sec_a.pk}
    return job


def test_an_import_whose_worker_is_killed_is_taken_again(db_workers, client, uploaded, sec_a):
    url, numbers = uploaded
    (first,) = db_workers(1, **SETTINGS)
    wait_for(lambda: working(first, ImportStatus.CHECKING))
    kill(first)  # mid-check
    assert ImportJob.objects.get().status == ImportStatus.CHECKING

    (second,) = db_workers(1, **SETTINGS)
    follow(client, url, until="检查通过")
    assert ImportJob.objects.get().attempts == 2  # checked again from the stored file

    client.post(url)  # 确认导入
    wait_for(lambda: working(second, ImportStatus.SAVING, saving=True))
    kill(second)  # mid-save: its transaction never commits
    assert ImportJob.objects.get().status == ImportStatus.SAVING and not Member.objects.exists()

    (third,) = db_workers(1, **SETTINGS)
    states, done = follow(client, url, until="导入完成")
    assert f"导入完成：新增{ROWS}条，更新0条，未变化0条" in done
    job = assert_saved_exactly_once(numbers, sec_a)
    assert job.attempts == 2 and job.worker == f"{socket.gethostname()}:{third.pid}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="restarting the database server: PostgreSQL only")
def test_an_import_rides_out_a_database_restart(db_workers, restart_database, client, uploaded, sec_a):
    url, numbers = uploaded
    (worker,) = db_workers(1, **SETTINGS)
    follow(client, url, until="检查通过")
    client.post(url)  # 确认导入
    wait_for(lambda: working(worker, ImportStatus.SAVING, saving=True))
    restart_database(3)  # mid-save

    states, done = follow(client, url, until="导入完成", timeout=120)
    assert f"导入完成：新增{ROWS}条，更新0条，未变化0条" in done
    assert_saved_exactly_once(numbers, sec_a)
    assert worker.poll() is None and "数据库不可用" in worker.log.read_text(errors="replace")
