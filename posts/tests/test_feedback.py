"""Residents' side: the grid's public page by token, feedback into the secretary's queue, objections that
hold up the notice, and the page's defences (rate limits, honeypot, escaping, lengths)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import on_day
from posts import dashboard
from posts.models import Feedback, FeedbackState, Notice, Objection, Stage, Status, TransitionError
from posts.tests.test_dashboard import with_status
from posts.tests.test_pages import apply, make_post, make_round

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 11, 20))]
# Read when used, not at import: the fixtures here serve other modules too, on whatever day they run.
TODAY = timezone.localdate


@pytest.fixture
def grid_world(grid_a1, sec_a, make_member):
    round = make_round(grid_a1.village, Stage.EVALUATION)
    post = make_post(grid_a1)
    on_post = with_status(
        apply(round, make_member(grid_a1, name="王秀英", phone="13912345678"), post, sec_a), Status.ON_POST
    )
    make_member(grid_a1, name="不在岗的党员")
    return {"round": round, "post": post, "on_post": on_post}


def page_url(grid):
    return reverse("posts:public-grid", args=[grid.public_token])


def send(client, grid, **data):
    return client.post(page_url(grid), {"kind": "suggestion", "content": "路灯坏了好几天，请帮忙修一下。", **data})


def test_page_shows_names_and_posts_only(client, grid_world, grid_a1, grid_a2):
    text = client.get(page_url(grid_a1)).text
    member = grid_world["on_post"].member
    assert "王秀英" in text and "社会治安巡逻岗" in text
    assert member.id_number not in text and "13912345678" not in text and "不在岗的党员" not in text
    assert "王秀英" not in client.get(page_url(grid_a2)).text  # one grid's token gives nothing of another
    assert client.get(reverse("posts:public-grid", args=["not-a-token"])).status_code == 404
    assert client.get(f"/public/grids/{grid_a1.pk}/").status_code == 404  # no sequential addresses


def test_feedback_is_queued_handled_and_answered(client, grid_world, grid_a1, grid_user):
    about = grid_world["on_post"]
    response = send(
        client, grid_a1, kind="praise", about=about.pk, content="王秀英每天晚上巡逻，很负责。", name="李大爷"
    )
    assert response.status_code == 302 and response.url.endswith("?sent=1#feedback")
    assert "已收到您的留言" in client.get(response.url).text
    item = Feedback.objects.get()
    assert (item.kind, item.about, item.name, item.state) == ("praise", about, "李大爷", FeedbackState.NEW)
    client.force_login(grid_user)
    queue = client.get(reverse("posts:feedback", args=[grid_a1.pk])).text
    assert "王秀英每天晚上巡逻" in queue and "未答复（1）" in queue
    client.post(reverse("posts:feedback-answer", args=[item.pk]), {"take_up": "1"})
    item.refresh_from_db()
    assert item.state == FeedbackState.HANDLING
    client.post(reverse("posts:feedback-answer", args=[item.pk]), {"answer": "谢谢您的肯定。", "answered_on": TODAY()})
    item.refresh_from_db()
    assert item.state == FeedbackState.ANSWERED and item.answered_by == grid_user
    # The member's evaluation page and the dashboard count it.
    detail = client.get(reverse("posts:assignment", args=[about.pk])).text
    assert "表扬 <strong>1</strong>" in detail and "王秀英每天晚上巡逻" in detail
    board = dashboard.build(dashboard.villages_of(grid_a1.village.town.villages.all()))
    [g1] = [g for g in board.grids if g.grid == grid_a1]
    assert (g1.figures.feedback, g1.figures.feedback_open) == (1, 0)


def test_an_objection_holds_up_the_notice_until_answered(client, grid_a1, sec_a, make_member):
    round = make_round(grid_a1.village, Stage.DELIBERATION)
    a = with_status(apply(round, make_member(grid_a1, name="赵国庆"), make_post(grid_a1), sec_a), Status.NOTICED)
    notice = Notice.objects.create(
        round=round, grid=grid_a1, starts_on=TODAY(), ends_on=TODAY(), phone="0515-1234567", published_by=sec_a
    )
    page = client.get(page_url(grid_a1)).text
    assert "正在公示" in page and "对公示人选有异议" in page and "赵国庆" in page
    send(client, grid_a1, kind="objection", about=a.pk, content="赵国庆常年在外打工，没法履职。")
    objection = Objection.objects.get()
    assert objection.notice == notice and objection.assignment == a and objection.recorded_by is None
    assert any("异议还没有答复" in m for m in round.missing_to_leave())
    item = Feedback.objects.get()
    item.answer_with("经核实，本人已回村居住。", by=sec_a)
    objection.refresh_from_db()
    assert objection.is_answered and not any("异议" in m for m in round.missing_to_leave())


def test_no_objection_without_a_running_notice(client, grid_world, grid_a1):
    assert "对公示人选有异议" not in client.get(page_url(grid_a1)).text  # not offered without a notice
    response = send(client, grid_a1, kind="objection", content="我有异议，请重新讨论。")
    assert response.status_code == 200 and not Feedback.objects.exists() and not Objection.objects.exists()
    assert "选择一个有效的选项" in " ".join(response.context["form"].errors["kind"])
    assert "选择一个有效的选项" in response.text
    with pytest.raises(TransitionError, match="不能提出异议"):  # nor past the form, by the model's own door
        Feedback.submit(grid_a1, "objection", "我有异议，请重新讨论。")
    assert not Feedback.objects.exists()


def test_defences(client, grid_world, grid_a1, grid_user, settings):
    robot = send(client, grid_a1, website="http://spam.example")  # the honeypot
    assert robot.status_code == 302 and not Feedback.objects.exists()
    # The page always says 最多500字 and maxlength="500": look for the refusal itself, at the field.
    assert "目前字符数" not in client.get(page_url(grid_a1)).text
    too_long = send(client, grid_a1, content="长" * 501)
    assert too_long.status_code == 200 and not Feedback.objects.exists()
    assert "不超过 500 字符 (目前字符数 501)" in " ".join(too_long.context["form"].errors["content"])
    assert "目前字符数 501" in too_long.text
    assert send(client, grid_a1, content="长" * 500).status_code == 302  # 500 itself is allowed
    Feedback.objects.all().delete()
    bad_phone = send(client, grid_a1, phone="12345")
    assert "11位手机号码" in " ".join(bad_phone.context["form"].errors["phone"]) and "11位手机号码" in bad_phone.text
    assert not Feedback.objects.exists()
    send(client, grid_a1, content="<script>alert('x')</script>路灯坏了")
    client.force_login(grid_user)
    queue = client.get(reverse("posts:feedback", args=[grid_a1.pk])).text
    assert "<script>alert" not in queue and "&lt;script&gt;" in queue
    client.logout()
    settings.FEEDBACK_PER_ADDRESS = 3  # two are sent already (500 characters, then the script)
    assert send(client, grid_a1).status_code == 302
    limited = send(client, grid_a1)
    assert limited.status_code == 200 and "留言太频繁" in limited.text and Feedback.objects.count() == 2
    settings.PUBLIC_VIEWS_PER_MINUTE = 3
    codes = [client.get(page_url(grid_a1)).status_code for _ in range(5)]
    assert codes[-1] == 429 and "访问过于频繁" in client.get(page_url(grid_a1)).text
    assert client.get(reverse("posts:home")).status_code == 302  # the rest of the site is not held up
