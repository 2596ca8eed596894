"""Messages (消息): raised once, to the people whose scope they concern, never twice (issue 19, "Warnings").

Village A (grids 第一网格 with secretary wg_a1, 第二网格 without one) runs the 2026 round; village B's secretary
and the town committee are the people who must not hear about village A's grids.
"""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conftest import backdate, on_day
from grids.models import Message
from posts import services
from posts.models import Round, RoundLog, Stage, StageTarget
from posts.tests.conftest import on

pytestmark = pytest.mark.django_db


def inbox(*users):
    """{username: [message texts]} of these people, oldest first."""
    return {
        u.username: list(Message.objects.filter(recipient=u).order_by("pk").values_list("text", flat=True))
        for u in users
    }


def run(day):
    """manage.py send_reminders for `day`; returns how many it sent, read off its output."""
    from io import StringIO

    out = StringIO()
    call_command("send_reminders", date=day.isoformat(), stdout=out)
    return int(out.getvalue().removeprefix("已发送").split("条")[0])


# --- events --------------------------------------------------------------------------------------------------


@on_day(datetime.date(2026, 10, 20))
def test_feedback_from_the_public_page_tells_the_grid_and_village_secretaries_once(
    client, grid_a1, grid_user, sec_a, sec_b, town_user, village_b
):
    url = reverse("posts:public-grid", args=[grid_a1.public_token])
    assert client.post(url, {"kind": "suggestion", "content": "路灯坏了好几天。"}).status_code == 302
    expected = ["金城村第一网格收到群众意见建议：路灯坏了好几天。"]
    assert inbox(grid_user, sec_a, sec_b, town_user) == {"wg_a1": expected, "cun_a": expected, "cun_b": [], "zhen": []}
    # The navigation bar counts it; opening it marks it read and goes to the feedback queue.
    client.force_login(grid_user)
    home = client.get(reverse("posts:grid", args=[grid_a1.pk])).content.decode()
    assert 'aria-label="消息（1条未读）">消息 <span class="badge text-bg-warning" id="unread-count">1</span>' in home
    message = Message.objects.get(recipient=grid_user)
    response = client.post(reverse("grids:message-open", args=[message.pk]))
    assert response.url == reverse("posts:feedback", args=[grid_a1.pk])
    message.refresh_from_db()
    assert message.read_at is not None
    assert 'id="unread-count"' not in client.get(reverse("grids:messages")).content.decode()
    # Someone else's message is nobody else's to open.
    other = Message.objects.get(recipient=sec_a)
    assert client.post(reverse("grids:message-open", args=[other.pk])).status_code == 404
    assert client.get(reverse("grids:message-open", args=[other.pk])).status_code == 405


@on_day(datetime.date(2026, 11, 10))
def test_an_objection_recorded_by_the_grid_secretary_tells_the_village_secretary(
    client, round_a, flow, grid_a1, grid_user, sec_a, town_user
):
    flow.push(round_a, Stage.DELIBERATION)
    for a in round_a.assignments.filter(post__grid=grid_a1):
        flow.propose(a)
    notice = flow.publish(round_a, grid_a1)
    a = round_a.assignments.filter(post__grid=grid_a1).first()
    client.force_login(grid_user)
    data = {"assignment": a.pk, "raised_by": "村民李大爷", "raised_on": "2026-11-10", "content": "此人常年在外。"}
    assert client.post(reverse("posts:objection-create", args=[notice.pk]), data).status_code == 302
    assert inbox(grid_user, sec_a, town_user) == {
        "wg_a1": [],  # who wrote it down knows
        "cun_a": ["金城村第一网格登记了村民李大爷对公示人选的异议，请调查核实并答复。"],
        "zhen": [],
    }


# --- dates ---------------------------------------------------------------------------------------------------


def test_a_notice_ending_tomorrow_is_reminded_once(round_a, flow, grid_a1, grid_a2, grid_user, sec_a, sec_b):
    flow.push(round_a, Stage.DELIBERATION)
    for a in round_a.assignments.filter(post__grid=grid_a1):
        flow.propose(a)
    flow.publish(round_a, grid_a1)  # 11-09 … 11-13
    assert run(on(2026, (11, 11))) == 0  # two days before: nothing yet
    assert run(on(2026, (11, 12))) == 2
    assert run(on(2026, (11, 12))) == 0  # the timer ran twice
    assert run(on(2026, (11, 13))) == 0  # the last day: already told
    text = (
        "金城村第一网格的拟上岗人选公示明天（2026年11月13日）期满；"
        "期满后请答复全部异议，召开支部党员大会和群众代表会议。"
    )
    assert inbox(grid_user, sec_a, sec_b) == {"wg_a1": [text], "cun_a": [text], "cun_b": []}


def test_the_application_window_closing_in_three_days_is_reminded_to_the_village(
    round_a, flow, grid_a1, grid_a2, grid_user, sec_a, sec_b, town_user
):
    flow.advance(round_a)  # 申报选岗, window 11-01 … 11-07
    assert run(on(2026, (11, 3))) == 0
    assert run(on(2026, (11, 4))) == 2  # the village's secretary and 第一网格's (第二网格 has none)
    assert run(on(2026, (11, 5))) == 0
    text = "金城村2026年度申报时间2026年11月7日截止，还有3天；请提醒符合条件的党员及时申报。"
    assert inbox(grid_user, sec_a, sec_b, town_user) == {"wg_a1": [text], "cun_a": [text], "cun_b": [], "zhen": []}
    assert Message.objects.get(recipient=grid_user).url == reverse("posts:round-grid", args=[round_a.pk, grid_a1.pk])


def test_a_village_past_the_expected_days_is_reported_to_the_town_once_a_stage(
    round_a, town, town_user, sec_a, sec_b, grid_user, flow
):
    Round.objects.filter(pk=round_a.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    StageTarget.set_for(town, {Stage.SURVEY: 30})
    today = timezone.localdate()
    assert run(today) == 2
    assert run(today) == 0
    assert run(today + datetime.timedelta(days=5)) == 0  # still the same stage: told once
    text = "金城村在“制定方案”阶段已停留40天，超过镇里预期的30天。"
    assert inbox(town_user, sec_a, sec_b, grid_user) == {"zhen": [text], "cun_a": [text], "cun_b": [], "wg_a1": []}
    # The next stage, overdue in its turn, is a new message.
    flow.advance(round_a)
    backdate(RoundLog.objects.filter(round=round_a), at=timezone.now() - datetime.timedelta(days=20))
    assert run(today) == 2  # 申报选岗 expects 14 days


def test_members_without_contact_or_rating_are_reminded_when_the_evaluation_period_ends(
    round_a, flow, grid_a1, grid_a2, grid_user, sec_a, sec_b
):
    flow.push(round_a, Stage.EVALUATION)  # the plan ends 2026-12-31; nobody has a contact or a rating yet
    assert run(on(2026, (12, 23))) == 0  # more than 7 days before
    assert run(on(2026, (12, 24))) == 3  # 第一网格: its secretary and the village's; 第二网格: the village's
    assert run(on(2026, (12, 25))) == 0
    texts = inbox(grid_user, sec_a, sec_b)
    assert texts["wg_a1"] == ["金城村第一网格的评岗期2026年12月31日结束，在岗党员中还有1名没有联系人、1名没有评岗。"]
    assert len(texts["cun_a"]) == 2 and texts["cun_b"] == []


def test_a_poor_rating_waiting_for_adjustment_is_reminded_once(round_a, flow, grid_a1, grid_user, sec_a, sec_b):
    flow.push(round_a, Stage.EVALUATION)
    a = round_a.assignments.get(post__grid=grid_a1)
    flow.rate(a, 40, 50, 50)
    assert run(on(2026, (12, 20))) == 2
    assert run(on(2026, (12, 20))) == 0
    text = f"金城村第一网格：{a.member.name}评岗为不称职，等待作出调整决定（调整岗位或离岗）。"
    assert inbox(grid_user, sec_a, sec_b) == {"wg_a1": [text], "cun_a": [text], "cun_b": []}


def test_the_message_key_is_held_by_the_database(grid_user):
    from django.db import IntegrityError, transaction

    Message.objects.create(recipient=grid_user, key="k", text="一")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(recipient=grid_user, key="k", text="二")


def test_mark_all_read(client, grid_user):
    from grids import inbox as sending

    sending.send([grid_user, None], "a", "第一条")
    sending.send([grid_user], "b", "第二条")
    client.force_login(grid_user)
    assert client.post(reverse("grids:messages-read")).status_code == 302
    assert not Message.objects.filter(recipient=grid_user, read_at=None).exists()
    assert services  # the raising functions live in posts.services
