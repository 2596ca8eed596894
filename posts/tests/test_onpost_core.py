"""The year on post's core: members' own sign-in and the request loop's states, through the models' doors."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members.models import NeedCategory
from posts.models import (
    DutyKind,
    DutyState,
    DutyTerms,
    RequestKind,
    RequestState,
    ResidentRequest,
    Satisfaction,
    Status,
    TransitionError,
)
from posts.models.duty import create_record, overdue_condition
from posts.onpost import PinValidator, find_account_user, issue_access, member_of

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    client.post(reverse("login"), {"username": username, "password": password})
    return client.get(reverse("login")).wsgi_request.user.is_authenticated


def test_a_member_signs_in_by_code_or_phone_only_while_on_post(client, on_post, sec_a):
    a = on_post[1]
    a.member.phone = "13912345678"
    a.member.save()
    account, pin = issue_access(a.member, by=sec_a)
    assert account.user.username.startswith("DY") and len(pin) == 6 and account.must_change
    assert sign_in(client, account.user.username.lower(), pin)
    assert member_of(account.user) == a.member
    client.logout()
    assert sign_in(client, "139 1234 5678", pin)
    assert find_account_user("１３９１２３４５６７８") == account.user
    # the post ends: the session ends and the PIN no longer opens anything
    a.status = Status.LEFT
    a.save()
    assert not client.get(reverse("login")).wsgi_request.user.is_authenticated
    assert not sign_in(client, account.user.username, pin)


def test_a_staff_login_form_does_not_take_a_member_through_the_staff_backend(on_post, sec_a):
    from grids.access import RoleBackend

    account, pin = issue_access(on_post[1].member, by=sec_a)
    assert RoleBackend().authenticate(None, username=account.user.username, password=pin) is None


@pytest.mark.parametrize("pin", ["12345", "111111", "123456", "654321"])
def test_simple_pins_are_refused(pin):
    with pytest.raises(ValidationError):
        PinValidator().validate(pin)


def test_a_request_goes_round_the_loop(on_post, sec_a):
    a = on_post[1]
    request = ResidentRequest.submit(a.post.grid, RequestKind.HELP, NeedCategory.APPEARANCE, "门口垃圾堆放多日")
    assert request.state == RequestState.NEW and len(request.code) == 6
    request.dispatch_to(a, by=sec_a)
    request.hand_back(by=sec_a, reason="本人外出一周")
    assert request.state == RequestState.NEW and request.assignment is None
    request.take(a, by=sec_a)
    assert request.state == RequestState.TAKEN
    kind = DutyKind.objects.get(name="监督", town=None)
    record = create_record(a, sec_a, True, done_on=timezone.localdate(), kind=kind, content="清理垃圾")
    request.complete(record, by=sec_a)
    with pytest.raises(TransitionError):
        ResidentRequest.objects.get(pk=request.pk).rate("great")
    request.rate(Satisfaction.SATISFIED, "很及时")
    assert request.state == RequestState.CONFIRMED
    assert [s.action for s in request.steps.all()] == ["submit", "dispatch", "hand_back", "take", "complete", "rate"]
    record.verify(by=sec_a)
    assert record.state == DutyState.VERIFIED


def test_requests_overdue_and_closed_by_the_towns_days(on_post, sec_a, town):
    a = on_post[1]
    terms = DutyTerms.for_town(town.pk)
    old = ResidentRequest.submit(a.post.grid, RequestKind.WISH, NeedCategory.OTHER, "想要一副老花镜")
    ResidentRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    fresh = ResidentRequest.submit(a.post.grid, RequestKind.WISH, NeedCategory.OTHER, "想学用智能手机")
    overdue = set(ResidentRequest.objects.filter(overdue_condition(terms)).values_list("pk", flat=True))
    assert overdue == {old.pk}
    fresh.take(a, by=sec_a)
    record = create_record(a, sec_a, True, done_on=timezone.localdate(), kind=DutyKind.objects.first(), content="教")
    fresh.complete(record, by=sec_a)
    assert ResidentRequest.close_unconfirmed(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert ResidentRequest.close_unconfirmed(now=timezone.now() + datetime.timedelta(days=8)) == 1
    assert ResidentRequest.objects.get(pk=fresh.pk).state == RequestState.CLOSED


def test_five_wrong_pins_lock_the_member_whichever_way_they_sign_in(client, on_post, sec_a):
    a = on_post[1]
    a.member.phone = "13912345678"
    a.member.save()
    account, pin = issue_access(a.member, by=sec_a)
    wrong = "000001" if pin != "000001" else "000002"
    for login in ("13912345678", account.user.username, "139 1234 5678", account.user.username.lower()):
        assert client.post(reverse("login"), {"username": login, "password": wrong}).status_code == 200
    locked = client.post(reverse("login"), {"username": account.user.username, "password": wrong})
    assert locked.status_code == 429
    assert client.post(reverse("login"), {"username": "13912345678", "password": pin}).status_code == 429
    assert "_auth_user_id" not in client.session
