from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Prefetch, Subquery, Sum, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grids.access import (
    can_edit_village,
    get_village_for_user,
)
from jinchen.xlsx import xlsx_response
from members.models import count_subquery, first_free_year
from members.views import save_form

from .. import forms, points
from ..access import (
    get_round_for_user,
    get_round_grid_for_user,
)
from ..homes import OPENS
from ..models import (
    HOLDING,
    STAGE_ORDER,
    Grade,
    Post,
    Rating,
    Round,
    Stage,
    Status,
    Training,
    TransitionError,
)
from ..models.workflow import notice_end
from ..resources import AssignmentResource, PostResource, RatingResource
from .common import act


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request, village_pk):
    village = get_village_for_user(request.user, village_pk, edit=True)
    year = first_free_year(village.rounds.values_list("year", flat=True), timezone.localdate().year)
    form = forms.RoundForm(request.POST or None, initial={"year": year}, village=village)
    context = {"village": village, "title": "开始新一年度设岗定责", "back": reverse("posts:village", args=[village.pk])}

    def start(d):
        return Round.start(village, d["year"], by=request.user, continuing=d.get("continuing", []))

    success = lambda d: f"已建立{village.name}{d['year']}年度设岗定责，现在处于“制定方案”阶段。"  # noqa: E731
    return act(request, form, start, success, lambda round: round.get_absolute_url(), context)


@login_required
def village_rounds(request, pk):
    village = get_village_for_user(request.user, pk)
    round = Round.current_or_latest(village.pk)
    if round:
        return redirect(round)
    if can_edit_village(request.user, village):
        return redirect("posts:round-create", village.pk)
    return render(request, "posts/no_round.html", {"village": village})


@login_required
def round_detail(request, pk):
    round = get_round_for_user(request.user, pk)
    in_round = round.assignments.all()
    grids = list(
        round.village.grids.annotate(
            # every figure a subquery per grid: a join on posts would run each of them once per post
            post_count=count_subquery(Post.objects.all(), "grid"),
            places=Subquery(
                Post.objects.filter(grid=OuterRef("pk")).order_by().values("grid").annotate(s=Sum("places")).values("s")
            ),
            applicants=count_subquery(in_round, "post__grid"),
            holding=count_subquery(in_round.filter(status__in=HOLDING), "post__grid"),
            not_chosen=count_subquery(in_round.filter(status=Status.NOT_CHOSEN), "post__grid"),
        ).order_by("number")
    )
    # The trainings are listed and checked by the stage's guard: loaded once for both.
    trainings = Training.objects.annotate(n=Count("attendees")).order_by("held_on")
    prefetch_related_objects([round], Prefetch("trainings", queryset=trainings))
    missing = round.missing_to_leave()
    context = {
        "round": round,
        "village": round.village,
        "stages": [(s, Stage(s).label, i) for i, s in enumerate(STAGE_ORDER)],
        "stage_index": round.stage_index(),
        "checklist": round.checklist(missing=missing, grids=grids),
        # 提前截止申报 is offered while the window is open; what still keeps it open is listed beside it
        "close_missing": round.missing_to_close_applications() if round.applications_open() else None,
        "blocker_count": len(missing),
        "opens": OPENS.get(round.next_stage, ""),
        "next_label": Stage(round.next_stage).label if round.next_stage else "",
        "logs": round.logs.select_related("by").order_by("at", "pk"),
        "grids": grids,
        "can_edit": can_edit_village(request.user, round.village),
        "trainings": round.trainings.all(),
        "commended": Rating.objects.filter(assignment__round=round, grade=Grade.EXCELLENT)
        .select_related("assignment__member", "assignment__post__grid")
        .order_by("assignment__post__grid__number"),
    }
    return render(request, "posts/round.html", context)


@login_required
@require_POST
def round_advance(request, pk):
    round = get_round_for_user(request.user, pk, edit=True)
    try:
        seen = request.POST.get("stage") if request.POST.get("stage") in Stage.values else None
        target = round.advance(by=request.user, note=request.POST.get("note", "").strip(), seen_stage=seen)
    except TransitionError as error:
        if error.what_happened:  # someone else moved it: the page shows where it stands now
            messages.warning(request, f"没有重复办理：{error.what_happened}页面已刷新为最新情况。")
        else:  # the round page shows the checklist grid by grid, each item a link to where it is done
            messages.error(request, f"未能进入下一阶段：还有{len(error.missing)}项没有完成，见下面的清单。")
        return redirect(f"{round.get_absolute_url()}#missing")
    else:
        messages.success(request, f"已进入“{Stage(target).label}”阶段。")
    return redirect(round)


@login_required
@require_POST
def round_close_applications(request, pk):
    """申报提前截止, once every eligible member of the village has applied or declined."""
    round = get_round_for_user(request.user, pk, edit=True)
    seen = request.POST.get("stage") if request.POST.get("stage") in Stage.values else None
    try:
        closes = round.close_applications(by=request.user, note=request.POST.get("note", ""), seen_stage=seen)
    except TransitionError as error:
        if error.what_happened:
            messages.warning(request, f"没有重复办理：{error.what_happened}页面已刷新为最新情况。")
        else:
            messages.error(request, "未能提前截止申报：" + "；".join(m.rstrip("。") for m in error.missing) + "。")
    else:
        messages.success(request, f"申报已提前截止（截止到{closes.month}月{closes.day}日），可以进入支部议岗。")
    return redirect(round)


@login_required
@require_http_methods(["GET", "POST"])
def round_window(request, pk):
    round = get_round_for_user(request.user, pk, edit=True)
    if round.stage not in (Stage.SURVEY, Stage.APPLICATION):
        messages.error(request, "申报时间只能在“制定方案”或“申报选岗”阶段设定。")
        return redirect(round)
    form = forms.WindowForm(request.POST or None, instance=round)
    context = {"village": round.village, "title": "设定申报时间", "back": round.get_absolute_url()}
    return save_form(request, form, context, "已设定申报时间。")


@login_required
@require_http_methods(["GET", "POST"])
def training_create(request, pk):
    round = get_round_for_user(request.user, pk, edit=True)
    if round.stage != Stage.EVALUATION:
        messages.error(request, "集中培训在“严格评岗”阶段登记。")
        return redirect(round)
    form = forms.TrainingForm(request.POST or None, round=round)
    form.instance.round, form.instance.recorded_by = round, request.user
    context = {"village": round.village, "title": "登记集中培训", "back": round.get_absolute_url()}
    response = save_form(request, form, context, "已登记集中培训“{obj.topic}”。")
    if form.instance.pk:  # the round's members gain (or lose) its points
        points.refresh(round.assignments.values_list("pk", flat=True))
    return response


# kind → (resource, rows of a round, the rows' path to their grid, file name)
EXPORTS = {
    "posts": (
        PostResource,
        lambda r: (
            Post.objects.filter(grid__village=r.village_id)
            .select_related("grid", "post_type")
            .prefetch_related("needs")
            .order_by("grid__number", "post_type__order", "pk")
        ),
        "grid",
        "岗位",
    ),
    "assignments": (
        AssignmentResource,
        lambda r: (
            r.assignments.select_related("post__grid", "member", "contact")
            .annotate(notice_ends_on=notice_end())
            .order_by("post__grid__number", "post_id", "rank", "pk")
        ),
        "post__grid",
        "申报与定岗",
    ),
    "ratings": (
        RatingResource,
        lambda r: (
            Rating.objects.filter(assignment__round=r)
            .select_related("assignment__post__grid", "assignment__member")
            .order_by("assignment__post__grid__number", "rated_on", "pk")
        ),
        "assignment__post__grid",
        "评岗结果",
    ),
}


@login_required
def round_export(request, pk, kind):
    """A round's posts, assignments or ratings as .xlsx; `?grid=` narrows it to one grid in the user's scope."""
    if kind not in EXPORTS:
        raise Http404
    resource, rows_of, grid_path, label = EXPORTS[kind]
    grid_pk = request.GET.get("grid", "")
    if grid_pk:
        if not grid_pk.isdigit():
            raise Http404
        round, grid = get_round_grid_for_user(request.user, pk, grid_pk)
        rows, name = rows_of(round).filter(**{grid_path: grid}), f"{grid.village.name}{grid.name}"
    else:
        round = get_round_for_user(request.user, pk)
        rows, name = rows_of(round), round.village.name
    # A list, not the queryset: the library pages a prefetching queryset (the posts' needs) by 100 rows, two
    # queries a page.
    return xlsx_response(resource().export(list(rows)), f"{name}{round.year}年度{label}", label)


@login_required
def round_blockers(request, pk):
    """What still keeps a village's round in its stage (the workflow's own checklist), for the dashboard."""
    round = get_round_for_user(request.user, pk)
    return render(request, "posts/_blockers.html", {"round": round, "missing": round.missing_to_leave()})
