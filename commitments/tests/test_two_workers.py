"""One batch on two workers at once: each part printed by exactly one of them, every letter exactly once.

PostgreSQL only (two connections writing at once); CI runs it there.
"""

import io
from collections import Counter
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from pypdf import PdfReader

from commitments import services, tasks
from commitments.models import BatchPart, BatchStatus, DocumentKind, PrintBatch
from posts.models import Stage, Status
from posts.tests.test_concurrency import at_once
from posts.tests.test_dashboard import with_status
from posts.tests.test_pages import apply, make_post, make_round

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two workers at once need PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_workers_share_a_county_batch(monkeypatch, sec_a, sec_b, grid_a1, grid_b1, make_member):
    letters = []
    for grid, by in ((grid_a1, sec_a), (grid_b1, sec_b)):
        round = make_round(grid.village, Stage.CONFIRMATION)
        post = make_post(grid, places=20)
        for n in range(7):
            letters.append(
                with_status(
                    apply(round, make_member(grid, name=f"{grid.village.name}党员{n}"), post, by), Status.NOTICED
                )
            )
    monkeypatch.setattr(services, "PART_KEYS", 3)
    queued = []
    # The queue, held back: the two "workers" below take the parts from it.
    monkeypatch.setattr(tasks, "print_part", SimpleNamespace(enqueue=queued.append))
    admin = get_user_model().objects.create_superuser(username="county", password="x-123456789")
    batch = PrintBatch.objects.create(kind=DocumentKind.LETTER, town=None, village=None, requested_by=admin)
    services.run_batch(batch.pk)
    assert len(queued) == 5  # 14 letters in parts of 3

    printed = Counter()
    real = services.render_pdf

    def counting(sections, title):
        printed[len(sections)] += 1
        return real(sections, title)

    monkeypatch.setattr(services, "render_pdf", counting)

    def worker():  # each worker takes every queued part it can; a part claimed by the other is skipped
        return [part for part in queued if services.run_part(part)]

    first, second = at_once(worker, worker)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert sorted(first + second) == sorted(queued)  # every part by exactly one worker
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.pages_done == batch.pages_total == 14
    keys = [k for p in BatchPart.objects.filter(batch=batch).order_by("index") for k in p.keys]
    assert sorted(keys) == sorted(a.pk for a in letters)  # each letter planned once
    pdf = PdfReader(io.BytesIO(batch.document.file.read()))
    assert len(pdf.pages) == 14
    names = [next(n for n in (a.member.name for a in letters) if n in page.extract_text()) for page in pdf.pages]
    assert len(set(names)) == 14  # every letter exactly once
    assert sum(printed.values()) == 5
