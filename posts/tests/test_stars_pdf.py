"""The star list's notice (with its 调整公示 after a star is lowered) and the plaques, as PDFs: their text read
back with pypdf, rare characters in names printed, and nothing printed before its step."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from conftest import on_day
from members.models import Member
from posts.models import Notice, StarRating

from .test_stars import award, d, open_round, scored, step, text, to_notice  # noqa: F401

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2027, 1, 20))]
Y = 2026


def pdf_text(response):
    import os

    if os.environ.get("STARS_PDF_DIR"):  # to look at them: pdftoppm the files written here
        n = len(os.listdir(os.environ["STARS_PDF_DIR"]))
        with open(os.path.join(os.environ["STARS_PDF_DIR"], f"{n}.pdf"), "wb") as f:
            f.write(response.content)
    assert response["Content-Type"] == "application/pdf", response.content[:300]
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return reader, "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


@pytest.fixture
def star_round(client, login, sec_a, scored, grid_a1):  # noqa: F811
    Member.objects.filter(pk=scored[1].member_id).update(name="张𠈌")
    login(sec_a)
    open_round(client, grid_a1)
    return grid_a1.star_rounds.get(year=Y)


def test_nothing_prints_before_its_step(client, star_round):
    page = client.get(reverse("commitments:star-list", args=[star_round.pk]), follow=True)
    assert "不能打印星级评定结果公示" in text(page) and "还没有张榜公示（下一步：党小组初评）" in text(page)
    page = client.get(reverse("commitments:star-plaques", args=[star_round.pk]), follow=True)
    assert "星级党员牌授牌后才能打印" in text(page)


def test_star_list_notice(client, star_round, scored, tmp_path):  # noqa: F811
    Notice.objects.filter(grid=star_round.grid).update(phone="0523-88881234")
    to_notice(client, star_round)
    reader, body = pdf_text(client.get(reverse("commitments:star-list", args=[star_round.pk])))
    assert len(reader.pages) == 1
    assert "星级党员评定结果的公示" in body and "张𠈌" in body and "★★★★★" in body and "五星" in body
    assert "公示时间：2027年1月7日至2027年1月11日" in body
    assert "监督电话：0523-88881234" in body and "公示地点：村党务公开栏" in body
    assert "扫码打开本网格公开页" in body and star_round.grid.public_token in body
    assert "2027年1月7日" in body and star_round.grid.branch_name in body


def test_plaques_and_the_changes_notice_after_award(client, star_round, scored):  # noqa: F811
    award(client, star_round)
    reader, body = pdf_text(client.get(reverse("commitments:star-plaques", args=[star_round.pk])))
    assert len(reader.pages) == 1  # only the starred member: 第一网格 has one member on post
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    assert "2026年度" in body and "星级党员" in body and "★★★★★" in body and "张𠈌" in body
    assert star_round.grid.branch_name in body and "2027年1月15日" in body
    rating = StarRating.objects.get(star_round=star_round, assignment=scored[1])
    url = reverse("posts:star-rating-change", args=[rating.pk])
    client.post(url, {"stars": 3, "reason": "连续两个月未履职", "held_on": d(1, 18), "meeting": "支委会"})
    reader, body = pdf_text(client.get(reverse("commitments:star-list", args=[star_round.pk])))
    assert len(reader.pages) == 2
    assert "星级党员星级调整的公示" in body and "调整公示" in body
    assert "张𠈌五星三星连续两个月未履职2027年1月18日" in body
    _, body = pdf_text(client.get(reverse("commitments:star-plaques", args=[star_round.pk]) + f"?rating={rating.pk}"))
    assert "★★★" in body and "★★★★" not in body
