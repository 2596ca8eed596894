"""Residents' requests: 群众点单 on the grid's public page → 支部派单 by the grid's secretary → 党员接单 by a member
on post → 群众评单 with the receipt code (查询码).

Residents reach their own request by its code and nothing else; what they write shows publicly only once a
secretary approves it. Staff see the requests of the grids in their scope (the town reads, the grid's and the
village's secretaries dispatch); a member on post sees the new requests of their grid that fit their post, and
those given to them (posts.access.requests_for_user).
"""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grids.access import can_edit_grid, get_grid_for_user, get_town_for_user, villages_for_user
from grids.models import Grid
from jinchen import ratelimit

from .. import forms, points, services
from ..access import fits_post, get_request_for_user, member_requests_q, requests_for_user
from ..homes import overdue_requests_q
from ..models import (
    Assignment,
    DutyTerms,
    RequestKind,
    RequestState,
    ResidentRequest,
    Satisfaction,
    Status,
    TransitionError,
)
from ..models.duty import FINISHED, OPEN_STATES, WITH_MEMBER
from ..onpost import member_of

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PLEASED = [Satisfaction.SATISFIED, Satisfaction.FAIRLY]


# --- the residents' side (no login) ------------------------------------------------------------------------------


def public_grid_of(request, token):
    """The grid of a public page, or None when this address opens pages faster than a person does."""
    address = ratelimit.client_address(request)
    if not ratelimit.allow(f"public-view:{address}", settings.PUBLIC_VIEWS_PER_MINUTE, 60):
        return None
    return get_object_or_404(Grid.objects.select_related("village"), public_token=token)


def busy(request):
    return render(request, "posts/public_busy.html", status=429)


def public_summary(grid, today=None):
    """What the grid's members did for residents, without anyone's name: the counts, the last six months'
    finished requests by category, and the comments the secretary approved. Three queries."""
    today = today or timezone.localdate()
    counts = grid.requests.aggregate(
        received=Count("pk"),
        done=Count("pk", filter=Q(state__in=FINISHED)),
        rated=Count("pk", filter=~Q(satisfaction="")),
        pleased=Count("pk", filter=Q(satisfaction__in=PLEASED)),
    )
    counts["rate"] = round(100 * counts["pleased"] / counts["rated"]) if counts["rated"] else None
    first = today.replace(day=1)
    for _ in range(5):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    since = datetime.datetime.combine(first, datetime.time(), SHANGHAI)
    done = grid.requests.filter(state__in=FINISHED, done_at__gte=since)
    done = done.annotate(month=TruncMonth("done_at", tzinfo=SHANGHAI)).values_list("month", "category")
    months = {}
    for month, category, n in done.annotate(n=Count("pk")).order_by("-month", "category"):
        months.setdefault(month, []).append((forms.PLAIN_CATEGORIES.get(category, "其他"), n))
    comments = grid.requests.filter(comment_public=True).exclude(comment="").order_by("-finished_at", "-pk")
    return {
        "counts": counts,
        "months": list(months.items()),
        "comments": list(comments.values("comment", "satisfaction", "finished_at")[:5]),
        "Satisfaction": dict(Satisfaction.choices),
    }


def within_request_limits(address, grid):
    return ratelimit.allow(f"request:{address}", settings.REQUESTS_PER_ADDRESS, 600) and ratelimit.allow(
        f"request-grid:{grid.pk}", settings.REQUESTS_PER_GRID, 3600
    )


def track_url(grid, code, **flags):
    query = "".join(f"&{k}=1" for k in flags)
    return f"{reverse('posts:public-track', args=[grid.public_token])}?code={code}{query}"


@require_http_methods(["GET", "POST"])
def public_ask(request, token):
    """我要点单: the request form (also on the grid's page); it leads to the receipt with the code."""
    grid = public_grid_of(request, token)
    if grid is None:
        return busy(request)
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if d["website"]:  # the honeypot: a robot; look as if it worked, keep nothing
            return redirect(reverse("posts:public-grid", args=[token]))
        address = ratelimit.client_address(request)
        if not within_request_limits(address, grid):
            form.add_error(None, "提交太频繁了，请过一会儿再试；急事请直接找网格党支部书记。")
        else:
            req = services.submit_request(
                grid, d["kind"], d["category"], d["content"], name=d["name"], phone=d["phone"], address=address or None
            )
            return redirect(track_url(grid, req.code, sent=1))
    return render(request, "posts/requests/public_ask.html", {"grid": grid, "form": form})


def find_by_code(request, grid, form):
    """The grid's request with the code on `form` (valid or not), or None with the form's error said. Lookups
    are counted per address, so guessing codes soon stops."""
    address = ratelimit.client_address(request)
    if not ratelimit.allow(f"request-lookup:{address}", settings.REQUEST_LOOKUPS_PER_ADDRESS, 600):
        form.errors.clear()
        form.add_error(None, "查询太频繁了，请过一会儿再试。")
        return None
    if not form.is_valid():
        return None
    req = grid.requests.select_related("assignment__member").filter(code=form.cleaned_data["code"]).first()
    if req is None:
        form.add_error("code", "没有找到这个查询码。请核对后再输入（在哪个网格提交的，就在哪个网格的页面查询）。")
    return req


def public_track(request, token):
    """查询我的诉求: the request of one code, its course, and when it is done the rating buttons."""
    grid = public_grid_of(request, token)
    if grid is None:
        return busy(request)
    form = forms.LookupForm(request.GET or None)
    req = find_by_code(request, grid, form) if request.GET.get("code") is not None else None
    return render_track(request, grid, form, req)


def render_track(request, grid, form, req, rate_form=None, status=200):
    context = {"grid": grid, "form": form, "req": req, "sent": request.GET.get("sent") == "1"}
    if req is not None:
        context["steps"] = list(req.steps.order_by("at", "pk"))
        context["rate_form"] = rate_form or forms.RateForm(initial={"code": req.code})
        context["rated"] = request.GET.get("rated") == "1"
    return render(request, "posts/requests/public_track.html", context, status=status)


@require_POST
def public_rate(request, token):
    """评单: the resident confirms it was done and rates it (满意 / 基本满意 / 不满意)."""
    grid = public_grid_of(request, token)
    if grid is None:
        return busy(request)
    lookup = forms.LookupForm(request.POST)
    req = find_by_code(request, grid, lookup)
    if req is None:
        return render_track(request, grid, lookup, None, status=400)
    form = forms.RateForm(request.POST)
    if not form.is_valid():
        return render_track(request, grid, lookup, req, form, status=400)
    try:
        services.rate_request(req, form.cleaned_data["satisfaction"], form.cleaned_data["comment"])
    except TransitionError as error:
        form.add_error(None, error.missing)
        return render_track(request, grid, lookup, req, form, status=400)
    points.refresh([req.assignment_id])
    return redirect(track_url(grid, req.code, rated=1))


# --- staff and members ------------------------------------------------------------------------------------------

STATE_GROUPS = {
    "open": ("未办结", OPEN_STATES),
    "new": ("待派单", [RequestState.NEW]),
    "with_member": ("办理中", WITH_MEMBER),
    "done": ("待评价", [RequestState.DONE]),
    "finished": ("已办结", FINISHED),
    "all": ("全部", None),
}


def with_due(requests, terms, now=None):
    """[(request, due, overdue)] for requests with their grid's village loaded."""
    now = now or timezone.now()
    rows = []
    for r in requests:
        t = terms[r.grid.village.town_id]
        rows.append((r, r.due_at(t), r.is_overdue(t, now)))
    return rows


def request_list(request, requests, context):
    """A list of requests (already in scope), by state group, overdue only, kind or category: five queries."""
    group = request.GET.get("state", "open")
    group = group if group in STATE_GROUPS else "open"
    terms = DutyTerms.for_towns(set(requests.values_list("grid__village__town", flat=True).distinct()))
    late = overdue_requests_q(terms)
    counts = dict(requests.values_list("state").annotate(n=Count("pk")).order_by())
    overdue_count = requests.filter(late).count()
    rows = requests.select_related("grid__village", "assignment__member")
    if STATE_GROUPS[group][1]:
        rows = rows.filter(state__in=STATE_GROUPS[group][1])
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        rows = rows.filter(late)
    kind, category = request.GET.get("kind", ""), request.GET.get("category", "")
    if kind in RequestKind.values:
        rows = rows.filter(kind=kind)
    if category in forms.PLAIN_CATEGORIES:
        rows = rows.filter(category=category)
    groups = [(key, label, sum(counts.get(s, 0) for s in states) if states else sum(counts.values()))
              for key, (label, states) in STATE_GROUPS.items()]  # fmt: skip
    context = {
        **context,
        "rows": with_due(rows[:200], terms),
        "groups": groups,
        "group": group,
        "overdue_only": overdue_only,
        "overdue_count": overdue_count,
        "kind": kind,
        "category": category,
        "kinds": RequestKind.choices,
        "categories": forms.PLAIN_CATEGORIES.items(),
    }
    return render(request, "posts/requests/list.html", context)


@login_required
def grid_requests(request, pk):
    """The grid secretary's list of residents' requests."""
    grid = get_grid_for_user(request.user, pk)
    context = {"grid": grid, "village": grid.village, "title": f"{grid.name}群众点单"}
    return request_list(request, ResidentRequest.objects.filter(grid=grid), context)


@login_required
def requests_list(request):
    """Requests of a village or a town (the dashboard's drill-down): ?village= or ?town=."""
    village, town = request.GET.get("village", ""), request.GET.get("town", "")
    if village.isdigit():
        village = get_object_or_404(villages_for_user(request.user).select_related("town"), pk=village)
        requests = ResidentRequest.objects.filter(grid__village=village)
        context = {"village": village, "title": f"{village.name}群众点单", "scope": f"village={village.pk}&"}
    elif town.isdigit():
        town = get_town_for_user(request.user, town)
        requests = ResidentRequest.objects.filter(grid__village__town=town)
        context = {"town": town, "title": f"{town.name}群众点单", "scope": f"town={town.pk}&"}
    else:
        raise Http404
    return request_list(request, requests, context)


def candidates(req):
    """Members on post in the request's grid to dispatch to: those whose post fits first, each with how many
    requests they have open now (their load), the lightest first. One query."""
    rows = (
        Assignment.objects.filter(post__grid=req.grid_id, status=Status.ON_POST)
        .select_related("member", "post__post_type")
        .annotate(load=Count("requests", filter=Q(requests__state__in=WITH_MEMBER)))
    )
    fitting = set(rows.filter(fits_post(req.category)).values_list("pk", flat=True))
    ranked = sorted(rows, key=lambda a: (a.pk not in fitting, a.load, a.member.name_key, a.pk))
    return [(a, a.pk in fitting) for a in ranked]


def member_assignment(member, req):
    """The member's post in the request's grid that it fits best (their own when it is with them), or None."""
    if req.assignment_id and req.assignment.member_id == member.pk:
        return req.assignment
    mine = Assignment.objects.filter(member=member, status=Status.ON_POST, post__grid=req.grid_id)
    return mine.filter(fits_post(req.category)).first() or mine.first()


@login_required
def request_detail(request, pk):
    req = get_request_for_user(request.user, pk)
    can_edit = can_edit_grid(request.user, req.grid)
    member = None if can_edit else member_of(request.user)
    terms = DutyTerms.for_town(req.grid.village.town_id)
    mine = member is not None and req.assignment_id and req.assignment.member_id == member.pk
    context = {
        "req": req,
        "grid": req.grid,
        "village": req.grid.village,
        "steps": req.steps.select_related("by"),
        "due": req.due_at(terms),
        "overdue": req.is_overdue(terms),
        "can_edit": can_edit,
        "member": member,
        "mine": mine,
        "show_contact": can_edit or mine or member is None,
        "can_take": member is not None and (req.state == RequestState.NEW or (mine and req.state == "dispatched")),
        "can_hand_back": req.state in WITH_MEMBER and (can_edit or mine),
        "can_record": req.state in WITH_MEMBER and (can_edit or mine),
        "hand_back_form": forms.HandBackForm(),
    }
    if can_edit and req.state == RequestState.NEW:
        context["candidates"] = candidates(req)
    return render(request, "posts/requests/detail.html", context)


def say(request, error):
    """A refused move on the page it came from: who was faster, or what is missing."""
    if error.refresh:
        messages.warning(request, f"没有重复办理：{error.what_happened}")
    else:
        messages.error(request, "；".join(error.missing))


def to_act_on(user, pk):
    """(request, member or None) a user may move: in their edit scope as staff, or as a member on post any
    request of a grid they serve in that is new and fits them or is with them (a request someone else was
    faster with is still found, so the member is told what happened)."""
    found = requests_for_user(user, edit=True).select_related("grid__village", "assignment__member").filter(pk=pk)
    req = found.first()
    if req is not None:
        return req, None
    member = member_of(user)
    if member is None:
        raise Http404
    grids = Assignment.objects.filter(member=member, status=Status.ON_POST).values("post__grid")
    scope = member_requests_q(member) | (Q(grid__in=grids) & ~Q(state=RequestState.NEW))
    qs = ResidentRequest.objects.filter(scope).select_related("grid__village", "assignment__member")
    return get_object_or_404(qs, pk=pk), member


def after_move(req, member):
    return redirect(req.get_absolute_url() if member is None else reverse("posts:my-requests"))


@login_required
@require_POST
def request_dispatch(request, pk):
    req = get_request_for_user(request.user, pk, edit=True)
    on_post = Assignment.objects.filter(post__grid=req.grid_id, status=Status.ON_POST).select_related("member", "post")
    assignment = get_object_or_404(on_post, pk=request.POST.get("assignment") or 0)
    try:
        services.dispatch_request(req, assignment, by=request.user)
    except TransitionError as error:
        say(request, error)
    else:
        messages.success(request, f"已派单给{assignment.member.name}。")
    return redirect(req.get_absolute_url())


@login_required
@require_POST
def request_take(request, pk):
    """接单, by the member on post themself."""
    req, member = to_act_on(request.user, pk)
    member = member or member_of(request.user)
    assignment = member_assignment(member, req) if member else None
    if assignment is None:
        raise Http404
    try:
        req.take(assignment, by=request.user)
    except TransitionError as error:
        say(request, error)
        return redirect("posts:my-requests")
    messages.success(request, "已接单。办理后请记录办理情况。")
    return redirect(req.get_absolute_url())


@login_required
@require_POST
def request_hand_back(request, pk):
    req, member = to_act_on(request.user, pk)
    if member is not None and req.state in WITH_MEMBER and req.assignment.member_id != member.pk:
        raise Http404
    form = forms.HandBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "退单时请写明原因。")
        return redirect(req.get_absolute_url())
    try:
        services.hand_back_request(req, request.user, form.cleaned_data["reason"])
    except TransitionError as error:
        say(request, error)
    else:
        messages.success(request, "已退单，等待网格党支部重新派单。")
    return after_move(req, member)


@login_required
@require_POST
def request_approve_comment(request, pk):
    req = get_request_for_user(request.user, pk, edit=True)
    req.approve_comment(by=request.user)
    messages.success(request, "评价意见已公开在本网格的群众页面（不显示姓名）。")
    return redirect(req.get_absolute_url())


@login_required
def my_requests(request):
    """A member on post's requests: new ones of their grid that fit their post, those with them, those done."""
    member = member_of(request.user)
    if member is None:
        raise Http404
    terms = DutyTerms.for_towns([member.grid.village.town_id])
    rows = ResidentRequest.objects.filter(member_requests_q(member)).select_related("grid__village")
    rows = with_due(rows.filter(state__in=OPEN_STATES).order_by("created_at", "pk"), terms)
    done = ResidentRequest.objects.filter(assignment__member=member, state__in=FINISHED).order_by("-done_at")[:20]
    context = {
        "member": member,
        "available": [row for row in rows if row[0].state == RequestState.NEW],
        "mine": [row for row in rows if row[0].state != RequestState.NEW],
        "done": done,
    }
    return render(request, "posts/requests/mine.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def duty_terms(request, pk):
    """履职与点单时限: the days the town allows; its committee sets them."""
    town = get_town_for_user(request.user, pk)
    if not (request.user.is_superuser or town.committee.filter(pk=request.user.pk).exists()):
        raise Http404
    form = forms.DutyTermsForm(request.POST or None, instance=DutyTerms.for_town(town.pk))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "已保存履职与点单时限。")
        return redirect("posts:town", town.pk)
    back = reverse("posts:town", args=[town.pk])
    return render(request, "form.html", {"form": form, "title": f"{town.name}履职与点单时限", "back": back})
