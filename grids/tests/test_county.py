"""Several towns in one deployment: the county reads all towns; a town's committee only its own."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from grids.models import County, Town, Village

pytestmark = pytest.mark.django_db


def test_county_reads_every_town_and_towns_only_their_own(client, town, town_user, grid_a1, make_user):
    other = Town.objects.create(name="新河镇")
    other_village = Village.objects.create(town=other, name="远村")
    county = County.objects.create(name="金城县")
    Town.objects.filter(pk__in=[town.pk, other.pk]).update(county=county)
    reader = make_user("xian")
    county.committee.add(reader)

    client.force_login(reader)
    assert client.get(reverse("posts:home")).url == reverse("posts:county", args=[county.pk])
    page = client.get(reverse("posts:county", args=[county.pk])).text
    assert "金城镇" in page and "新河镇" in page
    for t in (town, other):
        assert client.get(reverse("posts:town", args=[t.pk])).status_code == 200
    assert client.get(reverse("posts:town-dashboard", args=[town.pk])).status_code == 200
    assert client.get(reverse("posts:village", args=[other_village.pk])).status_code == 200
    assert client.get(reverse("members:member-create", args=[grid_a1.pk])).status_code == 404  # reads only

    client.force_login(town_user)
    assert client.get(reverse("posts:town", args=[other.pk])).status_code == 404
    assert client.get(reverse("posts:village", args=[other_village.pk])).status_code == 404
    assert client.get(reverse("posts:county", args=[county.pk])).status_code == 404


def test_each_page_is_headed_by_the_readers_own_county_or_town(client, town, make_user, settings):
    other = Town.objects.create(name="新河镇")
    village = Village.objects.create(town=other, name="远村", secretary=make_user("yuan"))
    county = County.objects.create(name="金城县")
    other.committee.add(make_user("xinhe"))
    county.committee.add(make_user("xian"))
    settings.SITE_UNIT = "金城镇"
    assert "<title>登录 · 金城镇设岗定责</title>" in client.get(reverse("login")).text  # before signing in
    for username, page, unit in [
        ("xinhe", reverse("posts:town", args=[other.pk]), "新河镇"),
        ("yuan", reverse("posts:village", args=[village.pk]), "新河镇"),
        ("xian", reverse("posts:county", args=[county.pk]), "金城县"),
    ]:
        client.force_login(get_user_model().objects.get(username=username))
        text = client.get(page).text
        assert f"{unit} · 无职党员设岗定责" in text and f"中共{unit}委员会" in text and "金城镇" not in text
