"""What each person's first page says: where the year's work stands, what is still missing and where to fix it,
what is due and what waits for an answer. The checklists are the workflow's own guards (Round.missing_to_leave_of);
this module only sorts them by grid, links each item to the page that fixes it, and ranks villages and towns
by how far behind they are against the days the town expects (StageTarget)."""

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from .models import (
    STAGE_ORDER,
    ClaimState,
    DutyTerms,
    Objection,
    PointClaim,
    ResidentRequest,
    Round,
    Stage,
    StageTarget,
)
from .models.duty import overdue_condition
from .models.workflow import Notice

# What the next stage opens, said before the village secretary moves the round on (it cannot be undone).
OPENS = {
    Stage.APPLICATION: (
        "岗位名称、职数和工作责任向全体党员和群众公布，此后岗位不能再增删改；党员在申报时间内自荐、互荐或由组织推荐。"
    ),
    Stage.DELIBERATION: "申报结束，党员不能再自荐、互荐；各网格支部开会议岗，确定拟上岗人选并公示。",
    Stage.CONFIRMATION: "议岗和公示结束，不能再登记异议；各网格举行上岗仪式，签订承诺书，确认上岗。",
    Stage.EVALUATION: "定岗结束；开始集中培训、指定联系人、工作督查、定期汇报和评岗。",
    Stage.CLOSED: "本年度工作结束，在岗党员岗位期满，不能再登记督查和评岗；之后可以开始下一年度。",
}


@dataclass
class Todo:
    """One thing still missing, and the page where it is done (no link when this person may not open it)."""

    text: str
    url: str = ""
    label: str = ""


# (words in the guard's message, label of the link, where: "grid" pages or "village" pages, the URL of it)
# First match wins: "申报“…”还没有议定" is a deliberation item, not the application window; "没有写明回应的群众需求或
# 设岗理由" is the post's, not a need to record.
FIXES = [
    ("异议", "答复异议", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
    ("设岗理由", "修改岗位", "grid", lambda r, g: reverse("posts:grid-posts", args=[g.pk])),
    ("群众需求", "记录群众需求", "grid", lambda r, g: reverse("members:need-create", args=[g.pk])),
    ("设置岗位", "设置岗位", "grid", lambda r, g: reverse("posts:grid-posts", args=[g.pk])),
    ("实施方案", "制定实施方案", "village", lambda r, g: reverse("members:plan-create", args=[r.village_id])),
    ("议定", "去议定", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
    ("有党员申报，但", "安排人选", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
    ("还没有党员申报", "查看各网格", "village", lambda r, g: reverse("posts:round", args=[r.pk])),
    ("申报时间到", "查看申报", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
    ("申报", "设定申报时间", "village", lambda r, g: reverse("posts:round-window", args=[r.pk])),
    ("还没有公示", "发布公示", "grid", lambda r, g: reverse("posts:notice-create", args=[r.pk, g.pk])),
    ("公示期", "查看公示", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
    ("召开", "登记会议", "grid", lambda r, g: reverse("posts:meeting-create", args=[r.pk, g.pk])),
    ("举行", "登记会议", "grid", lambda r, g: reverse("posts:meeting-create", args=[r.pk, g.pk])),
    ("承诺书", "确认上岗", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
    ("培训", "登记集中培训", "village", lambda r, g: reverse("posts:training-create", args=[r.pk])),
    ("联系人", "指定联系人", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
    ("不称职", "作出调整决定", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
    ("评岗", "登记评岗", "grid", lambda r, g: reverse("posts:round-grid", args=[r.pk, g.pk])),
]


def todo(text, round, grid, village_pages, grid_pages=True):
    """A guard's message as a Todo linked to where it is fixed; `village_pages`, `grid_pages`: whether the person
    may work on the village's own pages (the round, its plan, its window, its trainings) and on the grid's."""
    for words, label, where, url in FIXES:
        if words in text:
            if where == "grid" and grid is not None and grid_pages:
                return Todo(text, url(round, grid), label)
            if where == "village" and village_pages:
                return Todo(text, url(round, grid), label)
            break
    if village_pages:
        return Todo(text, reverse("posts:round", args=[round.pk]), "查看")
    return Todo(text)


def todos_by_grid(round, missing, grids, village_pages, grid_pages=True):
    """[(grid or None, [Todo])]: what the village lacks (None) first, then each grid's, in the grids' order. The
    grid's name that starts an item is taken off it (the item sits under its grid)."""
    by_name = sorted(grids, key=lambda g: len(g.name), reverse=True)  # 第十一网格 before 第一网格
    groups = {}
    for item in missing:
        grid = next((g for g in by_name if item.startswith(g.name)), None)
        text = item[len(grid.name) :].lstrip("：的") if grid else item
        groups.setdefault(grid, []).append(todo(text, round, grid, village_pages, grid_pages))
    order = {g.pk: i for i, g in enumerate(grids)}
    return sorted(groups.items(), key=lambda kv: -1 if kv[0] is None else order[kv[0].pk])


def with_stage_since(rounds):
    """Rounds with `last_move`, the time of their latest stage change (None while still at the first stage)."""
    return rounds.annotate(last_move=Max("logs__at"))


def days_at_stage(round, today):
    moved = round.last_move or round.created_at
    return (today - timezone.localtime(moved).date()).days


@dataclass
class Progress:
    """Where one village stands: its shown round, the days at its stage against the town's expected days, and
    how many things keep it there."""

    village: object
    round: Round | None
    days: int | None = None
    expected: int | None = None
    blockers: int = 0

    @property
    def over(self):
        """Days past the expected ones (0 when within them or finished)."""
        if self.days is None or not self.expected:
            return 0
        return max(self.days - self.expected, 0)

    @property
    def overdue(self):
        return self.over > 0

    @property
    def stage_index(self):
        return self.round.stage_index() if self.round else -1

    @property
    def behind(self):
        """Sort key, most behind first: longest overdue, then the earliest stage, then the most blockers."""
        return (-self.over, self.stage_index, -self.blockers, self.village.name_key)


def progress_of(villages, today=None):
    """[Progress] of these villages (each with `round_pk`, as posts.dashboard.villages_of gives them), most behind
    first: one query for the rounds, one for the town's expected days, and the guards' few queries a stage."""
    today = today or timezone.localdate()
    shown = Round.objects.filter(pk__in=[v.round_pk for v in villages if v.round_pk])
    rounds = {r.pk: r for r in with_stage_since(shown)}
    running = [r for r in rounds.values() if r.stage != Stage.CLOSED]
    missing = Round.missing_to_leave_of(running, today) if running else {}
    expected = StageTarget.expected_days({v.town_id for v in villages})
    rows = []
    for v in villages:
        r = rounds.get(v.round_pk)
        if r is None or r.stage == Stage.CLOSED:
            rows.append(Progress(v, r))
            continue
        days = days_at_stage(r, today)
        rows.append(Progress(v, r, days, expected[v.town_id].get(r.stage), len(missing[r.pk])))
    return sorted(rows, key=lambda p: p.behind)


@dataclass
class TownProgress:
    """A town as its county sees it: its villages' progress summed."""

    town: object
    villages: list = field(default_factory=list)

    @property
    def overdue(self):
        return sum(p.overdue for p in self.villages)

    @property
    def blockers(self):
        return sum(p.blockers for p in self.villages)

    @property
    def not_started(self):
        return sum(p.round is None for p in self.villages)

    @property
    def most_behind(self):
        return self.villages[0] if self.villages else None

    @property
    def stages(self):
        """[(stage label, villages there)] for the stages some village is at, in the steps' order."""
        counts = {}
        for p in self.villages:
            key = p.round.stage if p.round else ""
            counts[key] = counts.get(key, 0) + 1
        order = ["", *STAGE_ORDER]
        ordered = sorted(counts.items(), key=lambda kv: order.index(kv[0]))
        return [(Stage(k).label if k else "未启动", n) for k, n in ordered]

    @property
    def behind(self):
        worst = self.most_behind.behind if self.most_behind else (0,)
        return (-self.overdue, -self.not_started, worst, -self.blockers, self.town.name)


def towns_progress(towns, villages, today=None):
    """[TownProgress] of these towns, most behind first (the county's page)."""
    by_town = {t.pk: TownProgress(t) for t in towns}
    for p in progress_of(villages, today):
        by_town[p.village.town_id].villages.append(p)
    return sorted(by_town.values(), key=lambda t: t.behind)


# --- a grid secretary's page ---------------------------------------------------------------------------------


def days_left(day, today):
    """'还有3天' / '今天截止' / '已过2天' for a deadline."""
    n = (day - today).days
    return f"还有{n}天" if n > 0 else ("今天" if n == 0 else f"已过{-n}天")


def grid_actions(round, grid, today):
    """[(label, url)] of what the grid secretary does in the round's current stage, the usual first."""
    at = round.stage
    work = reverse("posts:round-grid", args=[round.pk, grid.pk])
    meeting = ("登记会议", reverse("posts:meeting-create", args=[round.pk, grid.pk]))
    actions = {
        Stage.SURVEY: [
            ("记录群众需求", reverse("members:need-create", args=[grid.pk])),
            ("岗位设置", reverse("posts:grid-posts", args=[grid.pk])),
        ],
        Stage.APPLICATION: [("登记申报", reverse("posts:application-create", args=[round.pk, grid.pk]))]
        if round.applications_open(today)
        else [],
        Stage.DELIBERATION: [
            meeting,
            ("建议配岗", reverse("posts:round-suggest", args=[round.pk]) + f"?grid={grid.pk}"),
            ("发布公示", reverse("posts:notice-create", args=[round.pk, grid.pk])),
        ],
        Stage.CONFIRMATION: [("确认上岗", work), meeting],
        Stage.EVALUATION: [("登记督查", work), ("登记评岗", work), meeting],
    }.get(at, [])
    return [*actions, ("本网格年度工作", work)] if at != Stage.CLOSED else [("本网格年度工作", work)]


def grid_deadlines(round, grid, today):
    """[(what, date, days left)]: the application window's close while applications are to come, and the grid's
    notice end while it deliberates."""
    deadlines = []
    if round.stage in (Stage.SURVEY, Stage.APPLICATION) and round.applications_close_on:
        deadlines.append(("申报截止", round.applications_close_on, days_left(round.applications_close_on, today)))
    if round.stage == Stage.DELIBERATION:
        notice = Notice.latest_for(grid, round)
        if notice:
            deadlines.append(("公示期满", notice.ends_on, days_left(notice.ends_on, today)))
    return deadlines


def unanswered_objections(round, grid):
    return list(
        Objection.objects.filter(notice__round=round, notice__grid=grid, answer="")
        .select_related("assignment__member")
        .order_by("raised_on", "pk")
    )


@dataclass
class GridHome:
    round: Round
    days: int
    own: list  # [Todo] of this grid
    village_todos: list  # [Todo] of the village as a whole
    others: int  # what the other grids still lack, counted
    actions: list
    deadlines: list
    objections: list
    overdue_requests: list = field(default_factory=list)  # [(request, due)]
    pending_claims: int = 0  # 积分申报 waiting for the scoring group


def grid_home(grid, can_edit, today=None):
    """The year's work seen from one grid, or None before the village starts a round."""
    today = today or timezone.localdate()
    round = with_stage_since(Round.objects.filter(village=grid.village_id)).order_by(*Round.SHOWN_ORDER).first()
    if round is None:
        return None
    missing = round.missing_to_leave(today) if round.stage != Stage.CLOSED else []
    groups = dict(todos_by_grid(round, missing, list(grid.village.grids.order_by("number")), False, can_edit))
    own = next((items for g, items in groups.items() if g is not None and g.pk == grid.pk), [])
    others = sum(len(items) for g, items in groups.items() if g is not None and g.pk != grid.pk)
    return GridHome(
        round=round,
        days=days_at_stage(round, today),
        own=own,
        village_todos=groups.get(None, []),
        others=others,
        actions=grid_actions(round, grid, today) if can_edit else [],
        deadlines=grid_deadlines(round, grid, today),
        objections=unanswered_objections(round, grid),
        overdue_requests=overdue_requests(grid),
        pending_claims=PointClaim.objects.filter(assignment__post__grid=grid, state=ClaimState.PENDING).count(),
    )


@dataclass
class VillageHome:
    round: Round
    progress: Progress
    todos: list  # [(grid or None, [Todo])]
    grids: list
    opens: str

    @property
    def next_label(self):
        return Stage(self.round.next_stage).label if self.round.next_stage else ""


def village_home(village, can_edit, today=None):
    """The year's work of one village, or None before it starts a round."""
    today = today or timezone.localdate()
    round = with_stage_since(Round.objects.filter(village=village.pk)).order_by(*Round.SHOWN_ORDER).first()
    if round is None:
        return None
    grids = list(village.grids.order_by("number"))
    missing = round.missing_to_leave(today) if round.stage != Stage.CLOSED else []
    progress = Progress(village, round)
    if round.stage != Stage.CLOSED:
        expected = StageTarget.expected_days([village.town_id])[village.town_id]
        progress = Progress(village, round, days_at_stage(round, today), expected.get(round.stage), len(missing))
    todos = todos_by_grid(round, missing, grids, can_edit, can_edit)
    return VillageHome(round, progress, todos, grids, OPENS.get(round.next_stage, ""))


# --- residents' requests past their town's days ----------------------------------------------------------------


def overdue_requests_q(terms, now=None):
    """Overdue requests of several towns ({town id: DutyTerms}) as one database condition."""
    late = Q(pk__in=[])
    for town_id, t in terms.items():
        late |= Q(grid__village__town=town_id) & overdue_condition(t, now)
    return late


def overdue_requests(grid, now=None):
    """[(request, when it fell due)] of one grid (its village loaded), the longest overdue first: two queries."""
    terms = DutyTerms.for_town(grid.village.town_id)
    rows = grid.requests.filter(overdue_condition(terms, now)).select_related("assignment__member")
    return sorted(((r, r.due_at(terms)) for r in rows), key=lambda row: row[1])


def overdue_requests_by_village(town, now=None):
    """[(village pk, village name, overdue requests)] of a town with any, the most first: two queries."""
    late = overdue_condition(DutyTerms.for_town(town.pk), now)
    rows = ResidentRequest.objects.filter(late, grid__village__town=town)
    rows = rows.values_list("grid__village", "grid__village__name").annotate(n=Count("pk"))
    return list(rows.order_by("-n", "grid__village"))
