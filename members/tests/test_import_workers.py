"""A large roster imported as a secretary imports it, on a real `manage.py db_worker` process.

Upload → the worker checks every row (the page shows how far) → confirm → the worker checks again and saves,
on the test database (SQLite or PostgreSQL, whichever the suite runs on). The job's page is polled as the
browser polls it.
"""

import datetime
import re
import sqlite3
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from conftest import new_id_number
from members.models import ImportJob, ImportStatus, Member
from members.tests.test_imports import upload, xlsx

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROWS = 3000
PROGRESS_ROWS = 100  # the worker records its progress this often (production: every 500 rows)


def job_state(html):
    """(status shown, percent of the progress bar or None) from the job page's status fragment."""
    bar = re.search(r'aria-valuenow="(\d+)"', html)
    if bar:
        return re.search(r'<div class="mb-2">([^<：（]+)', html).group(1), int(bar.group(1))
    for label in ("检查通过", "有错误", "导入完成", "没有导入"):
        if label in html:
            return label, None
    pytest.fail(f"unknown job page: {html}")


def follow(client, url, until, timeout=180):
    """Poll the status fragment as htmx does (faster than its 1 s) until it shows `until`; every state seen."""
    states, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(url, headers={"HX-Request": "true"}).text
        states.append(job_state(html))
        if states[-1][1] is None:
            assert states[-1][0] == until, (states[-5:], html)
            return states, html
        time.sleep(0.05)
    pytest.fail(f"the import did not finish in {timeout} s: {states[-5:]}")


def part_way(states, label):
    return [p for shown, p in states if shown == label and 0 < p < 100]


def test_a_large_roster_is_checked_and_saved_by_the_worker(db_workers, client, sec_a, village_a, grid_a1):
    rows = [["姓名", "公民身份号码", "网格", "文化程度", "入党时间"]]
    for i in range(ROWS):
        birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=i * 3)
        rows.append([f"党员{i}", new_id_number(birth, male=i % 2 == 0), "第一网格", "高中", "1990-07-01"])
    client.force_login(sec_a)
    response = upload(client, village_a, xlsx(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job_state(client.get(response.url).text) == ("正在检查", 0)  # queued: no worker yet

    db_workers(1, IMPORT_PROGRESS_ROWS=str(PROGRESS_ROWS))
    states, checked = follow(client, response.url, until="检查通过")
    assert part_way(states, "正在检查"), states  # the page showed the check part-way, with its percent
    assert f"检查通过：共{ROWS}行，将新增{ROWS}条" in checked and "确认导入" in checked
    assert not Member.objects.exists()  # nothing before confirmation

    client.post(response.url)  # 确认导入
    states, done = follow(client, response.url, until="导入完成")
    assert part_way(states, "正在导入"), states  # checked again before saving, progress shown
    assert f"导入完成：新增{ROWS}条，更新0条，未变化0条" in done and "查看名单" in done

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.rows_checked == ROWS and job.error_rows == 0
    numbers = list(Member.objects.values_list("id_number", flat=True))
    assert len(numbers) == ROWS and set(numbers) == {r[1] for r in rows[1:]}  # every row saved, once
    assert Member.history.count() == ROWS and set(Member.history.values_list("history_user", flat=True)) == {sec_a.pk}
    tasks = DBTaskResult.objects.order_by("enqueued_at")
    # The job says 导入完成 from inside the task; the worker marks its task done just after, in its own commit.
    deadline = time.monotonic() + 30
    while tasks.filter(status="RUNNING").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(t.task_path, t.status) for t in tasks] == [
        ("members.tasks.check_import", "SUCCESSFUL"),
        ("members.tasks.save_import", "SUCCESSFUL"),
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL readers never wait for a writer")
def test_the_job_page_reads_while_the_worker_holds_the_database(client, sec_a, village_a, grid_a1, settings):
    """A large save holds SQLite's write lock for seconds (it spills to the file before it commits): the job's
    page, polled meanwhile, must still show the job rather than fail with "database is locked"."""
    settings.IMPORT_BACKGROUND_ROWS = 2
    client.force_login(sec_a)
    rows = [["姓名", "公民身份号码", "网格", "文化程度", "入党时间"]]
    rows += [[f"党员{i}", new_id_number(), "第一网格", "高中", "1990-07-01"] for i in range(3)]
    url = upload(client, village_a, xlsx(rows)).url  # checked at once here
    worker = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)  # as the worker's connection
    try:
        worker.execute("BEGIN EXCLUSIVE")  # what a long write transaction ends up holding
        worker.execute("UPDATE members_importjob SET status = 'saving', rows_checked = 2")
        started = time.monotonic()
        page = client.get(url, headers={"HX-Request": "true"})
        assert page.status_code == 200 and "检查通过：共3行" in page.text  # the last committed state
        assert time.monotonic() - started < 2  # without waiting for the writer
    finally:
        worker.rollback()
        worker.close()
