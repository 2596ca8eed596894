import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory, override_settings

from grids.models import Grid, Town, Village
from jinchen.security import demo_accounts_unchanged, refuse_demo_accounts
from members import idcard
from members.demo import DEMO_PASSWORD
from members.models import Member, NeedRecord
from posts.models import Assignment

pytestmark = pytest.mark.django_db


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_realistic_town_and_is_safe_twice():
    first = seed()
    counts = (Village.objects.count(), Grid.objects.count(), Member.objects.count(), NeedRecord.objects.count())
    second = seed()
    assert (Village.objects.count(), Grid.objects.count(), Member.objects.count(), NeedRecord.objects.count()) == counts
    assert "已建立" in first and "已存在" in second and DEMO_PASSWORD in second

    town = Town.objects.get(name="金城镇")
    assert town.villages.count() == 17
    grids_per_village = town.villages.annotate(n=Count("grids")).values_list("n", flat=True)
    assert all(8 <= n <= 10 for n in grids_per_village)
    members_per_village = town.villages.annotate(n=Count("grids__members")).values_list("n", flat=True)
    assert all(40 <= n <= 60 for n in members_per_village)
    assert not Grid.objects.annotate(n=Count("needs")).filter(n=0).exists()  # needs in every grid
    members = list(Member.objects.all())
    for m in members:
        info = idcard.parse_id_number(m.id_number)
        assert (info.birth_date, info.gender) == (m.birth_date, m.gender)
    assert len({m.name for m in members}) > len(members) * 0.8
    assert 0 < Member.objects.exclude(cadre_post="").count() < len(members) // 5
    assert Member.objects.filter(is_away=True).exists() and Member.objects.filter(health="poor").exists()
    assert 0.5 < Member.objects.eligible().count() / len(members) < 0.9

    for username in ("zhen", "cun01", "wg0101"):
        assert username in second
        assert authenticate(RequestFactory().post("/login/"), username=username, password=DEMO_PASSWORD) is not None

    # Demo accounts are flagged, and production refuses to start while one keeps the published password; members'
    # own sign-ins (their slip's code and PIN) never had it.
    unchanged = demo_accounts_unchanged()
    staff = get_user_model().objects.filter(member_account=None)
    assert {"zhen", "cun01", "wg0101"} <= set(unchanged) and len(unchanged) == staff.count()
    assert not set(unchanged) & set(
        get_user_model().objects.filter(member_account__isnull=False).values_list("username", flat=True)
    )
    with override_settings(DEBUG=True):
        refuse_demo_accounts()  # DEBUG on: a local machine may keep them
    with override_settings(DEBUG=False), pytest.raises(RuntimeError, match="演示账号"):
        refuse_demo_accounts()
    get_user_model().objects.exclude(username="zhen").update(is_active=False)
    zhen = get_user_model().objects.get(username="zhen")
    zhen.set_password("Jinchen-2027-new")
    zhen.save()
    with override_settings(DEBUG=False):
        refuse_demo_accounts()


def test_county_scale_for_benchmarks():
    seed("--scale", "county")
    assert Town.objects.count() == 12
    assert 9000 <= Member.objects.count() <= 11500


def test_the_demo_town_page_shows_days_at_each_stage_and_one_village_behind(client):
    seed()
    client.force_login(get_user_model().objects.get(username="zhen"))
    town = Town.objects.get(name="金城镇")
    page = client.get(f"/towns/{town.pk}/").text
    assert re.findall(r"超期(\d+)天", page) == ["5"]  # one village has stayed at 支部议岗 26 days, the town expects 21
    # The stage moves carry the days of the demo's timeline, not the moment seed_demo ran.
    from posts.models import RoundLog

    days = {log.at.date() for log in RoundLog.objects.filter(round__village__town=town)}
    assert len(days) > 3
    # So do the members' moves: each goes on post on the day their letter is signed, noticed on the notice's day.
    from django.utils import timezone

    from posts.models import AssignmentLog, Status

    moves = AssignmentLog.objects.filter(assignment__round__village__town=town).select_related("assignment")
    on_post = [m for m in moves if m.to_status == Status.ON_POST]
    assert on_post and all(timezone.localdate(m.at) == m.assignment.letter_signed_on for m in on_post)
    assert len({timezone.localdate(m.at) for m in moves.exclude(to_status=Status.APPLIED)}) > 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_the_demo_leaves_postgresql_statistics_that_count_its_rows():
    # The tables empty and analysed, as a freshly migrated database's once autovacuum has passed: without fresh
    # statistics the planner takes the thousands of rows seed_demo writes for none, and one join of the points
    # step ran for many minutes.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seed()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('members_member', 'posts_assignment')"
        )
        estimated = dict(cursor.fetchall())
    assert estimated["members_member"] >= 0.9 * Member.objects.count()
    assert estimated["posts_assignment"] >= 0.9 * Assignment.objects.count() > 0
