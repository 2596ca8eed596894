"""Page speed: the dashboard, the village page and the grid page against a bare Django view, same run.

Run with `make bench-pages`. For the demo town and then the county (`seed_demo --scale county`, 12 towns,
about 10,000 members), each in its own process with DEBUG off: log in the user who opens each page, warm
up, then time REPEAT requests of each page through the whole Django stack (middleware, session, templates)
with the test client, and the bare view /healthz/ the same way. The dashboard is measured as people meet
it (its figures kept in the cache until something they count changes) and computed afresh on every
request ("uncached"); every other page is computed on every request. Prints the median time per page,
its ratio to the bare view and
the queries it ran (BEGIN/COMMIT/SAVEPOINT not counted: on PostgreSQL they are not statements Django sends).
Goal: the county dashboard within 20x the bare view, every page under 10 queries.
The last line is RESULT worst_ratio=… worst_page=… max_queries=… (county scale), then the dashboard's.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, demo_db, demo_path, setup_django  # noqa: E402

REPEAT = 30
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def pages():
    """(name, username, url) of each page measured."""
    from django.contrib.auth.models import User
    from django.urls import reverse

    from grids.models import Town

    town = Town.objects.get(name="金城镇")
    village = User.objects.get(username="cun01").secretary_of_villages.get()
    grid = User.objects.get(username="wg0101").secretary_of_grids.get()
    return [
        ("bare view", "zhen", reverse("healthz")),
        ("dashboard", "zhen", reverse("posts:town-dashboard", args=[town.pk])),
        ("dashboard uncached", "zhen", reverse("posts:town-dashboard", args=[town.pk]) + "#uncached"),
        ("village dashboard", "cun01", reverse("posts:village-dashboard", args=[village.pk])),
        ("village page", "cun01", reverse("posts:village", args=[village.pk])),
        ("grid page", "wg0101", reverse("posts:grid", args=[grid.pk])),
    ]


class QueryLog(list):
    """Statements a request sends, transaction control left out."""

    def __call__(self, execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(CONTROL):
            self.append(sql)
        return execute(sql, params, many, context)


def run(scale):
    setup_django(demo_path(scale))
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    results = []
    reuse = settings.DASHBOARD_CACHE_SECONDS
    for name, username, url in pages():
        settings.DASHBOARD_CACHE_SECONDS = 0 if name.endswith("uncached") else reuse
        client = Client()
        client.force_login(User.objects.get(username=username))
        for _ in range(3):
            assert client.get(url).status_code == 200, url
        queries = QueryLog()
        with connection.execute_wrapper(queries):
            client.get(url)
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        results.append({"page": name, "ms": statistics.median(times) * 1000, "queries": len(queries)})
    print(json.dumps(results))


def measure(scale):
    demo_db(scale)
    out = subprocess.run([sys.executable, __file__, "--run", scale], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr[-3000:])
    results = json.loads(out.stdout.strip().splitlines()[-1])
    bare = results[0]["ms"]
    print(f"{scale}:")
    for r in results:
        r["ratio"] = r["ms"] / bare
        print(f"  {r['page']:<18} {r['ms']:7.2f} ms  {r['ratio']:5.1f}× bare  {r['queries']:2d} queries")
    return results[1:]


def main():
    # DEBUG off serves static files through the manifest, as production does: collect them first.
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        check=True,
        env={**os.environ, "DEBUG": "0", "SECRET_KEY": "bench"},
    )
    measure("town")
    county = measure("county")
    # The pages as people meet them; the dashboard's figures computed afresh is reported beside them.
    cold = next(r for r in county if r["page"].endswith("uncached"))
    county = [r for r in county if r is not cold]
    worst = max(county, key=lambda r: r["ratio"])
    dashboard = next(r for r in county if r["page"] == "dashboard")
    print(
        f"RESULT worst_ratio={worst['ratio']:.1f} worst_page={worst['page'].replace(' ', '_')} "
        f"max_queries={max(r['queries'] for r in county)} dashboard_ratio={dashboard['ratio']:.1f} "
        f"dashboard_uncached_ratio={cold['ratio']:.1f} dashboard_uncached_queries={cold['queries']}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", choices=["town", "county"])
    args = parser.parse_args()
    run(args.run) if args.run else main()
