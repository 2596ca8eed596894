"""操作日志: field-level history of records and accounts, logins, failed logins and downloads, with filters."""

import datetime

import pytest
from django.urls import reverse

from conftest import PASSWORD, on_day
from grids.models import AuditEvent, AuditKind
from posts.tests.test_pages import make_post

pytestmark = pytest.mark.django_db
URL = reverse("posts:audit-log")


def edit_phone(client, member, phone):
    data = {
        "grid": member.grid_id,
        "name": member.name,
        "id_number": member.id_number,
        "ethnicity": "汉族",
        "education": member.education,
        "joined_on": member.joined_on.isoformat(),
        "membership": "full",
        "health": "good",
        "phone": phone,
        "is_willing": "on",
    }
    assert client.post(reverse("members:member-edit", args=[member.pk]), data).status_code == 302


@on_day(datetime.date(2026, 11, 20))
def test_changes_logins_and_downloads_with_filters(client, town_user, sec_a, sec_b, grid_a1, grid_b1, make_member):
    member = make_member(grid_a1, name="周桂兰", phone="13900001111")
    other = make_member(grid_b1, name="吴建华")
    make_post(grid_a1)  # posts keep a history too
    assert client.post(reverse("login"), {"username": sec_a.username, "password": "wrong-000"}).status_code == 200
    assert client.post(reverse("login"), {"username": sec_a.username, "password": PASSWORD}).status_code == 302
    edit_phone(client, member, "13900002222")
    client.get(reverse("members:members-export") + f"?village={grid_a1.village_id}")
    client.force_login(sec_b)
    edit_phone(client, other, "13700003333")

    kinds = list(AuditEvent.objects.filter(username=sec_a.username).values_list("kind", flat=True))
    assert {AuditKind.LOGIN_FAILED, AuditKind.LOGIN, AuditKind.DOWNLOAD} <= set(kinds)

    client.force_login(town_user)
    page = client.get(URL).text
    assert "周桂兰" in page and "<strong>联系电话</strong>：139****1111 → 139****2222" in page
    assert "13900002222" not in page  # a member's phone is masked in the log as on every list
    assert "登录失败" in page and "导出/下载" in page and "第一网格 · 社会治安巡逻岗" in page  # the post, by name
    mine = client.get(URL, {"person": sec_a.pk}).text
    assert "周桂兰" in mine and "吴建华" not in mine and "登录失败" not in mine  # a failed login has no user yet
    village_b = client.get(URL, {"village": grid_b1.village_id}).text
    assert "吴建华" in village_b and "周桂兰" not in village_b and "导出/下载" not in village_b
    events = client.get(URL, {"record": "event"}).text
    assert "登录失败" in events and "周桂兰" not in events
    assert "周桂兰" in client.get(URL, {"record": "member", "name": "桂兰"}).text
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    assert "没有符合条件的记录" in client.get(URL, {"since": tomorrow}).text


def test_accounts_keep_a_history_without_passwords(client, town_user, sec_a):
    sec_a.first_name = "王建新"
    sec_a.save()
    record = sec_a.history.first()
    assert record.first_name == "王建新" and not hasattr(record, "password")
    client.force_login(town_user)
    assert "王建新" in client.get(URL, {"record": "account"}).text


def test_a_login_adds_no_empty_version_to_the_account(client, sec_a):
    versions = sec_a.history.count()
    assert client.post(reverse("login"), {"username": sec_a.username, "password": PASSWORD}).status_code == 302
    sec_a.refresh_from_db()
    assert sec_a.last_login is not None and sec_a.history.count() == versions  # the login is an AuditEvent
    sec_a.save(update_fields=["last_login"])
    sec_a.first_name = "王建业"  # the same object saved again afterwards is kept as before
    sec_a.save()
    assert sec_a.history.count() == versions + 1


def test_the_town_and_village_secretaries_read_the_log_grid_secretaries_do_not(client, town_user, sec_a, grid_user):
    for user, status, link in ((town_user, 200, True), (sec_a, 200, True), (grid_user, 403, False)):
        client.force_login(user)
        assert client.get(URL).status_code == status
        assert (f'href="{URL}"' in client.get(reverse("posts:post-types")).text) == link  # the menu offers it
    client.logout()
    assert client.get(URL).status_code == 302
