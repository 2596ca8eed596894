"""Importing a 10,000-row member file: the project's path against django-import-export's default path.

Run with `make bench-import`. Both import the same generated rows into fresh copies of the demo database,
each in its own process:

- project: members.imports (read the .xlsx, check every row with MemberForm's rules against preloaded
  grids, specialties and ID numbers, then save in bulk with history rows);
- default: a plain import_export ModelResource.import_data on the same rows, the library's non-bulk path.

The project path then imports the file again with one column changed on every row (a re-import: 10,000
updates with their history). The last line is
RESULT rows=… seconds=… default_seconds=… ratio=… queries=… reimport_seconds=…
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
from common import demo_db, setup_django  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
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


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def import_file(file, grids, user):
    """What a confirmed import does: read the file, check every row, save them all; returns the row count."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from members import imports

    rows = imports.read_rows(SimpleUploadedFile("名册.xlsx", Path(file).read_bytes()), "members")
    checks = imports.check_member_rows(rows, grids, user)
    errors = [c for c in checks if c.errors]
    if errors:
        sys.exit(f"row {errors[0].number}: {errors[0].errors}")
    imports.save_rows(checks, user)
    return len(checks)


def run(path, db, file, changed):
    setup_django(Path(db))  # a file, not a database URL
    from django.contrib.auth.models import User
    from django.db import connection

    from grids.access import grids_for_user

    user = User.objects.get(username="cun01")
    grids = grids_for_user(user, edit=True).filter(village__secretary=user)
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        imported = import_file(file, grids, user) if path == "project" else default_import(Path(file), grids)
    seconds = time.perf_counter() - started
    result = {"rows": imported, "seconds": seconds, "queries": counter.count}
    if path == "project":
        started = time.perf_counter()
        import_file(changed, grids, user)
        result["reimport_seconds"] = time.perf_counter() - started
    print(json.dumps(result))


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
        sys.exit(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{path:>8}: {result['rows']} rows in {result['seconds']:.2f} s = {result['rows'] / result['seconds']:.0f} "
        f"rows/s, {result['queries']} queries"
    )
    if "reimport_seconds" in result:
        print(f"{'':>8}  the same rows again, one column changed on each: {result['reimport_seconds']:.2f} s")
    return result


def main():
    demo = demo_db()
    setup_django(demo)
    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        file, changed = Path(tmp) / "members.xlsx", Path(tmp) / "members-changed.xlsx"
        rows = make_rows(ROWS)
        for path, health in ((file, "良好"), (changed, "一般")):
            book = openpyxl.Workbook()
            book.active.append(HEADERS)
            for row in rows:
                book.active.append([*row[:-1], health])
            book.save(path)
        project = measure("project", file, changed, demo)
        default = measure("default", file, changed, demo)
    ratio = default["seconds"] / project["seconds"]
    print(
        f"RESULT rows={project['rows']} seconds={project['seconds']:.2f} default_seconds={default['seconds']:.2f} "
        f"ratio={ratio:.1f} queries={project['queries']} reimport_seconds={project['reimport_seconds']:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", choices=["project", "default"])
    parser.add_argument("--db")
    parser.add_argument("--file")
    parser.add_argument("--changed")
    args = parser.parse_args()
    run(args.run, args.db, args.file, args.changed) if args.run else main()
