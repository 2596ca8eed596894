"""Scope checks for posts, rounds and assignments: fetch through these or meet a 404.

A round belongs to a village: the town reads it, the village secretary runs it. A grid secretary works
on their own grid's part of the round (its applications, meetings, notices and members on post).
"""

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from grids.access import grids_for_user, towns_for_user, villages_for_user
from grids.models import County, Town, Village

from .models import Assignment, Notice, Objection, Post, PostType, RequestState, ResidentRequest, Round, Status
from .onpost import member_of


def post_types_for_user(user, edit=False):
    """The catalogue a user reads: their county's types, their towns' and their villages' (a town committee reads
    its villages' own types; a village or grid secretary their own village's). Each entry is kept by its owner
    only: the county's committee, the town's, or the village's secretary."""
    if user.is_superuser:
        return PostType.objects.all()
    if edit:
        return PostType.objects.filter(
            Q(county__in=County.objects.filter(committee=user).values("pk"))
            | Q(town__in=Town.objects.filter(committee=user).values("pk"))
            | Q(village__in=Village.objects.filter(secretary=user).values("pk"))
        )
    villages = Village.objects.filter(Q(pk__in=villages_for_user(user).values("pk")) | Q(grids__secretary=user))
    towns = Town.objects.filter(Q(pk__in=towns_for_user(user).values("pk")) | Q(villages__in=villages.values("pk")))
    counties = County.objects.filter(Q(committee=user) | Q(towns__in=towns.values("pk")))
    return PostType.objects.filter(
        Q(village__in=villages.values("pk")) | Q(town__in=towns.values("pk")) | Q(county__in=counties.values("pk"))
    )


def post_type_owners_for_user(user):
    """Whose catalogue a user may add to, widest first: the counties, towns and villages they keep it for."""
    if user.is_superuser:
        return [*County.objects.all(), *Town.objects.select_related("county")]
    return [
        *County.objects.filter(committee=user),
        *Town.objects.filter(committee=user).select_related("county"),
        *Village.objects.filter(secretary=user).select_related("town__county"),
    ]


def get_post_type_for_user(user, pk, edit=False):
    qs = post_types_for_user(user, edit=edit).select_related("county", "town__county", "village__town")
    return get_object_or_404(qs, pk=pk)


def get_post_for_user(user, pk, edit=False):
    qs = Post.objects.filter(grid__in=grids_for_user(user, edit=edit).values("pk"))
    return get_object_or_404(qs.select_related("grid__village", "post_type"), pk=pk)


def rounds_for_user(user, edit=False):
    return Round.objects.filter(village__in=villages_for_user(user, edit=edit).values("pk"))


def get_round_for_user(user, pk, edit=False):
    return get_object_or_404(rounds_for_user(user, edit=edit).select_related("village__town"), pk=pk)


def get_round_grid_for_user(user, round_pk, grid_pk, edit=False):
    """A round seen from one of its grids: the grid must be in scope and in the round's village."""
    grid = get_object_or_404(grids_for_user(user, edit=edit).select_related("village__town", "secretary"), pk=grid_pk)
    round = get_object_or_404(Round.objects.select_related("village__town"), pk=round_pk, village=grid.village_id)
    return round, grid


def get_assignment_for_user(user, pk, edit=False):
    qs = Assignment.objects.filter(post__grid__in=grids_for_user(user, edit=edit).values("pk"))
    qs = qs.select_related("round__village__town", "post__grid__village", "member", "contact")
    return get_object_or_404(qs, pk=pk)


def get_notice_for_user(user, pk, edit=False):
    qs = Notice.objects.filter(grid__in=grids_for_user(user, edit=edit).values("pk"))
    return get_object_or_404(qs.select_related("round", "grid__village"), pk=pk)


def get_objection_for_user(user, pk, edit=False):
    qs = Objection.objects.filter(notice__grid__in=grids_for_user(user, edit=edit).values("pk"))
    return get_object_or_404(qs.select_related("notice__round", "notice__grid__village"), pk=pk)


# --- residents' requests --------------------------------------------------------------------------------------


def fits_post(category_ref):
    """Posts whose type fits requests of a category: the same direction, a type without one, or any post for
    a request about 其他."""
    return Q(post__post_type__need_category=category_ref) | Q(post__post_type__need_category="")


def member_requests_q(member):
    """What a member on post may open: new requests in a grid where they serve that fit one of their posts
    there (or are about 其他), and every request given to them."""
    serving = Assignment.objects.filter(member=member, status=Status.ON_POST)
    fitting = serving.filter(fits_post(OuterRef("category")), post__grid=OuterRef("grid"))
    other = Q(category="other", grid__in=serving.values("post__grid"))
    return Q(state=RequestState.NEW) & (Exists(fitting) | other) | Q(assignment__member=member)


def requests_for_user(user, edit=False):
    """Requests a user may read (or, with edit, dispatch and hand back): the grids in their scope; a member on
    post signed in for themselves, member_requests_q."""
    scope = Q(grid__in=grids_for_user(user, edit=edit).values("pk"))
    member = None if edit else member_of(user)
    if member is not None:
        scope = member_requests_q(member)
    return ResidentRequest.objects.filter(scope)


def get_request_for_user(user, pk, edit=False):
    qs = requests_for_user(user, edit=edit).select_related(
        "grid__village__town", "grid__secretary", "grid__village__secretary", "assignment__member", "assignment__post"
    )
    return get_object_or_404(qs, pk=pk)
