from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from grids.access import (
    can_edit_grid,
)
from members.views import save_form

from .. import forms, ledger, onpost
from ..access import (
    get_assignment_for_user,
)
from ..models import (
    FeedbackKind,
    Status,
)
from .common import MOVE_TITLES, act, round_grid_url


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
        **ledger_context(request.user, a),
        **points_context(a),
    }
    return render(request, "posts/assignment.html", context)


def points_context(a):
    """The year's points (from the stored register) and the latest star, shown beside the three assessments."""
    from .. import points
    from ..models.points import StarRating

    year = a.round.year
    star = StarRating.objects.filter(assignment=a).select_related("star_round").order_by("-star_round__year").first()
    return {"points_year": year, "points_total": points.totals([a.pk], year)[a.pk]["year"], "star": star}


LEDGER_SHOWN = 20


def ledger_context(user, a):
    """The assignment's ledger on its page: counts by state and the latest entries."""
    latest = list(ledger.records().filter(assignment=a).order_by("-done_on", "-pk")[: LEDGER_SHOWN + 1])
    return {
        "ledger_records": latest[:LEDGER_SHOWN],
        "ledger_more": len(latest) > LEDGER_SHOWN,
        "ledger_counts": ledger.state_counts(a),
        "may_record": a.status == Status.ON_POST and onpost.may_record_for(user, a),
    }


def feedback_counts(assignment):
    """[(kind label, number)] of residents' feedback about a member on post, every kind shown."""
    counts = dict(assignment.feedback.values_list("kind").annotate(n=Count("pk")).order_by())
    return [(label, counts.get(kind, 0)) for kind, label in FeedbackKind.choices]


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


# kind → form, the field that records who entered it, page title, success message (reports: ledger.report_add)
RECORDS = {
    "checkup": (forms.CheckUpForm, "recorded_by", "登记工作督查", "已登记督查情况。"),
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
        messages.error(request, "现在不能登记：" + "；".join(m.rstrip("。") for m in missing) + "。")
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
