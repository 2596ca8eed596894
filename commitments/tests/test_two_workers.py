"""A town's letters printed as the town committee prints them, on two real `manage.py db_worker` processes.

The button on the town page queues the batch in the database; the workers (started as production starts them,
on the test database: SQLite or PostgreSQL, whichever the suite runs on) plan it, print its parts side by side
and join them. The batch page is polled as the browser polls it while they work.
"""

import re
import socket
import subprocess
import time

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from commitments.models import BatchStatus, PrintBatch
from posts.models import Stage, Status
from posts.tests.test_dashboard import with_status
from posts.tests.test_pages import apply, make_post, make_round

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LETTERS_PER_VILLAGE = 4
PART_SIZE = 2  # 8 letters in 4 parts: enough for both workers to take some


def batch_state(html):
    """(status shown, percent of the progress bar or None) from the batch page's status fragment."""
    if "已生成" in html:
        return "已生成", 100
    if "生成失败" in html:
        return "生成失败", None
    label = re.search(r'<div class="mb-2">([^<：]+)', html).group(1)
    return label, int(re.search(r'aria-valuenow="(\d+)"', html).group(1))


def follow(client, url, timeout=180):
    """Poll the status fragment as htmx does (faster than its 1 s) until the batch ends; every state seen."""
    states, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(url, headers={"HX-Request": "true"}).text
        states.append(batch_state(html))
        if states[-1][0] in ("已生成", "生成失败"):
            return states, html
        time.sleep(0.05)
    pytest.fail(f"the batch did not finish in {timeout} s: {states[-5:]}")


def test_two_workers_print_a_town_batch_started_from_the_town_page(
    db_workers, client, town, town_user, sec_a, sec_b, grid_a1, grid_b1, make_member, tmp_path
):
    letters = []
    for grid, by in ((grid_a1, sec_a), (grid_b1, sec_b)):
        round = make_round(grid.village, Stage.CONFIRMATION)
        post = make_post(grid, places=LETTERS_PER_VILLAGE)
        for n in range(LETTERS_PER_VILLAGE):
            member = make_member(grid, name=f"{grid.village.name}党员{n}")
            letters.append(with_status(apply(round, member, post, by), Status.NOTICED))
    client.force_login(town_user)
    town_page = client.get(reverse("posts:town", args=[town.pk])).text
    assert f'name="town" value="{town.pk}"' in town_page and 'name="kind" value="letter">承诺书' in town_page

    response = client.post(reverse("commitments:batch-create"), {"town": town.pk, "kind": "letter"})
    batch = PrintBatch.objects.get()
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    assert batch.town == town and batch.village is None
    page = client.get(response.url).text
    assert "批量打印：金城镇设岗定责承诺书" in page and batch_state(page) == ("排队中", 0)  # no worker yet

    workers = db_workers(2, PRINT_PART_SIZE=str(PART_SIZE))
    states, final = follow(client, response.url)

    running = [percent for label, percent in states if label == "生成中"]
    assert any(0 < p < 100 for p in running), states  # the page showed the batch part-way, with its percent
    assert running == sorted(running), states  # progress never goes back
    assert states[-1][0] == "已生成", (states, final)
    assert f"已生成，共{len(letters)}页" in final and "下载PDF" in final and "hx-trigger" not in final

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.pages_done == batch.pages_total == len(letters)
    parts = list(batch.parts.order_by("index"))
    assert len(parts) == 4 and all(p.status == BatchStatus.DONE for p in parts)
    host = socket.gethostname()
    took_part = {p.worker for p in parts}
    assert len(took_part) == 2 and took_part == {f"{host}:{w.pid}" for w in workers}  # both workers took part
    keys = [k for p in parts for k in p.keys]
    assert sorted(keys) == sorted(a.pk for a in letters)  # every letter planned into exactly one part
    tasks = DBTaskResult.objects.filter(task_path="commitments.tasks.print_part")
    # The worker that joins the batch marks its own task done only after the join: the page can show 已生成 first.
    deadline = time.monotonic() + 20
    while tasks.exclude(status="SUCCESSFUL").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tasks.count() == len(parts) and all(t.status == "SUCCESSFUL" for t in tasks)  # each part ran once

    pdf = tmp_path / "batch.pdf"
    download = client.get(reverse("commitments:document", args=[batch.document_id]) + "?download=1")
    pdf.write_bytes(b"".join(download.streaming_content))
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) == len(letters) == batch.document.pages  # one page per letter
    names = [a.member.name for a in letters]
    on_page = [[n for n in names if n in "".join(p.split())] for p in pages]
    assert sorted(n for found in on_page for n in found) == sorted(names)  # each letter exactly once
    assert all(len(found) == 1 for found in on_page)
