"""A batch print survives its worker being killed (SIGKILL) mid-part, and its database restarting.

Real `manage.py worker` processes print on the test database, with a short lease (TASK_LEASE_SECONDS) so that
a dead worker's claim runs out within seconds. In either fault the batch must complete with every letter
printed exactly once: each letter in one part, each part counted once, one page per letter in the PDF.
"""

import os
import signal
import socket
import subprocess
import time

import pytest
from django.db import connection
from django.urls import reverse

from commitments.models import BatchPart, BatchStatus, PrintBatch
from commitments.tests.test_two_workers import follow
from posts.models import Stage, Status
from posts.tests.test_dashboard import with_status
from posts.tests.test_pages import apply, make_post, make_round

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SETTINGS = {"PRINT_PART_SIZE": "3", "TASK_LEASE_SECONDS": "2"}  # 8 letters in parts of 3, 3 and 2


def wait_for(find, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.02)
    pytest.fail("waited in vain")


@pytest.fixture
def batch(client, town_user, sec_a, sec_b, grid_a1, grid_b1, make_member):
    """A town's 8 letters, their batch queued from the town page: (the batch page's address, the letters)."""
    letters = []
    for grid, by in ((grid_a1, sec_a), (grid_b1, sec_b)):
        round = make_round(grid.village, Stage.CONFIRMATION)
        post = make_post(grid, places=4)
        for n in range(4):
            member = make_member(grid, name=f"{grid.village.name}党员{n}")
            letters.append(with_status(apply(round, member, post, by), Status.NOTICED))
    client.force_login(town_user)
    response = client.post(reverse("commitments:batch-create"), {"town": grid_a1.village.town_id, "kind": "letter"})
    assert response.status_code == 302
    return response.url, letters


def claimed_by(process):
    return BatchPart.objects.filter(status=BatchStatus.RUNNING, worker=f"{socket.gethostname()}:{process.pid}").first()


def assert_printed_exactly_once(client, letters, tmp_path):
    batch = PrintBatch.objects.get()
    assert batch.status == BatchStatus.DONE and batch.pages_done == batch.pages_total == len(letters)
    parts = list(batch.parts.order_by("index"))
    assert [p.status for p in parts] == [BatchStatus.DONE] * 3
    keys = [k for p in parts for k in p.keys]
    assert sorted(keys) == sorted(a.pk for a in letters)  # every letter in exactly one part
    pdf = tmp_path / "batch.pdf"
    download = client.get(reverse("commitments:document", args=[batch.document_id]) + "?download=1")
    pdf.write_bytes(b"".join(download.streaming_content))
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) == len(letters) == batch.document.pages  # one page per letter, no part twice
    names = [a.member.name for a in letters]
    on_page = [[n for n in names if n in "".join(p.split())] for p in pages]
    assert [len(found) for found in on_page] == [1] * len(letters)
    assert sorted(n for found in on_page for n in found) == sorted(names)  # each letter exactly once
    return parts


def test_a_part_whose_worker_is_killed_is_printed_by_another(db_workers, client, batch, tmp_path):
    url, letters = batch
    (first,) = db_workers(1, **SETTINGS)
    part = wait_for(lambda: claimed_by(first))
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    part.refresh_from_db()
    assert part.status == BatchStatus.RUNNING  # killed mid-part: its claim is left behind

    (second,) = db_workers(1, **SETTINGS)  # the supervisor's restart, or any other worker
    states, final = follow(client, url, timeout=90)
    assert states[-1][0] == "已生成" and f"已生成，共{len(letters)}页" in final, states

    parts = assert_printed_exactly_once(client, letters, tmp_path)
    again = next(p for p in parts if p.pk == part.pk)
    assert again.attempts == 2 and again.worker == f"{socket.gethostname()}:{second.pid}"  # taken again


@pytest.mark.skipif(connection.vendor != "postgresql", reason="restarting the database server: PostgreSQL only")
def test_a_worker_rides_out_a_database_restart(db_workers, restart_database, client, batch, tmp_path):
    url, letters = batch
    (worker,) = db_workers(1, **SETTINGS)
    wait_for(lambda: claimed_by(worker))
    restart_database(3)

    states, final = follow(client, url, timeout=120)
    assert states[-1][0] == "已生成" and f"已生成，共{len(letters)}页" in final, states
    assert_printed_exactly_once(client, letters, tmp_path)
    assert worker.poll() is None  # the same process, still running
    assert "数据库不可用" in worker.log.read_text(errors="replace")  # it saw the outage and waited it out
