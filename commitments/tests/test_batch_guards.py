"""A batch whose part fails to print, and the town committee's whole-town batch (tasks run at once here)."""

import pytest
from django.urls import reverse

from commitments import services
from commitments.models import BatchStatus, PrintBatch
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


def test_a_part_that_fails_to_print_fails_the_batch_and_the_page_says_so(
    monkeypatch, client, sec_a, village_a, letters, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "PART_KEYS", 1)  # one letter per part: the first prints, the second fails
    real, calls = services.render_pdf, []

    def render(sections, title):
        calls.append(title)
        if len(calls) == 2:
            raise OSError("字体文件损坏")  # e.g. a font WeasyPrint cannot read
        return real(sections, title)

    monkeypatch.setattr(services, "render_pdf", render)
    client.force_login(sec_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("commitments:batch-create"), {"kind": "letter", "village": village_a.pk})
    batch = PrintBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and batch.finished_at and batch.document is None
    assert [p.status for p in batch.parts.order_by("index")] == [BatchStatus.DONE, BatchStatus.FAILED]
    page = client.get(response.url, headers={"HX-Request": "true"}).text
    assert "生成失败：生成时出错。可以点击“重新生成”再试" in page and "重新生成</button>" in page
    assert "hx-trigger" not in page  # the page stops polling a failed batch

    monkeypatch.setattr(services, "render_pdf", real)  # the font is repaired: 重新生成 prints it all
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("commitments:batch-retry", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.document.pages == 2 and batch.parts.count() == 2


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
