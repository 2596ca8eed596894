"""One grid walks all five steps through the pages, as its secretary and the village secretary would.

Pages use today's date, so where the plan makes people wait (the application window, the notice period),
the test moves the dates into the past directly: "a week passes".
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import on_day
from members.models import VillagePlan
from posts.models import (
    Assignment,
    AssignmentLog,
    Meeting,
    Notice,
    Objection,
    Post,
    PostType,
    Rating,
    Round,
    RoundLog,
    Stage,
    Status,
    Training,
)

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 11, 20))]


def days(n):
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def follow(client, url, data=None):
    """POST (or GET) and return the page the user lands on."""
    response = client.post(url, data or {}, follow=True) if data is not None else client.get(url)
    assert response.status_code == 200, url
    return response


def record_meeting(client, round, grid, kind):
    url = reverse("posts:meeting-create", args=[round.pk, grid.pk])
    follow(
        client,
        url,
        {
            "kind": kind,
            "held_on": days(0),
            "place": "网格党群服务站",
            "attendees": 8,
            "present": 7,
            "resolution": "会议决定事项。",
        },
    )
    return Meeting.objects.filter(round=round, grid=grid, kind=kind).latest("pk")


def test_one_grid_through_all_five_steps(client, sec_a, grid_user, grid_a1, make_member, make_need):
    village = grid_a1.village
    need = make_need(grid_a1)
    li, wang, zhao = (
        make_member(grid_a1, name="李国华"),
        make_member(grid_a1, name="王秀兰"),
        make_member(grid_a1, name="赵大勇"),
    )
    cadre = make_member(grid_a1, name="钱村委", cadre_post="committee_member")
    VillagePlan.objects.create(
        village=village, year=2026, title="方案", content="……", starts_on="2026-01-01", ends_on="2026-12-31"
    )

    # 1. 制定方案 — the village secretary starts the round, sets a post, the window; the checklist empties.
    client.force_login(sec_a)
    page = follow(client, reverse("posts:round-create", args=[village.pk]), {"year": 2026})
    round = Round.objects.get(village=village)
    assert '<div class="h4 mb-1" id="current-stage">制定方案</div>' in page.text and "还没有设定申报时间" in page.text
    patrol = PostType.objects.get(name="社会治安巡逻岗", town=village.town_id)
    bad = follow(client, reverse("posts:post-create", args=[grid_a1.pk]), {"post_type": patrol.pk, "places": 1})
    assert "请勾选该岗位回应的群众需求，或写明设岗理由" in bad.text and not Post.objects.exists()
    follow(
        client,
        reverse("posts:post-create", args=[grid_a1.pk]),
        {"post_type": patrol.pk, "places": 1, "needs": [need.pk]},
    )
    post = Post.objects.get()
    assert post.name == "社会治安巡逻岗" and post.duty_lines[0].startswith("不定期巡逻")
    follow(
        client,
        reverse("posts:round-window", args=[round.pk]),
        {"applications_open_on": days(0), "applications_close_on": days(7)},
    )
    page = follow(client, reverse("posts:round-advance", args=[round.pk]), {"note": "方案已定"})
    round.refresh_from_db()
    assert round.stage == Stage.APPLICATION and "已进入“申报选岗”阶段" in page.text
    assert RoundLog.objects.get().note == "方案已定"
    # Posts are published now: they can no longer be changed.
    page = follow(client, reverse("posts:post-edit", args=[post.pk]), {})
    assert "岗位已向党员群众公布" in page.text

    # 2. 申报选岗 — the grid secretary registers applications; the ineligible cadre is refused.
    client.force_login(grid_user)
    apply_url = reverse("posts:application-create", args=[round.pk, grid_a1.pk])
    refused = follow(client, apply_url, {"member": cadre.pk, "source": "self", "first": post.pk, "reason": "愿意"})
    assert "不符合：担任村委委员" in refused.text and not Assignment.objects.exists()
    for member, source, by in [(li, "self", ""), (wang, "peer", "李国华"), (zhao, "branch", "网格党支部")]:
        follow(
            client,
            apply_url,
            {"member": member.pk, "source": source, "first": post.pk, "recommended_by": by, "reason": "热心公益"},
        )
    assert Assignment.objects.filter(status=Status.APPLIED).count() == 3
    client.force_login(sec_a)
    page = follow(client, reverse("posts:round-advance", args=[round.pk]), {})
    assert "截止后才能进入支部议岗" in page.text
    Round.objects.filter(pk=round.pk).update(
        applications_open_on=days(-9), applications_close_on=days(-1)
    )  # time passes
    follow(client, reverse("posts:round-advance", args=[round.pk]), {})
    round.refresh_from_db()
    assert round.stage == Stage.DELIBERATION

    # 3. 支部议岗 — the branch meets, picks 李国华 (one place), the others are not chosen; notice; an objection.
    client.force_login(grid_user)
    meeting = record_meeting(client, round, grid_a1, "grid_branch")
    a_li, a_wang, a_zhao = (Assignment.objects.get(member=m) for m in (li, wang, zhao))
    follow(client, reverse("posts:assignment-move", args=[a_li.pk, "proposed"]), {"meeting": meeting.pk})
    full = follow(client, reverse("posts:assignment-move", args=[a_wang.pk, "proposed"]), {"meeting": meeting.pk})
    assert "职数为1人，已经安排满了" in full.text
    for a in (a_wang, a_zhao):
        follow(client, reverse("posts:assignment-move", args=[a.pk, "not_chosen"]), {"note": "职数已满"})
    a_li.refresh_from_db()
    assert (
        a_li.status == Status.PROPOSED
        and AssignmentLog.objects.get(assignment=a_li, to_status="proposed").meeting == meeting
    )
    short = follow(
        client,
        reverse("posts:notice-create", args=[round.pk, grid_a1.pk]),
        {"starts_on": days(0), "ends_on": days(2), "place": "公开栏", "phone": "0515-88880000"},
    )
    assert "公示期不能少于5天" in short.text and not Notice.objects.exists()
    follow(
        client,
        reverse("posts:notice-create", args=[round.pk, grid_a1.pk]),
        {"starts_on": days(0), "ends_on": days(6), "place": "公开栏", "phone": "0515-88880000"},
    )
    notice = Notice.objects.get()
    a_li.refresh_from_db()
    assert a_li.status == Status.NOTICED
    objection_data = {"assignment": a_li.pk, "raised_by": "匿名群众", "raised_on": days(0), "content": "担心他没时间"}
    follow(client, reverse("posts:objection-create", args=[notice.pk]), objection_data)
    objection = Objection.objects.get()
    for kind in ("general_assembly", "representatives"):
        record_meeting(client, round, grid_a1, kind)
    Notice.objects.filter(pk=notice.pk).update(starts_on=days(-7), ends_on=days(-1))  # a week passes
    client.force_login(sec_a)
    page = follow(client, reverse("posts:round-advance", args=[round.pk]), {})
    assert "提出的异议还没有答复" in page.text and Round.objects.get(pk=round.pk).stage == Stage.DELIBERATION
    follow(
        client,
        reverse("posts:objection-answer", args=[objection.pk]),
        {"answer": "经核实，他已退休，时间充裕。", "answered_on": days(0)},
    )
    follow(client, reverse("posts:round-advance", args=[round.pk]), {})
    round.refresh_from_db()
    assert round.stage == Stage.CONFIRMATION

    # 4. 群众定岗 — induction ceremony, the signed letter, residents' representatives told.
    client.force_login(grid_user)
    induction = record_meeting(client, round, grid_a1, "induction")
    follow(
        client,
        reverse("posts:assignment-move", args=[a_li.pk, "on_post"]),
        {"meeting": induction.pk, "letter_signed_on": days(0)},
    )
    a_li.refresh_from_db()
    assert a_li.status == Status.ON_POST and a_li.letter_signed_on == timezone.localdate()
    record_meeting(client, round, grid_a1, "representatives")
    client.force_login(sec_a)
    follow(client, reverse("posts:round-advance", args=[round.pk]), {})
    round.refresh_from_db()
    assert round.stage == Stage.EVALUATION

    # 5. 严格评岗 — training, a contact, a check-up, a report, a rating; then the round closes.
    follow(
        client,
        reverse("posts:training-create", args=[round.pk]),
        {"held_on": days(0), "topic": "岗位职责培训", "place": "村部", "attendees": [li.pk]},
    )
    assert list(Training.objects.get().attendees.all()) == [li]
    follow(client, reverse("posts:assignment-contact", args=[a_li.pk]), {"contact": wang.pk})
    follow(
        client,
        reverse("posts:assignment-record", args=[a_li.pk, "checkup"]),
        {"held_on": days(0), "findings": "夜间巡逻按时开展"},
    )
    follow(
        client,
        reverse("posts:assignment-record", args=[a_li.pk, "report"]),
        {"reported_on": days(0), "audience": "branch", "content": "本月巡逻8次"},
    )
    page = follow(
        client,
        reverse("posts:assignment-record", args=[a_li.pk, "rating"]),
        {
            "period": "2026年度",
            "org_score": 95,
            "peer_score": 92,
            "resident_score": 90,
            "rated_on": days(0),
            "comment": "认真负责",
        },
    )
    rating = Rating.objects.get()
    assert (rating.grade, float(rating.score)) == ("excellent", 92.6) and "已登记评岗结果：优秀" in page.text
    follow(client, reverse("posts:round-advance", args=[round.pk]), {})
    round.refresh_from_db()
    assert round.stage == Stage.CLOSED
    page = follow(client, reverse("posts:round", args=[round.pk]))
    assert "李国华" in page.text and "推荐参加民主评议党员" in page.text
    assert list(RoundLog.objects.values_list("to_stage", flat=True)) == [
        "application",
        "deliberation",
        "confirmation",
        "evaluation",
        "closed",
    ]
    # The year's post ends with the round; the member is free to be put forward again next year.
    assert list(AssignmentLog.objects.filter(assignment=a_li).values_list("to_status", flat=True)) == [
        "applied",
        "proposed",
        "noticed",
        "on_post",
        "completed",
    ]
