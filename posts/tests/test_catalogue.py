"""The post-type catalogue belongs to a town, a village or the county (issue 20).

Two towns of one county: 金城镇 (town A, the fixtures' town) and 新河镇 (town B, with its own committee, village and
grid). Each town committee keeps its own town's types and reads the county's; a village's forms offer the county's,
its town's and its own types, never another town's or another village's.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids.models import County, Grid, Town, Village
from posts.models import Post, PostType

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(town, make_user):
    county = County.objects.create(name="金城县")
    county.committee.add(make_user("xian", "县委组织部 吴强"))
    town.county = county
    town.save(update_fields=["county"])
    return county


@pytest.fixture
def town_b(county, make_user):
    town = Town.objects.create(name="新河镇", county=county)
    town.committee.add(make_user("zhen_b", "新河镇党委 郑华"))
    PostType.add_suggested(town)
    village = Village.objects.create(town=town, name="河东村", secretary=make_user("cun_hd", "何东"))
    Grid.objects.create(village=village, number=1, name="第一网格", secretary=make_user("wg_hd", "何一"))
    return town


@pytest.fixture(autouse=True)
def committees(town_user):
    """金城镇's committee (town_user); 新河镇 has its own."""


def committee_of(town):
    return town.committee.get()


def patrol_of(town):
    return PostType.objects.get(town=town, name="社会治安巡逻岗")


def offered(client, grid):
    """The post types the post form of this grid offers, by pk."""
    form = client.get(reverse("posts:post-create", args=[grid.pk])).context["form"]
    return set(form.fields["post_type"].queryset.values_list("pk", flat=True))


def test_each_town_has_its_own_copy_of_the_plans_six(town, town_b):
    assert patrol_of(town) != patrol_of(town_b)
    assert PostType.objects.filter(town=town).count() == PostType.objects.filter(town=town_b).count() == 6


def test_another_towns_committee_can_neither_see_nor_edit_the_towns_types(client, town, town_b):
    mine = patrol_of(town)
    mine.duties = "金城镇自己的职责"
    mine.save()
    client.force_login(committee_of(town_b))
    page = client.get(reverse("posts:post-types"))
    assert "金城镇自己的职责" not in page.text and "新河镇党委设定" in page.text and "金城镇党委设定" not in page.text
    edit = reverse("posts:post-type-edit", args=[mine.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "改名岗", "duties": "外镇改的"}).status_code == 404
    mine.refresh_from_db()
    assert mine.name == "社会治安巡逻岗" and mine.duties == "金城镇自己的职责"
    # Its own town's copy it edits as before.
    theirs = patrol_of(town_b)
    page = client.post(
        reverse("posts:post-type-edit", args=[theirs.pk]), {"name": "社会治安巡逻岗", "duties": "新河镇的职责"}
    )
    assert page.status_code == 302
    theirs.refresh_from_db()
    assert theirs.duties == "新河镇的职责"
    mine.refresh_from_db()
    assert mine.duties == "金城镇自己的职责"


def test_a_towns_new_type_goes_only_to_its_own_villages_forms(client, town, town_b, grid_a1, sec_a):
    client.force_login(committee_of(town_b))
    page = client.post(reverse("posts:post-type-create"), {"name": "河道守护岗", "duties": "巡查河道"})
    assert page.status_code == 302
    added = PostType.objects.get(name="河道守护岗")
    assert (added.town, added.village, added.county) == (town_b, None, None)
    client.force_login(sec_a)
    assert added.pk not in offered(client, grid_a1)
    assert "河道守护岗" not in client.get(reverse("posts:post-types")).text
    page = client.post(
        reverse("posts:post-create", args=[grid_a1.pk]), {"post_type": added.pk, "places": 1, "reason": "需要"}
    )
    assert "选择一个有效的选项" in page.text and not Post.objects.exists()
    client.force_login(Grid.objects.get(village__town=town_b).secretary)
    assert added.pk in offered(client, Grid.objects.get(village__town=town_b))


def test_a_name_is_unique_in_its_town_not_across_towns(client, town, town_b):
    client.force_login(committee_of(town_b))
    page = client.post(reverse("posts:post-type-create"), {"name": "社会治安巡逻岗", "duties": "x"})
    assert "已有名为“社会治安巡逻岗”的岗位类型" in page.text
    client.force_login(committee_of(town))
    assert client.post(reverse("posts:post-type-create"), {"name": "河道守护岗", "duties": "x"}).status_code == 302
    client.force_login(committee_of(town_b))
    assert client.post(reverse("posts:post-type-create"), {"name": "河道守护岗", "duties": "y"}).status_code == 302
    assert set(PostType.objects.filter(name="河道守护岗").values_list("town__name", flat=True)) == {"金城镇", "新河镇"}


def test_the_county_keeps_county_wide_types_and_towns_only_read_them(client, county, town, town_b, grid_a1, sec_a):
    county_user = county.committee.get()
    client.force_login(county_user)
    assert client.post(reverse("posts:post-type-create"), {"name": "森林防火岗", "duties": "巡山"}).status_code == 302
    fire = PostType.objects.get(name="森林防火岗")
    assert (fire.county, fire.town, fire.village) == (county, None, None)
    edit = reverse("posts:post-type-edit", args=[fire.pk])
    assert client.post(edit, {"name": "森林防火岗", "duties": "巡山\n护林"}).status_code == 302
    fire.refresh_from_db()
    assert fire.duty_lines == ["巡山", "护林"]
    # The county reads every town's catalogue but does not edit it.
    assert client.get(reverse("posts:post-type-edit", args=[patrol_of(town).pk])).status_code == 404

    for user in (committee_of(town), committee_of(town_b), sec_a):
        client.force_login(user)
        page = client.get(reverse("posts:post-types"))
        assert "森林防火岗" in page.text and "金城县统一设定" in page.text
        assert edit not in page.text
        assert client.post(edit, {"name": "森林防火岗", "duties": "镇里改的"}).status_code == 404
    fire.refresh_from_db()
    assert fire.duty_lines == ["巡山", "护林"]
    # A town cannot take the county's name either: every village of the county would be offered both.
    client.force_login(committee_of(town))
    page = client.post(reverse("posts:post-type-create"), {"name": "森林防火岗", "duties": "x"})
    assert "已有名为“森林防火岗”的岗位类型" in page.text
    client.force_login(sec_a)
    assert fire.pk in offered(client, grid_a1)


def test_a_village_is_offered_the_county_its_town_and_its_own(
    client, county, town, town_b, village_a, village_b, grid_a1, sec_a, sec_b
):
    fire = PostType.objects.create(county=county, name="森林防火岗", duties="巡山")
    own_a = PostType.objects.create(village=village_a, name="河道守护岗", duties="巡查河道")
    own_b = PostType.objects.create(village=village_b, name="古树保护岗", duties="看护古树")
    expected = {fire.pk, own_a.pk, *PostType.objects.filter(town=town).values_list("pk", flat=True)}
    client.force_login(sec_a)
    assert offered(client, grid_a1) == expected
    client.force_login(grid_a1.secretary)
    assert offered(client, grid_a1) == expected
    page = client.get(reverse("posts:post-types"))
    assert "河道守护岗" in page.text and "古树保护岗" not in page.text and "新河镇党委设定" not in page.text
    # The town committee reads its villages' own types; their secretaries keep them.
    client.force_login(committee_of(town))
    page = client.get(reverse("posts:post-types"))
    assert "河道守护岗" in page.text and "古树保护岗" in page.text
    assert client.get(reverse("posts:post-type-edit", args=[own_b.pk])).status_code == 404
    client.force_login(sec_b)
    assert client.get(reverse("posts:post-type-edit", args=[own_b.pk])).status_code == 200
    assert client.get(reverse("posts:post-type-edit", args=[own_a.pk])).status_code == 404


def test_a_town_dashboard_shows_its_own_catalogue(client, town, town_b, village_a, grid_a1):
    PostType.objects.create(town=town_b, name="河道守护岗", duties="巡查河道")
    client.force_login(committee_of(town))
    board = client.get(reverse("posts:town-dashboard", args=[town.pk])).context["board"]
    assert {t.pk for t in board.post_types} == set(PostType.objects.filter(town=town).values_list("pk", flat=True))


def test_a_new_town_loads_the_plans_six_once(client, make_user):
    town = Town.objects.create(name="银川镇")
    town.committee.add(make_user("zhen_yc", "银川镇党委"))
    client.force_login(town.committee.get())
    page = client.get(reverse("posts:post-types"))
    assert "银川镇还没有自己的岗位类型" in page.text
    load = reverse("posts:post-types-suggested", args=[town.pk])
    client.post(load)
    client.post(load)
    assert PostType.objects.filter(town=town).count() == 6
    assert "银川镇还没有自己的岗位类型" not in client.get(reverse("posts:post-types")).text


def test_another_town_cannot_load_into_a_town(client, town, town_b):
    PostType.objects.filter(town=town).delete()
    client.force_login(committee_of(town_b))
    assert client.post(reverse("posts:post-types-suggested", args=[town.pk])).status_code == 404
    assert not PostType.objects.filter(town=town).exists()


def test_the_catalogue_page_costs_the_same_with_ten_times_the_types(client, county, town, town_b, village_a):
    def cost():
        client.force_login(committee_of(town))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("posts:post-types")).status_code == 200
        return len(ctx.captured_queries)

    small = cost()
    for n in range(10):
        PostType.objects.create(county=county, name=f"县岗{n}", duties="x")
        PostType.objects.create(town=town, name=f"镇岗{n}", duties="x")
        PostType.objects.create(village=village_a, name=f"村岗{n}", duties="x")
        Village.objects.create(town=town, name=f"新村{n}")
    # session and user, the types, the editable ones, the owners (counties, towns, villages)
    assert cost() == small
