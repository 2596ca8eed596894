"""建议配岗 against brute force on small random cases, scored by the plan's rules as stated here, not by the
module's own objective (its weights are what is under test).

The rules the branch meeting follows (plan 五(三) 支部议岗, DOMAIN.md), most important first:
1. one post per member (一人一岗), at most `places` members on a post (一岗多人, 职数), only what was applied for;
2. every post with applicants gets a member whenever at all possible (确保每个岗位申报党员上岗);
3. then as many applicants placed as the places allow (搞好调剂);
4. then as many first choices as possible (尊重个人意愿);
5. then as many specialties fitting the post (结合党员特长);
6. then as many members in their own grid (就近便利).
A rule lower down never outweighs one above it, however many times it is met: the choices compare as tuples.
"""

import itertools
import random

import pytest

from posts.matching import Application, solve


def score(chosen):
    """The rules 2–6 above, counted on a choice, as a tuple compared in order."""
    return (
        len({a.post for a in chosen}),
        len(chosen),
        sum(a.rank == 1 for a in chosen),
        sum(bool(a.fits) for a in chosen),
        sum(bool(a.own_grid) for a in chosen),
    )


def feasible(chosen, places):
    """Rule 1."""
    members = [a.member for a in chosen]
    taken = {}
    for a in chosen:
        taken[a.post] = taken.get(a.post, 0) + 1
    return len(members) == len(set(members)) and all(n <= places.get(p, 0) for p, n in taken.items())


def brute_force(applications, places):
    """The best score over every choice of at most one application per member."""
    by_member = {}
    for a in applications:
        by_member.setdefault(a.member, []).append(a)
    best = None
    for pick in itertools.product(*([None, *options] for options in by_member.values())):
        chosen = [a for a in pick if a is not None]
        if feasible(chosen, places):
            best = max(best or score(chosen), score(chosen))
    return best


def random_case(rng):
    posts = list(range(rng.randint(1, 4)))
    places = {p: rng.randint(0, 2) for p in posts}
    applications = []
    for m in range(rng.randint(1, 6)):
        for rank, p in enumerate(rng.sample(posts, rng.randint(1, len(posts))), start=1):
            fits = ("调解沟通",) if rng.random() < 0.3 else ()
            applications.append(
                Application(key=(m, p), member=m, post=p, rank=rank, fits=fits, own_grid=rng.random() < 0.5)
            )
    return applications, places


@pytest.mark.parametrize("seed", range(300))
def test_same_value_as_brute_force_and_every_rule_kept(seed):
    applications, places = random_case(random.Random(seed))
    result = solve(applications, places)
    assert score(result.chosen) == brute_force(applications, places)
    assert feasible(result.chosen, places)
    assert all(a in applications for a in result.chosen)  # only what was applied for
    applied = {a.post for a in applications if places[a.post]}
    assert set(result.uncovered) == applied - {a.post for a in result.chosen}


def test_covering_a_post_comes_before_a_first_choice():
    # 甲 wants A first and B second; 乙 applied only for A. Both posts get someone: 甲 goes to B.
    apps = [
        Application("甲A", "甲", "A", rank=1),
        Application("甲B", "甲", "B", rank=2),
        Application("乙A", "乙", "A", rank=1),
    ]
    chosen = {a.key for a in solve(apps, {"A": 1, "B": 1}).chosen}
    assert chosen == {"甲B", "乙A"}


def test_first_choice_then_specialty_then_own_grid():
    apps = [Application("甲A", "甲", "A", rank=1), Application("乙A", "乙", "A", rank=2, fits=("调解沟通",))]
    assert [a.key for a in solve(apps, {"A": 1}).chosen] == ["甲A"]
    apps = [Application("甲A", "甲", "A", fits=("调解沟通",)), Application("乙A", "乙", "A", own_grid=True)]
    assert [a.key for a in solve(apps, {"A": 1}).chosen] == ["甲A"]
    apps = [Application("甲A", "甲", "A"), Application("乙A", "乙", "A", own_grid=True)]
    assert [a.key for a in solve(apps, {"A": 1}).chosen] == ["乙A"]


def test_placing_one_more_member_comes_before_first_choices():
    # A has 2 places, B one. 乙 wants B first, A second; 丙 only B, as a second choice. 甲A + 乙B keeps two first
    # choices but leaves 丙 out; 甲A + 乙A + 丙B places all three with one first choice: 搞好调剂 wins.
    apps = [
        Application("甲A", "甲", "A", rank=1),
        Application("乙B", "乙", "B", rank=1),
        Application("乙A", "乙", "A", rank=2),
        Application("丙B", "丙", "B", rank=2),
    ]
    assert {a.key for a in solve(apps, {"A": 2, "B": 1}).chosen} == {"甲A", "乙A", "丙B"}


MEETS = {"first": {"rank": 1}, "fit": {"fits": ("调解沟通",)}, "near": {"own_grid": True}}


def displacement_chain(k, higher, lower):
    """甲 may take A, meeting the `higher` rule, or Z, meeting nothing. Taking A pushes 乙1 out of A onto B1,
    乙2 out of B1 onto B2 … 乙k onto C: k applicants lose the `lower` rule. Every post stays covered (丁 on Z,
    戊 on C, two places each) and everyone stays placed, so only the two rules weigh."""
    base = {"rank": 2}
    apps = [
        Application("甲A", "甲", "A", **{**base, **MEETS[higher]}),
        Application("甲Z", "甲", "Z", **base),
        Application("丁Z", "丁", "Z", **base),
        Application("戊C", "戊", "C", **base),
    ]
    held = ["A", *(f"B{i}" for i in range(1, k)), "C"]  # 乙i holds held[i-1] (meeting `lower`) or moves on
    for i in range(1, k + 1):
        apps.append(Application(f"乙{i}{held[i - 1]}", f"乙{i}", held[i - 1], **{**base, **MEETS[lower]}))
        apps.append(Application(f"乙{i}{held[i]}", f"乙{i}", held[i], **base))
    places = dict.fromkeys(held, 1) | {"Z": 2, "C": 2}
    return apps, places


@pytest.mark.parametrize(("higher", "lower"), [("first", "fit"), ("fit", "near"), ("first", "near")])
def test_many_lower_rules_never_outweigh_one_higher(higher, lower):
    # Five applicants losing a lower rule weigh less than one applicant meeting a higher one.
    apps, places = displacement_chain(5, higher, lower)
    result = solve(apps, places)
    assert "甲A" in {a.key for a in result.chosen}
    assert score(result.chosen) == brute_force(apps, places)
