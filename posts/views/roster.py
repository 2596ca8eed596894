"""A member leaves the roster (members) only when they hold no post (posts): the page that checks both."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from members.access import get_member_for_user
from members.forms import ArchiveForm

from ..models import HOLDING


@login_required
@require_http_methods(["GET", "POST"])
def member_archive(request, pk):
    """A member leaves the roster (转出, 去世, …): archived with the reason, never deleted; history stays."""
    member = get_member_for_user(request.user, pk, edit=True)
    form = ArchiveForm(request.POST or None)
    holding = holding_posts(member)
    if request.method == "POST" and form.is_valid():
        if holding:
            messages.error(
                request, f"{member.name}仍在“{holding[0]}”岗位上（或拟上岗、公示中），请先在年度工作中办理离岗或调整。"
            )
            return redirect(member)
        member.left_on, member.leave_reason = form.cleaned_data["left_on"], form.cleaned_data["leave_reason"]
        member.leave_note = form.cleaned_data["leave_note"]
        member.save()
        messages.success(request, f"{member.name}已离开名册（{member.get_leave_reason_display()}），修改记录完整保留。")
        return redirect("posts:grid", member.grid_id)
    context = {"member": member, "form": form, "holding": holding, "grid": member.grid, "village": member.grid.village}
    return render(request, "members/member_archive.html", context)


def holding_posts(member):
    """Names of the posts a member holds or is about to hold (one cannot leave the roster from a post)."""
    return list(member.assignments.filter(status__in=HOLDING).values_list("post__name", flat=True))
