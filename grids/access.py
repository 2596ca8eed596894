"""Who may see and change which part of the organisation tree.

The scope of a user comes from the tree itself: town committee members read their whole town,
a village secretary works inside their village, a grid secretary inside their grid. The town
committee reads but does not edit a village's survey data. Every view fetches through these
helpers, so a user out of scope meets a 404, never someone else's data.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from .models import Grid, Town, Village


class Role:
    TOWN = "town"
    VILLAGE = "village"
    GRID = "grid"


def role_of(user):
    """The widest role a user holds, or None; used to send each person where they work."""
    if not user.is_authenticated:
        return None
    if user.is_superuser or user.committee_towns.exists():
        return Role.TOWN
    if user.secretary_of_villages.exists():
        return Role.VILLAGE
    if user.secretary_of_grids.exists():
        return Role.GRID
    return None


def towns_for_user(user):
    if user.is_superuser:
        return Town.objects.all()
    return Town.objects.filter(committee=user)


def villages_for_user(user, edit=False):
    if user.is_superuser:
        return Village.objects.all()
    scope = Q(secretary=user)
    if not edit:
        scope |= Q(town__in=towns_for_user(user).values("pk"))
    return Village.objects.filter(scope)


def grids_for_user(user, edit=False):
    if user.is_superuser:
        return Grid.objects.all()
    scope = Q(secretary=user) | Q(village__in=villages_for_user(user, edit=edit).values("pk"))
    return Grid.objects.filter(scope)


def get_town_for_user(user, pk):
    return get_object_or_404(towns_for_user(user), pk=pk)


def get_village_for_user(user, pk, edit=False):
    return get_object_or_404(villages_for_user(user, edit=edit).select_related("town", "secretary"), pk=pk)


def get_grid_for_user(user, pk, edit=False):
    return get_object_or_404(
        grids_for_user(user, edit=edit).select_related("village__town", "village__secretary", "secretary"), pk=pk
    )


def can_edit_village(user, village):
    return villages_for_user(user, edit=True).filter(pk=village.pk).exists()


def can_edit_grid(user, grid):
    return grids_for_user(user, edit=True).filter(pk=grid.pk).exists()
