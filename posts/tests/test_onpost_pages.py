"""Members on post get their own sign-in from the grid's secretary and their own phone page."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from commitments.tests.test_printing import qr_codes_on_page
from members.models import MemberAccount
from posts.models import Status

pytestmark = pytest.mark.django_db


def print_slips(client, grid, members, tmp_path=None):
    response = client.post(reverse("commitments:member-access", args=[grid.pk]), {"member": [m.pk for m in members]})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf", response.content[:300]
    assert response["Cache-Control"] == "no-store"
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)
    if tmp_path is not None:
        return text, qr_codes_on_page(response.content, tmp_path)
    return text


def slip_logins(text):
    """(code, PIN) pairs as printed on the slips."""
    codes = re.findall(r"登录编码：\s*(DY[0-9A-Z]{6})", text)
    pins = re.findall(r"初始密码：\s*(\d{6})", text)
    return list(zip(codes, pins, strict=True))


def test_the_grid_secretary_prints_slips_that_let_each_member_in_once_changed(
    client, on_post, grid_user, grid_a1, tmp_path
):
    a = on_post[1]
    client.force_login(grid_user)
    page = client.get(reverse("commitments:member-access", args=[grid_a1.pk]))
    assert a.member.name in page.content.decode() and "未发放" in page.content.decode()
    text, [scanned] = print_slips(client, grid_a1, [a.member], tmp_path)
    [(code, pin)] = slip_logins(text)
    assert a.member.name in text and "第一次登录要改成自己的密码" in text
    assert scanned == f"http://testserver/m/{code}/"

    client.logout()
    # the QR code opens the sign-in page with the code filled in
    signin = client.get(scanned.removeprefix("http://testserver"), follow=True)
    assert f'value="{code}"' in signin.content.decode()
    response = client.post(reverse("login"), {"username": code, "password": pin, "next": reverse("posts:onpost-home")})
    assert response.status_code == 302
    # the first page is the PIN change, whatever is asked for
    assert client.get(reverse("posts:onpost-home")).url == reverse("posts:onpost-pin")
    assert client.get(reverse("posts:home"), follow=True).redirect_chain[-1][0] == reverse("posts:onpost-pin")
    refused = client.post(reverse("posts:onpost-pin"), {"pin": "123456", "again": "123456"})
    assert "太简单" in refused.content.decode()
    mismatch = client.post(reverse("posts:onpost-pin"), {"pin": "470129", "again": "470128"})
    assert "两次输入的密码不一样" in mismatch.content.decode()
    done = client.post(reverse("posts:onpost-pin"), {"pin": "470129", "again": "470129"})
    assert done.url == reverse("posts:onpost-home")
    home = client.get(reverse("posts:onpost-home")).content.decode()
    assert a.post.name in home and "岗位职责" in home and "我的承诺" in home
    assert a.contact.name in home
    assert reverse("posts:duty-add", args=[a.pk]) in home and reverse("posts:report-add", args=[a.pk]) in home
    account = MemberAccount.objects.get(member=a.member)
    assert not account.must_change and account.history.count() >= 2


def test_reprinting_a_slip_voids_the_old_pin(client, on_post, grid_user, grid_a1):
    a = on_post[1]
    client.force_login(grid_user)
    [(code, old_pin)] = slip_logins(print_slips(client, grid_a1, [a.member]))
    [(same_code, new_pin)] = slip_logins(print_slips(client, grid_a1, [a.member]))
    assert same_code == code
    client.logout()
    client.post(reverse("login"), {"username": code, "password": old_pin})
    assert "_auth_user_id" not in client.session
    client.post(reverse("login"), {"username": code, "password": new_pin})
    assert "_auth_user_id" in client.session


def test_eight_slips_fit_on_a_sheet(client, on_post, flow, grid_user, grid_a1, round_a, post_a1):
    from posts.models import Assignment

    client.force_login(grid_user)
    for _ in range(8):  # contacts may sign in too: nine people in all
        Assignment.objects.filter(pk=on_post[1].pk).update(contact=flow.member(grid_a1))
    contacts = [flow.set_contact(on_post[1]) for _ in range(1)]
    members = [on_post[1].member, *contacts]
    response = client.post(reverse("commitments:member-access", args=[grid_a1.pk]), {"member": [m.pk for m in members]})
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1


def test_only_the_grids_secretaries_give_access(client, on_post, grid_a1, sec_b, town_user):
    for user in (sec_b, town_user):
        client.force_login(user)
        assert client.get(reverse("commitments:member-access", args=[grid_a1.pk])).status_code == 404


def test_nothing_chosen_prints_nothing(client, on_post, grid_user, grid_a1):
    client.force_login(grid_user)
    response = client.post(reverse("commitments:member-access", args=[grid_a1.pk]), {"member": ["x"]}, follow=True)
    assert "请先勾选" in response.content.decode()
    assert not MemberAccount.objects.exists()


def test_a_member_sees_only_their_own_page(client, on_post, member_signed_in, grid_a1, grid_a2):
    member_user = member_signed_in(on_post[1])
    assert client.get(reverse("posts:home")).url == reverse("posts:onpost-home")
    for url in (
        reverse("posts:grid", args=[grid_a1.pk]),
        reverse("posts:village", args=[grid_a1.village_id]),
        reverse("posts:assignment", args=[on_post[2].pk]),
        reverse("members:member", args=[on_post[2].member_id]),
        reverse("commitments:member-access", args=[grid_a1.pk]),
    ):
        assert client.get(url).status_code == 404, url
    home = client.get(reverse("posts:onpost-home")).content.decode()
    assert on_post[2].member.name not in home and "岗位类型" not in home
    assert member_user.member_account.member == on_post[1].member


def test_access_ends_when_the_member_leaves_the_post(client, on_post, member_signed_in, grid_user, grid_a1):
    a = on_post[1]
    member_signed_in(a)
    assert client.get(reverse("posts:onpost-home")).status_code == 200
    a.status = Status.LEFT
    a.save()
    assert client.get(reverse("posts:onpost-home")).status_code == 302  # to the sign-in page: the session ended
    client.force_login(grid_user)
    page = client.get(reverse("commitments:member-access", args=[grid_a1.pk])).content.decode()
    assert "已停用的登录" in page and a.member.name in page


def test_staff_pages_are_unchanged_for_staff(client, on_post, grid_user):
    client.force_login(grid_user)
    assert client.get(reverse("posts:home")).url == reverse("posts:grid", args=[on_post[1].post.grid_id])


def grow_year(a, contact_of, n):
    """`n` ledger entries and requests with the member, and `n` entries of a member they are contact of."""
    from django.utils import timezone

    from members.models import NeedCategory
    from posts.models import DutyKind, DutyRecord, ResidentRequest
    from posts.models.duty import new_code

    kind = DutyKind.objects.first()
    today = timezone.localdate()
    rows = [a, contact_of] * n
    DutyRecord.objects.bulk_create(
        DutyRecord(assignment=x, done_on=today, kind=kind, content="巡查", recorded_by_id=a.created_by_id) for x in rows
    )
    ResidentRequest.objects.bulk_create(
        ResidentRequest(
            grid_id=a.post.grid_id, code=new_code(), kind="help", category=NeedCategory.OTHER, content="帮忙",
            state=state, assignment=a if state != "new" else None, with_member_at=timezone.now(),
        )
        for _ in range(n)
        for state in ("new", "dispatched", "taken")
    )  # fmt: skip


def test_the_members_page_costs_the_same_queries_with_ten_times_the_year(client, on_post, member_signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, other = on_post[1], on_post[2]
    other.contact = a.member
    other.save()
    member_signed_in(a)
    counts = []
    for n in (2, 20):
        grow_year(a, other, n)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("posts:onpost-home"))
        assert page.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    body = page.content.decode()
    assert "等我核实的纪实" in body and other.member.name in body
