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
