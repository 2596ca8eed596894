"""A batch that breaks while it is planned, printed or joined, and the town committee's whole-town batch (tasks run
at once here)."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from commitments import services, tasks
from commitments.models import BatchPart, BatchStatus, DocumentKind, PrintBatch
from posts.models import Stage, Status
from posts.tests.test_dashboard import with_status
from posts.tests.test_pages import apply, make_post, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(sec_a, sec_b, grid_a1, grid_b1, make_member):
    """Two letters due in each village of the town."""
    due = []
    for grid, by in ((grid_a1, sec_a), (grid_b1, sec_b)):
        round = make_round(grid.village, Stage.CONFIRMATION)
        post = make_post(grid)
        for n in range(2):
            due.append(
                with_status(
                    apply(round, make_member(grid, name=f"{grid.village.name}党员{n}"), post, by), Status.NOTICED
                )
            )
    return due


@pytest.mark.parametrize("step", ["planning", "printing", "joining"])
def test_a_batch_that_breaks_fails_and_the_page_says_so(
    monkeypatch, client, sec_a, village_a, letters, step, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "PART_KEYS", 1)  # one letter per part: when printing, the second one fails
    real = {"planning": services.documents.plan, "printing": services.render_pdf, "joining": services.join_pdfs}
    calls = []

    def broken(*args):
        calls.append(args)
        if step != "printing" or len(calls) == 2:
            raise OSError("字体文件损坏")  # e.g. a font WeasyPrint cannot read, a part's file gone
        return real[step](*args)

    target = {"planning": (services.documents, "plan"), "printing": (services, "render_pdf")}
    monkeypatch.setattr(*target.get(step, (services, "join_pdfs")), broken)
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("commitments:batch-create"), {"kind": "letter", "village": village_a.pk})
    batch = PrintBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and batch.finished_at and batch.document is None
    parts = {"planning": [], "printing": [BatchStatus.DONE, BatchStatus.FAILED]}
    assert [p.status for p in batch.parts.order_by("index")] == parts.get(step, [BatchStatus.DONE] * 2)
    page = client.get(response.url, headers={"HX-Request": "true"}).text
    assert "生成失败：生成时出错。可以点击“重新生成”再试" in page and "重新生成</button>" in page
    assert "hx-trigger" not in page  # the page stops polling a failed batch

    monkeypatch.undo()  # repaired: 重新生成 prints it all
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("commitments:batch-retry", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.document.pages == 2


def test_the_town_committee_prints_the_whole_town_from_the_town_page(
    client, town, town_user, sec_a, letters, django_capture_on_commit_callbacks
):
    client.force_login(sec_a)  # a village secretary has no whole-town button and cannot start one
    assert client.post(reverse("commitments:batch-create"), {"kind": "letter", "town": town.pk}).status_code == 404
    client.force_login(town_user)
    page = client.get(reverse("posts:town", args=[town.pk])).text
    assert "全镇批量打印" in page and f'name="town" value="{town.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("commitments:batch-create"), {"kind": "letter", "town": town.pk})
    batch = PrintBatch.objects.get()
    assert response.url == batch.get_absolute_url() and (batch.town, batch.village) == (town, None)
    assert batch.status == BatchStatus.DONE and batch.document.pages == len(letters) == 4
    assert sorted(k for p in batch.parts.all() for k in p.keys) == sorted(a.pk for a in letters)  # both villages
    assert "批量打印：金城镇设岗定责承诺书" in client.get(response.url).text
    assert batch.document.town == town and batch.document.village is None  # archived as the town's document


def test_a_part_still_printing_when_the_batch_is_started_afresh_counts_no_more(
    monkeypatch, sec_a, village_a, letters, settings
):
    """One worker prints a part while another's part fails and the secretary presses 重新生成: the late part
    neither moves the new attempt's progress nor leaves its file behind."""
    monkeypatch.setattr(services, "PART_KEYS", 2)
    queued = []
    monkeypatch.setattr(tasks, "print_part", SimpleNamespace(enqueue=queued.append))  # this test plays the workers
    batch = PrintBatch.objects.create(
        kind=DocumentKind.LETTER, town=village_a.town, village=village_a, requested_by=sec_a
    )
    services.run_batch(batch.pk)
    real = services.render_pdf

    def meanwhile(sections, title):
        services.fail(batch, services.CRASHED)  # the other part failed on another worker …
        assert services.retry_batch(batch, by=sec_a)  # … and 重新生成 was pressed
        return real(sections, title)

    monkeypatch.setattr(services, "render_pdf", meanwhile)
    assert services.run_part(queued[0]) is False
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED and batch.pages_done == 0 and not BatchPart.objects.exists()
    assert not list((settings.MEDIA_ROOT / "batches").iterdir())  # the void part's PDF is not kept
