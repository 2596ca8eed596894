"""The points register, computed from the records under the town's rules (posts/models/points.py).

`recompute(assignments)` rebuilds the register of these members on post from scratch: a handful of queries for
all of them (each kind of source read once), the rules applied in Python in date order with their caps, and
the entries written in bulk. What the register holds is therefore always what the records and rules say.

Caps, in this order: a rule's own cap per quarter or year (for 扣分, the most it takes away), then the town's
category caps — 履职分 at most duty_cap_year a year, 加分 at most bonus_cap_quarter a quarter. An entry cut by a
cap keeps the rule's points as `raw` beside the points it counts, and the register shows both.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from grids.models import Grid

from .models import Assignment, DutyRecord, DutyState, DutyTerms, Feedback, FeedbackKind, ResidentRequest, Training
from .models.duty import RequestState, Satisfaction
from .models.evaluation import WorkReport
from .models.points import (
    DEFAULT_RULES,
    BranchPointEntry,
    CapPeriod,
    ClaimState,
    PointCategory,
    PointClaim,
    PointEntry,
    PointRule,
    PointsNotice,
    PointsObjection,
    PointSource,
    PointTerms,
)
from .models.workflow import SERVED, TransitionError, create_as, record_version, who_when

ZERO = Decimal(0)


def add_default_rules(town, valid_from):
    """The catalogue a town starts from (DEFAULT_RULES), in force from `valid_from`."""
    PointRule.objects.bulk_create(
        PointRule(
            town=town, category=c, name=n, source=s, points=Decimal(p), cap=None if cap is None else Decimal(cap),
            cap_period=period, valid_from=valid_from, order=(i + 1) * 10,
        )
        for i, (c, n, s, p, cap, period) in enumerate(DEFAULT_RULES)
    )  # fmt: skip


@transaction.atomic
def change_rule(rule, on, by=None, **changes):
    """A rule changed from `on`: the old one ends the day before, a new one with the changes starts on `on`.
    Entries dated before `on` keep the old points (a register never changes silently behind a person's back)."""
    if on <= rule.valid_from:
        for name, value in changes.items():
            setattr(rule, name, value)
        rule._history_user = by
        rule.save()
        return rule
    rule.valid_to = on - datetime.timedelta(days=1)
    rule._history_user = by
    rule.save(update_fields=["valid_to"])
    new = PointRule(
        town_id=rule.town_id, category=rule.category, name=rule.name, source=rule.source, points=rule.points,
        cap=rule.cap, cap_period=rule.cap_period, valid_from=on, order=rule.order,
    )  # fmt: skip
    for name, value in changes.items():
        setattr(new, name, value)
    new._history_user = by
    new.save()
    return new


def quarter_of(day):
    return (day.year, (day.month - 1) // 3 + 1)


def period_key(period, day):
    if period == CapPeriod.QUARTER:
        return quarter_of(day)
    if period == CapPeriod.YEAR:
        return (day.year,)
    return None


@dataclass(slots=True)
class Credit:
    """A source of points for one member: when, under which kind of rule, from what (and for claims the rule)."""

    assignment_id: int
    source: str
    on: datetime.date
    key: str
    note: str = ""
    rule_id: int | None = None  # a claim names its rule
    approved_by_id: int | None = None


def credits_of(assignments, today):
    """Every credit of these assignments' members, read in one query per kind of source."""
    ids = [a.pk for a in assignments]
    found = []

    def start(a):
        return a.letter_signed_on or datetime.date(a.round.year, 1, 1)

    for a in assignments:
        found.append(Credit(a.pk, PointSource.ON_POST, start(a), f"on_post:{a.pk}"))
    by_round = defaultdict(list)
    for a in assignments:
        by_round[a.round_id].append(a)
    trainings = list(Training.objects.filter(round__in=by_round).only("pk", "round_id", "held_on", "topic"))
    present = defaultdict(set)
    attended = Training.attendees.through.objects.filter(training__in=[t.pk for t in trainings])
    for training_id, member_id in attended.values_list("training_id", "member_id"):
        present[training_id].add(member_id)
    for t in trainings:
        for a in by_round[t.round_id]:
            if t.held_on < start(a):
                continue
            source = PointSource.TRAINING_ATTENDED if a.member_id in present[t.pk] else PointSource.TRAINING_MISSED
            found.append(Credit(a.pk, source, t.held_on, f"training:{t.pk}", t.topic[:60]))
    verified = DutyRecord.objects.filter(assignment__in=ids, state=DutyState.VERIFIED).values_list(
        "pk", "assignment_id", "done_on", "kind__name", "checked_by_id"
    )
    for pk, assignment_id, done_on, kind, checked_by in verified:
        found.append(
            Credit(assignment_id, PointSource.DUTY_VERIFIED, done_on, f"duty:{pk}", kind, approved_by_id=checked_by)
        )
    requests = ResidentRequest.objects.filter(assignment__in=ids).values_list(
        "pk", "assignment_id", "state", "satisfaction", "finished_at", "with_member_at", "done_at", "code",
        "grid__village__town_id",
    )  # fmt: skip
    terms = DutyTerms.for_towns({a.post.grid.village.town_id for a in assignments})
    now = timezone.now()
    for pk, assignment_id, state, satisfaction, finished_at, with_member_at, done_at, code, town_id in requests:
        if state == RequestState.CONFIRMED and satisfaction == Satisfaction.SATISFIED:
            day = timezone.localdate(finished_at)
            found.append(Credit(assignment_id, PointSource.REQUEST_SATISFIED, day, f"request:{pk}", code))
        if with_member_at is None:
            continue
        due = with_member_at + datetime.timedelta(days=terms[town_id].done_days)
        if (done_at or now) > due:
            day = timezone.localdate(due)
            found.append(Credit(assignment_id, PointSource.REQUEST_OVERDUE, day, f"overdue:{pk}", code))
    feedback = Feedback.objects.filter(about__in=ids, kind__in=[FeedbackKind.PRAISE, FeedbackKind.CRITICISM])
    for f in feedback.only("pk", "about_id", "kind", "created_at", "answered_on", "upheld"):
        if f.kind == FeedbackKind.PRAISE:
            found.append(Credit(f.about_id, PointSource.PRAISE, timezone.localdate(f.created_at), f"feedback:{f.pk}"))
        elif f.upheld and f.answered_on:
            found.append(Credit(f.about_id, PointSource.CRITICISM_UPHELD, f.answered_on, f"feedback:{f.pk}"))
    reported = defaultdict(set)
    for assignment_id, period_start in WorkReport.objects.filter(assignment__in=ids).values_list(
        "assignment_id", "period_start"
    ):
        reported[assignment_id].add(period_start)
    for a in assignments:
        duty_terms = terms[a.post.grid.village.town_id]
        day = start(a)
        while True:
            first, last, name = duty_terms.period_of(day)
            if last >= today or last.year > a.round.year:
                break
            if first not in reported[a.pk] and last >= start(a):
                found.append(Credit(a.pk, PointSource.REPORT_MISSING, last, f"report:{first}", name))
            day = last + datetime.timedelta(days=1)
    claims = PointClaim.objects.filter(assignment__in=ids, state=ClaimState.APPROVED)
    for c in claims.only("pk", "assignment_id", "on", "rule_id", "decided_by_id", "reason"):
        found.append(
            Credit(c.assignment_id, PointSource.CLAIM, c.on, f"claim:{c.pk}", c.reason[:60], c.rule_id, c.decided_by_id)
        )
    return found


@dataclass
class Caps:
    """Running sums a member has used of each cap, keyed by (what is capped, its period)."""

    used: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))

    def take(self, key, limit, points):
        """How much of `points` fits under `limit` (by magnitude) given what is already used."""
        if key is None or limit is None:
            return points
        room = max(abs(limit) - abs(self.used[key]), ZERO)
        counted = min(abs(points), room)
        counted = counted if points >= 0 else -counted
        self.used[key] += counted
        return counted


def register_lines(assignments, rules_by_town, terms_by_town, today):
    """The register lines of these assignments, caps applied in date order: (credit, rule, points counted)."""
    by_source = defaultdict(list)
    for town_rules in rules_by_town.values():
        for rule in town_rules:
            by_source[rule.town_id, rule.source].append(rule)
    town_of = {a.pk: a.post.grid.village.town_id for a in assignments}
    caps = defaultdict(Caps)
    lines = []
    for credit in sorted(credits_of(assignments, today), key=lambda c: (c.on, c.key)):
        town = town_of[credit.assignment_id]
        terms = terms_by_town[town]
        rules = [r for r in by_source[town, credit.source] if r.in_force(credit.on)]
        if credit.rule_id is not None:
            rules = [r for r in rules if r.pk == credit.rule_id]
        used = caps[credit.assignment_id]
        for rule in rules:
            points = used.take((rule.pk, period_key(rule.cap_period, credit.on)), rule.cap, rule.points)
            if rule.category == PointCategory.DUTY:
                points = used.take(("duty", credit.on.year), terms.duty_cap_year, points)
            elif rule.category == PointCategory.BONUS:
                points = used.take(("bonus", quarter_of(credit.on)), terms.bonus_cap_quarter, points)
            lines.append((credit, rule, points))
    return lines


def entry(line):
    credit, rule, points = line
    return PointEntry(
        assignment_id=credit.assignment_id, rule=rule, on=credit.on, raw=rule.points, points=points,
        source_key=credit.key, note=credit.note, approved_by_id=credit.approved_by_id,
    )  # fmt: skip


def entries_for(assignments, rules_by_town, terms_by_town, today):
    """The register lines of these assignments (unsaved PointEntry objects), caps applied in date order."""
    return [entry(line) for line in register_lines(assignments, rules_by_town, terms_by_town, today)]


def register_assignments(queryset=None):
    """The assignments that have a register: everyone who went on post in a round."""
    queryset = queryset if queryset is not None else Assignment.objects.all()
    return list(queryset.filter(status__in=SERVED).select_related("round", "post__grid__village"))


@transaction.atomic
def recompute(queryset=None, today=None):
    """Rebuild the registers of these assignments (default: everyone's) from the records; returns their count."""
    today = today or timezone.localdate()
    assignments = register_assignments(queryset)
    towns = {a.post.grid.village.town_id for a in assignments}
    rules = defaultdict(list)
    for rule in PointRule.objects.filter(town__in=towns):
        rules[rule.town_id].append(rule)
    lines = register_lines(assignments, rules, PointTerms.for_towns(towns), today)
    # What the register holds already and still says is left as it is (most of it, from one day to the next):
    # only lines that changed or are new are written, lines no record supports any more are deleted.
    stored = PointEntry.objects.filter(assignment__in=[a.pk for a in assignments]).values_list(
        "pk", "assignment_id", "rule_id", "source_key", "on", "raw", "points", "note", "approved_by_id"
    )
    old = {(a, rule, key): (pk, rest) for pk, a, rule, key, *rest in stored}
    new, stale = [], []
    for line in lines:
        credit, rule, points = line
        pk, rest = old.pop((credit.assignment_id, rule.pk, credit.key), (None, None))
        if rest != [credit.on, rule.points, points, credit.note, credit.approved_by_id]:
            new.append(line)
            if pk is not None:
                stale.append(pk)  # replaced
    stale += [pk for pk, _ in old.values()]
    for i in range(0, len(stale), 500):
        PointEntry.objects.filter(pk__in=stale[i : i + 500]).delete()
    PointEntry.objects.bulk_create([entry(line) for line in new], batch_size=2000)
    return len(assignments)


@transaction.atomic
def record_branch_points(grid, rule, on, note, by):
    """A grid branch's own points under one of the town's rules for branches, the rule's cap applied in date
    order over the branch's entries under it (settle_branch_caps). Raises TransitionError, saying why, when the
    rule is not a branch rule of the grid's town or not in force on `on`, or the same entry is there already."""
    Grid.objects.select_for_update().filter(pk=grid.pk).first()  # one change at a time per branch: caps hold
    if rule.source != PointSource.BRANCH or rule.town_id != grid.village.town_id:
        raise TransitionError(f"“{rule.name}”不是本镇给支部计分的规则。")
    if not rule.in_force(on):
        raise TransitionError(f"“{rule.name}”在{on.year}年{on.month}月{on.day}日不适用，请选当日有效的规则。")
    if on > timezone.localdate():
        raise TransitionError("日期不能晚于今天。")
    same = BranchPointEntry.objects.filter(grid=grid, rule=rule, on=on, note=note).select_related("recorded_by")
    if twin := same.first():  # the form sent twice, or two people recording the same thing
        raise TransitionError.overtaken(
            f"这条支部积分已由{who_when(twin.recorded_by, twin.recorded_at)}记载。",
            reverse("posts:grid-points", args=[grid.pk]) + "#branch-points",
        )
    entry = create_as(by, BranchPointEntry, grid=grid, rule=rule, on=on, raw=rule.points, points=rule.points,
                      note=note, recorded_by=by)  # fmt: skip
    settle_branch_caps(grid, rule, by)
    entry.refresh_from_db(fields=["points"])
    return entry


@transaction.atomic
def withdraw_branch_points(entry, by):
    """Take back an entry recorded by mistake (its history keeps it); entries its cap had cut count again."""
    Grid.objects.select_for_update().filter(pk=entry.grid_id).first()
    entry._history_user = by
    entry.delete()
    settle_branch_caps(entry.grid, entry.rule, by)


def settle_branch_caps(grid, rule, by):
    """Count the branch's entries under `rule` in date order against its cap per period, as members' registers
    do: a later entry is the one cut, whichever was typed in first, and one taken back makes room again."""
    if rule.cap is None or not rule.cap_period:
        return
    caps = Caps()
    for e in BranchPointEntry.objects.filter(grid=grid, rule=rule).order_by("on", "pk"):
        counted = caps.take(period_key(rule.cap_period, e.on), rule.cap, e.raw)
        if counted != e.points:
            e.points, e._history_user = counted, by
            e.save(update_fields=["points"])


def scored_members(year, **where):
    """The members on post whose average makes a branch's score: those who served in the year's round."""
    return Assignment.objects.filter(status__in=SERVED, round__year=year, **where)


def branch_points(grid_ids, year):
    """{grid id: the sum of its branch's own points in `year`}."""
    from django.db.models import Sum

    rows = (
        BranchPointEntry.objects.filter(grid__in=grid_ids, on__year=year).values_list("grid").annotate(s=Sum("points"))
    )
    return dict(rows.order_by())


def totals(assignment_ids, year):
    """{assignment id: {"year": total, "quarters": {1: …, 4: …}, "by_category": {…}}} from the stored register."""
    result = {
        pk: {"year": ZERO, "quarters": dict.fromkeys(range(1, 5), ZERO), "by_category": defaultdict(lambda: ZERO)}
        for pk in assignment_ids
    }
    rows = PointEntry.objects.filter(assignment__in=assignment_ids, on__year=year).values_list(
        "assignment_id", "on", "points", "rule__category"
    )
    for pk, on, points, category in rows:
        r = result[pk]
        r["year"] += points
        r["quarters"][quarter_of(on)[1]] += points
        r["by_category"][category] += points
    return result


def next_star(total, terms):
    """(the next star above `total`, the points still needed) or (None, 0) at five stars."""
    for stars, floor in ((3, terms.three_star), (4, terms.four_star), (5, terms.five_star)):
        if total < floor:
            return stars, Decimal(floor) - total
    return None, ZERO


def no_points_this_quarter(assignment_ids, today):
    """The assignments without any entry in the quarter `today` falls in, beyond their base points."""
    year, q = quarter_of(today)
    first = datetime.date(year, 3 * q - 2, 1)
    scored = set(
        PointEntry.objects.filter(assignment__in=assignment_ids, on__gte=first, on__lte=today)
        .filter(~Q(rule__source=PointSource.ON_POST))
        .values_list("assignment_id", flat=True)
    )
    return [pk for pk in assignment_ids if pk not in scored]


# --- the town's catalogue, claims, keeping registers current ---------------------------------------------------


def rules_of(town, today):
    """The town's catalogue; a town that has none gets DEFAULT_RULES from January 1 the first time it is opened
    (the town row locked, so two first visits do not add it twice)."""
    from grids.models import Town

    with transaction.atomic():
        if not PointRule.objects.filter(town=town.pk).exists():
            Town.objects.select_for_update().filter(pk=town.pk).first()
            if not PointRule.objects.filter(town=town.pk).exists():
                add_default_rules(town, datetime.date(today.year, 1, 1))
    return list(PointRule.objects.filter(town=town.pk).order_by("order", "valid_from", "pk"))


def end_rule(rule, last_day, by=None):
    """The rule stops after `last_day`; entries up to that day keep their points."""
    if rule.valid_to is not None:
        raise TransitionError(f"“{rule.name}”已于{rule.valid_to:%Y年%-m月%-d日}停用。")
    if last_day < rule.valid_from:
        raise TransitionError(f"停用日期不能早于生效日期（{rule.valid_from:%Y年%-m月%-d日}）。")
    rule.valid_to = last_day
    rule._history_user = by
    rule.save(update_fields=["valid_to"])
    return rule


def claimable_rules(town_id, day, source=PointSource.CLAIM):
    """The rules a member may claim under on `day` (source 申报), or with `source` 支部积分 those the town scores
    its grid branches by: in force that day."""
    rules = PointRule.objects.filter(town=town_id, source=source, valid_from__lte=day)
    return rules.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("order", "pk")


def may_decide_claim(user, claim, group_member_ids):
    """评分小组 members of the claim's grid or its secretaries decide; never the claimer nor the member claimed for."""
    from .onpost import grid_secretaries, member_of

    if claim.claimed_by_id == user.pk:
        return False
    member = member_of(user)
    if member is not None and member.pk == claim.assignment.member_id:
        return False
    if user.is_superuser or user.pk in grid_secretaries(claim.assignment.post.grid):
        return True
    return member is not None and member.pk in group_member_ids


def decide_claim(claim, by, approve, reason=""):
    """Approve or refuse a pending claim (compare-and-set: a second click changes nothing); an approved claim goes
    into the register in the same transaction."""
    reason = reason.strip()[:200]
    if not approve and not reason:
        raise TransitionError("不通过时请写明理由，方便党员了解。")
    state = ClaimState.APPROVED if approve else ClaimState.REFUSED
    with transaction.atomic():
        changed = PointClaim.objects.filter(pk=claim.pk, state=ClaimState.PENDING).update(
            state=state, decision=reason, decided_by=by, decided_at=timezone.now()
        )
        claim.refresh_from_db()
        if not changed:
            who = who_when(claim.decided_by, claim.decided_at)
            raise TransitionError.overtaken(
                f"这条申报已由{who}审核，结果是“{claim.get_state_display()}”。",
                reverse("posts:claim", args=[claim.pk]),
            )
        record_version(claim, by=by)
        recompute(Assignment.objects.filter(pk=claim.assignment_id))
    return claim


def refresh(assignment_ids):
    """The registers of these assignments rebuilt once the change that moved their records is committed."""
    ids = sorted({pk for pk in assignment_ids if pk is not None})
    if ids:
        transaction.on_commit(lambda: recompute(Assignment.objects.filter(pk__in=ids)))


def quarter_totals(assignment_ids, year, quarter):
    """{assignment id: ({category: points in the quarter}, the quarter's total, the year's total)}, summed in the
    database."""
    from django.db.models import Sum

    first = datetime.date(year, 3 * quarter - 2, 1)
    last = datetime.date(year + quarter // 4, 3 * quarter % 12 + 1, 1) - datetime.timedelta(days=1)
    result = {pk: ({c: ZERO for c, _ in PointCategory.choices}, ZERO, ZERO) for pk in assignment_ids}
    rows = (
        PointEntry.objects.filter(assignment__in=assignment_ids, on__year=year)
        .values_list("assignment_id", "rule__category")
        .annotate(
            in_quarter=Sum("points", filter=Q(on__range=(first, last)), default=ZERO),
            in_year=Sum("points", default=ZERO),
        )
        .order_by()
    )
    for pk, category, in_quarter, in_year in rows:
        cats, q, y = result[pk]
        cats[category] = in_quarter
        result[pk] = (cats, q + in_quarter, y + in_year)
    return result


QUARTER_NAMES = "一二三四"


def grid_register(grid, year, quarter):
    """The grid's members with a register in `year`: [(assignment, quarter's points by category, quarter, year)]."""
    assignments = list(
        Assignment.objects.filter(post__grid=grid, status__in=SERVED)
        .filter(Q(round__year=year) | Q(point_entries__on__year=year))
        .distinct()
        .select_related("member", "post")
        .order_by("member__name_key", "pk")
    )
    found = quarter_totals([a.pk for a in assignments], year, quarter)
    return [(a, *found[a.pk]) for a in assignments]


def year_points(assignment_ids, year):
    """{assignment id: the year's total}, summed in the database (assignments without entries left out)."""
    from django.db.models import Sum

    rows = PointEntry.objects.filter(assignment__in=assignment_ids, on__year=year).values_list("assignment_id")
    return dict(rows.annotate(total=Sum("points")).order_by())


# --- the quarter's register on notice (积分公示) --------------------------------------------------------------------


def publish_notice(grid, year, quarter, starts_on, ends_on, phone, place, by, today=None):
    """Put the grid's register for the quarter on notice for at least the town's notice days."""
    today = today or timezone.localdate()
    terms = PointTerms.for_towns([grid.village.town_id])[grid.village.town_id]
    if PointsNotice.objects.filter(grid=grid, year=year, quarter=quarter).exists():
        raise TransitionError(f"{year}年第{QUARTER_NAMES[quarter - 1]}季度的积分公示已经发布过了。")
    if ends_on < starts_on:
        raise TransitionError("公示结束日期不能早于开始日期。")
    if (ends_on - starts_on).days + 1 < terms.notice_days:
        raise TransitionError(
            f"积分公示至少要{terms.notice_days}天（镇里规定），现在只有{(ends_on - starts_on).days + 1}天。"
        )
    if starts_on > today + datetime.timedelta(days=30):
        raise TransitionError("公示开始日期太远了，请填一个月内的日期。")
    return PointsNotice.objects.create(
        grid=grid, year=year, quarter=quarter, starts_on=starts_on, ends_on=ends_on, phone=phone, place=place,
        published_by=by,
    )  # fmt: skip


def raise_objection(notice, by, raised_on, today=None, **fields):
    """An objection to the notice's points, on a day the notice ran."""
    today = today or timezone.localdate()
    if raised_on > today:
        raise TransitionError("提出日期不能晚于今天。")
    if not notice.is_running(raised_on):
        raise TransitionError(
            f"积分公示期是{notice.starts_on.month}月{notice.starts_on.day}日至{notice.ends_on.month}月"
            f"{notice.ends_on.day}日，这一天不在公示期内。"
        )
    return create_as(by, PointsObjection, notice=notice, raised_on=raised_on, recorded_by=by, **fields)


def answer_objection(objection, answer, answered_on, by, today=None):
    today = today or timezone.localdate()
    if answered_on > today or answered_on < objection.raised_on:
        raise TransitionError("答复日期要在提出日期和今天之间。")
    if not PointsObjection.objects.filter(pk=objection.pk, answered_on=None).update(
        answer=answer, answered_on=answered_on
    ):
        raise TransitionError("这条异议已经答复过了。")
    objection.answer, objection.answered_on = answer, answered_on
    record_version(objection, by=by)
