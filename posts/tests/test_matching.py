"""建议配岗 against brute force on small random cases: the same objective value, and every rule kept."""

import itertools
import random

import pytest

from posts.matching import Application, solve, value_of


def brute_force(applications, places):
    by_member = {}
    for a in applications:
        by_member.setdefault(a.member, []).append(a)
    best = 0
    for pick in itertools.product(*([None, *options] for options in by_member.values())):
        chosen = [a for a in pick if a is not None]
        taken = {}
        for a in chosen:
            taken[a.post] = taken.get(a.post, 0) + 1
        if all(n <= places[p] for p, n in taken.items()):
            best = max(best, value_of(chosen, applications))
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
    assert result.value == brute_force(applications, places)
    members = [a.member for a in result.chosen]
    assert len(members) == len(set(members))  # one post per member
    for post, n in places.items():
        assert sum(a.post == post for a in result.chosen) <= n  # places
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
