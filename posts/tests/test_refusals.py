"""Issue 19, 拒绝与表单: refusals and forms people understand, each tested through the pages people use.

Dates follow posts/tests/conftest.py's timeline (window 11-01…11-07, notice 11-09…11-13, 上岗仪式 11-18);
`on_day` puts "today" where a test needs it.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import on_day
from grids.models import Grid
from members.models import NeedCategory, VillagePlan
from posts.models import Assignment, AssignmentLog, MeetingKind, Notice, Round, RoundLog, Stage, Status

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


# --- a refused stage move: the grouped checklist, each item a link ------------------------------------------------


def test_a_refused_stage_move_shows_the_checklist_grid_by_grid(client, sec_a, round_a, village_a, grid_a1):
    third = Grid.objects.create(village=village_a, number=3, name="第三网格")
    VillagePlan.objects.filter(village=village_a).delete()
    client.force_login(sec_a)
    response = client.post(reverse("posts:round-advance", args=[round_a.pk]), {"stage": Stage.SURVEY})
    assert response.status_code == 302 and response.url.endswith("#missing")
    page = client.get(response.url)
    said = [str(m) for m in page.context["messages"]]
    assert said == ["未能进入下一阶段：还有3项没有完成，见下面的清单。"]
    assert "。；" not in page.text
    checklist = page.context["checklist"]
    assert checklist == [
        ("", "", [("还没有制定2026年度的实施方案", reverse("members:plan-create", args=[village_a.pk]))]),
        (
            "第三网格",
            reverse("posts:round-grid", args=[round_a.pk, third.pk]),
            [
                ("还没有记录群众需求", reverse("members:grid-survey", args=[third.pk])),
                ("还没有设置岗位", reverse("posts:grid-posts", args=[third.pk])),
            ],
        ),
    ]
    assert f'href="{reverse("members:grid-survey", args=[third.pk])}">还没有记录群众需求</a>' in page.text
    round_a.refresh_from_db()
    assert round_a.stage == Stage.SURVEY and not RoundLog.objects.filter(round=round_a).exists()


# --- a race loser is told what happened, with a refresh -----------------------------------------------------------


def test_confirming_a_member_someone_just_confirmed_says_who_and_when(client, sec_a, grid_user, round_a, flow):
    flow.push(round_a, Stage.CONFIRMATION)
    a = round_a.assignments.filter(status=Status.NOTICED).first()
    induction = flow.held(round_a, a.post.grid, MeetingKind.INDUCTION)
    url = reverse("posts:assignment-move", args=[a.pk, Status.ON_POST])
    client.force_login(grid_user)
    assert client.get(url).status_code == 200  # the grid secretary's page is open …
    flow.seat(a)  # … while the village secretary confirms the member
    data = {"meeting": induction.pk, "letter_signed_on": "2026-11-18", "note": ""}
    page = client.post(url, data)
    assert page.status_code == 200
    assert "“在岗”的记录不能改为“在岗”" not in page.text
    log = AssignmentLog.objects.get(assignment=a, to_status=Status.ON_POST)
    at = timezone.localtime(log.at)
    said = f"已由王建国于{at.month}月{at.day}日 {at:%H:%M}确认上岗，现在是“在岗”。"
    assert said in page.context["overtaken"] and said in page.text
    assert page.context["refresh"] == a.get_absolute_url() and "刷新页面" in page.text
    assert AssignmentLog.objects.filter(assignment=a, to_status=Status.ON_POST).count() == 1


def test_a_move_the_round_has_left_behind_says_who_moved_the_round(client, sec_a, grid_user, round_a, flow):
    flow.push(round_a, Stage.CONFIRMATION)
    a = round_a.assignments.order_by("pk").first()  # everyone else was settled and the village moved on
    Assignment.objects.filter(pk=a.pk).update(status=Status.APPLIED)  # set-up: this one still open on the page
    client.force_login(grid_user)
    page = client.post(reverse("posts:assignment-move", args=[a.pk, Status.NOT_CHOSEN]), {"note": "另有安排"})
    assert "本年度工作已由王建国于" in page.context["overtaken"]
    assert "进入“群众定岗”阶段，“未选中”只能在“支部议岗”阶段办理。" in page.text
    assert not AssignmentLog.objects.filter(assignment=a, to_status=Status.NOT_CHOSEN).exists()


def test_advancing_from_a_page_left_open_does_not_move_twice(client, sec_a, round_a, flow):
    client.force_login(sec_a)
    flow.advance(round_a)  # someone else moved it from 制定方案 a moment ago
    response = client.post(reverse("posts:round-advance", args=[round_a.pk]), {"stage": Stage.SURVEY})
    page = client.get(response.url)
    (said,) = [str(m) for m in page.context["messages"]]
    log = RoundLog.objects.get(round=round_a)
    at = timezone.localtime(log.at)
    assert said == (
        f"没有重复办理：本年度工作已由王建国于{at.month}月{at.day}日 {at:%H:%M}从“制定方案”进入“申报选岗”阶段。"
        "页面已刷新为最新情况。"
    )
    round_a.refresh_from_db()
    assert round_a.stage == Stage.APPLICATION and RoundLog.objects.filter(round=round_a).count() == 1


@on_day(D(2026, 11, 9))
def test_publishing_a_notice_someone_just_published_says_so(client, grid_user, round_a, flow, grid_a1):
    flow.push(round_a, Stage.DELIBERATION)
    flow.propose(round_a.assignments.get(post__grid=grid_a1))
    flow.publish(round_a, grid_a1)
    client.force_login(grid_user)
    data = {"starts_on": "2026-11-09", "ends_on": "2026-11-13", "place": "公开栏", "phone": "0523-88881234"}
    page = client.post(reverse("posts:notice-create", args=[round_a.pk, grid_a1.pk]), data)
    assert "第一网格的拟上岗人选已由王建国于" in page.context["overtaken"]
    assert "发布公示（2026年11月9日至2026年11月13日），不用再发布。" in page.text
    assert page.context["refresh"] == reverse("posts:round-grid", args=[round_a.pk, grid_a1.pk])
    assert Notice.objects.filter(round=round_a, grid=grid_a1).count() == 1


# --- a required choice with nothing to choose: say what to record first ------------------------------------------


def test_confirming_without_a_ceremony_says_to_record_it_first(client, grid_user, round_a, flow):
    flow.push(round_a, Stage.CONFIRMATION)
    a = round_a.assignments.filter(status=Status.NOTICED).first()
    client.force_login(grid_user)
    page = client.get(reverse("posts:assignment-move", args=[a.pk, Status.ON_POST]))
    record = reverse("posts:meeting-create", args=[round_a.pk, a.post.grid_id]) + "?kind=induction"
    assert page.context["form"].prerequisites() == [
        (f"{a.post.grid.name}还没有登记上岗仪式：这一步以上岗仪式为依据，请先登记。", record, "登记上岗仪式")
    ]
    assert f'href="{record}"' in page.text and "这个字段是必填项" not in page.text
    assert '<select name="meeting"' not in page.text  # no empty drop-down to puzzle over
    assert client.get(record).context["form"].initial["kind"] == "induction"
    flow.held(round_a, a.post.grid, MeetingKind.INDUCTION)
    assert '<select name="meeting"' in client.get(reverse("posts:assignment-move", args=[a.pk, Status.ON_POST])).text


@on_day(D(2026, 11, 3))
def test_applying_in_a_grid_without_members_says_to_add_them(client, grid_user, round_a, flow, grid_a1):
    flow.push(round_a, Stage.APPLICATION, applicants=False)
    client.force_login(grid_user)
    page = client.get(reverse("posts:application-create", args=[round_a.pk, grid_a1.pk]))
    assert "党员名册还是空的" in page.text
    assert reverse("members:member-create", args=[grid_a1.pk]) in page.text


def test_a_contact_with_nobody_else_in_the_grid_says_to_add_members(client, grid_user, round_a, flow):
    flow.push(round_a, Stage.CONFIRMATION)
    flow.satisfy(round_a)
    flow.advance(round_a)  # to 严格评岗; nobody named as a contact yet, and 第一网格 has only its one member
    a = round_a.assignments.get(status=Status.ON_POST, post__grid__number=1)
    client.force_login(grid_user)
    page = client.get(reverse("posts:assignment-contact", args=[a.pk]))
    assert "除本人外还没有其他党员可以担任联系人" in page.text


# --- 申报提前截止 -------------------------------------------------------------------------------------------------


@on_day(D(2026, 11, 3))
def test_applications_close_early_once_every_eligible_member_applied_or_declined(
    client, sec_a, round_a, flow, grid_a1, grid_a2, post_a1, post_a2
):
    flow.push(round_a, Stage.APPLICATION, applicants=False)
    liu, zhao = flow.member(grid_a1, "刘海涛"), flow.member(grid_a2, "赵春梅")
    flow.member(grid_a2, "孙立新", is_willing=False)  # declined: not eligible, not waited for
    flow.apply(round_a, post_a1, member=liu)
    client.force_login(sec_a)
    url = reverse("posts:round-close-applications", args=[round_a.pk])
    round_page = client.get(round_a.get_absolute_url())
    assert round_page.context["close_missing"] == ["第二网格：赵春梅还没有申报，也没有登记为本人暂不愿参加。"]
    page = client.post(url, {"note": "都问过了", "stage": Stage.APPLICATION}, follow=True)
    assert "未能提前截止申报：第二网格：赵春梅还没有申报，也没有登记为本人暂不愿参加。" in page.text
    round_a.refresh_from_db()
    assert round_a.applications_close_on == D(2026, 11, 7) and round_a.logs.count() == 1
    flow.apply(round_a, post_a2, member=zhao)
    page = client.post(url, {"note": " ", "stage": Stage.APPLICATION}, follow=True)
    assert "请写明提前截止申报的原因" in page.text and round_a.logs.count() == 1
    page = client.post(url, {"note": "符合条件的党员都已申报", "stage": Stage.APPLICATION}, follow=True)
    assert "申报已提前截止（截止到11月2日），可以进入支部议岗。" in page.text
    round_a.refresh_from_db()
    assert round_a.applications_close_on == D(2026, 11, 2) and round_a.stage == Stage.APPLICATION
    log = round_a.logs.order_by("pk").last()
    assert (log.from_stage, log.to_stage, log.by) == (Stage.APPLICATION, Stage.APPLICATION, sec_a)
    assert log.note == "提前截止申报（原定2026年11月7日截止，截止到2026年11月2日）：符合条件的党员都已申报"
    assert "提前截止申报（原定2026年11月7日截止" in page.text  # in the round's steps
    assert round_a.history.first().applications_close_on == D(2026, 11, 2)
    # the window is shut, and the round may move on today
    assert (
        "现在不在申报时间内"
        in client.get(reverse("posts:application-create", args=[round_a.pk, grid_a1.pk]), follow=True).text
    )
    client.post(reverse("posts:round-advance", args=[round_a.pk]), {"stage": Stage.APPLICATION})
    round_a.refresh_from_db()
    assert round_a.stage == Stage.DELIBERATION
    # a second click from the page left open is told what happened
    late = client.post(url, {"note": "再点一次", "stage": Stage.APPLICATION}, follow=True)
    assert "没有重复办理：本年度工作已由王建国于" in late.text and round_a.logs.count() == 3


@on_day(D(2026, 11, 1))
def test_applications_cannot_close_on_the_day_they_open(client, sec_a, round_a, flow):
    flow.push(round_a, Stage.APPLICATION, applicants=False)
    client.force_login(sec_a)
    url = reverse("posts:round-close-applications", args=[round_a.pk])
    page = client.post(url, {"note": "没有党员", "stage": Stage.APPLICATION}, follow=True)
    assert "申报今天才开始，明天起才能提前截止" in page.text
    round_a.refresh_from_db()
    assert round_a.applications_close_on == D(2026, 11, 7)
