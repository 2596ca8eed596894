import datetime

import pytest
from django.urls import reverse

from conftest import new_id_number, on_day
from members.models import Member, Specialty

pytestmark = pytest.mark.django_db


def form_data(grid, **overrides):
    data = {
        "grid": grid.pk,
        "name": "赵红梅",
        "id_number": new_id_number(datetime.date(1968, 3, 9), male=False),
        "gender": "",
        "birth_date": "",
        "ethnicity": "汉族",
        "phone": "13912345678",
        "education": "high_school",
        "joined_on": "1992-07-01",
        "membership": "full",
        "address": "金城村二组18号",
        "specialties": [Specialty.objects.get(name="调解沟通").pk],
        "health": "good",
        "cadre_post": "",
        "is_willing": "on",
        "note": "",
    }
    data.update(overrides)
    return data


def test_secretary_adds_member_and_birth_date_and_gender_come_from_id(login, sec_a, grid_a1):
    client = login(sec_a)
    data = form_data(grid_a1)
    response = client.post(reverse("members:member-create", args=[grid_a1.pk]), data)
    member = Member.objects.get(name="赵红梅")
    assert response.status_code == 302 and response.url == reverse("members:member", args=[member.pk])
    assert member.birth_date == datetime.date(1968, 3, 9)
    assert member.gender == "F"
    assert member.grid == grid_a1
    assert [s.name for s in member.specialties.all()] == ["调解沟通"]
    # The change history records who added the member.
    assert {h.history_user for h in member.history.all()} == {sec_a}
    page = client.get(response.url)
    assert "已保存党员“赵红梅”的信息" in page.text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "校验位不正确"),
        ({"id_number": "110105194913310025"}, "id_number", "不是有效日期"),
        ({"id_number": "1101051949"}, "id_number", "应为18位"),
        ({"birth_date": "1968-03-10"}, "birth_date", "出生日期与身份证号不一致"),
        ({"gender": "M"}, "gender", "性别与身份证号不一致"),
        ({"phone": "12345"}, "phone", "请输入11位手机号码"),
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"joined_on": "1980-01-01"}, "joined_on", "早于年满18周岁"),
        ({"joined_on": "1992-13-01"}, "joined_on", "输入一个有效的日期"),
    ],
)
def test_bad_input_shows_chinese_error_at_the_field_and_saves_nothing(login, sec_a, grid_a1, overrides, field, message):
    client = login(sec_a)
    response = client.post(reverse("members:member-create", args=[grid_a1.pk]), form_data(grid_a1, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.text
    assert "没有保存" in response.text
    assert not Member.objects.exists()


def test_duplicate_id_number_is_refused(login, sec_a, grid_a1, grid_b1, make_member):
    existing = make_member(grid_b1)  # in another village: the message must not say whose it is
    client = login(sec_a)
    response = client.post(
        reverse("members:member-create", args=[grid_a1.pk]),
        form_data(grid_a1, id_number=existing.id_number.lower(), birth_date="", gender=""),
    )
    assert response.status_code == 200
    assert "该公民身份号码已登记" in response.text
    assert existing.name not in response.text
    assert Member.objects.count() == 1


def test_grid_outside_the_village_cannot_be_chosen(login, sec_a, grid_a1, grid_b1):
    client = login(sec_a)
    response = client.post(reverse("members:member-create", args=[grid_a1.pk]), form_data(grid_b1))
    assert response.status_code == 200
    assert "grid" in response.context["form"].errors
    assert not Member.objects.exists()


def test_edit_member_keeps_history(login, sec_a, grid_a1, make_member):
    member = make_member(grid_a1, name="陈德福")
    versions_before = member.history.count()
    client = login(sec_a)
    data = form_data(grid_a1, name="陈德福", id_number=member.id_number, cadre_post="committee_member")
    response = client.post(reverse("members:member-edit", args=[member.pk]), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.cadre_post == "committee_member"
    assert member.ineligibility_reasons() == ["不符合：担任村委委员"]
    assert member.history.count() > versions_before
    latest = member.history.first()
    assert latest.history_user == sec_a and latest.cadre_post == "committee_member"
    assert member.history.earliest().cadre_post == ""


# The member leaves on 2026-11-01: a day in the future is refused.
@on_day(datetime.date(2026, 11, 20))
def test_leaving_the_roster_archives_and_keeps_history(login, sec_a, grid_a1, make_member):
    member = make_member(grid_a1, name="陈德福")
    client = login(sec_a)
    url = reverse("posts:member-archive", args=[member.pk])
    assert "陈德福离开名册" in client.get(url).text
    refused = client.post(url, {"leave_reason": "transferred", "left_on": "2999-01-01"})
    assert "离开日期不能晚于今天" in refused.text and Member.objects.filter(pk=member.pk).exists()
    response = client.post(url, {"leave_reason": "transferred", "left_on": "2026-11-01", "leave_note": "转至新河镇"})
    assert response.url == reverse("posts:grid", args=[grid_a1.pk])
    assert not Member.objects.filter(pk=member.pk).exists()  # off the roster, the counts and the posts
    kept = Member.everyone.get(pk=member.pk)  # but kept, with the reason and the whole history
    assert kept.leave_reason == "transferred" and kept.left_on.isoformat() == "2026-11-01"
    assert kept.history.first().history_user == sec_a and kept.history.count() == 2
    archived = client.get(reverse("members:archived-members", args=[grid_a1.village_id]))
    assert "陈德福" in archived.text and "组织关系转出" in archived.text
    # The same person cannot be typed in again: they are brought back instead.
    again = client.post(
        reverse("members:member-create", args=[grid_a1.pk]),
        {
            "grid": grid_a1.pk,
            "name": "陈德福",
            "id_number": member.id_number,
            "ethnicity": "汉族",
            "education": "junior_high",
            "joined_on": "1995-07-01",
            "membership": "full",
            "health": "good",
        },
    )
    assert "已离开名册的党员" in again.text and Member.everyone.count() == 1
    client.post(reverse("members:member-restore", args=[member.pk]))
    assert Member.objects.get(pk=member.pk).left_on is None


def test_a_member_on_post_cannot_leave_the_roster(login, sec_a, grid_a1, make_member):
    from posts.tests.test_pages import apply, make_post, make_round

    member = make_member(grid_a1)
    a = apply(make_round(grid_a1.village), member, make_post(grid_a1), sec_a)
    type(a).objects.filter(pk=a.pk).update(status="on_post")
    client = login(sec_a)
    url = reverse("posts:member-archive", args=[member.pk])
    assert "请先在年度工作中办理离岗" in client.get(url).text
    client.post(url, {"leave_reason": "deceased", "left_on": "2026-11-01"})
    assert Member.objects.filter(pk=member.pk).exists()


def test_town_committee_reads_but_cannot_edit(login, town_user, grid_a1, make_member):
    member = make_member(grid_a1)
    client = login(town_user)
    assert client.get(reverse("members:member", args=[member.pk])).status_code == 200
    assert client.get(reverse("members:member-edit", args=[member.pk])).status_code == 404
    assert client.post(reverse("posts:member-archive", args=[member.pk])).status_code == 404
    assert Member.objects.filter(pk=member.pk).exists()
