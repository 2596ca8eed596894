"""Scope checks for the roster, the needs and the village plans: fetch through these or meet a 404."""

from django.shortcuts import get_object_or_404

from grids.access import grids_for_user, villages_for_user

from .models import Member, NeedRecord, VillagePlan


def members_for_user(user, edit=False):
    return Member.objects.filter(grid__in=grids_for_user(user, edit=edit).values("pk"))


def get_member_for_user(user, pk, edit=False):
    qs = members_for_user(user, edit=edit).select_related("grid__village__town").prefetch_related("specialties")
    return get_object_or_404(qs, pk=pk)


def get_need_for_user(user, pk, edit=False):
    qs = NeedRecord.objects.filter(grid__in=grids_for_user(user, edit=edit).values("pk"))
    return get_object_or_404(qs.select_related("grid__village", "recorded_by"), pk=pk)


def get_plan_for_user(user, pk, edit=False):
    qs = VillagePlan.objects.filter(village__in=villages_for_user(user, edit=edit).values("pk"))
    return get_object_or_404(qs.select_related("village__town", "updated_by"), pk=pk)
