"""Next year's round from this year's: posts carry over, last year's members on post are offered to continue,
and who held which post in which year stays visible."""

import pytest
from django.urls import reverse

from posts.models import Assignment, AssignmentLog, Round, Source, Stage, Status
from posts.tests.test_dashboard import with_status
from posts.tests.test_pages import apply, make_post

pytestmark = pytest.mark.django_db


def test_new_round_offers_last_years_members_on_post(client, sec_a, village_a, grid_a1, make_member):
    last = Round.objects.create(village=village_a, year=2025, created_by=sec_a)
    Round.objects.filter(pk=last.pk).update(stage=Stage.CLOSED)
    post = make_post(grid_a1, places=2)
    wang, li, gone = make_member(grid_a1, name="王"), make_member(grid_a1, name="李"), make_member(grid_a1, name="走")
    for m in (wang, li, gone):
        with_status(apply(last, m, post, sec_a), Status.COMPLETED)
    type(gone).everyone.filter(pk=gone.pk).update(left_on="2026-01-01", leave_reason="transferred")
    client.force_login(sec_a)
    url = reverse("posts:round-create", args=[village_a.pk])
    form = client.get(url).text
    assert "上年度在岗党员继续上岗" in form and "王 · 第一网格社会治安巡逻岗" in form and "走 ·" not in form
    served = {a.member.name: a.pk for a in Assignment.objects.filter(round=last)}
    response = client.post(url, {"year": 2026, "continuing": [served["王"]]})  # 李 does not continue
    new = Round.objects.get(year=2026)
    assert response.url == new.get_absolute_url() and new.stage == Stage.SURVEY
    [carried] = new.assignments.all()
    assert (carried.member, carried.post, carried.source, carried.status) == (
        wang,
        post,
        Source.CONTINUE,
        Status.APPLIED,
    )
    assert AssignmentLog.objects.get(assignment=carried).note == "上年度续任（2025年度在岗）"
    # Posts are the grid's: they carry over as they are, and show who held them each year.
    posts_page = client.get(reverse("posts:grid-posts", args=[grid_a1.pk])).text
    assert "历年上岗" in posts_page and "2025年度：王、李" in posts_page
    member_page = client.get(reverse("members:member", args=[wang.pk])).text
    assert "2026年度" in member_page and "2025年度" in member_page and "上年度续任" in member_page
