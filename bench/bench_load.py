"""Load: the county on PostgreSQL behind gunicorn, driven by wrk with 50 concurrent connections per page.

Run with `make bench-load` (from a clean clone it installs wrk and PostgreSQL if missing). It starts a
PostgreSQL server of its own (.ci/postgres, kept in /tmp/jinchen-bench-pg), loads the county demo data once
(`seed_demo --scale county`), collects static files and starts gunicorn (DEBUG off, WEB_WORKERS processes).
It logs in one user of each role (a session and a CSRF cookie each, as a browser keeps them), counts the
queries of each page (through Django's test client, as that user), and drives, for DURATION seconds each,
the bare view /healthz/ and the home, town, village, grid, round and dashboard pages, every one computed
on every request (there is no page cache), beside the bare view served by the same gunicorn. Prints
requests/s, p50 and p95 per page, each page's p95 against the bare view's, its queries (transaction control
not counted) and the errors: socket errors, timeouts, and every answer that is not the page asked for (a
status other than 200, such as a redirect to the login page, or a body without the page's marker, its
heading; counted by bench/wrk_report.lua). A page that redirects (the home page sends each person to their
town, village or grid) is driven where it lands. Then prints the whole county's letters as one batch on two
db_worker processes.
Goal: no errors at 50 concurrent users; every page's p95 within 8× the bare view's, and ≤ 10 queries.
While working on one page: BENCH_PAGES="village page,grid page" drives only those (and the bare view),
BENCH_BATCH=0 leaves out the county letters batch.
The last line is RESULT errors=… worst_computed_p95_ratio=… worst_computed_page=… most_queries=…
batch_letters=… batch_seconds=…
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PY, ROOT, manage, postgres, production_env, start_workers, stop  # noqa: E402

PG_DIR = Path(os.environ.get("BENCH_PG_DIR", "/tmp/jinchen-bench-pg"))
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "50"))
WEB_WORKERS = int(os.environ.get("WEB_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env):
    """Migrate, load the county once, give demo accounts a private password, collect static files."""
    manage("migrate", "--noinput", "-v0", env=env)
    manage("createcachetable", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    manage("seed_demo", "--scale", "county", "--private-password", str(PG_DIR / "demo_password"), env=env)


def sessions_and_pages(env):
    """Log in a user of each role (sessions made the way login makes them) and name each page's URL."""
    code = r"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.html import escape
from grids.models import Town
from posts.models import Round
users = {u.username: u for u in get_user_model().objects.filter(username__in=["zhen", "cun01", "wg0101"])}
cookies = {}
for name, user in users.items():
    s = SessionStore()
    s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "grids.access.RoleBackend",
              "_auth_user_hash": user.get_session_auth_hash(), "_seen": 0})
    s.create()
    cookies[name] = f"sessionid={s.session_key}; csrftoken={get_random_string(32)}"
village = users["cun01"].secretary_of_villages.get()
grid = users["wg0101"].secretary_of_grids.get()
town = Town.objects.get(name="金城镇")
round = Round.current_or_latest(village.pk)
# name, user, path, and the page's marker: what only that page's body has (its heading, as the page escapes it).
town_heading = f">{escape(town.name)} · 各村概况</h1>"
pages = [
    ["bare view", None, reverse("healthz"), "ok"],
    ["home", "zhen", "/", town_heading],  # the town's committee lands on the town page
    ["town page", "zhen", reverse("posts:town", args=[town.pk]), town_heading],
    ["village page", "cun01", reverse("posts:village", args=[village.pk]), f">{escape(village.branch_name)}</h1>"],
    ["grid page", "wg0101", reverse("posts:grid", args=[grid.pk]),
     f">{escape(grid.village.name)} · {escape(grid.branch_name)}</h1>"],
    ["round page", "cun01", round.get_absolute_url(), f">{escape(str(round))}</h1>"],
    ["dashboard", "zhen", reverse("posts:town-dashboard", args=[town.pk]),
     f">{escape(town.name)}设岗定责工作看板</h1>"],
]
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
queries, landed = {}, {}
for page in pages:
    name, who, path, marker = page
    client = Client(HTTP_HOST="127.0.0.1")
    if who:
        client.force_login(users[who], backend="grids.access.RoleBackend")
    first = client.get(path, follow=True)  # the first request of a client also sets its CSRF cookie
    if first.redirect_chain:  # drive the page it lands on: wrk does not follow redirects
        page[2] = path = first.redirect_chain[-1][0]
        landed[name] = path
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    body = response.content.decode()
    found = "found" if marker in body else "missing"
    assert response.status_code == 200 and marker in body, f"{name} {path}: {response.status_code}, {marker!r} {found}"
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")  # transaction control, not queries
    queries[name] = sum(not q["sql"].startswith(control) for q in captured.captured_queries)
print(json.dumps({"cookies": cookies, "pages": pages, "queries": queries, "landed": landed}))
"""
    out = subprocess.run([PY, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_for(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"gunicorn did not answer at {url}")


def drive(base, path, cookie, marker):
    """wrk on one page; not_200 and no_marker count the answers that were not that page (bench/wrk_report.lua)."""
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{DURATION}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "wrk_report.lua"),
        base + path,
        "--",
        marker,
    ]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


BATCH = r"""
import json, sys, time, django
django.setup()
from django.contrib.auth import get_user_model
from commitments import services
from commitments.models import BatchPart, PrintBatch
if sys.argv[1] == "start":
    admin, _ = get_user_model().objects.get_or_create(username="bench-county", defaults={"is_superuser": True})
    batch = PrintBatch.objects.create(kind="letter", town=None, village=None, requested_by=admin)
    services.run_batch(batch.pk)  # plans and queues the parts for the workers
    print(json.dumps({"batch": batch.pk}))
else:
    batch = PrintBatch.objects.get(pk=int(sys.argv[2]))
    parts = BatchPart.objects.filter(batch=batch)
    keys = [k for p in parts for k in p.keys]
    print(json.dumps({"status": batch.status, "pages": batch.document.pages if batch.document_id else 0,
                      "letters": len(keys), "unique": len(set(keys)),
                      "workers": sorted({p.worker for p in parts}), "error": batch.error}))
"""


def county_letters_on_two_workers(env):
    """The whole county's commitment letters as one batch, printed by two db_worker processes at once."""

    def batch(*args):
        out = subprocess.run([PY, "-c", BATCH, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    workers = start_workers(2, env)
    try:
        started = time.perf_counter()
        pk = batch("start")["batch"]
        while (state := batch("check", str(pk)))["status"] not in ("done", "failed"):
            time.sleep(1)
        seconds = time.perf_counter() - started
    finally:
        stop(workers)
    ok = state["status"] == "done" and state["pages"] == state["letters"] == state["unique"]
    print(
        f"  county letters: {state['letters']} letters, {state['pages']} pages, {len(state['workers'])} workers "
        f"took part, {seconds:.1f} s, {'every letter exactly once' if ok else 'NOT exactly once: ' + str(state)}"
    )
    return {"letters": state["letters"], "seconds": seconds, "workers": len(state["workers"]), "ok": ok}


def serve_and_drive(env, pages, cookies, queries):
    """Start gunicorn with `env`, drive each page with wrk, stop it; print and return each page's figures."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "jinchen.wsgi",
            "--workers",
            str(WEB_WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz/")
        for name, user, path, marker in pages:
            r = drive(base, path, cookies.get(user) if user else None, marker)
            # not_200 includes wrk's own status errors (4xx/5xx), so those are not added twice.
            r["wrong"] = r["not_200"] + r["no_marker"]
            r["page"], r["errors"] = name, r["connect"] + r["read"] + r["write"] + r["timeout"] + r["wrong"]
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            results.append(r)
    finally:
        server.terminate()
        server.wait(timeout=30)
    bare = results[0]["p95"] or 1
    for r in results:
        r["ratio"], r["queries"] = r["p95"] / bare, queries[r["page"]]
        print(
            f"  {r['page']:<13} {r['rps']:8.1f} req/s  p50 {r['p50'] / 1000:7.1f} ms  p95 {r['p95'] / 1000:7.1f} ms"
            f"  {r['ratio']:5.1f}× bare  {r['queries']:3d} queries  errors {r['errors']}"
            + (f" (not the page: {r['not_200']} not 200, {r['no_marker']} without its heading)" if r["wrong"] else "")
        )
    return results


def main():
    url = postgres(PG_DIR)
    env = production_env(url)
    print(f"PostgreSQL {url}; preparing the county …", flush=True)
    prepare(env)
    setup = sessions_and_pages(env)
    chosen = os.environ.get("BENCH_PAGES")
    chosen = {n.strip() for n in chosen.split(",")} | {"bare view"} if chosen else None
    pages = [p for p in setup["pages"] if not chosen or p[0] in chosen]
    for name, path in setup["landed"].items():
        print(f"{name} redirects: driving the page it lands on, {path}")
    print(f"gunicorn: {WEB_WORKERS} workers; wrk: {CONNECTIONS} connections, {DURATION} s per page")
    print("every page computed on every request:")
    computed = serve_and_drive(env, pages, setup["cookies"], setup["queries"])
    batch = county_letters_on_two_workers(env) if os.environ.get("BENCH_BATCH", "1") != "0" else None
    worst = max(computed[1:], key=lambda r: r["ratio"])
    most = max(computed[1:], key=lambda r: r["queries"])
    errors = sum(r["errors"] for r in computed)
    print(
        f"RESULT errors={errors} worst_computed_p95_ratio={worst['ratio']:.1f}"
        f" worst_computed_page={worst['page'].replace(' ', '_')}"
        f" most_queries={most['queries']} most_queries_page={most['page'].replace(' ', '_')}"
        + (
            f" batch_letters={batch['letters']} batch_seconds={batch['seconds']:.1f} batch_workers={batch['workers']}"
            if batch
            else ""
        )
    )


if __name__ == "__main__":
    main()
