"""Personas and small factories shared by every app's tests, and what keeps the suite independent of order and day.

金城镇 has village A (grids A1, A2) and village B (grid B1). The personas: a town committee user,
the secretaries of villages A and B, and the secretary of grid A1.

Any order: a transactional test (browser tests, the PostgreSQL concurrency tests, backups) ends with a flush
of every table, which also removes the rows the data migrations made (the six suggested post types, the
specialties, content types and permissions). Django puts them back only when the *next* serialized test
starts, so any test that ran after the last one found them gone. Here they come back as soon as the flush
is over (`pytest_runtest_teardown` below), from the copy Django serialized when it created the test
database, and the dashboard's cached figures (a table the flush does not empty) go with the flushed rows.
A transactional test must therefore say `serialized_rollback=True`; one that does not is reported as an
error rather than leaving an empty database to the tests after it. pytest-randomly shuffles the order on
every run and prints its seed; `--randomly-seed=N` repeats that order.

Any day: no test may read the real date. Tests pass the day they mean (`today=`) or travel with
time-machine; to prove it, run the suite at another moment of the clock:

    pytest --clock=2026-06-15                  # the session starts at 2026-06-15 00:00 in Asia/Shanghai
    pytest --clock=2026-12-01T15:59:00Z        # midnight in Asia/Shanghai a minute into the run
    TEST_CLOCK=2026-06-15T08:00 pytest         # the same through the environment (make test, CI)

The clock is set in pytest_configure, before any test module is imported, and keeps ticking (time-machine
`tick=True`), so a date computed at import time and one computed in a test can differ, as they can in a
real run that crosses midnight. A date without an offset is read in Asia/Shanghai.
"""

import datetime
import itertools
import os
import zoneinfo

import pytest
import time_machine
from django.core.cache import caches
from pytest_django.fixtures import validate_django_db
from pytest_django.plugin import blocking_manager_key

from grids.models import Grid, Town, Village
from members import idcard
from members.models import Education, Member, NeedCategory, NeedKind, NeedMethod, NeedRecord

# Playwright runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_clock = pytest.StashKey[time_machine.travel]()


def on_day(day, hour=10):
    """A marker making `day` today for a test or a module: `pytestmark = on_day(datetime.date(2026, 11, 20))`.

    The clock starts at `hour` o'clock in Asia/Shanghai that day and ticks on (time-machine), so
    `timezone.localdate()` and `date.today()` give `day` in the test, in its fixtures and in the views it calls.
    """
    return pytest.mark.time_machine(datetime.datetime.combine(day, datetime.time(hour), SHANGHAI))


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=os.environ.get("TEST_CLOCK") or None,
        metavar="ISO",
        help="start the session's clock at this date or instant (ISO 8601, Asia/Shanghai unless it has an "
        "offset or Z) and let it tick; default $TEST_CLOCK, else the real clock",
    )


def parse_clock(value):
    """'2026-06-15', '2026-06-15T08:00' (Asia/Shanghai) or '2026-12-01T15:59:00Z' as an aware datetime."""
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise pytest.UsageError(f"--clock: not an ISO 8601 date or time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def pytest_configure(config):
    value = config.getoption("clock")
    if value:
        traveller = time_machine.travel(parse_clock(value), tick=True)
        traveller.start()
        config.stash[_clock] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_clock, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    value = config.getoption("clock")
    if value:
        now = datetime.datetime.now(SHANGHAI)
        return (
            f"clock: started at {parse_clock(value).isoformat()} and ticking; now {now:%Y-%m-%d %H:%M:%S} in Shanghai"
        )


def flushes_database(item):
    """Whether pytest-django runs this test as a TransactionTestCase, which empties every table after it."""
    marker = item.get_closest_marker("django_db")
    transaction = bool(marker) and validate_django_db(marker)[0]
    names = getattr(item, "fixturenames", ())
    return transaction or "transactional_db" in names or "live_server" in names


def serialized(item):
    marker = item.get_closest_marker("django_db")
    return (bool(marker) and validate_django_db(marker)[3]) or "django_db_serialized_rollback" in item.fixturenames


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush, give the next test the database the migrations left."""
    result = yield
    if flushes_database(item):
        restore_migrated_rows(item)
    return result


def restore_migrated_rows(item):
    from django.db import connections

    if not serialized(item):
        pytest.fail(
            f"{item.nodeid} flushes the database without serialized_rollback=True: the rows the data migrations "
            "made would be gone for the tests after it. Mark it "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True).",
            pytrace=False,
        )
    # Only a test database has serialized contents: a test skipped before the first one was created has none.
    flushed = [c for c in connections.all(initialized_only=True) if getattr(c, "_test_serialized_contents", None)]
    with item.config.stash[blocking_manager_key].unblock():
        for connection in flushed:
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
        if flushed:
            caches["default"].clear()


@pytest.fixture(autouse=True)
def no_figures_noted_by_earlier_tests():
    """Each test starts with no dashboard changes waiting for a commit (grids/figures.py).

    The changes a transaction notes stay on its connection until some commit moves them; a test's rolled-back
    transaction leaves its notes behind, and on SQLite the next test's rows reuse the same keys, so that
    test's first commit would move towns it never touched.
    """
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        pending = getattr(connection, "figures_pending", None)
        if pending:
            pending.clear()


PASSWORD = "test-pass-123"
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
    # Background tasks run inside the request in tests; archived PDFs go to a throwaway folder.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    caches["ratelimit"].clear()  # rate limits count in memory: each test starts afresh
