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
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path
from urllib.parse import quote

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


def flush_past_append_only():
    """On PostgreSQL a transactional test's flush TRUNCATEs every table, which the append-only tables' triggers
    refuse (jinchen/append_only.py): the tests (a superuser's connection) flush with triggers off instead."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_with_triggers_off(self, style, tables, **kwargs):
        sql = sql_flush(self, style, tables, **kwargs)
        return ["SET LOCAL session_replication_role = replica", *sql] if sql else sql

    DatabaseOperations.sql_flush = flush_with_triggers_off


flush_past_append_only()


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
        restore_migrated_rows(item, last=nextitem is None)
    return result


def restore_migrated_rows(item, last=False):
    from django.db import connections

    if not serialized(item):
        pytest.fail(
            f"{item.nodeid} flushes the database without serialized_rollback=True: the rows the data migrations "
            "made would be gone for the tests after it. Mark it "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True).",
            pytrace=False,
        )
    if last:  # no test comes next, and the session's test database is already gone
        return
    # Only a test database has serialized contents: a test skipped before the first one was created has none.
    flushed = [c for c in connections.all(initialized_only=True) if getattr(c, "_test_serialized_contents", None)]
    with item.config.stash[blocking_manager_key].unblock():
        for connection in flushed:
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
        if flushed:  # the cache tables are not the models' tables: the flush leaves their rows
            caches["default"].clear()
            caches["ratelimit"].clear()


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
ROOT = Path(__file__).resolve().parent
_sequence = itertools.count(1)


@pytest.fixture
def make_user(django_user_model):
    def make(username, full_name=""):
        return django_user_model.objects.create_user(username=username, password=PASSWORD, first_name=full_name)

    return make


@pytest.fixture
def town(make_user):
    """金城镇, set up as seed_demo sets up a town: with its catalogue of the plan's six post types."""
    from posts.models import PostType

    town = Town.objects.create(name="金城镇")
    PostType.add_suggested(town)
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
    # Rate limits count in a cache table: rolled back with each test's transaction, emptied after a flush.


# --- browser -------------------------------------------------------------------------------------------------
# Tests marked `browser` drive Debian's /usr/bin/chromium through Playwright (never a downloaded browser) against
# pytest-django's live server. The `page` fixture watches every page the test opens, popups included, and fails
# the test at teardown on any console error, Content-Security-Policy violation, uncaught script error, failed
# same-origin request, or page wider than the window.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Below Bootstrap's md breakpoint (768 px) the navigation bar collapses behind its menu button.
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

# Runs in every page before its own scripts. Reports CSP violations, and a page wider than the window (measured
# when it has loaded and after each htmx swap), naming the elements that stick out.
_WATCH_SCRIPT = r"""
(() => {
  const limit = %(width)d + 1;
  const report = (kind, text) => window.__browserProblem && window.__browserProblem(kind, text);
  document.addEventListener("securitypolicyviolation", (e) => report("CSP violation",
    `${e.effectiveDirective} refused ${e.blockedURI || "?"}` +
    ` (${e.sourceFile || location.href}:${e.lineNumber}) ${e.sample}`));
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    [...el.classList].map((c) => "." + c).join("") +
    ` “${(el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 30)}”`;
  const scrolledAway = (el) => {  // inside a box that scrolls or clips sideways (.table-responsive): harmless
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  window.__tooWide = () => {
    // Chromium's own PDF viewer (the PDF's document, the extension's page around it and the frame inside that)
    // is not a page of ours to measure.
    const inViewer = [...(location.ancestorOrigins || [])].some((origin) => !origin.startsWith("http"));
    if (!location.protocol.startsWith("http") || document.contentType !== "text/html" || inViewer) return null;
    const width = document.documentElement.scrollWidth;
    if (width <= limit) return null;
    const out = [...document.body.querySelectorAll("*")].filter((el) => el.getBoundingClientRect().right > limit &&
      el.parentElement.getBoundingClientRect().right <= limit && !scrolledAway(el));
    return `${location.pathname} is ${width}px wide in a ${limit - 1}px window; sticking out: ` +
      out.slice(0, 5).map(describe).join("; ");
  };
  const check = () => requestAnimationFrame(() => {
    const text = window.__tooWide();
    if (text) report("too wide", text);
  });
  window.addEventListener("load", check);
  document.addEventListener("htmx:afterSettle", check);
})();
"""


class BrowserProblems:
    """What went wrong in the browser during one test, in the order it happened."""

    def __init__(self, origin):
        self.origin = origin
        self.found = []

    def add(self, kind, text, url=""):
        entry = f"{kind}: {text}" + (f"  [page {url}]" if url else "")
        if entry not in self.found:
            self.found.append(entry)

    def take(self):
        """Hand over what was found so far and forget it: for a test that provokes problems on purpose."""
        found, self.found = self.found, []
        return found

    def assert_none(self):
        problems = self.take()
        assert not problems, "Chromium reported problems on the pages this test opened:\n" + "\n".join(
            f"  - {problem}" for problem in problems
        )

    def watch(self, context):
        def console(message):
            if message.type == "error" or "Content Security Policy" in message.text:
                self.add(f"console {message.type}", message.text, message.page.url if message.page else "")

        def response(response):
            request = response.request
            if not response.url.startswith(self.origin):
                return
            if response.status >= 500 or (response.status >= 400 and request.resource_type != "document"):
                self.add(f"HTTP {response.status}", f"{request.method} {response.url} ({request.resource_type})")

        def request_failed(request):
            # ERR_ABORTED: the page moved on before a request finished, or a download took over.
            if request.url.startswith(self.origin) and "ERR_ABORTED" not in (request.failure or ""):
                self.add("request failed", f"{request.method} {request.url}: {request.failure}")

        context.on("console", console)
        context.on("weberror", lambda e: self.add("uncaught error", f"{e.error.name}: {e.error.message}", e.page.url))
        context.on("response", response)
        context.on("requestfailed", request_failed)
        context.expose_binding("__browserProblem", lambda source, kind, text: self.add(kind, text, source["page"].url))

    def check_open_pages(self, context):
        """The page as the test left it: no load event or htmx swap may have measured it since it last changed."""
        for open_page in context.pages:
            try:
                too_wide = open_page.evaluate("() => window.__tooWide ? window.__tooWide() : null")
            except Exception:  # a PDF viewer tab, or a page still navigating: nothing of ours to measure
                continue
            if too_wide:
                self.add("too wide", too_wide, open_page.url)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # The page fixture takes a screenshot when the test itself failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def viewport():
    """The window size of the `page` fixture; parametrize a test with `viewport` ("desktop", "phone") to change it."""
    return "desktop"


@pytest.fixture
def browser_problems(live_server):
    return BrowserProblems(live_server.url)


@pytest.fixture
def page(request, live_server, viewport, browser_problems, tmp_path):
    """A fresh Chromium page, zh-CN, watched for problems; a screenshot of each open page when the test fails."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), f"没有找到 {CHROMIUM}：请先运行 make test（会安装 Debian 的 chromium）"
    width = VIEWPORTS[viewport]["viewport"]["width"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **VIEWPORTS[viewport])
        context.add_init_script(script=_WATCH_SCRIPT % {"width": width})
        browser_problems.watch(context)
        try:
            yield context.new_page()
            browser_problems.check_open_pages(context)
            report = getattr(request.node, "report_call", None)
            if (report and report.failed) or browser_problems.found:
                for n, open_page in enumerate(context.pages):
                    shot = tmp_path / f"page-{n}.png"
                    open_page.screenshot(path=str(shot), full_page=True)
                    print(f"screenshot of {open_page.url}: {shot}")
        finally:
            # While Playwright runs, asyncio counts this thread as async, and Django keeps the test's database
            # connections apart from the thread's usual ones; close them now, or PostgreSQL refuses to drop the
            # test database at the end ("being accessed by other users").
            connections.close_all()
            browser.close()
    browser_problems.assert_none()


def backdate(queryset, **values):
    """Set values on rows of an append-only log, as set-up only: PostgreSQL's triggers refuse any UPDATE, so
    they are switched off for this statement (the test database's user is a superuser), then on again."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return queryset.update(**values)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            return queryset.update(**values)
        finally:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def open_menu_link(page, name):
    """Follow a link or button of the top navigation bar as a person would: on a phone the bar is collapsed, so
    first tap its menu button."""
    from playwright.sync_api import expect

    bar = page.get_by_role("navigation", name="主菜单")
    item = bar.get_by_role("link", name=name, exact=True).or_(bar.get_by_role("button", name=name, exact=True))
    toggler = page.get_by_role("button", name="展开菜单")
    if page.viewport_size["width"] < 768:
        expect(item).to_be_hidden()
        toggler.click()
        # Bootstrap slides the menu open: a tap during the slide can land on an item still moving (seen under
        # load, when the slide is slow), so wait until it has settled.
        expect(bar.locator(".collapsing")).to_have_count(0)
        expect(item).to_be_visible()
    else:
        expect(toggler).to_be_hidden()
    item.click()


def log_in(page, live_server, user):
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto(live_server.url + "/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录", include_hidden=True)).to_be_attached()  # on a phone: in the menu


def log_out(page):
    from playwright.sync_api import expect

    open_menu_link(page, "退出登录")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


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
    """Real `manage.py worker` processes on the test database's queue, as production runs them.

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
            command = [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay", "--interval=0.1"]
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


@pytest.fixture
def restart_database(transactional_db):
    """`restart_database(seconds)` stops the test database's PostgreSQL server, waits, and starts it again with
    the options it ran with (pg_ctl restart reads postmaster.opts): an outage as a worker sees one. PostgreSQL
    only; the test's own connections are closed around it."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("restarting the database server: PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data = cursor.fetchone()[0]
        cursor.execute("SELECT setting FROM pg_config WHERE name = 'BINDIR'")
        pg_ctl = os.path.join(cursor.fetchone()[0], "pg_ctl")
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def restart(seconds):
        connections.close_all()
        quiet = {"cwd": "/", "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
        subprocess.run([*as_pg, pg_ctl, "-D", data, "-m", "fast", "-w", "stop"], **quiet)
        try:
            time.sleep(seconds)
        finally:
            subprocess.run([*as_pg, pg_ctl, "-D", data, "-w", "restart"], **quiet)  # stopped: it starts it

    return restart
