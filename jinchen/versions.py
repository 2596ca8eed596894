"""One version of all the data, and what is reused from the cache while it holds.

Pages and dashboard figures kept in the shared cache are stored with the version they were rendered under
and reused only while it is still current. The version is a random value in a one-row table of its own
(grids.DataVersion: never culled from the cache, replaced in one statement that cannot conflict). Every
write moves it on: a wrapper on each database connection sees every INSERT, UPDATE and DELETE, whatever
sent it (model saves, QuerySet.update(), bulk inserts, raw SQL, the workers), and moves the version once
the transaction commits; until then, reads in the same transaction add a mark of its latest write to the
version, so they never reuse what it changed. Writes to tables no page shows (sessions, the cache itself,
login attempts, the download log, the task queue's bookkeeping) do not count.
"""

import atexit
import functools
import hashlib
import re
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.signals import connection_created
from django.utils import timezone

VERSION_TABLE = "grids_dataversion"  # grids.models.DataVersion, one row
CACHE_TABLE = settings.CACHES["default"].get("LOCATION", "")
# Written all the time and shown on no page: sessions, login attempts, the download log, the cache itself,
# the task queue's own bookkeeping; and the version itself.
UNCOUNTED_TABLES = ("django_session", "axes_", "grids_auditevent", "django_tasks_database", CACHE_TABLE, VERSION_TABLE)
WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"
    r'(?:ONLY\s+)?["`]?(\w+)',
    re.IGNORECASE,
)


def data_changed(**kwargs):
    """Move the version on (one statement, committed at once outside a transaction); returns the new one."""
    version = uuid.uuid4().hex
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {VERSION_TABLE} (id, version) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            [version],
        )
    return version


def current_version():
    """The committed version, with this transaction's own uncommitted writes marked; None if there is none."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] + uncommitted(connection) if row else None


def reuse(key, seconds, render, keep=lambda value: True):
    """`render()`'s value, reused from the cache while the data has not changed (two queries when reused).

    A value for which keep(value) is false is used once and not stored.
    """
    version = current_version()
    if version is None:  # an emptied database (tests flush theirs): nothing is reused until the next write
        return render()
    found = cache.get(key)
    if found and found[0] == version:
        return found[1]
    value = render()
    if keep(value):
        cache.set(key, (version, value), seconds)
    return value


def reused_page(view):
    """A signed-in person's page, reused while the data has not changed (PAGE_CACHE_SECONDS, 0 = never).

    What a page shows depends on the data, on who reads it (their scope and role), on the day (stages and
    deadlines count days) and on the form tokens in it, which are masked forms of the person's CSRF cookie.
    So a page is kept per person, address, day and CSRF cookie, and reused only while the data version holds
    (every write moves it, above). A request carrying messages to show, or without a CSRF cookie the
    server accepted, gets the view itself; so does everything but a plain 200 HTML page.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        if (
            not seconds
            or request.method != "GET"
            or not request.user.is_authenticated
            or not cookie
            or request.META.get("CSRF_COOKIE") != cookie
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or len(messages.get_messages(request))
        ):
            return view(request, *args, **kwargs)
        who = f"{request.user.pk}|{cookie}|{request.get_full_path()}|{request.headers.get('HX-Request', '')}"
        key = "page:" + hashlib.sha256(f"{who}|{timezone.localdate()}|{code_version()}".encode()).hexdigest()
        render = functools.partial(view, request, *args, **kwargs)
        return reuse(key, seconds, render, keep=functools.partial(keeps, request))

    return wrapper


@functools.cache
def code_version():
    """A digest of the project's code, templates and static files manifest, once per process: a page that
    another release rendered (before a deployment, or on a server not yet updated) is never reused."""
    digest = hashlib.sha256()
    roots = [Path(c.path) for c in apps.get_app_configs() if Path(c.path).parent == settings.BASE_DIR]
    roots += [Path(__file__).parent, *(Path(d) for t in settings.TEMPLATES for d in t["DIRS"])]
    files = sorted({p for root in roots for p in root.rglob("*") if p.suffix in (".py", ".html")})
    files += [p for p in [Path(settings.STATIC_ROOT or "", "staticfiles.json")] if settings.STATIC_ROOT and p.exists()]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def keeps(request, response):
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and not response.has_header("Content-Disposition")
        and not len(messages.get_messages(request))  # the view left a message for the next page
    )


def uncommitted(connection):
    """Inside a transaction that has written, a mark of its latest write (only this connection sees it)."""
    pending = any(entry[1] is data_changed for entry in connection.run_on_commit)
    return "+" + connection.uncommitted_writes if pending else ""


def counted(sql):
    if sql.lstrip()[:1] not in "IiUuDdRrTt":  # SELECT, SAVEPOINT…: the regular expression is not needed
        return False
    match = WRITE.match(sql)
    return bool(match) and not match.group(1).lower().startswith(UNCOUNTED_TABLES)


def version_ready(connection):
    """Whether the version's table exists yet: not while `migrate` builds a new database (tests, first deploy)."""
    if not getattr(connection, "version_table_ready", False):
        connection.version_table_ready = VERSION_TABLE in connection.introspection.table_names()
    return connection.version_table_ready


def watch_writes(execute, sql, params, many, context):
    connection = context["connection"]
    if not connection.in_atomic_block:
        catch_up(connection)
    result = execute(sql, params, many, context)
    if counted(sql) and version_ready(connection):
        if connection.in_atomic_block:  # others see the change at commit; this transaction's reads at once
            if not uncommitted(connection):
                transaction.on_commit(data_changed, using=connection.alias, robust=True)
            connection.uncommitted_writes = uuid.uuid4().hex
        elif context["cursor"].description is None or connection.vendor != "sqlite":
            data_changed()  # written and committed
        else:  # sqlite3 reads an INSERT … RETURNING's rows step by step: move on at the next safe point
            connection.version_behind = True
    return result


def catch_up(connection=None, **kwargs):
    """Move the version on for writes made outside a transaction: before the connection's next statement,
    at the end of each request and each task, and when the process exits."""
    for each in [connection] if connection else connections.all(initialized_only=True):
        if getattr(each, "version_behind", False):
            each.version_behind = False
            data_changed()


def watch(sender, connection, **kwargs):
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def watch_all():
    """Watch every connection: those opened from now on, and this thread's already open."""
    from django_tasks.signals import task_finished

    connection_created.connect(watch, dispatch_uid="jinchen-versions")
    request_finished.connect(catch_up, dispatch_uid="jinchen-versions")
    task_finished.connect(catch_up, dispatch_uid="jinchen-versions")
    atexit.register(catch_up)
    for connection in connections.all(initialized_only=True):
        watch(None, connection)
