"""Scope checks for posts, rounds and assignments: fetch through these or meet a 404.

A round belongs to a village: the town reads it, the village secretary runs it. A grid secretary works
on their own grid's part of the round (its applications, meetings, notices and members on post).
"""

from django.shortcuts import get_object_or_404

from grids.access import grids_for_user, villages_for_user

from .models import Assignment, Notice, Objection, Post, PostType, Round


def get_post_type_for_user(user, pk, edit=False):
    """Town types are kept by the town committee; a village's own types by its secretary."""
    if edit and not user.is_superuser:
        qs = PostType.objects.filter(village__in=villages_for_user(user, edit=True).values("pk"))
        if user.committee_towns.exists():
            qs = qs | PostType.objects.filter(village=None)
        return get_object_or_404(qs, pk=pk)
    return get_object_or_404(PostType.objects.all(), pk=pk)


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
