"""The town committee manages accounts and roles in its own pages."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_create_an_account_with_a_role_then_change_it(client, town_user, village_a, grid_a1, sec_a):
    client.force_login(town_user)
    url = reverse("grids:account-create")
    weak = client.post(
        url,
        {
            "username": "cun09",
            "full_name": "李明",
            "role": "village",
            "village": village_a.pk,
            "password1": "abcdefgh",
            "password2": "abcdefgh",
        },
    )
    assert "密码必须同时包含字母和数字" in weak.text and not get_user_model().objects.filter(username="cun09").exists()
    missing = client.post(
        url,
        {
            "username": "cun09",
            "full_name": "李明",
            "role": "village",
            "password1": "Lm2026abc",
            "password2": "Lm2026abc",
        },
    )
    assert "需要选择所在的村" in missing.text
    good = {
        "username": "cun09",
        "full_name": "李明",
        "role": "village",
        "village": village_a.pk,
        "password1": "Lm2026abc",
        "password2": "Lm2026abc",
    }
    response = client.post(url, good)
    assert response.status_code == 302
    new = get_user_model().objects.get(username="cun09")
    village_a.refresh_from_db()
    assert village_a.secretary == new and new.check_password("Lm2026abc")  # the old secretary no longer is
    assert "李明" in client.get(reverse("grids:accounts")).text
    client.post(reverse("grids:account-edit", args=[new.pk]), {"full_name": "李明", "role": "grid", "grid": grid_a1.pk})
    village_a.refresh_from_db()
    grid_a1.refresh_from_db()
    assert village_a.secretary is None and grid_a1.secretary == new


def test_reset_password_and_deactivate(client, town_user, sec_a):
    client.force_login(town_user)
    url = reverse("grids:account-password", args=[sec_a.pk])
    assert "两次输入的密码不一致" in client.post(url, {"password1": "Abc12345x", "password2": "Abc12345y"}).text
    client.post(url, {"password1": "Abc12345x", "password2": "Abc12345x"})
    sec_a.refresh_from_db()
    assert sec_a.check_password("Abc12345x")
    client.post(reverse("grids:account-active", args=[sec_a.pk]))
    sec_a.refresh_from_db()
    assert not sec_a.is_active
    client.logout()
    assert client.post(reverse("login"), {"username": sec_a.username, "password": "Abc12345x"}).status_code == 200


def test_only_the_town_committee_and_only_its_town(client, town_user, sec_a, sec_b, django_user_model):
    client.force_login(sec_a)
    assert client.get(reverse("grids:accounts")).status_code == 403
    stranger = django_user_model.objects.create_user(username="stranger", password=PASSWORD)
    client.force_login(town_user)
    assert client.get(reverse("grids:account-edit", args=[stranger.pk])).status_code == 404
    admin = django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    assert client.post(reverse("grids:account-active", args=[admin.pk])).status_code == 404


def test_a_former_secretary_stays_an_account_the_town_can_manage(client, town_user, grid_a1, grid_user):
    client.force_login(town_user)
    new = {"username": "wg0199", "full_name": "新书记", "role": "grid", "grid": grid_a1.pk}
    assert client.post(reverse("grids:account-create"), {**new, "password1": "Xs2026abc", "password2": "Xs2026abc"})
    grid_a1.refresh_from_db()
    assert grid_a1.secretary.username == "wg0199"  # the grid has its new secretary
    listing = client.get(reverse("grids:accounts")).text
    assert grid_user.username in listing and "暂无职务" in listing  # the former one is still listed
    for name in ("grids:account-edit", "grids:account-password"):
        assert client.get(reverse(name, args=[grid_user.pk])).status_code == 200
    client.post(reverse("grids:account-active", args=[grid_user.pk]))
    grid_user.refresh_from_db()
    assert not grid_user.is_active
    client.logout()
    login = client.post(reverse("login"), {"username": grid_user.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session and login.status_code == 200
