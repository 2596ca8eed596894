"""建议配岗 speed: one village (about 50 applicants) and the whole demo town, solved exactly.

Run with `make bench-match`. From the demo town's eligible members and posts, every member applies for one
to three posts of their village (first choice in their own grid most of the time), as a deterministic
random draw; then posts.matching.solve runs on the largest village and on all villages at once (one
problem). Goal: under 0.1 s and under 2 s. The last line is RESULT village_s=… town_s=…
"""

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_db, setup_django  # noqa: E402


def applications_by_village():
    from members.models import Member
    from posts.matching import FITS, Application
    from posts.models import Post

    rng = random.Random(2026)
    posts = {}
    for p in Post.objects.select_related("post_type", "grid"):
        posts.setdefault(p.grid.village_id, []).append(p)
    result = {}
    for m in Member.objects.eligible().select_related("grid").prefetch_related("specialties"):
        village_posts = posts.get(m.grid.village_id, [])
        if not village_posts:
            continue
        own = [p for p in village_posts if p.grid_id == m.grid_id] or village_posts
        picks = [rng.choice(own)] + rng.sample(village_posts, min(len(village_posts), rng.randint(0, 2)))
        specialties = {s.name for s in m.specialties.all()}
        seen = set()
        for rank, p in enumerate(picks, start=1):
            if p.pk in seen:
                continue
            seen.add(p.pk)
            fits = tuple(sorted(specialties & FITS.get(p.post_type.need_category, set())))
            result.setdefault(m.grid.village_id, []).append(
                Application((m.pk, p.pk), m.pk, p.pk, rank, fits, p.grid_id == m.grid_id)
            )
    places = {p.pk: p.places for village_posts in posts.values() for p in village_posts}
    return result, places


def timed(applications, places, repeat):
    from posts.matching import solve

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = solve(applications, places)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main():
    setup_django(demo_db())
    by_village, places = applications_by_village()
    village = max(by_village.values(), key=lambda apps: len({a.member for a in apps}))
    town = [a for apps in by_village.values() for a in apps]
    village_s, v = timed(village, places, 20)
    town_s, t = timed(town, places, 3)
    print(
        f"village: {len({a.member for a in village})} applicants, {len(village)} applications, "
        f"{len(v.chosen)} placed, {len(v.uncovered)} posts uncovered: {village_s * 1000:.1f} ms"
    )
    print(
        f"town:    {len({a.member for a in town})} applicants, {len(town)} applications, "
        f"{len(t.chosen)} placed, {len(t.uncovered)} posts uncovered: {town_s * 1000:.1f} ms"
    )
    print(f"RESULT village_s={village_s:.4f} town_s={town_s:.3f}")


if __name__ == "__main__":
    main()
