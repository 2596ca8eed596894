"""Demo rounds for 金城镇: villages at every stage of the five steps, built through the real transitions.

Each village's round follows one timeline of dated steps; a step runs only if its date is not in the
future, so a village whose timeline started 10 days ago is mid-deliberation with its notice running,
one that started ten months ago has been evaluated and closed. Nothing here sets a status directly; the year
on post of the villages at 严格评岗 and closed (ledger, residents' requests, reports) is written in bulk by
posts/demo_year.py.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from grids.models import Town
from members.demo import HOME_TOWN, PLAN_TEXT
from members.models import VillagePlan

from .demo_year import YearOnPost
from .models import (
    Assignment,
    CheckUp,
    Meeting,
    MeetingKind,
    Notice,
    Post,
    PostType,
    Rating,
    Round,
    Source,
    Stage,
    Status,
    Training,
    TransitionError,
)

# The timeline's days: members go on post from day 15 (as they sign their letters, over a week), the year on
# post (严格评岗) runs from day 24 until the rating on RATE_DAY, and the round closes on CLOSE_DAY.
RATE_DAY = 270
CLOSE_DAY = RATE_DAY + 2
# How many days ago each village's timeline started, by the stage it should be in today: a village at 严格评岗
# has had its members on post about seven months, a closed one had them about nine and closed four weeks ago.
DAYS_BACK = {
    Stage.APPLICATION: 2,
    Stage.DELIBERATION: 10,
    Stage.CONFIRMATION: 20,
    Stage.EVALUATION: 230,
    Stage.CLOSED: CLOSE_DAY + 28,
}
# Villages of 金城镇 in order, and the stage their round is at: every stage has something to show.
TARGETS = [
    Stage.EVALUATION,
    Stage.SURVEY,
    Stage.APPLICATION,
    Stage.DELIBERATION,
    Stage.CONFIRMATION,
    Stage.CLOSED,
    Stage.SURVEY,
    Stage.APPLICATION,
    Stage.DELIBERATION,
    Stage.CONFIRMATION,
    Stage.EVALUATION,
    Stage.CLOSED,
    Stage.APPLICATION,
    Stage.DELIBERATION,
    Stage.CONFIRMATION,
    Stage.EVALUATION,
    Stage.SURVEY,
]


# The third village at 支部议岗 started three weeks before the others and has stayed there since: the town's
# page shows it overdue (24 days against the 21 a town expects), as towns always have one.
LAGGING_DAYS = 20


class RoundBuilder:
    def __init__(self, village, target, today, rng, lag=0, showcase=False):
        self.village, self.target, self.today, self.rng = village, target, today, rng
        self.showcase = showcase  # the first village: the demo's logins, photos, one request in each state
        self.by = village.secretary
        self.t0 = today - datetime.timedelta(days=DAYS_BACK.get(target, 0) + lag)
        self.grids = list(village.grids.select_related("secretary").order_by("number"))

    def day(self, n):
        return self.t0 + datetime.timedelta(days=n)

    def due(self, n):
        return self.day(n) <= self.today

    def build(self):
        self.round = Round.objects.create(village=self.village, year=self.today.year, created_by=self.by)
        self.survey()
        if self.target == Stage.SURVEY:
            return self.round
        steps = [
            (4, self.advance),
            (5, self.deliberate),
            (6, self.publish_notices),
            (13, self.confirm_meetings),
            (13, self.advance),
            (15, self.confirm_members),
            (24, self.advance),
            (25, self.evaluate),
            (RATE_DAY, self.rate),
            (CLOSE_DAY, self.advance),
        ]
        self.round.applications_open_on, self.round.applications_close_on = self.day(0), self.day(3)
        self.round.save(update_fields=["applications_open_on", "applications_close_on"])
        self.advance()
        if self.due(1):
            self.apply()
        for n, step in steps:
            if not self.due(n) or (step == self.advance and self.round.stage == self.target):
                break
            step(n)
        if self.round.stage in (Stage.EVALUATION, Stage.CLOSED):
            served = {Status.COMPLETED: self.day(CLOSE_DAY), Status.ADJUSTED: self.day(RATE_DAY)}
            served = served if self.round.stage == Stage.CLOSED else {}
            YearOnPost(self.round, self.today, served, showcase=self.showcase).build()
        return self.round

    def advance(self, n=-1):
        """The stage moves on the timeline's day n (the opening move, checked against today, on its first day),
        stamped at 10:00 that day, so that the homes show how long each village has been at its stage."""
        day = self.today if n < 0 else self.day(n)
        self.round.advance(by=self.by, note="演示数据", today=day, at=self.moment(max(n, 0)))

    def moment(self, n, hour=10):
        """The timeline's day n at `hour` (never later than now): when a demo step was done."""
        at = timezone.make_aware(datetime.datetime.combine(self.day(n), datetime.time(hour)))
        return min(at, timezone.now())

    def survey(self):
        VillagePlan.objects.get_or_create(
            village=self.village,
            year=self.today.year,
            defaults={
                "title": f"{self.village.name}“无职党员设岗定责”活动实施方案",
                "content": PLAN_TEXT,
                "starts_on": self.today.replace(month=1, day=1),
                "ends_on": self.today.replace(month=12, day=31),
                "updated_by": self.by,
            },
        )
        PostType.add_suggested(self.village.town)  # the town's catalogue starts from the plan's six
        types = {t.need_category: t for t in PostType.objects.filter(town=self.village.town_id)}
        grids = self.grids[:-1] if self.target == Stage.SURVEY else self.grids  # one grid still to do
        for grid in grids:
            needs = list(grid.needs.all())
            chosen = {}
            for need in needs:
                if need.category in types:
                    chosen.setdefault(need.category, []).append(need)
            for category in self.rng.sample(list(types), 2):
                chosen.setdefault(category, [])
            for category, cited in chosen.items():
                t = types[category]
                reason = "" if cited else "网格党支部研究认为本网格需要设立此岗位。"
                places = self.rng.choice([1, 2, 2, 3])
                post = Post.objects.create(
                    grid=grid, post_type=t, name=t.name, places=places, duties=t.duties, reason=reason
                )
                post.needs.set(cited)

    def apply(self):
        for grid in self.grids:
            posts = list(grid.posts.all())
            for member in grid.members.eligible():
                if self.rng.random() < 0.35:
                    continue
                source = self.rng.choice([Source.SELF, Source.SELF, Source.SELF, Source.PEER, Source.BRANCH])
                count = self.rng.randint(1, min(3, len(posts))) if source == Source.SELF else 1
                recommended_by = {Source.PEER: "党员互荐", Source.BRANCH: "网格党支部"}.get(source, "")
                reason = self.rng.choice(
                    ["热心公益，群众基础好。", "熟悉网格情况，住得近。", "有相关特长，愿意为群众服务。"]
                )
                Assignment.apply(
                    self.round,
                    member,
                    self.rng.sample(posts, count),
                    source,
                    recommended_by,
                    reason,
                    by=self.by,
                    today=self.day(1),
                )

    def meeting(self, grid, kind, n, resolution):
        members = grid.members.count()
        return Meeting.objects.create(
            round=self.round,
            grid=grid,
            kind=kind,
            stage=self.round.stage,
            held_on=self.day(n),
            place="网格党群服务站",
            attendees=max(members, 1),
            present=max(members - self.rng.randint(0, 2), 1),
            resolution=resolution,
            recorded_by=self.by,
        )

    def deliberate(self, n):
        for grid in self.grids:
            rows = list(self.round.assignments.filter(post__grid=grid).select_related("post", "member"))
            if not rows:
                continue
            meeting = self.meeting(
                grid, MeetingKind.GRID_BRANCH, n, "结合党员个性、特长、身体状况，择优配岗，确定拟上岗人选。"
            )
            filled, placed = {}, set()
            for a in sorted(rows, key=lambda a: (a.rank, a.pk)):
                a.refresh_from_db()
                if a.status != Status.APPLIED or a.member_id in placed or filled.get(a.post_id, 0) >= a.post.places:
                    continue
                a.move(Status.PROPOSED, by=self.by, meeting=meeting, today=self.day(n), at=self.moment(n, 15))
                filled[a.post_id] = filled.get(a.post_id, 0) + 1
                placed.add(a.member_id)
            for a in self.round.assignments.filter(post__grid=grid, status=Status.APPLIED):
                a.move(
                    Status.NOT_CHOSEN,
                    by=self.by,
                    meeting=meeting,
                    note="岗位职数已满，经支部调剂未安排。",
                    today=self.day(n),
                    at=self.moment(n, 15),
                )

    def publish_notices(self, n):
        for i, grid in enumerate(self.grids):
            try:
                notice = Notice.publish(
                    self.round,
                    grid,
                    self.day(n),
                    self.day(n + 6),
                    "0515-8888" + f"{i:04d}",
                    "村党务公开栏、网格公示牌",
                    by=self.by,
                    today=self.day(n),
                    at=self.moment(n, 9),
                )
            except TransitionError:
                continue  # no proposals in this grid
            if i == 0:
                target = notice.round.assignments.filter(post__grid=grid, status=Status.NOTICED).first()
                content = "反映该党员平时较忙，担心没有时间履职。"
                objection = notice.raise_objection(
                    target, "匿名群众", self.day(n + 1), content, by=self.by, today=self.day(n + 1)
                )
                if self.due(n + 6):
                    objection.answer_with(
                        "经网格党支部走访核实，该党员已退休，时间充裕，本人表示能够履职。", self.day(n + 6), self.by
                    )

    def confirm_meetings(self, n):
        for grid in self.grids:
            if self.round.assignments.filter(post__grid=grid, status=Status.NOTICED).exists():
                self.meeting(grid, MeetingKind.GENERAL_ASSEMBLY, n, "支部党员大会表决通过上岗人选。")
                self.meeting(grid, MeetingKind.REPRESENTATIVES, n, "群众代表会议确认上岗人选。")

    def confirm_members(self, n):
        for grid in self.grids:
            rows = list(self.round.assignments.filter(post__grid=grid, status=Status.NOTICED).order_by("pk"))
            if not rows:
                continue
            induction = self.meeting(
                grid, MeetingKind.INDUCTION, n, "举行上岗仪式，党支部与党员签订《设岗定责承诺书》。"
            )
            for i, a in enumerate(rows):
                signed = self.day(n + i % 8)
                if signed <= self.today:
                    a.move(
                        Status.ON_POST, by=self.by, meeting=induction, letter_signed_on=signed, today=self.today,
                        at=self.moment(n + i % 8, 16),
                    )  # fmt: skip
            if self.due(n + 8):
                self.meeting(
                    grid, MeetingKind.REPRESENTATIVES, n + 8, "向群众代表通报上岗党员及其岗位职责，请群众监督。"
                )

    def evaluate(self, n):
        on_post = list(self.round.assignments.filter(status=Status.ON_POST).select_related("member", "post__grid"))
        training = Training.objects.create(
            round=self.round,
            held_on=self.day(n),
            topic="网格岗位职责与业务知识培训",
            place="村党群服务中心",
            recorded_by=self.by,
        )
        training.attendees.set([a.member for a in on_post if self.rng.random() < 0.9])
        for a in on_post:
            contact = a.post.grid.members.exclude(pk=a.member_id).exclude(cadre_post="").first()
            contact = contact or a.post.grid.members.exclude(pk=a.member_id).first()
            if contact:
                a.assign_contact(contact, by=self.by)
            if self.due(n + 1):
                CheckUp.objects.create(
                    assignment=a,
                    held_on=self.day(n + 1),
                    findings="按要求开展工作，群众反映较好。",
                    recorded_by=self.by,
                )

    def rate(self, n):
        for a in self.round.assignments.filter(status=Status.ON_POST).select_related("member"):
            base = self.rng.choice([95, 88, 82, 78, 70, 55])
            rating = Rating(
                assignment=a,
                period=f"{self.today.year}年度",
                org_score=base,
                peer_score=min(100, base + self.rng.randint(-5, 5)),
                resident_score=min(100, base + self.rng.randint(-5, 5)),
                comment="能够履行岗位职责。",
                rated_on=self.day(n),
                rated_by=self.by,
            )
            rating.compute()
            rating.save()
            if rating.grade == "poor":
                a.move(
                    Status.ADJUSTED, by=self.by, note="评岗不称职，经支部研究调整岗位。", today=self.day(n + 1),
                    at=self.moment(n + 1),
                )  # fmt: skip


def seed_rounds(today=None, seed=2026):
    """Give 金城镇's villages rounds at every stage; villages that already have a round are left alone."""
    today = today or timezone.localdate()  # the town's day (Asia/Shanghai), as every page counts days
    town = Town.objects.filter(name=HOME_TOWN).first()
    if town is None:
        return 0
    rng = random.Random(seed)
    built = 0
    villages = town.villages.select_related("secretary").order_by("pk")
    for i, (village, target) in enumerate(zip(villages, TARGETS, strict=False)):
        if village.rounds.exists():
            continue
        lag = LAGGING_DAYS if target == Stage.DELIBERATION and TARGETS[:i].count(Stage.DELIBERATION) == 2 else 0
        with transaction.atomic():
            RoundBuilder(village, target, today, rng, lag=lag, showcase=i == 0).build()
        built += 1
    return built
