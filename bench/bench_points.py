"""Points: the whole county's registers and proposed stars recomputed from scratch, against one member at a time.

Run with `make bench-points`. The county is `seed_demo --scale county` (12 towns, about 10,000 members; built as
the other benchmarks build it, on SQLite), in a copy of its own (/tmp/jinchen-bench-points.sqlite3, delete it to
rebuild) where every village of the eleven other towns has also had its year on post through the demo's own
builders (posts.demo, posts.demo_year, posts.demo_points): alternately at 严格评岗 and closed, so that every
village of the county keeps registers, as it would at the end of a year. Then, with DEBUG off:

- the county: `points.recompute()` for everyone (each register rebuilt from the records: trainings, checked
  ledger entries, requests, feedback, reports, claims), then `points.totals()` of the year and
  `PointTerms.star_for()` for every member — the work a nightly run does; REPEAT times, the median;
- the same into an empty register (the first night, or after the rules' history was rewritten): every line
  written, not only those that changed;
- naive: the same one member at a time (`recompute(Assignment.objects.filter(pk=…))`, its totals and star), on
  a sample of NAIVE_SAMPLE members spread over the county, scaled to the county's count (the full loop would
  take minutes); the sample's totals are checked against the county run's.

Goal: the county under 5 s on 2 cores. The figures move with whatever else the machine runs: the load average is
printed before measuring. The last line is RESULT members=… seconds=… naive_seconds=… ratio=… queries=…
naive_sample=… empty_register_seconds=…
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, demo_db, setup_django  # noqa: E402

DB = Path(os.environ.get("BENCH_POINTS_DB", "/tmp/jinchen-bench-points.sqlite3"))
REPEAT = 3
NAIVE_SAMPLE = int(os.environ.get("BENCH_NAIVE_SAMPLE", "150"))
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def build():
    """The county demo, then a year on post for every village of the other towns (once: kept in DB)."""
    if DB.exists():
        demo_db("county", path=DB)  # migrated to the current code
        return
    partial = DB.with_suffix(".building")  # an interrupted build goes on where it stopped
    demo_db("county", path=partial)
    print(f"giving every village of the county a year on post in {DB} …", flush=True)
    subprocess.run([sys.executable, __file__, "--fill", str(partial)], check=True)
    shutil.move(partial, DB)


def fill(path):
    setup_django(path)
    from django.db import transaction
    from django.utils import timezone

    from grids.models import Village
    from members.demo import HOME_TOWN
    from posts.demo import RoundBuilder
    from posts.demo_points import seed_points
    from posts.models import Stage, TransitionError

    today, rng = timezone.localdate(), random.Random(2026)
    villages = Village.objects.exclude(town__name=HOME_TOWN).filter(rounds=None).select_related("secretary")
    for i, village in enumerate(villages.order_by("pk")):
        # a grid whose only member is on post has nobody to be the contact, and cannot close: it stays at 严格评岗
        for target in [Stage.CLOSED, Stage.EVALUATION] if i % 2 else [Stage.EVALUATION]:
            try:
                with transaction.atomic():
                    RoundBuilder(village, target, today, rng).build()
                break
            except TransitionError:
                continue
    seed_points(today)


class QueryCount:
    """Statements sent, transaction control left out."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(CONTROL):
            self.n += 1
        return execute(sql, params, many, context)


def stars(queryset, year):
    """What a nightly run does: rebuild the registers, read the year's totals, propose each member's star."""
    from posts import points
    from posts.models import PointTerms

    points.recompute(queryset)
    rows = points.register_assignments(queryset)
    totals = points.totals([a.pk for a in rows], year)
    terms = PointTerms.for_towns({a.post.grid.village.town_id for a in rows})
    return {
        a.pk: (totals[a.pk]["year"], terms[a.post.grid.village.town_id].star_for(totals[a.pk]["year"])) for a in rows
    }


def run():
    setup_django(DB)
    from django.db import connection
    from django.utils import timezone

    from posts.models import Assignment, PointEntry

    year = timezone.localdate().year
    times, queries = [], QueryCount()
    for i in range(REPEAT):
        started = time.perf_counter()
        if i == 0:
            with connection.execute_wrapper(queries):
                county = stars(None, year)
        else:
            county = stars(None, year)
        times.append(time.perf_counter() - started)
    members = sorted(county)
    sample = members[:: max(1, len(members) // NAIVE_SAMPLE)][:NAIVE_SAMPLE]
    started = time.perf_counter()
    naive = {}
    for pk in sample:
        naive.update(stars(Assignment.objects.filter(pk=pk), year))
    naive_sample = time.perf_counter() - started
    assert all(naive[pk] == county[pk] for pk in sample), "one member at a time gives other totals"
    PointEntry.objects.all().delete()  # the first night: every register written afresh
    started = time.perf_counter()
    assert stars(None, year) == county
    empty = time.perf_counter() - started
    spread = {s: sum(1 for _, star in county.values() if star == s) for s in (5, 4, 3, 0)}
    print(
        json.dumps(
            {"members": len(members), "seconds": statistics.median(times), "times": times, "queries": queries.n,
             "sample": len(sample), "naive_sample": naive_sample, "stars": spread, "empty": empty}
        )
    )  # fmt: skip


def main():
    build()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores", flush=True)
    out = subprocess.run([sys.executable, __file__, "--run"], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(out.stderr[-3000:])
    r = json.loads(out.stdout.strip().splitlines()[-1])
    naive = r["naive_sample"] / r["sample"] * r["members"]
    print(f"county: {r['members']} members with a register, stars proposed {r['stars']}")
    print(
        f"  recompute + totals + stars, everyone:  {r['seconds']:6.2f} s (median of "
        f"{', '.join(f'{t:.2f}' for t in r['times'])}), {r['queries']} queries"
    )
    print(f"  the same into an empty register (every line written): {r['empty']:.2f} s")
    print(
        f"  one member at a time: {r['sample']} members in {r['naive_sample']:.2f} s, "
        f"scaled to {r['members']}: {naive:.1f} s"
    )
    print(
        f"RESULT members={r['members']} seconds={r['seconds']:.2f} naive_seconds={naive:.1f} "
        f"ratio={naive / r['seconds']:.1f} queries={r['queries']} naive_sample={r['sample']} "
        f"empty_register_seconds={r['empty']:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true")
    parser.add_argument("--fill", metavar="DB")
    args = parser.parse_args()
    if args.fill:
        fill(Path(args.fill))
    elif args.run:
        run()
    else:
        main()
