"""The dashboard's figures against a small world counted by hand, its constant query count, scope and export."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import new_id_number, on_day
from members.models import CadrePost, NeedRecord
from members.tests.test_query_counts import count_queries, grow
from posts import dashboard
from posts.models import Assignment, Notice, Objection, Post, PostType, Rating, Stage, Status, Training
from posts.tests.test_pages import apply, make_round

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 11, 20))]

# Read when used, not at import: the fixtures here serve other modules too, on whatever day they run.
TODAY = timezone.localdate


def post_of(grid, type_name, places):
    t = PostType.objects.get(name=type_name, town=grid.village.town_id)
    return Post.objects.create(
        grid=grid, post_type=t, name=f"{grid.name}{type_name}", places=places, duties=t.duties, reason="需要"
    )


def with_status(assignment, status):
    Assignment.objects.filter(pk=assignment.pk).update(status=status)  # set-up only: pages move through transitions
    return assignment


def rate(assignment, score, by, period="2026年上半年", on=None):
    r = Rating(
        assignment=assignment,
        period=period,
        org_score=score,
        peer_score=score,
        resident_score=score,
        comment="…",
        rated_on=on or TODAY(),
        rated_by=by,
    )
    r.compute()
    r.save()


@pytest.fixture
def world(village_a, village_b, grid_a1, grid_a2, grid_b1, sec_a, make_member):
    """Counted by hand:

    金城村 (evaluation):
      第一网格: 5 members, one a village cadre (not eligible), one away (not eligible) → 3 eligible.
        posts: 巡逻 (2 places: 王 and 李 on post), 村容 (1 place, nobody applied).
        王 rated 优秀 (after an earlier 称职), 李 not rated. 赵 applied for 巡逻 and was not chosen.
      第二网格: 2 members, both eligible. post: 调解 (1 place): 钱 was on post, adjusted after 不称职.
        An unanswered objection; residents asked about 邻里 matters (no 邻里 post → 有需求，未设岗).
      2 trainings: the first attended by 王 and 李, the second by 王 → 3 attendances.
    新河村: no round; 1 member; no posts.
    """
    round_a = make_round(village_a, Stage.EVALUATION)
    wang, li, zhao = (make_member(grid_a1, name=n) for n in ("王", "李", "赵"))
    make_member(grid_a1, name="孙", cadre_post=CadrePost.VILLAGE_SECRETARY)
    make_member(grid_a1, name="周", is_away=True)
    qian, wu = make_member(grid_a2, name="钱"), make_member(grid_a2, name="吴")
    make_member(grid_b1, name="郑")
    patrol, tidy = post_of(grid_a1, "社会治安巡逻岗", 2), post_of(grid_a1, "村容村貌监督岗", 1)
    mediation = post_of(grid_a2, "民事纠纷调解岗", 1)
    a_wang = with_status(apply(round_a, wang, patrol, sec_a), Status.ON_POST)
    with_status(apply(round_a, li, patrol, sec_a), Status.ON_POST)
    with_status(apply(round_a, zhao, patrol, sec_a), Status.NOT_CHOSEN)
    a_qian = with_status(apply(round_a, qian, mediation, sec_a), Status.ADJUSTED)
    rate(a_wang, 80, sec_a, period="2025年下半年", on=TODAY() - datetime.timedelta(days=100))
    rate(a_wang, 95, sec_a)
    rate(a_qian, 40, sec_a)
    notice = Notice.objects.create(
        round=round_a, grid=grid_a2, starts_on=TODAY(), ends_on=TODAY(), phone="1", published_by=sec_a
    )
    Objection.objects.create(notice=notice, raised_by="群众", raised_on=TODAY(), content="…", recorded_by=sec_a)
    NeedRecord.objects.create(
        grid=grid_a2,
        recorded_on=TODAY(),
        method="visit",
        participants="农户",
        issue="邻里纠纷",
        category="neighbourhood",
        kind="hot",
    )
    first = Training.objects.create(round=round_a, held_on=TODAY(), topic="培训", recorded_by=sec_a)
    first.attendees.set([wang, li])
    Training.objects.create(round=round_a, held_on=TODAY(), topic="培训二", recorded_by=sec_a).attendees.set([wang])
    return {"round": round_a, "patrol": patrol, "tidy": tidy, "mediation": mediation, "wu": wu}


def test_figures_counted_by_hand(world, town, grid_a1, grid_a2, village_a):
    board = dashboard.build(dashboard.villages_of(town.villages.all()))
    jin, xin = board.villages  # by pinyin (jīn before xīn), as the town page lists them
    assert (jin.village.name, xin.village.name) == ("金城村", "新河村")
    g1, g2 = (g.figures for g in jin.grids)
    assert (g1.members, g1.eligible, g1.on_post, g1.posts, g1.places, g1.filled, g1.no_applicant) == (
        5,
        3,
        2,
        2,
        3,
        2,
        1,
    )
    assert (g2.members, g2.eligible, g2.on_post, g2.adjusted, g2.open_objections) == (2, 2, 0, 1, 1)
    assert g1.grades == {"excellent": 1, "unrated": 1} and g2.grades == {"poor": 1}
    assert (jin.figures.trainings, jin.figures.attendance, jin.figures.rate) == (2, 3, 40)  # 2 of 5 eligible
    assert jin.round.stage == Stage.EVALUATION and jin.days_in_stage == 0
    assert xin.round is None and xin.figures.members == 1 and xin.figures.posts == 0
    total = board.total
    assert (total.members, total.eligible, total.on_post, total.posts, total.places) == (8, 6, 2, 3, 4)
    assert dict(board.stages)["严格评岗"] == 1 and dict(board.stages)["未启动"] == 1
    cells = {
        (unit.name, t.name): cell
        for unit, _, row in board.coverage_rows(by_village=False)
        if unit.village_id == village_a.pk  # 新河村 has a 第一网格 too
        for t, (cell, _) in zip(board.post_types, row, strict=True)
    }
    assert cells["第一网格", "社会治安巡逻岗"].state == "filled"
    assert cells["第一网格", "村容村貌监督岗"].state == "short"
    assert cells["第二网格", "民事纠纷调解岗"].state == "short"  # 钱 was adjusted: the place is empty again
    assert cells["第二网格", "邻里和睦示范岗"].state == "missing" and cells["第二网格", "邻里和睦示范岗"].asked
    assert not cells["第一网格", "邻里和睦示范岗"].asked


def test_town_page_and_drill_down(client, world, town_user, town, village_a, grid_a1):
    client.force_login(town_user)
    page = client.get(reverse("posts:town-dashboard", args=[town.pk]))
    assert page.status_code == 200
    text = page.text
    assert "金城镇设岗定责工作看板" in text and "严格评岗" in text and "未启动" in text
    assert 'data-chart="chart-participation"' in text and 'id="chart-stages"' in text
    village_url = reverse("posts:village-dashboard", args=[village_a.pk])
    assert village_url in page.context["charts"]["participation"]["links"]
    village_page = client.get(village_url)
    assert village_page.status_code == 200 and "第一网格" in village_page.text
    members_url = reverse("posts:dashboard-members")
    on_post = client.get(f"{members_url}?grid={grid_a1.pk}&figure=on_post")
    assert [m.name for m, *_ in on_post.context["rows"]] == ["李", "王"]
    excellent = client.get(f"{members_url}?town={town.pk}&figure=grade-excellent")
    assert [m.name for m, *_ in excellent.context["rows"]] == ["王"]
    eligible = client.get(f"{members_url}?village={village_a.pk}&figure=eligible")
    assert sorted(m.name for m, *_ in eligible.context["rows"]) == ["吴", "李", "王", "赵", "钱"]
    assert client.get(f"{members_url}?town={town.pk}&figure=nonsense").status_code == 404
    blockers = client.get(reverse("posts:round-blockers", args=[world["round"].pk]))
    assert "王还没有指定联系人" in blockers.text and "还有1项" in blockers.text


def test_export_has_the_figures(client, world, town_user, town, village_a):
    client.force_login(town_user)
    response = client.get(reverse("posts:dashboard-export") + f"?town={town.pk}")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]
    header = rows[0]
    assert header[:8] == ("村", "年度", "所处阶段", "已停留天数", "还差什么", "党员", "符合条件", "在岗")
    at = header.index
    assert (rows[1][0], rows[1][at("所处阶段")], *rows[1][at("党员") : at("在岗") + 1]) == (
        "金城村",
        "严格评岗",
        7,
        5,
        2,
    )
    assert rows[-1][0] == "合计" and rows[-1][at("党员")] == 8  # by pinyin: 金 jīn before 新 xīn
    grids = client.get(reverse("posts:dashboard-export") + f"?village={village_a.pk}")
    rows = list(openpyxl.load_workbook(io.BytesIO(grids.content)).active.iter_rows(values_only=True))[1:]
    assert [r[0] for r in rows] == ["网格", "第一网格", "第二网格", "合计"]


def test_scope(client, world, sec_a, sec_b, grid_user, town, village_a, village_b, grid_a1):
    client.force_login(sec_b)  # 新河村's secretary
    assert client.get(reverse("posts:village-dashboard", args=[village_a.pk])).status_code == 404
    assert client.get(reverse("posts:town-dashboard", args=[town.pk])).context["board"].villages[0].village == village_b
    members_url = reverse("posts:dashboard-members")
    assert client.get(f"{members_url}?village={village_a.pk}&figure=members").status_code == 404
    assert client.get(f"{members_url}?grid={grid_a1.pk}&figure=members").status_code == 404
    assert client.get(reverse("posts:dashboard-export") + f"?village={village_a.pk}").status_code == 404
    assert client.get(reverse("posts:round-blockers", args=[world["round"].pk])).status_code == 404
    client.force_login(sec_a)
    page = client.get(reverse("posts:village-dashboard", args=[village_a.pk]))
    assert page.status_code == 200 and "新河村" not in page.text
    client.logout()
    assert client.get(reverse("posts:village-dashboard", args=[village_a.pk])).status_code == 302


def test_query_count_does_not_grow(client, world, town_user, town, village_a, settings):
    # Computed (nothing kept): 4 fixed (savepoint, release, session, user with roles) + villages, rounds, grids,
    # posts, post types, needs asked, grades = 11; the residents' requests, counted on every view (overdue moves
    # with the clock): the towns' days, the grids, the counts, the days to done = 15; the points (the grids, the
    # members on post, the year's sums, who scored this quarter, the branches' own points) = 20; the same for ten
    # times the villages, grids and members.
    client.force_login(town_user)
    urls = [reverse("posts:town-dashboard", args=[town.pk]), reverse("posts:village-dashboard", args=[village_a.pk])]
    settings.DASHBOARD_CACHE_SECONDS = 0
    small = [count_queries(client, url) for url in urls]
    grow(town, 6, 4, 10, 2)
    make_round(town.villages.get(name="测试村3"), Stage.APPLICATION)
    assert [count_queries(client, url) for url in urls] == small == [20, 20]
    # Kept: 4 fixed + villages, generations, the kept figures, the requests' 4 and the points' 5 = 16.
    settings.DASHBOARD_CACHE_SECONDS = 600
    for url in urls:
        client.get(url)
    assert [count_queries(client, url) for url in urls] == [16, 16]


def test_figures_count_a_change_at_once(client, world, sec_a, village_a, grid_a1, django_capture_on_commit_callbacks):
    client.force_login(sec_a)
    url = reverse("posts:village-dashboard", args=[village_a.pk])
    assert ">7</a>" in client.get(url).text  # 党员 7
    with django_capture_on_commit_callbacks(execute=True):  # the figures move when the request commits
        response = client.post(
            reverse("members:member-create", args=[grid_a1.pk]),
            {
                "grid": grid_a1.pk,
                "name": "新党员",
                "id_number": new_id_number(),
                "ethnicity": "汉族",
                "education": "high_school",
                "joined_on": "1995-07-01",
                "membership": "full",
                "health": "good",
                "is_willing": "on",
            },
        )
    assert response.status_code == 302
    assert ">8</a>" in client.get(url).text  # the new member counts at once
