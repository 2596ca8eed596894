"""The quarter's register on notice (积分公示): published for the town's days, objections recorded while it
runs and answered, the printed sheet carrying its dates."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from posts import points
from posts.models import PointsNotice, PointsObjection

pytestmark = pytest.mark.django_db


def page_url(grid, year, quarter):
    return f"{reverse('posts:grid-points', args=[grid.pk])}?year={year}&quarter={quarter}"


def test_a_notice_runs_its_days_takes_objections_and_prints_its_dates(client, on_post, grid_user, grid_a1, town):
    points.add_default_rules(town, datetime.date(2026, 1, 1))
    today = timezone.localdate()
    year, quarter = 2026, 4  # the round's last quarter, put up in its last days or early in the new year
    client.force_login(grid_user)
    publish = reverse("posts:points-notice-publish", args=[grid_a1.pk]) + f"?year={year}&quarter={quarter}"
    short = {"starts_on": today, "ends_on": today + datetime.timedelta(days=2), "place": "公开栏", "phone": "0523-1"}
    refused = client.post(publish, short)
    assert "积分公示至少要5天" in refused.text and not PointsNotice.objects.exists()
    week = {**short, "ends_on": today + datetime.timedelta(days=6)}
    assert client.post(publish, week).status_code == 302
    assert "已经发布过了" in client.post(publish, week).text
    notice = PointsNotice.objects.get()
    assert notice.history.count() == 1

    a = on_post[1]
    objection_url = reverse("posts:points-objection-create", args=[notice.pk])
    late = {"assignment": a.pk, "raised_by": "王大爷", "raised_on": today - datetime.timedelta(days=3), "content": "…"}
    assert "不在公示期内" in client.post(objection_url, late).text
    ok = {**late, "raised_on": today, "content": "他本季度巡逻次数记多了"}
    assert client.post(objection_url, ok).status_code == 302
    objection = PointsObjection.objects.get()
    page = client.get(page_url(grid_a1, year, quarter)).text
    assert "他本季度巡逻次数记多了" in page and "尚未答复" in page and "公示中" in page
    answer_url = reverse("posts:points-objection-answer", args=[objection.pk])
    assert client.post(answer_url, {"answer": "经核实，记录无误。", "answered_on": today}).status_code == 302
    assert "已经答复过了" in client.post(answer_url, {"answer": "again", "answered_on": today}).text
    assert PointsObjection.objects.get().answer == "经核实，记录无误。"

    pdf = client.get(reverse("commitments:points-notice", args=[grid_a1.pk]) + f"?year={year}&quarter={quarter}")
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"公示期：{today.year}年{today.month}月{today.day}日至" in text and "0523-1" in text


def test_only_the_grids_secretaries_publish_and_record(client, on_post, grid_a1, sec_b, town_user, member_signed_in):
    url = reverse("posts:points-notice-publish", args=[grid_a1.pk])
    for log_in in (
        lambda: client.force_login(sec_b),
        lambda: client.force_login(town_user),
        lambda: member_signed_in(on_post[1]),
    ):
        log_in()
        assert client.get(url).status_code == 404


@pytest.fixture
def points_on_notice(on_post, grid_user, grid_a1, town):
    """第一网格's register of this quarter on notice for a week from today (in January, the round's last
    quarter: its year is over)."""
    points.add_default_rules(town, datetime.date(2026, 1, 1))
    points.recompute()
    today = timezone.localdate()
    year, quarter = points.quarter_of(today)
    if year > on_post[1].round.year:
        year, quarter = on_post[1].round.year, 4
    return points.publish_notice(
        grid_a1, year, quarter, today, today + datetime.timedelta(days=6), "0523-8888", "村党务公开栏", grid_user
    )


def public_url(grid):
    return reverse("posts:public-grid", args=[grid.public_token])


def test_a_resident_objects_to_the_points_on_notice_from_the_public_page(
    client, points_on_notice, on_post, grid_user, sec_a, grid_a1
):
    a = on_post[1]
    page = client.get(public_url(grid_a1)).text
    assert "积分公示" in page and "对积分公示有异议" in page and a.member.name in page
    objection = {"kind": "points_objection", "about": a.pk, "content": "他本季度巡逻次数记多了"}
    objection["phone"] = "139 1234 5678"  # pasted with spaces
    sent = client.post(public_url(grid_a1), {**objection, "name": "王大爷"})
    assert sent.status_code == 302 and "sent=1" in sent["Location"]
    found = PointsObjection.objects.get()
    assert (found.notice, found.assignment, found.raised_by) == (points_on_notice, a, "王大爷")
    assert found.phone == "13912345678"
    assert found.from_public and found.raised_on == timezone.localdate()
    assert found.history.get().history_user is None

    # an empty or too-short objection is refused on the page and nothing is kept
    refused = client.post(public_url(grid_a1), {**objection, "content": "不对"}).text
    assert "请写得具体一些" in refused and PointsObjection.objects.count() == 1

    # the grid's secretary is told, and answers it on the register
    client.force_login(grid_user)
    inbox = client.get(reverse("grids:messages")).text
    assert f"收到群众对{a.member.name}的积分的异议" in inbox
    register = client.get(page_url(grid_a1, points_on_notice.year, points_on_notice.quarter)).text
    assert "网格公开页提出" in register and "13912345678" in register and "尚未答复" in register
    client.force_login(sec_a)
    audit = client.get(reverse("posts:audit-log") + "?record=points_objection").text
    entry = audit[audit.index("王大爷对") - 600 : audit.index("王大爷对")]  # the row: who, then what
    assert ">群众<" in entry


def test_objections_to_points_only_while_their_notice_runs(client, points_on_notice, on_post, grid_a1):
    points_on_notice.ends_on = points_on_notice.starts_on = timezone.localdate() - datetime.timedelta(days=10)
    points_on_notice.save()
    page = client.get(public_url(grid_a1)).text
    assert "对积分公示有异议" not in page and 'id="points-on-notice"' not in page
    sent = client.post(public_url(grid_a1), {"kind": "points_objection", "content": "他本季度巡逻次数记多了"})
    assert "不是有效的选项" in sent.text or "选择一个有效的选项" in sent.text
    assert not PointsObjection.objects.exists()
