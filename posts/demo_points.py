"""The demo's points and stars (积分管理、星级评定), after the year on post (posts/demo_year.py).

Every town gets the default catalogue of point rules from January 1 (金城镇 changes one in the middle of the year,
so that its register shows a rule's old and new points). In the villages at 严格评岗 and the closed ones, each grid
with members on post gets its scoring group (评分小组), members claim points now and then (approved or refused by
the grid's secretary for the group, a couple still waiting in the villages at 严格评岗), and residents leave
praise and criticism, a few criticisms found true. The registers are then computed once for everyone from the
records (posts.points.recompute). Each grid of a closed village has run its star rating through to 授牌: the
stars proposed from the year's points, every step dated after the round closed, the list on notice five days,
one or two stars lowered with a reason.

Written in bulk, dated on each village's timeline, from a random source seeded with the village's name, so two
runs build the same points; a village whose grids already have scoring groups is left alone.
"""

import datetime
import random
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from grids import figures
from grids.models import Grid, Town
from members.demo import HOME_TOWN, SURNAMES
from members.models import Member, MemberAccount

from . import points
from .demo import CLOSE_DAY, RATE_DAY
from .demo_year import CALLED, aware, set_times
from .models import (
    Assignment,
    BranchPointEntry,
    ClaimState,
    DutyState,
    Feedback,
    FeedbackKind,
    FeedbackState,
    PointCategory,
    PointClaim,
    PointRule,
    PointSource,
    PointTerms,
    Round,
    ScoringGroup,
    Stage,
    StarObjection,
    StarRating,
    StarRecord,
    StarRound,
    StarStep,
    Status,
)
from .models.workflow import SERVED

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)

# (reason, evidence) of claims the scoring group approved: 加分 claimed by the member.
BONUS_CLAIMS = [
    ("参加镇防汛抢险突击队，连续三天夜间巡查圩堤，及时报告一处管涌险情。", "镇防汛指挥部情况通报"),
    ("被镇党委评为“优秀网格党员”。", "镇党委表彰文件"),
    ("在河边救起一名落水儿童，送回家中。", "证明人：孩子家长、村民两人"),
    ("秸秆禁烧期间带头值守，受到镇政府通报表扬。", "镇政府通报"),
    ("组织本组村民捐款帮助一户火灾受损家庭。", "捐款名单和收条（复印件）"),
]
# (reason, evidence, the scoring group's reason for refusing): 加分 claims refused.
REFUSED_CLAIMS = [
    ("组织本组村民义务清扫村道。", "照片三张", "属于本岗位日常职责，已按履职纪实计分，不重复加分。"),
    ("参加村里春节文艺汇演。", "", "与岗位职责无关，不予加分。"),
    ("帮助邻居调解家庭矛盾，受到群众好评。", "", "证明材料不全，请补充证明人后重新申报。"),
]
# 扣分 claimed by the grid's secretary and approved by the scoring group.
DEDUCTION_CLAIMS = [
    ("连续两个月未开展巡逻，经网格党支部提醒后仍未整改。", "网格党支部会议记录"),
    ("承诺帮群众代办的事项拖了一个多月没有办，群众多次反映。", "群众反映登记"),
]
# Claims still waiting for the scoring group (villages at 严格评岗).
PENDING_CLAIMS = [
    ("台风过境后连夜帮助五户独居老人加固门窗。", "证明人：村民三人"),
    ("协助镇里完成本网格医保参保信息核对，全部按时录入。", "村便民服务中心证明"),
]
PRAISE = [
    "党员同志经常来看望我家老人，帮忙取药，非常感谢！",
    "路灯坏了一反映就来处理，给党员点赞。",
    "调解邻里矛盾很有耐心，两家现在和好了。",
    "夜里巡逻很认真，大家住得安心。",
    "帮我家在手机上交了医保，讲得很清楚。",
]
# (criticism, the branch's answer) found true: they cost the member points.
UPHELD = [
    ("说好上门帮忙看电线，一直没来。", "经网格党支部核实，情况属实，已对该党员进行提醒谈话，电线已安排检修。"),
    ("巡逻只是走个过场，晚上经常看不到人。", "经核实情况属实，已要求该党员按排班巡逻，网格党支部将跟踪检查。"),
    ("反映的问题拖了好久没人管。", "经核实，该党员接单后未及时办理，情况属实，已督促办结并向您致歉。"),
]
# (criticism, answer) looked into and found not true.
NOT_UPHELD = [
    ("河沟垃圾一直没人清理。", "经核实，该河段不属于该党员岗位范围，已转村保洁员清理。"),
    ("调解时偏向一方。", "经网格党支部走访双方核实，调解过程公正，反映情况不属实，已向您说明。"),
]
LOWERED = [
    "年内受到群众批评经核实属实，经党员大会表决降低一个星级。",
    "下半年履职纪实明显减少，经支部研究、党员大会表决降低一个星级。",
]
# The star round's steps after the village's round closed: (step, days after closing, meeting, note).
STEPS = [
    (StarStep.PROPOSED, 2, "", "系统按年度积分和镇积分标准提出建议星级"),
    (StarStep.GROUP, 4, "党小组会议", "逐人对照积分登记簿评议，提出初评意见"),
    (StarStep.BRANCH, 7, "网格党支部委员会会议", "研究确定初定星级"),
    (StarStep.GENERAL, 10, "村党总支委员会会议", "核查积分登记簿和初定星级，同意提交党员大会"),
    (StarStep.ASSEMBLY, 13, "网格党支部党员大会", "应到{expected}人，实到{present}人，表决通过"),
    (StarStep.NOTICE, 14, "村党务公开栏、网格公示牌", "张榜公示{days}天"),
    (StarStep.AWARDED, 21, "授牌仪式", "为星级党员授牌"),
]


def seed_points(today=None):
    """Rules for every town; points, claims and (closed villages) star ratings for the villages at 严格评岗 and
    closed that have none yet. Returns the number of villages given points."""
    today = today or timezone.localdate()
    with transaction.atomic():
        default_rules(today)
        rounds = list(
            Round.objects.filter(stage__in=[Stage.EVALUATION, Stage.CLOSED])
            .exclude(village__grids__scoring_group__isnull=False)
            .select_related("village")
            .order_by("pk")
        )
        villages = [VillagePoints(r, today) for r in rounds]
        villages = [v for v in villages if v.assignments]
        if not villages:
            return 0
        prepare(villages)
        for v in villages:
            v.build()
        save_groups(villages)
        save_claims(villages)
        save_feedback(villages)
        save_branch_points(villages)
        points.recompute(today=today)
        closed = [v for v in villages if v.round.stage == Stage.CLOSED]
        if closed:
            save_stars(closed, today)
        figures.changed(Grid, {g.pk for v in villages for g in v.grids}, "village__town_id")
    return len(villages)


def default_rules(today):
    """The default catalogue for every town without rules, from January 1 of the year of the earliest day on post;
    金城镇 raises the points for a request rated 满意 from the first of a month about five months ago."""
    towns = list(Town.objects.filter(point_rules=None).order_by("pk"))
    if not towns:
        return
    first = Assignment.objects.filter(letter_signed_on__isnull=False).order_by("letter_signed_on").first()
    year = min(today.year, first.letter_signed_on.year) if first else today.year
    valid_from = datetime.date(year, 1, 1)
    for town in towns:
        points.add_default_rules(town, valid_from)
    home = next((t for t in towns if t.name == HOME_TOWN), None)
    month = today.replace(day=1)
    for _ in range(5):
        month = (month - DAY).replace(day=1)
    if home and month > valid_from:
        rule = PointRule.objects.get(town=home, source=PointSource.REQUEST_SATISFIED)
        points.change_rule(rule, month, by=home.committee.order_by("pk").first(), points=rule.points + 1)


class VillagePoints:
    """One village's scoring groups, claims and feedback (unsaved), and after the registers its star rounds."""

    def __init__(self, round, today):
        self.round, self.today, self.village = round, today, round.village
        self.rng = random.Random(f"points:{self.village.name}")
        self.now = timezone.now()
        self.t0 = round.applications_open_on
        self.closed_on = self.t0 + CLOSE_DAY * DAY if round.stage == Stage.CLOSED else None
        self.assignments = list(
            round.assignments.filter(status__in=SERVED, letter_signed_on__isnull=False)
            .select_related("member", "post__grid__secretary")
            .annotate(verified=Count("duty_records", filter=Q(duty_records__state=DutyState.VERIFIED)))
            .order_by("post__grid__number", "pk")
        )
        # Who did least: those moved off their post at the rating, then the fewest checked entries. The
        # deductions (a criticism found true, 履职不力) fall on them, and they end with three stars or none.
        self.weak = sorted(self.assignments, key=lambda a: (a.status != Status.ADJUSTED, a.verified, a.pk))[:3]
        self.by_grid = defaultdict(list)
        for a in self.assignments:
            self.by_grid[a.post.grid].append(a)
        self.grids = list(self.by_grid)
        self.groups, self.claims, self.feedback, self.branch = [], [], [], []

    def last_day(self, a):
        """The last day `a` served: the round's closing (the rating's day for a member moved off the post), or today."""
        if a.status == Status.ADJUSTED:
            return min(self.t0 + RATE_DAY * DAY, self.today)
        return min(self.closed_on or self.today, self.today)

    def day_in(self, a, lo=10, hi=15):
        """A day of `a`'s service, `lo` days after it began and `hi` before it ended (or today)."""
        first, last = a.letter_signed_on + lo * DAY, self.last_day(a) - hi * DAY
        if last < first:
            return None
        return first + self.rng.randint(0, (last - first).days) * DAY

    def moment(self, day, hour_from=8, hour_to=20):
        return min(aware(day, self.rng.randint(hour_from, hour_to), self.rng.randint(0, 59)), self.now - HOUR)

    def build(self):
        self.scoring_groups()
        self.make_claims()
        self.make_feedback()
        self.make_branch_points()

    def make_branch_points(self):
        """About one grid in three: praised by the town's committee, or marked down by the village's secretary
        for a report meeting held late."""
        praised, late = self.branch_rules.get(PointCategory.BONUS), self.branch_rules.get(PointCategory.DEDUCTION)
        for grid, rows in self.by_grid.items():
            day = self.day_in(rows[0], 30, 20)
            if day is None or self.rng.random() > 0.35:
                continue
            if self.rng.random() < 0.7 and praised and self.committee:
                rule, by, note = praised, self.committee, f"{grid.name}群众点单办结及时，镇党委通报表扬"
            elif late and self.village.secretary:
                rule, by, note = late, self.village.secretary, "未按时组织在岗党员向支部和群众代表汇报"
            else:
                continue
            self.branch.append(
                BranchPointEntry(grid=grid, rule=rule, on=day, raw=rule.points, points=rule.points, note=note,
                                 recorded_by=by, recorded_at=self.moment(day))
            )  # fmt: skip

    def scoring_groups(self):
        """Three to five of the grid's members: its cadres first, then members on post."""
        members = defaultdict(list)
        village = Member.objects.filter(grid__village=self.village).order_by("pk").only("pk", "grid_id", "cadre_post")
        for m in village:
            members[m.grid_id].append(m)
        village_cadres = [m for m in village if m.cadre_post]
        for grid, rows in self.by_grid.items():
            on_post = {a.member_id for a in rows}
            cadres = [m for m in members[grid.pk] if m.cadre_post][:2]
            serving = [m for m in members[grid.pk] if m.pk in on_post]
            others = [m for m in members[grid.pk] if not m.cadre_post and m.pk not in on_post]
            size = self.rng.randint(3, 5)
            chosen = cadres + self.rng.sample(serving, min(len(serving), size - len(cadres)))
            chosen += self.rng.sample(others, max(0, min(len(others), size - len(chosen))))
            # a grid of two members borrows from the village's cadres (they sit on the 村党总支)
            chosen += [m for m in village_cadres if m not in chosen][: max(0, 3 - len(chosen))]
            self.groups.append((ScoringGroup(grid=grid), chosen))

    def make_claims(self):
        rng = self.rng
        rules = self.rules
        plan = [("approved", rng.choice(BONUS_CLAIMS)) for _ in range(rng.randint(2, 3))]
        plan += [("refused", rng.choice(REFUSED_CLAIMS)) for _ in range(rng.randint(1, 2))]
        plan += [("deduction", claim) for claim in rng.sample(DEDUCTION_CLAIMS, rng.randint(1, 2))]
        if self.round.stage == Stage.EVALUATION:
            plan += [("pending", claim) for claim in rng.sample(PENDING_CLAIMS, 2)]
        for kind, text in plan:
            a = rng.choice(self.weak if kind == "deduction" else self.assignments)
            secretary = a.post.grid.secretary
            pending = kind == "pending"
            on = self.today - rng.randint(2, 12) * DAY if pending else self.day_in(a)
            if on is None or on < a.letter_signed_on:
                continue
            rule = rules[PointCategory.DEDUCTION if kind == "deduction" else PointCategory.BONUS]
            claim = PointClaim(
                assignment=a, rule=rule, on=on, reason=text[0], evidence=text[1],
                claimed_by=secretary if kind == "deduction" else self.users.get(a.member_id, secretary),
            )  # fmt: skip
            claim.created = self.moment(on + rng.randint(0, 3) * DAY)
            if not pending:
                claim.state = ClaimState.REFUSED if kind == "refused" else ClaimState.APPROVED
                claim.decision = text[2] if kind == "refused" else "经网格评分小组审核，情况属实，同意计分。"
                claim.decided_by = secretary
                claim.decided_at = self.moment((claim.created + rng.randint(2, 7) * DAY).date(), 14, 19)
            self.claims.append(claim)

    def make_feedback(self):
        """Praise now and then; two or three criticisms, most found true after the branch looked into them."""
        rng = self.rng
        plan = [("praise", rng.choice(PRAISE), "") for _ in range(rng.randint(3, 6))]
        plan += [("upheld", *rng.choice(UPHELD)) for _ in range(rng.randint(1, 2))]
        plan += [("not upheld", *rng.choice(NOT_UPHELD))]
        for kind, content, answer in plan:
            a = rng.choice(self.weak if kind == "upheld" else self.assignments)
            day = self.day_in(a, 15, 20)
            if day is None:
                continue
            f = Feedback(
                grid=a.post.grid, about=a, content=content,
                kind=FeedbackKind.PRAISE if kind == "praise" else FeedbackKind.CRITICISM,
                name=f"{rng.choice(SURNAMES)}{rng.choice(CALLED)}" if rng.random() < 0.5 else "",
                state=FeedbackState.ANSWERED, answered_by=a.post.grid.secretary,
                answer=answer or "感谢您对党员工作的肯定，我们会继续做好服务。", upheld=kind == "upheld",
            )  # fmt: skip
            f.created = self.moment(day)
            f.answered_on = day + rng.randint(2, 8 if kind != "praise" else 3) * DAY
            self.feedback.append(f)

    # --- stars ------------------------------------------------------------------------------------------------

    def star_rounds(self, totals, terms, upheld):
        """Each grid's star round at 授牌, its records and ratings: the stars as the points propose them, one or two
        a step lower for a reason, the list on notice for the town's days."""
        rng = self.rng
        rounds = []
        lowered = set()
        candidates = [a.pk for a in self.assignments if a.pk in upheld] or [a.pk for a in self.assignments]
        for pk in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
            lowered.add(pk)
        for grid, rows in self.by_grid.items():
            days = {step: min(self.closed_on + n * DAY, self.today) for step, n, _, _ in STEPS}
            notice_start = days[StarStep.NOTICE]
            notice_end = min(notice_start + (terms.notice_days - 1) * DAY, self.today)
            star_round = StarRound(
                grid=grid, year=self.round.year, step=StarStep.AWARDED, notice_starts_on=notice_start,
                notice_ends_on=notice_end, created_by=grid.secretary,
            )  # fmt: skip
            star_round.created = aware(days[StarStep.PROPOSED], 9)
            records = []
            expected = len(rows) + rng.randint(2, 6)  # the branch's members: those on post and the others
            for i, (step, _, meeting, note) in enumerate(STEPS):
                by = self.village.secretary if step == StarStep.GENERAL else grid.secretary
                present = expected - rng.randint(0, 2)
                text = note.format(expected=expected, present=present, days=terms.notice_days)
                record = StarRecord(step=step, held_on=days[step], meeting=meeting, note=text, by=by)
                record.when = aware(days[step], 10 + i % 6)
                records.append(record)
            ratings = []
            for a in rows:
                total = totals[a.pk]
                proposed = terms.star_for(total)
                rating = StarRating(assignment=a, total=total, proposed=proposed, stars=proposed)
                if a.pk in lowered and proposed:
                    rating.stars = {5: 4, 4: 3, 3: 0}[proposed]
                    rating.change_reason = rng.choice(LOWERED)
                ratings.append(rating)
            objections = []
            if grid is self.grids[0] and rows:
                content = "对该党员评为星级党员有不同意见，认为其平时参加活动不多。"
                answer = "经网格党支部核查积分登记簿和履职纪实，该党员全年履职记录完整，积分属实，维持评定结果。"
                objections.append(
                    StarObjection(
                        raised_by="匿名群众", raised_on=notice_start + DAY, content=content, answer=answer,
                        answered_on=min(notice_end + DAY, days[StarStep.AWARDED]),
                    )
                )  # fmt: skip
                objections[0].about = ratings[0]
            rounds.append((star_round, records, ratings, objections))
        return rounds

    # set by prepare(): {category: the town's claimable rule in force}, {member id: the member's own user}
    rules = users = None


def save_groups(villages):
    pairs = [pair for v in villages for pair in v.groups]
    ScoringGroup.objects.bulk_create([g for g, _ in pairs])
    Through = ScoringGroup.members.through
    rows = [(g.pk, m.pk) for (g, members) in pairs for m in members]
    Through.objects.bulk_create([Through(scoringgroup_id=g, member_id=m) for g, m in rows])


def save_claims(villages):
    PointClaim.objects.bulk_create([c for v in villages for c in v.claims], batch_size=500)
    claims = [c for v in villages for c in v.claims]
    set_times(claims, "created_at", "created")
    for c in claims:
        c._history_date, c._history_user = c.created_at, c.claimed_by
    # the claim as made, then as decided
    PointClaim.history.bulk_history_create([pending_copy(c) for c in claims], batch_size=500)
    decided = [c for c in claims if c.decided_at]
    for c in decided:
        c._history_date, c._history_user = c.decided_at, c.decided_by
    PointClaim.history.bulk_history_create(decided, update=True, batch_size=500)


def save_branch_points(villages):
    entries = [e for v in villages for e in v.branch]
    moments = [e.recorded_at for e in entries]
    BranchPointEntry.objects.bulk_create(entries)
    for e, at in zip(entries, moments, strict=True):
        e.recorded_on_timeline = at
    set_times(entries, "recorded_at", "recorded_on_timeline")
    for e in entries:
        e._history_date, e._history_user = e.recorded_at, e.recorded_by
    BranchPointEntry.history.bulk_history_create(entries)


def pending_copy(claim):
    v = PointClaim(**{f.attname: getattr(claim, f.attname) for f in PointClaim._meta.concrete_fields})
    v.state, v.decision, v.decided_by_id, v.decided_at = ClaimState.PENDING, "", None, None
    v._history_date, v._history_user = claim._history_date, claim._history_user
    return v


def save_feedback(villages):
    rows = [f for v in villages for f in v.feedback]
    Feedback.objects.bulk_create(rows, batch_size=500)
    set_times(rows, "created_at", "created")
    for f in rows:
        f._history_date, f._history_user = aware(f.answered_on, 16), f.answered_by
    Feedback.history.bulk_history_create(rows, batch_size=500)


def save_stars(villages, today):
    ids = [a.pk for v in villages for a in v.assignments]
    years = range(min(a.letter_signed_on.year for v in villages for a in v.assignments), today.year + 1)
    totals = dict.fromkeys(ids, 0)
    for year in years:
        for pk, t in points.totals(ids, year).items():
            totals[pk] += t["year"]
    terms = PointTerms.for_towns({v.village.town_id for v in villages})
    upheld = set(Feedback.objects.filter(about__in=ids, upheld=True).values_list("about_id", flat=True))
    built = [r for v in villages for r in v.star_rounds(totals, terms[v.village.town_id], upheld)]
    rounds = StarRound.objects.bulk_create([r for r, _, _, _ in built])
    set_times(rounds, "created_at", "created")
    for star_round, records, ratings, objections in built:
        for row in [*records, *ratings, *objections]:
            row.star_round = star_round
        for o in objections:
            o.rating = o.about
    records = [r for _, rows, _, _ in built for r in rows]
    StarRecord.objects.bulk_create(records, batch_size=500)
    set_times(records, "at", "when")
    ratings = StarRating.objects.bulk_create([r for _, _, rows, _ in built for r in rows], batch_size=500)
    objections = StarObjection.objects.bulk_create([o for _, _, _, rows in built for o in rows])
    for r in rounds:
        r._history_date, r._history_user = r.created_at, r.created_by
    StarRound.history.bulk_history_create(rounds, batch_size=500)
    awarded = {star_round.pk: records[-1] for star_round, records, _, _ in built}
    for star_round, _, rows, _ in built:
        for r in rows:
            r._history_date, r._history_user = awarded[star_round.pk].at, awarded[star_round.pk].by
    StarRating.history.bulk_history_create(ratings, batch_size=500)
    for o in objections:
        o._history_date, o._history_user = aware(o.answered_on, 15), None
    StarObjection.history.bulk_history_create(objections)


def prepare(villages):
    """The claimable rules of each town and the members' own users, read once for all villages."""
    towns = {v.village.town_id for v in villages}
    claimable, branch = defaultdict(dict), defaultdict(dict)
    for rule in PointRule.objects.filter(
        town__in=towns, source__in=[PointSource.CLAIM, PointSource.BRANCH], valid_to=None
    ):
        (claimable if rule.source == PointSource.CLAIM else branch)[rule.town_id][rule.category] = rule
    committee = {t.pk: t.committee.order_by("pk").first() for t in Town.objects.filter(pk__in=towns)}
    members = {a.member_id for v in villages for a in v.assignments}
    accounts = list(MemberAccount.objects.filter(member__in=members).values_list("member_id", "user_id"))
    users = get_user_model().objects.in_bulk({u for _, u in accounts})
    own = {m: users[u] for m, u in accounts}
    for v in villages:
        v.rules, v.users = claimable[v.village.town_id], own
        v.branch_rules, v.committee = branch[v.village.town_id], committee[v.village.town_id]
