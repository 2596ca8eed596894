"""The star round's page and its PDFs cost the same number of queries on a small round and on one ten times
larger (members rated, objections, stars lowered after 授牌)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import on_day
from posts import stars
from posts.models import Assignment, PointTerms, StarRound, StarStep, Status

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2027, 1, 20))]
Y = 2026
TODAY = datetime.date(2027, 1, 20)


def day(n):
    return datetime.date(2027, 1, n)


def build(grid, post, n, flow, round_a, by):
    """A round of `n` members on post in `grid`, awarded, with n objections answered and n stars lowered."""
    more = [flow.apply(round_a, post) for _ in range(n - 1)]
    Assignment.objects.filter(pk__in=[a.pk for a in more]).update(status=Status.ON_POST)
    r = stars.open_round(grid, Y, by=by, today=TODAY)
    for name, n_day in (("group", 3), ("branch", 4), ("general", 5), ("assembly", 6)):
        stars.record_step(r, name, day(n_day), by=by, meeting="会议", today=TODAY)
    stars.record_step(r, StarStep.NOTICE, None, by=by, starts_on=day(7), ends_on=day(11), today=TODAY)
    ratings = list(r.ratings.all())
    for i, rating in enumerate(ratings):
        o = stars.raise_objection(r, rating, f"居民{i}", day(8), "有意见", by=by, today=TODAY)
        stars.answer_objection(o, "已核实", day(12), by=by, today=TODAY)
    stars.record_step(r, StarStep.AWARDED, day(15), by=by, today=TODAY)
    for rating in ratings:
        stars.lower(rating, 3, "履职不力", day(18), by=by, today=TODAY)
    return StarRound.objects.get(pk=r.pk)


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_star_pages_cost_the_same_on_small_and_large_rounds(
    client, login, sec_a, town, on_post, flow, round_a, post_a1, post_a2, grid_a1, grid_a2
):
    PointTerms.objects.create(town=town, five_star=0, four_star=0, three_star=0)  # everyone five stars
    small = build(grid_a1, post_a1, 2, flow, round_a, sec_a)
    large = build(grid_a2, post_a2, 20, flow, round_a, sec_a)
    assert large.ratings.count() == 20 and large.objections.count() == 20
    login(sec_a)
    for name, args in (
        ("posts:star-round", []),
        ("commitments:star-list", []),
        ("commitments:star-plaques", []),
    ):
        on_small = count(client, reverse(name, args=[small.pk, *args]))
        on_large = count(client, reverse(name, args=[large.pk, *args]))
        assert on_small == on_large, name
    body = client.get(large.get_absolute_url()).content.decode()
    assert body.count("由五星降为三星") == 20
    on_small = count(client, reverse("posts:grid-stars", args=[grid_a1.pk]))
    assert on_small == count(client, reverse("posts:grid-stars", args=[grid_a2.pk]))
