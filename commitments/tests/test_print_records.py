"""A print goes on to the document's own address (post/redirect/get), and 打印记录 shows each person what they may
open: a grid secretary their grid's documents, nobody another grid's."""

import pytest
from django.urls import reverse

from commitments.models import IssuedDocument
from commitments.tests.test_printing import world  # noqa: F401  (village A at 群众定岗 with members on post)

pytestmark = pytest.mark.django_db


def print_all(client, grid, assignments):
    """Every document of a grid and its members' letters, as the print buttons post them; the redirects."""
    urls = [reverse("commitments:print-grid", args=[grid.pk, kind]) for kind in ("post_list", "notice", "wall_sheet")]
    urls += [reverse("commitments:print-letter", args=[a.pk]) for a in assignments]
    return [client.post(url) for url in urls]


def test_a_print_redirects_to_the_documents_own_address(client, grid_user, grid_a1, world):  # noqa: F811
    client.force_login(grid_user)
    response = client.post(reverse("commitments:print-grid", args=[grid_a1.pk, "wall_sheet"]))
    document = IssuedDocument.objects.get()
    assert response.status_code == 302 and response.url == reverse("commitments:document", args=[document.pk])
    opened = client.get(response.url)
    assert opened["Content-Type"] == "application/pdf" and b"".join(opened.streaming_content) == document.file.read()
    client.get(response.url)  # reloading the PDF's tab prints nothing again
    assert IssuedDocument.objects.count() == 1


def test_a_refused_print_returns_to_the_page_it_came_from_with_the_reason(client, sec_a, grid_a2, world):  # noqa: F811
    page = reverse("posts:round-grid", args=[world["round"].pk, grid_a2.pk])
    client.force_login(sec_a)
    response = client.post(
        reverse("commitments:print-grid", args=[grid_a2.pk, "wall_sheet"]),
        headers={"referer": "http://testserver" + page},
    )
    assert response.status_code == 302 and response.url == "http://testserver" + page
    shown = client.get(response.url)
    assert "不能打印网格公示牌：金城村第二网格还没有党员确认上岗" in shown.text
    assert not IssuedDocument.objects.exists()


def test_a_grid_secretary_sees_their_grids_prints_and_no_one_elses(
    client,
    grid_user,
    grid_a1,
    grid_a2,
    sec_b,
    make_user,
    world,  # noqa: F811
):
    client.force_login(grid_user)
    responses = print_all(client, grid_a1, world["assignments"])
    assert [r.status_code for r in responses] == [302] * 5
    listing = client.get(reverse("commitments:documents")).text
    assert "还没有打印过文件" not in listing
    for title in ("金城村第一网格岗位公告", "金城村第一网格拟上岗人选公示", "金城村第一网格网格公示牌"):
        assert title in listing, title
    assert listing.count("设岗定责承诺书</a>") == 2
    documents = list(IssuedDocument.objects.all())
    assert all(client.get(d.get_absolute_url()).status_code == 200 for d in documents)

    grid_a2.secretary = make_user("wg_a2", "刘芳")
    grid_a2.save()
    for other in (grid_a2.secretary, sec_b):
        client.force_login(other)
        assert "还没有打印过文件" in client.get(reverse("commitments:documents")).text
        assert all(client.get(d.get_absolute_url()).status_code == 404 for d in documents)
    client.force_login(grid_a1.village.secretary)  # the village secretary sees every grid's
    assert client.get(reverse("commitments:documents")).text.count("金城村第一网格") == 3
