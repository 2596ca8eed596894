"""Importing a 10,000-row member file as a secretary imports it, against django-import-export's default path.

Run with `make bench-import`. Both import the same generated rows into fresh copies of the demo database,
each in its own process:

- project: the path users run. A file this size goes to the background (IMPORT_BACKGROUND_ROWS): the village
  secretary uploads it on the import page (the view stores and reads it, records the job), a `manage.py
  db_worker` process started as production starts it checks every row with MemberForm's rules (recording its
  progress), the secretary confirms on the job's page, the worker checks every row again and saves them all
  in bulk with history rows. The job's page is polled as the browser polls it, every second; the worker looks
  for work once a second, as in production, and is warmed first by checking a small file. Timed in phases,
  each to the moment the worker finished (so not rounded up to the browser's next poll): upload (the
  request), check (from the upload to 检查通过), save (from 确认导入 to 导入完成); the person's wait between
  检查通过 showing and their click is not counted.
- default: a plain import_export ModelResource.import_data on the same rows, the library's non-bulk path,
  inline in one process (it has no background path).

The project path then imports the file again the same way with one column changed on every row (a
re-import: 10,000 updates with their history). The last line is
RESULT rows=… seconds=… default_seconds=… ratio=… upload_seconds=… check_seconds=… save_seconds=…
reimport_seconds=…
"""

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_db, production_env, setup_django, start_workers, stop  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
POLL = 1.0  # seconds between the job page's polls (hx-trigger="every 1s")
HEADERS = ["党员姓名", "身份证号", "网格", "学历", "入党日期", "特长", "身体状况"]


def make_rows(n):
    from members.idcard import make_id_number

    rng = random.Random(7)
    grids = [f"第{c}网格" for c in "一二三四五六七八"]
    rows = []
    for i in range(n):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 18000))
        number = make_id_number("330106", birth, (i // 7) % 1000)
        joined = (birth + datetime.timedelta(days=365 * 25)).isoformat()
        education, specialty = rng.choice(["初中", "高中", "大专", "本科"]), rng.choice(["", "调解沟通"])
        rows.append([f"测试党员{i}", number, grids[i % len(grids)], education, joined, specialty, "良好"])
    # Make every ID unique: the generator above repeats a few (same birth date and sequence).
    seen, unique = set(), []
    for row in rows:
        if row[1] not in seen:
            seen.add(row[1])
            unique.append(row)
    return unique


def wait_for(client, url, shown, timeout=600):
    """Poll the job's page as the browser does (every second) until its status shows `shown`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(url, headers={"HX-Request": "true"}).text
        if shown in html:
            return
        if "hx-trigger" not in html:  # finished, but not as expected: errors or a failure
            sys.exit(f"{url}: {html}")
        time.sleep(POLL)
    sys.exit(f"{url}: not {shown} after {timeout} s")


def finished(task):
    """When the worker finished the latest task of that name: the moment the job's next poll shows it."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=f"members.tasks.{task}").latest("enqueued_at").finished_at


def import_url(village):
    from django.urls import reverse

    return reverse("members:import", args=["members"]) + f"?village={village.pk}"


def import_on_worker(client, village, file):
    """Upload → background check → confirm → re-check and save, through the views; the phases' seconds.

    Each phase ends when the worker finished its task (recorded in the queue), not at the browser's next poll.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    started = timezone.now()
    response = client.post(import_url(village), {"file": SimpleUploadedFile("名册.xlsx", Path(file).read_bytes())})
    if response.status_code != 302 or "/imports/jobs/" not in response.url:
        sys.exit(f"the upload did not go to the background: {response.status_code} {response.url}")
    uploaded = timezone.now()
    wait_for(client, response.url, "检查通过")
    checked = finished("check_import")
    confirmed = timezone.now()
    client.post(response.url)  # 确认导入
    wait_for(client, response.url, "导入完成")
    saved = finished("save_import")
    phases = {
        "upload": uploaded - started,
        "check": checked - uploaded,
        "save": saved - confirmed,
    }
    phases = {name: d.total_seconds() for name, d in phases.items()}
    return {**phases, "total": sum(phases.values())}


def run_project(db, file, changed):
    """The project path on a db_worker process of its own, against the database copy `db`."""
    media = tempfile.mkdtemp()
    os.environ["MEDIA_ROOT"] = media  # the web side stores the upload where the worker reads it
    setup_django(db)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import override_settings

    from grids.models import Village
    from members.models import ImportJob, Member

    village = Village.objects.get(secretary__username="cun01")
    client = Client()
    client.force_login(village.secretary)
    before = Member.objects.filter(grid__village=village).count()
    workers = start_workers(1, production_env(f"sqlite:///{db}", MEDIA_ROOT=media))
    try:
        # Warm-up: a 20-row file checked in the background (never confirmed), as a worker that has run a while.
        with override_settings(IMPORT_BACKGROUND_ROWS=10):
            sample = Path(media) / "sample.xlsx"
            write_xlsx(sample, make_rows(20), "良好")
            response = client.post(import_url(village), {"file": SimpleUploadedFile(sample.name, sample.read_bytes())})
            wait_for(client, response.url, "检查通过")
        ImportJob.objects.all().delete()
        result = import_on_worker(client, village, file)
        added = Member.objects.filter(grid__village=village).count() - before
        again = import_on_worker(client, village, changed)
        result.update(reimport=again["total"], reimport_check=again["check"], reimport_save=again["save"])
        job = ImportJob.objects.order_by("-pk").first()
    finally:
        stop(workers)
        shutil.rmtree(media, ignore_errors=True)
    if job.counts.get("更新") != added:
        sys.exit(f"re-import: {job.counts}, expected {added} updates")
    result["rows"] = added
    print(json.dumps(result))


def run_default(db, file):
    setup_django(db)
    from grids.access import grids_for_user
    from grids.models import Village

    user = Village.objects.get(secretary__username="cun01").secretary
    grids = grids_for_user(user, edit=True).filter(village__secretary=user)
    started = time.perf_counter()
    imported = default_import(Path(file), grids)
    print(json.dumps({"rows": imported, "total": time.perf_counter() - started}))


def default_import(file, grids):
    """The same rows through a plain ModelResource: the library's default, one row at a time."""
    import openpyxl
    import tablib
    from import_export import resources

    from members.models import Education, Member

    education = {label: value for value, label in Education.choices} | {"大专": "college", "本科": "bachelor"}
    grid_ids = {g.name: g.pk for g in grids}

    class MemberResource(resources.ModelResource):
        class Meta:
            model = Member
            fields = ("name", "id_number", "grid", "gender", "birth_date", "education", "joined_on", "health")
            import_id_fields = ("id_number",)

    from members.idcard import parse_id_number

    dataset = tablib.Dataset(headers=list(MemberResource.Meta.fields))
    sheet = openpyxl.load_workbook(file, read_only=True).active
    for name, number, grid, edu, joined, _specialty, _health in list(sheet.iter_rows(values_only=True))[1:]:
        info = parse_id_number(number)
        dataset.append([name, number, grid_ids[grid], info.gender, info.birth_date, education[edu], joined, "good"])
    result = MemberResource().import_data(dataset, dry_run=False, raise_errors=True)
    return result.totals["new"]


def write_xlsx(path, rows, health):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append([*row[:-1], health])
    book.save(path)


def measure(path, file, changed, demo):
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db.sqlite3"
        shutil.copy(demo, db)
        out = subprocess.run(
            [sys.executable, __file__, "--run", path, "--db", str(db), "--file", str(file), "--changed", str(changed)],
            capture_output=True,
            text=True,
        )
    if out.returncode:
        sys.exit(out.stderr[-2000:] or out.stdout[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    line = (
        f"{path:>8}: {result['rows']} rows in {result['total']:.2f} s = {result['rows'] / result['total']:.0f} rows/s"
    )
    if path == "project":
        line += (
            f" (upload {result['upload']:.2f} s, background check {result['check']:.2f} s, "
            f"re-check and save {result['save']:.2f} s)"
        )
        print(line)
        print(
            f"{'':>8}  the same rows again, one column changed on each: {result['reimport']:.2f} s "
            f"(background check {result['reimport_check']:.2f} s, re-check and save {result['reimport_save']:.2f} s)"
        )
    else:
        print(line + " (inline, one row at a time)")
    return result


def main():
    demo = demo_db()
    setup_django(demo)
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        file, changed = Path(tmp) / "members.xlsx", Path(tmp) / "members-changed.xlsx"
        rows = make_rows(ROWS)
        write_xlsx(file, rows, "良好")
        write_xlsx(changed, rows, "一般")
        project = measure("project", file, changed, demo)
        default = measure("default", file, changed, demo)
    ratio = default["total"] / project["total"]
    print(
        f"RESULT rows={project['rows']} seconds={project['total']:.2f} default_seconds={default['total']:.2f} "
        f"ratio={ratio:.1f} upload_seconds={project['upload']:.2f} check_seconds={project['check']:.2f} "
        f"save_seconds={project['save']:.2f} reimport_seconds={project['reimport']:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", choices=["project", "default"])
    parser.add_argument("--db")
    parser.add_argument("--file")
    parser.add_argument("--changed")
    args = parser.parse_args()
    if args.run == "project":
        run_project(Path(args.db), args.file, args.changed)
    elif args.run == "default":
        run_default(Path(args.db), args.file)
    else:
        main()
