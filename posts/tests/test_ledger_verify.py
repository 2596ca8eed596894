"""An entry's page: its photos behind the scope check, 核实 and 退回 by the contact or the secretaries, and a
returned entry amended by the member and waiting for checking again."""

import datetime

import pytest
from django.core.files import File
from django.urls import reverse

from conftest import on_day
from posts.models import DutyKind, DutyPhoto, DutyRecord, DutyState
from posts.models.duty import create_record
from posts.onpost import issue_access
from posts.photos import prepare_all, save_photos
from posts.tests.conftest import sign_in_member
from posts.tests.test_ledger import entry, jpeg

pytestmark = [pytest.mark.django_db, on_day(datetime.date(2026, 12, 15))]


@pytest.fixture
def record(on_post):
    a = on_post[1]
    kind = DutyKind.objects.get(name="巡逻", town=None)
    member_user = issue_access(a.member, by=a.post.grid.village.secretary)[0].user
    r = create_record(a, member_user, False, done_on=datetime.date(2026, 12, 14), kind=kind, content="夜间巡逻")
    save_photos(r, prepare_all([File(jpeg(size=(50, 40)), name="现场.jpg")]))
    return r


def sign_in_contact(client, a, sec_a):
    return sign_in_member(client, a.contact, sec_a)


def detail(r):
    return reverse("posts:duty-record", args=[r.pk])


def verify_url(r, verdict="verify"):
    return reverse("posts:duty-verify", args=[r.pk, verdict])


def test_the_member_sees_the_entry_and_its_photo_but_may_not_verify_it(client, record, member_signed_in):
    member_signed_in(record.assignment)
    page = client.get(detail(record))
    photo = DutyPhoto.objects.get()
    assert page.status_code == 200 and not page.context["may_verify"]
    assert reverse("posts:duty-photo", args=[photo.pk]) in page.content.decode()
    image = client.get(reverse("posts:duty-photo", args=[photo.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content)[:2] == b"\xff\xd8"
    assert client.post(verify_url(record)).status_code == 404
    record.refresh_from_db()
    assert record.state == DutyState.RECORDED


def test_photos_and_entries_are_404_out_of_scope(client, record, on_post, member_signed_in, sec_b):
    photo = DutyPhoto.objects.get()
    member_signed_in(on_post[2])  # a member on post in the other grid
    assert client.get(detail(record)).status_code == 404
    assert client.get(reverse("posts:duty-photo", args=[photo.pk])).status_code == 404
    client.force_login(sec_b)
    assert client.get(reverse("posts:duty-photo", args=[photo.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("posts:duty-photo", args=[photo.pk])).status_code == 302  # to the sign-in
    assert "/media/" not in photo.image.url or client.get("/" + photo.image.url.lstrip("/")).status_code == 404


def test_the_contact_verifies_once_and_a_second_click_changes_nothing(client, record, sec_a):
    contact = sign_in_contact(client, record.assignment, sec_a)
    assert client.get(detail(record)).context["may_verify"]
    client.post(verify_url(record))
    record.refresh_from_db()
    assert (record.state, record.checked_by) == (DutyState.VERIFIED, contact)
    versions = record.history.count()
    page = client.post(verify_url(record), follow=True)
    assert "不用再处理" in page.content.decode()
    record.refresh_from_db()
    assert record.history.count() == versions and record.checked_by == contact
    assert record.history.first().history_user == contact


def test_returning_needs_a_reason(client, record, grid_user):
    client.force_login(grid_user)
    page = client.post(verify_url(record, "return"), {"reason": " "}, follow=True)
    assert "退回时请写明原因" in page.content.decode()
    record.refresh_from_db()
    assert record.state == DutyState.RECORDED
    client.post(verify_url(record, "return"), {"reason": "请补充服务对象"})
    record.refresh_from_db()
    assert (record.state, record.return_reason, record.checked_by) == (DutyState.RETURNED, "请补充服务对象", grid_user)


def test_the_member_amends_a_returned_entry_and_it_waits_again(client, record, grid_user, member_signed_in):
    client.force_login(grid_user)
    client.post(verify_url(record, "return"), {"reason": "请补充服务对象"})
    edit = reverse("posts:duty-edit", args=[record.pk])
    assert client.get(edit).status_code == 404  # the secretary did not write it
    member_signed_in(record.assignment)
    assert "请补充服务对象" in client.get(detail(record)).content.decode()
    old = DutyPhoto.objects.get()
    data = entry(served="王家 2 户", remove_photos=[old.pk], photos=[jpeg(size=(30, 30)), jpeg(size=(30, 30))])
    assert client.post(edit, data).status_code == 302
    record.refresh_from_db()
    assert (record.state, record.served) == (DutyState.RECORDED, "王家 2 户")
    assert list(record.photos.values_list("width", flat=True)) == [30, 30]
    assert not DutyPhoto.objects.filter(pk=old.pk).exists()
    assert [h.state for h in record.history.order_by("history_date", "history_id")][-2:] == ["returned", "recorded"]
    assert client.get(edit).status_code == 404  # waiting for checking: not editable again


def test_an_amendment_may_not_pass_the_photo_limit(client, record, grid_user, member_signed_in, settings):
    settings.DUTY_PHOTOS_PER_RECORD = 2
    client.force_login(grid_user)
    client.post(verify_url(record, "return"), {"reason": "照片不清楚"})
    member_signed_in(record.assignment)
    page = client.post(reverse("posts:duty-edit", args=[record.pk]), entry(photos=[jpeg((9, 9)), jpeg((9, 9))]))
    assert "每条纪实最多2张（已有1张）" in page.content.decode()
    record.refresh_from_db()
    assert record.state == DutyState.RETURNED and record.photos.count() == 1


def test_the_grid_secretary_and_village_secretary_may_verify(client, record, grid_user, sec_a):
    client.force_login(sec_a)
    assert client.get(detail(record)).context["may_verify"]
    client.force_login(grid_user)
    client.post(verify_url(record))
    assert DutyRecord.objects.get().state == DutyState.VERIFIED
