"""What the benchmarks share: a demo database built once per machine, and Django set up on it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def demo_path(scale="town"):
    """Where the demo database of that scale lives; BENCH_DB overrides the town-scale one."""
    if scale == "town":
        return Path(os.environ.get("BENCH_DB", "/tmp/jinchen-bench.sqlite3"))
    return Path(f"/tmp/jinchen-bench-{scale}.sqlite3")


def demo_db(scale="town"):
    """A SQLite file with the demo town (or county), migrated to the current code; seeded on first use.

    Delete the file to rebuild it from scratch.
    """
    path = demo_path(scale)
    fresh = not path.exists()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    commands = [["migrate", "--noinput", "-v0"], ["createcachetable"]]
    commands += [["seed_demo", "--scale", scale]] if fresh else []
    if fresh:
        print(f"building the demo {scale} in {path} …", flush=True)
    for command in commands:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *command], env=env, check=True, stdout=subprocess.DEVNULL
        )
    return path


def setup_django(db):
    """Django on `db`, as production runs it (DEBUG off: no SQL text kept for debugging)."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(DATABASE_URL=f"sqlite:///{db}", DEBUG="0", SECRET_KEY="bench", ALLOWED_HOSTS="testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinchen.settings")
    import django

    django.setup()
