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

import datetime
import itertools

import pytest

from grids.models import Grid
from members.models import NeedCategory, VillagePlan
from posts.models import (
    STAGE_ORDER,
    Assignment,
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


@pytest.fixture
def suggested_types(db):
    """The six post types the town's plan suggests, put there by the data migration."""
    types = {t.name: t for t in PostType.objects.filter(village=None)}
    assert sorted(types) == sorted(SUGGESTED_TYPES)
    return types


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
