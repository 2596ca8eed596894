"""The dashboard: where each village stands in the five steps, the figures behind it, and the gaps in coverage.

Everything is counted by the database in a fixed number of aggregate queries (seven), whatever the number of
villages, grids or members, so the town's page costs the same for 17 villages as a county's data does.
Each village is shown with the round residents and printouts refer to (Round.SHOWN_ORDER: the running
one, else the last one).
"""

import datetime
import hashlib
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import cache as once
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from grids import figures as generations
from grids.models import Grid, Town, Village
from members.models import Member, NeedRecord, count_subquery, eligible_q

from .homes import overdue_requests_q
from .models import (
    HOLDING,
    SERVED,
    Assignment,
    DutyTerms,
    Feedback,
    FeedbackState,
    Grade,
    Objection,
    Post,
    PostType,
    Rating,
    ResidentRequest,
    Round,
    Satisfaction,
    Stage,
    Status,
    Training,
)
from .models.duty import FINISHED
from .models.evaluation import latest_grade
from .models.workflow import Notice, notice_end

# 在岗 as the board counts it: on post now, or, in a finished year (已结束), on post until the year ended (期满).
ON_POST_OR_SERVED_OUT = [Status.ON_POST, Status.COMPLETED]
UNRATED = "unrated"
GRADES = [*Grade.choices, (UNRATED, "未评")]
# One colour per grade, the same on every chart.
GRADE_COLOURS = {
    Grade.EXCELLENT: "#b71c1c",
    Grade.COMPETENT: "#e57373",
    Grade.BASIC: "#f9a825",
    Grade.POOR: "#5d4037",
    UNRATED: "#bdbdbd",
}


@dataclass
class Figures:
    """What the dashboard counts for a grid; a village's and a town's are the sums of their grids'."""

    members: int = 0
    eligible: int = 0
    on_post: int = 0
    posts: int = 0
    places: int = 0
    filled: int = 0
    no_applicant: int = 0
    open_objections: int = 0
    adjusted: int = 0
    trainings: int = 0
    attendance: int = 0
    feedback: int = 0
    feedback_open: int = 0
    grades: Counter = field(default_factory=Counter)

    def add(self, other):
        for f in fields(self):
            if f.name != "grades":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.grades.update(other.grades)
        return self

    @property
    def rate(self):
        """Participation: members on post among the members who may take one, in per cent."""
        return round(100 * self.on_post / self.eligible) if self.eligible else 0

    @property
    def cells(self):
        """[(column, value)] in the order of COLUMNS."""
        return [(name, getattr(self, name)) for name, _ in COLUMNS]

    @property
    def grade_list(self):
        return [(value, label, self.grades.get(value, 0)) for value, label in GRADES]


# Columns of the figures table and of the export, with the heading a person reads.
COLUMNS = [
    ("members", "党员"),
    ("eligible", "符合条件"),
    ("on_post", "在岗"),
    ("rate", "参与率%"),
    ("posts", "岗位"),
    ("places", "职数"),
    ("filled", "已配职数"),
    ("no_applicant", "无人申报岗位"),
    ("open_objections", "未答复异议"),
    ("adjusted", "已调整"),
    ("trainings", "培训次数"),
    ("attendance", "参训人次"),
    ("feedback", "群众反馈"),
    ("feedback_open", "反馈未答复"),
]


@dataclass
class GridRow:
    grid: Grid
    figures: Figures

    @property
    def query(self):
        return f"grid={self.grid.pk}"


@dataclass
class VillageRow:
    village: object
    round: Round | None
    days_in_stage: int | None
    figures: Figures
    grids: list

    @property
    def query(self):
        return f"village={self.village.pk}"


@dataclass
class Cell:
    """One grid × post type: 已配齐, 缺人 (posts set, places not all filled) or 未设岗; `asked` when residents'
    needs of that type were recorded in the grid."""

    posts: int = 0
    places: int = 0
    holding: int = 0
    asked: bool = False
    asked_unset: int = 0  # grids where residents asked for this kind of work and no post of the type is set

    @property
    def state(self):
        if not self.posts:
            return "missing"
        return "filled" if self.holding >= self.places else "short"

    @property
    def shade(self):
        """The cell's colour: 群众有需求却未设岗 wins over the rest, even when other grids of a village set the type."""
        return "asked" if self.asked_unset else self.state


@dataclass
class Board:
    villages: list
    total: Figures
    post_types: list
    coverage: dict  # {(grid pk, post type pk): Cell}

    @property
    def grids(self):
        return [g for v in self.villages for g in v.grids]

    @property
    def stages(self):
        """[(stage label, number of villages there)] for the stage chart; villages with no round first."""
        counts = Counter(v.round.stage if v.round else "" for v in self.villages)
        return [("未启动", counts[""]), *((label, counts[value]) for value, label in Stage.choices)]

    def coverage_rows(self, by_village):
        """Rows of the coverage matrix: per grid, or per village (cells summed over its grids)."""
        rows = []
        for v in self.villages:
            units = [(v.village, v.grids)] if by_village else [(g.grid, [g]) for g in v.grids]
            for unit, grids in units:
                cells = []
                for post_type in self.post_types:
                    cell = Cell()
                    for g in grids:
                        c = self.coverage.get((g.grid.pk, post_type.pk))
                        if c:
                            cell.posts, cell.places = cell.posts + c.posts, cell.places + c.places
                            cell.holding, cell.asked = cell.holding + c.holding, cell.asked or c.asked
                            cell.asked_unset += c.asked and not c.posts
                    grids_with = sum(1 for g in grids if self.coverage.get((g.grid.pk, post_type.pk), Cell()).posts)
                    cells.append((cell, grids_with))
                rows.append((unit, len(grids), cells))
        return rows


def villages_of(villages):
    """The villages of a board, by name, each with the pk of the round it shows (`round_pk`): one query."""
    shown = Round.objects.filter(village=OuterRef("pk")).order_by(*Round.SHOWN_ORDER).values("pk")[:1]
    return list(villages.select_related("town").annotate(round_pk=Subquery(shown)).order_by("name_key"))


def build(villages, today=None):
    """The board for `villages` (a list from villages_of): 6 queries."""
    today = today or timezone.localdate()
    round_pks = [v.round_pk for v in villages if v.round_pk]
    rounds = Round.objects.filter(pk__in=round_pks).annotate(
        last_move=Max("logs__at", filter=~Q(logs__from_stage=F("logs__to_stage"))),  # stage moves only
        training_count=count_subquery(Training.objects.all(), "round"),
        attendance=count_subquery(Training.attendees.through.objects.all(), "training__round"),
    )
    rounds = {r.pk: r for r in rounds}
    in_rounds = Assignment.objects.filter(round__in=round_pks)
    open_objections = Objection.objects.filter(notice__round__in=round_pks, answer="")
    grids = (
        Grid.objects.filter(village__in=[v.pk for v in villages])
        .order_by("number")
        .annotate(
            member_count=count_subquery(Member.objects.all(), "grid"),
            eligible_count=count_subquery(Member.objects.filter(eligible_q()), "grid"),
            on_post=count_subquery(in_rounds.filter(status__in=ON_POST_OR_SERVED_OUT), "post__grid"),
            adjusted=count_subquery(in_rounds.filter(status=Status.ADJUSTED), "post__grid"),
            open_objections=count_subquery(open_objections, "notice__grid"),
            feedback_count=count_subquery(Feedback.objects.all(), "grid"),
            feedback_open=count_subquery(Feedback.objects.exclude(state=FeedbackState.ANSWERED), "grid"),
        )
    )
    figures = {}
    for g in grids:
        figures[g.pk] = Figures(
            members=g.member_count,
            eligible=g.eligible_count,
            on_post=g.on_post,
            adjusted=g.adjusted,
            open_objections=g.open_objections,
            feedback=g.feedback_count,
            feedback_open=g.feedback_open,
        )
    grid_list = defaultdict(list)
    for g in grids:
        grid_list[g.village_id].append(g)
    stage_of = {v.pk: rounds[v.round_pk].stage if v.round_pk else None for v in villages}
    coverage = defaultdict(Cell)
    posts = (
        Post.objects.filter(grid__village__in=[v.pk for v in villages])
        .annotate(
            applicants=count_subquery(in_rounds, "post"),
            holding=count_subquery(in_rounds.filter(status__in=HOLDING), "post"),
        )
        .values_list("grid_id", "grid__village_id", "post_type_id", "places", "applicants", "holding")
    )
    for grid_pk, village_pk, type_pk, places, applicants, holding in posts:
        f = figures[grid_pk]
        f.posts, f.places, f.filled = f.posts + 1, f.places + places, f.filled + min(holding, places)
        if not applicants and stage_of[village_pk] not in (None, Stage.SURVEY):
            f.no_applicant += 1
        cell = coverage[grid_pk, type_pk]
        cell.posts, cell.places, cell.holding = cell.posts + 1, cell.places + places, cell.holding + holding
    post_types = list(PostType.objects.for_villages([v.pk for v in villages]).order_by("order", "pk"))
    by_category = defaultdict(list)
    for t in post_types:
        by_category[t.need_category].append(t.pk)
    asked = NeedRecord.objects.filter(grid__village__in=[v.pk for v in villages]).values_list("grid_id", "category")
    for grid_pk, category in asked.order_by().distinct():
        for type_pk in by_category.get(category, ()):
            coverage[grid_pk, type_pk].asked = True
    rated = in_rounds.filter(status__in=SERVED).annotate(grade=latest_grade())
    rated = rated.values_list("post__grid_id", "status", "grade")
    for grid_pk, status, grade in rated:
        if grade or status in ON_POST_OR_SERVED_OUT:
            figures[grid_pk].grades[grade or UNRATED] += 1
    rows, total = [], Figures()
    for v in villages:
        r = rounds.get(v.round_pk)
        village_figures = Figures()
        for g in grid_list[v.pk]:
            village_figures.add(figures[g.pk])
        if r:
            village_figures.trainings, village_figures.attendance = r.training_count, r.attendance
        moved = (r.last_move or r.created_at) if r else None
        days = (today - timezone.localtime(moved).date()).days if moved else None
        grid_rows = [GridRow(g, figures[g.pk]) for g in grid_list[v.pk]]
        rows.append(VillageRow(v, r, days, village_figures, grid_rows))
        total.add(village_figures)
    return Board(rows, total, post_types, dict(coverage))


# What a figure on the dashboard stands for, when a person clicks it to see the members behind it.
MEMBER_FIGURES = {
    "members": "党员",
    "eligible": "符合条件的党员",
    "on_post": "在岗党员",
    "adjusted": "已调整的党员",
    **{f"grade-{value}": f"评岗“{label}”的党员" for value, label in GRADES},
}


def members_behind(figure, villages, grid=None):
    """(title, [(member, grid, assignment or None, grade label)]) for one figure of the board, in scope."""
    if figure not in MEMBER_FIGURES:
        raise KeyError(figure)
    grids = Grid.objects.filter(village__in=villages)
    if grid is not None:
        grids = grids.filter(pk=grid.pk)
    labels = dict(GRADES)
    shown = Round.objects.filter(village=OuterRef("post__grid__village")).order_by(*Round.SHOWN_ORDER).values("pk")[:1]
    if figure in ("members", "eligible"):
        # Each member with the post they hold (or held, in a finished year) in the round the board shows: one query.
        held = (
            Assignment.objects.filter(round=Subquery(shown), status__in=[*HOLDING, *SERVED])
            .annotate(grade=latest_grade(), notice_ends_on=notice_end())
            .select_related("post")
            .order_by("-pk")
        )
        members = Member.objects.filter(grid__in=grids).select_related("grid__village")
        if figure == "eligible":
            members = members.filter(eligible_q())
        members = members.order_by("grid__village__name_key", "grid__number", "name_key", "pk")
        members = members.prefetch_related(Prefetch("assignments", queryset=held, to_attr="shown"))
        rows = [(m, m.grid, m.shown[0] if m.shown else None, "") for m in members]
        return MEMBER_FIGURES[figure], [(m, g, a, labels.get(a.grade, "") if a else "") for m, g, a, _ in rows]
    assignments = (
        Assignment.objects.filter(post__grid__in=grids, round=Subquery(shown))
        .annotate(grade=latest_grade())
        .select_related("member", "post__grid__village")
        .order_by("post__grid__village__name_key", "post__grid__number", "post__name", "member__name_key", "pk")
    )
    if figure == "on_post":
        assignments = assignments.filter(status__in=ON_POST_OR_SERVED_OUT)
    elif figure == "adjusted":
        assignments = assignments.filter(status=Status.ADJUSTED)
    else:
        grade = figure.removeprefix("grade-")
        if grade == UNRATED:
            assignments = assignments.filter(status__in=ON_POST_OR_SERVED_OUT, grade=None)
        else:
            assignments = assignments.filter(status__in=SERVED, grade=grade)
    rows = [(a.member, a.post.grid, a, labels.get(a.grade, "")) for a in assignments]
    return MEMBER_FIGURES[figure], rows


# --- keeping the rendered figures ----------------------------------------------------------------------------


@once
def release():
    """A digest of the code and templates that shape the kept figures: another release never reuses them."""
    digest = hashlib.sha256()
    for path in [Path(__file__), *(settings.BASE_DIR / "templates" / "posts").glob("_dashboard*.html")]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def kept_body(villages, scope_query, render):
    """`render()`'s HTML for these villages, kept in the cache under the scope, the release, the day and the
    generation of each town covered (grids/figures.py), so any change they count shows at once."""
    if not settings.DASHBOARD_CACHE_SECONDS:
        return render()
    gens = generations.generations({v.town_id for v in villages})
    scope = ",".join(str(v.pk) for v in villages)
    parts = [scope_query, scope, release(), str(timezone.localdate()), *(gens[t] for t in sorted(gens))]
    key = "figures:body:" + hashlib.sha256("|".join(parts).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, settings.DASHBOARD_CACHE_SECONDS)
    return html


# What the dashboard counts, and the path from each record to its town: (the record's own key to its parent,
# the parent model, the parent's path to the town id). Deleted records are traced through the parent, which stays.
COUNTED = {
    Member: ("grid_id", Grid, "village__town_id"),
    NeedRecord: ("grid_id", Grid, "village__town_id"),
    Post: ("grid_id", Grid, "village__town_id"),
    Feedback: ("grid_id", Grid, "village__town_id"),
    Village: ("town_id", Town, "pk"),
    Grid: ("village_id", Village, "town_id"),
    Round: ("village_id", Village, "town_id"),
    Training: ("round_id", Round, "village__town_id"),
    Notice: ("round_id", Round, "village__town_id"),
    Assignment: ("round_id", Round, "village__town_id"),
    Objection: ("notice_id", Notice, "round__village__town_id"),
    Rating: ("assignment_id", Assignment, "round__village__town_id"),
}


def noted(instance):
    """Note that a counted record changed, by the record it hangs from (which stays when it is deleted)."""
    own_key, parent, path = COUNTED[type(instance)]
    generations.changed(parent, [getattr(instance, own_key)], path)


def record_changed(sender, instance, **kwargs):
    noted(instance)


def attendance_changed(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        noted(instance)


def count_changes():
    """Connect the counted models' saves and deletes (posts.apps.PostsConfig.ready)."""
    for model in COUNTED:
        post_save.connect(record_changed, sender=model, dispatch_uid=f"figures-{model.__name__}-save")
        post_delete.connect(record_changed, sender=model, dispatch_uid=f"figures-{model.__name__}-delete")
    m2m_changed.connect(attendance_changed, sender=Training.attendees.through, dispatch_uid="figures-attendance")


# --- the export: what the board shows, as a table ------------------------------------------------------------


def export_table(board, by_village, today=None):
    """(headers, rows) of the board's export: per village (a town's board) or per grid (a village's), each with
    the stage and the days spent in it, what still keeps the round there (the blockers), the figures and the
    coverage of each post type, then the total. A village's blockers are on the grid they name, the rest on the
    total; a town's on each village."""
    rounds = [v.round for v in board.villages if v.round]
    blockers = Round.missing_to_leave_of(rounds, today)
    headers = [
        "村" if by_village else "网格",
        "年度",
        "所处阶段",
        "已停留天数",
        "还差什么",
        *(label for _, label in COLUMNS),
        *(f"覆盖·{t.name}" for t in board.post_types),
    ]
    coverage = [[coverage_text(cell, n, grids, by_village) for cell, n in cells] for _, grids, cells in
                board.coverage_rows(by_village)]  # fmt: skip
    rows, left = [], []
    for v in board.villages:
        stage = [v.round.year, v.round.get_stage_display(), v.days_in_stage] if v.round else ["", "未启动", ""]
        missing = blockers_text(v, blockers)
        if by_village:
            rows.append([v.village.name, *stage, "\n".join(missing), *(value for _, value in v.figures.cells)])
            continue
        names = sorted((g.grid.name for g in v.grids), key=len, reverse=True)  # 第十一网格 before 第一网格
        for g in v.grids:
            own = [m for m in missing if next((n for n in names if m.startswith(n)), None) == g.grid.name]
            rows.append([g.grid.name, *stage, "\n".join(own), *(value for _, value in g.figures.cells)])
        left = [m for m in missing if not any(m.startswith(n) for n in names)]
        total_stage = stage
    for row, cells in zip(rows, coverage, strict=True):
        row.extend(cells)
    if by_village:
        rows.append(["合计", "", "", "", "", *(value for _, value in board.total.cells)])
    else:
        rows.append(["合计", *total_stage, "\n".join(left), *(value for _, value in board.total.cells)])
    return headers, rows


def blockers_text(row, blockers):
    """What keeps a village's round in its stage, as the board says it."""
    if not row.round:
        return ["还没有开始本年度工作。"]
    missing = blockers[row.round.pk]
    return missing or ["条件已具备，可以进入下一阶段。"]


def coverage_text(cell, grids_with, grid_count, by_village):
    """A coverage cell in words: a village's grids with the type and its places filled, or a grid's state."""
    if not cell.posts:
        return "群众有需求，未设岗" if cell.asked else "未设岗"
    filled = f"{cell.holding}/{cell.places}人"
    if by_village:
        asked = f"；{cell.asked_unset}个网格群众有需求，未设岗" if cell.asked_unset else ""
        return f"{grids_with}/{grid_count}个网格设岗，{filled}{asked}"
    return f"{'已配齐' if cell.state == 'filled' else '缺人'} {filled}"


# --- residents' requests: counted afresh on each view (overdue moves with the clock, not with a change) -----------


@dataclass
class RequestFigures:
    """群众点单 of a grid, a village or a town: received, finished, overdue now, days to done, 满意率."""

    requests: int = 0
    done: int = 0
    overdue: int = 0
    rated: int = 0
    pleased: int = 0
    days: list = field(default_factory=list)

    def add(self, other):
        for name in ("requests", "done", "overdue", "rated", "pleased"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.days.extend(other.days)
        return self

    @property
    def median_days(self):
        """Median days from 点单 to 办结, of the requests done."""
        return round(statistics.median(self.days), 1) if self.days else None

    @property
    def satisfaction(self):
        """满意率: 满意 or 基本满意 among those rated, in per cent."""
        return round(100 * self.pleased / self.rated) if self.rated else None


@dataclass
class RequestBoard:
    total: RequestFigures
    villages: dict  # {village pk: RequestFigures}
    grids: list  # [(grid, RequestFigures)] in the villages' and grids' order


def request_figures(villages, now=None):
    """The requests of `villages` (a list from villages_of) counted per grid, village and in all: four queries
    (the towns' days, the grids, the counts, the days to done)."""
    terms = DutyTerms.for_towns({v.town_id for v in villages})
    grids = list(Grid.objects.filter(village__in=[v.pk for v in villages]).order_by("number"))
    requests = ResidentRequest.objects.filter(grid__village__in=[v.pk for v in villages])
    counts = requests.values("grid").annotate(
        n=Count("pk"),
        done=Count("pk", filter=Q(state__in=FINISHED)),
        overdue=Count("pk", filter=overdue_requests_q(terms, now)),
        rated=Count("pk", filter=~Q(satisfaction="")),
        pleased=Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.FAIRLY])),
    )
    by_grid = {g.pk: RequestFigures() for g in grids}
    for row in counts.order_by():
        f = by_grid[row["grid"]]
        f.requests, f.done, f.overdue, f.rated, f.pleased = (
            row["n"], row["done"], row["overdue"], row["rated"], row["pleased"]
        )  # fmt: skip
    for grid_pk, created, done in requests.exclude(done_at=None).values_list("grid", "created_at", "done_at"):
        by_grid[grid_pk].days.append((done - created).total_seconds() / 86400)
    order = {v.pk: i for i, v in enumerate(villages)}
    grids.sort(key=lambda g: (order[g.village_id], g.number))
    by_village, total = {v.pk: RequestFigures() for v in villages}, RequestFigures()
    for g in grids:
        by_village[g.village_id].add(by_grid[g.pk])
        total.add(by_grid[g.pk])
    return RequestBoard(total, by_village, [(g, by_grid[g.pk]) for g in grids])


# --- points (积分) ------------------------------------------------------------------------------------------------


@dataclass
class PointFigures:
    """The year's points of the members on post of a grid, a village or a town: how many, the average, lowest and
    highest (the spread), how many have no points this quarter beyond their base, and the branch scores (支部得分 =
    the branch's own points + its members' average; of a village or a town, the average of its branches')."""

    totals: list = field(default_factory=list)
    none_this_quarter: int = 0
    own: Decimal = Decimal(0)
    scores: list = field(default_factory=list)

    def add(self, other):
        self.totals.extend(other.totals)
        self.none_this_quarter += other.none_this_quarter
        self.own += other.own
        self.scores.extend(other.scores)
        return self

    @property
    def branch_score(self):
        return round(sum(self.scores) / len(self.scores), 1) if self.scores else None

    def score_branch(self):
        """A grid's own score, once its members' totals are in: its own points + their average."""
        if self.totals:
            self.scores.append(self.own + self.average)
        return self

    @property
    def members(self):
        return len(self.totals)

    @property
    def average(self):
        return round(sum(self.totals) / len(self.totals), 1) if self.totals else None

    @property
    def lowest(self):
        return min(self.totals) if self.totals else None

    @property
    def highest(self):
        return max(self.totals) if self.totals else None


def point_figures(villages, today=None):
    """The points of `villages` (a list from villages_of) per grid, village and in all, for today's year and
    quarter: five queries (the grids, the members on post, the year's sums, who scored this quarter, the branches'
    own points)."""
    from django.db.models import Sum

    from . import points
    from .models import PointEntry, PointSource

    today = today or timezone.localdate()
    year, quarter = points.quarter_of(today)
    first = datetime.date(year, 3 * quarter - 2, 1)
    ids = [v.pk for v in villages]
    grids = list(Grid.objects.filter(village__in=ids).order_by("number"))
    on_post_qs = points.scored_members(year, post__grid__village__in=ids)
    on_post = dict(on_post_qs.values_list("pk", "post__grid"))
    entries = PointEntry.objects.filter(assignment__in=on_post_qs.values("pk"))
    sums = dict(entries.filter(on__year=year).values_list("assignment").annotate(s=Sum("points")).order_by())
    scored = set(
        entries.filter(on__range=(first, today))
        .exclude(rule__source=PointSource.ON_POST)
        .values_list("assignment", flat=True)
        .distinct()
    )
    own = points.branch_points([g.pk for g in grids], year)
    by_grid = {g.pk: PointFigures(own=own.get(g.pk) or points.ZERO) for g in grids}
    for pk, grid_pk in on_post.items():
        f = by_grid[grid_pk]
        f.totals.append(sums.get(pk) or points.ZERO)
        f.none_this_quarter += pk not in scored
    for f in by_grid.values():
        f.score_branch()
    order = {v.pk: i for i, v in enumerate(villages)}
    grids.sort(key=lambda g: (order[g.village_id], g.number))
    by_village, total = {v.pk: PointFigures() for v in villages}, PointFigures()
    for g in grids:
        by_village[g.village_id].add(by_grid[g.pk])
        total.add(by_grid[g.pk])
    return total, by_village, [(g, by_grid[g.pk]) for g in grids]
