from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from grids.access import (
    can_edit_grid,
    get_grid_for_user,
    grids_for_user,
)
from grids.models import Grid
from jinchen import ratelimit

from .. import forms, points, services
from ..models import (
    Assignment,
    Feedback,
    FeedbackKind,
    FeedbackState,
    Notice,
    PointsNotice,
    Round,
    Status,
    TransitionError,
)
from . import requests
from .common import act


def public_grid(request, token):
    """What residents see from the QR code on the wall sheet, and where they leave feedback. No login.

    Names and posts only; reached by the grid's unguessable token. Rate limits count in memory, so a flood
    is turned away before it costs a query.
    """
    address = ratelimit.client_address(request)
    if not ratelimit.allow(f"public-view:{address}", settings.PUBLIC_VIEWS_PER_MINUTE, 60):
        return render(request, "posts/public_busy.html", status=429)
    grid = get_object_or_404(Grid.objects.select_related("village", "secretary"), public_token=token)
    round = Round.current_or_latest(grid.village_id)
    on_post = round.members_on_post(grid) if round else {}
    posts = [(p, on_post.get(p.pk, [])) for p in grid.posts.order_by("post_type__order", "pk")]
    notice = Notice.latest_for(grid)
    running = Feedback.objection_window(notice)
    points_notice = PointsNotice.running_for(grid, timezone.localdate())
    named = nameable(round, grid, running)
    register = points_register(points_notice)  # who a points objection may name: the register on notice
    choices = {str(a.pk): f"{a.member.name} · {a.post.name}" for a in [*named, *(a for a, *_ in register)]}
    form = forms.FeedbackForm(
        request.POST or None,
        choices=list(choices.items()),
        objection_open=running is not None,
        points_open=points_notice is not None,
    )
    sent = request.GET.get("sent") == "1"
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:  # the honeypot: a robot; look as if it worked, keep nothing
            return redirect(f"{request.path}?sent=1#feedback")
        if wrong := wrong_person(form.cleaned_data, named, register):
            form.add_error("about", wrong)
        elif not within_limits(form.cleaned_data["kind"], running, address, grid, points_notice):
            form.add_error(None, "留言太频繁了，请过一会儿再试；急事请拨打监督电话。")
        else:
            d = form.cleaned_data
            about = Assignment.objects.filter(pk=d["about"]).first() if d["about"] else None
            try:
                if d["kind"] == forms.POINTS_OBJECTION[0]:
                    services.object_to_points(points_notice, d["content"], about, d["name"], d["phone"])
                    return redirect(f"{request.path}?sent=1#feedback")
                services.submit_feedback(
                    grid,
                    d["kind"],
                    d["content"],
                    about=about,
                    name=d["name"],
                    phone=d["phone"],
                    address=address or None,
                )
            except TransitionError as error:
                form.add_error(None, error.missing)
            else:
                return redirect(f"{request.path}?sent=1#feedback")
    context = {
        "grid": grid,
        "posts": posts,
        "round": round,
        "phone": notice.phone if notice else "",
        "notice": running,
        "points_notice": points_notice,
        "points_rows": [(a.member.name, quarter, year) for a, _, quarter, year in register],
        "on_notice": on_notice(named) if running else [],
        "form": form,
        "sent": sent,
        "request_form": forms.RequestForm(),
        "lookup_form": forms.LookupForm(),
        "summary": requests.public_summary(grid),
        **public_stars(grid),
    }
    return render(request, "posts/public_grid.html", context)


def points_register(notice):
    """The register on notice, as the printed 积分公示 lists it: [(assignment, by category, quarter, year)]."""
    return points.grid_register(notice.grid, notice.year, notice.quarter) if notice else []


def wrong_person(data, named, register):
    """Why the member a resident chose cannot be named in this kind of feedback (a page left open), or ""."""
    if not data["about"]:
        return ""
    if data["kind"] == forms.POINTS_OBJECTION[0]:
        if int(data["about"]) not in {a.pk for a, *_ in register}:
            return "这名党员不在这次积分公示的名单上，请重新选择，或选“整个网格”。"
    elif int(data["about"]) not in {a.pk for a in named}:
        return "这名党员现在不在岗，请重新选择，或选“整个网格”。"
    return ""


def public_stars(grid):
    """The grid's latest star list once on notice or awarded: names and stars, as on the wall (two queries)."""
    from ..models.points import StarRound, StarStep
    from ..stars import star_text

    shown = StarRound.objects.filter(grid=grid, step__in=[StarStep.NOTICE, StarStep.AWARDED]).order_by("-year")
    star_round = shown.first()
    if star_round is None:
        return {"star_round": None, "star_names": []}
    ratings = star_round.ratings.filter(stars__gt=0).select_related("assignment__member").order_by("-stars", "pk")
    names = [(r.assignment.member.name, star_text(r.stars), r.get_stars_display()) for r in ratings]
    return {"star_round": star_round, "star_names": names}


def within_limits(kind, running, address, grid, points_notice=None):
    """May this feedback be recorded now? An objection to the notice of posts that is running always may, and one
    to the quarter's points on notice counts against its own address only: a flood of messages from many
    addresses must never silence the objection a notice exists to hear."""
    if kind == FeedbackKind.OBJECTION and running is not None:
        return True
    if kind == forms.POINTS_OBJECTION[0] and points_notice is not None:  # one address's own budget, no grid's
        return ratelimit.allow(f"points-objection:{address}", settings.FEEDBACK_PER_ADDRESS, 600)
    return ratelimit.allow(f"feedback:{address}", settings.FEEDBACK_PER_ADDRESS, 600) and ratelimit.allow(
        f"feedback-grid:{grid.pk}", settings.FEEDBACK_PER_GRID, 3600
    )


def nameable(round, grid, running):
    """The assignments residents may name in feedback: members on post, and those under a running notice."""
    if round is None:
        return []
    statuses = [Status.ON_POST, *([Status.NOTICED] if running else [])]
    rows = round.assignments.filter(post__grid=grid, status__in=statuses).select_related("member", "post")
    return list(rows.order_by("post__post_type__order", "post_id", "pk"))


def on_notice(assignments):
    """[(post, [names])]: who is on notice for which post, as the notice lists them."""
    posts = {}
    for a in assignments:
        if a.status == Status.NOTICED:
            posts.setdefault(a.post_id, (a.post, []))[1].append(a.member.name)
    return list(posts.values())


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
    form = forms.AnswerForm(request.POST or None, criticism=item.kind == FeedbackKind.CRITICISM and item.about_id)
    context = {
        "grid": item.grid,
        "village": item.grid.village,
        "title": f"答复群众反馈：{item.content[:30]}",
        "back": back,
    }

    def answer(d):
        with transaction.atomic():
            item.answer_with(d["answer"], by=request.user, today=d["answered_on"])
            if d.get("upheld"):  # 批评属实: the member on post loses the rule's points from the answer's day
                item.upheld = True
                item.save(update_fields=["upheld"])
            points.refresh([item.about_id])

    return act(request, form, answer, "已答复。", back, context)
