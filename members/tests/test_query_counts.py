"""Each list page costs the same number of queries whatever the amount of data (no query per row).

These pages with the roster alone; posts/tests/test_query_counts.py opens them again, with every other page,
on a whole programme at each stage of its round.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import new_id_number
from grids.models import Grid, Village
from members.models import Member, NeedRecord, Specialty

pytestmark = pytest.mark.django_db


def grow(town, villages, grids, members, needs):
    """Add `villages` villages of `grids` grids, each grid with `members` members and `needs` needs."""
    specialties = list(Specialty.objects.all()[:3])
    for _ in range(villages):
        village = Village.objects.create(town=town, name=f"测试村{Village.objects.count() + 1}")
        Grid.objects.bulk_create(Grid(village=village, number=g + 1, name=f"第{g + 1}网格") for g in range(grids))
    for grid in Grid.objects.filter(village__town=town):
        add_rows(grid, members, needs, specialties)


def add_rows(grid, members, needs, specialties):
    birth = datetime.date(1966, 4, 2)
    rows = Member.objects.bulk_create(
        Member(
            grid=grid,
            name=f"党员{i}",
            gender="M",
            birth_date=birth,
            id_number=new_id_number(birth),
            education="high_school",
            joined_on="1990-07-01",
            is_away=i % 4 == 0,
        )
        for i in range(members)
    )
    Member.specialties.through.objects.bulk_create(
        Member.specialties.through(member_id=m.pk, specialty_id=s.pk) for m in rows for s in specialties
    )
    NeedRecord.objects.bulk_create(
        NeedRecord(
            grid=grid,
            recorded_on="2026-10-01",
            method="visit",
            participants="走访",
            issue="问题",
            category="security",
            kind="hot",
        )
        for _ in range(needs)
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def assert_constant(client, url, grow_tenfold, expected):
    small = count_queries(client, url)
    grow_tenfold()
    large = count_queries(client, url)
    assert (small, large) == (expected, expected)


# Every page below costs 4 fixed queries: the request's SAVEPOINT and RELEASE (ATOMIC_REQUESTS; outside a
# test these are BEGIN and COMMIT, which Django does not run as queries), the session and the user, loaded
# with the user's role in the same query (grids.access.RoleBackend).


def test_town_page(login, town_user, town):
    # 4 fixed + town + villages with their four counts and shown round as correlated subqueries + the town's
    # expected days at each stage + the town's days for residents' requests + overdue requests by village = 9 (no
    # round yet: no rounds to load, no guards to run)
    grow(town, 1, 2, 2, 1)
    client = login(town_user)
    assert_constant(client, reverse("posts:town", args=[town.pk]), lambda: grow(town, 9, 2, 2, 1), 9)


def test_village_page(login, sec_a, village_a, grid_a1):
    # 4 fixed + village + its shown round (none yet) + grids with counts + plans = 8 (who may edit is read off the
    # village)
    add_rows(grid_a1, 2, 1, [])
    url = reverse("posts:village", args=[village_a.pk])

    def tenfold():
        Grid.objects.bulk_create(Grid(village=village_a, number=n, name=f"第{n}网格") for n in range(2, 11))
        for grid in village_a.grids.all():
            add_rows(grid, 2, 1, [])

    assert_constant(login(sec_a), url, tenfold, 8)


def test_grid_page(login, sec_a, grid_a1):
    # 4 fixed + grid + its village's shown round (none yet) + new feedback + open feedback + open residents'
    # requests + the town's ledger terms and the members on post with their last entry (漏记) + members + their
    # specialties (prefetch) + needs = 14
    specialties = list(Specialty.objects.all()[:2])
    add_rows(grid_a1, 3, 2, specialties)
    url = reverse("posts:grid", args=[grid_a1.pk])
    assert_constant(login(sec_a), url, lambda: add_rows(grid_a1, 27, 18, specialties), 14)


def test_village_survey_page(login, sec_a, village_a, grid_a1, grid_a2):
    # 4 fixed + village + member aggregates + education (all, eligible) + specialties + need count
    # + need categories + need kinds + grid table with counts = 13
    specialties = list(Specialty.objects.all()[:3])
    add_rows(grid_a1, 3, 1, specialties)
    url = reverse("members:village-survey", args=[village_a.pk])
    assert_constant(login(sec_a), url, lambda: [add_rows(g, 15, 5, specialties) for g in (grid_a1, grid_a2)], 13)


def test_grid_survey_page(login, grid_user, grid_a1):
    # 4 fixed + grid + member aggregates + education (2) + specialties + need count, categories, kinds = 12
    specialties = list(Specialty.objects.all()[:3])
    add_rows(grid_a1, 3, 1, specialties)
    url = reverse("members:grid-survey", args=[grid_a1.pk])
    assert_constant(login(grid_user), url, lambda: add_rows(grid_a1, 27, 9, specialties), 12)
