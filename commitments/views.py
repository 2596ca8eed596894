from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grids.access import (
    can_edit_grid,
    get_grid_for_user,
    get_town_for_user,
    get_village_for_user,
    grids_for_user,
    towns_for_user,
    villages_for_user,
)
from members.models import MemberAccount
from posts import ledger, onpost
from posts.access import get_assignment_for_user
from posts.models import Assignment, Status

from . import documents, services
from .documents import DocumentError, public_base_url, qr_data_uri, qr_warning
from .models import BatchStatus, DocumentKind, IssuedDocument, PrintBatch
from .pdf import render_pdf

GRID_KINDS = {DocumentKind.POST_LIST, DocumentKind.NOTICE, DocumentKind.WALL_SHEET}
QR_KINDS = {DocumentKind.NOTICE, DocumentKind.WALL_SHEET}
SLIPS_PER_PAGE = 8


def pdf_response(document, download=False):
    """The archived PDF, shown in the browser's viewer, or saved when `download`, under a Chinese file name."""
    return FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        filename=f"{document.title}.pdf",
        as_attachment=download,
    )


def documents_for_user(user):
    """The archived documents a user may open: their grids' (a grid secretary's), their villages' (with every
    grid's), and their towns' town-wide batches (the committee's, the county's)."""
    if user.is_superuser:
        return IssuedDocument.objects.all()
    return IssuedDocument.objects.filter(
        Q(village__in=villages_for_user(user).values("pk"))
        | Q(grid__in=grids_for_user(user).values("pk"))
        | Q(village=None, town__in=towns_for_user(user).values("pk"))
    )


def printed(document):
    """After a print (a POST) the browser goes on to the archived document's own address (post/redirect/get): the
    PDF opens in the tab the person printed from, at an address that can be reloaded without printing again. A
    refusal goes back to the page the person was on, with the reason."""
    return redirect(document)


def back_url(request, fallback):
    referer = request.META.get("HTTP_REFERER", "")
    return referer if referer.startswith(request.build_absolute_uri("/")) else fallback


@login_required
@require_POST
def print_grid(request, pk, kind):
    grid = get_grid_for_user(request.user, pk)
    if kind not in GRID_KINDS:
        raise Http404
    try:
        document = services.issue_for_grid(kind, grid, by=request.user, base_url=public_base_url(request))
    except DocumentError as error:
        messages.error(request, f"不能打印{DocumentKind(kind).label}：{error}")
        return redirect(back_url(request, reverse("posts:grid-posts", args=[grid.pk])))
    return printed(document)


@login_required
@require_POST
def print_letter(request, pk):
    assignment = get_assignment_for_user(request.user, pk)
    try:
        document = services.issue_letter(assignment, by=request.user)
    except DocumentError as error:
        messages.error(request, f"不能打印承诺书：{error}")
        return redirect(back_url(request, assignment.get_absolute_url()))
    return printed(document)


@login_required
def document_list(request):
    docs = documents_for_user(request.user).select_related("village", "grid", "issued_by")[:200]
    batches = PrintBatch.objects.filter(requested_by=request.user).select_related("village", "town")[:20]
    return render(request, "commitments/documents.html", {"documents": docs, "batches": batches})


@login_required
def document_file(request, pk):
    document = get_object_or_404(documents_for_user(request.user), pk=pk)
    return pdf_response(document, download=request.GET.get("download") == "1")


@login_required
@require_POST
def batch_create(request):
    kind = request.POST.get("kind", "")
    if kind not in DocumentKind.values:
        raise Http404
    village_pk, town_pk = request.POST.get("village", ""), request.POST.get("town", "")
    if not (village_pk or town_pk).isdigit():
        raise Http404
    if village_pk:
        village = get_village_for_user(request.user, village_pk)
        town = village.town
    else:
        village, town = None, get_town_for_user(request.user, town_pk)
    batch = services.start_batch(kind, town, village, by=request.user, base_url=public_base_url(request))
    return redirect(batch)


def get_batch_for_user(user, pk):
    qs = PrintBatch.objects.select_related("village", "town", "document")
    if not user.is_superuser:
        villages, towns = villages_for_user(user).values("pk"), towns_for_user(user).values("pk")
        qs = qs.filter(Q(village__in=villages) | Q(village=None, town__in=towns))
    return get_object_or_404(qs, pk=pk)


@login_required
def batch_detail(request, pk):
    batch = get_batch_for_user(request.user, pk)
    template = "commitments/_batch_status.html" if request.headers.get("HX-Request") else "commitments/batch.html"
    warning = qr_warning(batch.base_url) if batch.kind in QR_KINDS and batch.base_url else ""
    return render(request, template, {"batch": batch, "BatchStatus": BatchStatus, "qr_warning": warning})


@login_required
@require_POST
def batch_retry(request, pk):
    batch = get_batch_for_user(request.user, pk)
    if not services.retry_batch(batch, by=request.user, base_url=public_base_url(request)):
        messages.error(request, "只有失败的批量打印才能重新生成。")
    return redirect(batch)


# --- members on post: their sign-in slips ------------------------------------------------------------------------


def grid_access_rows(grid):
    """The grid's members on post and contacts, each with their account (or None) and whether it lets them in."""
    serving = onpost.serving().filter(grid=grid)
    on_post = Assignment.objects.filter(member=OuterRef("pk"), status=Status.ON_POST)
    members = (
        grid.members.filter(pk__in=serving.values("pk"))
        .annotate(has_post=Exists(on_post))
        .select_related("account__user")
        .order_by("name_key", "pk")
    )
    former = MemberAccount.objects.filter(member__grid=grid, user__is_active=True).exclude(
        member__in=serving.values("pk")
    )
    return list(members), list(former.select_related("member", "user").order_by("member__name_key"))


@login_required
@require_http_methods(["GET", "POST"])
def member_access(request, pk):
    """在岗党员手机登录: the grid's secretary (or the village's) gives members on post their sign-in slips."""
    grid = get_grid_for_user(request.user, pk)
    if not can_edit_grid(request.user, grid):
        raise Http404
    members, former = grid_access_rows(grid)
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("member") if v.isdigit()}
        picked = [m for m in members if m.pk in chosen]
        if not picked:
            messages.error(request, "请先勾选要发放登录条的党员。")
            return redirect("commitments:member-access", grid.pk)
        base = public_base_url(request)
        slips = [slip(member, *onpost.issue_access(member, by=request.user), base) for member in picked]
        return slips_pdf(grid, slips)
    base = public_base_url(request)
    context = {"grid": grid, "members": members, "former": former, "qr_warning": qr_warning(base)}
    return render(request, "commitments/member_access.html", context)


def slip(member, account, pin, base_url):
    url = base_url.rstrip("/") + reverse("posts:onpost-signin", args=[account.user.username])
    return {"member": member, "code": account.user.username, "pin": pin, "url": url, "qr": qr_data_uri(url)}


def slips_pdf(grid, slips):
    """The slips, eight to an A4 sheet to cut apart. Not archived: they carry first PINs."""
    pages = [slips[i : i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]
    rows = [[page[i : i + 2] for i in range(0, len(page), 2)] for page in pages]
    sections = [render_to_string("commitments/member_slips.html", {"grid": grid, "rows": r}) for r in rows]
    pdf, _ = render_pdf(sections, f"{grid.village.name}{grid.name}在岗党员登录条")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = "inline; filename*=UTF-8''" + "%E7%99%BB%E5%BD%95%E6%9D%A1.pdf"  # 登录条.pdf
    response["Cache-Control"] = "no-store"
    return response


# --- the duty ledger (履职纪实台账): printed as asked for, not archived (it is a working record, not an issued
# document); the period comes from the ledger page's filter.


def ledger_pdf(sections, title):
    from django.http import HttpResponse

    from .pdf import render_pdf

    data, _ = render_pdf(sections, title)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(title + '.pdf')}"
    return response


@login_required
def ledger_grid(request, pk):
    grid = get_grid_for_user(request.user, pk)
    period = ledger.parse_period(request.GET.get("period"), timezone.localdate())
    title = f"{grid.village.name}{grid.name}履职纪实台账（{period.name}）"
    return ledger_pdf([documents.grid_ledger(grid, period)], title)


@login_required
def ledger_member(request, pk):
    assignment = ledger.get_ledger_assignment_for_user(request.user, pk)
    period = ledger.parse_period(request.GET.get("period"), timezone.localdate())
    title = f"{assignment.member.name}履职纪实台账（{period.name}）"
    return ledger_pdf([documents.member_ledger(assignment, period)], title)


# --- star ratings (星级评定): the list's notice and the plaques, printed as asked for from the round's page.


def get_star_round(user, pk):
    from posts.views.stars import get_star_round_for_user

    return get_star_round_for_user(user, pk)


def star_refused(request, star_round, what, error):
    messages.error(request, f"不能打印{what}：{error}")
    return redirect(star_round.get_absolute_url())


@login_required
def star_list(request, pk):
    star_round = get_star_round(request.user, pk)
    grid = star_round.grid
    try:
        sections = documents.star_list(star_round, base_url=public_base_url(request))
    except DocumentError as error:
        return star_refused(request, star_round, "星级评定结果公示", error)
    return ledger_pdf(sections, f"{grid.village.name}{grid.name}{star_round.year}年度星级党员评定结果公示")


@login_required
def star_plaques(request, pk):
    star_round = get_star_round(request.user, pk)
    grid = star_round.grid
    only = request.GET.get("rating")
    try:
        sections = documents.star_plaques(star_round, ratings={int(only)} if only and only.isdigit() else None)
    except DocumentError as error:
        return star_refused(request, star_round, "星级党员牌", error)
    return ledger_pdf(sections, f"{grid.village.name}{grid.name}{star_round.year}年度星级党员牌")


@login_required
def points_notice(request, pk):
    """积分公示 of a grid for a quarter (?year=&quarter=), as a PDF for the wall."""
    from posts.points import QUARTER_NAMES
    from posts.views.points import quarter_asked, year_asked

    grid = get_grid_for_user(request.user, pk)
    today = timezone.localdate()
    year, quarter = year_asked(request, today.year), quarter_asked(request, today)
    title = f"{grid.village.name}{grid.name}积分公示（{year}年第{QUARTER_NAMES[quarter - 1]}季度）"
    return ledger_pdf([documents.points_notice(grid, year, quarter, base_url=public_base_url(request))], title)
