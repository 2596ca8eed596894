"""The account pages' guards, refusing and then allowing: a user name taken already (in any letter case), and
a town committee member switching off their own account."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from grids.accounts import AccountForm

pytestmark = pytest.mark.django_db


def new_account(username, **data):
    return {
        "username": username,
        "full_name": "李明",
        "role": "grid",
        "password1": "Lm2026abc",
        "password2": "Lm2026abc",
        **data,
    }


def accounts():
    return sorted(get_user_model().objects.values_list("username", flat=True))


@pytest.mark.parametrize("taken", ["cun_a", "CUN_A", " Cun_A "])
def test_a_user_name_is_not_given_twice(client, town_user, sec_a, grid_a2, taken):
    client.force_login(town_user)
    before = accounts()
    response = client.post(reverse("grids:account-create"), new_account(taken, grid=grid_a2.pk))
    assert response.status_code == 200
    assert "这个用户名已经有人使用。" in response.context["form"].errors["username"]
    assert "这个用户名已经有人使用。" in response.text
    assert accounts() == before
    sec_a.refresh_from_db()
    assert sec_a.first_name == "王建国" and sec_a.check_password("test-pass-123")  # the holder is untouched
    grid_a2.refresh_from_db()
    assert grid_a2.secretary is None


def test_a_new_user_name_is_taken(client, town_user, grid_a2):
    client.force_login(town_user)
    response = client.post(reverse("grids:account-create"), new_account("wg_a2", grid=grid_a2.pk))
    assert response.status_code == 302
    grid_a2.refresh_from_db()
    assert grid_a2.secretary.username == "wg_a2"


def test_editing_an_account_keeps_its_own_name(client, town_user, sec_a, village_a):
    client.force_login(town_user)
    data = {"full_name": "王建设", "role": "village", "village": village_a.pk}
    assert client.post(reverse("grids:account-edit", args=[sec_a.pk]), data).status_code == 302
    sec_a.refresh_from_db()
    assert (sec_a.username, sec_a.first_name) == ("cun_a", "王建设")


def test_nobody_switches_off_their_own_account(client, town_user, sec_a):
    client.force_login(town_user)
    url = reverse("grids:account-active", args=[town_user.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("grids:accounts"), 302)]
    assert "不能停用自己的账号。" in [str(m) for m in response.context["messages"]]
    town_user.refresh_from_db()
    assert town_user.is_active
    assert client.get(reverse("grids:accounts")).status_code == 200  # still signed in and working
    # Another account is switched off and on again from the same page.
    client.post(reverse("grids:account-active", args=[sec_a.pk]))
    sec_a.refresh_from_db()
    assert not sec_a.is_active
    response = client.post(reverse("grids:account-active", args=[sec_a.pk]), follow=True)
    sec_a.refresh_from_db()
    assert sec_a.is_active and "已启用账号 cun_a。" in [str(m) for m in response.context["messages"]]


def test_a_name_taken_between_the_check_and_the_save_is_refused_too(client, town_user, sec_a, grid_a2, monkeypatch):
    # Two committee members creating the same name at once: the second save meets the database's unique index.
    monkeypatch.setattr(AccountForm, "clean_username", lambda form: form.cleaned_data["username"].strip())
    client.force_login(town_user)
    before = accounts()
    response = client.post(reverse("grids:account-create"), new_account("cun_a", grid=grid_a2.pk))
    assert response.status_code == 200 and "这个用户名已经有人使用。" in response.text
    assert accounts() == before
    grid_a2.refresh_from_db()
    assert grid_a2.secretary is None  # nothing of the refused account was kept


def test_a_grid_secretary_is_given_a_grid(client, town_user, grid_a2):
    client.force_login(town_user)
    response = client.post(reverse("grids:account-create"), new_account("wg_a2"))
    assert response.status_code == 200
    assert "网格支部书记需要选择所在的网格。" in response.context["form"].errors["grid"]
    assert not get_user_model().objects.filter(username="wg_a2").exists()
