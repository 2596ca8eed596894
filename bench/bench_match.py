"""建议配岗 as the branch meetings open it: the page of one village and of every village of the demo town.

Run with `make bench-match`. The demo town of its own database (BENCH_MATCH_DB, default
/tmp/jinchen-bench-match.sqlite3, built on first use; delete it to rebuild): the demo's members and needs, and
for every village a round built by the demo's RoundBuilder through the real transitions (posts, the members'
applications) and moved on to 支部议岗 before any meeting: every application still 已申报, as a meeting finds
them. Each village's secretary opens 建议配岗 for the whole village (GET /rounds/<pk>/suggest/), through the
whole Django stack with the test client, DEBUG off: the reads of applications, eligibility and places, the
solver and the page, as posts.views.suggest.round_suggest does them.

Baselines in the same run: the bare view /healthz/ requested the same way, and the solver alone
(posts.matching.solve) on exactly the applications and places the page handed it, already in memory: what the
page costs beyond the solver is its reads and its template.

Goal: the largest village's page (most open applications) under 0.5 s; all the villages of the town, one after
another, under 5 s; the same handful of queries for every village. The last line is
RESULT village_s=… town_s=… village_solver_s=… bare_s=… max_queries=…
"""

import datetime
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, setup_django  # noqa: E402

REPEAT = 20  # requests of the largest village's page (median)
TOWN_PASSES = 3  # passes over every village (median of the totals)
# The day the rounds were built on: the database is the same whichever day the benchmark runs.
BUILT_ON = datetime.date(2026, 11, 1)
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def db_path():
    return Path(os.environ.get("BENCH_MATCH_DB", "/tmp/jinchen-bench-match.sqlite3"))


def build(path):
    """The demo town with every village's round at 支部议岗, nobody deliberated yet (run in a process of its own)."""
    setup_django(path)
    from django.db import transaction

    from grids.models import Town
    from members.demo import HOME_TOWN, seed_demo
    from posts.demo import RoundBuilder
    from posts.models import Stage

    seed_demo()
    rng = random.Random(2026)
    town = Town.objects.get(name=HOME_TOWN)
    for village in town.villages.select_related("secretary").order_by("pk"):
        with transaction.atomic():
            builder = RoundBuilder(village, Stage.APPLICATION, BUILT_ON, rng)
            round = builder.build()  # posts, then the members' applications in the window
            round.advance(by=builder.by, note="申报截止", today=builder.day(4))
            assert round.stage == Stage.DELIBERATION, (village.name, round.stage)


def database():
    """The benchmark's database, migrated to the current code; built first when it does not exist yet."""
    path = db_path()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    if not path.exists():
        print(f"building the demo town with every round at 支部议岗 in {path} …", flush=True)
        partial = path.with_name(path.name + ".building")
        partial.unlink(missing_ok=True)
        env_partial = {**env, "DATABASE_URL": f"sqlite:///{partial}"}
        for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
            subprocess.run([*manage, *command], env=env_partial, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, __file__, "--build", str(partial)], check=True)
        partial.rename(path)  # only a finished build is ever used
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run([*manage, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    # DEBUG off serves static files through the manifest, as production does: collect them first.
    subprocess.run(
        [*manage, "collectstatic", "--noinput", "-v0"], env={**env, "DEBUG": "0", "SECRET_KEY": "bench"}, check=True
    )
    return path


class QueryLog(list):
    """Statements a request sends, transaction control left out."""

    def __call__(self, execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(CONTROL):
            self.append(sql)
        return execute(sql, params, many, context)


def request(client, url, marker):
    """One GET, checked to be the page asked for (not a redirect to the login page or to the round)."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    body = response.content.decode()
    assert response.status_code == 200 and marker in body, (url, response.status_code, marker)
    return elapsed, body


def main():
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no line per login
    setup_django(database())
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.urls import reverse

    from grids.models import Town
    from members.demo import HOME_TOWN
    from posts import matching
    from posts.models import Round, Stage, Status

    town = Town.objects.get(name=HOME_TOWN)
    rounds = list(
        Round.objects.filter(village__town=town, stage=Stage.DELIBERATION)
        .select_related("village__secretary")
        .annotate(
            applicants=Count("assignments__member", filter=Q(assignments__status=Status.APPLIED), distinct=True),
            applications=Count("assignments", filter=Q(assignments__status=Status.APPLIED)),
        )
        .order_by("village__pk")
    )
    assert len(rounds) == town.villages.count(), "every village of the town has a round at 支部议岗"
    clients = {}
    for r in rounds:
        clients[r.pk] = Client()
        clients[r.pk].force_login(r.village.secretary)

    def page(r):
        return reverse("posts:round-suggest", args=[r.pk]), f"建议配岗：{r.village.name}全村"

    # Warm up every page once; each must suggest something, or the benchmark times an empty page.
    for r in rounds:
        _, body = request(clients[r.pk], *page(r))
        assert 'id="suggestion"' in body, f"{r.village.name}: no suggested lines"

    # The bare view, the same way.
    bare_client = clients[rounds[0].pk]
    bare = statistics.median(request(bare_client, reverse("healthz"), "ok")[0] for _ in range(REPEAT))

    # The largest village: the page, the function it calls, and the solver alone on the page's own input.
    biggest = max(rounds, key=lambda r: (r.applications, r.applicants))  # the largest problem to solve
    url, marker = page(biggest)
    village_s = statistics.median(request(clients[biggest.pk], url, marker)[0] for _ in range(REPEAT))
    grids = biggest.village.grids.all()
    suggest_times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        lines, _uncovered = matching.suggest(biggest, grids)
        suggest_times.append(time.perf_counter() - started)
    suggest_s = statistics.median(suggest_times)
    handed = []
    real_solve = matching.solve
    matching.solve = lambda applications, places: (
        handed.append((applications, places)) or real_solve(applications, places)
    )
    try:
        matching.suggest(biggest, grids)
    finally:
        matching.solve = real_solve
    [(applications, places)] = handed
    solver_times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        solved = real_solve(applications, places)
        solver_times.append(time.perf_counter() - started)
    solver_s = statistics.median(solver_times)
    assert len(solved.chosen) == len(lines)

    # Every village, one after another, as their secretaries open it; queries counted on one pass.
    queries = {}
    for r in rounds:
        log = QueryLog()
        with connection.execute_wrapper(log):
            request(clients[r.pk], *page(r))
        queries[r.pk] = len(log)
    totals, slowest = [], {}
    for _ in range(TOWN_PASSES):
        total = 0.0
        for r in rounds:
            elapsed = request(clients[r.pk], *page(r))[0]
            total += elapsed
            slowest[r.pk] = max(slowest.get(r.pk, 0.0), elapsed)
        totals.append(total)
    town_s = statistics.median(totals)
    worst = max(rounds, key=lambda r: slowest[r.pk])

    print(f"bare view /healthz/:        {bare * 1000:7.1f} ms")
    print(
        f"village {biggest.village.name} ({biggest.applicants} applicants, {len(applications)} open applications, "
        f"{len(lines)} suggested, {queries[biggest.pk]} queries):"
    )
    print(f"  建议配岗 page:             {village_s * 1000:7.1f} ms  {village_s / bare:6.1f}× bare")
    print(f"  matching.suggest():        {suggest_s * 1000:7.1f} ms  (reads and solver, no page)")
    print(
        f"  solver alone (baseline):   {solver_s * 1000:7.1f} ms  (the page takes {village_s / solver_s:.1f}× as long)"
    )
    print(
        f"town {town.name}: {len(rounds)} villages, {sum(r.applicants for r in rounds)} applicants, "
        f"{min(queries.values())}–{max(queries.values())} queries per page:"
    )
    print(
        f"  every village's page:      {town_s * 1000:7.1f} ms in all, slowest {worst.village.name} "
        f"{slowest[worst.pk] * 1000:.1f} ms"
    )
    print(
        f"RESULT village_s={village_s:.4f} town_s={town_s:.3f} village_solver_s={solver_s:.4f} "
        f"bare_s={bare:.4f} max_queries={max(queries.values())}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build(Path(sys.argv[2]))
    else:
        main()
