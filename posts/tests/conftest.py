"""Fixtures for the five-step workflow: a 2026 round for village A, and a `flow` that walks it through its stages.

Every date is fixed relative to the round's year and handed to the guards as `today=`, so no test depends on
the real date. The timeline of a round (year Y):

    survey       — left on Y-10-25 (plan, a need and a post per grid, application window set in advance)
    application  — window Y-11-01 … Y-11-07, left on Y-11-08
    deliberation — 网格支部会议 Y-11-08, 公示 Y-11-09 … Y-11-13 (5 days), 支部党员大会/群众代表会议 Y-11-14,
                   left on Y-11-14
    confirmation — 上岗仪式 and letters Y-11-18, 群众代表会议 Y-11-19, left on Y-11-20
    evaluation   — training Y-12-05, rating Y-12-20, left on Y-12-28
"""

import dataclasses
import datetime
import itertools

import pytest

from grids.models import County, Grid, Town, Village
from members.models import LeaveReason, NeedCategory, Specialty, VillagePlan
from posts.models import (
    STAGE_ORDER,
    Assignment,
    Audience,
    CheckUp,
    Feedback,
    FeedbackKind,
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
    WorkReport,
)

SUGGESTED_TYPES = [
    "邻里和睦示范岗",
    "村容村貌监督岗",
    "社会治安巡逻岗",
    "尊老爱幼示范岗",
    "政策法律宣传岗",
    "民事纠纷调解岗",
]

# (month, day) in the round's year.
WINDOW = ((11, 1), (11, 7))
NOTICE = ((11, 9), (11, 13))
LEAVE_ON = {
    Stage.SURVEY: (10, 25),
    Stage.APPLICATION: (11, 8),
    Stage.DELIBERATION: (11, 14),
    Stage.CONFIRMATION: (11, 20),
    Stage.EVALUATION: (12, 28),
}
MEETING_ON = {
    MeetingKind.GRID_BRANCH: (11, 8),
    MeetingKind.GENERAL_ASSEMBLY: (11, 14),
    MeetingKind.REPRESENTATIVES: (11, 14),
    MeetingKind.INDUCTION: (11, 18),
}
INDUCTION_ON = (11, 18)
TRAINING_ON = (12, 5)
RATED_ON = (12, 20)

NAMES = ["刘海涛", "赵春梅", "孙立新", "周桂兰", "吴建华", "郑丽娟", "王德胜", "冯玉珍", "陈永福", "褚秀英", "卫国强"]


def on(year, month_day):
    return datetime.date(year, *month_day)


def leave_on(round):
    """A day on which every date guard of the round's current stage is satisfied."""
    return on(round.year, LEAVE_ON[round.stage])


def stage_in_db(round):
    return Round.objects.values_list("stage", flat=True).get(pk=round.pk)


class Flow:
    """Small steps of the programme, done the way a village secretary does them, through the models' doors."""

    def __init__(self, by, make_member, make_need, suggested_types):
        self.by = by
        self._make_member = make_member
        self._make_need = make_need
        self.types = suggested_types
        self._names = itertools.chain(NAMES, (f"党员{n}" for n in itertools.count(1)))

    # --- survey --------------------------------------------------------------------------------------

    def member(self, grid, name=None, **fields):
        return self._make_member(grid, name=name or next(self._names), **fields)

    def need(self, grid, **fields):
        return self._make_need(grid, **fields)

    def post(self, grid, type_name="村容村貌监督岗", name=None, places=1, needs=(), reason=""):
        post_type = self.types[type_name]
        post = Post.objects.create(
            grid=grid,
            post_type=post_type,
            name=name or type_name,
            places=places,
            duties=post_type.duties,
            reason=reason,
        )
        post.needs.set(needs)
        return post

    def start_round(self, village, year, plan=True, window=True):
        if plan:
            VillagePlan.objects.create(
                village=village,
                year=year,
                title=f"{village.name}{year}年度无职党员设岗定责实施方案",
                content="按需设岗、因事设岗，自愿认岗、组织定岗、公示明岗。",
                starts_on=datetime.date(year, 10, 1),
                ends_on=datetime.date(year, 12, 31),
                updated_by=self.by,
            )
        opens, closes = (on(year, WINDOW[0]), on(year, WINDOW[1])) if window else (None, None)
        return Round.objects.create(
            village=village, year=year, applications_open_on=opens, applications_close_on=closes, created_by=self.by
        )

    # --- stage changes -------------------------------------------------------------------------------

    def advance(self, round, today=None, note="", meeting=""):
        return round.advance(by=self.by, note=note, meeting=meeting, today=today or leave_on(round))

    def push(self, round, stage, applicants=True):
        """Satisfy each guard in turn and advance until the round is at `stage`.

        With applicants=False nobody applies during the application stage, so the test decides who does.
        """
        assert STAGE_ORDER.index(stage) >= STAGE_ORDER.index(round.stage), f"cannot push {round.stage} back to {stage}"
        while round.stage != stage:
            self.satisfy(round, applicants=applicants)
            self.advance(round)
        return round

    def satisfy(self, round, applicants=True):
        """Do what the guard of the round's current stage asks for, without advancing."""
        if round.stage == Stage.APPLICATION and applicants and not round.assignments.exists():
            for post in Post.objects.filter(grid__village=round.village_id).order_by("grid__number", "pk"):
                self.apply(round, post)
        elif round.stage == Stage.DELIBERATION:
            # One at a time: proposing a member may settle their other applications.
            while a := round.assignments.filter(status=Status.APPLIED).order_by("pk").first():
                self.propose(a)
            for grid in self._grids(round, Status.PROPOSED):
                self.publish(round, grid)
            for grid in self._grids(round, Status.NOTICED):
                self.held(round, grid, MeetingKind.GENERAL_ASSEMBLY)
                self.held(round, grid, MeetingKind.REPRESENTATIVES)
        elif round.stage == Stage.CONFIRMATION:
            for a in round.assignments.filter(status=Status.NOTICED).order_by("pk"):
                self.seat(a)
            for grid in self._grids(round, Status.ON_POST):
                self.held(round, grid, MeetingKind.INDUCTION)
                self.held(round, grid, MeetingKind.REPRESENTATIVES)
        elif round.stage == Stage.EVALUATION:
            on_post = list(round.assignments.filter(status=Status.ON_POST).select_related("post__grid"))
            if not round.trainings.exists():
                self.train(round, attendees=[a.member_id for a in on_post])
            for a in on_post:
                if a.contact_id is None:
                    self.set_contact(a)
                if not a.ratings.exists():
                    self.rate(a, 92, 90, 88)

    @staticmethod
    def _grids(round, status):
        return Grid.objects.filter(posts__assignments__round=round, posts__assignments__status=status).distinct()

    # --- meetings --------------------------------------------------------------------------------------

    def meeting(self, round, grid, kind, held_on=None):
        """Record a meeting; like the meeting form, it belongs to the stage the round is in now."""
        return Meeting.objects.create(
            round=round,
            grid=grid,
            kind=kind,
            stage=stage_in_db(round),
            held_on=held_on or on(round.year, MEETING_ON[kind]),
            place="网格党群服务站",
            attendees=12,
            present=10,
            resolution=f"{grid.name}{MeetingKind(kind).label}议定相关事项。",
            recorded_by=self.by,
        )

    def held(self, round, grid, kind):
        """The meeting of this kind recorded in the current stage, recording one if there is none yet."""
        existing = Meeting.objects.filter(round=round, grid=grid, kind=kind, stage=stage_in_db(round)).first()
        return existing or self.meeting(round, grid, kind)

    # --- assignments -------------------------------------------------------------------------------------

    def apply(self, round, post, member=None, source=Source.SELF, **fields):
        """An application row as Assignment.apply leaves it, minus its window check, so tests can add one late."""
        return Assignment.objects.create(
            round=round,
            post=post,
            member=member or self.member(post.grid),
            source=source,
            reason="热心公益，熟悉本网格情况。",
            created_by=self.by,
            **fields,
        )

    def propose(self, assignment, meeting=None, note=""):
        round = Round.objects.get(pk=assignment.round_id)
        meeting = meeting or self.held(round, assignment.post.grid, MeetingKind.GRID_BRANCH)
        assignment.move(Status.PROPOSED, by=self.by, meeting=meeting, note=note, today=leave_on(round))
        return assignment

    def publish(self, round, grid, starts_on=None, ends_on=None, today=None):
        starts_on = starts_on or on(round.year, NOTICE[0])
        ends_on = ends_on or on(round.year, NOTICE[1])
        return Notice.publish(
            round,
            grid,
            starts_on=starts_on,
            ends_on=ends_on,
            phone="0523-88881234",
            place="村党务公开栏、网格公示牌",
            by=self.by,
            today=today or starts_on,
        )

    def seat(self, assignment, meeting=None, note=""):
        round = Round.objects.get(pk=assignment.round_id)
        meeting = meeting or self.held(round, assignment.post.grid, MeetingKind.INDUCTION)
        day = on(round.year, INDUCTION_ON)
        assignment.move(Status.ON_POST, by=self.by, meeting=meeting, note=note, letter_signed_on=day, today=day)
        return assignment

    # --- evaluation ----------------------------------------------------------------------------------------

    def train(self, round, attendees=()):
        training = Training.objects.create(
            round=round, held_on=on(round.year, TRAINING_ON), topic="网格岗位职责与矛盾调解实务", recorded_by=self.by
        )
        training.attendees.set(attendees)
        return training

    def set_contact(self, assignment, contact=None):
        contact = contact or self.member(assignment.post.grid)
        Assignment.objects.filter(pk=assignment.pk).update(contact=contact)
        assignment.contact = contact
        return contact

    def rate(self, assignment, org, peer, resident, period=None, rated_on=None):
        year = assignment.round.year
        rating = Rating(
            assignment=assignment,
            period=period or f"{year}年下半年",
            org_score=org,
            peer_score=peer,
            resident_score=resident,
            comment="履职认真，群众认可。",
            rated_on=rated_on or on(year, RATED_ON),
            rated_by=self.by,
        )
        rating.compute()
        rating.save()
        return rating


def town_types(town):
    """A town's catalogue, by name: the six post types of the plan, as the town sets them up."""
    PostType.add_suggested(town)
    types = {t.name: t for t in PostType.objects.filter(town=town)}
    assert sorted(types) == sorted(SUGGESTED_TYPES)
    return types


@pytest.fixture
def suggested_types(town):
    """金城镇's six post types, the ones the plan suggests."""
    return town_types(town)


@pytest.fixture
def flow(sec_a, make_member, make_need, suggested_types):
    """Workflow steps done by village A's secretary."""
    return Flow(sec_a, make_member, make_need, suggested_types)


@pytest.fixture
def round_a(village_a, grid_a1, grid_a2, flow):
    """Village A's 2026 round at 制定方案, with everything the survey asks for.

    第一网格 has a 村容村貌 need and a 村容村貌监督岗 answering it; 第二网格 a 社会治安 need and a 社会治安巡逻岗.
    """
    round = flow.start_round(village_a, 2026)
    need_a1 = flow.need(grid_a1, category=NeedCategory.APPEARANCE)
    flow.post(grid_a1, "村容村貌监督岗", needs=[need_a1])
    need_a2 = flow.need(grid_a2, category=NeedCategory.SECURITY, issue="夜间常有陌生人员出入，希望加强巡逻。")
    flow.post(grid_a2, "社会治安巡逻岗", needs=[need_a2])
    assert round.stage == Stage.SURVEY
    return round


@pytest.fixture
def post_a1(round_a, grid_a1):
    return Post.objects.get(grid=grid_a1, name="村容村貌监督岗")


@pytest.fixture
def post_a2(round_a, grid_a2):
    return Post.objects.get(grid=grid_a2, name="社会治安巡逻岗")


# --- data that grows: the same programme, small and large -------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Size:
    """How much of everything one village holds; `extra` scales the rest (feedback, trainings, ratings …)."""

    grids: int
    posts: int  # per grid
    applicants: int  # per post
    extra: int
    places: int = 2


SMALL = Size(grids=1, posts=1, applicants=1, extra=1, places=1)
LARGE = Size(grids=4, posts=3, applicants=5, extra=3)

# The day a round at each stage is looked at: inside the stage's own dates (the application window is open,
# the notice is running, …), after everything the builder did in it.
VIEWED_ON = {
    Stage.SURVEY: (10, 20),
    Stage.APPLICATION: (11, 3),
    Stage.DELIBERATION: (11, 11),
    Stage.CONFIRMATION: (11, 19),
    Stage.EVALUATION: (12, 21),
    Stage.CLOSED: (12, 30),
}


@dataclasses.dataclass
class World:
    """A county with its towns; `town` holds `village`, the one whose round is at the stage asked for."""

    county: object
    town: object
    village: object
    round: object
    county_user: object
    town_user: object
    grid: object  # the village's first grid, the busiest page of each kind
    grid_user: object
    assignment: object  # an assignment on the first post of the first grid, as far on as the stage allows
    member: object  # its member


class Grower:
    """Builds a world of a given Size with a round walked to a stage through the models' own doors, and every
    list a page loops over filled: grids, posts, needs, members (one archived), applications, meetings, notices
    with objections, feedback, trainings, contacts, check-ups, reports and ratings."""

    def __init__(self, make_user, make_member, make_need, suggested_types):
        self.make_user, self.make_member, self.make_need = make_user, make_member, make_need
        self.types = suggested_types
        self.worlds = itertools.count(1)

    def world(self, size, stage, year=2026):
        n = next(self.worlds)
        county = County.objects.create(name=f"测试县{n}")
        town = Town.objects.create(name=f"测试镇{n}", county=county)
        county_user, town_user = self.make_user(f"county{n}", "县委 钱进"), self.make_user(f"town{n}", "镇党委 孙平")
        county.committee.add(county_user)
        town.committee.add(town_user)
        # The busy village and, in a large world, more villages and towns for the lists above it to loop over.
        village, round = self.village(town, f"{n}号村", size, stage, year)
        for k in range(size.extra - 1):
            self.village(town, f"{n}号{k}分村", dataclasses.replace(size, grids=2, posts=1, applicants=2), stage, year)
            self.village(Town.objects.create(name=f"测试镇{n}-{k}", county=county), f"{n}-{k}村", SMALL, stage, year)
        grid = village.grids.order_by("number").first()
        assignment = (
            Assignment.objects.filter(post__grid=grid, round=round).order_by("post__post_type__order", "pk").first()
        )
        return World(
            county=county,
            town=town,
            village=village,
            round=Round.objects.get(pk=round.pk),
            county_user=county_user,
            town_user=town_user,
            grid=grid,
            grid_user=grid.secretary,
            assignment=assignment,
            member=assignment.member if assignment else grid.members.order_by("pk").first(),
        )

    def village(self, town, name, size, stage, year):
        secretary = self.make_user(f"sec-{town.pk}-{name}", f"{name}书记")
        village = Village.objects.create(town=town, name=name, secretary=secretary)
        flow = Flow(secretary, self.make_member, self.make_need, town_types(town))
        specialties = list(Specialty.objects.order_by("pk")[: size.extra])
        for number in range(1, size.grids + 1):
            grid = Grid.objects.create(
                village=village,
                number=number,
                name=f"第{number}网格",
                secretary=self.make_user(f"grid-{village.pk}-{number}", f"{name}{number}网格书记"),
                households=100 + number,
            )
            types = list(self.types)
            for p in range(size.posts):
                needs = [flow.need(grid, issue=f"需求{p}-{k}") for k in range(size.extra)]
                flow.post(
                    grid, types[p % len(types)], name=f"{types[p % len(types)]}{p + 1}", places=size.places, needs=needs
                )
            for k in range(size.extra):
                flow.member(grid).specialties.set(specialties)  # not applying: who is left to recommend
                member = flow.member(grid, left_on=on(year, (9, 1)), leave_reason=LeaveReason.TRANSFERRED)
                member.specialties.set(specialties)
                Feedback.submit(grid, FeedbackKind.SUGGESTION, f"建议{k}：路灯坏了。", name="居民")
        for extra_year in range(1, size.extra):  # earlier years' plans
            VillagePlan.objects.create(
                village=village,
                year=year - extra_year,
                title=f"{name}{year - extra_year}年度方案",
                content="按需设岗。",
                starts_on=on(year - extra_year, (10, 1)),
                ends_on=on(year - extra_year, (12, 31)),
                updated_by=secretary,
            )
        round = flow.start_round(village, year)
        while True:
            self.work(flow, round, size, specialties)
            if round.stage == stage:
                return village, round
            flow.advance(round)

    def work(self, flow, round, size, specialties):
        """What the village does in the round's current stage, enough for its guard to let it go on."""
        year, grids = round.year, list(round.village.grids.order_by("number"))
        if round.stage == Stage.APPLICATION:
            for post in Post.objects.filter(grid__village=round.village_id).order_by("grid__number", "pk"):
                for _ in range(size.applicants):
                    member = flow.member(post.grid)
                    member.specialties.set(specialties)
                    flow.apply(round, post, member=member)
        elif round.stage == Stage.DELIBERATION:
            for grid in grids:
                meeting = flow.held(round, grid, MeetingKind.GRID_BRANCH)
                for post in grid.posts.order_by("pk"):
                    for i, a in enumerate(round.assignments.filter(post=post).order_by("pk")):
                        if i < post.places:
                            flow.propose(a, meeting=meeting)
                        else:
                            a.move(
                                Status.NOT_CHOSEN, by=flow.by, meeting=meeting, note="另有人选。", today=leave_on(round)
                            )
                notice = flow.publish(round, grid)
                for a in round.assignments.filter(post__grid=grid, status=Status.NOTICED).order_by("pk")[: size.extra]:
                    day = on(year, NOTICE[0])
                    objection = notice.raise_objection(a, "居民", day, "担心时间不够。", by=flow.by, today=day)
                    objection.answer_with("经核实，时间充足。", answered_on=on(year, NOTICE[1]), by=flow.by)
                flow.held(round, grid, MeetingKind.GENERAL_ASSEMBLY)
                flow.held(round, grid, MeetingKind.REPRESENTATIVES)
        elif round.stage == Stage.CONFIRMATION:
            for a in round.assignments.filter(status=Status.NOTICED).order_by("pk"):
                flow.seat(a)
            for grid in grids:
                flow.held(round, grid, MeetingKind.INDUCTION)
                flow.held(round, grid, MeetingKind.REPRESENTATIVES)
        elif round.stage == Stage.EVALUATION:
            on_post = list(round.assignments.filter(status=Status.ON_POST).select_related("post__grid", "round"))
            for k in range(size.extra):
                training = flow.train(round, attendees=[a.member_id for a in on_post])
                Training.objects.filter(pk=training.pk).update(topic=f"{training.topic}{k}")
            for a in on_post:
                flow.set_contact(a)
                for k in range(size.extra):
                    flow.rate(a, 92 - 10 * k, 90, 88, period=f"{year}年第{k + 1}期", rated_on=on(year, (12, 10 + k)))
                    CheckUp.objects.create(
                        assignment=a, held_on=on(year, (12, 10 + k)), findings="按时巡查。", recorded_by=flow.by
                    )
                    WorkReport.objects.create(
                        assignment=a,
                        reported_on=on(year, (12, 11 + k)),
                        audience=Audience.BRANCH,
                        content="本期履职情况。",
                        recorded_by=flow.by,
                    )
                    Feedback.submit(a.post.grid, FeedbackKind.PRAISE, f"表扬{k}", about=a, name="居民")


@pytest.fixture
def grower(make_user, make_member, make_need, suggested_types):
    """`grower.world(SMALL or LARGE, stage)`: a county, town and village with a round at that stage."""
    return Grower(make_user, make_member, make_need, suggested_types)


# --- the year on post ---------------------------------------------------------------------------------------------


@pytest.fixture
def on_post(round_a, flow, post_a1, post_a2):
    """Village A's round at 严格评岗: one member on post in each grid (第一网格's 村容村貌监督岗, 第二网格's
    社会治安巡逻岗), each with a contact; {grid number: assignment}."""
    flow.push(round_a, Stage.EVALUATION)
    found = {}
    for a in round_a.assignments.filter(status=Status.ON_POST).select_related("post__grid__village", "member"):
        if a.contact_id is None:
            flow.set_contact(a)
        found.setdefault(a.post.grid.number, a)
    return found


def sign_in_member(client, member, by):
    """The member's access issued by `by`, the slip's PIN already replaced (as FirstUseMiddleware asks before
    anything else opens), and the test client signed in as them; returns the member's user."""
    from posts.onpost import issue_access

    account, _ = issue_access(member, by=by)
    account.must_change = False
    account.save(update_fields=["must_change"])
    client.force_login(account.user, backend="posts.onpost.MemberBackend")
    return account.user


@pytest.fixture
def member_signed_in(client, on_post, sec_a):
    """`member_signed_in(assignment)`: the test client signed in as that assignment's member (sign_in_member)."""
    return lambda assignment: sign_in_member(client, assignment.member, sec_a)
