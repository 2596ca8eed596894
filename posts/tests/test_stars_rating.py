"""The evaluation page shows the year's points and the star beside the three assessments; the yearly 民主评议
keeps 优秀 to one third of the grid branch's members on post and refuses more, naming the limit."""

import datetime

import pytest
from django.urls import reverse

from conftest import on_day
from posts.models import Assignment, Rating, Status

from .test_stars import award, open_round, scored, text  # noqa: F401

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2027, 1, 20))]
Y = 2026


def rate(client, a, org=95, peer=95, resident=95, period="2026年度"):
    data = {"period": period, "org_score": org, "peer_score": peer, "resident_score": resident,
            "rated_on": "2027-01-10", "comment": "群众认可"}  # fmt: skip
    return client.post(reverse("posts:assignment-record", args=[a.pk, "rating"]), data, follow=True)


@pytest.fixture
def twelve(on_post, flow, round_a, post_a1):
    """第一网格 with twelve members on post (the fixture's one and eleven more), four of them rated 优秀."""
    more = [flow.apply(round_a, post_a1) for _ in range(11)]
    Assignment.objects.filter(pk__in=[a.pk for a in more]).update(status=Status.ON_POST)
    for a in more[:4]:
        flow.rate(a, 95, 95, 95, period="2026年度")
    return on_post[1], more


def test_one_third_rule_refuses_a_fifth_excellent(client, login, sec_a, twelve):
    a, more = twelve
    login(sec_a)
    page = rate(client, a)
    assert "本网格支部在岗党员12人，优秀最多4人，已有4人" in text(page)
    assert not Rating.objects.filter(assignment=a).exists()
    assert "已登记评岗结果：称职" in text(rate(client, a, 85, 85, 85))
    # another period counts its own 优秀
    assert "已登记评岗结果：优秀" in text(rate(client, a, period="2026年上半年"))


def test_one_third_rule_lets_the_limit_be_reached(client, login, sec_a, twelve):
    a, more = twelve
    Rating.objects.filter(assignment=more[3]).delete()
    login(sec_a)
    assert "已登记评岗结果：优秀" in text(rate(client, a))


def test_a_small_branch_may_have_one_excellent(client, login, sec_a, on_post):
    login(sec_a)
    assert "已登记评岗结果：优秀" in text(rate(client, on_post[1]))


def test_evaluation_page_shows_points_and_star(client, login, sec_a, scored, grid_a1):  # noqa: F811
    a = scored[1]
    login(sec_a)
    body = text(client.get(reverse("posts:assignment", args=[a.pk])))
    assert "积分与星级" in body and "尚未评定星级" in body
    open_round(client, grid_a1)
    star_round = grid_a1.star_rounds.get()
    award(client, star_round)
    rating = star_round.ratings.get(assignment=a)
    body = text(client.get(reverse("posts:assignment", args=[a.pk])))
    assert f'{Y}年度积分：<strong id="points-total">{rating.total}</strong>' in body
    assert "2026年度五星" in body and "授牌" in body and "评岗结果" in body
