"""Points (积分管理): the town's catalogue of rules, each grid's scoring group, claims and their decisions, each
member's register and the grid's quarterly register.

The town's committee edits its rules; others in the town read them. A claim is made by the member on their
phone or by a secretary for them, and decided by the grid's scoring group (评分小组) or its secretaries, never
by the one who claimed it nor the member it is for. The register is derived (posts.points.recompute): pages
read the stored lines, which every change of a source rebuilds.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from grids.access import (
    can_edit_grid,
    get_grid_for_user,
    get_town_for_user,
    grids_for_user,
    towns_for_user,
    villages_for_user,
)

from .. import forms, onpost, points
from ..dashboard import PointFigures
from ..ledger import ledger_assignments_for_user
from ..models import (
    Assignment,
    BranchPointEntry,
    ClaimState,
    PointClaim,
    PointEntry,
    PointRule,
    PointsNotice,
    PointsObjection,
    PointTerms,
    ScoringGroup,
    Status,
    TransitionError,
)
from .common import act

# --- the town's rules ------------------------------------------------------------------------------------------


def get_rules_town_for_user(user, pk):
    """The town whose rules a user reads: its committee and the county's, and the secretaries of its villages and
    grids."""
    from grids.models import Town

    scope = (
        Q(pk__in=towns_for_user(user).values("pk"))
        | Q(pk__in=villages_for_user(user).values("town"))
        | Q(pk__in=grids_for_user(user).values("village__town"))
    )
    return get_object_or_404(Town.objects.filter(scope), pk=pk)


def edits_town(user, town):
    return user.is_superuser or town.committee.filter(pk=user.pk).exists()


def get_rule_for_user(user, pk):
    """A rule the user may change: of a town on whose committee they sit."""
    rule = get_object_or_404(PointRule.objects.select_related("town"), pk=pk, town__in=towns_for_user(user))
    if not edits_town(user, rule.town):
        raise Http404
    return rule


@login_required
def point_rules(request, pk):
    """积分规则: the town's catalogue, rules in force first, and its scale (caps, star thresholds)."""
    town = get_rules_town_for_user(request.user, pk)
    today = timezone.localdate()
    rules = points.rules_of(town, today)
    context = {
        "town": town,
        "title": f"{town.name}积分规则",
        "in_force": [r for r in rules if r.valid_to is None or r.valid_to >= today],
        "ended": [r for r in rules if r.valid_to is not None and r.valid_to < today],
        "terms": PointTerms.for_towns([town.pk])[town.pk],
        "can_edit": edits_town(request.user, town),
        "today": today,
    }
    return render(request, "posts/points/rules.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def point_rule_add(request, pk):
    town = get_town_for_user(request.user, pk)
    if not edits_town(request.user, town):
        raise Http404
    back = reverse("posts:point-rules", args=[town.pk])
    today = timezone.localdate()
    form = forms.PointRuleForm(request.POST or None, initial={"valid_from": today})

    def add(d):
        rules = points.rules_of(town, today)  # the defaults first, for a town that has none yet
        rule = PointRule(town=town, order=max((r.order for r in rules), default=0) + 10, **d)
        rule._history_user = request.user
        rule.save()
        return rule

    context = {"title": f"{town.name}：增加积分规则", "back": back}
    return act(request, form, add, "已增加积分规则。", back, context)


@login_required
@require_http_methods(["GET", "POST"])
def point_rule_change(request, pk):
    """A rule changed from a date: the old one ends the day before, so past entries keep their points."""
    rule = get_rule_for_user(request.user, pk)
    back = reverse("posts:point-rules", args=[rule.town_id])
    if rule.valid_to is not None:
        messages.info(request, f"“{rule.name}”已经停用，不能再修改。")
        return redirect(back)
    form = forms.PointRuleChangeForm(request.POST or None, rule=rule)

    def change(d):
        changes = {k: v for k, v in d.items() if k != "on"}
        return points.change_rule(rule, d["on"], by=request.user, **changes)

    def done(d):
        return f"已修改“{d['name']}”，{d['on']:%Y年%-m月%-d日}起按新分值计分；此前的积分不变。"

    context = {"title": f"修改积分规则：{rule.name}", "back": back}
    return act(request, form, change, done, back, context)


@login_required
@require_http_methods(["GET", "POST"])
def point_rule_end(request, pk):
    rule = get_rule_for_user(request.user, pk)
    back = reverse("posts:point-rules", args=[rule.town_id])
    form = forms.PointRuleEndForm(request.POST or None, initial={"last_day": timezone.localdate()})

    def end(d):
        return points.end_rule(rule, d["last_day"], by=request.user)

    context = {"title": f"停用积分规则：{rule.name}", "back": back}
    return act(request, form, end, f"已停用“{rule.name}”，此前的积分不变。", back, context)


@login_required
@require_http_methods(["GET", "POST"])
def point_terms(request, pk):
    """积分与星级标准: the category caps, star thresholds and notice days of the town."""
    town = get_town_for_user(request.user, pk)
    if not edits_town(request.user, town):
        raise Http404
    back = reverse("posts:point-rules", args=[town.pk])
    terms = PointTerms.objects.filter(town=town).first() or PointTerms(town=town)
    form = forms.PointTermsForm(request.POST or None, instance=terms)
    context = {"title": f"{town.name}积分与星级标准", "back": back}
    return act(request, form, lambda d: form.save(), "已保存积分与星级标准。", back, context)


# --- the scoring group -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scoring_group(request, pk):
    """评分小组 of a grid: three to five members of its branch, chosen by the grid's or village's secretary."""
    grid = get_grid_for_user(request.user, pk, edit=True)
    group = ScoringGroup.objects.filter(grid=grid).first()
    initial = {"members": list(group.members.values_list("pk", flat=True))} if group else {}
    form = forms.ScoringGroupForm(request.POST or None, grid=grid, initial=initial)
    back = reverse("posts:grid-claims", args=[grid.pk])

    def save(d):
        found, _ = ScoringGroup.objects.get_or_create(grid=grid)
        found.members.set(d["members"])

    names = "、".join(m.name for m in form.cleaned_data["members"]) if form.is_bound and form.is_valid() else ""
    context = {"grid": grid, "village": grid.village, "title": f"{grid.name}评分小组", "back": back}
    return act(request, form, save, f"已设定评分小组：{names}。", back, context)


def group_member_ids(grid_id):
    return set(ScoringGroup.members.through.objects.filter(scoringgroup__grid=grid_id).values_list("member", flat=True))


# --- claims ------------------------------------------------------------------------------------------------------


def may_claim_for(user, assignment):
    """The member themself, or the grid's or village's secretary for them."""
    if user.is_superuser or user.pk in onpost.grid_secretaries(assignment.post.grid):
        return True
    member = onpost.member_of(user)
    return member is not None and member.pk == assignment.member_id


def claims():
    return PointClaim.objects.select_related(
        "rule", "claimed_by", "decided_by", "assignment__member", "assignment__post__grid__village"
    )


def get_claim_for_user(user, pk):
    """A claim of a member whose ledger the user reads, or of the grid whose scoring group they sit on."""
    member = onpost.member_of(user)
    scope = Q(assignment__in=ledger_assignments_for_user(user).values("pk"))
    if member is not None:
        scope |= Q(assignment__post__grid__scoring_group__members=member.pk)
    return get_object_or_404(claims().filter(scope).distinct(), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def claim_add(request, pk):
    """积分申报: a member claims points on their phone, or a secretary claims for them."""
    a = get_object_or_404(
        ledger_assignments_for_user(request.user).select_related("member", "post__grid__village", "round"), pk=pk
    )
    if not may_claim_for(request.user, a):
        raise Http404
    back = reverse("posts:point-register", args=[a.pk])
    if a.status != Status.ON_POST:
        messages.error(request, f"{a.member.name}现在是“{a.get_status_display()}”，只有在岗党员才能申报积分。")
        return redirect(back)
    today = timezone.localdate()
    points.rules_of(a.post.grid.village.town, today)
    rules = points.claimable_rules(a.post.grid.village.town_id, today)
    form = forms.PointClaimForm(request.POST or None, rules=rules, today=today)

    def add(d):
        claim = PointClaim(assignment=a, claimed_by=request.user, **d)
        claim._history_user = request.user
        claim.save()
        return claim

    title = f"{a.member.name}：申报积分"
    context = {"grid": a.post.grid, "village": a.post.grid.village, "title": title, "back": back}
    context["phone"] = onpost.member_of(request.user) is not None  # the member on their phone
    if not rules.exists():
        context["form"] = form
        messages.info(request, "镇里现在没有可以申报的积分事项。")
        return redirect(back)
    done = "已提交申报，等评分小组审核。"
    return act(request, form, add, done, lambda claim: reverse("posts:claim", args=[claim.pk]), context)


@login_required
@require_http_methods(["GET", "POST"])
def claim(request, pk):
    """A claim with its decision: the scoring group or the grid's secretary approves or refuses it."""
    found = get_claim_for_user(request.user, pk)
    grid = found.assignment.post.grid
    may_decide = found.state == ClaimState.PENDING and points.may_decide_claim(
        request.user, found, group_member_ids(grid.pk)
    )
    form = forms.PointClaimDecisionForm(request.POST or None)
    if request.method == "POST":
        verdict = request.POST.get("verdict")
        if not points.may_decide_claim(request.user, found, group_member_ids(grid.pk)) or verdict not in (
            "approve",
            "refuse",
        ):
            raise Http404
        if form.is_valid():
            try:
                points.decide_claim(found, request.user, verdict == "approve", form.cleaned_data["reason"])
            except TransitionError as error:
                messages.info(request, error.what_happened or "；".join(error.missing))
            else:
                messages.success(request, "已通过，积分已记入登记簿。" if verdict == "approve" else "已退回申报。")
        return redirect("posts:claim", found.pk)
    context = {
        "claim": found,
        "a": found.assignment,
        "grid": grid,
        "village": grid.village,
        "title": f"{found.assignment.member.name}的积分申报",
        "may_decide": may_decide,
        "form": form,
        "own": found.claimed_by_id == request.user.pk,
        "may_open_register": ledger_assignments_for_user(request.user).filter(pk=found.assignment_id).exists(),
    }
    return render(request, "posts/points/claim.html", context)


@login_required
def grid_claims(request, pk):
    """The grid's claims, those waiting first, and its scoring group."""
    grid = get_grid_for_user(request.user, pk)
    rows = claims().filter(assignment__post__grid=grid)
    group = ScoringGroup.objects.filter(grid=grid).prefetch_related("members").first()
    context = {
        "grid": grid,
        "village": grid.village,
        "title": f"{grid.name}积分申报",
        "pending": list(rows.filter(state=ClaimState.PENDING).order_by("created_at", "pk")),
        "decided": list(rows.exclude(state=ClaimState.PENDING).order_by("-decided_at", "-pk")[:50]),
        "group": list(group.members.all()) if group else [],
        "can_edit": can_edit_grid(request.user, grid),
    }
    return render(request, "posts/points/grid_claims.html", context)


# --- the register ------------------------------------------------------------------------------------------------

QUARTER_NAMES = points.QUARTER_NAMES
SOURCE_PAGES = {
    "duty": "posts:duty-record",
    "request": "posts:request",
    "overdue": "posts:request",
    "claim": "posts:claim",
}


def get_register_assignment_for_user(user, pk):
    """A member's register: staff of the member's grid (and those above it) read it; a member reads only their own."""
    member = onpost.member_of(user)
    scope = Q(post__grid__in=grids_for_user(user).values("pk"))
    if member is not None:
        scope |= Q(member=member.pk)
    qs = Assignment.objects.filter(scope).select_related("member", "round", "post__grid__village__town")
    return get_object_or_404(qs, pk=pk)


def year_asked(request, default):
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else default


def source_link(entry):
    kind, _, key = entry.source_key.partition(":")
    name = SOURCE_PAGES.get(kind)
    return reverse(name, args=[key]) if name and key.isdigit() else ""


def register_rows(entries):
    """The register's lines in date order with the running totals of their quarter and of the year."""
    rows, quarter_sums, year_sum = [], {}, points.ZERO
    for e in entries:
        q = points.quarter_of(e.on)[1]
        quarter_sums[q] = quarter_sums.get(q, points.ZERO) + e.points
        year_sum += e.points
        rows.append({"e": e, "quarter": q, "quarter_total": quarter_sums[q], "year_total": year_sum,
                     "link": source_link(e)})  # fmt: skip
    return rows, quarter_sums, year_sum


@login_required
def point_register(request, pk):
    """积分登记簿 of one member: every entry with its rule, points (capped ones marked), source and approver."""
    a = get_register_assignment_for_user(request.user, pk)
    today = timezone.localdate()
    year = year_asked(request, today.year if a.round.year < today.year else a.round.year)
    entries = (
        PointEntry.objects.filter(assignment=a, on__year=year)
        .select_related("rule", "approved_by")
        .order_by("on", "pk")
    )
    rows, quarter_sums, year_total = register_rows(entries)
    terms = PointTerms.for_towns([a.post.grid.village.town_id])[a.post.grid.village.town_id]
    star, short = points.next_star(year_total, terms)
    member = onpost.member_of(request.user)
    own = member is not None and member.pk == a.member_id
    context = {
        "a": a,
        "grid": a.post.grid,
        "village": a.post.grid.village,
        "title": f"{a.member.name}的积分登记簿（{year}年）",
        "year": year,
        "rows": rows,
        "quarters": [(f"第{QUARTER_NAMES[q - 1]}季度", quarter_sums.get(q, points.ZERO)) for q in range(1, 5)],
        "year_total": year_total,
        "stars": terms.star_for(year_total),
        "next_star": star,
        "short": short,
        "own": own,
        "may_claim": a.status == Status.ON_POST and may_claim_for(request.user, a),
        "back": reverse("posts:onpost-home") if own else reverse("posts:assignment", args=[a.pk]),
    }
    return render(request, "posts/points/register.html", context)


def quarter_asked(request, today):
    text = request.GET.get("quarter", "")
    return int(text) if text in ("1", "2", "3", "4") else points.quarter_of(today)[1]


@login_required
def grid_points(request, pk):
    """The grid's register for a quarter: each member's points by category, the quarter's and the year's totals."""
    grid = get_grid_for_user(request.user, pk)
    today = timezone.localdate()
    year, quarter = year_asked(request, today.year), quarter_asked(request, today)
    rows = points.grid_register(grid, year, quarter)
    terms = PointTerms.for_towns([grid.village.town_id])[grid.village.town_id]
    branch_entries = list(
        BranchPointEntry.objects.filter(grid=grid, on__year=year).select_related("rule", "recorded_by")
    )
    # The branch's score as the dashboard counts it: its members on post in the year's round.
    in_round = set(points.scored_members(year, post__grid=grid).values_list("pk", flat=True))
    branch = PointFigures(
        totals=[y for a, *_, y in rows if a.pk in in_round], own=sum((e.points for e in branch_entries), points.ZERO)
    ).score_branch()
    notice = (
        PointsNotice.objects.filter(grid=grid, year=year, quarter=quarter)
        .prefetch_related(Prefetch("objections", PointsObjection.objects.select_related("assignment__member")))
        .first()
    )
    context = {
        "notice": notice,
        "today": today,
        "notice_running": notice is not None and notice.is_running(today),
        "can_edit": can_edit_grid(request.user, grid),
        "grid": grid,
        "village": grid.village,
        "title": f"{grid.name}积分登记簿 · {year}年第{QUARTER_NAMES[quarter - 1]}季度",
        "year": year,
        "quarter": quarter,
        "rows": [(a, cats, q, y, terms.star_for(y)) for a, cats, q, y in rows],
        "categories": points.PointCategory.choices,
        "years": range(today.year, today.year - 4, -1),
        "pending": PointClaim.objects.filter(assignment__post__grid=grid, state=ClaimState.PENDING).count(),
        "branch_entries": branch_entries,
        "branch": branch,
        "records_branch": records_branch_points(request.user, grid),
    }
    return render(request, "posts/points/grid.html", context)


def records_branch_points(user, grid):
    """Who scores a grid branch itself: the town's committee or the village's secretary (the 总支 over it), not
    the grid's own secretary."""
    return user.is_superuser or grid.village.secretary_id == user.pk or edits_town(user, grid.village.town)


@login_required
@require_http_methods(["GET", "POST"])
def branch_points_add(request, pk):
    """支部积分: record points of the grid branch itself under one of the town's rules for branches."""
    grid = get_grid_for_user(request.user, pk)
    if not records_branch_points(request.user, grid):
        raise Http404
    today = timezone.localdate()
    back = reverse("posts:grid-points", args=[grid.pk]) + "#branch-points"
    points.rules_of(grid.village.town, today)
    rules = points.claimable_rules(grid.village.town_id, today, source=points.PointSource.BRANCH)
    if not rules.exists():
        messages.info(request, "镇里现在没有给支部计分的积分规则：请镇党委在积分规则里增加计分方式为“支部积分”的事项。")
        return redirect(back)
    form = forms.BranchPointsForm(request.POST or None, rules=rules, today=today)

    def record(d):
        return points.record_branch_points(grid, d["rule"], d["on"], d["note"], request.user)

    def done(d):
        return f"已记载{grid.name}支部积分：{d['rule'].name}。"

    context = {"grid": grid, "village": grid.village, "title": f"{grid.name}：记载支部积分", "back": back}
    return act(request, form, record, done, back, context)


@login_required
@require_http_methods(["POST"])
def branch_points_withdraw(request, pk):
    """Take back a branch entry recorded by mistake (its history keeps it)."""
    entry = get_object_or_404(
        BranchPointEntry.objects.select_related("grid__village__town", "rule"),
        pk=pk,
        grid__in=grids_for_user(request.user).values("pk"),
    )
    if not records_branch_points(request.user, entry.grid):
        raise Http404
    points.withdraw_branch_points(entry, request.user)
    messages.success(request, f"已撤销{entry.grid.name}的支部积分：{entry.rule.name}（{entry.on:%Y-%m-%d}）。")
    return redirect(reverse("posts:grid-points", args=[entry.grid_id]) + "#branch-points")


@login_required
def points_none(request):
    """The members on post without points this quarter beyond their base (?town=, ?village= or ?grid=)."""
    from .dashboard import dashboard_scope

    villages, _, _, grid = dashboard_scope(request)
    today = timezone.localdate()
    on_post = Assignment.objects.filter(
        post__grid__village__in=villages.values("pk"), status=Status.ON_POST, round__year=today.year
    )
    if grid is not None:
        on_post = on_post.filter(post__grid=grid)
    rows = list(
        on_post.select_related("member", "post__grid__village").order_by(
            "post__grid__village", "post__grid__number", "member__name_key"
        )
    )
    none = set(points.no_points_this_quarter([a.pk for a in rows], today))
    year, quarter = points.quarter_of(today)
    context = {
        "title": f"{year}年第{QUARTER_NAMES[quarter - 1]}季度没有积分的在岗党员",
        "rows": [a for a in rows if a.pk in none],
        "grid": grid,
        "village": grid.village if grid else None,
    }
    return render(request, "posts/points/none.html", context)


# --- the quarter's register on notice (积分公示) --------------------------------------------------------------------


def get_points_notice_for_user(user, pk, edit=False):
    notices = PointsNotice.objects.filter(grid__in=grids_for_user(user, edit=edit).values("pk"))
    return get_object_or_404(notices.select_related("grid__village"), pk=pk)


def grid_points_url(notice):
    return f"{reverse('posts:grid-points', args=[notice.grid_id])}?year={notice.year}&quarter={notice.quarter}"


@login_required
@require_http_methods(["GET", "POST"])
def points_notice_publish(request, pk):
    """Put the grid's register for a quarter on notice (?year=&quarter=)."""
    grid = get_grid_for_user(request.user, pk, edit=True)
    today = timezone.localdate()
    year, quarter = year_asked(request, today.year), quarter_asked(request, today)
    terms = PointTerms.for_towns([grid.village.town_id])[grid.village.town_id]
    initial = {
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=terms.notice_days - 1),
        "phone": grid.secretary_phone,
    }
    form = forms.PointsNoticeForm(request.POST or None, initial=initial)
    back = f"{reverse('posts:grid-points', args=[grid.pk])}?year={year}&quarter={quarter}"
    title = f"发布{grid.name}{year}年第{points.QUARTER_NAMES[quarter - 1]}季度积分公示"
    context = {"grid": grid, "village": grid.village, "title": title, "back": back}
    return act(
        request, form, lambda d: points.publish_notice(grid, year, quarter, by=request.user, **d),
        "已发布积分公示，请打印张贴。", back, context,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def points_objection_create(request, pk):
    notice = get_points_notice_for_user(request.user, pk, edit=True)
    # The members the notice lists: those with a register in the grid for its quarter.
    listed = [a.pk for a, *_ in points.grid_register(notice.grid, notice.year, notice.quarter)]
    assignments = Assignment.objects.filter(pk__in=listed)
    form = forms.PointsObjectionForm(
        request.POST or None,
        assignments=assignments.select_related("member", "post").order_by("member__name_key"),
        initial={"raised_on": timezone.localdate()},
    )
    back = grid_points_url(notice)
    context = {"grid": notice.grid, "village": notice.grid.village, "title": f"登记对{notice}的异议", "back": back}
    return act(
        request, form, lambda d: points.raise_objection(notice, by=request.user, **d), "已登记异议，请调查核实并答复。",
        back, context,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def points_objection_answer(request, pk):
    grids = grids_for_user(request.user, edit=True).values("pk")
    objection = get_object_or_404(
        PointsObjection.objects.filter(notice__grid__in=grids).select_related("notice__grid__village"), pk=pk
    )
    form = forms.PointsObjectionAnswerForm(request.POST or None, initial={"answered_on": timezone.localdate()})
    back = grid_points_url(objection.notice)
    grid = objection.notice.grid
    context = {"grid": grid, "village": grid.village, "title": f"答复{objection.raised_by}的异议", "back": back}
    return act(
        request, form, lambda d: points.answer_objection(objection, by=request.user, **d), "已答复异议。", back,
        context,
    )  # fmt: skip
