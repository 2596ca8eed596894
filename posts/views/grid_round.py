from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from grids.access import (
    can_edit_grid,
)
from members.views import save_form

from .. import forms, services
from ..access import (
    get_notice_for_user,
    get_objection_for_user,
    get_round_grid_for_user,
)
from ..models import (
    HOLDING,
    Assignment,
    Notice,
    Stage,
    Status,
)
from ..models.workflow import notice_end
from .common import MOVE_TITLES, act, round_grid_url


@login_required
def round_grid(request, pk, grid_pk):
    round, grid = get_round_grid_for_user(request.user, pk, grid_pk)
    assignments = round.assignments.filter(post__grid=grid).select_related("member", "contact")
    assignments = assignments.annotate(notice_ends_on=notice_end())  # 公示期满 once the notice is over
    assignments = assignments.prefetch_related("member__specialties")  # 择优配岗 weighs specialty, health, age
    posts = grid.posts.select_related("post_type").order_by("post_type__order", "pk")
    can_edit = can_edit_grid(request.user, grid)
    by_post = {}
    for a in assignments.order_by("rank", "pk"):
        # Moves offered as buttons; going under notice happens for the whole grid when a notice is published.
        moves = Assignment.moves_for(a.status, round.stage) if can_edit else []
        a.moves = [(to, MOVE_TITLES[to]) for to in moves if to in MOVE_TITLES]
        by_post.setdefault(a.post_id, []).append(a)
    notices = round.notices.filter(grid=grid).prefetch_related("objections__assignment__member").order_by("starts_on")
    context = {
        "round": round,
        "grid": grid,
        "village": grid.village,
        "posts": [(p, by_post.get(p.pk, []), sum(a.status in HOLDING for a in by_post.get(p.pk, []))) for p in posts],
        "meetings": round.meetings.filter(grid=grid).order_by("held_on", "pk"),
        "notices": notices,
        "today": timezone.localdate(),
        "can_edit": can_edit,
        "applications_open": round.applications_open(),
        "branch_adjusting": round.stage == Stage.DELIBERATION,
        "has_proposed": any(a.status == Status.PROPOSED for rows in by_post.values() for a in rows),
        "print_kinds": [("post_list", "岗位公告"), ("notice", "公示"), ("wall_sheet", "公示牌")],
    }
    return render(request, "posts/round_grid.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request, pk, grid_pk):
    round, grid = get_round_grid_for_user(request.user, pk, grid_pk, edit=True)
    back = round_grid_url(round, grid)
    if not (round.applications_open() or round.stage == Stage.DELIBERATION):
        messages.error(request, "现在不在申报时间内，不能登记申报。")
        return redirect(back)
    form = forms.ApplicationForm(request.POST or None, round=round, grid=grid)

    def apply(d):
        Assignment.apply(round, d["member"], d["posts"], d["source"], d["recommended_by"], d["reason"], by=request.user)

    context = {"grid": grid, "village": grid.village, "title": "登记申报", "back": back}
    return act(request, form, apply, lambda d: f"已登记{d['member'].name}的申报。", back, context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, pk, grid_pk):
    round, grid = get_round_grid_for_user(request.user, pk, grid_pk, edit=True)
    back = round_grid_url(round, grid)
    if round.stage == Stage.CLOSED:
        messages.error(request, "本年度工作已结束，不能再登记会议。")
        return redirect(back)
    form = forms.MeetingForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    form.instance.round, form.instance.grid, form.instance.stage = round, grid, round.stage
    form.instance.recorded_by = request.user
    context = {"grid": grid, "village": grid.village, "title": "登记会议", "back": back}
    return save_form(request, form, context, "已登记{obj.kind_label}。")


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request, pk, grid_pk):
    round, grid = get_round_grid_for_user(request.user, pk, grid_pk, edit=True)
    back = round_grid_url(round, grid)
    form = forms.NoticeForm(request.POST or None)
    context = {"grid": grid, "village": grid.village, "title": "发布拟上岗人选公示", "back": back}

    def publish(d):
        Notice.publish(round, grid, by=request.user, **d)

    return act(request, form, publish, "已发布公示，拟上岗党员进入公示期。", back, context)


@login_required
@require_http_methods(["GET", "POST"])
def objection_create(request, notice_pk):
    notice = get_notice_for_user(request.user, notice_pk, edit=True)
    back = round_grid_url(notice.round, notice.grid)
    form = forms.ObjectionForm(request.POST or None, notice=notice)
    context = {"grid": notice.grid, "village": notice.grid.village, "title": "登记异议", "back": back}

    def record(d):
        services.record_objection(notice, by=request.user, **d)  # the grid's other secretary is told

    return act(request, form, record, "已登记异议，请及时调查核实并答复。", back, context)


@login_required
@require_http_methods(["GET", "POST"])
def objection_answer(request, pk):
    objection = get_objection_for_user(request.user, pk, edit=True)
    notice = objection.notice
    back = round_grid_url(notice.round, notice.grid)
    form = forms.AnswerForm(request.POST or None)
    title = f"答复异议：{objection.content[:30]}"
    context = {"grid": notice.grid, "village": notice.grid.village, "title": title, "back": back}

    def answer(d):
        objection.answer_with(by=request.user, **d)  # a resident's feedback that raised it is answered too

    return act(request, form, answer, "已答复异议。", back, context)
