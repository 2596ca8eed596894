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
