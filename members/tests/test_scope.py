"""Nobody reads or changes anything outside their scope, whatever URL they type: always a 404."""

import pytest
from django.urls import reverse

from members.models import Member, NeedRecord, VillagePlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_objects(grid_b1, make_member, make_need):
    member = make_member(grid_b1)
    need = make_need(grid_b1)
    plan = VillagePlan.objects.create(
        village=grid_b1.village,
        year=2026,
        title="新河村方案",
        content="……",
        starts_on="2026-03-01",
        ends_on="2026-12-31",
    )
    return {"village": grid_b1.village, "grid": grid_b1, "member": member, "need": need, "plan": plan}


def b_urls(b):
    return [
        reverse("posts:village", args=[b["village"].pk]),
        reverse("members:village-survey", args=[b["village"].pk]),
        reverse("members:plan-create", args=[b["village"].pk]),
        reverse("members:plan", args=[b["plan"].pk]),
        reverse("members:plan-edit", args=[b["plan"].pk]),
        reverse("posts:grid", args=[b["grid"].pk]),
        reverse("members:grid-survey", args=[b["grid"].pk]),
        reverse("members:member-create", args=[b["grid"].pk]),
        reverse("members:need-create", args=[b["grid"].pk]),
        reverse("members:member", args=[b["member"].pk]),
        reverse("members:member-edit", args=[b["member"].pk]),
        reverse("posts:member-archive", args=[b["member"].pk]),
        reverse("members:need-edit", args=[b["need"].pk]),
        reverse("members:need-delete", args=[b["need"].pk]),
    ]


def test_village_secretary_gets_404_everywhere_in_another_village(login, sec_a, b_objects):
    client = login(sec_a)
    for url in b_urls(b_objects):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "篡改"}).status_code in (404, 405), url
    assert Member.objects.filter(pk=b_objects["member"].pk).exists()
    assert NeedRecord.objects.filter(pk=b_objects["need"].pk).exists()


def test_village_secretary_cannot_see_the_town_page(login, sec_a, town):
    assert login(sec_a).get(reverse("posts:town", args=[town.pk])).status_code == 404


def test_grid_secretary_gets_404_on_another_grid_of_the_same_village(login, grid_user, grid_a2, make_member, make_need):
    member, need = make_member(grid_a2), make_need(grid_a2)
    client = login(grid_user)
    for url in [
        reverse("posts:grid", args=[grid_a2.pk]),
        reverse("members:grid-survey", args=[grid_a2.pk]),
        reverse("members:member-create", args=[grid_a2.pk]),
        reverse("members:member", args=[member.pk]),
        reverse("members:member-edit", args=[member.pk]),
        reverse("members:need-edit", args=[need.pk]),
        reverse("members:need-delete", args=[need.pk]),
        reverse("posts:village", args=[grid_a2.village_id]),
    ]:
        assert client.get(url).status_code == 404, url


def test_grid_secretary_cannot_move_a_member_into_another_grid(login, grid_user, grid_a1, grid_a2, make_member):
    member = make_member(grid_a1)
    client = login(grid_user)
    form = client.get(reverse("members:member-edit", args=[member.pk])).context["form"]
    assert list(form.fields["grid"].queryset) == [grid_a1]


@pytest.mark.parametrize("url_name", ["members:member", "posts:grid", "members:need-edit", "posts:village"])
def test_unknown_ids_are_404(login, sec_a, url_name):
    assert login(sec_a).get(reverse(url_name, args=[999999])).status_code == 404


def test_anonymous_user_is_sent_to_login(client, grid_a1):
    response = client.get(reverse("posts:grid", args=[grid_a1.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
