"""Requests past the town's days: the rules, where they show (the grid secretary's to-do, the town's warnings),
the reminders sent once, the requests that close themselves unrated, and the town setting its days."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grids.models import Message
from posts.models import DutyTerms, RequestState, ResidentRequest
from posts.services import requests_overdue, send_reminders
from posts.tests.test_requests_pages import submit
from posts.tests.test_requests_public import finish

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def aged(req, **days):
    """Move a request's times back by the given days (created_at=3 …), as if it had waited so long."""
    now = timezone.now()
    ResidentRequest.objects.filter(pk=req.pk).update(**{field: now - n * DAY for field, n in days.items()})
    req.refresh_from_db()
    return req


def test_not_taken_in_take_days_or_not_done_in_done_days_is_overdue(on_post, grid_a1, grid_user, town):
    terms = DutyTerms.for_town(town.pk)  # the defaults: taken within 2 days, done within 7
    waiting = aged(submit(grid_a1), created_at=1)
    late = aged(submit(grid_a1), created_at=3)
    taken = submit(grid_a1)
    taken.take(on_post[1], by=grid_user)
    slow = aged(taken, created_at=10, with_member_at=8)
    done = submit(grid_a1)
    finish(done, on_post[1], grid_user)
    aged(done, created_at=30, with_member_at=30)
    assert [r.is_overdue(terms) for r in (waiting, late, slow, done)] == [False, True, True, False]
    # A town allowing more days: nothing is late.
    DutyTerms.objects.create(town=town, take_days=5, done_days=10)
    terms = DutyTerms.for_town(town.pk)
    assert [r.is_overdue(terms) for r in (late, slow)] == [False, False]


def test_overdue_requests_show_in_the_grid_to_do_and_the_town_warnings(
    client, on_post, grid_a1, grid_user, town, town_user, village_a
):
    late = aged(submit(grid_a1, content="门口的垃圾好几天没人管"), created_at=3)
    submit(grid_a1, content="刚提交的诉求不算超期")
    client.force_login(grid_user)
    page = client.get(reverse("posts:grid", args=[grid_a1.pk])).text
    todo = page[page.index('id="grid-overdue-requests"') :]
    assert "超期的群众点单（1件）" in todo and "没有党员接单" in todo and "门口的垃圾" in todo
    assert reverse("posts:request", args=[late.pk]) in todo and "派单" in todo
    assert "刚提交的诉求" not in todo
    client.force_login(town_user)
    page = client.get(reverse("posts:town", args=[town.pk])).text
    warning = page[page.index('id="town-overdue-requests"') :]
    assert f"{village_a.name}1件" in warning
    assert f"{reverse('posts:requests')}?village={village_a.pk}&amp;state=all&amp;overdue=1" in warning
    listed = client.get(f"{reverse('posts:requests')}?village={village_a.pk}&state=all&overdue=1").text
    assert f'id="request-{late.pk}"' in listed and "刚提交的诉求" not in listed


def test_nothing_overdue_nothing_warned(client, on_post, grid_a1, grid_user, town, town_user):
    submit(grid_a1)
    client.force_login(grid_user)
    assert 'id="grid-overdue-requests"' not in client.get(reverse("posts:grid", args=[grid_a1.pk])).text
    client.force_login(town_user)
    assert 'id="town-overdue-requests"' not in client.get(reverse("posts:town", args=[town.pk])).text


def test_reminders_go_once_per_request_and_kind(on_post, grid_a1, grid_user, sec_a):
    today = timezone.localdate()
    late = aged(submit(grid_a1), created_at=3)
    assert requests_overdue(today) == 2  # the grid's secretary and the village's
    assert requests_overdue(today) == 0
    texts = Message.objects.filter(key=f"request-overdue:{late.pk}:take").values_list("text", flat=True)
    assert len(texts) == 2 and "超过2天没有党员接单" in texts[0] and late.code in texts[0]
    # Taken, then not done in time: the other kind, once.
    late.take(on_post[1], by=grid_user)
    aged(late, with_member_at=8)
    assert requests_overdue(today) == 2 and requests_overdue(today) == 0
    assert Message.objects.filter(key=f"request-overdue:{late.pk}:done", recipient=grid_user).exists()


def test_send_reminders_closes_requests_nobody_rated(on_post, grid_a1, grid_user):
    old, recent = submit(grid_a1), submit(grid_a1)
    for req in (old, recent):
        finish(req, on_post[1], grid_user)
    aged(old, done_at=8)
    send_reminders()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.state, recent.state) == (RequestState.CLOSED, RequestState.DONE)
    assert old.steps.get(action="close").note == "7天内未评价"
    assert old.history.latest("history_id").state == "closed"


def test_the_town_committee_sets_its_days(client, on_post, town, town_user, sec_a, grid_a1, grid_user):
    late = aged(submit(grid_a1), created_at=3)
    client.force_login(sec_a)
    assert client.get(reverse("posts:duty-terms", args=[town.pk])).status_code == 404
    client.force_login(town_user)
    assert "设置履职与点单时限" in client.get(reverse("posts:town", args=[town.pk])).text
    url = reverse("posts:duty-terms", args=[town.pk])
    page = client.get(url).text
    assert "接单时限（天）" in page and 'value="2"' in page
    form = {"take_days": 0, "done_days": 7, "confirm_days": 7, "idle_days": 30, "report_period": "quarter"}
    assert client.post(url, form).status_code == 200
    assert not DutyTerms.objects.filter(town=town).exists()
    response = client.post(url, {**form, "take_days": 5, "report_period": "month"})
    assert response.status_code == 302
    terms = DutyTerms.objects.get(town=town)
    assert (terms.take_days, terms.report_period) == (5, "month")
    assert not late.is_overdue(terms)
    client.force_login(grid_user)
    assert "超期（0）" in client.get(reverse("posts:grid-requests", args=[grid_a1.pk])).text


def test_the_town_adds_its_own_kinds_of_duty_work(client, on_post, town, town_user, member_signed_in):
    from posts.models import DutyKind
    from posts.models.duty import create_record

    url = reverse("posts:duty-terms", args=[town.pk])
    form = {"take_days": 2, "done_days": 7, "confirm_days": 7, "idle_days": 30, "report_period": "quarter"}
    client.force_login(town_user)
    refused = client.post(url, {**form, "kinds": "防汛\n巡逻"})
    assert "“巡逻”是各镇都有的类别" in refused.text and not DutyKind.objects.filter(town=town).exists()
    assert client.post(url, {**form, "kinds": " 防汛 \n秸秆禁烧\n防汛\n"}).status_code == 302
    assert list(DutyKind.objects.filter(town=town).values_list("name", flat=True)) == ["防汛", "秸秆禁烧"]
    a = on_post[1]
    flood = DutyKind.objects.get(town=town, name="防汛")
    create_record(a, town_user, True, done_on=timezone.localdate(), kind=flood, content="巡查河堤")
    kept = client.post(url, {**form, "kinds": "秸秆禁烧"})
    assert "“防汛”已经有履职纪实用过，不能删去" in kept.text
    assert client.post(url, {**form, "kinds": "防汛"}).status_code == 302
    assert list(DutyKind.objects.filter(town=town).values_list("name", flat=True)) == ["防汛"]
    member_signed_in(a)
    assert "防汛" in client.get(reverse("posts:duty-add", args=[a.pk])).text
