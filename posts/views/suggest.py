from django.contrib import messages
from django.contrib.auth.decorators import login_required
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
    skipped = matching.skipped(round, grids)
    meetings = {}
    for m in round.meetings.filter(grid__in=grids, kind=MeetingKind.GRID_BRANCH).order_by("-held_on", "-pk"):
        meetings.setdefault(m.grid_id, []).append(m)
    errors = []
    if request.method == "POST":
        errors = accept_suggestion(request, round, lines, meetings, skipped)
        if not errors:
            return redirect(back)
    keep_entries(request, lines, meetings)  # a refused form comes back as the person left it
    line_grids = {line.assignment.post.grid_id: line.assignment.post.grid for line in lines}
    meeting_choices = [(g, meetings.get(g.pk, [])) for g in sorted(line_grids.values(), key=lambda g: g.number)]
    context = {
        "round": round,
        "grid": grid,
        "village": round.village,
        "lines": lines,
        "uncovered": uncovered,
        "skipped": skipped,
        "meeting_choices": meeting_choices,
        "errors": errors,
        "back": back,
    }
    return render(request, "posts/suggest.html", context)


def keep_entries(request, lines, meetings):
    """What each line and grid meeting shows: the suggestion, or after a refused POST what the person chose."""
    posted = request.method == "POST"
    for line in lines:
        pk = line.assignment.pk
        line.accepted = bool(request.POST.get(f"accept_{pk}")) if posted else True
        line.chosen = request.POST.get(f"choice_{pk}", str(pk)) if posted else str(pk)
        line.note = request.POST.get(f"reason_{pk}", "") if posted else ""
    for grid_id, grid_meetings in meetings.items():
        picked = request.POST.get(f"meeting_{grid_id}") if posted else str(grid_meetings[0].pk)
        for m in grid_meetings:
            m.picked = str(m.pk) == picked


def accept_suggestion(request, round, lines, meetings, skipped):
    """The meeting's decisions from the form, carried out all or none; returns why not (empty when done)."""
    decisions = [
        matching.Decision(
            line,
            choice=request.POST.get(f"choice_{line.assignment.pk}", str(line.assignment.pk)),
            reason=request.POST.get(f"reason_{line.assignment.pk}", "").strip(),
        )
        for line in lines
        if request.POST.get(f"accept_{line.assignment.pk}")
    ]
    chosen_meetings = {grid_id: request.POST.get(f"meeting_{grid_id}", "") for grid_id in meetings}
    try:
        accepted, left = matching.accept(decisions, meetings, chosen_meetings, by=request.user, lines=lines)
    except TransitionError as error:
        return error.missing
    if accepted:
        said = f"已采纳{accepted}条建议，确定为拟上岗人选。" + (f"其余{left}名申报人议定为未选中。" if left else "")
        messages.success(request, said)
    else:
        messages.info(request, "没有采纳任何建议，未作改动。")
    for post, whys in skipped:
        messages.warning(request, f"“{post.name}”没有安排：申报人{'；'.join(whys)}。请推荐其他党员或调剂。")
    return []
