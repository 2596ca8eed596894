"""Posts pages: scope, actions offered only in their stage, and query counts that do not grow with the data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import on_day
from members.tests.test_query_counts import count_queries
from posts.models import Assignment, Meeting, Notice, Objection, Post, PostType, Round, Source, Stage, Status

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 11, 20))]

TODAY = timezone.localdate


def make_post(grid, name="社会治安巡逻岗", places=2):
    t = PostType.objects.get(name="社会治安巡逻岗", town=grid.village.town_id)
    return Post.objects.create(grid=grid, post_type=t, name=name, places=places, duties=t.duties, reason="需要")


def make_round(village, stage=Stage.SURVEY, **fields):
    r = Round.objects.create(village=village, year=2026, **fields)
    Round.objects.filter(pk=r.pk).update(stage=stage)  # test set-up only: pages never set a stage
    r.refresh_from_db()
    return r


def apply(round, member, post, user):
    return Assignment.objects.create(
        round=round, post=post, member=member, source=Source.SELF, reason="愿意", created_by=user
    )


@pytest.fixture
def b_world(grid_b1, sec_b, make_member):
    round = make_round(grid_b1.village, Stage.DELIBERATION)
    post = make_post(grid_b1)
    a = apply(round, make_member(grid_b1), post, sec_b)
    notice = Notice.objects.create(
        round=round, grid=grid_b1, starts_on=TODAY(), ends_on=TODAY(), phone="1", published_by=sec_b
    )
    objection = Objection.objects.create(
        notice=notice, raised_by="群众", raised_on=TODAY(), content="…", recorded_by=sec_b
    )
    return {"round": round, "grid": grid_b1, "post": post, "a": a, "notice": notice, "objection": objection}


def test_village_secretary_gets_404_on_another_villages_workflow(client, sec_a, b_world):
    b = b_world
    client.force_login(sec_a)
    urls = [
        reverse("posts:round", args=[b["round"].pk]),
        reverse("posts:round-advance", args=[b["round"].pk]),
        reverse("posts:round-window", args=[b["round"].pk]),
        reverse("posts:training-create", args=[b["round"].pk]),
        reverse("posts:round-grid", args=[b["round"].pk, b["grid"].pk]),
        reverse("posts:application-create", args=[b["round"].pk, b["grid"].pk]),
        reverse("posts:meeting-create", args=[b["round"].pk, b["grid"].pk]),
        reverse("posts:notice-create", args=[b["round"].pk, b["grid"].pk]),
        reverse("posts:objection-create", args=[b["notice"].pk]),
        reverse("posts:objection-answer", args=[b["objection"].pk]),
        reverse("posts:assignment", args=[b["a"].pk]),
        reverse("posts:assignment-move", args=[b["a"].pk, "proposed"]),
        reverse("posts:assignment-contact", args=[b["a"].pk]),
        reverse("posts:assignment-record", args=[b["a"].pk, "rating"]),
        reverse("posts:grid-posts", args=[b["grid"].pk]),
        reverse("posts:post-create", args=[b["grid"].pk]),
        reverse("posts:post-edit", args=[b["post"].pk]),
        reverse("posts:post-delete", args=[b["post"].pk]),
        reverse("posts:village-rounds", args=[b["round"].village_id]),
        reverse("posts:round-create", args=[b["round"].village_id]),
    ]
    for url in urls:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"note": "x"}).status_code == 404, url
    b["a"].refresh_from_db()
    assert b["a"].status == Status.APPLIED and Round.objects.get(pk=b["round"].pk).stage == Stage.DELIBERATION


def test_round_grid_page_mixing_a_round_and_a_grid_of_another_village_is_404(client, sec_a, grid_a1, b_world):
    client.force_login(sec_a)
    assert client.get(reverse("posts:round-grid", args=[b_world["round"].pk, grid_a1.pk])).status_code == 404


def test_grid_secretary_works_in_own_grid_only(client, grid_user, grid_a1, grid_a2):
    round = make_round(grid_a1.village)
    client.force_login(grid_user)
    assert client.get(reverse("posts:round-grid", args=[round.pk, grid_a1.pk])).status_code == 200
    assert client.get(reverse("posts:round-grid", args=[round.pk, grid_a2.pk])).status_code == 404
    assert client.post(reverse("posts:round-advance", args=[round.pk])).status_code == 404  # the village moves rounds


def test_town_committee_reads_rounds_but_cannot_act(client, town_user, grid_a1):
    round = make_round(grid_a1.village)
    client.force_login(town_user)
    assert client.get(reverse("posts:round", args=[round.pk])).status_code == 200
    assert client.get(reverse("posts:round-grid", args=[round.pk, grid_a1.pk])).status_code == 200
    assert client.post(reverse("posts:round-advance", args=[round.pk])).status_code == 404
    assert client.get(reverse("posts:meeting-create", args=[round.pk, grid_a1.pk])).status_code == 404


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_actions_are_refused_outside_their_stage(client, sec_a, grid_a1, make_member):
    round = make_round(grid_a1.village, Stage.SURVEY)
    post = make_post(grid_a1)
    member = make_member(grid_a1)
    client.force_login(sec_a)
    # Applications only in 申报选岗, inside the window.
    page = client.get(reverse("posts:application-create", args=[round.pk, grid_a1.pk]), follow=True)
    assert "现在不在申报时间内" in page.text
    # Notices only in 支部议岗.
    data = {
        "starts_on": TODAY().isoformat(),
        "ends_on": (TODAY() + datetime.timedelta(days=6)).isoformat(),
        "place": "公开栏",
        "phone": "0515-88880000",
    }
    page = client.post(reverse("posts:notice-create", args=[round.pk, grid_a1.pk]), data)
    assert "只有在“支部议岗”阶段才能发布公示" in page.text and not Notice.objects.exists()
    # Training only in 严格评岗.
    page = client.get(reverse("posts:training-create", args=[round.pk]), follow=True)
    assert any("集中培训在“严格评岗”阶段登记" in m for m in messages_of(page))
    # Moving an application is refused outside 支部议岗, with the stage named.
    a = apply(round, member, post, sec_a)
    meeting = Meeting.objects.create(
        round=round,
        grid=grid_a1,
        kind="grid_branch",
        stage=round.stage,
        held_on=TODAY(),
        attendees=5,
        present=5,
        resolution="…",
        recorded_by=sec_a,
    )
    page = client.post(reverse("posts:assignment-move", args=[a.pk, "proposed"]), {"meeting": meeting.pk})
    assert "这一步只能在“支部议岗”阶段办理" in page.text
    a.refresh_from_db()
    assert a.status == Status.APPLIED
    # Ratings only for members on post.
    page = client.get(reverse("posts:assignment-record", args=[a.pk, "rating"]), follow=True)
    assert any("只有在岗党员才能登记" in m for m in messages_of(page))


def test_objection_only_while_the_notice_runs(client, sec_a, grid_a1, make_member):
    round = make_round(grid_a1.village, Stage.DELIBERATION)
    week_ago, three_days_ago = TODAY() - datetime.timedelta(days=9), TODAY() - datetime.timedelta(days=3)
    notice = Notice.objects.create(
        round=round, grid=grid_a1, starts_on=week_ago, ends_on=three_days_ago, phone="1", published_by=sec_a
    )
    client.force_login(sec_a)
    page = client.post(
        reverse("posts:objection-create", args=[notice.pk]),
        {"raised_by": "群众", "raised_on": TODAY().isoformat(), "content": "有意见"},
    )
    assert "异议应在公示期内" in page.text and not Objection.objects.exists()
    page = client.get(reverse("posts:round-grid", args=[round.pk, grid_a1.pk]))
    assert "登记异议" not in page.text


def test_new_post_type_of_a_village_is_its_own(client, sec_a, village_a, village_b):
    client.force_login(sec_a)
    data = {"name": "河道守护岗", "need_category": "appearance", "duties": "巡查河道\n劝阻乱倒垃圾"}
    client.post(reverse("posts:post-type-create"), data, follow=True)
    t = PostType.objects.get(name="河道守护岗")
    assert t.village == village_a and t.duty_lines == ["巡查河道", "劝阻乱倒垃圾"]
    client.force_login(village_b.secretary)
    assert "河道守护岗" not in client.get(reverse("posts:post-types")).text
    assert client.get(reverse("posts:post-type-edit", args=[t.pk])).status_code == 404


def grow(round, grid, n, make_member, user):
    post = make_post(grid, name=f"岗位{Post.objects.count() + 1}", places=20)
    for _ in range(n):
        apply(round, make_member(grid), post, user)


def test_round_page_queries_do_not_grow(client, sec_a, grid_a1, grid_a2, make_member):
    # 4 fixed (savepoint, release, session, user) + round + trainings + missing-to-leave for survey (plan, grids
    # with counts, unjustified posts) + logs + grids with posts and assignment counts = 11
    round = make_round(grid_a1.village)
    grow(round, grid_a1, 2, make_member, sec_a)
    client.force_login(sec_a)
    url = reverse("posts:round", args=[round.pk])
    small = count_queries(client, url)
    grow(round, grid_a1, 18, make_member, sec_a)
    grow(round, grid_a2, 20, make_member, sec_a)
    assert (small, count_queries(client, url)) == (11, 11)


def test_round_grid_page_queries_do_not_grow(client, sec_a, grid_a1, make_member):
    # 4 fixed + grid + round + can-edit + role (2) + assignments + their members' specialties + posts + meetings
    # + notices (+ objections and their members, prefetched) = 14 while the grid has no notice yet
    round = make_round(grid_a1.village, Stage.DELIBERATION)
    grow(round, grid_a1, 2, make_member, sec_a)
    client.force_login(sec_a)
    url = reverse("posts:round-grid", args=[round.pk, grid_a1.pk])
    small = count_queries(client, url)
    for _ in range(9):
        grow(round, grid_a1, 3, make_member, sec_a)
    assert (small, count_queries(client, url)) == (small, small)
    assert small <= 14


def test_every_form_page_has_one_form_with_its_save_button(client, sec_a, grid_a1, make_member, make_need):
    """A helper-less form once rendered crispy's own <form> inside the page's, leaving 保存 outside any form."""
    round = make_round(grid_a1.village, Stage.EVALUATION)
    post = make_post(grid_a1)
    a = apply(round, make_member(grid_a1), post, sec_a)
    make_member(grid_a1)  # someone to name as the contact (with nobody, the page says to record members first)
    Assignment.objects.filter(pk=a.pk).update(status=Status.ON_POST)
    notice = Notice.objects.create(
        round=round, grid=grid_a1, starts_on=TODAY(), ends_on=TODAY(), phone="1", published_by=sec_a
    )
    objection = Objection.objects.create(
        notice=notice, raised_by="群众", raised_on=TODAY(), content="…", recorded_by=sec_a
    )
    client.force_login(sec_a)
    urls = [
        reverse("posts:post-type-create"),
        reverse("posts:round-create", args=[grid_a1.village_id]),
        reverse("posts:training-create", args=[round.pk]),
        reverse("posts:meeting-create", args=[round.pk, grid_a1.pk]),
        reverse("posts:notice-create", args=[round.pk, grid_a1.pk]),
        reverse("posts:objection-create", args=[notice.pk]),
        reverse("posts:objection-answer", args=[objection.pk]),
        reverse("posts:assignment-contact", args=[a.pk]),
        reverse("posts:assignment-move", args=[a.pk, "adjusted"]),
        *[reverse("posts:assignment-record", args=[a.pk, kind]) for kind in ("checkup", "report", "rating")],
        reverse("members:member-create", args=[grid_a1.pk]),
        reverse("members:need-create", args=[grid_a1.pk]),
        reverse("members:plan-create", args=[grid_a1.village_id]),
    ]
    for url in urls:
        html = client.get(url).text
        assert html.count("<form") == 2, url  # the page's form and the logout button's
        page_form = html[html.rindex("<form") :]
        assert "保存" in page_form[: page_form.index("</form>")], url


def test_admin_cannot_edit_or_delete_history(client, django_user_model, sec_a, grid_a1):
    from posts.models import RoundLog

    round = make_round(grid_a1.village)
    log = RoundLog.objects.create(round=round, from_stage="survey", to_stage="application", by=sec_a, note="原记录")
    admin_user = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin_user)
    change = reverse("admin:posts_roundlog_change", args=[log.pk])
    assert client.post(change, {"note": "改过"}).status_code == 403
    assert client.post(reverse("admin:posts_roundlog_delete", args=[log.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:posts_roundlog_add")).status_code == 403
    log.refresh_from_db()
    assert log.note == "原记录"


def test_duplicate_post_type_name_gets_a_message_not_a_500(client, sec_a, village_a):
    client.force_login(sec_a)
    for _ in range(2):
        page = client.post(reverse("posts:post-type-create"), {"name": "河道守护岗", "duties": "巡查河道"})
    assert "已有名为“河道守护岗”的岗位类型" in page.text and PostType.objects.filter(name="河道守护岗").count() == 1
    page = client.post(reverse("posts:post-type-create"), {"name": "邻里和睦示范岗", "duties": "x"})
    assert "已有名为“邻里和睦示范岗”的岗位类型" in page.text
