"""What the benchmarks share: a demo database built once per machine, Django set up on it, and production's
pieces (a PostgreSQL server of our own, `db_worker` processes) for the benchmarks that run them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def demo_path(scale="town"):
    """Where the demo database of that scale lives; BENCH_DB overrides the town-scale one."""
    if scale == "town":
        return Path(os.environ.get("BENCH_DB", "/tmp/jinchen-bench.sqlite3"))
    return Path(f"/tmp/jinchen-bench-{scale}.sqlite3")


def demo_db(scale="town", path=None):
    """A SQLite file with the demo town (or county), migrated to the current code; seeded on first use.

    Delete the file to rebuild it from scratch. `path`: another file than the scale's own (a benchmark that
    adds to the demo keeps its copy apart from the others').
    """
    path = path or demo_path(scale)
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
    """Django on `db` (a SQLite file, or a database URL), as production runs it (DEBUG off: no SQL text kept)."""
    sys.path.insert(0, str(ROOT))
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    os.environ.update(DATABASE_URL=url, DEBUG="0", SECRET_KEY="bench", ALLOWED_HOSTS="testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinchen.settings")
    import django

    django.setup()


def postgres(directory):
    """A PostgreSQL server of our own in `directory` (.ci/postgres: created on first use, kept); its DATABASE_URL."""
    command = [str(ROOT / ".ci" / "postgres"), "start", str(directory)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def production_env(url, **extra):
    """The environment production's processes run with (README: deployment), on the database at `url`."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 44,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "jinchen.settings",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def manage(*args, env):
    subprocess.run([PY, str(ROOT / "manage.py"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def start_workers(count, env):
    """`count` task processes, started as production starts them (`manage.py worker`)."""
    return [
        subprocess.Popen(
            [PY, str(ROOT / "manage.py"), "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def stop(processes):
    for p in processes:
        p.terminate()
    for p in processes:
        p.wait(timeout=30)
