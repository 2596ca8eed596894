"""Members on post on their phones: the slip that lets them in, the first-use PIN, and their own page."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import onpost, points
from ..models import (
    ClaimState,
    DutyRecord,
    DutyState,
    DutyTerms,
    PointClaim,
    PointTerms,
    RequestState,
    ResidentRequest,
    Status,
    WorkReport,
)
from ..models.duty import WITH_MEMBER


def signin(request, code):
    """What a slip's QR code opens: the sign-in page with the slip's code filled in, going on to the member's page."""
    if request.user.is_authenticated and onpost.member_of(request.user):
        return redirect("posts:onpost-home")
    query = urlencode({"u": code.upper()[:20], "next": reverse("posts:onpost-home")})
    return redirect(f"{reverse('login')}?{query}")


def member_required(view):
    """A view for members on post: signed in as a member who serves (onpost.FirstUseMiddleware has already sent
    one who has not replaced the slip's PIN to do so)."""

    @login_required
    def wrapped(request, *args, **kwargs):
        member = onpost.member_of(request.user)
        if member is None:
            raise Http404
        request.member = member
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@never_cache
@require_http_methods(["GET", "POST"])
def first_pin(request):
    """The member replaces the PIN printed on their slip (and may change it again later)."""
    account = request.member.account
    errors = []
    if request.method == "POST":
        pin, again = request.POST.get("pin", "").strip(), request.POST.get("again", "").strip()
        if pin != again:
            errors = ["两次输入的密码不一样，请重新输入。"]
        elif request.user.check_password(pin):
            errors = ["新密码不能和原来的一样。"]
        else:
            try:
                onpost.validate_pin(pin, request.user)
            except ValidationError as error:
                errors = error.messages
        if not errors:
            request.user.set_password(pin)
            request.user.save(update_fields=["password"])
            update_session_auth_hash(request, request.user)
            account.must_change = False
            account.save(update_fields=["must_change"])
            messages.success(request, "新密码已设置，请记住它。以后用手机号或登录编码加新密码登录。")
            return redirect("posts:onpost-home")
    context = {"first": account.must_change, "errors": errors, "help": onpost.PinValidator().get_help_text()}
    return render(request, "posts/onpost/pin.html", context)


first_pin = member_required(first_pin)


@never_cache
def home(request):
    """The member's own page: their post and duties, who to call, what is with them, what they recorded, and the
    next report due."""
    member = request.member
    today = timezone.localdate()
    assignments = list(onpost.assignments_of(member))
    posts = []
    for a in assignments:
        terms = DutyTerms.for_town(a.post.grid.village.town_id)
        start, end, period = terms.period_of(today)
        reported = WorkReport.objects.filter(assignment=a, period_start=start).exists()
        days_left = (end - today).days
        posts.append({"a": a, "period": period, "period_end": end, "reported": reported, "days_left": days_left})
    ids = [a.pk for a in assignments]
    with_me = (
        ResidentRequest.objects.filter(assignment__in=ids, state__in=WITH_MEMBER)
        .select_related("assignment")
        .order_by("with_member_at")
    )
    grids = {a.post.grid_id for a in assignments}
    new_requests = ResidentRequest.objects.filter(grid__in=grids, state=RequestState.NEW).count()
    records = DutyRecord.objects.filter(assignment__in=ids).select_related("kind").order_by("-done_on", "-pk")[:5]
    to_check = (
        DutyRecord.objects.filter(assignment__contact=member, state=DutyState.RECORDED)
        .exclude(assignment__member=member)
        .select_related("assignment__member", "kind")
        .order_by("done_on", "pk")[:20]
    )
    year_points = points.year_points(ids, today.year)
    terms = PointTerms.for_towns({a.post.grid.village.town_id for a in assignments})
    for p in posts:
        a = p["a"]
        total = year_points.get(a.pk, points.ZERO)
        p["points"], (p["next_star"], p["short"]) = total, points.next_star(total, terms[a.post.grid.village.town_id])
    to_decide = (
        PointClaim.objects.filter(
            assignment__post__grid__scoring_group__members=member,
            state=ClaimState.PENDING,
            assignment__status=Status.ON_POST,
        )
        .exclude(assignment__member=member)
        .select_related("assignment__member", "rule")
        .order_by("created_at", "pk")[:20]
    )
    context = {
        "member": member,
        "posts": posts,
        "to_decide": list(to_decide),
        "to_check": list(to_check),
        "with_me": list(with_me),
        "new_requests": new_requests,
        "records": list(records),
    }
    return render(request, "posts/onpost/home.html", context)


home = member_required(home)
