"""Batch printing as a user starts it: a town's commitment letters through the task queue on two workers,
against one render per letter.

Run with `make bench-pdf`. It starts a PostgreSQL server of its own (.ci/postgres, kept with the archived
PDFs in /tmp/jinchen-bench-pdf; delete the directory to rebuild) and builds, once, two towns with the demo's
own builders (members.demo, posts.demo), every village at 群众定岗 through the real transitions: one with
about 100 letters due and one with about 1,000, all distinct. Then:

- naive: one render per letter, as 打印承诺书 renders it (commitments.pdf.render_pdf), on a sample in one
  process (its first render, which loads WeasyPrint and the fonts, left out);
- batch: for each town, two `manage.py db_worker` processes are started as production starts them and
  warmed by one village's letters; the town committee's user presses 全镇批量打印 → 承诺书 (the view, through
  Django's test client), and the batch is timed from that request to the archived PDF (finished_at), with
  the peak memory (VmHWM) of the larger worker process. Every letter is checked to be printed exactly once.

Goal: batch ≥ 10× naive and ≥ 40 pages/s on 2 cores; worker memory flat from 100 to 1,000 letters.
The figures move with whatever else the machine runs: the load average is printed before measuring.
The last line is RESULT batch_pages_per_s=… naive_pages_per_s=… ratio=… peak_mb_100=… peak_mb_1000=…
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PY, manage, postgres, production_env, setup_django, start_workers, stop  # noqa: E402

HOME = Path(os.environ.get("BENCH_PDF_DIR", "/tmp/jinchen-bench-pdf"))
# Letters due → (town, account prefix). The villages are bigger than the demo town's (120 members), so that
# 1,000 letters are one town's (22 villages at 群众定岗) rather than a county's.
TOWNS = {100: ("试印一镇", "pa"), 1000: ("试印二镇", "pb")}
MEMBERS_PER_VILLAGE = 120
NAIVE_SAMPLE = 40
WORKERS = 2
# Idle workers look for work once a second (db_worker --interval). Right after the warm-up one of them has just
# looked and the batch would wait for it almost a second; a user's click comes at any moment, half a second
# from the next look on average, which is what a pause of 1.5 s gives.
SETTLE = 1.5


def letters_due(town):
    from commitments.documents import letters_of

    return letters_of(list(town.villages.values_list("pk", flat=True)))


def build_town(name, prefix, letters):
    """The town, its villages' rounds at 群众定岗 until at least `letters` letters are due; built once."""
    from django.db import transaction
    from django.utils import timezone

    from members.demo import VILLAGES, DemoBuilder
    from posts.demo import RoundBuilder
    from posts.models import Stage

    names = VILLAGES + [f"{v[:-1]}新村" for v in VILLAGES]
    town, created = DemoBuilder().build_town(
        name, prefix, names[: math.ceil(letters / 40) + 1], members_per_village=MEMBERS_PER_VILLAGE
    )
    if created:
        print(f"building {name} …", flush=True)
    rng = random.Random(2026)
    for village in town.villages.filter(rounds=None).select_related("secretary").order_by("pk"):
        if letters_due(town).count() >= letters:
            break
        with transaction.atomic():
            RoundBuilder(village, Stage.CONFIRMATION, timezone.localdate(), rng).build()
    return town


def start_batch(client, **scope):
    """Press 批量打印 → 承诺书 as the town's (or village's) page does; the batch the view made."""
    from django.urls import resolve, reverse

    from commitments.models import PrintBatch

    response = client.post(reverse("commitments:batch-create"), {"kind": "letter", **scope})
    assert response.status_code == 302, response.status_code
    return PrintBatch.objects.get(pk=resolve(response.url).kwargs["pk"])


def wait_until_done(batch, timeout=900):
    deadline = time.monotonic() + timeout
    while batch.status not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        batch.refresh_from_db()
    if batch.status != "done":
        sys.exit(f"{batch}: {batch.get_status_display()} {batch.error}")
    return batch


def peak_mb(pid):
    """The process's peak resident memory so far (Linux: VmHWM)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def batch_on_workers(env, town):
    """The town's letters printed as a user starts them, on WORKERS fresh db_worker processes."""
    from django.test import Client
    from django.utils import timezone

    client = Client()
    client.force_login(town.committee.get())  # the town committee's account
    workers = start_workers(WORKERS, env)
    try:
        village = letters_due(town).first().post.grid.village
        warm = wait_until_done(start_batch(client, village=village.pk))
        time.sleep(SETTLE)
        started = timezone.now()
        batch = wait_until_done(start_batch(client, town=town.pk))
        seconds = (batch.finished_at - started).total_seconds()
        peaks = [peak_mb(w.pid) for w in workers]
    finally:
        stop(workers)
    parts = list(batch.parts.all())
    keys = [k for p in parts for k in p.keys]
    due = letters_due(town).count()
    ok = batch.document.pages == len(keys) == len(set(keys)) == due
    print(
        f"batch {due:>5} letters ({town.name}): {batch.document.pages} pages in {seconds:.2f} s = "
        f"{batch.document.pages / seconds:.1f} pages/s, {len(parts)} parts, "
        f"{len({p.worker for p in parts})} workers took part, peak {max(peaks):.0f} MB "
        f"(workers {', '.join(f'{p:.0f}' for p in peaks)}), {batch.document.size / batch.document.pages / 1024:.1f} "
        f"KB/page; warm-up {warm.document.pages} letters of {village.name}; "
        + ("every letter exactly once" if ok else "NOT every letter exactly once")
    )
    if not ok:
        sys.exit(1)
    return {"pages_per_s": batch.document.pages / seconds, "peak_mb": max(peaks)}


def naive(db, town_name):
    """One render per letter in this process, as 打印承诺书 renders a single letter."""
    setup_django(db)
    from commitments.documents import letter
    from commitments.pdf import render_pdf
    from grids.models import Town

    sample = list(letters_due(Town.objects.get(name=town_name))[: NAIVE_SAMPLE + 1])
    render_pdf([letter(sample.pop())], "承诺书")  # loads WeasyPrint and the fonts, as a warm worker has
    pages, started = 0, time.perf_counter()
    for a in sample:
        pages += render_pdf([letter(a)], f"{a.member.name}设岗定责承诺书")[1]
    print(json.dumps({"pages": pages, "seconds": time.perf_counter() - started}))


def main():
    HOME.mkdir(parents=True, exist_ok=True)
    url = postgres(HOME / "pg")
    env = production_env(url, MEDIA_ROOT=str(HOME / "media"))
    manage("migrate", "--noinput", "-v0", env=env)
    manage("createcachetable", env=env)
    os.environ.update(MEDIA_ROOT=env["MEDIA_ROOT"], LOG_LEVEL="WARNING")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: no pages are served here
    setup_django(url)
    towns = {n: build_town(name, prefix, n) for n, (name, prefix) in TOWNS.items()}
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}; PostgreSQL {url}")

    out = subprocess.run([PY, __file__, "--naive", url, TOWNS[1000][0]], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr[-3000:])
    n = json.loads(out.stdout.strip().splitlines()[-1])
    naive_speed = n["pages"] / n["seconds"]
    print(f"naive {NAIVE_SAMPLE:>5} letters: {n['pages']} pages in {n['seconds']:.2f} s = {naive_speed:.1f} pages/s")

    runs = {n: batch_on_workers(env, town) for n, town in towns.items()}
    batch_speed = runs[1000]["pages_per_s"]
    print(
        f"RESULT batch_pages_per_s={batch_speed:.1f} naive_pages_per_s={naive_speed:.1f} "
        f"ratio={batch_speed / naive_speed:.1f} peak_mb_100={runs[100]['peak_mb']:.0f} "
        f"peak_mb_1000={runs[1000]['peak_mb']:.0f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive", nargs=2, metavar=("DATABASE_URL", "TOWN"))
    args = parser.parse_args()
    naive(*args.naive) if args.naive else main()
