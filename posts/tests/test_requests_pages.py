"""支部派单 → 党员接单 through the pages: the grid secretary's list and request page, the member's own list, every
move with its log row and version, the race a double click makes, and who may see what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grids.models import Message
from members.models import NeedCategory
from posts import services
from posts.models import RequestKind, RequestState, Status
from posts.onpost import issue_access
from posts.tests.test_requests_public import finish

pytestmark = pytest.mark.django_db


def submit(grid, category=NeedCategory.APPEARANCE, content="门口垃圾堆放多日，请帮忙清理", kind=RequestKind.HELP):
    return services.submit_request(grid, kind, category, content, name="李大妈", phone="13912345678")


def url(name, *args):
    return reverse(f"posts:{name}", args=args)


def shown(response):
    """The messages (django.contrib.messages) the next page shows."""
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def second(on_post, flow, round_a, grid_a1):
    """A second member on post in 第一网格, on a 社会治安巡逻岗 (which does not fit 村容村貌 requests)."""
    post = flow.post(grid_a1, "社会治安巡逻岗")
    return flow.apply(round_a, post, status=Status.ON_POST)


def test_the_secretary_dispatches_to_a_fitting_member_and_a_second_click_doubles_nothing(
    client, on_post, second, grid_user, sec_a
):
    req = submit(on_post[1].post.grid)
    account, _ = issue_access(on_post[1].member, by=sec_a)
    client.force_login(grid_user)
    page = client.get(url("request", req.pk)).text
    assert "派单给在岗党员" in page and "13912345678" in page
    fitting, other = on_post[1].member.name, second.member.name
    assert page.index(fitting) < page.index(other) and "对口" in page and "手上0件" in page
    response = client.post(url("request-dispatch", req.pk), {"assignment": on_post[1].pk}, follow=True)
    assert f"已派单给{fitting}" in shown(response)[0]
    req.refresh_from_db()
    assert (req.state, req.assignment, req.with_member_at is not None) == ("dispatched", on_post[1], True)
    step = req.steps.get(action="dispatch")
    assert (step.by, step.note) == (grid_user, fitting)
    told = Message.objects.get(recipient=account.user)
    assert told.key == f"request-dispatch:{step.pk}" and told.url == url("request", req.pk)
    # The same page left open, clicked again (or for someone else): the race is told, nothing doubles.
    response = client.post(url("request-dispatch", req.pk), {"assignment": second.pk}, follow=True)
    assert "没有重复办理" in shown(response)[0] and f"“已派单”（{fitting}）" in shown(response)[0]
    req.refresh_from_db()
    assert req.assignment == on_post[1] and req.steps.filter(action="dispatch").count() == 1
    assert Message.objects.filter(recipient=account.user).count() == 1
    assert [h.state for h in req.history.order_by("history_id")] == ["new", "dispatched"]
    assert req.history.latest("history_id").history_user == grid_user
    # The member's load counts on the next request's page.
    assert "手上1件" in client.get(url("request", submit(on_post[1].post.grid).pk)).text


def test_a_member_without_their_own_sign_in_is_dispatched_to_without_a_message(client, on_post, grid_user):
    req = submit(on_post[1].post.grid)
    client.force_login(grid_user)
    client.post(url("request-dispatch", req.pk), {"assignment": on_post[1].pk})
    assert req.steps.filter(action="dispatch").exists()
    assert not Message.objects.filter(key__startswith="request-dispatch").exists()


def test_the_secretary_hands_back_only_with_a_reason(client, on_post, grid_user, sec_a):
    req = submit(on_post[1].post.grid)
    req.dispatch_to(on_post[1], by=grid_user)
    client.force_login(grid_user)
    assert "退单" in client.get(url("request", req.pk)).text
    response = client.post(url("request-hand-back", req.pk), {"reason": "  "}, follow=True)
    assert "退单时请写明原因" in shown(response)[0]
    req.refresh_from_db()
    assert req.state == RequestState.DISPATCHED
    client.post(url("request-hand-back", req.pk), {"reason": "本人外出一周"})
    req.refresh_from_db()
    assert (req.state, req.assignment, req.with_member_at) == ("new", None, None)
    assert req.steps.get(action="hand_back").note == "本人外出一周"
    told = Message.objects.filter(key__startswith="request-hand-back")
    assert [m.recipient for m in told] == [sec_a]  # the other secretary; not the one who did it


def test_a_member_sees_new_requests_of_their_grid_fitting_their_post_and_takes_one(
    client, on_post, member_signed_in, grid_a1, grid_a2
):
    fits = submit(grid_a1, content="村口垃圾没人清理")
    other_kind = submit(grid_a1, NeedCategory.SECURITY, content="夜里有陌生人转悠")
    other_grid = submit(grid_a2, content="第二网格的垃圾问题")
    anything = submit(grid_a1, NeedCategory.OTHER, content="想请党员帮忙代缴电费")
    user = member_signed_in(on_post[1])
    page = client.get(url("my-requests")).text
    assert fits.content in page and anything.content in page
    assert other_kind.content not in page and other_grid.content not in page
    assert client.get(url("request", other_kind.pk)).status_code == 404
    assert client.get(url("request", other_grid.pk)).status_code == 404
    assert client.post(url("request-take", other_kind.pk)).status_code == 404
    page = client.get(url("request", fits.pk)).text
    assert "接单" in page and "13912345678" not in page and "派单给在岗党员" not in page
    response = client.post(url("request-take", fits.pk), follow=True)
    assert "已接单" in shown(response)[0]
    fits.refresh_from_db()
    assert (fits.state, fits.assignment) == ("taken", on_post[1])
    assert fits.steps.get(action="take").by == user
    page = response.text
    assert "13912345678" in page and "退单" in page  # now theirs: the resident's phone, and the way back
    # A second click: told, nothing doubled.
    response = client.post(url("request-take", fits.pk), follow=True)
    assert "没有重复办理" in shown(response)[0]
    assert fits.steps.filter(action="take").count() == 1
    assert fits.content in client.get(url("my-requests")).text


def test_a_member_takes_what_was_dispatched_to_them_and_may_hand_it_back(
    client, on_post, member_signed_in, grid_a1, grid_user, sec_a
):
    req = submit(grid_a1, NeedCategory.SECURITY)  # not their post's direction: the secretary chose them anyway
    req.dispatch_to(on_post[1], by=grid_user)
    dispatched_at = req.with_member_at
    member_signed_in(on_post[1])
    assert req.content in client.get(url("my-requests")).text
    client.post(url("request-take", req.pk))
    req.refresh_from_db()
    assert req.state == RequestState.TAKEN and req.with_member_at == dispatched_at
    response = client.post(url("request-hand-back", req.pk), {"reason": "不熟悉治安工作"})
    assert response.url == url("my-requests")
    req.refresh_from_db()
    assert req.state == RequestState.NEW and req.assignment is None
    told = Message.objects.filter(key__startswith="request-hand-back")
    assert {m.recipient for m in told} == {grid_user, sec_a}
    assert on_post[1].member.name in told.first().text
    assert client.get(url("request", req.pk)).status_code == 404  # new again, and not for their post


def test_another_member_cannot_open_or_move_what_is_with_someone_else(
    client, on_post, second, member_signed_in, grid_a1, grid_user
):
    req = submit(grid_a1, NeedCategory.OTHER)
    req.dispatch_to(on_post[1], by=grid_user)
    member_signed_in(second)
    assert client.get(url("request", req.pk)).status_code == 404
    assert req.content not in client.get(url("my-requests")).text
    assert client.post(url("request-hand-back", req.pk), {"reason": "不想办"}).status_code == 404
    response = client.post(url("request-take", req.pk), follow=True)
    assert "没有重复办理" in shown(response)[0] and on_post[1].member.name in shown(response)[0]
    req.refresh_from_db()
    assert (req.state, req.assignment) == ("dispatched", on_post[1])


def test_two_members_taking_the_same_request_take_it_once(client, on_post, second, member_signed_in, grid_a1):
    req = submit(grid_a1, NeedCategory.OTHER)  # fits everyone
    member_signed_in(on_post[1])
    client.post(url("request-take", req.pk), follow=True)
    member_signed_in(second)
    response = client.post(url("request-take", req.pk), follow=True)
    assert "没有重复办理" in shown(response)[0]
    req.refresh_from_db()
    assert req.assignment == on_post[1] and req.steps.filter(action="take").count() == 1


def test_who_sees_which_requests(client, on_post, grid_a1, grid_a2, grid_user, sec_a, sec_b, town_user):
    r1, r2 = submit(grid_a1), submit(grid_a2)
    cases = [
        (grid_user, {r1: 200, r2: 404}, {grid_a1: 200, grid_a2: 404}),
        (sec_a, {r1: 200, r2: 200}, {grid_a1: 200, grid_a2: 200}),
        (sec_b, {r1: 404, r2: 404}, {grid_a1: 404, grid_a2: 404}),
        (town_user, {r1: 200, r2: 200}, {grid_a1: 200, grid_a2: 200}),
    ]
    for user, requests, grids in cases:
        client.force_login(user)
        assert {r: client.get(url("request", r.pk)).status_code for r in requests} == requests, user
        assert {g: client.get(url("grid-requests", g.pk)).status_code for g in grids} == grids, user
    # The town reads but does not dispatch.
    client.force_login(town_user)
    assert "派单给在岗党员" not in client.get(url("request", r1.pk)).text
    assert client.post(url("request-dispatch", r1.pk), {"assignment": on_post[1].pk}).status_code == 404
    assert client.post(url("request-hand-back", r1.pk), {"reason": "x"}).status_code == 404
    assert client.post(url("request-approve-comment", r1.pk)).status_code == 404
    assert client.get(url("my-requests")).status_code == 404  # not a member on post
    # A secretary may not dispatch to a member of another grid.
    client.force_login(sec_a)
    assert client.post(url("request-dispatch", r1.pk), {"assignment": on_post[2].pk}).status_code == 404
    r1.refresh_from_db()
    assert r1.state == RequestState.NEW
    client.logout()
    assert client.get(url("request", r1.pk)).status_code == 302  # to sign in


def test_a_member_reaches_no_staff_list(client, on_post, member_signed_in, grid_a1, village_a, town):
    member_signed_in(on_post[1])
    assert client.get(url("grid-requests", grid_a1.pk)).status_code == 404
    assert client.get(url("requests") + f"?village={village_a.pk}").status_code == 404
    assert client.get(url("requests") + f"?town={town.pk}").status_code == 404


def test_the_list_by_state_with_overdue_highlighted_and_filters(client, on_post, grid_a1, grid_user):
    new, late, wish = submit(grid_a1), submit(grid_a1), submit(grid_a1, kind=RequestKind.WISH, content="想要一个篮球架")
    taken = submit(grid_a1, content="帮忙修一下路灯")
    taken.take(on_post[1], by=grid_user)
    done = submit(grid_a1, content="清理水沟里的垃圾")
    finish(done, on_post[1], grid_user)
    type(late).objects.filter(pk=late.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    client.force_login(grid_user)
    page = client.get(url("grid-requests", grid_a1.pk)).text
    assert "未办结（4）" in page and "待派单（3）" in page and "办理中（1）" in page and "待评价（1）" in page
    assert "超期（1）" in page and f'<tr class="table-danger" id="request-{late.pk}">' in page
    assert f'<tr class="" id="request-{new.pk}">' in page and f'id="request-{done.pk}"' not in page
    page = client.get(url("grid-requests", grid_a1.pk) + "?state=finished").text
    assert f'id="request-{done.pk}"' in page and f'id="request-{new.pk}"' not in page
    page = client.get(url("grid-requests", grid_a1.pk) + "?state=all&overdue=1").text
    assert f'id="request-{late.pk}"' in page and f'id="request-{new.pk}"' not in page
    page = client.get(url("grid-requests", grid_a1.pk) + "?state=all&kind=wish").text
    assert f'id="request-{wish.pk}"' in page and f'id="request-{new.pk}"' not in page
    page = client.get(url("grid-requests", grid_a1.pk) + "?state=all&category=security").text
    assert "没有这类群众点单" in page


def test_the_secretary_approves_a_comment_for_the_public_page(client, on_post, grid_a1, grid_user):
    req = submit(grid_a1)
    finish(req, on_post[1], grid_user)
    req.rate("satisfied", "党员很热心")
    client.force_login(grid_user)
    assert "同意公开评价意见" in client.get(url("request", req.pk)).text
    client.post(url("request-approve-comment", req.pk))
    client.post(url("request-approve-comment", req.pk))  # a second click changes nothing
    req.refresh_from_db()
    assert req.comment_public
    latest = req.history.latest("history_id")
    assert latest.comment_public and latest.history_user == grid_user
    assert req.history.filter(comment_public=True).count() == 1
    assert "党员很热心" in client.get(reverse("posts:public-grid", args=[grid_a1.public_token])).text
