"""Where each person starts, and the overviews that gather the apps: county, town, village and grid pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from grids.access import (
    Role,
    can_edit_grid,
    can_edit_village,
    get_grid_for_user,
    get_town_for_user,
    get_village_for_user,
    role_of,
    towns_for_user,
)
from grids.models import County, Grid, Village
from members.models import Member, count_subquery
from members.survey import with_counts

from .. import forms, homes, ledger
from ..dashboard import villages_of
from ..models import FeedbackState, StageTarget
from ..models.duty import OPEN_STATES


@login_required
def home(request):
    """Send each person to where they work: the town, their village, or their grid."""
    places = {
        Role.COUNTY: ("posts:county", County.objects.filter(committee=request.user)),
        Role.TOWN: ("posts:town", towns_for_user(request.user)),
        Role.VILLAGE: ("posts:village", request.user.secretary_of_villages.all()),
        Role.GRID: ("posts:grid", request.user.secretary_of_grids.all()),
    }
    role = role_of(request.user)
    if role == Role.MEMBER:  # a member on post signed in for themselves
        return redirect("posts:onpost-home")
    if role:
        url_name, places_of_role = places[role]
        first = places_of_role.order_by("pk").first()
        if first:  # a superuser on an empty database has a role but no town yet
            return redirect(url_name, first.pk)
    return render(request, "posts/no_scope.html")


@login_required
def county(request, pk):
    """The county's towns, for its committee: each town's page and dashboard."""
    county = get_object_or_404(
        County.objects.filter(committee=request.user) if not request.user.is_superuser else County.objects.all(), pk=pk
    )
    towns = county.towns.annotate(member_count=count_subquery(Member.objects.all(), "grid__village__town"))
    villages = villages_of(Village.objects.filter(town__county=county))
    rows = homes.towns_progress(list(towns), villages)
    return render(request, "posts/county.html", {"county": county, "rows": rows})


@login_required
def town(request, pk):
    town = get_town_for_user(request.user, pk)
    # Whoever reads the town (its committee, the county's) reads all of its villages and grids.
    villages = with_counts(town.villages.all(), "grid__village")
    villages = villages.annotate(grid_count=count_subquery(Grid.objects.all(), "village"))
    villages = villages_of(villages.select_related("secretary"))
    context = {
        "town": town,
        "rows": homes.progress_of(villages),
        "overdue_requests": homes.overdue_requests_by_village(town),
        "can_set": request.user.is_superuser or role_of(request.user) == Role.TOWN,
    }
    return render(request, "posts/town.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def stage_targets(request, pk):
    """预期天数: the days the town expects a village to spend at each stage; its committee sets them."""
    town = get_town_for_user(request.user, pk)
    if not (request.user.is_superuser or town.committee.filter(pk=request.user.pk).exists()):
        raise Http404
    form = forms.StageTargetsForm(request.POST or None, initial=StageTarget.expected_days([town.pk])[town.pk])
    if request.method == "POST" and form.is_valid():
        StageTarget.set_for(town, form.cleaned_data)
        messages.success(request, "已保存各阶段的预期天数。")
        return redirect("posts:town", town.pk)
    back = reverse("posts:town", args=[town.pk])
    return render(request, "form.html", {"form": form, "title": "各阶段预期天数", "back": back})


@login_required
def village(request, pk):
    village = get_village_for_user(request.user, pk)
    grids = with_counts(village.grids.all(), "grid")  # whoever reads the village reads all its grids
    can_edit = can_edit_village(request.user, village)
    context = {
        "home": homes.village_home(village, can_edit),
        "village": village,
        "grids": grids.select_related("secretary").order_by("number"),
        "plans": village.plans.select_related("updated_by").order_by("-year"),
        "can_edit": can_edit,
    }
    return render(request, "posts/village.html", context)


@login_required
def grid(request, pk):
    grid = get_grid_for_user(request.user, pk)
    can_edit = can_edit_grid(request.user, grid)
    context = {
        "grid": grid,
        "home": homes.grid_home(grid, can_edit),
        "new_feedback": grid.feedback.filter(state=FeedbackState.NEW).order_by("-created_at", "-pk")[:5],
        "open_feedback": grid.feedback.exclude(state=FeedbackState.ANSWERED).count(),
        "open_requests": grid.requests.filter(state__in=OPEN_STATES).count(),
        "members": grid.members.prefetch_related("specialties").order_by("name_key", "pk"),
        "needs": grid.needs.select_related("recorded_by").order_by("-recorded_on", "-pk"),
        "can_edit": can_edit,
    }
    context["idle"], terms = ledger.idle_on_post(grid, timezone.localdate())
    context["idle_days"] = terms.idle_days
    return render(request, "posts/grid.html", context)
