"""Star ratings (星级评定) of a grid branch: the round's page, its steps, changes of a star and the notice's
objections. The rules are in posts/stars.py; the town reads, the grid's and the village's secretaries record."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from grids.access import can_edit_grid, get_grid_for_user, grids_for_user

from .. import forms, stars
from ..models.points import STAR_STEPS, StarObjection, StarRating, StarRound, StarStep
from .common import act


def star_rounds_for_user(user, edit=False):
    return StarRound.objects.filter(grid__in=grids_for_user(user, edit=edit).values("pk"))


def get_star_round_for_user(user, pk, edit=False):
    qs = star_rounds_for_user(user, edit=edit).select_related("grid__village__town", "grid__secretary")
    return get_object_or_404(qs, pk=pk)


def grid_context(grid, title, back):
    return {"grid": grid, "village": grid.village, "title": title, "back": back}


@login_required
def grid_stars(request, pk):
    grid = get_grid_for_user(request.user, pk)
    rounds = grid.star_rounds.order_by("-year")
    context = {"grid": grid, "village": grid.village, "rounds": rounds, "can_edit": can_edit_grid(request.user, grid)}
    return render(request, "posts/stars/grid_stars.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def star_round_create(request, pk):
    grid = get_grid_for_user(request.user, pk, edit=True)
    form = forms.StarRoundForm(request.POST or None)
    context = grid_context(grid, f"{grid.branch_name}：发起年度星级评定", reverse("posts:grid-stars", args=[grid.pk]))

    def start(d):
        return stars.open_round(grid, d["year"], by=request.user)

    success = lambda d: f"已发起{d['year']}年度星级评定，系统已按积分提出建议星级。"  # noqa: E731
    return act(request, form, start, success, lambda r: r.get_absolute_url(), context)


@login_required
def star_round(request, pk):
    star_round = get_star_round_for_user(request.user, pk)
    grid = star_round.grid
    terms = stars.terms_for(grid)
    ratings = list(
        star_round.ratings.select_related("assignment__member", "assignment__post").order_by(
            "-total", "assignment__post__post_type__order", "pk"
        )
    )
    records = list(star_round.records.select_related("by").order_by("at", "pk"))
    held = stars.step_records(star_round, records)
    current = stars.step_index(star_round.step)
    steps = [
        {
            "step": step,
            "label": step.label,
            "needs": stars.step_needs(step, terms),
            "record": held.get(step),
            "is_next": i == current + 1,
        }
        for i, step in enumerate(STAR_STEPS)
        if step != StarStep.PROPOSED
    ]
    objections = list(star_round.objections.select_related("rating__assignment__member").order_by("raised_on", "pk"))
    can_edit = can_edit_grid(request.user, grid)
    context = {
        "star_round": star_round,
        "grid": grid,
        "village": grid.village,
        "terms": terms,
        "ratings": ratings,
        "steps": steps,
        "objections": objections,
        "unanswered": sum(1 for o in objections if o.answered_on is None),
        "changes": stars.changes_after_award(star_round, records, {r.pk: r for r in ratings}),
        "can_edit": can_edit,
        "may_adjust": can_edit and stars.before_assembly(star_round),
        "may_lower": can_edit and star_round.step == StarStep.AWARDED,
        "may_object": can_edit and star_round.step == StarStep.NOTICE,
        "awarded": star_round.step == StarStep.AWARDED,
        "may_print_list": stars.step_index(star_round.step) >= stars.step_index(StarStep.NOTICE),
    }
    return render(request, "posts/stars/round.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def star_step(request, pk, step):
    star_round = get_star_round_for_user(request.user, pk, edit=True)
    if step not in STAR_STEPS or step == StarStep.PROPOSED:
        return render(request, "404.html", status=404)
    label = StarStep(step).label
    form = forms.StarStepForm(request.POST or None, step=step)
    context = grid_context(star_round.grid, f"{star_round}：{label}", star_round.get_absolute_url())
    form.fields["note"].help_text = stars.step_needs(step, stars.terms_for(star_round.grid))

    def record(d):
        return stars.record_step(
            star_round,
            step,
            d.get("held_on"),
            by=request.user,
            meeting=d["meeting"],
            note=d["note"],
            starts_on=d.get("starts_on"),
            ends_on=d.get("ends_on"),
        )

    return act(request, form, record, f"已记录“{label}”。", star_round.get_absolute_url(), context)


@login_required
@require_http_methods(["GET", "POST"])
def star_rating_change(request, pk):
    qs = StarRating.objects.filter(star_round__in=star_rounds_for_user(request.user, edit=True).values("pk"))
    rating = get_object_or_404(qs.select_related("star_round__grid__village", "assignment__member"), pk=pk)
    star_round = rating.star_round
    after_award = star_round.step == StarStep.AWARDED
    name = rating.assignment.member.name
    title = f"{name}：{'降低或撤销星级' if after_award else '调整星级'}（现在是{rating.get_stars_display()}）"
    context = grid_context(star_round.grid, title, star_round.get_absolute_url())
    if after_award and rating.stars == 0:
        context["overtaken"] = f"{name}现在未评星，没有可以降低的星级。"
        context["refresh"] = star_round.get_absolute_url()
    form = forms.StarChangeForm(request.POST or None, rating=rating, after_award=after_award)

    def change(d):
        if after_award:
            return stars.lower(rating, d["stars"], d["reason"], d["held_on"], by=request.user, meeting=d["meeting"])
        return stars.adjust(rating, d["stars"], d["reason"], by=request.user)

    success = lambda d: f"{name}的星级已改为{stars.STAR_LABELS[d['stars']]}。"  # noqa: E731
    return act(request, form, change, success, star_round.get_absolute_url(), context)


@login_required
@require_http_methods(["GET", "POST"])
def star_objection_create(request, pk):
    star_round = get_star_round_for_user(request.user, pk, edit=True)
    form = forms.StarObjectionForm(request.POST or None, star_round=star_round)
    context = grid_context(star_round.grid, f"{star_round}：登记异议", star_round.get_absolute_url())

    def save(d):
        return stars.raise_objection(
            star_round, d["rating"], d["raised_by"], d["raised_on"], d["content"], by=request.user
        )

    return act(request, form, save, "已登记异议，授牌前须答复。", star_round.get_absolute_url(), context)


@login_required
@require_http_methods(["GET", "POST"])
def star_objection_answer(request, pk):
    qs = StarObjection.objects.filter(star_round__in=star_rounds_for_user(request.user, edit=True).values("pk"))
    objection = get_object_or_404(qs.select_related("star_round__grid__village"), pk=pk)
    star_round = objection.star_round
    form = forms.StarAnswerForm(
        request.POST or None, initial={"answer": objection.answer} if objection.answer else None
    )
    context = grid_context(star_round.grid, f"答复{objection.raised_by}的异议", star_round.get_absolute_url())
    form.fields["answer"].help_text = f"异议内容：{objection.content}"

    def save(d):
        return stars.answer_objection(objection, d["answer"], d["answered_on"], by=request.user)

    return act(request, form, save, "已答复异议。", star_round.get_absolute_url(), context)
