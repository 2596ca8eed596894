"""Who may see and change which part of the organisation tree.

The scope of a user comes from the tree itself: town committee members read their whole town,
a village secretary works inside their village, a grid secretary inside their grid. The town
committee reads but does not edit a village's survey data. Every view fetches through these
helpers, so a user out of scope meets a 404, never someone else's data.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from .models import County, Grid, Message, Town, Village

UserModel = get_user_model()


class Role:
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"
    GRID = "grid"
    MEMBER = "member"  # a member on post signed in for themselves (registered by posts.onpost)


# Each role, widest first, with the town or county it works for: one subquery each, None without that role.
# Apps above this one add theirs when they load (posts adds Role.MEMBER).
ROLE_UNITS = {
    Role.COUNTY: lambda: County.objects.filter(committee=OuterRef("pk")).order_by("pk").values("name")[:1],
    Role.TOWN: lambda: Town.objects.filter(committee=OuterRef("pk")).order_by("pk").values("name")[:1],
    Role.VILLAGE: lambda: Village.objects.filter(secretary=OuterRef("pk")).order_by("pk").values("town__name")[:1],
    Role.GRID: lambda: Grid.objects.filter(secretary=OuterRef("pk")).order_by("pk").values("village__town__name")[:1],
}


def unread_count():
    unread = Message.objects.filter(recipient=OuterRef("pk"), read_at=None).order_by().values("recipient")
    return Coalesce(Subquery(unread.annotate(n=Count("pk")).values("n")), 0)


def with_roles(users):
    """Users with their roles loaded in the same query (the login backend loads each request's user so):
    `<role>_unit` is the county or town that role works for, or None; `unread_messages` the count the navigation
    bar shows beside 消息."""
    roles = {f"{role}_unit": Subquery(unit()) for role, unit in ROLE_UNITS.items()}
    return users.annotate(**roles, unread_messages=unread_count())


def roles_loaded(user):
    if not hasattr(user, "town_unit"):  # a user not loaded by the backend: one query
        names = [*(f"{r}_unit" for r in ROLE_UNITS), "unread_messages"]
        units = with_roles(type(user).objects.filter(pk=user.pk)).values(*names)
        for name, value in units.get().items():
            setattr(user, name, value)
    return user


def role_of(user):
    """The widest role a user holds, or None; used to send each person where they work."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.TOWN
    roles_loaded(user)
    return next((role for role in ROLE_UNITS if getattr(user, f"{role}_unit") is not None), None)


def unit_name(user):
    """The county or town a user works for, named on every page (None for administrators and the signed-out)."""
    if not user.is_authenticated:
        return None
    roles_loaded(user)
    return next((getattr(user, f"{r}_unit") for r in ROLE_UNITS if getattr(user, f"{r}_unit") is not None), None)


class RoleBackend(ModelBackend):
    """Django's own backend, loading the user of each request together with their roles (one query). A member's
    own account (its user has a member_account) signs in only through posts.onpost.MemberBackend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return None if user is not None and hasattr(user, "member_account") else user

    def get_user(self, user_id):
        user = with_roles(UserModel._default_manager.filter(pk=user_id)).first()
        return user if user and self.user_can_authenticate(user) else None


def towns_for_user(user):
    """The towns a user reads: every town of their county, or the towns on whose committee they sit."""
    if user.is_superuser:
        return Town.objects.all()
    return Town.objects.filter(Q(committee=user) | Q(county__committee=user)).distinct()


def holds(user, *roles):
    """Whether the user holds any of these roles (read off the roles loaded with the user)."""
    roles_loaded(user)
    return any(getattr(user, f"{role}_unit") is not None for role in roles)


# The scopes below leave out what a user's roles cannot reach, so most people's scope is one plain condition
# (a village secretary's villages are those they are secretary of) instead of nested subqueries.


def villages_for_user(user, edit=False):
    if user.is_superuser:
        return Village.objects.all()
    if not user.is_authenticated:
        return Village.objects.none()
    scope = Q(secretary=user)
    if not edit and holds(user, Role.COUNTY, Role.TOWN):
        scope |= Q(town__in=towns_for_user(user).values("pk"))
    return Village.objects.filter(scope)


def grids_for_user(user, edit=False):
    if user.is_superuser:
        return Grid.objects.all()
    if not user.is_authenticated:
        return Grid.objects.none()
    scope = Q(secretary=user)
    if holds(user, Role.VILLAGE) or (not edit and holds(user, Role.COUNTY, Role.TOWN)):
        scope |= Q(village__in=villages_for_user(user, edit=edit).values("pk"))
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
    """What villages_for_user(edit=True) allows, read off the village itself (no query)."""
    return user.is_superuser or village.secretary_id == user.pk


def can_edit_grid(user, grid):
    """What grids_for_user(edit=True) allows, read off the grid and its village (no query once they are loaded)."""
    return user.is_superuser or user.pk in (grid.secretary_id, grid.village.secretary_id)


def messages_for_user(user):
    """A person's own messages: nobody reads another's."""
    return Message.objects.filter(recipient=user.pk)


def get_message_for_user(user, pk):
    return get_object_or_404(messages_for_user(user), pk=pk)
