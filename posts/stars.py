"""Star ratings (星级评定): a grid branch's year, from the points register to the plaques on the wall.

A round is opened per grid and year: every member on post gets the star the town's thresholds give their
year's points (`posts.points`), and the branch records the steps strictly in order — 党小组初评, 支部初定, 总支核查,
党员大会表决, 张榜公示 (at least PointTerms.notice_days), 授牌. Until 党员大会表决 the branch may change a member's star
with a reason; objections raised during the notice must all be answered, and the notice must have ended, before
授牌. After 授牌 a star can still be lowered or withdrawn with a reason: a StarRecord of step 授牌 logs it (the
first 授牌 record is the award itself) and the rating's history holds the star before and after, the two tied by
the same moment; these changes are what the 调整公示 lists.

Every change goes through here; the step moves by compare-and-set (a double click records a step once, and
never skips one), and every row is kept in simple-history.
"""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from . import points
from .models import Assignment, Status, TransitionError
from .models.points import STAR_STEPS, STARS, PointTerms, StarObjection, StarRating, StarRecord, StarRound, StarStep
from .models.workflow import cn_date, create_as, record_version, who_when

STAR_LABELS = dict(STARS)
# Who is rated: everyone on post in the grid in the year's round (a member who left is not).
RATED = [Status.ON_POST, Status.COMPLETED]


def step_index(step):
    return STAR_STEPS.index(step)


def before_assembly(star_round):
    return step_index(star_round.step) < step_index(StarStep.ASSEMBLY)


def star_text(stars):
    """★★★★☆ style, as printed: five places, the earned ones filled (未评星 for none)."""
    return "★" * stars + "☆" * (5 - stars) if stars else "未评星"


def terms_for(grid):
    town = grid.village.town_id
    return PointTerms.for_towns([town])[town]


def step_needs(step, terms):
    """What each step asks for, as the round's page lists them."""
    return {
        StarStep.GROUP: "党小组会议对系统按积分提出的建议星级进行初评。",
        StarStep.BRANCH: "网格党支部委员会初定星级；调整某人星级须写明理由。",
        StarStep.GENERAL: "村党总支核查初定结果。",
        StarStep.ASSEMBLY: "支部党员大会表决通过；表决后星级不能再调整。",
        StarStep.NOTICE: f"张榜公示不少于{terms.notice_days}天，公示期间登记群众异议。",
        StarStep.AWARDED: "公示期满、异议全部答复后授牌。",
    }.get(step, "")


def rated_assignments(grid, year):
    return Assignment.objects.filter(post__grid=grid, round__year=year, status__in=RATED)


@transaction.atomic
def open_round(grid, year, by, today=None):
    """The grid's star round for `year`, each member on post proposed the star their year's points give."""
    today = today or timezone.localdate()
    if StarRound.objects.filter(grid=grid, year=year).exists():
        raise TransitionError(f"{grid.name}{year}年度的星级评定已经发起，不能重复发起。")
    if year > today.year:
        raise TransitionError(f"{year}年还没有到，不能评定该年度星级。")
    assignments = list(rated_assignments(grid, year).order_by("pk"))
    if not assignments:
        raise TransitionError(f"{grid.name}{year}年度没有在岗党员，无需评星。")
    points.recompute(Assignment.objects.filter(post__grid=grid), today=today)
    totals = points.totals([a.pk for a in assignments], year)
    terms = terms_for(grid)
    try:
        with transaction.atomic():
            star_round = create_as(by, StarRound, grid=grid, year=year, created_by=by)
    except IntegrityError:  # someone opened it a moment ago
        raise TransitionError(f"{grid.name}{year}年度的星级评定已经发起，不能重复发起。") from None
    ratings = []
    for a in assignments:
        total = totals[a.pk]["year"]
        star = terms.star_for(total)
        ratings.append(StarRating(star_round=star_round, assignment=a, total=total, proposed=star, stars=star))
    bulk_create_with_history(ratings, StarRating, default_user=by)
    return star_round


def step_records(star_round, records=None):
    """{step: the record of that step as held}; the later 授牌 records are changes after the award."""
    found = {}
    for r in records if records is not None else star_round.records.order_by("at", "pk"):
        found.setdefault(r.step, r)
    return found


def change_records(records):
    """The records of stars lowered or withdrawn after 授牌 (every 授牌 record after the first)."""
    awarded = [r for r in records if r.step == StarStep.AWARDED]
    return awarded[1:]


@transaction.atomic
def record_step(star_round, step, held_on, by, meeting="", note="", starts_on=None, ends_on=None, today=None):
    """Record `step` as held; only the step after the current one, and only with what it needs."""
    today = today or timezone.localdate()
    if step not in STAR_STEPS or step == StarStep.PROPOSED:
        raise TransitionError("没有这个步骤。")
    locked = StarRound.objects.select_for_update().get(pk=star_round.pk)
    current = locked.step
    url = reverse("posts:star-round", args=[locked.pk])
    if step_index(current) >= step_index(step):
        done = locked.records.filter(step=step).select_related("by").order_by("at", "pk").first()
        who = f"已由{who_when(done.by, done.at)}记录" if done else "已经记录"
        raise TransitionError.overtaken(f"“{StarStep(step).label}”{who}，不用再记录。", url)
    missing = [f"还没有进行{s.label}。" for s in STAR_STEPS[step_index(current) + 1 : step_index(step)]]
    if missing:
        raise TransitionError(missing)
    records = step_records(locked)
    previous = records.get(current)
    terms = terms_for(star_round.grid)
    if step == StarStep.NOTICE:
        if not starts_on or not ends_on:
            missing.append("请填写公示开始和结束日期。")
        else:
            days = (ends_on - starts_on).days + 1
            if days < terms.notice_days:
                missing.append(f"公示期不能少于{terms.notice_days}天（现在是{max(days, 0)}天）。")
            held_on = starts_on
            if starts_on > today + datetime.timedelta(days=7):
                missing.append("公示开始日期不能晚于7天后。")
    elif held_on > today:
        missing.append("日期不能晚于今天。")
    if previous and held_on and held_on < previous.held_on:
        missing.append(f"日期不能早于上一步骤（{previous.get_step_display()}，{cn_date(previous.held_on)}）。")
    if step == StarStep.AWARDED:
        ends = locked.notice_ends_on
        if ends and (today <= ends or held_on <= ends):
            missing.append(f"公示期到{cn_date(ends)}结束，期满后才能授牌。")
        open_objections = list(locked.objections.filter(answered_on=None).order_by("raised_on", "pk"))
        if open_objections:
            names = "、".join(o.raised_by for o in open_objections)
            missing.append(f"还有{len(open_objections)}条异议没有答复（{names}），答复后才能授牌。")
    if missing:
        raise TransitionError(missing)
    changes = {"step": step}
    if step == StarStep.NOTICE:
        changes.update(notice_starts_on=starts_on, notice_ends_on=ends_on)
    moved = StarRound.objects.filter(pk=locked.pk, step=current).update(**changes)
    if not moved:  # overtaken between the read and the write (no row lock on this database)
        raise TransitionError.overtaken(f"“{StarStep(step).label}”已经由他人记录，不用再记录。", url)
    for name, value in changes.items():
        setattr(locked, name, value)
    record = StarRecord.objects.create(star_round=locked, step=step, held_on=held_on, meeting=meeting, note=note, by=by)
    record_version(locked, by=by, at=record.at)
    for name, value in changes.items():
        setattr(star_round, name, value)
    return record


def _rating_for_update(rating):
    locked = StarRating.objects.select_for_update().select_related("star_round", "assignment__member").get(pk=rating.pk)
    return locked, StarRound.objects.get(pk=locked.star_round_id)


@transaction.atomic
def adjust(rating, stars, reason, by):
    """The branch changes a member's star before 党员大会表决, with its reason."""
    rating, star_round = _rating_for_update(rating)
    reason = (reason or "").strip()
    missing = []
    if not before_assembly(star_round):
        missing.append("党员大会已经表决，星级不能再调整；授牌后可以降低或撤销星级。")
    if not reason:
        missing.append("请写明调整理由。")
    if stars == rating.stars and not missing:
        missing.append(f"{rating.assignment.member.name}现在就是{STAR_LABELS[stars]}，无需调整。")
    if missing:
        raise TransitionError(missing)
    rating.stars, rating.change_reason = stars, reason
    rating._history_user = by
    rating.save(update_fields=["stars", "change_reason"])
    return rating


@transaction.atomic
def lower(rating, stars, reason, held_on, by, meeting="", today=None):
    """After 授牌: a star lowered or withdrawn during the year, with its reason; logged and listed for notice."""
    today = today or timezone.localdate()
    rating, star_round = _rating_for_update(rating)
    reason = (reason or "").strip()
    name = rating.assignment.member.name
    missing = []
    if star_round.step != StarStep.AWARDED:
        missing.append("还没有授牌：授牌前请在党员大会表决前调整星级。")
    if not reason:
        missing.append("请写明降低或撤销星级的理由。")
    if stars >= rating.stars:
        missing.append(f"授牌后星级只能降低或撤销（{name}现在是{STAR_LABELS[rating.stars]}）。")
    if held_on > today:
        missing.append("日期不能晚于今天。")
    award = step_records(star_round).get(StarStep.AWARDED)
    if award and held_on < award.held_on:
        missing.append(f"日期不能早于授牌日期（{cn_date(award.held_on)}）。")
    if missing:
        raise TransitionError(missing)
    what = "撤销星级" if stars == 0 else f"由{STAR_LABELS[rating.stars]}降为{STAR_LABELS[stars]}"
    record = StarRecord.objects.create(
        star_round=star_round,
        step=StarStep.AWARDED,
        held_on=held_on,
        meeting=meeting,
        note=f"{name}{what}：{reason}"[:200],
        by=by,
    )
    rating.stars, rating.change_reason = stars, reason
    rating._history_user = by
    rating._history_date = record.at  # ties the version to its record (changes_after_award)
    rating.save(update_fields=["stars", "change_reason"])
    return record


def changes_after_award(star_round, records, ratings):
    """[{record, rating, before, after, reason}] for the stars lowered or withdrawn after 授牌, in order.

    `records` are the round's records in order, `ratings` {pk: rating}; two queries at most."""
    changes = change_records(records)
    if not changes:
        return []
    at = {r.at: r for r in changes}
    found, last = [], {}
    versions = StarRating.history.filter(star_round_id=star_round.pk).order_by("history_date", "history_id")
    for v in versions.values("id", "stars", "change_reason", "history_date"):
        record = at.get(v["history_date"])
        if record is not None and v["id"] in ratings:
            found.append(
                {
                    "record": record,
                    "rating": ratings[v["id"]],
                    "before": last.get(v["id"]),
                    "after": v["stars"],
                    "before_label": STAR_LABELS.get(last.get(v["id"]), ""),
                    "after_label": STAR_LABELS[v["stars"]],
                    "reason": v["change_reason"],
                }
            )
        last[v["id"]] = v["stars"]
    return found


# --- objections during the notice -----------------------------------------------------------------------------


def raise_objection(star_round, rating, raised_by, raised_on, content, by, today=None):
    today = today or timezone.localdate()
    star_round = StarRound.objects.get(pk=star_round.pk)
    if star_round.step != StarStep.NOTICE:
        raise TransitionError("只有在张榜公示期间才能登记异议。")
    starts, ends = star_round.notice_starts_on, star_round.notice_ends_on
    if not (starts <= raised_on <= ends) or raised_on > today:
        raise TransitionError(f"公示期为{cn_date(starts)}至{cn_date(ends)}，只能登记公示期内提出的异议。")
    if rating is not None and rating.star_round_id != star_round.pk:
        raise TransitionError("异议针对的党员不在本次评定名单中。")
    return create_as(
        by, StarObjection, star_round=star_round, rating=rating, raised_by=raised_by, raised_on=raised_on,
        content=content,
    )  # fmt: skip


@transaction.atomic
def answer_objection(objection, answer, answered_on, by, today=None):
    today = today or timezone.localdate()
    objection = StarObjection.objects.select_for_update().get(pk=objection.pk)
    star_round = StarRound.objects.get(pk=objection.star_round_id)
    missing = []
    if star_round.step == StarStep.AWARDED:
        missing.append("已经授牌，不能再修改答复。")
    if not (answer or "").strip():
        missing.append("请填写答复内容。")
    if answered_on > today:
        missing.append("答复日期不能晚于今天。")
    if answered_on < objection.raised_on:
        missing.append(f"答复日期不能早于异议提出日期（{cn_date(objection.raised_on)}）。")
    if missing:
        raise TransitionError(missing)
    objection.answer, objection.answered_on = answer.strip(), answered_on
    objection._history_user = by
    objection.save(update_fields=["answer", "answered_on"])
    return objection
