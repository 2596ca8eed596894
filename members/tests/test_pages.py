import datetime

import pytest
from django.urls import reverse

from conftest import on_day
from members.models import CadrePost, NeedRecord, VillagePlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_objects(grid_a1, make_member, make_need):
    plan = VillagePlan.objects.create(
        village=grid_a1.village,
        year=2026,
        title="金城村方案",
        content="一、指导思想",
        starts_on="2026-03-01",
        ends_on="2026-12-31",
    )
    return {"member": make_member(grid_a1, name="陈德福"), "need": make_need(grid_a1), "plan": plan}


def read_urls(town, grid, o):
    village = grid.village
    return {
        "town": reverse("posts:town", args=[town.pk]),
        "village": reverse("posts:village", args=[village.pk]),
        "village-survey": reverse("members:village-survey", args=[village.pk]),
        "plan": reverse("members:plan", args=[o["plan"].pk]),
        "grid": reverse("posts:grid", args=[grid.pk]),
        "grid-survey": reverse("members:grid-survey", args=[grid.pk]),
        "member": reverse("members:member", args=[o["member"].pk]),
    }


def edit_urls(grid, o):
    return {
        "member-create": reverse("members:member-create", args=[grid.pk]),
        "member-edit": reverse("members:member-edit", args=[o["member"].pk]),
        "member-archive": reverse("posts:member-archive", args=[o["member"].pk]),
        "need-create": reverse("members:need-create", args=[grid.pk]),
        "need-edit": reverse("members:need-edit", args=[o["need"].pk]),
        "need-delete": reverse("members:need-delete", args=[o["need"].pk]),
        "plan-create": reverse("members:plan-create", args=[grid.village_id]),
        "plan-edit": reverse("members:plan-edit", args=[o["plan"].pk]),
    }


VILLAGE_LEVEL = {"town", "village", "village-survey", "plan", "plan-create", "plan-edit"}


@pytest.mark.parametrize("persona", ["town_user", "sec_a", "grid_user"])
def test_every_page_renders_for_the_roles_that_may_see_it(request, login, town, grid_a1, a_objects, persona):
    user = request.getfixturevalue(persona)
    client = login(user)
    reads, edits = read_urls(town, grid_a1, a_objects), edit_urls(grid_a1, a_objects)
    allowed = {
        "town_user": set(reads),
        "sec_a": (set(reads) | set(edits)) - {"town"},
        "grid_user": (set(reads) | set(edits)) - VILLAGE_LEVEL,
    }[persona]
    for name, url in {**reads, **edits}.items():
        response = client.get(url)
        expected = 200 if name in allowed else 404
        assert response.status_code == expected, (persona, name)
        if expected == 200:
            assert '<html lang="zh-CN">' in response.text
            assert "static/vendor/bootstrap.min.css" in response.text


@pytest.mark.parametrize(
    ("persona", "landing"), [("town_user", "posts:town"), ("sec_a", "posts:village"), ("grid_user", "posts:grid")]
)
def test_home_sends_each_role_where_it_works(request, login, town, grid_a1, persona, landing):
    response = login(request.getfixturevalue(persona)).get(reverse("posts:home"))
    pk = {"posts:town": town.pk, "posts:village": grid_a1.village_id, "posts:grid": grid_a1.pk}[landing]
    assert response.status_code == 302 and response.url == reverse(landing, args=[pk])


def test_user_without_scope_is_told_what_to_do(login, make_user, town):
    response = login(make_user("nobody")).get(reverse("posts:home"))
    assert "还没有分配到镇、村或网格" in response.text


def test_login_page_is_chinese_and_logs_in(client, sec_a):
    from conftest import PASSWORD

    page = client.get(reverse("login"))
    assert "用户名" in page.text and "密码" in page.text
    bad = client.post(reverse("login"), {"username": sec_a.username, "password": "wrong"})
    assert "用户名或密码不正确" in bad.text
    good = client.post(reverse("login"), {"username": sec_a.username, "password": PASSWORD})
    assert good.status_code == 302
    assert client.get(reverse("posts:home")).url == reverse(
        "posts:village", args=[sec_a.secretary_of_villages.get().pk]
    )


def test_logout_by_post(login, sec_a):
    client = login(sec_a)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("posts:home")).status_code == 302  # back to the login page


def test_roster_masks_id_numbers_and_explains_eligibility(login, sec_a, grid_a1, make_member):
    member = make_member(grid_a1, name="陈德福", cadre_post=CadrePost.COMMITTEE_MEMBER)
    page = login(sec_a).get(reverse("posts:grid", args=[grid_a1.pk])).text
    assert member.id_number not in page
    assert member.id_number[:4] + "*" * 10 + member.id_number[-4:] in page
    assert "不符合：担任村委委员" in page


def test_member_page_masks_numbers_and_only_the_edit_page_shows_them(login, town_user, sec_a, grid_a1, make_member):
    member = make_member(grid_a1, phone="13912345678")
    page = login(town_user).get(reverse("members:member", args=[member.pk])).text
    masked = member.id_number[:4] + "*" * 10 + member.id_number[-4:]
    assert member.id_number not in page and masked in page and "139****5678" in page
    client = login(sec_a)
    page = client.get(reverse("members:member", args=[member.pk])).text
    assert member.id_number not in page and "13912345678" not in page and "139****5678" in page
    edit = client.get(reverse("members:member-edit", args=[member.pk])).text  # the village's own secretary
    assert member.id_number in edit and "13912345678" in edit


# The need was recorded on 2026-10-12: a day in the future is refused.
@on_day(datetime.date(2026, 11, 20))
def test_need_record_is_added_and_validated(login, sec_a, grid_a1):
    client = login(sec_a)
    url = reverse("members:need-create", args=[grid_a1.pk])
    data = {
        "grid": grid_a1.pk,
        "recorded_on": "2026-10-12",
        "method": "forum",
        "participants": "网格群众代表座谈会，9人参加",
        "issue": "独居老人较多，希望有人定期上门看望。",
        "category": "elderly_youth",
        "kind": "focus",
    }
    bad = client.post(url, {**data, "recorded_on": "2099-01-01", "issue": ""})
    assert "调查日期不能晚于今天" in bad.text and "这个字段是必填项" in bad.text
    assert not NeedRecord.objects.exists()
    response = client.post(url, data)
    assert response.status_code == 302
    need = NeedRecord.objects.get()
    assert need.recorded_by == sec_a and need.get_category_display() == "尊老爱幼"
    assert "独居老人较多" in client.get(reverse("posts:grid", args=[grid_a1.pk])).text


def test_need_delete_asks_first(login, sec_a, grid_a1, make_need):
    need = make_need(grid_a1)
    client = login(sec_a)
    url = reverse("members:need-delete", args=[need.pk])
    assert "确认删除群众需求" in client.get(url).text
    client.post(url)
    assert not NeedRecord.objects.exists()


def test_village_plan_is_written_and_edited(login, sec_a, village_a):
    client = login(sec_a)
    create = reverse("members:plan-create", args=[village_a.pk])
    assert client.get(create).context["form"].initial["year"] >= 2026
    data = {
        "year": 2026,
        "title": "金城村设岗定责实施方案",
        "starts_on": "2026-03-01",
        "ends_on": "2026-12-31",
        "content": "一、指导思想\n二、调查摸底情况",
    }
    bad = client.post(create, {**data, "ends_on": "2026-01-01"})
    assert "结束日期不能早于开始日期" in bad.text
    assert not VillagePlan.objects.exists()
    response = client.post(create, data)
    plan = VillagePlan.objects.get()
    assert response.url == reverse("members:plan", args=[plan.pk]) and plan.updated_by == sec_a
    assert "二、调查摸底情况" in client.get(response.url).text
    again = client.post(create, data)
    assert "2026年度的实施方案已经存在" in again.text
    client.post(reverse("members:plan-edit", args=[plan.pk]), {**data, "title": "修改后的方案"})
    plan.refresh_from_db()
    assert plan.title == "修改后的方案" and VillagePlan.objects.count() == 1


def test_a_refused_form_explains_itself_in_chinese(sec_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": sec_a.username, "password": "x"})
    assert response.status_code == 403 and "没有权限" in response.content.decode()
