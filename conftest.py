"""Personas and small factories shared by every app's tests.

金城镇 has village A (grids A1, A2) and village B (grid B1). The personas: a town committee user,
the secretaries of villages A and B, and the secretary of grid A1.
"""

import datetime
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import caches

from grids.models import Grid, Town, Village
from members import idcard
from members.models import Education, Member, NeedCategory, NeedKind, NeedMethod, NeedRecord

# Playwright runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "test-pass-123"
ROOT = Path(__file__).resolve().parent
_sequence = itertools.count(1)


@pytest.fixture
def make_user(django_user_model):
    def make(username, full_name=""):
        return django_user_model.objects.create_user(username=username, password=PASSWORD, first_name=full_name)

    return make


@pytest.fixture
def town(make_user):
    town = Town.objects.create(name="金城镇")
    return town


@pytest.fixture
def town_user(town, make_user):
    user = make_user("zhen", "镇党委 周明")
    town.committee.add(user)
    return user


@pytest.fixture
def village_a(town, make_user):
    return Village.objects.create(town=town, name="金城村", secretary=make_user("cun_a", "王建国"))


@pytest.fixture
def village_b(town, make_user):
    return Village.objects.create(town=town, name="新河村", secretary=make_user("cun_b", "李秀英"))


@pytest.fixture
def grid_a1(village_a, make_user):
    return Grid.objects.create(
        village=village_a, number=1, name="第一网格", secretary=make_user("wg_a1", "张志强"), households=120
    )


@pytest.fixture
def grid_a2(village_a):
    return Grid.objects.create(village=village_a, number=2, name="第二网格")


@pytest.fixture
def grid_b1(village_b):
    return Grid.objects.create(village=village_b, number=1, name="第一网格")


@pytest.fixture
def sec_a(village_a):
    return village_a.secretary


@pytest.fixture
def sec_b(village_b):
    return village_b.secretary


@pytest.fixture
def grid_user(grid_a1):
    return grid_a1.secretary


def new_id_number(birth=datetime.date(1970, 5, 17), male=True):
    """A valid, never-used ID number for the given birth date and gender."""
    n = next(_sequence)
    return idcard.make_id_number("320981", birth, (n * 2 + (1 if male else 0)) % 1000)


@pytest.fixture
def make_member():
    def make(grid, **fields):
        birth = fields.pop("birth_date", datetime.date(1970, 5, 17))
        values = {
            "name": "陈德福",
            "gender": idcard.MALE,
            "birth_date": birth,
            "id_number": new_id_number(birth),
            "education": Education.JUNIOR_HIGH,
            "joined_on": datetime.date(1995, 7, 1),
        }
        values.update(fields)
        return Member.objects.create(grid=grid, **values)

    return make


@pytest.fixture
def make_need():
    def make(grid, **fields):
        values = {
            "recorded_on": datetime.date(2026, 10, 8),
            "method": NeedMethod.VISIT,
            "participants": "走访农户10户",
            "issue": "村东河道垃圾堆积，希望定期清理。",
            "category": NeedCategory.APPEARANCE,
            "kind": NeedKind.HOT,
        }
        values.update(fields)
        return NeedRecord.objects.create(grid=grid, **values)

    return make


@pytest.fixture
def login(client):
    """Log the test client in as a persona: `login(sec_a)`."""

    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The real hasher takes ~0.3 s per password by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings, tmp_path):
    # Background tasks run inside the request in ordinary tests (tests that ask for `db_workers` run them on real
    # worker processes instead); archived PDFs go to a throwaway folder.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    caches["ratelimit"].clear()  # rate limits count in memory: each test starts afresh


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    # Worker processes (`db_workers`) must reach the test database: on SQLite a file rather than memory.
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")
        options = db.setdefault("OPTIONS", {})  # a throwaway file needs no fsync
        options["init_command"] = "; ".join(filter(None, [options.get("init_command"), "PRAGMA synchronous=OFF"]))


WORKER_READY = "Starting worker"  # what db_worker logs once it looks for tasks


def database_url(db):
    """The URL of the database a connection's settings name, as a process's DATABASE_URL."""
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = ":".join(quote(str(v), safe="") for v in (db["USER"], db["PASSWORD"]) if v)
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def db_workers(transactional_db, settings, tmp_path):
    """Real `manage.py db_worker` processes on the test database's queue, as production runs them.

    `db_workers(2, PRINT_PART_SIZE="3")` starts two (extra environment for their settings) and returns their
    processes once both look for tasks; tasks the test's requests enqueue go to the database queue. The test
    must be transactional (the workers see only committed rows). Every worker is stopped when the test ends,
    pass or fail; their logs are printed with a failure.
    """
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.fail("db_worker processes need a test database in a file")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "INFO",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    workers = []

    def start(count, **extra):
        started = []
        for _ in range(count):
            log = tmp_path / f"worker-{len(workers) + 1}.log"
            command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval=0.1"]
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    command, cwd=ROOT, env={**env, **extra}, stdout=out, stderr=subprocess.STDOUT
                )
            process.log = log
            workers.append(process)
            started.append(process)
        deadline = time.monotonic() + 60
        for process in started:
            while WORKER_READY not in process.log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"db_worker did not start:\n{process.log.read_text(errors='replace')}")
                time.sleep(0.05)
        return started

    try:
        yield start
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for process in workers:
            print(f"--- {process.log.name} (exit {process.returncode})\n{process.log.read_text(errors='replace')}")
