from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from grids.access import (
    grids_for_user,
)
from grids.models import Grid

from .. import matching
from ..access import (
    get_round_for_user,
    get_round_grid_for_user,
)
from ..models import (
    MeetingKind,
    Stage,
    Status,
    TransitionError,
)
from .common import round_grid_url


@login_required
@require_http_methods(["GET", "POST"])
def round_suggest(request, pk):
    """A suggested assignment for a grid (?grid=) or the whole village, accepted, edited or rejected line by line.

    Nothing changes until the meeting accepts: each accepted line becomes 拟上岗 with the grid's branch meeting
    as its basis; a line changed from the suggestion needs the reason, which goes into the record.
    """
    grid_pk = request.GET.get("grid", "")
    if grid_pk.isdigit():  # one grid: its secretary may do it
        round, grid = get_round_grid_for_user(request.user, pk, grid_pk, edit=True)
        grids = Grid.objects.filter(pk=grid.pk)
    else:
        round, grid = get_round_for_user(request.user, pk), None
        grids = grids_for_user(request.user, edit=True).filter(village=round.village_id)
        if not grids.exists():
            raise Http404
    back = round_grid_url(round, grid) if grid else round.get_absolute_url()
    if round.stage != Stage.DELIBERATION:
        messages.error(request, "建议配岗在“支部议岗”阶段使用。")
        return redirect(back)
    lines, uncovered = matching.suggest(round, grids)
    meetings = {}
    for m in round.meetings.filter(grid__in=grids, kind=MeetingKind.GRID_BRANCH).order_by("-held_on", "-pk"):
        meetings.setdefault(m.grid_id, []).append(m)
    errors = []
    if request.method == "POST":
        errors = accept_suggestion(request, round, lines, meetings)
        if not errors:
            return redirect(back)
    line_grids = {line.assignment.post.grid_id: line.assignment.post.grid for line in lines}
    meeting_choices = [(g, meetings.get(g.pk, [])) for g in sorted(line_grids.values(), key=lambda g: g.number)]
    context = {
        "round": round,
        "grid": grid,
        "village": round.village,
        "lines": lines,
        "uncovered": uncovered,
        "meeting_choices": meeting_choices,
        "errors": errors,
        "back": back,
    }
    return render(request, "posts/suggest.html", context)


def accept_suggestion(request, round, lines, meetings):
    """Carry out the accepted lines, all or none; returns the reasons it could not (empty when done)."""
    errors, accepted = [], 0
    try:
        with transaction.atomic():
            for line in lines:
                a = line.assignment
                if not request.POST.get(f"accept_{a.pk}"):
                    continue
                options = {str(o.pk): o for o in line.options}
                chosen = options.get(request.POST.get(f"choice_{a.pk}", str(a.pk)))
                reason = request.POST.get(f"reason_{a.pk}", "").strip()
                if chosen is None:
                    errors.append(f"{a.member.name}：请从本人申报的岗位中选择。")
                    continue
                if chosen.pk != a.pk and not reason:
                    errors.append(f"{a.member.name}：改为“{chosen.post.name}”，请写明调整理由。")
                    continue
                meeting = next(
                    (
                        m
                        for m in meetings.get(chosen.post.grid_id, [])
                        if str(m.pk) == request.POST.get(f"meeting_{chosen.post.grid_id}")
                    ),
                    None,
                )
                note = f"建议配岗（会议调整：{reason}）" if chosen.pk != a.pk else f"建议配岗：{line.reason}"
                try:
                    chosen.move(Status.PROPOSED, by=request.user, note=note, meeting=meeting)
                    accepted += 1
                except TransitionError as error:
                    errors += [f"{a.member.name}：{m}" for m in error.missing]
            if errors:
                raise TransitionError(errors)
    except TransitionError:
        return errors
    if accepted:
        messages.success(request, f"已采纳{accepted}条建议，确定为拟上岗人选。")
    else:
        messages.info(request, "没有采纳任何建议，未作改动。")
    return []
