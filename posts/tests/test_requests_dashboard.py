"""群众点单 on the dashboard (per town, village and grid: requests, done, overdue, median days to done, 满意率, each a
link to the list it counts), and the request pages' query counts, which stay the same when the data grows."""

import datetime
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import NeedCategory
from posts.models import RequestKind, ResidentRequest
from posts.tests.test_requests_overdue import aged
from posts.tests.test_requests_pages import submit
from posts.tests.test_requests_public import finish

pytestmark = pytest.mark.django_db


def table(page):
    return page[page.index('id="request-figures"') :]


def row(page, name):
    """The numbers of one row of the requests' table: [requests, done, overdue, median days, 满意率]."""
    found = re.search(rf"<td class=\"text-nowrap\">{name}</td>(.*?)</tr>", table(page), re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td class=\"text-end\">(.*?)</td>", found[1])]


@pytest.fixture
def worked(on_post, grid_a1, grid_a2, grid_user):
    """第一网格: one request done in 2 days and rated 满意, one in 4 days rated 不满意, one waiting 3 days (overdue);
    第二网格: one new."""
    for days, satisfaction in ((2, "satisfied"), (4, "unsatisfied")):
        req = submit(grid_a1)
        finish(req, on_post[1], grid_user)
        req.rate(satisfaction)
        now = timezone.now()
        ResidentRequest.objects.filter(pk=req.pk).update(created_at=now - datetime.timedelta(days=days), done_at=now)
    aged(submit(grid_a1), created_at=3)
    submit(grid_a2)


def test_the_town_and_village_boards_count_requests(client, worked, town, town_user, village_a, grid_a1, grid_a2):
    client.force_login(town_user)
    page = client.get(reverse("posts:town-dashboard", args=[town.pk])).text
    assert row(page, village_a.name) == ["4", "2", "1", "3.0天", "50%"]
    assert row(page, "合计") == ["4", "2", "1", "3.0天", "50%"]
    requests = reverse("posts:requests")
    assert f'href="{requests}?village={village_a.pk}&amp;state=all&amp;overdue=1"' in table(page)
    assert f'href="{requests}?town={town.pk}&amp;state=finished"' in table(page)
    page = client.get(reverse("posts:village-dashboard", args=[village_a.pk])).text
    assert row(page, grid_a1.name) == ["3", "2", "1", "3.0天", "50%"]
    assert row(page, grid_a2.name) == ["1", "0", "0", "—", "—"]
    assert f'href="{reverse("posts:grid-requests", args=[grid_a1.pk])}?state=finished"' in table(page)
    # The drill-down lists what the number counts.
    listed = client.get(f"{requests}?town={town.pk}&state=finished").text
    assert listed.count('<tr class="" id="request-') == 2
    assert f'href="?town={town.pk}&amp;state=all&amp;overdue=1"' in listed  # the tabs keep the scope


def test_a_request_turning_overdue_shows_without_any_change_being_saved(client, on_post, town, town_user, grid_a1):
    client.force_login(town_user)
    url = reverse("posts:town-dashboard", args=[town.pk])
    req = submit(grid_a1)
    client.get(url)
    ResidentRequest.objects.filter(pk=req.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    assert row(client.get(url).text, "合计")[2] == "1"


def grow(on_post, grid_a1, grid_a2, user, n):
    """n requests in each state in both grids."""
    for grid in (grid_a1, grid_a2):
        a = on_post[grid.number]
        for k in range(n):
            submit(grid, content=f"待派单的诉求{k}")
            aged(submit(grid, NeedCategory.OTHER, content=f"超期的诉求{k}"), created_at=3)
            req = submit(grid, content=f"派单的诉求{k}", kind=RequestKind.WISH)
            req.dispatch_to(a, by=user)
            req = submit(grid, content=f"办结的诉求{k}")
            finish(req, a, user)
            req.rate("satisfied", f"谢谢{k}")
            req.approve_comment(by=user)


def queries(client, path):
    caches["ratelimit"].clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_requests(
    client, on_post, grid_a1, grid_a2, grid_user, town, town_user, village_a, member_signed_in, settings
):
    # The grid's list: 4 fixed (savepoint, release, session, user with roles) + the grid, the towns of its
    # requests, the towns' days, the counts by state, the overdue count, the rows = 10.
    # A request's page: 4 fixed + whether the user is a member on post, the request, the town's days, the
    # candidates, those fitting, the steps = 10.
    # The member's list: 4 fixed + whether the slip's PIN is still to be replaced (onpost.FirstUseMiddleware) + the
    # member, the towns' days, the open requests, the done ones = 9.
    # The public page (no session or user): the feedback page's queries + the summary's 3. The lookup: the two
    # counts in the rate-limit cache table (6 each: savepoints, size, read, write), the grid, the request, its
    # steps, and the request's savepoint = 15.
    settings.DASHBOARD_CACHE_SECONDS = 0
    probe = submit(grid_a1, content="用来查看的一件诉求")
    public, track = (
        reverse("posts:public-grid", args=[grid_a1.public_token]),
        reverse("posts:public-track", args=[grid_a1.public_token]) + f"?code={probe.code}",
    )
    staff = [
        reverse("posts:grid-requests", args=[grid_a1.pk]),
        reverse("posts:grid-requests", args=[grid_a1.pk]) + "?state=all&overdue=1",
        reverse("posts:request", args=[probe.pk]),
        f"{reverse('posts:requests')}?town={town.pk}&state=all",
        reverse("posts:town-dashboard", args=[town.pk]),
        reverse("posts:village-dashboard", args=[village_a.pk]),
    ]

    def measure():
        client.force_login(grid_user)
        counts = [queries(client, path) for path in staff[:3]]
        client.force_login(town_user)
        counts += [queries(client, path) for path in staff[3:]]
        member_signed_in(on_post[1])
        counts.append(queries(client, reverse("posts:my-requests")))
        client.logout()
        return [*counts, queries(client, public), queries(client, track)]

    grow(on_post, grid_a1, grid_a2, grid_user, 1)
    small = measure()
    grow(on_post, grid_a1, grid_a2, grid_user, 9)
    assert ResidentRequest.objects.count() == 81
    assert measure() == small
    assert small[:3] + small[6:7] + small[-1:] == [10, 10, 10, 9, 15]
