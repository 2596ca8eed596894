"""Issue 19, 拒绝与表单: refusals and forms people understand, each tested through the pages people use.

Dates follow posts/tests/conftest.py's timeline (window 11-01…11-07, notice 11-09…11-13, 上岗仪式 11-18);
`on_day` puts "today" where a test needs it.
"""

import datetime

import pytest
from django.urls import reverse

from conftest import on_day
from members.models import NeedCategory, VillagePlan
from posts.models import Assignment, AssignmentLog, MeetingKind, Notice, Round, Stage, Status

pytestmark = pytest.mark.django_db
D = datetime.date


def at_deliberation_noticed(flow, round):
    """The round at 支部议岗 with everyone proposed and under notice (11-09…11-13)."""
    flow.push(round, Stage.DELIBERATION)
    while a := round.assignments.filter(status=Status.APPLIED).order_by("pk").first():
        flow.propose(a)
    for grid in round.village.grids.all():
        flow.publish(round, grid)
    return round


# --- 新建实施方案 / 新一年度: the year offered is free --------------------------------------------------------------


@on_day(D(2026, 3, 1))
def test_new_plan_offers_the_first_year_without_a_plan(client, sec_a, village_a, flow):
    client.force_login(sec_a)
    url = reverse("members:plan-create", args=[village_a.pk])
    assert client.get(url).context["form"].initial["year"] == 2026
    flow.start_round(village_a, 2026)  # writes the 2026 plan
    VillagePlan.objects.filter(village=village_a, year=2026).update(title="2026方案")
    assert client.get(url).context["form"].initial["year"] == 2027
    assert 'value="2027"' in client.get(url).text


@on_day(D(2026, 3, 1))
def test_new_round_offers_the_first_year_without_a_round(client, sec_a, village_a, flow):
    round = flow.start_round(village_a, 2026)
    Round.objects.filter(pk=round.pk).update(stage=Stage.CLOSED)
    client.force_login(sec_a)
    assert client.get(reverse("posts:round-create", args=[village_a.pk])).context["form"].initial["year"] == 2027


# --- the town's coverage table -----------------------------------------------------------------------------------


def test_town_coverage_shows_grids_whose_residents_asked_without_a_post(
    client, town_user, town, round_a, grid_a1, grid_a2, flow
):
    # 第一网格 has a 村容村貌 post; 第二网格's residents asked about 村容村貌 too, and it has no such post.
    flow.need(grid_a2, category=NeedCategory.APPEARANCE, issue="路边垃圾无人清理。")
    client.force_login(town_user)
    page = client.get(reverse("posts:town-dashboard", args=[town.pk]))
    (row,) = [r for r in page.context["coverage"] if r[0] == round_a.village]
    cells = dict(zip([t.name for t in page.context["board"].post_types], row[2], strict=True))
    cell, grids_with = cells["村容村貌监督岗"]
    assert (grids_with, cell.asked_unset, cell.shade) == (1, 1, "asked")
    assert "1个网格有需求未设岗" in page.text and "cover-asked" in page.text
    # the village's own table: the grid itself is marked
    village_page = client.get(reverse("posts:village-dashboard", args=[round_a.village_id]))
    grid_cells = {(u.name, t.name): c for u, _, cs in village_page.context["coverage"] for t, (c, _) in
                  zip(village_page.context["board"].post_types, cs, strict=True)}  # fmt: skip
    assert grid_cells["第二网格", "村容村貌监督岗"].shade == "asked"
    assert grid_cells["第一网格", "村容村貌监督岗"].shade != "asked"


# --- 公示期满 -----------------------------------------------------------------------------------------------------


@on_day(D(2026, 11, 14))
def test_members_show_notice_over_once_it_ended(client, sec_a, round_a, flow, grid_a1):
    at_deliberation_noticed(flow, round_a)
    a = round_a.assignments.get(post__grid=grid_a1)
    client.force_login(sec_a)
    for url in (
        reverse("posts:round-grid", args=[round_a.pk, grid_a1.pk]),
        a.get_absolute_url(),
        reverse("members:member", args=[a.member_id]),
    ):
        text = client.get(url).text
        assert "公示期满" in text and ">公示中<" not in text and "公示中）" not in text, url
    assert a.status == Status.NOTICED and Assignment.objects.get(pk=a.pk).status_label == "公示期满"


@on_day(D(2026, 11, 12))
def test_members_show_under_notice_while_it_runs(client, sec_a, round_a, flow, grid_a1):
    at_deliberation_noticed(flow, round_a)
    a = round_a.assignments.get(post__grid=grid_a1)
    client.force_login(sec_a)
    assert ">公示中<" in client.get(a.get_absolute_url()).text
    assert "公示期满" not in client.get(reverse("posts:round-grid", args=[round_a.pk, grid_a1.pk])).text


# --- the dashboard's member lists and finished villages ---------------------------------------------------------


def test_dashboard_member_list_shows_post_and_status_of_members_on_post(client, town_user, town, round_a, flow):
    flow.push(round_a, Stage.EVALUATION)
    client.force_login(town_user)
    url = reverse("posts:dashboard-members") + f"?town={town.pk}&figure=members"
    rows = client.get(url).context["rows"]
    on_post = [(m.name, a.post.name, a.status_label) for m, _, a, _ in rows if a]
    assert len(on_post) == 2 and all(status == "在岗" for *_, status in on_post)
    assert {post for _, post, _ in on_post} == {"村容村貌监督岗", "社会治安巡逻岗"}


def test_finished_village_shows_the_finished_years_figures(client, town_user, town, round_a, flow):
    flow.push(round_a, Stage.CLOSED)
    assert round_a.assignments.filter(status=Status.COMPLETED).count() == 2
    client.force_login(town_user)
    page = client.get(reverse("posts:town-dashboard", args=[town.pk]))
    (row,) = [v for v in page.context["board"].villages if v.village == round_a.village]
    assert row.round.stage == Stage.CLOSED
    assert row.figures.on_post == 2 and row.figures.rate > 0
    assert (
        sum(row.figures.grades.values()) == 2 and row.figures.grades["excellent"] + row.figures.grades["competent"] == 2
    )
    on_post = client.get(reverse("posts:dashboard-members") + f"?town={town.pk}&figure=on_post").context["rows"]
    assert [a.status_label for _, _, a, _ in on_post] == ["期满", "期满"]
    everyone = client.get(reverse("posts:dashboard-members") + f"?town={town.pk}&figure=members").context["rows"]
    assert sorted(a.post.name for _, _, a, _ in everyone if a) == ["村容村貌监督岗", "社会治安巡逻岗"]


# --- errors said once ---------------------------------------------------------------------------------------------


@on_day(D(2026, 11, 9))
def test_a_refused_notice_says_its_reason_once(client, sec_a, round_a, flow, grid_a1):
    flow.push(round_a, Stage.DELIBERATION)
    flow.propose(round_a.assignments.get(post__grid=grid_a1))
    client.force_login(sec_a)
    page = client.post(
        reverse("posts:notice-create", args=[round_a.pk, grid_a1.pk]),
        {"starts_on": "2026-11-09", "ends_on": "2026-11-11", "place": "公开栏", "phone": "0523-88881234"},
    )
    assert page.status_code == 200
    assert page.text.count("公示期不能少于5天") == 1
    assert not Notice.objects.filter(round=round_a).exists()


def test_a_full_post_is_said_once(client, sec_a, round_a, flow, post_a1):
    flow.push(round_a, Stage.DELIBERATION)
    other = flow.apply(round_a, post_a1)
    flow.propose(round_a.assignments.exclude(pk=other.pk).get(post=post_a1))
    meeting = flow.held(round_a, post_a1.grid, MeetingKind.GRID_BRANCH)
    client.force_login(sec_a)
    page = client.post(reverse("posts:assignment-move", args=[other.pk, Status.PROPOSED]), {"meeting": meeting.pk})
    assert page.text.count("已经安排满了") == 1
    other.refresh_from_db()
    assert other.status == Status.APPLIED
    assert not AssignmentLog.objects.filter(assignment=other, to_status=Status.PROPOSED).exists()
