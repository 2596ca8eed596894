from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from tablib import Dataset

from grids.access import (
    can_edit_grid,
    can_edit_village,
    get_grid_for_user,
    get_village_for_user,
    grids_for_user,
    villages_for_user,
)
from grids.models import Grid
from jinchen import ratelimit
from jinchen.versions import reuse, reused_page
from jinchen.xlsx import xlsx_response
from members.views import confirm_delete, save_form

from . import dashboard, forms, matching
from .access import (
    get_assignment_for_user,
    get_notice_for_user,
    get_objection_for_user,
    get_post_for_user,
    get_post_type_for_user,
    get_round_for_user,
    get_round_grid_for_user,
)
from .models import (
    HOLDING,
    SERVED,
    STAGE_ORDER,
    Assignment,
    Feedback,
    FeedbackKind,
    FeedbackState,
    Grade,
    MeetingKind,
    Notice,
    Post,
    PostType,
    Rating,
    Round,
    Stage,
    Status,
    TransitionError,
)
from .resources import AssignmentResource, PostResource, RatingResource


def refuse(request, error):
    messages.error(request, "未能办理：" + "；".join(error.missing))


def act(request, form, action, success, done_url, context):
    """On a valid POST run `action(cleaned_data)`; a refusal shows on the form and nothing changes."""
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except TransitionError as error:
            form.add_error(None, "；".join(error.missing))
        else:
            messages.success(request, success(form.cleaned_data) if callable(success) else success)
            return redirect(done_url)
    if request.method == "POST":
        messages.error(request, "没有办理：请按红色提示修改后再提交。")
    return render(request, "form.html", {**context, "form": form})


# --- post types and posts (制定方案) --------------------------------------------------------------------------


@login_required
def post_types(request):
    village_ids = villages_for_user(request.user).values("pk")
    types = PostType.objects.filter(Q(village=None) | Q(village__in=village_ids)).select_related("village")
    context = {
        "types": types.order_by("village__name", "order", "pk"),
        "can_add": request.user.is_superuser
        or villages_for_user(request.user, edit=True).exists()
        or request.user.committee_towns.exists(),
    }
    return render(request, "posts/post_types.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_type_form(request, pk=None):
    post_type = get_post_type_for_user(request.user, pk, edit=True) if pk else PostType()
    if not pk and not (request.user.committee_towns.exists() or request.user.is_superuser):
        # A village secretary's new type belongs to their village (各村可自行设定岗位).
        post_type.village = villages_for_user(request.user, edit=True).order_by("pk").first()
        if post_type.village is None:
            return render(request, "404.html", status=404)
    form = forms.PostTypeForm(request.POST or None, instance=post_type)
    context = {"title": "修改岗位类型" if pk else "新增岗位类型", "back": reverse("posts:post-types")}
    return save_form(request, form, context, "已保存岗位类型“{obj.name}”。")


@login_required
def grid_posts(request, pk):
    grid = get_grid_for_user(request.user, pk)
    posts = list(grid.posts.select_related("post_type").prefetch_related("needs").order_by("post_type__order", "pk"))
    served = Assignment.objects.filter(post__grid=grid, status__in=SERVED).select_related("round", "member")
    by_post = {}
    for a in served.order_by("-round__year", "pk"):
        by_post.setdefault(a.post_id, {}).setdefault(a.round.year, []).append(a.member.name)
    for p in posts:
        p.years = sorted(by_post.get(p.pk, {}).items(), reverse=True)  # who held it, year by year
    context = {
        "grid": grid,
        "village": grid.village,
        "posts": posts,
        "can_edit": can_edit_grid(request.user, grid),
        "locked": Round.posts_locked_reason(grid.village_id),
        "current_round": Round.current_for(grid.village_id),
    }
    return render(request, "posts/grid_posts.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_form(request, grid_pk=None, pk=None):
    post = get_post_for_user(request.user, pk, edit=True) if pk else None
    grid = post.grid if post else get_grid_for_user(request.user, grid_pk, edit=True)
    back = reverse("posts:grid-posts", args=[grid.pk])
    locked = Round.posts_locked_reason(grid.village_id)
    if locked:
        messages.error(request, locked)
        return redirect(back)
    form = forms.PostForm(request.POST or None, instance=post, grid=grid)
    context = {
        "grid": grid,
        "village": grid.village,
        "title": f"修改岗位：{post.name}" if post else "设置岗位",
        "back": back,
    }
    return save_form(request, form, context, "已保存岗位“{obj.name}”。")


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request, pk):
    post = get_post_for_user(request.user, pk, edit=True)
    back = reverse("posts:grid-posts", args=[post.grid_id])
    locked = Round.posts_locked_reason(post.grid.village_id)
    if locked:
        messages.error(request, locked)
        return redirect(back)
    return confirm_delete(request, post, f"岗位“{post.name}”", back)


# --- rounds -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request, village_pk):
    village = get_village_for_user(request.user, village_pk, edit=True)
    form = forms.RoundForm(
        request.POST or None,
        initial={"year": timezone.localdate().year},
        village=village,
        instance=Round(created_by=request.user),
    )
    context = {
        "village": village,
        "title": "开始新一年度设岗定责",
        "back": reverse("members:village", args=[village.pk]),
    }
    return save_form(request, form, context, "已建立{obj}，现在处于“制定方案”阶段。")


@login_required
def village_rounds(request, pk):
    village = get_village_for_user(request.user, pk)
    round = Round.current_or_latest(village.pk)
    if round:
        return redirect(round)
    if can_edit_village(request.user, village):
        return redirect("posts:round-create", village.pk)
    return render(request, "posts/no_round.html", {"village": village})


def group_by_grid(missing, grid_names):
    """[(grid name or "", [what is missing there])], so a long checklist reads grid by grid."""
    groups = {}
    for item in missing:
        name = next((n for n in grid_names if item.startswith(n)), "")
        text = item[len(name) :].lstrip("：的") if name else item
        groups.setdefault(name, []).append(text.rstrip("。"))
    return sorted(groups.items(), key=lambda kv: (kv[0] != "", grid_names.index(kv[0]) if kv[0] else 0))


@login_required
@reused_page
def round_detail(request, pk):
    round = get_round_for_user(request.user, pk)
    grids = list(
        round.village.grids.annotate(post_count=Count("posts"), places=Sum("posts__places")).order_by("number")
    )
    counts = round.assignments.values_list("post__grid", "status").annotate(n=Count("pk")).order_by()
    by_grid = {}
    for grid_id, status, n in counts:
        by_grid.setdefault(grid_id, {})[status] = n
    for g in grids:
        g.counts = by_grid.get(g.pk, {})
        g.applicants = sum(g.counts.values())
        g.holding = sum(g.counts.get(s, 0) for s in HOLDING)
    context = {
        "round": round,
        "village": round.village,
        "stages": [(s, Stage(s).label, i) for i, s in enumerate(STAGE_ORDER)],
        "stage_index": round.stage_index(),
        "missing": group_by_grid(round.missing_to_leave(), [g.name for g in grids]),
        "logs": round.logs.select_related("by").order_by("at", "pk"),
        "grids": grids,
        "can_edit": can_edit_village(request.user, round.village),
        "trainings": round.trainings.annotate(n=Count("attendees")).order_by("held_on"),
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
        target = round.advance(by=request.user, note=request.POST.get("note", "").strip())
    except TransitionError as error:
        refuse(request, error)
    else:
        messages.success(request, f"已进入“{Stage(target).label}”阶段。")
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


# --- a round seen from one grid ---------------------------------------------------------------------------


@login_required
@reused_page
def round_grid(request, pk, grid_pk):
    round, grid = get_round_grid_for_user(request.user, pk, grid_pk)
    assignments = round.assignments.filter(post__grid=grid).select_related("member", "contact")
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


def round_grid_url(round, grid):
    return reverse("posts:round-grid", args=[round.pk, grid.pk])


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
    form = forms.MeetingForm(request.POST or None)
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
        notice.raise_objection(by=request.user, **d)

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
        objection.answer_with(by=request.user, **d)
        # A resident's objection from the public page is answered in their feedback too.
        Feedback.objects.filter(objection=objection).exclude(state=FeedbackState.ANSWERED).update(
            state=FeedbackState.ANSWERED, answer=d["answer"], answered_on=d["answered_on"], answered_by=request.user
        )

    return act(request, form, answer, "已答复异议。", back, context)


# --- one assignment -----------------------------------------------------------------------------------------


@login_required
def assignment_detail(request, pk):
    a = get_assignment_for_user(request.user, pk)
    can_edit = can_edit_grid(request.user, a.post.grid)
    context = {
        "a": a,
        "grid": a.post.grid,
        "village": a.post.grid.village,
        "logs": a.logs.select_related("by", "meeting").order_by("at", "pk"),
        "moves": [(to, MOVE_TITLES[to]) for to in a.allowed_moves() if to in MOVE_TITLES] if can_edit else [],
        "can_record": can_edit and not a.missing_for_records(),
        "checkups": a.checkups.all(),
        "reports": a.reports.all(),
        "ratings": a.ratings.order_by("rated_on", "pk"),
        "objections": a.objections.order_by("raised_on"),
        "feedback": a.feedback.order_by("-created_at")[:20],
        "feedback_counts": feedback_counts(a),
    }
    return render(request, "posts/assignment.html", context)


def feedback_counts(assignment):
    """[(kind label, number)] of residents' feedback about a member on post, every kind shown."""
    counts = dict(assignment.feedback.values_list("kind").annotate(n=Count("pk")).order_by())
    return [(label, counts.get(kind, 0)) for kind, label in FeedbackKind.choices]


MOVE_TITLES = {
    Status.PROPOSED: "确定为拟上岗人选",
    Status.NOT_CHOSEN: "未选中",
    Status.ON_POST: "签订承诺书，确认上岗",
    Status.LEFT: "不再上岗 / 离岗",
    Status.ADJUSTED: "调整岗位",
}


@login_required
@require_http_methods(["GET", "POST"])
def assignment_move(request, pk, to):
    a = get_assignment_for_user(request.user, pk, edit=True)
    if to not in MOVE_TITLES:
        return render(request, "404.html", status=404)
    form = forms.MoveForm(request.POST or None, assignment=a, to=to)
    title = f"{a.member.name}（{a.post.name}）：{MOVE_TITLES[to]}"
    context = {"grid": a.post.grid, "village": a.post.grid.village, "title": title, "back": a.get_absolute_url()}

    def move(d):
        a.move(to, by=request.user, **d)

    success = f"{a.member.name}：{Status(to).label}。"
    return act(request, form, move, success, round_grid_url(a.round, a.post.grid), context)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_contact(request, pk):
    a = get_assignment_for_user(request.user, pk, edit=True)
    form = forms.ContactForm(request.POST or None, assignment=a, initial={"contact": a.contact})
    title = f"为{a.member.name}指定联系人"
    context = {"grid": a.post.grid, "village": a.post.grid.village, "title": title, "back": a.get_absolute_url()}

    def assign(d):
        a.assign_contact(d["contact"], by=request.user)

    success = lambda d: f"已指定{d['contact'].name}为联系人。"  # noqa: E731
    return act(request, form, assign, success, a.get_absolute_url(), context)


# kind → form, the field that records who entered it, page title, success message
RECORDS = {
    "checkup": (forms.CheckUpForm, "recorded_by", "登记工作督查", "已登记督查情况。"),
    "report": (forms.WorkReportForm, "recorded_by", "登记定期汇报", "已登记汇报。"),
    "rating": (forms.RatingForm, "rated_by", "评岗", "已登记评岗结果：{obj.grade_label}（{obj.score}分）。"),
}


@login_required
@require_http_methods(["GET", "POST"])
def assignment_record(request, pk, kind):
    a = get_assignment_for_user(request.user, pk, edit=True)
    if kind not in RECORDS:
        return render(request, "404.html", status=404)
    missing = a.missing_for_records()
    if missing:
        messages.error(request, "；".join(missing))
        return redirect(a)
    form_class, user_field, title, success = RECORDS[kind]
    form = form_class(request.POST or None)
    form.instance.assignment = a
    setattr(form.instance, user_field, request.user)
    context = {
        "grid": a.post.grid,
        "village": a.post.grid.village,
        "title": f"{a.member.name}：{title}",
        "back": a.get_absolute_url(),
    }
    return save_form(request, form, context, success)


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
    return save_form(request, form, context, "已登记集中培训“{obj.topic}”。")


def public_grid(request, token):
    """What residents see from the QR code on the wall sheet, and where they leave feedback. No login.

    Names and posts only; reached by the grid's unguessable token. Rate limits count in memory, so a flood
    is turned away before it costs a query.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if not ratelimit.allow(f"public-view:{address}", settings.PUBLIC_VIEWS_PER_MINUTE, 60):
        return render(request, "posts/public_busy.html", status=429)
    grid = get_object_or_404(Grid.objects.select_related("village", "secretary"), public_token=token)
    round = Round.current_or_latest(grid.village_id)
    on_post = round.members_on_post(grid) if round else {}
    posts = [(p, on_post.get(p.pk, [])) for p in grid.posts.order_by("post_type__order", "pk")]
    notice = Notice.latest_for(grid)
    running = Feedback.objection_window(notice)
    form = forms.FeedbackForm(
        request.POST or None, choices=feedback_choices(round, grid, running), objection_open=running is not None
    )
    sent = request.GET.get("sent") == "1"
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:  # the honeypot: a robot; look as if it worked, keep nothing
            return redirect(f"{request.path}?sent=1#feedback")
        if not (
            ratelimit.allow(f"feedback:{address}", settings.FEEDBACK_PER_ADDRESS, 600)
            and ratelimit.allow(f"feedback-grid:{grid.pk}", settings.FEEDBACK_PER_GRID, 3600)
        ):
            form.add_error(None, "留言太频繁了，请过一会儿再试；急事请拨打监督电话。")
        else:
            d = form.cleaned_data
            about = Assignment.objects.filter(pk=d["about"]).first() if d["about"] else None
            try:
                Feedback.submit(
                    grid,
                    d["kind"],
                    d["content"],
                    about=about,
                    name=d["name"],
                    phone=d["phone"],
                    address=address or None,
                )
            except TransitionError as error:
                form.add_error(None, "；".join(error.missing))
            else:
                return redirect(f"{request.path}?sent=1#feedback")
    context = {
        "grid": grid,
        "posts": posts,
        "round": round,
        "phone": notice.phone if notice else "",
        "notice": running,
        "form": form,
        "sent": sent,
    }
    return render(request, "posts/public_grid.html", context)


def feedback_choices(round, grid, running):
    """[(assignment pk, "name · post")] residents may name: members on post, and those under a running notice."""
    if round is None:
        return []
    statuses = [Status.ON_POST, *([Status.NOTICED] if running else [])]
    rows = round.assignments.filter(post__grid=grid, status__in=statuses).select_related("member", "post")
    return [(str(a.pk), f"{a.member.name} · {a.post.name}") for a in rows.order_by("post__post_type__order", "pk")]


@login_required
def feedback_queue(request, pk):
    """The grid secretary's queue of residents' feedback: new, being handled, answered."""
    grid = get_grid_for_user(request.user, pk)
    state = request.GET.get("state", "open")
    items = grid.feedback.select_related("about__member", "about__post", "answered_by", "objection")
    counts = dict(grid.feedback.values_list("state").annotate(n=Count("pk")).order_by())
    counts["open"] = counts.get(FeedbackState.NEW, 0) + counts.get(FeedbackState.HANDLING, 0)
    if state == "open":
        items = items.exclude(state=FeedbackState.ANSWERED)
    elif state in FeedbackState.values:
        items = items.filter(state=state)
    context = {
        "grid": grid,
        "village": grid.village,
        "items": items[:200],
        "state": state,
        "counts": counts,
        "can_edit": can_edit_grid(request.user, grid),
        "States": FeedbackState,
    }
    return render(request, "posts/feedback_queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feedback_answer(request, pk):
    item = get_object_or_404(
        Feedback.objects.select_related("grid__village", "objection"),
        pk=pk,
        grid__in=grids_for_user(request.user, edit=True),
    )
    back = reverse("posts:feedback", args=[item.grid_id])
    if request.method == "POST" and request.POST.get("take_up"):
        item.take_up()
        return redirect(back)
    form = forms.AnswerForm(request.POST or None)
    context = {
        "grid": item.grid,
        "village": item.grid.village,
        "title": f"答复群众反馈：{item.content[:30]}",
        "back": back,
    }

    def answer(d):
        item.answer_with(d["answer"], by=request.user, today=d["answered_on"])

    return act(request, form, answer, "已答复。", back, context)


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
        lambda r: r.assignments.select_related("post__grid", "member", "contact").order_by(
            "post__grid__number", "post_id", "rank", "pk"
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
    return xlsx_response(resource().export(rows), f"{name}{round.year}年度{label}.xlsx")


# --- the dashboard -------------------------------------------------------------------------------------------


def dashboard_scope(request):
    """(villages queryset, town or None, village or None, grid or None) from ?town=, ?village= or ?grid=.

    Access is part of the villages query itself (read scope): no extra query, and a 404 outside it.
    """
    mine = villages_for_user(request.user)
    for key in ("grid", "village", "town"):
        value = request.GET.get(key, "")
        if value.isdigit():
            if key == "grid":
                grid = get_grid_for_user(request.user, value)
                return mine.filter(pk=grid.village_id), None, grid.village, grid
            villages = mine.filter(**({"pk": value} if key == "village" else {"town": value}))
            return villages, key == "town", None, None
    raise Http404


def board_scope(villages, town_level):
    """(villages with their rounds, the town or village the board is about); 404 when there is none."""
    villages = dashboard.villages_of(villages)
    if not villages:
        raise Http404
    return villages, villages[0].town if town_level else villages[0]


def dashboard_page(request, villages, town_level):
    villages, scope = board_scope(villages, town_level)
    town, village = (scope, None) if town_level else (None, scope)
    scope_query = f"town={town.pk}" if town else f"village={village.pk}"
    key = f"{'town' if town else 'village'}:{','.join(str(v.pk) for v in villages)}"

    def body():
        context = dashboard_context(dashboard.build(villages), town, village, scope_query)
        return render_to_string("posts/_dashboard_body.html", context, request)

    # The figures are shared by everyone who reads these villages, reused until the data changes.
    seconds = settings.DASHBOARD_CACHE_SECONDS
    html = reuse(f"dashboard:{key}", seconds, body) if seconds else body()
    html = mark_safe(html)  # the project's own template, rendered above  # noqa: S308
    context = {"town": town, "village": village, "scope_query": scope_query, "body": html}
    return render(request, "posts/dashboard.html", context)


@login_required
@reused_page
def town_dashboard(request, pk):
    return dashboard_page(request, villages_for_user(request.user).filter(town=pk), town_level=True)


@login_required
@reused_page
def village_dashboard(request, pk):
    return dashboard_page(request, villages_for_user(request.user).filter(pk=pk), town_level=False)


def dashboard_context(board, town, village, scope_query):
    """The page's tables and the charts' data (labels, values and where a click leads)."""
    members = reverse("posts:dashboard-members")
    if town:
        units = [
            (v.village.name, v.figures, reverse("posts:village-dashboard", args=[v.village.pk])) for v in board.villages
        ]
    else:
        units = [(g.grid.name, g.figures, f"{members}?grid={g.grid.pk}&figure=on_post") for g in board.grids]
    grade_values = [(value, label, n) for value, label, n in board.total.grade_list if n]
    charts = {
        "participation": {
            "kind": "bar",
            "unit": "%",
            "labels": [name for name, _, _ in units],
            "values": [f.rate for _, f, _ in units],
            "links": [url for _, _, url in units],
        },
        "ratings": {
            "kind": "pie",
            "labels": [label for _, label, _ in grade_values],
            "values": [n for _, _, n in grade_values],
            "links": [f"{members}?{scope_query}&figure=grade-{value}" for value, _, _ in grade_values],
            "colours": [dashboard.GRADE_COLOURS[value] for value, _, _ in grade_values],
        },
    }
    if town:
        stages = board.stages
        charts["stages"] = {
            "kind": "bar",
            "unit": "个村",
            "labels": [s for s, _ in stages],
            "values": [n for _, n in stages],
            "links": [],
        }
    return {
        "board": board,
        "town": town,
        "village": village,
        "charts": charts,
        "scope_query": scope_query,
        "columns": dashboard.COLUMNS,
        "coverage": board.coverage_rows(by_village=bool(town)),
        "figure_links": {"members", "eligible", "on_post", "adjusted"},
    }


@login_required
def dashboard_members(request):
    """The members behind a number of the dashboard."""
    villages, town_level, village, grid = dashboard_scope(request)
    figure = request.GET.get("figure", "")
    try:
        title, rows = dashboard.members_behind(figure, villages, grid)
    except KeyError:
        raise Http404 from None
    villages = list(villages.select_related("town")[:2])
    if not villages:
        raise Http404
    where = str(grid) if grid else (villages[0].town.name if town_level else villages[0].name)
    context = {
        "title": f"{where}：{title}",
        "rows": rows,
        "village": village or (None if town_level else villages[0]),
        "grid": grid,
        "town": villages[0].town if town_level else None,
    }
    return render(request, "posts/dashboard_members.html", context)


@login_required
def dashboard_export(request):
    """The dashboard's figures as .xlsx: one row per village (town) or per grid (village), and the total."""
    villages, town_level, _, _ = dashboard_scope(request)
    villages, scope = board_scope(villages, town_level=bool(town_level))
    board = dashboard.build(villages)
    headers = ["村" if town_level else "网格", "所处阶段", *(label for _, label in dashboard.COLUMNS)]
    if not town_level:
        headers[1:2] = []
    dataset = Dataset(headers=headers)
    if town_level:
        for v in board.villages:
            stage = v.round.get_stage_display() if v.round else "未启动"
            dataset.append([v.village.name, stage, *(value for _, value in v.figures.cells)])
        dataset.append(["合计", "", *(value for _, value in board.total.cells)])
    else:
        for g in board.grids:
            dataset.append([g.grid.name, *(value for _, value in g.figures.cells)])
        dataset.append(["合计", *(value for _, value in board.total.cells)])
    return xlsx_response(dataset, f"{scope.name}设岗定责工作看板.xlsx")


@login_required
def round_blockers(request, pk):
    """What still keeps a village's round in its stage (the workflow's own checklist), for the dashboard."""
    round = get_round_for_user(request.user, pk)
    return render(request, "posts/_blockers.html", {"round": round, "missing": round.missing_to_leave()})


# --- 建议配岗 --------------------------------------------------------------------------------------------------


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
