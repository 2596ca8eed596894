"""The points pages cost the same number of queries on a small programme and one ten times larger: the register
reads its lines in one query, the grid's quarter sums in the database, the dashboard counts per grid at once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from posts import points
from posts.models import PointClaim, PointRule, PointSource, Stage
from posts.tests.conftest import LARGE, SMALL, sign_in_member
from posts.tests.test_query_counts import viewed_on

pytestmark = pytest.mark.django_db


def with_points(world):
    """The world's towns get the default rules; each member on post claims once; the registers are computed."""
    from grids.models import Town

    for town in Town.objects.filter(county=world.county):
        points.add_default_rules(town, datetime.date(2026, 1, 1))
    rule = PointRule.objects.get(town=world.town, source=PointSource.CLAIM, points__gt=0)
    for a in world.round.assignments.filter(status="on_post"):
        PointClaim.objects.create(assignment=a, rule=rule, on=datetime.date(2026, 12, 15), reason="表彰",
                                  claimed_by=world.grid_user)  # fmt: skip
    points.recompute(today=datetime.date(2026, 12, 21))
    return world


PAGES = [
    # the register: the assignment, its lines with rules and approvers, the town's scale (+ session, user)
    ("登记簿·网格", "grid_user", lambda w: reverse("posts:point-register", args=[w.assignment.pk])),
    ("登记簿·镇", "town_user", lambda w: reverse("posts:point-register", args=[w.assignment.pk])),
    # the grid's quarter: the grid, its members on post, the sums by category, the scale, pending claims
    ("网格积分", "grid_user", lambda w: reverse("posts:grid-points", args=[w.grid.pk])),
    ("积分申报", "grid_user", lambda w: reverse("posts:grid-claims", args=[w.grid.pk])),
    ("积分公示", "grid_user", lambda w: reverse("commitments:points-notice", args=[w.grid.pk])),
    # the dashboards: their figures, and the points' four queries (grids, members on post, sums, this quarter)
    ("看板·镇", "town_user", lambda w: reverse("posts:town-dashboard", args=[w.town.pk])),
    ("看板·村", "village_user", lambda w: reverse("posts:village-dashboard", args=[w.village.pk])),
    ("无积分·镇", "town_user", lambda w: reverse("posts:points-none") + f"?town={w.town.pk}"),
    ("积分规则", "town_user", lambda w: reverse("posts:point-rules", args=[w.town.pk])),
]


def counts(client, world):
    found = {}
    for label, who, address in PAGES:
        client.force_login(world.village.secretary if who == "village_user" else getattr(world, who))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(address(world))
        assert response.status_code == 200, label
        found[label] = len(ctx.captured_queries)
    # the member's own phone home and register
    sign_in_member(client, world.member, world.grid_user)
    for label, path in (("手机首页", reverse("posts:onpost-home")),
                        ("我的登记簿", reverse("posts:point-register", args=[world.assignment.pk]))):  # fmt: skip
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, label
        found[label] = len(ctx.captured_queries)
    client.logout()
    return found


def test_points_pages_cost_the_same_on_small_and_large_data(grower, client, time_machine, settings):
    time_machine.move_to(viewed_on(Stage.EVALUATION))
    settings.DASHBOARD_CACHE_SECONDS = 0
    small, large = (
        with_points(grower.world(SMALL, Stage.EVALUATION)),
        with_points(grower.world(LARGE, Stage.EVALUATION)),
    )
    assert (
        large.round.assignments.filter(status="on_post").count()
        >= 10 * small.round.assignments.filter(status="on_post").count()
    )
    on_small, on_large = counts(client, small), counts(client, large)
    assert {k: (on_small[k], on_large[k]) for k in on_small if on_small[k] != on_large[k]} == {}
