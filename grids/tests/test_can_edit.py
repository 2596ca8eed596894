"""can_edit_village / can_edit_grid read the edit scope off the loaded records; they must agree with the
scope queries (villages_for_user / grids_for_user with edit=True) for every persona and record."""

import pytest

from grids.access import can_edit_grid, can_edit_village, grids_for_user, villages_for_user
from grids.models import Grid, Village

pytestmark = pytest.mark.django_db


def test_edit_flags_agree_with_the_scope_queries(
    town_user, sec_a, sec_b, grid_user, grid_a1, grid_a2, grid_b1, admin_user
):
    people = [town_user, sec_a, sec_b, grid_user, admin_user]
    allowed = []
    for user in people:
        villages = set(villages_for_user(user, edit=True).values_list("pk", flat=True))
        grids = set(grids_for_user(user, edit=True).values_list("pk", flat=True))
        for village in Village.objects.all():
            assert can_edit_village(user, village) == (village.pk in villages), (user, village)
        for grid in Grid.objects.select_related("village"):
            assert can_edit_grid(user, grid) == (grid.pk in grids), (user, grid)
            allowed += [(user.username, grid.name, grid.village.name)] if grid.pk in grids else []
    # and the scopes are what the roles say: the town reads but does not edit, secretaries edit their own
    assert (town_user.username, grid_a1.name, grid_a1.village.name) not in allowed
    assert (sec_a.username, grid_a2.name, grid_a2.village.name) in allowed
    assert (sec_a.username, grid_b1.name, grid_b1.village.name) not in allowed
    assert (grid_user.username, grid_a1.name, grid_a1.village.name) in allowed
    assert (grid_user.username, grid_a2.name, grid_a2.village.name) not in allowed
