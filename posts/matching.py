"""建议配岗: who goes to which post, solved exactly as a minimum-cost flow (networkx's network simplex).

The branch meeting's rules, most important first:
1. at most one post per member, at most `places` members per post, eligible applicants only;
2. every post that has applicants gets a member, whenever that is at all possible;
3. then as many applicants placed as the places allow (搞好调剂);
4. then as many first choices as possible;
5. then specialties that fit the post type (调解 → 民事纠纷调解岗, 法律 → 政策法律宣传岗 …);
6. then members in their own grid.

The network: source → each applicant (capacity 1) → each post they applied for → sink. A post reaches the
sink by two arcs: its first place, worth COVER, and its other places, worth nothing. Each applicant→post arc
is worth PLACED + FIRST·[first choice] + FIT·[specialty fits] + NEAR·[own grid]. Each weight is larger than
everything below it can add up to, so maximising the total worth (minimising its negative) honours the rules
in order. A bypass arc source → sink lets applicants stay unplaced when that is better.
"""

from dataclasses import dataclass, field

import networkx as nx
from django.db import transaction
from django.db.models import Count

# Which specialties fit which kind of post (by the post type's need category).
FITS = {
    "neighbourhood": {"调解沟通", "照料老人", "文艺表演"},
    "appearance": {"环境保洁", "建筑施工", "水电维修", "种植养殖"},
    "security": {"治安巡防", "农机驾驶", "电脑网络"},
    "elderly_youth": {"照料老人", "医疗护理", "教育辅导"},
    "policy_law": {"法律知识", "宣传写作", "电脑网络"},
    "disputes": {"调解沟通", "法律知识"},
}


@dataclass(frozen=True)
class Application:
    """One applicant's application for one post, with what the rules weigh."""

    key: object  # what the caller knows it by (the Assignment's pk)
    member: object
    post: object
    rank: int = 1
    fits: tuple = ()  # the applicant's specialties that fit the post
    own_grid: bool = False


@dataclass
class Result:
    chosen: list = field(default_factory=list)  # [Application]
    uncovered: list = field(default_factory=list)  # posts with applicants but nobody placed
    value: int = 0


def weights(applications):
    """(COVER, PLACED, FIRST, FIT, NEAR): each exceeds the most that all lower ones together can add."""
    n = len({a.member for a in applications}) + 1
    near, fit = 1, n + 1
    first = fit * (n + 1)
    placed = first * (n + 1)
    cover = placed * (n + 1)
    return cover, placed, first, fit, near


def worth(application, w):
    _, placed, first, fit, near = w
    return placed + first * (application.rank == 1) + fit * bool(application.fits) + near * application.own_grid


def value_of(chosen, applications):
    """The objective of a choice of applications: what the solver maximises (also used by the tests)."""
    w = weights(applications)
    covered = {a.post for a in chosen}
    return w[0] * len(covered) + sum(worth(a, w) for a in chosen)


def solve(applications, places):
    """The best choice of applications; `places` maps each post to its free places (0 if full)."""
    w = weights(applications)
    everyone, applications = applications, [a for a in applications if places.get(a.post, 0) > 0]
    result = Result()
    if not applications:
        return result
    members = sorted({a.member for a in applications}, key=str)
    posts = sorted({a.post for a in applications}, key=str)
    g = nx.DiGraph()
    supply = len(members)
    g.add_node("source", demand=-supply)
    g.add_node("sink", demand=supply)
    g.add_edge("source", "sink", capacity=supply, weight=0)  # unplaced applicants
    for m in members:
        g.add_edge("source", ("m", m), capacity=1, weight=0)
    best = {}
    for a in applications:  # one arc per member and post: keep the application worth most
        arc = (("m", a.member), ("p", a.post))
        if arc not in best or worth(a, w) > worth(best[arc], w):
            best[arc] = a
    for (tail, head), a in best.items():
        g.add_edge(tail, head, capacity=1, weight=-worth(a, w))
    for p in posts:
        g.add_edge(("p", p), ("first", p), capacity=1, weight=-w[0])
        g.add_edge(("first", p), "sink", capacity=1, weight=0)
        if places[p] > 1:
            g.add_edge(("p", p), "sink", capacity=places[p] - 1, weight=0)
    flow = nx.network_simplex(g)[1]
    for (tail, head), a in best.items():
        if flow[tail].get(head):
            result.chosen.append(a)
    covered = {a.post for a in result.chosen}
    result.uncovered = [p for p in posts if p not in covered]
    result.value = value_of(result.chosen, everyone)
    return result


def reasons(application, post_name=""):
    """Why a line was suggested, in the meeting's words: 第一志愿；特长：调解沟通；本网格."""
    parts = ["第一志愿" if application.rank == 1 else f"第{application.rank}志愿"]
    if application.fits:
        parts.append(f"特长：{'、'.join(application.fits)}")
    parts.append("本网格" if application.own_grid else "外网格")
    return "；".join(parts)


# --- from the database -------------------------------------------------------------------------------------


@dataclass
class Line:
    """One suggested (or still open) line for the meeting: the application and why."""

    assignment: object
    reason: str
    options: list  # the member's other open applications the meeting may choose instead


def suggest(round, grids):
    """(lines, uncovered posts) for `grids` of `round`: eligible applicants still 已申报, free places only."""
    from members.models import Member, eligible_q

    from .models import HOLDING, Assignment, Post, Status

    open_ = (
        Assignment.objects.filter(round=round, status=Status.APPLIED, post__grid__in=grids)
        .select_related("member__grid", "post__grid", "post__post_type")
        .prefetch_related("member__specialties")
    )
    eligible = set(Member.objects.filter(eligible_q(), pk__in=open_.values("member")).values_list("pk", flat=True))
    holding = set(Assignment.objects.filter(round=round, status__in=HOLDING).values_list("member", flat=True))
    rows = [a for a in open_ if a.member_id in eligible and a.member_id not in holding]
    posts = list(Post.objects.filter(pk__in={a.post_id for a in rows}))
    taken = dict(
        Assignment.objects.filter(post__in=posts, status__in=HOLDING)
        .values_list("post")
        .annotate(n=Count("pk"))
        .order_by()
    )
    places = {p.pk: max(0, p.places - taken.get(p.pk, 0)) for p in posts}
    applications = [
        Application(a.pk, a.member_id, a.post_id, a.rank, fitting(a), a.member.grid_id == a.post.grid_id) for a in rows
    ]
    result = solve(applications, places)
    by_pk, options = {a.pk: a for a in rows}, {}
    for a in rows:
        options.setdefault(a.member_id, []).append(a)
    chosen = {c.key: c for c in result.chosen}
    lines = [Line(by_pk[key], reasons(c), options[c.member]) for key, c in chosen.items()]
    lines.sort(
        key=lambda line: (
            line.assignment.post.grid.number,
            line.assignment.post.post_type.order,
            line.assignment.post_id,
            line.assignment.member.name,
        )
    )
    return lines, [p for p in posts if p.pk in result.uncovered]


def skipped(round, grids):
    """[(post, [why, per applicant])] for posts in `grids` whose every open application was set aside before the
    solver ran: the applicant is not eligible, or already holds a post. The meeting is told these by name."""
    from .models import HOLDING, Assignment, Status

    open_ = Assignment.objects.filter(round=round, status=Status.APPLIED, post__grid__in=grids).select_related(
        "member", "post__grid"
    )
    holding = {
        a.member_id: a.post.name
        for a in Assignment.objects.filter(round=round, status__in=HOLDING).select_related("post")
    }
    by_post = {}
    for a in open_.order_by("post__grid__number", "post_id", "pk"):
        reasons = a.member.ineligibility_reasons()
        if a.member_id in holding:
            reasons = [*reasons, f"已安排到“{holding[a.member_id]}”"]
        by_post.setdefault(a.post, []).append(f"{a.member.name}{'，'.join(reasons)}" if reasons else "")
    return [(post, whys) for post, whys in by_post.items() if all(whys)]


def leave_out(round, grids, placed_members, meetings, by):
    """Mark 未选中 the open applications in `grids` of members the accepted suggestion placed nowhere (择优配岗),
    each with why; returns how many. A member the meeting left unticked keeps their application open."""
    from .models import HOLDING, Assignment, Status

    placed = {
        a.member_id: a.post.name
        for a in Assignment.objects.filter(round=round, status__in=HOLDING).select_related("post")
    }
    rows = (
        Assignment.objects.filter(round=round, status=Status.APPLIED, post__grid__in=grids)
        .exclude(member__in=placed_members)
        .select_related("member", "post")
    )
    count = 0
    for a in rows.order_by("pk"):
        reasons = a.member.ineligibility_reasons()
        if a.member_id in placed:
            why = f"已安排到“{placed[a.member_id]}”"
        elif reasons:
            why = "；".join(reasons)
        else:
            why = f"“{a.post.name}”已安排满"
        a.move(Status.NOT_CHOSEN, by=by, note=f"建议配岗未安排：{why}", meeting=meetings.get(a.post.grid_id))
        count += 1
    return count


def fitting(assignment):
    """The applicant's specialties that fit the post's kind of work."""
    fit = FITS.get(assignment.post.post_type.need_category, set())
    return tuple(s.name for s in assignment.member.specialties.all() if s.name in fit)


@dataclass
class Decision:
    """What the meeting decided on one suggested line it accepts: which application (the suggested one, or
    another of the member's own) and, when it differs from the suggestion, why."""

    line: Line
    choice: str  # pk of the chosen application, as the form sent it
    reason: str = ""


def accept(decisions, meetings, chosen_meetings, by, lines=()):
    """Make the chosen applications 拟上岗, all or none, then mark 未选中 the applicants the suggestion (`lines`)
    placed nowhere; returns (how many placed, how many left out), or raises TransitionError with why not.

    `meetings` are each grid's branch meetings ({grid pk: [Meeting]}), `chosen_meetings` the pk the meeting
    picked for each grid; a line whose grid has no meeting chosen is refused by Assignment.move itself.
    """
    from .models import Status, TransitionError

    errors, moved = [], []
    with transaction.atomic():
        for d in decisions:
            a = d.line.assignment
            options = {str(o.pk): o for o in d.line.options}
            chosen = options.get(d.choice)
            if chosen is None:
                errors.append(f"{a.member.name}：请从本人申报的岗位中选择。")
                continue
            if chosen.pk != a.pk and not d.reason:
                errors.append(f"{a.member.name}：改为“{chosen.post.name}”，请写明调整理由。")
                continue
            grid_id = chosen.post.grid_id
            meeting = next((m for m in meetings.get(grid_id, []) if str(m.pk) == chosen_meetings.get(grid_id)), None)
            note = f"建议配岗（会议调整：{d.reason}）" if chosen.pk != a.pk else f"建议配岗：{d.line.reason}"
            try:
                chosen.move(Status.PROPOSED, by=by, note=note, meeting=meeting)
            except TransitionError as error:
                errors += [f"{a.member.name}：{m}" for m in error.missing]
            else:
                moved.append((chosen, meeting))
        if errors:
            raise TransitionError(errors)  # rolls back every line already moved
        if moved:  # who the suggestion placed nowhere, in the grids whose lines the meeting accepted
            round = moved[0][0].round
            grids = {c.post.grid_id for c, _ in moved}
            members = [d.line.assignment.member_id for d in decisions] + [line.assignment.member_id for line in lines]
            left = leave_out(round, grids, members, {c.post.grid_id: m for c, m in moved}, by)
            return len(decisions), left
    return len(decisions), 0
