"""What goes on each printed document, and when a document may not be printed yet.

Each builder returns the HTML sections of one kind of document for a grid, a village or the town; the
renderer (pdf.py) turns a list of sections into one PDF. A document that would be empty or premature
raises DocumentError with a message in Chinese instead.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone

from grids.models import Grid
from posts import ledger
from posts.models import STAGE_ORDER, Assignment, Notice, Round, RoundLog, Stage, Status

from . import poster
from .models import DocumentKind


class DocumentError(Exception):
    pass


def today_text():
    return formats.date_format(timezone.localdate(), "DATE_FORMAT")


def date_text(day):
    return formats.date_format(day, "DATE_FORMAT")


# --- the address in the QR codes ------------------------------------------------------------------------------

# What `manage.py runserver` serves: the last resort when neither the setting nor a request names an address.
LOCAL_BASE_URL = "http://127.0.0.1:8000"


def public_base_url(request):
    """The address residents reach the site at, for the QR codes of a print started by `request`:
    PUBLIC_BASE_URL when the deployment sets it, else the address the secretary's browser is using."""
    return settings.PUBLIC_BASE_URL or f"{request.scheme}://{request.get_host()}"


def is_local_address(base_url):
    """True if `base_url` names this machine (127.0.0.0/8, ::1, localhost) or no machine (0.0.0.0, ::): a phone
    that scans a QR code with it opens nothing."""
    host = (urlsplit(base_url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return ip.is_loopback or ip.is_unspecified


def qr_warning(base_url):
    """What the page offering a print says when its QR codes would point at this machine ("" when they are fine)."""
    if not is_local_address(base_url):
        return ""
    remedy = (
        "或请管理员把 PUBLIC_BASE_URL 改为居民能访问的地址"
        if settings.PUBLIC_BASE_URL
        else "或请管理员设置 PUBLIC_BASE_URL"
    )
    return f"二维码指向本机地址 {base_url}，居民手机扫码打不开：请从居民能访问的地址打开本系统，{remedy}。"


def public_url(grid, base_url=None):
    """The grid's public page (what its QR codes open) under `base_url`, by default the configured one."""
    base = (base_url or settings.PUBLIC_BASE_URL or LOCAL_BASE_URL).rstrip("/")
    return base + reverse("posts:public-grid", args=[grid.public_token])


def qr_data_uri(url):
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def round_for(village, at_least):
    """The village's running (or last) round, refused if it has not reached `at_least`."""
    round = Round.current_or_latest(village.pk)
    if round is None:
        raise DocumentError(f"{village.name}还没有开始设岗定责年度工作。")
    if STAGE_ORDER.index(round.stage) < STAGE_ORDER.index(at_least):
        raise DocumentError(
            f"{village.name}{round.year}年度设岗定责现在是“{round.get_stage_display()}”阶段，"
            f"到“{Stage(at_least).label}”阶段才能打印。"
        )
    return round


def post_list_date(round):
    """The day a 岗位公告 is dated: the day applications open. A round without that date (it is asked for before
    the round leaves 制定方案, so only older rounds lack it) uses the day it moved to 申报选岗, else the day it
    was created: fixed days, so a reprint is the same document."""
    if round.applications_open_on:
        return round.applications_open_on
    moved = RoundLog.objects.filter(round=round, to_stage=Stage.APPLICATION).order_by("at", "pk").first()
    return timezone.localdate(moved.at if moved else round.created_at)


def post_list(grid, base_url=None):
    round = round_for(grid.village, Stage.APPLICATION)
    posts = list(grid.posts.select_related("post_type").order_by("post_type__order", "pk"))
    if not posts:
        raise DocumentError(f"{grid.village.name}{grid.name}还没有设置岗位。")
    context = {"grid": grid, "posts": posts, "round": round, "today": date_text(post_list_date(round))}
    return render_to_string("commitments/post_list.html", context)


def notice_date(notice):
    """The day a 公示 is dated: the day it was published, or its first day if it was recorded in the system only
    afterwards (the paper went up then). Never the day it is printed: a reprint is the same document."""
    return min(timezone.localdate(notice.published_at), notice.starts_on)


def notice(grid, base_url=None):
    round = round_for(grid.village, Stage.DELIBERATION)
    latest = Notice.latest_for(grid, round=round)
    if latest is None:
        raise DocumentError(f"{grid.village.name}{grid.name}还没有发布拟上岗人选公示。")
    assignments = (
        round.assignments.filter(post__grid=grid, status__in=[Status.NOTICED, Status.ON_POST, Status.COMPLETED])
        .select_related("member", "post")
        .order_by("post__post_type__order", "post_id", "pk")
    )
    url = public_url(grid, base_url)
    context = {
        "grid": grid,
        "notice": latest,
        "assignments": assignments,
        "public_url": url,
        "qr": qr_data_uri(url),
        "today": date_text(notice_date(latest)),
    }
    return render_to_string("commitments/notice.html", context)


def letter(assignment):
    if assignment.status not in (Status.NOTICED, Status.ON_POST):
        raise DocumentError(
            f"{assignment.member.name}现在是“{assignment.get_status_display()}”，没有要签订承诺书的岗位。"
        )
    return render_to_string("commitments/letter.html", {"a": assignment})


def wall_sheet(grid, base_url=None):
    """The grid's A3 poster: every post, filled or not, its members on post in type as large as the page allows."""
    round = round_for(grid.village, Stage.CONFIRMATION)
    on_post = round.members_on_post(grid)
    if not on_post:
        raise DocumentError(f"{grid.village.name}{grid.name}还没有党员确认上岗，公示牌无内容可印。")
    posts = grid.posts.order_by("post_type__order", "pk")
    cards = [poster.Card(p.name, on_post.get(p.pk, []), p.places, p.duty_lines) for p in posts]
    latest = Notice.latest_for(grid)  # its phone is the grid's supervision phone, as on the public page
    url = public_url(grid, base_url)
    context = {
        "grid": grid,
        "cards": cards,
        "layout": poster.fit(cards),
        "places": sum(c.places for c in cards),
        "on_post": sum(len(c.names) for c in cards),
        "vacant": sum(c.vacant for c in cards),
        "secretary": grid.secretary.get_full_name() if grid.secretary else "",
        "phone": latest.phone if latest else "",
        "public_url": url,
        "qr": qr_data_uri(url),
        "today": today_text(),
    }
    return render_to_string("commitments/wall_sheet.html", context)


GRID_BUILDERS = {DocumentKind.POST_LIST: post_list, DocumentKind.NOTICE: notice, DocumentKind.WALL_SHEET: wall_sheet}


def letters_of(village_ids):
    """Members whose letters are due: under notice or on post in their village's running round (one per village)."""
    running = Round.objects.filter(village__in=village_ids).exclude(stage=Stage.CLOSED)
    return (
        Assignment.objects.filter(round__in=running, status__in=[Status.NOTICED, Status.ON_POST])
        .select_related("member", "post__grid__village")
        .order_by("post__grid__village__name", "post__grid__number", "post_id", "pk")
    )


def plan(kind, grids, base_url=None):
    """The keys of every section of `kind` for these grids, in print order: assignment pks for letters, grid pks
    otherwise (grids with nothing to print left out). A batch freezes them, so that data changing while it
    prints cannot print a letter twice or skip one. Refuses with the reason if there is nothing to print."""
    if kind == DocumentKind.LETTER:
        grid_ids = {g.pk for g in grids}
        keys = [a.pk for a in letters_of({g.village_id for g in grids}) if a.post.grid_id in grid_ids]
    else:
        keys, reasons = [], []
        for grid in grids:
            try:
                GRID_BUILDERS[kind](grid, base_url)
                keys.append(grid.pk)
            except DocumentError as error:
                reasons.append(str(error))
        if not keys:
            raise DocumentError(reasons[0] if len(reasons) == 1 else f"没有可以打印的{DocumentKind(kind).label}。")
    if not keys:
        raise DocumentError(f"没有可以打印的{DocumentKind(kind).label}。")
    return keys


def sections_of(kind, keys, base_url=None):
    """The sections for keys from plan(), in their order; QR codes under `base_url` (the batch's)."""
    if kind == DocumentKind.LETTER:
        by_pk = Assignment.objects.select_related("member", "post__grid__village").in_bulk(keys)
        return [letter(by_pk[k]) for k in keys if k in by_pk]
    by_pk = Grid.objects.select_related("village__town", "secretary").in_bulk(keys)
    return [GRID_BUILDERS[kind](by_pk[k], base_url) for k in keys if k in by_pk]


# --- the duty ledger (履职纪实台账) -------------------------------------------------------------------------------


def ledger_sheet(title, subtitle, records, signers, show_member=False):
    """One 台账 of ledger entries (posts.ledger), with lines for the signatures `signers` name."""
    context = {"title": title, "subtitle": subtitle, "records": list(records), "signers": signers}
    return render_to_string("commitments/ledger.html", {**context, "show_member": show_member, "today": today_text()})


def grid_ledger(grid, period):
    title = f"{grid.village.name}{grid.name}在岗党员履职纪实台账"
    subtitle = f"{period.name}（{date_text(period.start)}至{date_text(period.end)}）"
    return ledger_sheet(title, subtitle, ledger.records_of_grid(grid, period), ["网格党支部书记", "村党组织书记"], True)


def member_ledger(assignment, period):
    title = f"{assignment.member.name}履职纪实台账"
    subtitle = (
        f"{assignment.post.grid.village.name}{assignment.post.grid.name} · {assignment.post.name} · "
        f"{period.name}（{date_text(period.start)}至{date_text(period.end)}）"
    )
    records = ledger.records_of_assignment(assignment, period.start, period.end)
    return ledger_sheet(title, subtitle, records, ["在岗党员", "联系人", "网格党支部书记"])


# --- star ratings (星级评定): the list's notice (with the 调整公示 after 授牌) and the plaques ---------------------


def star_context(star_round):
    from posts import stars

    records = list(star_round.records.order_by("at", "pk"))
    ratings = list(
        star_round.ratings.select_related("assignment__member", "assignment__post").order_by(
            "-stars", "-total", "assignment__post__post_type__order", "pk"
        )
    )
    return records, ratings, stars


def star_list(star_round, base_url=None):
    """星级党员评定结果公示: the starred members with their points, the notice's dates and how to object; after
    授牌, the stars lowered or withdrawn since follow as 调整公示 on a page of their own. Refused before the notice."""
    from posts.models import StarStep

    records, ratings, stars = star_context(star_round)
    grid = star_round.grid
    held = stars.step_records(star_round, records)
    notice_record = held.get(StarStep.NOTICE)
    if notice_record is None:
        missing = stars.STAR_STEPS[stars.step_index(star_round.step) + 1]
        raise DocumentError(f"{grid.name}{star_round.year}年度星级评定还没有张榜公示（下一步：{missing.label}）。")
    latest = Notice.latest_for(grid)
    phone = (latest.phone if latest else "") or grid.secretary_phone
    url = public_url(grid, base_url)
    common = {
        "grid": grid,
        "star_round": star_round,
        "phone": phone,
        "place": notice_record.meeting or "村党务公开栏",
        "public_url": url,
        "qr": qr_data_uri(url),
        "terms": stars.terms_for(grid),
    }
    starred = [(r, stars.star_text(r.stars)) for r in ratings if r.stars]
    sections = [
        render_to_string(
            "commitments/star_list.html",
            {**common, "starred": starred, "rated": len(ratings), "today": date_text(star_round.notice_starts_on)},
        )
    ]
    changes = stars.changes_after_award(star_round, records, {r.pk: r for r in ratings})
    if changes:
        last = max(c["record"].held_on for c in changes)
        sections.append(
            render_to_string(
                "commitments/star_changes.html",
                {**common, "changes": changes, "today": date_text(last)},
            )
        )
    return sections


def star_plaques(star_round, ratings=None):
    """星级党员 牌: one A4 landscape page per member holding a star, after 授牌."""
    from posts.models import StarStep

    records, all_ratings, stars = star_context(star_round)
    grid = star_round.grid
    if star_round.step != StarStep.AWARDED:
        raise DocumentError(f"{grid.name}{star_round.year}年度星级评定还没有授牌，星级党员牌授牌后才能打印。")
    chosen = [r for r in all_ratings if r.stars and (ratings is None or r.pk in ratings)]
    if not chosen:
        raise DocumentError("没有评上星级的党员，无牌可印。")
    award = stars.step_records(star_round, records)[StarStep.AWARDED]
    return [
        render_to_string(
            "commitments/star_plaque.html",
            {"grid": grid, "star_round": star_round, "r": r, "stars": "★" * r.stars, "today": date_text(award.held_on)},
        )
        for r in chosen
    ]


def points_notice(grid, year, quarter, base_url=None, today=None):
    """积分公示: the grid's register for a quarter, for the wall, with how to object and the public page's QR."""
    from posts.models import PointCategory, PointsNotice, PointTerms
    from posts.points import QUARTER_NAMES, grid_register

    rows = grid_register(grid, year, quarter)
    terms = PointTerms.for_towns([grid.village.town_id])[grid.village.town_id]
    published = PointsNotice.objects.filter(grid=grid, year=year, quarter=quarter).first()
    latest = Notice.latest_for(grid)
    url = public_url(grid, base_url)
    context = {
        "grid": grid,
        "period": f"{year}年第{QUARTER_NAMES[quarter - 1]}季度",
        "year": year,
        "rows": rows,
        "categories": PointCategory.choices,
        "days": terms.notice_days,
        "notice": published,
        "phone": published.phone if published else (latest.phone if latest else "") or grid.secretary_phone,
        "public_url": url,
        "qr": qr_data_uri(url),
        # A published notice is dated the day it starts, so a reprint is the same document.
        "today": date_text(published.starts_on if published else today or timezone.localdate()),
    }
    return render_to_string("commitments/points_notice.html", context)
